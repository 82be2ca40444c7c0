// flow::decodeBase64 (validated; AVX2 blocks in the handler build): MB/s of
// base64 input, on the Kinesis records' own `data` strings (~340 characters
// each, what a handler decodes) and on one 1 MiB buffer (the bulk rate).
// BM_Base64DecodeRecordsScalar runs the scalar decoder on the same records,
// so one run shows what the SIMD path gains.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "flow/base64.h"
#include "flow/events.h"
#include "workload.h"

namespace {

// The records' base64 `data`, as the event carries it.
const std::vector<std::string>& recordData() {
  static const std::vector<std::string> data = [] {
    flow::EventDecoder decoder;
    flow::Batch batch;
    std::vector<std::string> out;
    if (decoder.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, flowbench::kinesisEvent(), batch)) {
      std::fprintf(stderr, "flowc_micro_bench: the event does not decode\n");
      std::exit(3);
    }
    for (const flow::Record& r : batch.records) out.emplace_back(r.received);
    return out;
  }();
  return data;
}

std::string encodeBase64(const std::string& in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (size_t rest = in.size() - i) {
    unsigned v = (unsigned char)in[i] << 16 | (rest == 2 ? (unsigned char)in[i + 1] << 8 : 0);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

template <flow::Base64Result (*Decode)(std::string_view, char*)>
void decodeRecords(benchmark::State& state) {
  const std::vector<std::string>& data = recordData();
  size_t bytes = 0, longest = 0;
  for (const std::string& d : data) {
    bytes += d.size();
    longest = std::max(longest, d.size());
  }
  std::vector<char> out(flow::base64MaxDecodedSize(longest));
  for (auto _ : state) {
    for (const std::string& d : data) {
      flow::Base64Result r = Decode(d, out.data());
      if (!r.ok()) state.SkipWithError("a record's data does not decode");
      benchmark::DoNotOptimize(r.size);
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
void BM_Base64DecodeRecords(benchmark::State& state) { decodeRecords<&flow::decodeBase64>(state); }
BENCHMARK(BM_Base64DecodeRecords);
void BM_Base64DecodeRecordsScalar(benchmark::State& state) { decodeRecords<&flow::detail::decodeBase64Scalar>(state); }
BENCHMARK(BM_Base64DecodeRecordsScalar);
flow::Base64Result decodeAvx2(std::string_view in, char* out) {
  return flow::detail::decodeBase64With(flow::detail::Base64Impl::Avx2, in, out);
}
// AVX2 where decodeBase64 runs AVX-512 VBMI: the step between the two.
void BM_Base64DecodeRecordsAvx2(benchmark::State& state) {
  if (!flow::detail::base64Available(flow::detail::Base64Impl::Avx2)) {
    state.SkipWithError("no AVX2 here");
    return;
  }
  decodeRecords<&decodeAvx2>(state);
}
BENCHMARK(BM_Base64DecodeRecordsAvx2);

void BM_Base64Decode1MiB(benchmark::State& state) {
  std::mt19937_64 rng(7);
  std::string raw(3 << 18, '\0');  // 768 KiB → 1 MiB of base64
  for (char& c : raw) c = static_cast<char>(rng());
  const std::string in = encodeBase64(raw);
  std::vector<char> out(flow::base64MaxDecodedSize(in.size()));
  flow::Base64Result check = flow::decodeBase64(in, out.data());
  if (!check.ok() || std::string(out.data(), check.size) != raw) {
    state.SkipWithError("the 1 MiB buffer does not round-trip");
    return;
  }
  for (auto _ : state) {
    flow::Base64Result r = flow::decodeBase64(in, out.data());
    benchmark::DoNotOptimize(r.size);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_Base64Decode1MiB);

}  // namespace
