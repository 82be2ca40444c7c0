// The micro benchmarks' workload: one gen_kinesis.py event (5000 records by
// default), read from $FLOWC_BENCH_EVENT when set (scripts/bench.sh passes the
// event the handler benchmark used), else generated into a temporary
// directory with ../shared/bench/gen_kinesis.py --records $FLOWC_BENCH_RECORDS.
#pragma once

#include <string>
#include <string_view>

#include <benchmark/benchmark.h>

#include "flow/runtime.h"

namespace flowbench {

// The event JSON, followed in memory by flow::kBodyPadding zero bytes (as the
// runtime hands it to a handler). Loaded once; exits the process on failure.
std::string_view kinesisEvent();
// Records in kinesisEvent().
size_t kinesisEventRecords();

// Hot: every iteration on the same event in the same memory, caches warm.
// Cold: each iteration after 64 MiB were written and the event was copied
// into the body afresh (what the handler meets between a peer's invocations).
enum class Caches { Hot, Cold };

// A generated handler's handle() in process on kinesisEvent(), once per
// iteration, after its init(); the benchmark fails unless the last answer is
// {"batchItemFailures":[]} with no error and its stdout holds `expectedOutput`.
void runHandler(benchmark::State& state, flow::InitFn init, flow::HandleFn handle, std::string_view expectedOutput,
                Caches caches = Caches::Hot);

}  // namespace flowbench
