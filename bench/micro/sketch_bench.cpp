// flow::QuantileSketch (approx_percentile's partial aggregate): add() per
// value on a warm sketch, merge, quantile, and the state round trip (encode,
// decode) of a sketch of 10^6 values, with its encoded size as a counter.
// Values: latency-like lognormal doubles (median ~100, 3 orders of magnitude),
// drawn once so the generator is not measured.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "flow/sketch.h"

namespace {

const std::vector<double>& latencies() {
  static const std::vector<double> values = [] {
    std::mt19937_64 rng(1);
    std::lognormal_distribution<double> d(4.6, 1.0);
    std::vector<double> out(1 << 16);
    for (double& v : out) v = d(rng);
    return out;
  }();
  return values;
}

flow::QuantileSketch millionValueSketch() {
  flow::QuantileSketch s;
  const std::vector<double>& v = latencies();
  for (size_t i = 0; i < 1000000; ++i) s.add(v[i % v.size()] * (1 + static_cast<double>(i) * 1e-9));
  return s;
}

void BM_SketchAdd(benchmark::State& state) {
  const std::vector<double>& v = latencies();
  flow::QuantileSketch s;
  for (double x : v) s.add(x);  // warm: the buckets exist
  for (auto _ : state) {
    for (double x : v) s.add(x);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(s.count());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * v.size()));
}
BENCHMARK(BM_SketchAdd);

void BM_SketchMerge(benchmark::State& state) {
  flow::QuantileSketch part = millionValueSketch();
  flow::QuantileSketch total;
  for (auto _ : state) {
    total.merge(part);
    benchmark::DoNotOptimize(total.count());
  }
}
BENCHMARK(BM_SketchMerge);

void BM_SketchQuantile(benchmark::State& state) {
  flow::QuantileSketch s = millionValueSketch();
  double q = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.quantile(q));
    q = q >= 1 ? 0 : q + 0.01;
  }
}
BENCHMARK(BM_SketchQuantile);

void BM_SketchEncode(benchmark::State& state) {
  flow::QuantileSketch s = millionValueSketch();
  std::string out;
  for (auto _ : state) {
    out.clear();
    s.encode(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_SketchEncode);

void BM_SketchDecode(benchmark::State& state) {
  std::string bytes;
  millionValueSketch().encode(bytes);
  flow::QuantileSketch s;
  for (auto _ : state) {
    std::string_view in = bytes;
    if (!s.decode(in)) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(s.count());
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_SketchDecode);

}  // namespace
