// q2's generated handler, in process: `flowc emit-cpp bench/q2.flow` (per-batch
// count, avg and max per page) compiled into this file in its own namespace
// with its main() renamed, its handle() run on the benchmark event with no
// Runtime API around it: the envelope decode, the record loop (JSON decode,
// hash-table aggregation), the per-page log rows and the metrics line: the
// handler work flowc_handler_bench measures above the transport floor for q2.
#include <benchmark/benchmark.h>

// Everything the generated file includes (the handler prelude lists it all),
// before main is renamed and the namespace opened: their include guards keep
// them out of the namespace.
#include "flow/handler_prelude.h"

#include <cstring>
#include <vector>

#include "workload.h"

#define main flowc_q2_generated_main
namespace q2 {
#include "q2_handler.cpp"
}  // namespace q2
#undef main

namespace {

void BM_Q2Handler(benchmark::State& state) {
  if (q2::init(nullptr)) {
    state.SkipWithError("the generated init() failed");
    return;
  }
  flow::Invocation invocation;
  invocation.requestId = "bench";
  invocation.body = flowbench::kinesisEvent();
  flow::Reply reply;
  for (auto _ : state) {
    reply.clear();
    q2::handle(invocation, reply, nullptr);
    benchmark::DoNotOptimize(reply.stdoutText.data());
  }
  // One row per page, and every record accounted for without failures.
  if (reply.error || reply.body != R"({"batchItemFailures":[]})" ||
      reply.stdoutText.find(R"({"stream":"per_page","page":)") == std::string::npos)
    state.SkipWithError("q2 did not answer as expected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * flowbench::kinesisEventRecords()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * invocation.body.size()));
}
BENCHMARK(BM_Q2Handler)->Unit(benchmark::kMillisecond);

}  // namespace
