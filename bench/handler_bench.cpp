// flowc_handler_bench: the benchmark queries of ../shared/bench/peers/QUERIES.md
// (q1, q2) end to end, flowc's handlers against the hand-written Python and
// Node peers and a no-op handler (the transport floor), and flowc's Nexmark
// queries (bench/nexmark) with their own floor, in ONE run.
//
// Every contestant is a Lambda zip unpacked into its own task root and run by
// run::LocalLambda (the real bootstrap, the real Runtime API server):
//   flowc-qN    the zip `flowc build bench/qN.flow` writes (N = 1, 2)
//   python-qN   ../shared/bench/peers/python/bootstrap, zipped with
//               writeLambdaZip, FLOW_BENCH_QUERY=qN
//   node-qN     ../shared/bench/peers/node/bootstrap, likewise
//   noop        bench/noop_handler.cpp built with buildBootstrap() and zipped,
//               on the clickstream events (the floor of q1 and q2)
//   flowc-q2-window  `flowc build bench/q2_window.flow` (q2 per page over
//               Lambda's 60-second tumbling windows) on the clickstream events
//               made window invokes that CARRY STATE: event b is the window's
//               final invoke and carries the state the same handler returned
//               (in setup, not timed) for event b-1's records, so each timed
//               invocation decodes a state, aggregates 5000 records into it and
//               emits every group; checked against q2_oracle.py over the
//               records of events b-1 and b together
//   nexmark-qN  `flowc build bench/nexmark/qN.flow` (N = 0, 1, 2, 5, 7) on
//               bench/nexmark/gen_nexmark.py's events (q5 and q7: the same
//               records as tumbling-window invokes, state {})
//   noop-nexmark  the no-op on the Nexmark events (their floor)
//   python-wrong  (only when asked for) the Python peer running q2, checked as
//               q1: a contestant known to answer wrongly, so the smoke test
//               can see the correctness check fail
// The peers' language runtimes (python3, node) are not in their zips: on
// Lambda the managed runtime provides them.
//
// Why it is measured the way it is:
// - Contestants are interleaved per event, in a new random order each time
//   (a fixed seed), so machine noise (2 cores shared with other work) falls
//   on all alike; the first `warmup` invocations of each are discarded.
//   Event b of a round is the b-th event of each contestant's workload.
// - Each runtime is frozen between its invocations, as Lambda freezes an
//   execution environment (LambdaConfig::freezeBetweenInvocations: SIGSTOP
//   once its answer is in, SIGCONT before its next event). A managed
//   runtime goes on working after it answers (the Node peer's GC and
//   compiler threads: 0.7-4.4 ms of CPU after each answer, medians of
//   runs); unfrozen, that work ran during whichever contestant came next on
//   this 2-core machine, and in the rotating order this benchmark used
//   before, flowc q2 always followed the Node peer's q1 and paid 0.3-0.6 ms
//   for it. Frozen, it waits for the runtime's own next invocation, as on
//   Lambda. (Waiting for the machine to go idle instead made every
//   invocation ~0.6 ms slower: a CPU woken from idle is slow to start.) The
//   CPU a runtime uses between its answer and its next invocation is
//   reported ("after ms"): what it did before it was frozen.
// - Per-invocation time is LocalLambda's durationMs: event handed out →
//   response received, what Lambda bills. Handler work = median − the median
//   of the no-op on the same events; records/s per core = records per event /
//   handler work.
// - Init = process start → first GET /next (LocalLambda's initDurationMs);
//   the first cold start of the run plus `cold-starts` more, median.
// - CPU per invocation: the runtime process's CPU clock (all its threads:
//   clock_getcpuclockid), read before and after each timed invoke. Billed
//   time is wall-clock and grows with the machine's load; CPU time shows the
//   work a contestant did whatever else ran, so both are reported.
// - Peak RSS = VmHWM of /proc/<pid>/status, read just before the first
//   shutdown (the runtime process's high-water mark after every timed
//   invocation). The peers' bootstraps exec their interpreter (env python3),
//   so the pid is the interpreter's.
// - Correctness in the same run: for every invocation, a contestant's log
//   lines (without its EMF metrics line) must be the multiset its workload's
//   independent oracle prints for that event's records (tests/e2e/q1_oracle.py,
//   tests/e2e/q2_oracle.py, bench/nexmark/oracle.py), and its answer
//   {"batchItemFailures":[]} (windowed: plus a "state" object). Lines are
//   compared as JSON objects: members in order, strings exactly, numbers as
//   the doubles they denote (Node writes 250 where Python writes 250.0). A
//   contestant that answers wrongly even once is reported and not timed. The
//   no-ops print nothing and are not checked.
// - --build-timings N: N builds of bench/q2.flow, each with an empty build
//   cache (so the C++ is really compiled; the prebuilt runtime, libflowrt.a
//   and its precompiled header, is what is warm): `flowc build --timings`'s
//   own split, and the same TU compiled (-c), linked and stripped as separate
//   steps with the toolchain flowc uses, to split compile from link.
//
// Prints a table on stdout; --json FILE writes everything for
// bench/make_results.py (RESULTS.md and the chart). Exit 0 when every
// contestant answered correctly, 1 when one did not, 2 usage, 3 setup.
#include <fmt/format.h>
#include <simdjson.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "driver/toolchain.h"
#include "driver/zip.h"
#include "run/local_lambda.h"
#include "support/json_writer.h"
#include "support/process.h"

namespace fs = std::filesystem;
using namespace flowc;

namespace {

struct Settings {
  int records = 5000;  // per event
  int batches = 4;     // events
  int rounds = 5;      // timed passes over every event
  int warmup = 1;      // discarded passes
  int coldStarts = 5;  // extra cold starts per contestant
  int buildTimings = 0;  // builds of bench/q2.flow to time (0: none)
  int nexmarkRate = 100;  // Nexmark events per second of event time (windows need several per batch)
  int timeoutMs = 60000;
  std::string flowc = FLOWC_BENCH_FLOWC;
  std::string source = FLOWC_SOURCE_DIR;
  std::string shared = FLOWC_SHARED_DIR;
  std::string cacheDir;  // FLOWC_CACHE_DIR for the builds; empty: flowc's default
  std::string work;      // empty: a fresh directory under /tmp, removed at the end
  bool keep = false;
  std::string jsonOut;
  std::vector<std::string> contestants = {"flowc", "python", "node", "noop"};
  std::vector<std::string> queries = {"q1", "q2", "q2-window"};
  std::vector<std::string> nexmark = {"q0", "q1", "q2", "q5", "q7"};
  bool wrongContestant = false;  // python-wrong
};

const char* const kUsage =
    "usage: flowc_handler_bench [--records N] [--batches B] [--rounds R] [--warmup W]\n"
    "         [--cold-starts C] [--contestants flowc,python,node,noop[,python-wrong]]\n"
    "         [--queries q1,q2,q2-window|none] [--nexmark q0,q1,q2,q5,q7|none] [--nexmark-rate EVENTS_PER_S]\n"
    "         [--build-timings N] [--json OUT.json]\n"
    "         [--flowc PATH] [--source DIR] [--shared DIR] [--cache DIR] [--work DIR] [--keep]\n"
    "         [--timeout-ms MS]\n";

// A set of events every contestant of it is invoked with.
struct EventSet {
  std::string name;  // clicks, nexmark, nexmark-window
  std::string dir;
  std::vector<std::string> bodies;
  std::vector<std::string> recordFiles;  // one records.jsonl per event
  uint64_t bytes = 0;
};

// What a contestant computes, and what it must print for each event.
struct Workload {
  std::string name;  // q1, q2, nexmark-q0, …, none (the no-ops)
  std::string eventSet;
  bool windowed = false;
  std::string reference;  // the oracle, for the report
  std::vector<std::vector<std::string>> expected;  // canonical lines, sorted, per event
};

struct Contestant {
  std::string name;
  std::string label;
  std::string impl;      // flowc, python, node, noop
  std::string workload;  // whose expected lines it is checked against
  std::string eventSet;
  std::string floor;  // the no-op contestant of its event set
  bool checked = true;  // compared with the oracle (not the noop)
  bool windowed = false;
  std::string zipPath;
  uint64_t zipBytes = 0;
  uint64_t bootstrapBytes = 0;
  std::string root;  // the unpacked zip: LAMBDA_TASK_ROOT
  std::vector<std::string> environment;
  std::unique_ptr<run::LocalLambda> lambda;
  std::vector<double> durations;  // timed invocations, ms
  std::vector<double> cpu;        // CPU time the runtime process used in each, ms
  std::vector<double> cpuAfter;   // CPU it used between answering and its next invocation, ms
  double cpuAtAnswer = NAN;       // its CPU clock when it last answered
  std::vector<double> inits;      // cold starts, ms
  long peakRssKb = -1;
  int invocations = 0;  // checked invocations (warm-up, timed, cold starts)
  int wrong = 0;        // answered, but not what its query must answer
  int failed = 0;       // did not answer
  std::string problem;  // the first one
  bool correct() const { return wrong == 0 && failed == 0; }
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The speed of this machine's cores as the run saw them: dependent additions
// a nanosecond (one a cycle, so about the clock in GHz), the median of five
// 20-million-add loops. A shared cloud host's cores run anywhere from ~2 to
// ~3.5 GHz as its other tenants come and go, and the contestants do not slow
// alike (the interpreters more than flowc's handlers and the transport), so
// the ratios of runs at different speeds differ: the results say at which.
double clockProbeGhz() {
  std::vector<double> rates;
  for (int k = 0; k < 5; ++k) {
    uint64_t x = 0;
    constexpr uint64_t kAdds = 20'000'000;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < kAdds; ++i) {
      x += 1;
      asm volatile("" : "+r"(x));  // one add a step, none folded away
    }
    std::chrono::duration<double, std::nano> ns = std::chrono::steady_clock::now() - t0;
    rates.push_back(static_cast<double>(kAdds) / ns.count());
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Nearest rank.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

// CPU time (ms) the process has used so far, all threads; NAN when unknown.
double processCpuMs(pid_t pid) {
  clockid_t clock;
  timespec t{};
  if (pid <= 0 || ::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &t) != 0) return NAN;
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

long vmHwmKb(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::optional<Settings> parseArgs(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    auto number = [&](int& into, int min) {
      auto v = value();
      if (!v) return false;
      char* end = nullptr;
      long n = std::strtol(v->c_str(), &end, 10);
      if (*end != '\0' || n < min || n > 1000000) return false;
      into = static_cast<int>(n);
      return true;
    };
    auto list = [&](std::vector<std::string>& into, std::initializer_list<const char*> allowed) {
      auto v = value();
      if (!v) return false;
      into = *v == "none" ? std::vector<std::string>{} : split(*v, ',');
      for (const std::string& x : into)
        if (std::none_of(allowed.begin(), allowed.end(), [&](const char* ok) { return x == ok; })) return false;
      return true;
    };
    bool ok = true;
    if (a == "--records") ok = number(s.records, 1);
    else if (a == "--batches") ok = number(s.batches, 1);
    else if (a == "--rounds") ok = number(s.rounds, 1);
    else if (a == "--warmup") ok = number(s.warmup, 0);
    else if (a == "--cold-starts") ok = number(s.coldStarts, 0);
    else if (a == "--build-timings") ok = number(s.buildTimings, 0);
    else if (a == "--nexmark-rate") ok = number(s.nexmarkRate, 1);
    else if (a == "--timeout-ms") ok = number(s.timeoutMs, 100);
    else if (a == "--keep") s.keep = true;
    else if (a == "--queries") ok = list(s.queries, {"q1", "q2", "q2-window"});
    else if (a == "--nexmark") ok = list(s.nexmark, {"q0", "q1", "q2", "q5", "q7"});
    else if (a == "--contestants") {
      ok = list(s.contestants, {"flowc", "python", "node", "noop", "python-wrong"}) && !s.contestants.empty();
      auto w = std::find(s.contestants.begin(), s.contestants.end(), "python-wrong");
      s.wrongContestant = w != s.contestants.end();
      if (s.wrongContestant) s.contestants.erase(w);
    } else {
      std::string* into = a == "--flowc"    ? &s.flowc
                          : a == "--source" ? &s.source
                          : a == "--shared" ? &s.shared
                          : a == "--cache"  ? &s.cacheDir
                          : a == "--work"   ? &s.work
                          : a == "--json"   ? &s.jsonOut
                                            : nullptr;
      if (!into) {
        std::cerr << "flowc_handler_bench: unknown option '" << a << "'\n" << kUsage;
        return std::nullopt;
      }
      auto v = value();
      ok = v.has_value();
      if (ok) *into = *v;
    }
    if (!ok) {
      std::cerr << "flowc_handler_bench: bad value for '" << a << "'\n" << kUsage;
      return std::nullopt;
    }
  }
  return s;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// A log line as compared: its members in order, strings exactly, numbers as
// the doubles they denote (shortest round trip), so "250.0" (Python) and
// "250" (Node) are one value. A line that is not a flat JSON object stays as
// it is (and will not match).
std::string canonicalLine(simdjson::dom::parser& parser, const std::string& line) {
  simdjson::dom::element doc;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS) return "unparsed:" + line;
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return "unparsed:" + line;
  std::string out;
  for (auto field : obj) {
    out += std::string(field.key);
    out += '=';
    simdjson::dom::element v = field.value;
    switch (v.type()) {
      case simdjson::dom::element_type::STRING: out += "s:" + std::string(std::string_view(v.get_string())); break;
      case simdjson::dom::element_type::INT64: out += fmt::format("n:{}", static_cast<double>(int64_t(v.get_int64()))); break;
      case simdjson::dom::element_type::UINT64: out += fmt::format("n:{}", static_cast<double>(uint64_t(v.get_uint64()))); break;
      case simdjson::dom::element_type::DOUBLE: out += fmt::format("n:{}", double(v.get_double())); break;
      case simdjson::dom::element_type::BOOL: out += bool(v.get_bool()) ? "true" : "false"; break;
      case simdjson::dom::element_type::NULL_VALUE: out += "null"; break;
      default: out += "json:" + simdjson::minify(v); break;
    }
    out += '\x1f';
  }
  return out;
}

std::vector<std::string> canonicalLines(const std::vector<std::string>& lines) {
  simdjson::dom::parser parser;
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const std::string& l : lines) out.push_back(canonicalLine(parser, l));
  std::sort(out.begin(), out.end());
  return out;
}

// Unpacks the zip into dir/root, as Lambda unpacks it into /var/task.
std::optional<std::string> unpack(Contestant& c, const std::string& dir) {
  std::error_code ec;
  c.zipBytes = fs::file_size(c.zipPath, ec);
  if (ec) return fmt::format("cannot stat '{}': {}", c.zipPath, ec.message());
  c.root = dir + "/root";
  if (auto e = extractZip(c.zipPath, c.root)) return fmt::format("cannot unpack '{}': {}", c.zipPath, *e);
  c.bootstrapBytes = fs::file_size(c.root + "/bootstrap", ec);
  if (ec) return fmt::format("'{}' holds no bootstrap", c.zipPath);
  return std::nullopt;
}

std::optional<std::string> flowcBuild(const Settings& s, const std::string& flowFile, const std::string& zip) {
  std::vector<std::string> argv = {s.flowc, "build", flowFile, "-o", zip};
  CommandOptions options;
  options.timeoutMs = 10 * 60 * 1000;
  if (!s.cacheDir.empty()) options.env = {"FLOWC_CACHE_DIR=" + s.cacheDir};
  CommandResult r = runCommand(argv, options);
  if (!r.ok()) return fmt::format("flowc build {} failed: {}\n{}{}", flowFile, r.describe(s.flowc), r.error, r.err);
  return std::nullopt;
}

std::optional<std::string> prepare(Contestant& c, const Settings& s, const std::string& work) {
  std::string dir = work + "/" + c.name;
  fs::create_directories(dir);
  c.zipPath = dir + "/" + c.name + ".zip";
  if (c.impl == "flowc") {
    bool nexmark = c.workload.rfind("nexmark-", 0) == 0;
    std::string q = nexmark ? c.workload.substr(8) : c.workload;
    std::string file = nexmark ? s.source + "/bench/nexmark/" + q + ".flow"
                               : s.source + "/bench/" + (q == "q2-window" ? "q2_window" : q) + ".flow";
    c.label = nexmark ? "flowc Nexmark " + q : "flowc " + q;
    if (auto e = flowcBuild(s, file, c.zipPath)) return e;
  } else if (c.impl == "noop") {
    c.label = c.eventSet == "clicks" ? "no-op (floor)" : "no-op on Nexmark events (floor)";
    c.checked = false;
    std::string path = s.source + "/bench/noop_handler.cpp";
    std::string cpp = readFile(path);
    if (cpp.empty()) return fmt::format("cannot read '{}'", path);
    BuildOptions options;
    options.cacheDir = s.cacheDir;  // empty: the default, as flowc build
    BuildResult b = buildBootstrap(cpp, Arch::X86_64, options);
    if (!b.ok()) return fmt::format("building the no-op handler failed:\n{}", b.error);
    if (auto e = writeLambdaZip(c.zipPath, b.bootstrapPath)) return *e;
  } else {
    std::string query = c.name == "python-wrong" ? "q2" : c.workload;
    c.label = c.name == "python-wrong" ? "Python peer running q2, checked as q1 (known wrong)"
                                       : fmt::format("{} peer {}", c.impl == "python" ? "Python" : "Node", query);
    std::string bootstrap = s.shared + "/bench/peers/" + c.impl + "/bootstrap";
    if (!fs::exists(bootstrap)) return fmt::format("no peer at '{}'", bootstrap);
    if (auto e = writeLambdaZip(c.zipPath, bootstrap)) return *e;
    c.environment = {"FLOW_BENCH_QUERY=" + query};
  }
  if (auto e = unpack(c, dir)) return e;
  run::LambdaConfig config;
  config.bootstrap = c.root + "/bootstrap";
  config.taskRoot = c.root;
  config.functionName = "bench-" + c.name;
  config.timeoutMs = s.timeoutMs;
  config.initTimeoutMs = s.timeoutMs;
  config.environment = c.environment;
  config.freezeBetweenInvocations = true;  // as Lambda does (see "Why it is measured")
  c.lambda = std::make_unique<run::LocalLambda>(config);
  if (auto e = c.lambda->open()) return fmt::format("cannot start the Runtime API server: {}", *e);
  return std::nullopt;
}

bool isMetricsLine(const std::string& line) { return line.rfind("{\"_aws\":", 0) == 0; }

std::string withoutSpaces(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](char ch) { return ch == ' ' || ch == '\n'; }), s.end());
  return s;
}

// A windowed handler's answer: no failures, and the window state (an object).
bool isWindowAnswer(const std::string& response) {
  const std::string r = withoutSpaces(response);
  const std::string_view head = R"({"batchItemFailures":[],"state":{)";
  return r.size() >= head.size() + 2 && r.compare(0, head.size(), head) == 0 && r.compare(r.size() - 2, 2, "}}") == 0;
}

// Records the first problem of a contestant; true when the answer is right.
bool check(Contestant& c, const run::InvokeResult& r, const std::vector<std::string>* expected,
           const std::string& what) {
  ++c.invocations;
  auto note = [&](std::string problem) {
    if (c.problem.empty()) c.problem = fmt::format("{}: {}", what, problem);
  };
  if (!r.ok) {
    ++c.failed;
    // The end of stderr: where a traceback says what went wrong.
    std::string err = r.stderrText.size() > 600 ? "…" + r.stderrText.substr(r.stderrText.size() - 600) : r.stderrText;
    std::string refused;
    for (const std::string& e : r.protocolErrors) refused += " [refused: " + e + "]";
    note(fmt::format("no answer: {}: {}{} {}", r.errorType, r.errorMessage, refused, err));
    return false;
  }
  bool answerOk = c.windowed ? isWindowAnswer(r.response)
                             : withoutSpaces(r.response) == R"({"batchItemFailures":[]})";
  if (!answerOk) {
    ++c.wrong;
    note(fmt::format("answered {}", r.response.substr(0, 200)));
    return false;
  }
  if (!c.checked || !expected) return true;
  std::vector<std::string> raw;
  for (const std::string& line : r.logLines)
    if (!isMetricsLine(line)) raw.push_back(line);
  std::vector<std::string> lines = canonicalLines(raw);
  if (lines != *expected) {
    ++c.wrong;
    std::vector<std::string> missing, extra;
    std::set_difference(expected->begin(), expected->end(), lines.begin(), lines.end(), std::back_inserter(missing));
    std::set_difference(lines.begin(), lines.end(), expected->begin(), expected->end(), std::back_inserter(extra));
    auto show = [](std::string x) {
      std::replace(x.begin(), x.end(), '\x1f', ' ');
      return x;
    };
    note(fmt::format("{} log lines, expected {}; {} missing (first: {}), {} unexpected (first: {})", lines.size(),
                     expected->size(), missing.size(), missing.empty() ? "-" : show(missing.front()), extra.size(),
                     extra.empty() ? "-" : show(extra.front())));
    return false;
  }
  return true;
}

// Waits (at most 2 s) until the runtime has asked for its next event. Before a
// shutdown this matters: a runtime that opens a connection per request (the
// Python peer's urllib) may have a GET /next still in the server's accept
// backlog, which RuntimeApiServer::resetSandbox() does not drop; the next
// runtime's own /next would then be refused (403) while the dead one's holds
// the event. Taking the calls here is harmless: the runtime is warm (its init
// is over) and idle, so nothing else is pending.
void quiesce(Contestant& c) {
  if (!c.lambda->running()) return;
  c.lambda->thaw();
  run::RuntimeApiServer& server = c.lambda->server();
  auto until = run::Clock::now() + std::chrono::seconds(2);
  while (run::Clock::now() < until) {
    for (const run::RuntimeCall& call : server.takeCalls())
      if (call.kind == run::RuntimeCall::NextRequested) return;
    server.wait(50);
  }
}

std::string num(double v, int decimals) {
  if (std::isnan(v)) return "-";
  return fmt::format("{:.{}f}", v, decimals);
}

// Generates an event set: gen_kinesis.py or gen_nexmark.py, and one
// records file per event.
std::optional<std::string> makeEvents(EventSet& set, const Settings& s, const std::string& work) {
  set.dir = work + "/events-" + set.name;
  std::vector<std::string> argv;
  if (set.name == "clicks") {
    argv = {"python3", s.shared + "/bench/gen_kinesis.py"};
  } else {
    argv = {"python3", s.source + "/bench/nexmark/gen_nexmark.py", "--rate", std::to_string(s.nexmarkRate)};
    if (set.name == "nexmark-window") argv.push_back("--window");
  }
  argv.insert(argv.end(), {"--records", std::to_string(s.records), "--batches", std::to_string(s.batches), "--out",
                           set.dir});
  CommandResult gen = runCommand(argv);
  if (!gen.ok()) return fmt::format("{}: {}\n{}", argv[1], gen.describe("python3"), gen.err);
  std::vector<std::string> records = run::splitLines(readFile(set.dir + "/records.jsonl"));
  if (records.size() != static_cast<size_t>(s.records) * static_cast<size_t>(s.batches))
    return fmt::format("{}/records.jsonl holds {} records, expected {}", set.dir, records.size(),
                       s.records * s.batches);
  for (int b = 0; b < s.batches; ++b) {
    set.bodies.push_back(readFile(fmt::format("{}/event-{:03}.json", set.dir, b)));
    set.bytes += set.bodies.back().size();
    std::string part = fmt::format("{}/records-{:03}.jsonl", set.dir, b);
    std::ofstream out(part, std::ios::binary);
    for (int i = 0; i < s.records; ++i) out << records[static_cast<size_t>(b * s.records + i)] << '\n';
    set.recordFiles.push_back(part);
  }
  return std::nullopt;
}

std::optional<std::string> makeExpected(Workload& w, const EventSet& set, const Settings& s) {
  for (const std::string& part : set.recordFiles) {
    std::vector<std::string> argv;
    if (w.name == "q1" || w.name == "q2") {
      w.reference = "tests/e2e/" + w.name + "_oracle.py";
      argv = {"python3", s.source + "/" + w.reference, part};
    } else {
      w.reference = "bench/nexmark/oracle.py";
      argv = {"python3", s.source + "/" + w.reference, w.name.substr(8), part};
    }
    CommandResult oracle = runCommand(argv);
    if (!oracle.ok()) return fmt::format("{}: {}\n{}", w.reference, oracle.describe("python3"), oracle.err);
    w.expected.push_back(canonicalLines(run::splitLines(oracle.out)));
  }
  return std::nullopt;
}

// The window invokes of flowc-q2-window: for each clickstream event b, the
// state the handler returns for b's records (a first, not final invoke: no
// rows), then the timed event: b's records as the window's final invoke,
// carrying the state of event b-1. What it must print: q2 over the records of
// b-1 and b (q2_oracle.py on both), each row with Lambda's window end.
std::string windowInvoke(const std::string& body, const std::string& state, bool final) {
  std::string e = body;
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  if (e.empty() || e.back() != '}') return e;
  e.pop_back();
  e += R"(,"window":{"start":"2025-11-23T10:00:00Z","end":"2025-11-23T10:01:00Z"},"state":)" + state +
       R"(,"shardId":"shardId-000000000000","eventSourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/clicks",)" +
       R"("isFinalInvokeForWindow":)" + (final ? "true" : "false") + R"(,"isWindowTerminatedEarly":false})";
  return e;
}

std::optional<std::string> makeWindowEvents(Contestant& c, std::map<std::string, EventSet>& sets,
                                            std::map<std::string, Workload>& workloads, const Settings& s,
                                            const std::string& work) {
  const EventSet& clicks = sets.at("clicks");
  const size_t count = clicks.bodies.size();
  std::vector<std::string> states;
  for (size_t b = 0; b < count; ++b) {
    run::InvokeResult r = c.lambda->invoke(windowInvoke(clicks.bodies[b], "{}", false));
    std::string answer = withoutSpaces(r.response);
    size_t at = answer.find("\"state\":");
    if (!r.ok || !isWindowAnswer(r.response) || at == std::string::npos)
      return fmt::format("flowc-q2-window: the state-making invoke of event {} answered {} {}", b,
                         r.response.substr(0, 200), r.errorMessage);
    states.push_back(answer.substr(at + 8, answer.size() - 1 - (at + 8)));
  }
  EventSet set;
  set.name = "clicks-window";
  set.dir = work + "/events-clicks-window";
  fs::create_directories(set.dir);
  Workload w;
  w.name = "q2-window";
  w.eventSet = set.name;
  w.windowed = true;
  w.reference = "tests/e2e/q2_oracle.py (events b-1 and b), with window_end";
  for (size_t b = 0; b < count; ++b) {
    size_t prev = (b + count - 1) % count;
    set.bodies.push_back(windowInvoke(clicks.bodies[b], states[prev], true));
    set.bytes += set.bodies.back().size();
    std::string both = fmt::format("{}/records-{:03}.jsonl", set.dir, b);
    std::ofstream(both, std::ios::binary) << readFile(clicks.recordFiles[prev]) << readFile(clicks.recordFiles[b]);
    CommandResult oracle = runCommand({"python3", s.source + "/tests/e2e/q2_oracle.py", both});
    if (!oracle.ok()) return fmt::format("q2_oracle.py: {}\n{}", oracle.describe("python3"), oracle.err);
    std::vector<std::string> lines;
    for (std::string line : run::splitLines(oracle.out)) {
      if (line.empty() || line.back() != '}') return "q2_oracle.py printed a line that is not an object: " + line;
      line.pop_back();
      lines.push_back(line + R"(,"window_end":"2025-11-23T10:01:00.000Z"})");
    }
    w.expected.push_back(canonicalLines(lines));
  }
  sets.emplace(set.name, std::move(set));
  workloads.emplace(w.name, std::move(w));
  return std::nullopt;
}

// --build-timings: where a build of a sample goes.
struct BuildTiming {
  std::vector<double> totalMs, frontEndMs, emitMs, compileLinkMs, zipMs;  // flowc build --timings, and wall
  std::vector<double> compileOnlyMs, linkOnlyMs, stripMs;                  // the same TU, step by step
  uint64_t zipBytes = 0, bootstrapBytes = 0, unstrippedBytes = 0, objectBytes = 0;
  // flowc compiles and links in one clang++ run; whether the precompiled
  // header loads in such a run (with the link's -static) — when it does not,
  // flowc compiles again without it. Empty: it loads.
  std::string sample, error;
};

double elapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

BuildTiming timeBuilds(const Settings& s, const std::string& work) {
  BuildTiming t;
  t.sample = "bench/q2.flow";
  std::string flow = s.source + "/" + t.sample;
  std::string dir = work + "/build-timings";
  fs::create_directories(dir);
  static const std::regex line(
      R"(front end ([0-9.]+) ms, generate C\+\+ ([0-9.]+) ms, compile and link ([0-9.]+) ms( \(cached\))?, zip ([0-9.]+) ms)");
  ToolchainLookup tl = findHandlerToolchain(Arch::X86_64);
  if (!tl.ok()) {
    t.error = tl.error;
    return t;
  }
  const HandlerToolchain& tc = tl.toolchain;
  CommandResult emitted = runCommand({s.flowc, "emit-cpp", flow});
  if (!emitted.ok()) {
    t.error = "flowc emit-cpp: " + emitted.err;
    return t;
  }
  std::string tu = dir + "/handler.cpp", obj = dir + "/handler.o", exe = dir + "/bootstrap";
  std::ofstream(tu, std::ios::binary) << emitted.out;
  // One build first, untimed: the page cache and the runtime's files warm.
  for (int i = -1; i < s.buildTimings; ++i) {
    std::string cache = fmt::format("{}/cache-{}", dir, i + 1);  // empty: nothing cached but the runtime
    CommandOptions options;
    options.env = {"FLOWC_CACHE_DIR=" + cache};
    std::string zip = dir + "/q2.zip";
    auto start = std::chrono::steady_clock::now();
    CommandResult r = runCommand({s.flowc, "build", flow, "-o", zip, "--timings"}, options);
    double wall = elapsedMs(start);
    std::smatch m;
    if (!r.ok() || !std::regex_search(r.err, m, line) || m[4].matched) {
      t.error = "flowc build --timings: " + r.describe(s.flowc) + " " + r.err;
      return t;
    }
    // The same TU, compile / link / strip as separate steps, each timed (flowc runs them in turn).
    std::vector<std::string> compile = {tc.cxx};
    compile.insert(compile.end(), tc.compileFlags.begin(), tc.compileFlags.end());
    for (const std::string& d : tc.includeDirs) compile.push_back("-I" + d);
    if (!tc.precompiledHeader.empty()) compile.insert(compile.end(), {"-include-pch", tc.precompiledHeader});
    compile.insert(compile.end(), {"-c", tu, "-o", obj});
    std::vector<std::string> link = {tc.cxx};
    link.insert(link.end(), tc.compileFlags.begin(), tc.compileFlags.end());
    link.insert(link.end(), {obj, tc.runtimeLibrary});
    link.insert(link.end(), tc.linkFlags.begin(), tc.linkFlags.end());
    link.insert(link.end(), {"-o", exe});
    auto t0 = std::chrono::steady_clock::now();
    CommandResult c = runCommand(compile);
    double compileMs = elapsedMs(t0);
    t0 = std::chrono::steady_clock::now();
    CommandResult l = c.ok() ? runCommand(link) : c;
    double linkMs = elapsedMs(t0);
    std::error_code ec;
    uint64_t unstripped = fs::file_size(exe, ec);
    t0 = std::chrono::steady_clock::now();
    CommandResult st = l.ok() ? runCommand({tc.strip, "--strip-all", exe}) : l;
    double stripMs = elapsedMs(t0);
    if (!st.ok()) {
      t.error = "compile/link/strip step by step: " + c.err + l.err + st.err;
      return t;
    }
    fs::remove_all(cache, ec);
    if (i < 0) continue;
    t.totalMs.push_back(wall);
    t.frontEndMs.push_back(std::stod(m[1]));
    t.emitMs.push_back(std::stod(m[2]));
    t.compileLinkMs.push_back(std::stod(m[3]));
    t.zipMs.push_back(std::stod(m[5]));
    t.compileOnlyMs.push_back(compileMs);
    t.linkOnlyMs.push_back(linkMs);
    t.stripMs.push_back(stripMs);
    t.zipBytes = fs::file_size(zip, ec);
    t.objectBytes = fs::file_size(obj, ec);
    t.unstrippedBytes = unstripped;
    t.bootstrapBytes = fs::file_size(exe, ec);
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Settings> parsed = parseArgs(argc, argv);
  if (!parsed) return 2;
  Settings s = *parsed;

  std::string work = s.work;
  bool removeWork = false;
  if (work.empty()) {
    char tmpl[] = "/tmp/flowc-bench-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      std::cerr << "flowc_handler_bench: cannot make a work directory\n";
      return 3;
    }
    work = tmpl;
    removeWork = !s.keep;
  }
  fs::create_directories(work);
  struct Cleanup {
    std::string dir;
    bool on;
    ~Cleanup() {
      std::error_code ec;
      if (on) fs::remove_all(dir, ec);
    }
  } cleanup{work, removeWork};
  auto fail = [&](const std::string& message) {
    std::cerr << "flowc_handler_bench: " << message << "\n";
    return 3;
  };

  // The contestants, their workloads and event sets.
  const bool withFlowc = has(s.contestants, "flowc"), withNoop = has(s.contestants, "noop");
  std::vector<Contestant> cs;
  auto add = [&](std::string name, std::string impl, std::string workload, std::string eventSet) {
    Contestant c;
    c.name = std::move(name);
    c.impl = std::move(impl);
    c.workload = std::move(workload);
    c.eventSet = std::move(eventSet);
    c.floor = c.eventSet == "clicks" ? "noop" : "noop-nexmark";
    c.windowed = c.eventSet == "nexmark-window";
    cs.push_back(std::move(c));
  };
  for (const std::string& q : s.queries) {
    if (q == "q2-window") continue;  // below: flowc only, its events made in setup
    for (const char* impl : {"flowc", "python", "node"})
      if (has(s.contestants, impl)) add(fmt::format("{}-{}", impl, q), impl, q, "clicks");
  }
  if (withFlowc && has(s.queries, "q2-window")) {
    add("flowc-q2-window", "flowc", "q2-window", "clicks-window");
    cs.back().floor = "noop";
  }
  if (withNoop && (!s.queries.empty() || s.wrongContestant)) add("noop", "noop", "none", "clicks");
  for (Contestant& c : cs) c.windowed = c.windowed || c.eventSet == "clicks-window";
  if (s.wrongContestant) add("python-wrong", "python", "q1", "clicks");
  if (withFlowc)
    for (const std::string& q : s.nexmark)
      add("nexmark-" + q, "flowc", "nexmark-" + q, q == "q5" || q == "q7" ? "nexmark-window" : "nexmark");
  if (withNoop && withFlowc && !s.nexmark.empty()) add("noop-nexmark", "noop", "none", "nexmark");
  if (cs.empty()) return fail("no contestants");

  // The workloads' events, and what each query must print for each event.
  std::map<std::string, EventSet> sets;
  std::map<std::string, Workload> workloads;
  for (const Contestant& c : cs) {
    if (c.eventSet == "clicks-window") {
      if (!sets.count("clicks")) {
        EventSet set;
        set.name = "clicks";
        if (auto e = makeEvents(set, s, work)) return fail(*e);
        sets.emplace("clicks", std::move(set));
      }
      continue;  // after the contestants are ready (its events carry states they return)
    }
    if (!sets.count(c.eventSet)) {
      EventSet set;
      set.name = c.eventSet;
      if (auto e = makeEvents(set, s, work)) return fail(*e);
      sets.emplace(c.eventSet, std::move(set));
    }
    if (c.workload != "none" && !workloads.count(c.workload)) {
      Workload w;
      w.name = c.workload;
      w.eventSet = c.eventSet;
      w.windowed = c.windowed;
      std::cerr << "oracle for " << w.name << "…\n";
      if (auto e = makeExpected(w, sets.at(c.eventSet), s)) return fail(*e);
      workloads.emplace(c.workload, std::move(w));
    }
  }
  const std::string emptyEvent = R"({"Records":[]})";
  const std::vector<std::string> noLines;

  for (Contestant& c : cs) {
    std::cerr << "preparing " << c.name << "…\n";
    if (auto e = prepare(c, s, work)) return fail(*e);
  }
  const size_t n = cs.size();

  for (Contestant& c : cs) {
    if (c.eventSet != "clicks-window") continue;
    if (auto e = makeWindowEvents(c, sets, workloads, s, work)) return fail(*e);
  }

  // Warm-up, then timed rounds: per event, every contestant, in a shuffled order.
  const double clockBefore = clockProbeGhz();
  std::mt19937 shuffler(20261125);
  std::vector<size_t> order(n);
  for (size_t k = 0; k < n; ++k) order[k] = k;
  for (int round = 0; round < s.warmup + s.rounds; ++round) {
    bool timed = round >= s.warmup;
    for (int b = 0; b < s.batches; ++b) {
      std::shuffle(order.begin(), order.end(), shuffler);
      for (size_t k : order) {
        Contestant& c = cs[k];
        const auto bi = static_cast<size_t>(b);
        const std::vector<std::string>* expected =
            c.workload == "none" ? nullptr : &workloads.at(c.workload).expected[bi];
        pid_t pid = c.lambda->pid();
        double cpuBefore = processCpuMs(pid);
        run::InvokeResult r = c.lambda->invoke(sets.at(c.eventSet).bodies[bi]);
        // What it used since its previous answer: its work after answering.
        if (timed && !std::isnan(c.cpuAtAnswer) && !std::isnan(cpuBefore))
          c.cpuAfter.push_back(cpuBefore - c.cpuAtAnswer);
        double cpuAfter = c.lambda->pid() == pid ? processCpuMs(pid) : NAN;
        c.cpuAtAnswer = cpuAfter;
        if (r.initDurationMs) c.inits.push_back(*r.initDurationMs);
        bool right = check(c, r, expected, fmt::format("round {} event {}", round, b));
        if (timed && right) {
          c.durations.push_back(r.durationMs);
          if (!std::isnan(cpuBefore) && !std::isnan(cpuAfter)) c.cpu.push_back(cpuAfter - cpuBefore);
        }
      }
    }
  }
  const double clockAfter = clockProbeGhz();
  for (Contestant& c : cs) {
    if (c.lambda->running()) c.peakRssKb = vmHwmKb(c.lambda->pid());
  }
  // More cold starts, on an empty event (init is what is measured); a
  // windowed handler needs the window's fields even then.
  const std::string emptyWindowEvent =
      R"({"Records":[],"window":{"start":"2026-11-01T00:00:00Z","end":"2026-11-01T00:15:00Z"},"state":{},)"
      R"("shardId":"shardId-000000000000","eventSourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/nexmark",)"
      R"("isFinalInvokeForWindow":false,"isWindowTerminatedEarly":false})";
  for (int i = 0; i < s.coldStarts; ++i) {
    for (size_t k = 0; k < n; ++k) {
      Contestant& c = cs[(static_cast<size_t>(i) + k) % n];
      quiesce(c);
      c.lambda->shutdown();
      run::InvokeResult r = c.lambda->invoke(c.windowed ? emptyWindowEvent : emptyEvent);
      if (r.initDurationMs) c.inits.push_back(*r.initDurationMs);
      check(c, r, &noLines, fmt::format("cold start {}", i + 1));
    }
  }
  for (Contestant& c : cs) {
    quiesce(c);
    c.lambda->shutdown();
  }

  BuildTiming bt;
  if (s.buildTimings > 0) {
    std::cerr << "timing " << s.buildTimings << " builds…\n";
    bt = timeBuilds(s, work);
    if (!bt.error.empty()) return fail("build timings: " + bt.error);
  }

  // Results.
  auto find = [&](const std::string& name) -> const Contestant* {
    for (const Contestant& c : cs)
      if (c.name == name && c.correct()) return &c;
    return nullptr;
  };
  auto floorOf = [&](const Contestant& c, bool cpu) -> double {
    const Contestant* f = find(c.floor);
    return f ? median(cpu ? f->cpu : f->durations) : NAN;
  };
  auto work_of = [&](const Contestant& c) -> double {
    if (!c.correct()) return NAN;
    return c.impl == "noop" ? 0.0 : median(c.durations) - floorOf(c, false);
  };
  auto cpuWorkOf = [&](const Contestant& c) -> double {
    if (!c.correct()) return NAN;
    return c.impl == "noop" ? 0.0 : median(c.cpu) - floorOf(c, true);
  };
  bool allCorrect = std::all_of(cs.begin(), cs.end(), [](const Contestant& c) { return c.correct(); });
  int checkedInvocations = 0;
  for (const Contestant& c : cs) checkedInvocations += c.invocations;

  for (const auto& [name, set] : sets)
    std::cout << fmt::format("{}: {} events of {} records ({:.2f} MB each)\n", name, s.batches, s.records,
                             static_cast<double>(set.bytes) / s.batches / 1e6);
  std::cout << fmt::format("{} timed invocations per contestant; cores at {:.2f} GHz before, {:.2f} after "
                           "(dependent adds a ns)\n",
                           s.rounds * s.batches, clockBefore, clockAfter);
  std::cout << fmt::format("{:<14} {:>6} {:>10} {:>10} {:>10} {:>14} {:>9} {:>10} {:>9} {:>8} {:>9}\n", "contestant",
                           "n", "median ms", "p90 ms", "work ms", "records/s/core", "init ms", "zip bytes", "RSS KiB",
                           "CPU ms", "after ms");
  for (const Contestant& c : cs) {
    if (!c.correct()) {
      std::cout << fmt::format("{:<14} WRONG ({} wrong, {} failed of {}): {}\n", c.name, c.wrong, c.failed,
                               c.invocations, c.problem);
      continue;
    }
    double w = work_of(c);
    double rps = c.impl != "noop" && w > 0 ? s.records / (w / 1000.0) : NAN;
    std::cout << fmt::format("{:<14} {:>6} {:>10} {:>10} {:>10} {:>14} {:>9} {:>10} {:>9} {:>8} {:>9}\n", c.name,
                             c.durations.size(), num(median(c.durations), 3), num(percentile(c.durations, 90), 3),
                             num(w, 3), std::isnan(rps) ? "-" : fmt::format("{:.0f}", rps), num(median(c.inits), 2),
                             c.zipBytes, c.peakRssKb, num(median(c.cpu), 3),
                             num(median(c.cpuAfter), 3));
  }
  for (const std::string& q : s.queries) {
    const Contestant* f = find("flowc-" + q);
    for (const char* peer : {"python", "node"}) {
      const Contestant* p = find(fmt::format("{}-{}", peer, q));
      if (!f || !p) continue;
      std::cout << fmt::format("{} {} / flowc: {:.1f}x per invocation, {:.1f}x in handler work; CPU: {:.1f}x, {:.1f}x\n",
                               q, peer, median(p->durations) / median(f->durations), work_of(*p) / work_of(*f),
                               median(p->cpu) / median(f->cpu), cpuWorkOf(*p) / cpuWorkOf(*f));
    }
  }
  if (s.buildTimings > 0)
    std::cout << fmt::format(
        "build of {} (median of {}, empty build cache): {:.0f} ms wall; front end {:.1f} ms, generate C++ {:.1f} ms, "
        "compile and link {:.0f} ms, zip {:.1f} ms; step by step: compile {:.0f} ms, link {:.0f} ms, strip {:.0f} ms\n",
        bt.sample, s.buildTimings, median(bt.totalMs), median(bt.frontEndMs), median(bt.emitMs),
        median(bt.compileLinkMs), median(bt.zipMs), median(bt.compileOnlyMs), median(bt.linkOnlyMs),
        median(bt.stripMs));
  std::cout << fmt::format("correctness: {} ({} invocations checked against the oracles)\n",
                           allCorrect ? "passed" : "FAILED", checkedInvocations);

  if (!s.jsonOut.empty()) {
    JsonWriter j;
    auto number = [&](double v) {
      if (std::isnan(v)) j.null();
      else j.value(v);
    };
    j.beginObject();
    j.key("settings").beginObject();
    j.key("recordsPerEvent").value(s.records);
    j.key("events").value(s.batches);
    j.key("warmupRounds").value(s.warmup);
    j.key("timedRounds").value(s.rounds);
    j.key("timedInvocationsPerContestant").value(s.rounds * s.batches);
    j.key("extraColdStarts").value(s.coldStarts);
    j.key("nexmarkRate").value(s.nexmarkRate);
    j.key("rss").value("VmHWM from /proc/<pid>/status before the first shutdown");
    j.key("clockProbeGhz").beginObject();
    j.key("before").value(clockBefore);
    j.key("after").value(clockAfter);
    j.endObject();
    j.endObject();
    j.key("eventSets").beginObject();
    for (const auto& [name, set] : sets) {
      j.key(name).beginObject();
      j.key("eventBytesMean").value(static_cast<double>(set.bytes) / s.batches);
      j.endObject();
    }
    j.endObject();
    j.key("workloads").beginObject();
    for (const auto& [name, w] : workloads) {
      j.key(name).beginObject();
      j.key("eventSet").value(w.eventSet);
      j.key("reference").value(w.reference);
      j.key("windowed").value(w.windowed);
      j.key("expectedLinesPerEvent").beginArray();
      for (const auto& lines : w.expected) j.value(static_cast<int64_t>(lines.size()));
      j.endArray();
      j.endObject();
    }
    j.endObject();
    j.key("contestants").beginArray();
    for (const Contestant& c : cs) {
      j.beginObject();
      j.key("name").value(c.name);
      j.key("label").value(c.label);
      j.key("impl").value(c.impl);
      j.key("workload").value(c.workload);
      j.key("eventSet").value(c.eventSet);
      j.key("floor").value(c.floor);
      j.key("correct").value(c.correct());
      j.key("checkedInvocations").value(c.invocations);
      j.key("wrong").value(c.wrong);
      j.key("failed").value(c.failed);
      j.key("problem").value(c.problem);
      j.key("zipBytes").value(c.zipBytes);
      j.key("bootstrapBytes").value(c.bootstrapBytes);
      j.key("peakRssKb").value(static_cast<int64_t>(c.peakRssKb));
      j.key("initMs").beginArray();
      for (double v : c.inits) j.value(v);
      j.endArray();
      if (c.correct()) {
        double w = work_of(c);
        j.key("timedInvocations").value(static_cast<int64_t>(c.durations.size()));
        j.key("medianMs").value(median(c.durations));
        j.key("p90Ms").value(percentile(c.durations, 90));
        j.key("minMs").value(*std::min_element(c.durations.begin(), c.durations.end()));
        j.key("initMedianMs").value(median(c.inits));
        j.key("workMs");
        number(w);
        j.key("recordsPerSecondPerCore");
        number(c.impl != "noop" && w > 0 ? s.records / (w / 1000.0) : NAN);
        j.key("durationsMs").beginArray();
        for (double v : c.durations) j.value(v);
        j.endArray();
        j.key("cpuMedianMs");
        number(median(c.cpu));
        j.key("cpuWorkMs");
        number(cpuWorkOf(c));
        j.key("cpuAfterAnswerMedianMs");
        number(median(c.cpuAfter));
        j.key("cpuAfterAnswerP90Ms");
        number(percentile(c.cpuAfter, 90));
      }
      j.endObject();
    }
    j.endArray();
    if (s.buildTimings > 0) {
      j.key("buildTimings").beginObject();
      j.key("sample").value(bt.sample);
      j.key("builds").value(s.buildTimings);
      for (auto [key, v] : {std::pair{"totalMs", &bt.totalMs}, {"frontEndMs", &bt.frontEndMs}, {"emitMs", &bt.emitMs},
                            {"compileLinkMs", &bt.compileLinkMs}, {"zipMs", &bt.zipMs},
                            {"compileOnlyMs", &bt.compileOnlyMs}, {"linkOnlyMs", &bt.linkOnlyMs},
                            {"stripMs", &bt.stripMs}}) {
        j.key(key);
        number(median(*v));
      }
      j.key("zipBytes").value(bt.zipBytes);
      j.key("objectBytes").value(bt.objectBytes);
      j.key("unstrippedBytes").value(bt.unstrippedBytes);
      j.key("bootstrapBytes").value(bt.bootstrapBytes);
      j.endObject();
    }
    j.key("correctness").beginObject();
    j.key("passed").value(allCorrect);
    j.key("checkedInvocations").value(checkedInvocations);
    j.endObject();
    j.endObject();
    std::ofstream out(s.jsonOut, std::ios::binary);
    out << j.str() << '\n';
    if (!out) return fail(fmt::format("cannot write '{}'", s.jsonOut));
  }
  return allCorrect ? 0 : 1;
}
