// flow::EventDecoder on one Kinesis event (5000 gen_kinesis.py records, ~4 MB):
// the envelope parse, the per-record metadata and the base64 decode of every
// record's data, which every Kinesis handler pays before its own work.
#include <benchmark/benchmark.h>

#include "flow/events.h"
#include "workload.h"

namespace {

void BM_EventDecoderKinesis(benchmark::State& state) {
  std::string_view event = flowbench::kinesisEvent();
  flow::EventDecoder decoder;
  flow::Batch batch;
  for (auto _ : state) {
    if (flow::Status s = decoder.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, event, batch)) {
      state.SkipWithError(s->message.c_str());
      break;
    }
    benchmark::DoNotOptimize(batch.records.data());
  }
  if (batch.records.size() != flowbench::kinesisEventRecords()) state.SkipWithError("records were lost");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * flowbench::kinesisEventRecords()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * event.size()));
  state.counters["records"] = static_cast<double>(flowbench::kinesisEventRecords());
}
BENCHMARK(BM_EventDecoderKinesis)->Unit(benchmark::kMillisecond);

}  // namespace
