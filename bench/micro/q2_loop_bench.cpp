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

// One row per page.
void BM_Q2Handler(benchmark::State& state) {
  flowbench::runHandler(state, &q2::init, &q2::handle, R"({"stream":"per_page","page":)");
}
BENCHMARK(BM_Q2Handler)->Unit(benchmark::kMillisecond);
void BM_Q2HandlerCold(benchmark::State& state) {
  flowbench::runHandler(state, &q2::init, &q2::handle, R"({"stream":"per_page","page":)", flowbench::Caches::Cold);
}
BENCHMARK(BM_Q2HandlerCold)->Unit(benchmark::kMillisecond);

}  // namespace
