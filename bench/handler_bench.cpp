// flowc_handler_bench: benchmark query q1 (../shared/bench/peers/QUERIES.md)
// end to end, flowc's handler against the hand-written Python and Node peers
// and a no-op handler (the transport floor), in ONE run on the same events.
//
// Every contestant is a Lambda zip unpacked into its own task root and run by
// run::LocalLambda (the real bootstrap, the real Runtime API server):
//   flowc   the zip `flowc build bench/q1.flow` writes
//   python  ../shared/bench/peers/python/bootstrap, zipped with writeLambdaZip
//   node    ../shared/bench/peers/node/bootstrap, likewise (FLOW_BENCH_QUERY=q1)
//   noop    bench/noop_handler.cpp built with buildBootstrap() and zipped
//   python-q2  (only when asked for) the Python peer running q2: a contestant
//           known to answer q1 wrongly, so the smoke test can see the
//           correctness check fail
// The peers' language runtimes (python3, node) are not in their zips: on
// Lambda the managed runtime provides them.
//
// Why it is measured the way it is:
// - Contestants are interleaved round robin per event (the starting one
//   rotates), so machine noise (2 cores shared with other work) falls on all
//   alike; the first `warmup` invocations of each are discarded.
// - Per-invocation time is LocalLambda's durationMs: event handed out →
//   response received, what Lambda bills. Handler work = median − the noop's
//   median; records/s per core = records per event / handler work.
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
//   lines (without its EMF metrics line) must be the multiset that
//   tests/e2e/q1_oracle.py prints for that event's records, and its answer
//   {"batchItemFailures":[]}. A contestant that answers wrongly even once is
//   reported and not timed. The noop prints nothing and is not checked.
//
// Prints a table on stdout; --json FILE writes everything for
// bench/make_results.py (RESULTS.md and the chart). Exit 0 when every
// contestant answered correctly, 1 when one did not, 2 usage, 3 setup.
#include <fmt/format.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
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
  int timeoutMs = 60000;
  std::string flowc = FLOWC_BENCH_FLOWC;
  std::string source = FLOWC_SOURCE_DIR;
  std::string shared = FLOWC_SHARED_DIR;
  std::string cacheDir;  // FLOWC_CACHE_DIR for the builds; empty: flowc's default
  std::string work;      // empty: a fresh directory under /tmp, removed at the end
  bool keep = false;
  std::string jsonOut;
  std::vector<std::string> contestants = {"flowc", "python", "node", "noop"};
};

const char* const kUsage =
    "usage: flowc_handler_bench [--records N] [--batches B] [--rounds R] [--warmup W]\n"
    "         [--cold-starts C] [--contestants flowc,python,node,noop[,python-q2]] [--json OUT.json]\n"
    "         [--flowc PATH] [--source DIR] [--shared DIR] [--cache DIR] [--work DIR] [--keep]\n"
    "         [--timeout-ms MS]\n";

struct Contestant {
  std::string name;
  std::string label;
  bool checked = true;  // compared with the oracle (not the noop)
  std::string zipPath;
  uint64_t zipBytes = 0;
  uint64_t bootstrapBytes = 0;
  std::string root;  // the unpacked zip: LAMBDA_TASK_ROOT
  std::vector<std::string> environment;
  std::unique_ptr<run::LocalLambda> lambda;
  std::vector<double> durations;  // timed invocations, ms
  std::vector<double> cpu;        // CPU time the runtime process used in each, ms
  std::vector<double> inits;      // cold starts, ms
  long peakRssKb = -1;
  int invocations = 0;  // checked invocations (warm-up, timed, cold starts)
  int wrong = 0;        // answered, but not what q1 must answer
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
    bool ok = true;
    if (a == "--records") ok = number(s.records, 1);
    else if (a == "--batches") ok = number(s.batches, 1);
    else if (a == "--rounds") ok = number(s.rounds, 1);
    else if (a == "--warmup") ok = number(s.warmup, 0);
    else if (a == "--cold-starts") ok = number(s.coldStarts, 0);
    else if (a == "--timeout-ms") ok = number(s.timeoutMs, 100);
    else if (a == "--keep") s.keep = true;
    else {
      std::string* into = a == "--flowc"    ? &s.flowc
                          : a == "--source" ? &s.source
                          : a == "--shared" ? &s.shared
                          : a == "--cache"  ? &s.cacheDir
                          : a == "--work"   ? &s.work
                          : a == "--json"   ? &s.jsonOut
                                            : nullptr;
      std::string list;
      if (a == "--contestants") into = &list;
      if (!into) {
        std::cerr << "flowc_handler_bench: unknown option '" << a << "'\n" << kUsage;
        return std::nullopt;
      }
      auto v = value();
      ok = v.has_value();
      if (ok) *into = *v;
      if (ok && a == "--contestants") {
        s.contestants = split(list, ',');
        for (const std::string& c : s.contestants)
          ok = ok && (c == "flowc" || c == "python" || c == "node" || c == "noop" || c == "python-q2");
        ok = ok && !s.contestants.empty();
      }
    }
    if (!ok) {
      std::cerr << "flowc_handler_bench: bad value for '" << a << "'\n" << kUsage;
      return std::nullopt;
    }
  }
  return s;
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

std::optional<std::string> prepare(Contestant& c, const Settings& s, const std::string& work) {
  std::string dir = work + "/" + c.name;
  fs::create_directories(dir);
  c.zipPath = dir + "/" + c.name + ".zip";
  if (c.name == "flowc") {
    c.label = "flowc q1";
    std::vector<std::string> argv = {s.flowc, "build", s.source + "/bench/q1.flow", "-o", c.zipPath};
    CommandOptions options;
    options.timeoutMs = 10 * 60 * 1000;
    if (!s.cacheDir.empty()) options.env = {"FLOWC_CACHE_DIR=" + s.cacheDir};
    CommandResult r = runCommand(argv, options);
    if (!r.ok()) return fmt::format("flowc build failed: {}\n{}{}", r.describe(s.flowc), r.error, r.err);
  } else if (c.name == "noop") {
    c.label = "no-op (floor)";
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
    bool q2 = c.name == "python-q2";
    std::string peer = q2 ? "python" : c.name;
    c.label = q2 ? "Python peer running q2 (known wrong)" : peer == "python" ? "Python peer" : "Node peer";
    std::string bootstrap = s.shared + "/bench/peers/" + peer + "/bootstrap";
    if (!fs::exists(bootstrap)) return fmt::format("no peer at '{}'", bootstrap);
    if (auto e = writeLambdaZip(c.zipPath, bootstrap)) return *e;
    c.environment = {q2 ? "FLOW_BENCH_QUERY=q2" : "FLOW_BENCH_QUERY=q1"};
  }
  if (auto e = unpack(c, dir)) return e;
  run::LambdaConfig config;
  config.bootstrap = c.root + "/bootstrap";
  config.taskRoot = c.root;
  config.functionName = "bench-" + c.name;
  config.timeoutMs = s.timeoutMs;
  config.initTimeoutMs = s.timeoutMs;
  config.environment = c.environment;
  c.lambda = std::make_unique<run::LocalLambda>(config);
  if (auto e = c.lambda->open()) return fmt::format("cannot start the Runtime API server: {}", *e);
  return std::nullopt;
}

bool isMetricsLine(const std::string& line) { return line.rfind("{\"_aws\":", 0) == 0; }

std::string withoutSpaces(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](char ch) { return ch == ' ' || ch == '\n'; }), s.end());
  return s;
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
  if (withoutSpaces(r.response) != R"({"batchItemFailures":[]})") {
    ++c.wrong;
    note(fmt::format("answered {}", r.response.substr(0, 200)));
    return false;
  }
  if (!c.checked || !expected) return true;
  std::vector<std::string> lines;
  for (const std::string& line : r.logLines)
    if (!isMetricsLine(line)) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  if (lines != *expected) {
    ++c.wrong;
    std::vector<std::string> missing, extra;
    std::set_difference(expected->begin(), expected->end(), lines.begin(), lines.end(), std::back_inserter(missing));
    std::set_difference(lines.begin(), lines.end(), expected->begin(), expected->end(), std::back_inserter(extra));
    note(fmt::format("{} log lines, expected {}; {} missing (first: {}), {} unexpected (first: {})", lines.size(),
                     expected->size(), missing.size(), missing.empty() ? "-" : missing.front(), extra.size(),
                     extra.empty() ? "-" : extra.front()));
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

  // The workload, and what q1 must print for each event (the oracle, per event).
  std::string events = work + "/events";
  CommandResult gen = runCommand({"python3", s.shared + "/bench/gen_kinesis.py", "--records",
                                  std::to_string(s.records), "--batches", std::to_string(s.batches), "--out", events});
  if (!gen.ok()) return fail(fmt::format("gen_kinesis.py: {}\n{}", gen.describe("python3"), gen.err));
  std::vector<std::string> eventBodies;
  std::vector<std::vector<std::string>> expected;
  std::vector<std::string> records = run::splitLines(readFile(events + "/records.jsonl"));
  if (records.size() != static_cast<size_t>(s.records) * static_cast<size_t>(s.batches))
    return fail(fmt::format("records.jsonl holds {} records, expected {}", records.size(), s.records * s.batches));
  uint64_t eventBytes = 0;
  for (int b = 0; b < s.batches; ++b) {
    eventBodies.push_back(readFile(fmt::format("{}/event-{:03}.json", events, b)));
    eventBytes += eventBodies.back().size();
    std::string part = fmt::format("{}/records-{:03}.jsonl", events, b);
    {
      std::ofstream out(part, std::ios::binary);
      for (int i = 0; i < s.records; ++i) out << records[static_cast<size_t>(b * s.records + i)] << '\n';
    }
    CommandResult oracle = runCommand({"python3", s.source + "/tests/e2e/q1_oracle.py", part});
    if (!oracle.ok()) return fail(fmt::format("q1_oracle.py: {}\n{}", oracle.describe("python3"), oracle.err));
    std::vector<std::string> lines = run::splitLines(oracle.out);
    std::sort(lines.begin(), lines.end());
    expected.push_back(std::move(lines));
  }
  const std::string emptyEvent = R"({"Records":[]})";
  const std::vector<std::string> noLines;

  std::vector<Contestant> cs;
  for (const std::string& name : s.contestants) {
    Contestant c;
    c.name = name;
    std::cerr << "preparing " << name << "…\n";
    if (auto e = prepare(c, s, work)) return fail(*e);
    cs.push_back(std::move(c));
  }
  const size_t n = cs.size();

  // Warm-up, then timed rounds: per event, every contestant, the first one rotating.
  size_t slot = 0;
  for (int round = 0; round < s.warmup + s.rounds; ++round) {
    bool timed = round >= s.warmup;
    for (int b = 0; b < s.batches; ++b, ++slot) {
      for (size_t k = 0; k < n; ++k) {
        Contestant& c = cs[(slot + k) % n];
        pid_t pid = c.lambda->pid();
        double cpuBefore = processCpuMs(pid);
        run::InvokeResult r = c.lambda->invoke(eventBodies[static_cast<size_t>(b)]);
        double cpuAfter = c.lambda->pid() == pid ? processCpuMs(pid) : NAN;
        if (r.initDurationMs) c.inits.push_back(*r.initDurationMs);
        bool right = check(c, r, &expected[static_cast<size_t>(b)], fmt::format("round {} event {}", round, b));
        if (timed && right) {
          c.durations.push_back(r.durationMs);
          if (!std::isnan(cpuBefore) && !std::isnan(cpuAfter)) c.cpu.push_back(cpuAfter - cpuBefore);
        }
      }
    }
  }
  for (Contestant& c : cs) {
    if (c.lambda->running()) c.peakRssKb = vmHwmKb(c.lambda->pid());
  }
  // More cold starts, on an empty event (init is what is measured).
  for (int i = 0; i < s.coldStarts; ++i) {
    for (size_t k = 0; k < n; ++k) {
      Contestant& c = cs[(static_cast<size_t>(i) + k) % n];
      quiesce(c);
      c.lambda->shutdown();
      run::InvokeResult r = c.lambda->invoke(emptyEvent);
      if (r.initDurationMs) c.inits.push_back(*r.initDurationMs);
      check(c, r, &noLines, fmt::format("cold start {}", i + 1));
    }
  }
  for (Contestant& c : cs) {
    quiesce(c);
    c.lambda->shutdown();
  }

  // Results.
  double floorMs = NAN;
  for (const Contestant& c : cs)
    if (c.name == "noop" && c.correct()) floorMs = median(c.durations);
  auto work_of = [&](const Contestant& c) -> double {
    if (!c.correct() || std::isnan(floorMs)) return NAN;
    return c.name == "noop" ? 0.0 : median(c.durations) - floorMs;
  };
  double cpuFloorMs = NAN;
  for (const Contestant& c : cs)
    if (c.name == "noop" && c.correct()) cpuFloorMs = median(c.cpu);
  auto cpuWorkOf = [&](const Contestant& c) -> double {
    if (!c.correct() || std::isnan(cpuFloorMs)) return NAN;
    return c.name == "noop" ? 0.0 : median(c.cpu) - cpuFloorMs;
  };
  auto find = [&](const std::string& name) -> const Contestant* {
    for (const Contestant& c : cs)
      if (c.name == name && c.correct()) return &c;
    return nullptr;
  };
  bool allCorrect = std::all_of(cs.begin(), cs.end(), [](const Contestant& c) { return c.correct(); });
  int checkedInvocations = 0;
  for (const Contestant& c : cs) checkedInvocations += c.invocations;

  std::cout << fmt::format("q1: {} events of {} records ({:.2f} MB each), {} timed invocations per contestant\n",
                           s.batches, s.records, static_cast<double>(eventBytes) / s.batches / 1e6,
                           s.rounds * s.batches);
  std::cout << fmt::format("{:<14} {:>6} {:>10} {:>10} {:>10} {:>14} {:>9} {:>10} {:>9} {:>8}\n", "contestant", "n",
                           "median ms", "p90 ms", "work ms", "records/s/core", "init ms", "zip bytes", "RSS KiB",
                           "CPU ms");
  for (const Contestant& c : cs) {
    if (!c.correct()) {
      std::cout << fmt::format("{:<14} WRONG ({} wrong, {} failed of {}): {}\n", c.name, c.wrong, c.failed,
                               c.invocations, c.problem);
      continue;
    }
    double w = work_of(c);
    double rps = c.name != "noop" && w > 0 ? s.records / (w / 1000.0) : NAN;
    std::cout << fmt::format("{:<14} {:>6} {:>10} {:>10} {:>10} {:>14} {:>9} {:>10} {:>9} {:>8}\n", c.name,
                             c.durations.size(), num(median(c.durations), 3), num(percentile(c.durations, 90), 3),
                             num(w, 3), std::isnan(rps) ? "-" : fmt::format("{:.0f}", rps), num(median(c.inits), 2),
                             c.zipBytes, c.peakRssKb, num(median(c.cpu), 3));
  }
  const Contestant* flowcC = find("flowc");
  for (const char* peer : {"python", "node"}) {
    const Contestant* p = find(peer);
    if (!flowcC || !p) continue;
    std::cout << fmt::format("{} / flowc: {:.1f}x per invocation, {:.1f}x in handler work; CPU: {:.1f}x, {:.1f}x\n",
                             peer, median(p->durations) / median(flowcC->durations), work_of(*p) / work_of(*flowcC),
                             median(p->cpu) / median(flowcC->cpu), cpuWorkOf(*p) / cpuWorkOf(*flowcC));
  }
  std::cout << fmt::format("correctness: {} ({} invocations checked against tests/e2e/q1_oracle.py)\n",
                           allCorrect ? "passed" : "FAILED", checkedInvocations);

  if (!s.jsonOut.empty()) {
    JsonWriter j;
    j.beginObject();
    j.key("query").value("q1");
    j.key("settings").beginObject();
    j.key("recordsPerEvent").value(s.records);
    j.key("events").value(s.batches);
    j.key("eventBytesMean").value(static_cast<double>(eventBytes) / s.batches);
    j.key("warmupRounds").value(s.warmup);
    j.key("timedRounds").value(s.rounds);
    j.key("timedInvocationsPerContestant").value(s.rounds * s.batches);
    j.key("extraColdStarts").value(s.coldStarts);
    j.key("expectedLinesPerEvent").beginArray();
    for (const auto& lines : expected) j.value(static_cast<int64_t>(lines.size()));
    j.endArray();
    j.key("rss").value("VmHWM from /proc/<pid>/status before the first shutdown");
    j.endObject();
    j.key("floorMedianMs");
    if (std::isnan(floorMs)) j.null();
    else j.value(floorMs);
    j.key("cpuFloorMedianMs");
    if (std::isnan(cpuFloorMs)) j.null();
    else j.value(cpuFloorMs);
    j.key("contestants").beginArray();
    for (const Contestant& c : cs) {
      j.beginObject();
      j.key("name").value(c.name);
      j.key("label").value(c.label);
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
        if (std::isnan(w)) j.null();
        else j.value(w);
        j.key("recordsPerSecondPerCore");
        if (c.name != "noop" && w > 0) j.value(s.records / (w / 1000.0));
        else j.null();
        j.key("durationsMs").beginArray();
        for (double v : c.durations) j.value(v);
        j.endArray();
        double cw = cpuWorkOf(c);
        j.key("cpuMedianMs");
        if (c.cpu.empty()) j.null();
        else j.value(median(c.cpu));
        j.key("cpuWorkMs");
        if (std::isnan(cw)) j.null();
        else j.value(cw);
      }
      j.endObject();
    }
    j.endArray();
    j.key("correctness").beginObject();
    j.key("passed").value(allCorrect);
    j.key("checkedInvocations").value(checkedInvocations);
    j.key("reference").value("tests/e2e/q1_oracle.py, per event");
    j.endObject();
    j.endObject();
    std::ofstream out(s.jsonOut, std::ios::binary);
    out << j.str() << '\n';
    if (!out) return fail(fmt::format("cannot write '{}'", s.jsonOut));
  }
  return allCorrect ? 0 : 1;
}
