// flow::EventDecoder on one Kinesis event (5000 gen_kinesis.py records, ~4 MB):
// the envelope parse, the per-record metadata and the base64 decode of every
// record's data, which every Kinesis handler pays before its own work.
// BM_EventDecoderKinesis is what handlers run (the envelope fast path of
// runtime/src/kinesis_envelope.cpp); BM_EventDecoderKinesisSimdjson the same
// decoder with the fast path off (simdjson On-Demand over the whole event),
// for the comparison.
#include <benchmark/benchmark.h>

#include "flow/events.h"
#include "workload.h"

namespace {

void decodeLoop(benchmark::State& state, bool fastPath) {
  std::string_view event = flowbench::kinesisEvent();
  flow::EventDecoder decoder;
  decoder.setEnvelopeFastPath(fastPath);
  flow::Batch batch;
  for (auto _ : state) {
    if (flow::Status s = decoder.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, event, batch)) {
      state.SkipWithError(s->message.c_str());
      break;
    }
    benchmark::DoNotOptimize(batch.records.data());
  }
  if (batch.records.size() != flowbench::kinesisEventRecords()) state.SkipWithError("records were lost");
  if (decoder.lastDecodeUsedFastPath() != fastPath) state.SkipWithError("the fast path was not the one asked for");
  if (fastPath) {
    // This binary links the handlers' runtime (AVX2 build): its fast path
    // must give what simdjson gives on the workload.
    flow::EventDecoder reference;
    reference.setEnvelopeFastPath(false);
    flow::Batch expected;
    if (reference.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, event, expected) ||
        expected.records.size() != batch.records.size()) {
      state.SkipWithError("the simdjson path decoded the event otherwise");
    } else {
      for (size_t i = 0; i < batch.records.size(); ++i) {
        const flow::Record& a = batch.records[i];
        const flow::Record& b = expected.records[i];
        if (a.payload != b.payload || a.received != b.received || a.id != b.id || a.decodeError != b.decodeError ||
            a.arrivalMs != b.arrivalMs || a.partitionKey != b.partitionKey || a.shardId != b.shardId) {
          state.SkipWithError("the fast path and simdjson differ on a record");
          break;
        }
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * flowbench::kinesisEventRecords()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * event.size()));
  state.counters["records"] = static_cast<double>(flowbench::kinesisEventRecords());
}

void BM_EventDecoderKinesis(benchmark::State& state) { decodeLoop(state, true); }
BENCHMARK(BM_EventDecoderKinesis)->Unit(benchmark::kMillisecond);

void BM_EventDecoderKinesisSimdjson(benchmark::State& state) { decodeLoop(state, false); }
BENCHMARK(BM_EventDecoderKinesisSimdjson)->Unit(benchmark::kMillisecond);

}  // namespace
