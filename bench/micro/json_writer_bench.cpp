// The JSON writer on q1's log rows: {"stream":"slow","user_id":…,"page":…,
// "latency_ms":…}, appended the way the generated code appends them (the
// members after flow::Output's `{"stream":"slow"` prefix), for a realistic mix
// of values: the selected rows of the benchmark event.
#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "flow/events.h"
#include "flow/json_writer.h"
#include "workload.h"

namespace {

struct Row {
  std::string userId, page;
  int64_t latencyMs;
};

const std::vector<Row>& rows() {
  static const std::vector<Row> rows = [] {
    std::vector<Row> out;
    flow::EventDecoder decoder;
    flow::Batch batch;
    if (decoder.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, flowbench::kinesisEvent(), batch))
      return out;
    simdjson::dom::parser parser;
    for (const flow::Record& r : batch.records) {
      simdjson::dom::element doc;
      if (parser.parse(r.payload.data(), r.payload.size()).get(doc)) continue;
      std::string_view user, page;
      int64_t latency = 0;
      if (doc["user_id"].get(user) || doc["page"].get(page) || doc["latency_ms"].get(latency)) continue;
      if (latency > 500) out.push_back(Row{std::string(user), std::string(page), latency});
    }
    return out;
  }();
  return rows;
}

void BM_JsonWriterQ1Row(benchmark::State& state) {
  const std::vector<Row>& rs = rows();
  if (rs.empty()) {
    state.SkipWithError("no q1 rows in the event");
    return;
  }
  std::string out;
  out.reserve(rs.size() * 96);
  for (auto _ : state) {
    out.clear();
    for (const Row& r : rs) {
      out += "{\"stream\":\"slow\"";
      out += ",\"user_id\":";
      flow::appendJsonString(out, r.userId);
      out += ",\"page\":";
      flow::appendJsonString(out, r.page);
      out += ",\"latency_ms\":";
      flow::appendJsonInt(out, r.latencyMs);
      out += "}\n";
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rs.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_JsonWriterQ1Row);

}  // namespace
