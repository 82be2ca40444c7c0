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

// Every record with latency_ms > 500 gives a row.
void BM_Q1Handler(benchmark::State& state) { flowbench::runHandler(state, &init, &handle, R"({"stream":"slow","user_id":)"); }
BENCHMARK(BM_Q1Handler)->Unit(benchmark::kMillisecond);
// The same with cold caches (workload.h): as between a peer's invocations.
void BM_Q1HandlerCold(benchmark::State& state) {
  flowbench::runHandler(state, &init, &handle, R"({"stream":"slow","user_id":)", flowbench::Caches::Cold);
}
BENCHMARK(BM_Q1HandlerCold)->Unit(benchmark::kMillisecond);

}  // namespace
