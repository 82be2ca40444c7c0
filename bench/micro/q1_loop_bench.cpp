// q1's generated handler, in process: `flowc emit-cpp bench/q1.flow` (written
// into the build tree at build time) is compiled into this file with its
// main() renamed, and its handle() runs on the benchmark event with no
// Runtime API around it: the envelope decode, the record loop (JSON decode,
// filter, projection), the log rows and the metrics line: the handler work
// that flowc_handler_bench measures above the transport floor.
#include <benchmark/benchmark.h>

// Everything the generated file includes, before main is renamed.
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "flow/events.h"
#include "flow/json_writer.h"
#include "flow/output.h"
#include "flow/runtime.h"
#include "flow/sql.h"
#include "workload.h"

#define main flowc_q1_generated_main
#include "q1_handler.cpp"
#undef main

namespace {

void BM_Q1Handler(benchmark::State& state) {
  if (init(nullptr)) {
    state.SkipWithError("the generated init() failed");
    return;
  }
  flow::Invocation invocation;
  invocation.requestId = "bench";
  invocation.body = flowbench::kinesisEvent();
  flow::Reply reply;
  for (auto _ : state) {
    reply.clear();
    handle(invocation, reply, nullptr);
    benchmark::DoNotOptimize(reply.stdoutText.data());
  }
  if (reply.error || reply.body != R"({"batchItemFailures":[]})") state.SkipWithError("q1 did not answer as expected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * flowbench::kinesisEventRecords()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * invocation.body.size()));
}
BENCHMARK(BM_Q1Handler)->Unit(benchmark::kMillisecond);

}  // namespace
