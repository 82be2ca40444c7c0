// Loads or generates the micro benchmarks' Kinesis event (see workload.h).
#include "workload.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "flow/events.h"
#include "flow/runtime.h"
#include "support/process.h"

namespace flowbench {

namespace {

struct Loaded {
  std::string padded;  // the event, then kBodyPadding zero bytes
  size_t size = 0;
  size_t records = 0;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "flowc_micro_bench: %s\n", message.c_str());
  std::exit(3);
}

std::string_view view(const Loaded& l) { return std::string_view(l.padded.data(), l.size); }

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read '" + path + "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Loaded load() {
  Loaded l;
  std::string text;
  if (const char* path = std::getenv("FLOWC_BENCH_EVENT"); path && *path) {
    text = readFile(path);
  } else {
    const char* n = std::getenv("FLOWC_BENCH_RECORDS");
    char tmpl[] = "/tmp/flowc-micro-XXXXXX";
    if (!::mkdtemp(tmpl)) die("cannot make a temporary directory");
    std::string dir = tmpl;
    flowc::CommandResult r = flowc::runCommand({"python3", std::string(FLOWC_SHARED_DIR) + "/bench/gen_kinesis.py",
                                                "--records", n && *n ? n : "5000", "--out", dir});
    if (!r.ok()) die("gen_kinesis.py: " + r.describe("python3") + "\n" + r.err);
    text = readFile(dir + "/event-000.json");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  l.size = text.size();
  l.padded = std::move(text);
  l.padded.append(flow::kBodyPadding, '\0');
  flow::EventDecoder decoder;
  flow::Batch batch;
  if (flow::Status s = decoder.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, view(l), batch))
    die("the event does not decode: " + s->message);
  l.records = batch.records.size();
  return l;
}

const Loaded& loaded() {
  static const Loaded l = load();
  return l;
}

}  // namespace

std::string_view kinesisEvent() { return view(loaded()); }
size_t kinesisEventRecords() { return loaded().records; }

void runHandler(benchmark::State& state, flow::InitFn init, flow::HandleFn handle, std::string_view expectedOutput,
                Caches caches) {
  if (init(nullptr)) {
    state.SkipWithError("the generated init() failed");
    return;
  }
  flow::Invocation invocation;
  invocation.requestId = "bench";
  invocation.body = kinesisEvent();
  // Cold: what the whole-handler benchmark's handlers meet. Between two of
  // their invocations a peer (Node: ~140 MiB) runs, and the new event has
  // just been copied into the body by recv. So before each timed call, 64
  // MiB (twice this machine's L3) are written, then the event is copied into
  // a body buffer of its own.
  std::string body;
  std::vector<char> evict;
  if (caches == Caches::Cold) {
    body.assign(kinesisEvent().data(), kinesisEvent().size() + flow::kBodyPadding);
    invocation.body = std::string_view(body.data(), kinesisEvent().size());
    evict.assign(64u << 20, 0);
  }
  flow::Reply reply;
  for (auto _ : state) {
    if (caches == Caches::Cold) {
      state.PauseTiming();
      for (size_t i = 0; i < evict.size(); i += 64) evict[i] = static_cast<char>(evict[i] + 1);
      std::memcpy(body.data(), kinesisEvent().data(), kinesisEvent().size());
      benchmark::ClobberMemory();
      state.ResumeTiming();
    }
    reply.clear();
    handle(invocation, reply, nullptr);
    benchmark::DoNotOptimize(reply.stdoutText.data());
  }
  if (reply.error || reply.body != R"({"batchItemFailures":[]})" ||
      reply.stdoutText.find(expectedOutput) == std::string::npos)
    state.SkipWithError("the handler did not answer as expected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kinesisEventRecords()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * invocation.body.size()));
}

}  // namespace flowbench
