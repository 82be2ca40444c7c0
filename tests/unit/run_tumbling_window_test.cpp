// `flowc run --records` as Lambda's tumbling windows and Kinesis shards
// (run/event_wrapping.h): window boundaries, batches within a window, state
// carried per window and shard, the final invoke, failed window responses,
// early termination over 1 MB, MD5 shard assignment, and the AWS sample
// event's shape. The rules are the same for DynamoDB Streams: the
// StreamWindowTest cases run for both kinds (records read back from base64
// data or, for dynamodb, from the NewImage by the test's own unmarshaller).
// Scripted fake functions: C++ responders for the mapping's
// rules (fast), and one Python bootstrap on the real local Lambda. Expected
// values are worked out here by other means (hand-computed times, hex long
// multiplication for the MD5 ranges, hashlib in the bootstrap).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "driver/build_function.h"
#include "driver/frontend.h"
#include "driver/lambda_window.h"
#include "run/event_wrapping.h"
#include "run/local_lambda.h"
#include "dynamodb_unmarshal.h"

namespace flowc::run {
namespace {

#ifdef FLOWC_SHARED_DIR
const std::string kShared = FLOWC_SHARED_DIR;
#else
const std::string kShared = std::string(FLOWC_SOURCE_DIR) + "/../shared";
#endif
const std::string kInputs = std::string(FLOWC_SOURCE_DIR) + "/tests/e2e/Inputs";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// 2020-12-09T07:04:00Z in epoch ms, worked out by hand: 18605 days from
// 1970-01-01 to 2020-12-09 (50 years, 13 leap days, then 343 days into 2020),
// 18605 * 86400 + 7 * 3600 + 4 * 60 = 1607497440.
constexpr int64_t kT0704 = 1607497440000;

// One invocation as a fake function saw it.
struct Seen {
  std::vector<std::string> data;  // the records' payloads
  std::vector<std::string> seqs;
  std::vector<std::string> keys;
  std::string start, end, shardId, state;
  bool final = false, early = false;
  int attempt = 0;
  size_t shard = 0;
};

Seen parseEvent(const Batch& b) {
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(b.event);
  Seen s;
  for (simdjson::dom::element r : simdjson::dom::array(e["Records"])) {
    simdjson::dom::element dynamo;
    if (r["dynamodb"].get(dynamo) == simdjson::SUCCESS) {
      // The record is the NewImage; the partition key is Keys' only value.
      s.data.push_back(testing_dynamodb::unmarshal(dynamo["NewImage"]).value_or("?"));
      s.seqs.emplace_back(std::string_view(dynamo["SequenceNumber"]));
      auto [name, typed] = *simdjson::dom::object(dynamo["Keys"]).begin();
      auto [type, text] = *simdjson::dom::object(typed).begin();
      s.keys.emplace_back(std::string_view(text));
      continue;
    }
    std::string_view data = r["kinesis"]["data"];
    // The payloads here are plain ASCII; the event carries them in base64.
    static const std::string table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : data) {
      if (c == '=') break;
      acc = (acc << 6) | static_cast<uint32_t>(table.find(c));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += static_cast<char>((acc >> bits) & 0xFF);
      }
    }
    s.data.push_back(out);
    s.seqs.emplace_back(std::string_view(r["kinesis"]["sequenceNumber"]));
    s.keys.emplace_back(std::string_view(r["kinesis"]["partitionKey"]));
  }
  simdjson::dom::element w;
  if (e["window"].get(w) == simdjson::SUCCESS) {
    s.start = std::string(std::string_view(w["start"]));
    s.end = std::string(std::string_view(w["end"]));
    s.shardId = std::string(std::string_view(e["shardId"]));
    s.state = simdjson::minify(e["state"]);
    s.final = bool(e["isFinalInvokeForWindow"]);
    s.early = bool(e["isWindowTerminatedEarly"]);
  }
  s.attempt = b.attempt;
  s.shard = b.shard;
  return s;
}

// A fake function: what it answers to an event (nothing: a function error).
using Fake = std::function<std::optional<std::string>(const Seen&)>;

std::vector<Seen> simulate(EventSourceMapping& m, const Fake& fake, size_t limit = 1000) {
  std::vector<Seen> all;
  while (!m.done() && all.size() < limit) {
    Batch b = m.next();
    Seen s = parseEvent(b);
    m.complete(fake(s));
    all.push_back(std::move(s));
  }
  EXPECT_TRUE(m.done()) << "the mapping did not finish in " << limit << " invocations";
  return all;
}

// {"n":"<count>"}: the state counts the records of a window.
int stateCount(const std::string& state) {
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(state);
  std::string_view n;
  if (e["n"].get_string().get(n) != simdjson::SUCCESS) return 0;
  return std::stoi(std::string(n));
}
std::string countState(int n) { return "{\"state\":{\"n\":\"" + std::to_string(n) + "\"}}"; }

// Counts records into state; every answer carries it.
std::optional<std::string> counter(const Seen& s) {
  return countState(stateCount(s.state) + static_cast<int>(s.data.size()));
}

WrapOptions windowOptions(int seconds, size_t batch, std::vector<int64_t> arrival,
                          SourceKind kind = SourceKind::Kinesis) {
  WrapOptions o;
  o.kind = kind;
  o.batchSize = batch;
  o.tumblingWindowSeconds = seconds;
  o.arrivalMs = std::move(arrival);
  return o;
}

std::vector<std::string> numbered(size_t n) {
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) v.push_back("{\"i\":" + std::to_string(i) + "}");
  return v;
}

// The window and shard rules, for each stream kind.
class StreamWindowTest : public ::testing::TestWithParam<SourceKind> {
 protected:
  WrapOptions windowOptions(int seconds, size_t batch, std::vector<int64_t> arrival) const {
    return run::windowOptions(seconds, batch, std::move(arrival), GetParam());
  }
  std::string shardIdOf(size_t shard) const {
    return GetParam() == SourceKind::DynamoDb ? dynamoDbShardId(shard) : kinesisShardId(shard);
  }
};

TEST_P(StreamWindowTest, WindowsAreAlignedToMultiplesOfTheirSize) {
  // 07:04:35, 07:04:59.999 | 07:05:00, 07:05:30 | (07:06 empty) 07:07:10 with D = 60.
  std::vector<int64_t> at = {kT0704 + 35000, kT0704 + 59999, kT0704 + 60000, kT0704 + 90000, kT0704 + 190000};
  EventSourceMapping m(numbered(5), windowOptions(60, 100, at));
  std::vector<Seen> seen = simulate(m, counter);
  ASSERT_EQ(seen.size(), 6u);
  struct Want {
    std::vector<std::string> data;
    const char* start;
    const char* end;
    bool final;
  };
  std::vector<Want> want = {
      {{"{\"i\":0}", "{\"i\":1}"}, "2020-12-09T07:04:00Z", "2020-12-09T07:05:00Z", false},
      {{}, "2020-12-09T07:04:00Z", "2020-12-09T07:05:00Z", true},
      {{"{\"i\":2}", "{\"i\":3}"}, "2020-12-09T07:05:00Z", "2020-12-09T07:06:00Z", false},
      {{}, "2020-12-09T07:05:00Z", "2020-12-09T07:06:00Z", true},
      {{"{\"i\":4}"}, "2020-12-09T07:07:00Z", "2020-12-09T07:08:00Z", false},
      {{}, "2020-12-09T07:07:00Z", "2020-12-09T07:08:00Z", true},
  };
  for (size_t k = 0; k < want.size(); ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(seen[k].data, want[k].data);
    EXPECT_EQ(seen[k].start, want[k].start);
    EXPECT_EQ(seen[k].end, want[k].end);
    EXPECT_EQ(seen[k].final, want[k].final);
    EXPECT_FALSE(seen[k].early);
    EXPECT_EQ(seen[k].shardId, shardIdOf(0));
  }
  // The final invoke carries the window's state: 2, 2, 1 records.
  EXPECT_EQ(stateCount(seen[1].state), 2);
  EXPECT_EQ(stateCount(seen[3].state), 2);
  EXPECT_EQ(stateCount(seen[5].state), 1);
  // A 900-second window: 07:04:35 is in [07:00, 07:15).
  EventSourceMapping big({"{}"}, windowOptions(900, 100, {kT0704 + 35000}));
  Seen first = parseEvent(big.next());
  EXPECT_EQ(first.start, "2020-12-09T07:00:00Z");
  EXPECT_EQ(first.end, "2020-12-09T07:15:00Z");
}

TEST_P(StreamWindowTest, StateIsCarriedWithinAWindowOnly) {
  // Five records in 07:04 (batches of 2: 2, 2, 1), then two in 07:05.
  std::vector<int64_t> at;
  for (int i = 0; i < 5; ++i) at.push_back(kT0704 + 1000 * i);
  at.push_back(kT0704 + 61000);
  at.push_back(kT0704 + 62000);
  EventSourceMapping m(numbered(7), windowOptions(60, 2, at));
  std::vector<Seen> seen = simulate(m, counter);
  std::vector<std::pair<size_t, std::string>> got;  // records, incoming state
  for (const Seen& s : seen) got.emplace_back(s.data.size(), s.state);
  std::vector<std::pair<size_t, std::string>> want = {
      {2, "{}"}, {2, R"({"n":"2"})"}, {1, R"({"n":"4"})"}, {0, R"({"n":"5"})"},  // final
      {2, "{}"}, {0, R"({"n":"2"})"},                                            // a new window starts afresh
  };
  EXPECT_EQ(got, want);
  EXPECT_TRUE(seen[3].final);
  EXPECT_TRUE(seen[5].final);
  EXPECT_EQ(m.deliveries(), 6u);
}

TEST_P(StreamWindowTest, WithoutWindowsEventsHaveNoWindowFields) {
  EventSourceMapping m(numbered(3), windowOptions(0, 2, {}));
  simdjson::dom::parser p;
  Batch b = m.next();
  simdjson::dom::object e = p.parse(b.event);
  EXPECT_EQ(e.size(), 1u);  // only "Records", as before
  EXPECT_FALSE(b.windowed);
  m.complete(std::string("{\"batchItemFailures\":[]}"));
  EXPECT_EQ(m.lastWindowError(), "");
}

TEST_P(StreamWindowTest, AResponseWithoutStateFailsAndTheBatchIsRetriedWithTheSameState) {
  std::vector<int64_t> at = {kT0704, kT0704 + 1, kT0704 + 2, kT0704 + 3};
  EventSourceMapping m(numbered(4), windowOptions(60, 2, at));
  std::set<std::string> failedOnce;
  std::vector<std::string> errors;
  Fake fake = [&](const Seen& s) -> std::optional<std::string> {
    if (!s.data.empty() && s.data[0] == "{\"i\":2}" && failedOnce.insert("nostate").second)
      return std::string("{\"batchItemFailures\":[]}");  // no state
    if (!s.data.empty() && s.data[0] == "{\"i\":2}" && failedOnce.insert("number").second)
      return std::string(R"({"state":{"n":4}})");  // not a string
    if (s.final && failedOnce.insert("array").second) return std::string(R"({"state":[]})");
    return counter(s);
  };
  std::vector<Seen> seen;
  while (!m.done()) {
    Batch b = m.next();
    seen.push_back(parseEvent(b));
    m.complete(fake(seen.back()));
    errors.push_back(m.lastWindowError());
  }
  ASSERT_EQ(seen.size(), 6u);
  // Batch [2,3] three times with the state of after [0,1]; the final twice.
  for (size_t k : {1, 2, 3}) {
    EXPECT_EQ(seen[k].data, (std::vector<std::string>{"{\"i\":2}", "{\"i\":3}"}));
    EXPECT_EQ(seen[k].state, R"({"n":"2"})");
    EXPECT_EQ(seen[k].attempt, static_cast<int>(k));
  }
  EXPECT_EQ(errors[1], "the response has no 'state' (Lambda treats a window response without one as failed)");
  EXPECT_EQ(errors[2], "the response's state member 'n' is 4, not a string");
  EXPECT_EQ(errors[3], "");
  EXPECT_TRUE(seen[4].final);
  EXPECT_EQ(errors[4], "the response's 'state' is [], not an object");
  EXPECT_TRUE(seen[5].final);
  EXPECT_EQ(seen[5].attempt, 2);
  EXPECT_EQ(stateCount(seen[5].state), 4);  // every record counted once
  EXPECT_TRUE(m.givenUp().empty());
  EXPECT_TRUE(m.givenUpWindows().empty());
  // Lambda itself passes any state object on: without requireStringState a number is fine.
  WrapOptions lax = windowOptions(60, 2, at);
  lax.requireStringState = false;
  EventSourceMapping m2(numbered(1), lax);
  m2.next();
  m2.complete(std::string(R"({"state":{"n":4}})"));
  EXPECT_EQ(m2.lastWindowError(), "");
  EXPECT_EQ(m2.lastStateBytes(), std::optional<size_t>(7));
}

TEST_P(StreamWindowTest, PartialFailureKeepsTheReturnedStateAndRetriesFromTheFailedRecord) {
  std::vector<int64_t> at;
  for (int i = 0; i < 6; ++i) at.push_back(kT0704 + i);
  EventSourceMapping m(numbered(6), windowOptions(60, 4, at));
  bool failed = false;
  Fake fake = [&](const Seen& s) -> std::optional<std::string> {
    // Record 2 fails once: it and every later record are reported, and the
    // state covers records 0 and 1 only.
    for (size_t k = 0; k < s.data.size(); ++k) {
      if (s.data[k] != "{\"i\":2}" || failed) continue;
      failed = true;
      std::string failures;
      for (size_t j = k; j < s.seqs.size(); ++j)
        failures += std::string(failures.empty() ? "" : ",") + "{\"itemIdentifier\":\"" + s.seqs[j] + "\"}";
      return "{\"state\":{\"n\":\"" + std::to_string(stateCount(s.state) + static_cast<int>(k)) +
             "\"},\"batchItemFailures\":[" + failures + "]}";
    }
    return counter(s);
  };
  std::vector<Seen> seen = simulate(m, fake);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].data.size(), 4u);
  EXPECT_EQ(seen[1].data, (std::vector<std::string>{"{\"i\":2}", "{\"i\":3}", "{\"i\":4}", "{\"i\":5}"}));
  EXPECT_EQ(seen[1].state, R"({"n":"2"})");
  EXPECT_EQ(seen[1].attempt, 2);
  EXPECT_TRUE(seen[2].final);
  EXPECT_EQ(stateCount(seen[2].state), 6);
}

TEST_P(StreamWindowTest, AFailingFinalInvokeIsRetriedThenItsWindowGivenUp) {
  std::vector<int64_t> at = {kT0704, kT0704 + 60000};
  WrapOptions o = windowOptions(60, 10, at);
  o.maxAttempts = 2;
  EventSourceMapping m(numbered(2), o);
  Fake fake = [](const Seen& s) -> std::optional<std::string> {
    if (s.final && s.start == "2020-12-09T07:04:00Z") return std::nullopt;  // a function error
    return counter(s);
  };
  std::vector<Seen> seen = simulate(m, fake);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_TRUE(seen[1].final);
  EXPECT_TRUE(seen[2].final);
  EXPECT_EQ(seen[2].attempt, 2);
  EXPECT_EQ(seen[3].state, "{}");  // the next window starts afresh all the same
  ASSERT_EQ(m.givenUpWindows().size(), 1u);
  EXPECT_EQ(m.givenUpWindows()[0].windowStartMs, kT0704);
  EXPECT_EQ(m.givenUpWindows()[0].attempts, 2);
  EXPECT_TRUE(m.givenUp().empty());
}

TEST_P(StreamWindowTest, AStateOverOneMegabyteEndsTheWindowEarly) {
  // Batches of 2 in one window: the first answer's state is 1 MB + 1 byte.
  std::vector<int64_t> at = {kT0704, kT0704 + 1, kT0704 + 2, kT0704 + 3};
  const std::string big(kMaxWindowStateBytes - 8, 'x');  // {"b":"…"} is 8 bytes more: 1 MB exactly
  auto answer = [&](size_t extra) {
    return "{\"state\":{\"b\":\"" + big + std::string(extra, 'x') + "\"}}";
  };
  {
    EventSourceMapping m(numbered(4), windowOptions(60, 2, at));
    bool sent = false;
    std::vector<Seen> seen = simulate(m, [&](const Seen& s) -> std::optional<std::string> {
      if (!sent && !s.data.empty()) {
        sent = true;
        return answer(1);
      }
      return counter(s);
    });
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_TRUE(seen[1].final);
    EXPECT_TRUE(seen[1].early);
    EXPECT_EQ(seen[1].state.size(), kMaxWindowStateBytes + 1);  // the final invoke gets the big state
    EXPECT_TRUE(seen[1].data.empty());
    // The same window goes on with a fresh state, then ends normally.
    EXPECT_EQ(seen[2].start, "2020-12-09T07:04:00Z");
    EXPECT_EQ(seen[2].data.size(), 2u);
    EXPECT_EQ(seen[2].state, "{}");
    EXPECT_TRUE(seen[3].final);
    EXPECT_FALSE(seen[3].early);
    EXPECT_EQ(stateCount(seen[3].state), 2);
  }
  {
    // Exactly 1 MB is within the limit; over it on the window's last batch
    // gives one (early) final invoke, not two.
    EventSourceMapping m(numbered(4), windowOptions(60, 2, at));
    int batches = 0;
    std::vector<Seen> seen = simulate(m, [&](const Seen& s) -> std::optional<std::string> {
      if (s.data.empty()) return counter(s);
      return answer(++batches == 1 ? 0 : 1);
    });
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_FALSE(seen[1].final);
    EXPECT_EQ(seen[1].state.size(), kMaxWindowStateBytes);
    EXPECT_TRUE(seen[2].final);
    EXPECT_TRUE(seen[2].early);
  }
}

// floor(md5 * K / 2^128) by long multiplication of the 32 hex digits: the
// digits of md5 * K above the 32nd are the answer.
size_t shardByHexDigits(const std::string& key, size_t k) {
  std::string hex = md5Hex(key);
  size_t carry = 0;
  for (size_t i = hex.size(); i-- > 0;) {
    size_t d = static_cast<size_t>(std::stoi(hex.substr(i, 1), nullptr, 16));
    carry = (d * k + carry) / 16;
  }
  return carry;
}

TEST_P(StreamWindowTest, ShardsByMd5OfThePartitionKeyEachWithItsOwnState) {
  // Values from Python: (int(hashlib.md5(key).hexdigest(), 16) * K) >> 128.
  EXPECT_EQ(kinesisShardFor("u1", 4), 3u);
  EXPECT_EQ(kinesisShardFor("u3", 4), 1u);
  EXPECT_EQ(kinesisShardFor("alice", 7), 2u);
  EXPECT_EQ(kinesisShardFor("bob", 7), 4u);
  EXPECT_EQ(kinesisShardFor("1", 3), 2u);
  EXPECT_EQ(kinesisShardFor("anything", 1), 0u);
  EXPECT_EQ(kinesisShardId(3), "shardId-000000000003");

  const size_t K = 4, N = 200;
  std::vector<std::string> payloads;
  std::vector<int64_t> at;
  for (size_t i = 0; i < N; ++i) {
    payloads.push_back("{\"user\":\"u" + std::to_string(i % 37) + "\",\"i\":" + std::to_string(i) + "}");
    at.push_back(kT0704 + static_cast<int64_t>(i) * 700);  // 140 s: windows 07:04, 07:05, 07:06
  }
  WrapOptions o = windowOptions(60, 7, at);
  o.shards = static_cast<int>(K);
  o.keyField = "user";
  EventSourceMapping m(payloads, o);
  std::vector<Seen> seen = simulate(m, counter);

  // Expected: per (shard, window) the records in order, computed here.
  std::map<std::pair<size_t, int64_t>, std::vector<std::string>> want, got;
  for (size_t i = 0; i < N; ++i) {
    size_t shard = shardByHexDigits("u" + std::to_string(i % 37), K);
    EXPECT_EQ(m.shardOf(i), shard);
    want[{shard, at[i] / 60000 * 60000}].push_back(payloads[i]);
  }
  std::map<std::pair<size_t, int64_t>, int> finals;
  std::map<size_t, std::string> lastSeq;
  std::set<std::string> delivered;
  int64_t lastFirstArrival = 0;
  for (const Seen& s : seen) {
    EXPECT_EQ(s.shardId, shardIdOf(s.shard));
    int64_t start = *parseRfc3339(s.start);
    if (s.final) {
      ++finals[{s.shard, start}];
      // The shard's own state: it counted that shard's records of that window.
      EXPECT_EQ(stateCount(s.state), static_cast<int>(want[{s.shard, start}].size()));
      continue;
    }
    for (size_t k = 0; k < s.data.size(); ++k) {
      got[{s.shard, start}].push_back(s.data[k]);
      EXPECT_TRUE(delivered.insert(s.seqs[k]).second) << "delivered twice: " << s.seqs[k];
      EXPECT_GT(s.seqs[k], lastSeq[s.shard]) << "sequence numbers grow within a shard";
      lastSeq[s.shard] = s.seqs[k];
      EXPECT_EQ(shardByHexDigits(s.keys[k], K), s.shard);
    }
    // Interleaved by arrival: each batch starts no earlier than the one before.
    int64_t first = at[static_cast<size_t>(std::stoi(s.data[0].substr(s.data[0].find("\"i\":") + 4)))];
    EXPECT_GE(first, lastFirstArrival);
    lastFirstArrival = first;
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(delivered.size(), N);
  EXPECT_EQ(finals.size(), want.size());
  for (const auto& [key, n] : finals) EXPECT_EQ(n, 1);
  std::set<size_t> shardsUsed;
  for (const auto& [key, records] : want) shardsUsed.insert(key.first);
  EXPECT_EQ(shardsUsed.size(), K);  // 37 keys reach every one of 4 shards
}

// Every member of `sample` is in `ours` with the same JSON type and vice versa,
// recursively (arrays: their first elements), except the free-form `state`.
void expectSameShape(simdjson::dom::element sample, simdjson::dom::element ours, const std::string& path) {
  auto kind = [](simdjson::dom::element e) {
    return e.is_number() ? std::string("number") : std::to_string(static_cast<int>(e.type()));
  };
  ASSERT_EQ(kind(ours), kind(sample)) << path;
  if (sample.is_object() && path != ".state") {
    std::vector<std::string> a, b;
    for (auto [key, value] : simdjson::dom::object(sample)) a.emplace_back(key);
    for (auto [key, value] : simdjson::dom::object(ours)) b.emplace_back(key);
    EXPECT_EQ(b, a) << path << ": the same members in the same order";
    for (auto [key, value] : simdjson::dom::object(sample)) {
      simdjson::dom::element mine;
      if (ours[key].get(mine) == simdjson::SUCCESS) expectSameShape(value, mine, path + "." + std::string(key));
    }
  }
  if (sample.is_array()) {
    simdjson::dom::array x = sample, y = ours;
    if (x.size() > 0 && y.size() > 0) expectSameShape(x.at(0), y.at(0), path + "[0]");
  }
}

TEST(TumblingWindowTest, TheAwsSampleEventIsReproducedFieldForField) {
  simdjson::dom::parser p1, p2;
  simdjson::dom::element sample = p1.parse(readFile(kShared + "/events/aws/go-kinesis-time-window-event.json"));
  // The sample's settings: stream lambda-stream, shard 6, a 120-second window,
  // one record "Hello, this is a test." that arrived at 1607497475.
  WrapOptions o = windowOptions(120, 100, {1607497475000});
  o.streamName = "lambda-stream";
  o.shardId = "shardId-000000000006";
  EventSourceMapping m({"Hello, this is a test."}, o);
  Batch b = m.next();
  simdjson::dom::element ours = p2.parse(b.event);
  expectSameShape(sample, ours, "");
  for (const char* key : {"shardId", "eventSourceARN"})
    EXPECT_EQ(std::string_view(ours[key]), std::string_view(sample[key])) << key;
  EXPECT_EQ(std::string_view(ours["window"]["start"]), std::string_view(sample["window"]["start"]));
  EXPECT_EQ(std::string_view(ours["window"]["end"]), std::string_view(sample["window"]["end"]));
  EXPECT_EQ(bool(ours["isFinalInvokeForWindow"]), bool(sample["isFinalInvokeForWindow"]));
  EXPECT_EQ(bool(ours["isWindowTerminatedEarly"]), bool(sample["isWindowTerminatedEarly"]));
  EXPECT_EQ(simdjson::minify(ours["state"]), "{}");  // a window's first invoke
  simdjson::dom::element r = ours["Records"].at(0), s = sample["Records"].at(0);
  EXPECT_EQ(std::string_view(r["kinesis"]["data"]), std::string_view(s["kinesis"]["data"]));
  EXPECT_EQ(double(r["kinesis"]["approximateArrivalTimestamp"]), double(s["kinesis"]["approximateArrivalTimestamp"]));
  for (const char* key : {"eventSource", "eventVersion", "eventName", "invokeIdentityArn", "awsRegion",
                          "eventSourceARN"})
    EXPECT_EQ(std::string_view(r[key]), std::string_view(s[key])) << key;
  EXPECT_EQ(std::string_view(r["eventID"]),
            "shardId-000000000006:" + std::string(std::string_view(r["kinesis"]["sequenceNumber"])));
  // The final invoke has the same shape with "Records":[].
  m.complete(std::string(R"({"state":{"1":"state 1","2":"state 2"}})"));
  Batch f = m.next();
  simdjson::dom::element fin = p2.parse(f.event);
  EXPECT_EQ(simdjson::dom::array(fin["Records"]).size(), 0u);
  EXPECT_TRUE(bool(fin["isFinalInvokeForWindow"]));
  EXPECT_EQ(simdjson::minify(fin["state"]), simdjson::minify(sample["state"]));
}

INSTANTIATE_TEST_SUITE_P(KinesisAndDynamoDb, StreamWindowTest,
                         ::testing::Values(SourceKind::Kinesis, SourceKind::DynamoDb),
                         [](const ::testing::TestParamInfo<SourceKind>& info) {
                           return std::string(info.param == SourceKind::Kinesis ? "Kinesis" : "DynamoDb");
                         });

// ---- dynamodb: go-dynamodb-time-window-event.json's shape, member for member.
TEST(TumblingWindowTest, TheAwsDynamoDbSampleEventIsReproducedFieldForField) {
  simdjson::dom::parser p1, p2;
  simdjson::dom::element sample =
      p1.parse(readFile(kShared + "/events/aws/go-dynamodb-time-window-event.json"));
  // The sample's window is 2020-07-30T17:00:00Z/17:05:00Z (300 s) on shard
  // shard123456789; its first record is the INSERT of {Message, Id = 101}.
  // 2020-07-30 is 18473 days after 1970-01-01: 18473 * 86400 + 17 * 3600 = 1596128400.
  const int64_t t1700 = 1596128400000;
  WrapOptions o = windowOptions(300, 100, {t1700 + 61000}, SourceKind::DynamoDb);
  o.shardId = "shard123456789";
  o.keyField = "Id";
  EventSourceMapping m({R"({"Message":"New item!","Id":101})"}, o);
  Batch b = m.next();
  simdjson::dom::element ours = p2.parse(b.event);
  // The sample's Records are INSERT, MODIFY, REMOVE: ours is one INSERT, so
  // compare the envelope with a one-record copy of it.
  simdjson::dom::element r = ours["Records"].at(0), s = sample["Records"].at(0);
  expectSameShape(s, r, ".Records[0]");
  EXPECT_EQ(simdjson::minify(r["dynamodb"]["NewImage"]), simdjson::minify(s["dynamodb"]["NewImage"]));
  EXPECT_EQ(simdjson::minify(r["dynamodb"]["Keys"]), simdjson::minify(s["dynamodb"]["Keys"]));
  EXPECT_EQ(int64_t(r["dynamodb"]["SizeBytes"]), int64_t(s["dynamodb"]["SizeBytes"]));  // 26
  std::vector<std::string> a, c;
  for (auto [key, value] : simdjson::dom::object(sample)) a.emplace_back(key);
  for (auto [key, value] : simdjson::dom::object(ours)) c.emplace_back(key);
  EXPECT_EQ(c, a) << "the same top-level members in the same order";
  EXPECT_EQ(std::string_view(ours["shardId"]), std::string_view(sample["shardId"]));
  EXPECT_EQ(std::string_view(ours["window"]["start"]), std::string_view(sample["window"]["start"]));
  EXPECT_EQ(std::string_view(ours["window"]["end"]), std::string_view(sample["window"]["end"]));
  EXPECT_EQ(bool(ours["isFinalInvokeForWindow"]), bool(sample["isFinalInvokeForWindow"]));
  EXPECT_EQ(bool(ours["isWindowTerminatedEarly"]), bool(sample["isWindowTerminatedEarly"]));
  EXPECT_EQ(simdjson::minify(ours["state"]), "{}");
  EXPECT_EQ(std::string_view(ours["eventSourceARN"]), std::string_view(r["eventSourceARN"]));
  // The answer's state comes back in the final invoke, as the sample's.
  m.complete(std::string(R"({"state":{"1":"state1"}})"));
  simdjson::dom::element fin = p2.parse(m.next().event);
  EXPECT_EQ(simdjson::dom::array(fin["Records"]).size(), 0u);
  EXPECT_TRUE(bool(fin["isFinalInvokeForWindow"]));
  EXPECT_EQ(simdjson::minify(fin["state"]), simdjson::minify(sample["state"]));
}

TEST(TumblingWindowTest, ArrivalTimesFromARecordMember) {
  EXPECT_EQ(parseRfc3339("2020-12-09T07:04:00Z"), std::optional<int64_t>(kT0704));
  EXPECT_EQ(parseRfc3339("2020-12-09T08:04:00.5+01:00"), std::optional<int64_t>(kT0704 + 500));
  EXPECT_EQ(parseRfc3339("2020-12-09t07:04:00.123456z"), std::optional<int64_t>(kT0704 + 123));
  EXPECT_EQ(parseRfc3339("1969-12-31T23:59:59Z"), std::optional<int64_t>(-1000));
  EXPECT_EQ(parseRfc3339("2024-02-29T00:00:00Z"), std::optional<int64_t>(1709164800000));
  for (const char* bad : {"2023-02-29T00:00:00Z", "2020-12-09T07:04:00", "2020-12-09T24:00:00Z",
                          "2020-12-09T07:04:00.Z", "2020-12-09 07:04Z", "2020-13-01T00:00:00Z", ""})
    EXPECT_EQ(parseRfc3339(bad), std::nullopt) << bad;
  EXPECT_EQ(rfc3339(kT0704), "2020-12-09T07:04:00Z");
  EXPECT_EQ(rfc3339(kT0704 + 5), "2020-12-09T07:04:00.005Z");

  std::vector<int64_t> out;
  EXPECT_EQ(arrivalTimesFromField({R"({"t":"2020-12-09T07:04:00Z"})", R"({"t":1607497440001})"}, "t", out),
            std::nullopt);
  EXPECT_EQ(out, (std::vector<int64_t>{kT0704, kT0704 + 1}));
  EXPECT_EQ(arrivalTimesFromField({R"({"t":1})", R"({"x":1})"}, "t", out),
            std::optional<std::string>("record 1 (line 2) has no member 't' for its arrival time"));
  EXPECT_EQ(arrivalTimesFromField({R"({"t":"yesterday"})"}, "t", out),
            std::optional<std::string>("record 0 (line 1): 't' is \"yesterday\", not an RFC 3339 time "
                                       "(2020-12-09T07:04:35Z) or whole epoch milliseconds"));
  EXPECT_EQ(arrivalTimesFromField({R"({"t":1607497440001})", R"({"t":"2020-12-09T07:04:00Z"})"}, "t", out),
            std::optional<std::string>("record 1 (line 2) arrives at 2020-12-09T07:04:00Z, before record 0 "
                                       "(2020-12-09T07:04:00.001Z): list the records in the order they arrive"));
}

// The window a program needs, for `flowc run` and the SAM template.
std::unique_ptr<driver::FrontEnd> frontEnd(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  auto fe = driver::runFrontEnd(path);
  EXPECT_FALSE(fe->diags.hasErrors()) << text;
  return fe;
}

TEST(TumblingWindowTest, TheProgramsStateModelSetsTheLambdaWindow) {
  auto tumbling = frontEnd("w1.flow",
                           "source clicks from kinesis (page string);\n"
                           "stream s as select page, count(*) as n from clicks group by page, "
                           "tumble(_arrival_time, 2 minutes);\n"
                           "sink s to log;\n");
  EXPECT_EQ(driver::lambdaWindowSecondsFor(tumbling->plan), std::optional<int>(120));
  SamFunction f = driver::samFunctionFor(*tumbling, "w1.flow", "w1.zip", Arch::X86_64);
  EXPECT_EQ(f.tumblingWindowSeconds, std::optional<int>(120));
  EXPECT_TRUE(validateSamFunction(f).empty());
  EXPECT_NE(renderSamTemplate(f).find("TumblingWindowInSeconds: 120\n"), std::string::npos);

  auto eventTime = frontEnd("w2.flow",
                            "source clicks from kinesis (page string, ts timestamp) event time ts watermark 5 "
                            "seconds;\n"
                            "stream s as select page, count(*) as n from clicks group by page, "
                            "session(ts, 30 seconds);\n"
                            "sink s to log;\n");
  EXPECT_EQ(driver::lambdaWindowSecondsFor(eventTime->plan), std::optional<int>(900));
  EXPECT_EQ(driver::samFunctionFor(*eventTime, "w2.flow", "w2.zip", Arch::X86_64).tumblingWindowSeconds,
            std::optional<int>(900));

  for (const char* text : {"source c from kinesis (p string);\nstream s as select p from c;\nsink s to log;\n",
                           "source c from kinesis (p string);\nstream s as select p, count(*) as n from c group "
                           "by p;\nsink s to log;\n"}) {
    auto fe = frontEnd("w3.flow", text);
    EXPECT_EQ(driver::lambdaWindowSecondsFor(fe->plan), std::nullopt) << text;
    SamFunction g = driver::samFunctionFor(*fe, "w3.flow", "w3.zip", Arch::X86_64);
    EXPECT_EQ(g.tumblingWindowSeconds, std::nullopt);
    EXPECT_EQ(renderSamTemplate(g).find("TumblingWindowInSeconds"), std::string::npos);
  }
}

// The real local Lambda with a Python bootstrap that counts records into
// state per window, checks its shard by hashlib's MD5, answers the first
// delivery of a {"nostate":true} record without state, and prints one line
// per final invoke.
constexpr const char* kCounterBootstrap = R"PY(#!/usr/bin/env python3
import base64, hashlib, json, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["RC_DIR"])
import runtime_client as rc
K = int(os.environ["SHARDS"])
seen = set()
while True:
    rid, headers, body = rc.next_event()
    ev = json.loads(body)
    state = dict(ev["state"])
    ids = state.get("ids", "").split(",") if state.get("ids") else []
    skip = False
    for r in ev["Records"]:
        k = r["kinesis"]
        want = (int(hashlib.md5(k["partitionKey"].encode()).hexdigest(), 16) * K) >> 128
        if ev["shardId"] != "shardId-%012d" % want or not r["eventID"].startswith(ev["shardId"] + ":"):
            print(json.dumps({"wrong shard": k["partitionKey"], "got": ev["shardId"]}), flush=True)
        rec = json.loads(base64.b64decode(k["data"]))
        if rec.get("nostate") and k["sequenceNumber"] not in seen:
            seen.add(k["sequenceNumber"])
            skip = True
        ids.append(str(rec["i"]))
    if skip:
        rc.respond(rid, json.dumps({"batchItemFailures": []}))
        continue
    if ev["isFinalInvokeForWindow"]:
        print(json.dumps({"final": ev["shardId"], "start": ev["window"]["start"], "ids": ids}), flush=True)
        rc.respond(rid, json.dumps({"state": {}}))
    else:
        rc.respond(rid, json.dumps({"state": {"ids": ",".join(ids)}}))
)PY";

TEST(TumblingWindowTest, APythonFunctionOnTheLocalLambdaSeesEveryRecordOnceInItsShardAndWindow) {
  std::string dir = ::testing::TempDir() + "flowc-window-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string bootstrap = dir + "/bootstrap";
  std::ofstream(bootstrap) << kCounterBootstrap;
  ::chmod(bootstrap.c_str(), 0755);
  LambdaConfig c;
  c.bootstrap = bootstrap;
  c.timeoutMs = 10000;
  c.environment = {"RC_DIR=" + kInputs, "SHARDS=3"};
  LocalLambda lambda(c);
  ASSERT_EQ(lambda.open(), std::nullopt);

  const size_t N = 40;
  std::vector<std::string> payloads;
  std::vector<int64_t> at;
  for (size_t i = 0; i < N; ++i) {
    std::string extra = i % 11 == 5 ? ",\"nostate\":true" : "";
    payloads.push_back("{\"k\":\"key" + std::to_string(i % 5) + "\",\"i\":" + std::to_string(i) + extra + "}");
    at.push_back(kT0704 + static_cast<int64_t>(i) * 4000);  // 160 s: windows 07:04, 07:05, 07:06
  }
  WrapOptions o = windowOptions(60, 3, at);
  o.shards = 3;
  o.keyField = "k";
  EventSourceMapping m(payloads, o);
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> got, want;
  int failedForState = 0;
  while (!m.done()) {
    Batch b = m.next();
    InvokeResult r = lambda.invoke(b.event);
    ASSERT_TRUE(r.ok) << r.errorType << ": " << r.errorMessage << "\n" << r.stderrText;
    m.complete(r.response);
    if (!m.lastWindowError().empty()) ++failedForState;
    for (const std::string& line : r.logLines) {
      simdjson::dom::parser p;
      simdjson::dom::element e = p.parse(line);
      ASSERT_EQ(e["wrong shard"].error(), simdjson::NO_SUCH_FIELD) << line;
      std::vector<std::string> ids;
      for (simdjson::dom::element id : simdjson::dom::array(e["ids"])) ids.emplace_back(std::string_view(id));
      got[{std::string(std::string_view(e["final"])), std::string(std::string_view(e["start"]))}] = ids;
    }
  }
  lambda.shutdown();
  for (size_t i = 0; i < N; ++i)
    want[{kinesisShardId(shardByHexDigits("key" + std::to_string(i % 5), 3)), rfc3339(at[i] / 60000 * 60000)}]
        .push_back(std::to_string(i));
  EXPECT_EQ(got, want);  // every record once, in its shard's window, in order
  EXPECT_EQ(failedForState, 4);  // records 5, 16, 27, 38 each cost one retry
  EXPECT_TRUE(m.givenUp().empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowc::run
