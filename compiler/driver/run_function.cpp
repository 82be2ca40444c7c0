// `flowc run`'s loop and its report; see run_function.h.
#include "driver/run_function.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <sys/utsname.h>

#include <filesystem>
#include <ostream>

#include "driver/zip.h"
#include "run/event_wrapping.h"
#include "run/local_lambda.h"
#include "support/json_writer.h"
#include "support/read_file.h"

namespace flowc::driver {

namespace {

namespace fs = std::filesystem;

// Bounds on what flowc run reads: an event file (Lambda's own limit for an
// event is 6 MB; a larger file is still handed over so the handler's limit
// shows) and a records file.
constexpr uintmax_t kMaxEventFileBytes = 64u << 20;
constexpr uintmax_t kMaxRecordsFileBytes = 1024u << 20;

std::optional<std::string> readFile(const std::string& path, uintmax_t limit, std::string& text) {
  std::string error;
  if (!readBounded(path, limit, text, error)) return error;
  if (text.size() > limit) return fmt::format("'{}' is more than the {} bytes flowc run reads", path, limit);
  return std::nullopt;
}

// One record per line; a final newline does not make an empty record, and
// a '\r' before '\n' is dropped (files written on Windows).
std::vector<std::string> splitRecords(const std::string& text) {
  std::vector<std::string> records;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    size_t stop = end > start && text[end - 1] == '\r' ? end - 1 : end;
    records.push_back(text.substr(start, stop - start));
    start = end + 1;
  }
  return records;
}

bool isJson(simdjson::dom::parser& parser, const std::string& text) {
  if (text.empty()) return false;
  simdjson::dom::element doc;
  return parser.parse(text).get(doc) == simdjson::SUCCESS;
}

// "0-99", "3, 5, 7-9"
std::string describeIndexes(const std::vector<size_t>& indexes) {
  std::string out;
  for (size_t i = 0; i < indexes.size();) {
    size_t j = i;
    while (j + 1 < indexes.size() && indexes[j + 1] == indexes[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += j > i ? fmt::format("{}-{}", indexes[i], indexes[j]) : fmt::format("{}", indexes[i]);
    i = j + 1;
  }
  return out;
}

// The sums of the handler's metrics lines (docs/runtime.md "The metrics line").
struct Counts {
  int64_t in = 0, deadLettered = 0, skipped = 0, retried = 0;
  std::vector<std::pair<std::string, int64_t>> out;  // RecordsOut_<suffix>, first-seen order
  bool seen = false;

  void addOut(std::string_view suffix, int64_t n) {
    for (auto& [name, count] : out)
      if (name == suffix) {
        count += n;
        return;
      }
    out.emplace_back(std::string(suffix), n);
  }
  void add(const Counts& c) {
    in += c.in;
    deadLettered += c.deadLettered;
    skipped += c.skipped;
    retried += c.retried;
    for (const auto& [name, n] : c.out) addOut(name, n);
    seen = seen || c.seen;
  }
};

std::optional<Counts> readMetricsLine(simdjson::dom::parser& parser, const std::string& line) {
  if (line.rfind("{\"_aws\":", 0) != 0) return std::nullopt;
  simdjson::dom::object obj;
  if (parser.parse(line).get(obj) != simdjson::SUCCESS) return std::nullopt;
  Counts c;
  c.seen = true;
  for (auto field : obj) {
    std::string_view key = field.key;
    int64_t n = 0;
    if (field.value.get(n) != simdjson::SUCCESS) continue;
    if (key == "RecordsIn") c.in = n;
    else if (key == "RecordsDeadLettered") c.deadLettered = n;
    else if (key == "RecordsSkipped") c.skipped = n;
    else if (key == "RecordsRetried") c.retried = n;
    else if (key.rfind("RecordsOut_", 0) == 0) c.addOut(key.substr(11), n);
  }
  return c;
}

// What one invocation was fed.
struct InvocationInput {
  std::string file;              // --events
  std::vector<size_t> records;   // --records
  int attempt = 0;               // --records
  // --records on a kinesis or dynamodb source with shards or windows
  std::string shardId;           // shown when not empty
  bool windowed = false;
  int64_t windowStartMs = 0, windowEndMs = 0;
  bool finalInvoke = false, terminatedEarly = false;
  std::optional<size_t> stateBytes;  // the state the function returned
  std::string windowError;       // why the mapping failed an answered invocation
};

class Reporter {
 public:
  Reporter(std::ostream& out, bool json) : out_(out), json_(json) {}

  void invocation(int n, const InvocationInput& input, const run::InvokeResult& r) {
    if (r.initDurationMs) init(r);
    Counts counts;
    for (const std::string& line : r.logLines)
      if (auto c = readMetricsLine(parser_, line)) counts.add(*c);
    total_.add(counts);
    ++invocations_;
    if (!r.ok || !input.windowError.empty()) ++failed_;
    if (json_) {
      JsonWriter w(false);
      w.beginObject().key("type").value("invocation").key("n").value(n);
      if (!input.file.empty()) {
        w.key("input").value(input.file);
      } else {
        w.key("records").beginArray();
        for (size_t i : input.records) w.value(static_cast<int64_t>(i));
        w.endArray().key("attempt").value(input.attempt);
        if (!input.shardId.empty()) w.key("shard").value(input.shardId);
        if (input.windowed) {
          w.key("window").beginObject().key("start").value(run::rfc3339(input.windowStartMs));
          w.key("end").value(run::rfc3339(input.windowEndMs)).endObject();
          w.key("final").value(input.finalInvoke).key("terminatedEarly").value(input.terminatedEarly);
        }
      }
      w.key("ok").value(r.ok);
      if (r.ok) {
        w.key("response");
        jsonOrString(w, r.response);
      } else {
        w.key("errorType").value(r.errorType).key("errorMessage").value(r.errorMessage);
      }
      if (input.stateBytes) w.key("stateBytes").value(static_cast<int64_t>(*input.stateBytes));
      if (!input.windowError.empty()) w.key("windowError").value(input.windowError);
      w.key("durationMs").value(r.durationMs).key("log").beginArray();
      for (const std::string& line : r.logLines) jsonOrString(w, line);
      w.endArray().key("stderr").value(r.stderrText).endObject();
      out_ << w.str() << '\n';
      return;
    }
    std::string what = !input.file.empty()
                           ? input.file
                           : fmt::format("{}{}",
                                         input.finalInvoke
                                             ? std::string(input.terminatedEarly
                                                               ? "final invoke (window terminated early)"
                                                               : "final invoke")
                                             : "records " + describeIndexes(input.records),
                                         input.attempt > 1 ? fmt::format(" (attempt {})", input.attempt) : "");
    if (!input.shardId.empty()) what += " on " + input.shardId;
    if (input.windowed)
      what += fmt::format(", window {}/{}", run::rfc3339(input.windowStartMs), run::rfc3339(input.windowEndMs));
    if (r.ok) {
      out_ << fmt::format("== invocation {}: {} ({:.2f} ms)\n", n, what, r.durationMs);
    } else {
      out_ << fmt::format("== invocation {}: {}: failed with {}: {}\n", n, what, r.errorType, r.errorMessage);
    }
    for (const std::string& line : r.logLines)
      if (line.rfind("{\"_aws\":", 0) != 0) out_ << line << '\n';
    printStderr(r.stderrText);
    if (counts.seen) out_ << "-- metrics: " << describe(counts) << '\n';
    if (r.ok) out_ << "-- response: " << r.response << '\n';
    if (input.stateBytes) out_ << fmt::format("-- state: {} bytes\n", *input.stateBytes);
    if (!input.windowError.empty()) out_ << "-- failed: " << input.windowError << '\n';
  }

  void summary(int coldStarts, const std::vector<run::GivenUp>* givenUp,
               const std::vector<run::GivenUpWindow>* givenUpWindows = nullptr) {
    if (json_) {
      JsonWriter w(false);
      w.beginObject().key("type").value("summary").key("invocations").value(invocations_);
      w.key("failedInvocations").value(failed_).key("recordsIn").value(total_.in);
      w.key("recordsOut").beginObject();
      for (const auto& [name, n] : total_.out) w.key(name).value(n);
      w.endObject().key("deadLettered").value(total_.deadLettered).key("skipped").value(total_.skipped);
      w.key("retried").value(total_.retried).key("givenUp").beginArray();
      if (givenUp)
        for (const run::GivenUp& g : *givenUp)
          w.beginObject().key("record").value(static_cast<int64_t>(g.record)).key("id").value(g.id)
              .key("attempts").value(g.attempts).endObject();
      w.endArray();
      if (givenUpWindows) {
        w.key("givenUpWindows").beginArray();
        for (const run::GivenUpWindow& g : *givenUpWindows)
          w.beginObject().key("shard").value(g.shardId).key("window").beginObject()
              .key("start").value(run::rfc3339(g.windowStartMs)).key("end").value(run::rfc3339(g.windowEndMs))
              .endObject().key("attempts").value(g.attempts).endObject();
        w.endArray();
      }
      w.key("coldStarts").value(coldStarts).endObject();
      out_ << w.str() << '\n';
      return;
    }
    out_ << fmt::format("== summary: {} invocation{} ({} failed), {} cold start{}; {}", invocations_,
                        invocations_ == 1 ? "" : "s", failed_, coldStarts, coldStarts == 1 ? "" : "s",
                        describe(total_));
    if (givenUp) out_ << fmt::format("; {} record{} given up", givenUp->size(), givenUp->size() == 1 ? "" : "s");
    out_ << '\n';
    if (givenUp)
      for (const run::GivenUp& g : *givenUp)
        out_ << fmt::format("-- given up: record {} ({}) after {} attempts\n", g.record, g.id, g.attempts);
    if (givenUpWindows)
      for (const run::GivenUpWindow& g : *givenUpWindows)
        out_ << fmt::format("-- given up: the final invoke of window {}/{} on {} after {} attempts\n",
                            run::rfc3339(g.windowStartMs), run::rfc3339(g.windowEndMs), g.shardId, g.attempts);
  }

 private:
  void init(const run::InvokeResult& r) {
    if (json_) {
      JsonWriter w(false);
      w.beginObject().key("type").value("init").key("durationMs").value(*r.initDurationMs).key("log").beginArray();
      for (const std::string& line : r.initLogLines) jsonOrString(w, line);
      w.endArray().endObject();
      out_ << w.str() << '\n';
      return;
    }
    out_ << fmt::format("== init: {:.2f} ms (cold start)\n", *r.initDurationMs);
    for (const std::string& line : r.initLogLines) out_ << line << '\n';
  }

  void printStderr(const std::string& text) {
    for (const std::string& line : run::splitLines(text)) out_ << "stderr: " << line << '\n';
  }

  static std::string describe(const Counts& c) {
    std::string rows;
    for (const auto& [name, n] : c.out) rows += fmt::format("{}{} {}", rows.empty() ? "" : ", ", name, n);
    return fmt::format("records in {}, dead-lettered {}, skipped {}, retried {}; rows out: {}", c.in,
                       c.deadLettered, c.skipped, c.retried, rows.empty() ? "none" : rows);
  }

  void jsonOrString(JsonWriter& w, const std::string& text) {
    if (isJson(parser_, text)) {
      w.raw(text);
    } else {
      w.value(text);
    }
  }

  std::ostream& out_;
  bool json_;
  simdjson::dom::parser parser_;
  Counts total_;
  int invocations_ = 0;
  int failed_ = 0;
};

bool hostIsArm64() {
  struct utsname u {};
  return ::uname(&u) == 0 && std::string_view(u.machine) == "aarch64";
}

std::optional<run::SourceKind> wrappingFor(ast::SourceKind kind, bool fifo) {
  switch (kind) {
    case ast::SourceKind::Kinesis: return run::SourceKind::Kinesis;
    case ast::SourceKind::Sqs: return fifo ? run::SourceKind::SqsFifo : run::SourceKind::Sqs;
    case ast::SourceKind::Http: return run::SourceKind::Http;
    case ast::SourceKind::DynamoDB: return run::SourceKind::DynamoDb;
    case ast::SourceKind::Kafka: return std::nullopt;
  }
  return std::nullopt;
}

// A directory removed when the run ends, whatever happens.
struct TaskDir {
  fs::path path;
  ~TaskDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

}  // namespace

RunOutcome runFunction(const std::string& zipPath, ast::SourceKind sourceKind, const RunOptions& options,
                       std::ostream& out) {
  RunOutcome outcome;
  std::vector<std::string> records;
  std::vector<int64_t> arrivalMs;
  std::optional<run::SourceKind> wrapping;
  if (!options.recordsFile.empty()) {
    wrapping = wrappingFor(sourceKind, options.fifo);
    if (!wrapping) {
      outcome.error = fmt::format("--records wraps records for kinesis, dynamodb, sqs and http sources; "
                                  "give {} events with --events",
                                  ast::sourceKindName(sourceKind));
      return outcome;
    }
    std::string text;
    if (auto e = readFile(options.recordsFile, kMaxRecordsFileBytes, text)) {
      outcome.error = *e;
      return outcome;
    }
    records = splitRecords(text);
    if ((options.shards > 1 || options.tumblingWindowSeconds > 0) && *wrapping != run::SourceKind::Kinesis &&
        *wrapping != run::SourceKind::DynamoDb) {
      outcome.error = fmt::format("shards and tumbling windows are Kinesis's and DynamoDB Streams'; "
                                  "the source is {}",
                                  run::sourceKindName(*wrapping));
      return outcome;
    }
    if (!options.arrivalField.empty()) {
      if (auto e = run::arrivalTimesFromField(records, options.arrivalField, arrivalMs)) {
        outcome.error = fmt::format("'{}': {}", options.recordsFile, *e);
        return outcome;
      }
    }
  }

  TaskDir task;
  std::string tmpl = (fs::temp_directory_path() / "flowc-run-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    outcome.error = fmt::format("cannot create a task directory under {}", fs::temp_directory_path().string());
    return outcome;
  }
  task.path = tmpl;
  if (auto e = extractZip(zipPath, (task.path / "task").string())) {
    outcome.error = fmt::format("cannot unpack '{}': {}", zipPath, *e);
    return outcome;
  }

  run::LambdaConfig config;
  config.bootstrap = (task.path / "task" / "bootstrap").string();
  config.taskRoot = (task.path / "task").string();
  config.functionName = options.functionName;
  config.timeoutMs = options.timeoutMs;
  config.memoryMb = options.memoryMb;
  // Without binfmt_misc, qemu-user runs an arm64 bootstrap here.
  if (options.arch == Arch::Arm64 && !hostIsArm64()) config.launcher = {"qemu-aarch64"};
  run::LocalLambda lambda(config);
  if (auto e = lambda.open()) {
    outcome.error = fmt::format("cannot start the local Runtime API server: {}", *e);
    return outcome;
  }

  Reporter report(out, options.json);
  int n = 0;
  if (!wrapping) {
    for (const std::string& file : options.eventFiles) {
      std::string event;
      if (auto e = readFile(file, kMaxEventFileBytes, event)) {
        outcome.error = *e;
        break;
      }
      run::InvokeResult r = lambda.invoke(event);
      InvocationInput input;
      input.file = file;
      report.invocation(++n, input, r);
      outcome.failedInvocations += r.ok ? 0 : 1;
    }
    lambda.shutdown();
    report.summary(lambda.coldStarts(), nullptr);
  } else {
    run::WrapOptions wrap;
    wrap.kind = *wrapping;
    // Lambda's defaults: 100 for Kinesis and DynamoDB Streams, 10 for SQS.
    const bool stream = *wrapping == run::SourceKind::Kinesis || *wrapping == run::SourceKind::DynamoDb;
    size_t defaultBatch = stream ? 100 : *wrapping == run::SourceKind::Http ? 1 : 10;
    wrap.batchSize = options.batchSize.value_or(defaultBatch);
    wrap.maxAttempts = options.maxAttempts;
    wrap.keyField = options.keyField;
    wrap.shards = options.shards;
    wrap.tumblingWindowSeconds = options.tumblingWindowSeconds;
    wrap.arrivalMs = std::move(arrivalMs);
    run::EventSourceMapping mapping(std::move(records), wrap);
    const bool showShard = mapping.windowed() || options.shards > 1;
    while (!mapping.done()) {
      run::Batch batch = mapping.next();
      run::InvokeResult r = lambda.invoke(batch.event);
      // The mapping judges the answer first: a window response needs state.
      mapping.complete(r.ok ? std::optional<std::string>(r.response) : std::nullopt);
      InvocationInput input;
      input.records = batch.records;
      input.attempt = batch.attempt;
      if (showShard) input.shardId = batch.shardId;
      input.windowed = batch.windowed;
      input.windowStartMs = batch.windowStartMs;
      input.windowEndMs = batch.windowEndMs;
      input.finalInvoke = batch.finalInvoke;
      input.terminatedEarly = batch.terminatedEarly;
      input.stateBytes = mapping.lastStateBytes();
      input.windowError = mapping.lastWindowError();
      report.invocation(++n, input, r);
      outcome.failedInvocations += r.ok && input.windowError.empty() ? 0 : 1;
    }
    lambda.shutdown();
    report.summary(lambda.coldStarts(), &mapping.givenUp(), mapping.windowed() ? &mapping.givenUpWindows() : nullptr);
  }
  outcome.invocations = n;
  out.flush();
  return outcome;
}

}  // namespace flowc::driver
