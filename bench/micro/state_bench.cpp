// The cost of the window state per invocation: a windowed q2
// (bench/q2_window.flow: count, avg, max per page over Lambda's 60-second
// tumbling windows), its generated handler compiled into this file (in its
// own namespace, main renamed), run in process on a tumbling-window event
// that carries the state of G open groups and no records. Such an invocation
// does nothing but what every invocation of a windowed handler pays for its
// state: unwrap the {"flowc":"<base64>"} member, decode the groups into the
// hash table, encode them again and wrap them into the response. G = 10,
// 1,000 and 10,000 (with 20-byte page keys about 50 bytes of JSON state per
// group: 10,000 is two thirds of the 768 KiB bound, past which the handler
// emits its windows early and carries less).
//
// The state is the handler's own: a first invocation with G records of G
// distinct pages (state {}) returns it. Reported per iteration: CPU time,
// and the counters state_bytes (the JSON state returned) and groups.
// bench/make_results.py sets them against the handler work of a 4 MB event.
#include <benchmark/benchmark.h>

// Everything the generated file includes (the handler prelude lists it all),
// before main is renamed and the namespace opened: their include guards keep
// them out of the namespace.
#include "flow/handler_prelude.h"

#include <cstring>
#include <vector>

#define main flowc_q2_window_generated_main
namespace q2w {
#include "q2_window_handler.cpp"
}  // namespace q2w
#undef main

namespace {

std::string base64(std::string_view in) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// A tumbling-window event (not the window's final invoke) with `records` and `state`.
std::string windowEvent(const std::vector<std::string>& records, const std::string& state) {
  std::string e = R"({"Records":[)";
  uint64_t seq = 1000;
  for (size_t i = 0; i < records.size(); ++i) {
    if (i) e += ',';
    ++seq;
    e += R"({"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"k","sequenceNumber":")" +
         std::to_string(seq) + R"(","data":")" + base64(records[i]) +
         R"(","approximateArrivalTimestamp":1793491210.5},"eventSource":"aws:kinesis","eventVersion":"1.0",)"
         R"("eventID":"shardId-000000000000:)" + std::to_string(seq) +
         R"(","eventName":"aws:kinesis:record","awsRegion":"us-east-1",)"
         R"("eventSourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/clicks"})";
  }
  e += R"(],"window":{"start":"2026-11-01T00:00:00Z","end":"2026-11-01T00:01:00Z"},"state":)" + state +
       R"(,"shardId":"shardId-000000000000","eventSourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/clicks",)"
       R"("isFinalInvokeForWindow":false,"isWindowTerminatedEarly":false})";
  return e;
}

// The response's "state" object (the handler writes it last).
std::string stateOf(const std::string& body) {
  size_t at = body.find("\"state\":");
  if (at == std::string::npos || body.empty() || body.back() != '}') return {};
  return body.substr(at + 8, body.size() - 1 - (at + 8));
}

void BM_WindowStateRoundTrip(benchmark::State& state) {
  const auto groups = static_cast<size_t>(state.range(0));
  if (q2w::init(nullptr)) {
    state.SkipWithError("the generated init() failed");
    return;
  }
  std::vector<std::string> records;
  for (size_t i = 0; i < groups; ++i)
    records.push_back(R"({"user_id":"u1","page":"/page/)" + std::to_string(1000000000 + i) +
                      R"(","latency_ms":)" + std::to_string(100 + i % 900) + R"(,"ts":"2026-11-01T00:00:10.500Z"})");
  flow::Reply reply;
  std::string first = windowEvent(records, "{}");
  first.append(flow::kBodyPadding, '\0');
  flow::Invocation invocation;
  invocation.requestId = "bench";
  invocation.body = std::string_view(first.data(), first.size() - flow::kBodyPadding);
  q2w::handle(invocation, reply, nullptr);
  std::string carried = stateOf(reply.body);
  // Every group in the state (a state past the bound would have been emitted early instead).
  if (reply.error || carried.size() < groups * 20) {
    state.SkipWithError("the first invocation returned no state");
    return;
  }
  std::string event = windowEvent({}, carried);
  event.append(flow::kBodyPadding, '\0');
  invocation.body = std::string_view(event.data(), event.size() - flow::kBodyPadding);
  for (auto _ : state) {
    reply.clear();
    q2w::handle(invocation, reply, nullptr);
    benchmark::DoNotOptimize(reply.body.data());
  }
  // The round trip is exact: the same groups come back, byte for byte.
  if (reply.error || stateOf(reply.body) != carried) state.SkipWithError("the state did not survive the round trip");
  state.counters["groups"] = static_cast<double>(groups);
  state.counters["state_bytes"] = static_cast<double>(carried.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * groups));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * carried.size()));
}
BENCHMARK(BM_WindowStateRoundTrip)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
