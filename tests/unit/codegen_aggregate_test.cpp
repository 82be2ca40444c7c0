// Generated handlers with pipeline breakers, end to end: group by with every
// aggregate, having, order by … limit, select distinct (per batch), q2, and
// windows with their state carried through Lambda's tumbling-window events.
// Each test builds one real static `bootstrap` and drives it through a real
// Runtime API server (run::LocalLambda) as codegen_handler_test.cpp does.
// Expected rows are worked out by hand in the comments beside them, or
// computed by an independent stdlib Python script (tests/e2e/q2_oracle.py),
// never by the code under test.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "codegen/codegen.h"
#include "driver/frontend.h"
#include "driver/toolchain.h"
#include "run/event_wrapping.h"
#include "run/local_lambda.h"
#include "support/process.h"
#include "handler_fixture.h"

namespace flowc::codegen {
namespace {

namespace fs = std::filesystem;

const std::string kSource = FLOWC_SOURCE_DIR;
#ifdef FLOWC_SHARED_DIR
const std::string kShared = FLOWC_SHARED_DIR;
#else
const std::string kShared = kSource + "/../shared";
#endif

struct Output {
  std::map<std::string, std::vector<std::string>> rows;  // sink lines by stream, in order
  std::vector<std::string> allRows;                      // every sink line, in order
  std::vector<std::string> deadLetters;
  std::string metrics;
  std::string response;
  bool ok = false;
  std::string errorType;
  std::string error;
};

// ------------------------------------------------------------------ JSON helpers

// Two JSON texts hold the same value: objects member by member in order,
// numbers by value (100 and 100.0 are equal; ints compared exactly; floats
// within 1e-14 relative, since running algorithms such as Welford's round
// differently from the closed form a hand-worked expectation uses).
bool sameElement(simdjson::dom::element a, simdjson::dom::element b) {
  using T = simdjson::dom::element_type;
  auto numeric = [](T t) { return t == T::INT64 || t == T::UINT64 || t == T::DOUBLE; };
  if (numeric(a.type()) && numeric(b.type())) {
    if (a.type() == T::INT64 && b.type() == T::INT64) return int64_t(a) == int64_t(b);
    double x = double(a), y = double(b);
    return x == y || std::fabs(x - y) <= 1e-14 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case T::OBJECT: {
      simdjson::dom::object oa = a, ob = b;
      if (oa.size() != ob.size()) return false;
      auto ib = ob.begin();
      for (auto field : oa) {
        if (field.key != (*ib).key || !sameElement(field.value, (*ib).value)) return false;
        ++ib;
      }
      return true;
    }
    case T::ARRAY: {
      simdjson::dom::array xa = a, xb = b;
      if (xa.size() != xb.size()) return false;
      for (size_t i = 0; i < xa.size(); ++i) {
        if (!sameElement(xa.at(i), xb.at(i))) return false;
      }
      return true;
    }
    case T::STRING: return std::string_view(a) == std::string_view(b);
    case T::BOOL: return bool(a) == bool(b);
    case T::NULL_VALUE: return true;
    default: return false;
  }
}

bool sameJson(const std::string& a, const std::string& b) {
  simdjson::dom::parser pa, pb;
  simdjson::dom::element ea, eb;
  if (pa.parse(a).get(ea) != simdjson::SUCCESS || pb.parse(b).get(eb) != simdjson::SUCCESS) return false;
  return sameElement(ea, eb);
}

::testing::AssertionResult sameRows(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  bool same = got.size() == want.size();
  for (size_t i = 0; same && i < got.size(); ++i) same = sameJson(got[i], want[i]);
  if (same) return ::testing::AssertionSuccess();
  std::string text = "\n got:\n";
  for (const std::string& g : got) text += "  " + g + "\n";
  text += " want:\n";
  for (const std::string& w : want) text += "  " + w + "\n";
  return ::testing::AssertionFailure() << text;
}

// A member of a JSON line, as text (strings unquoted; numbers and others as JSON).
std::string member(const std::string& line, const char* name) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS) return "<not JSON: " + line + ">";
  simdjson::dom::element v;
  if (doc[name].get(v) != simdjson::SUCCESS) return "<no member " + std::string(name) + ">";
  if (v.is_string()) return std::string(std::string_view(v));
  return simdjson::minify(v);
}

double numberMember(const std::string& line, const char* name) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  double d = NAN;
  if (parser.parse(line).get(doc) == simdjson::SUCCESS && doc[name].get_double().get(d) != simdjson::SUCCESS) {
    d = NAN;
  }
  if (std::isnan(d)) {
    int64_t i = 0;
    if (parser.parse(line).get(doc) == simdjson::SUCCESS && doc[name].get_int64().get(i) == simdjson::SUCCESS)
      d = static_cast<double>(i);
  }
  return d;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ------------------------------------------------------------------ events

// A Kinesis tumbling-window event as Lambda sends it (the shape of
// shared/events/aws/go-kinesis-time-window-event.json).
struct WindowEvent {
  std::vector<std::string> records;
  std::vector<int64_t> arrivalMs;  // one per record (default: the window's start)
  int64_t startMs = 0, endMs = 0;
  std::string state = "{}";
  bool final = false;
  bool terminatedEarly = false;
  int firstSequence = 0;
};

std::string windowEvent(const WindowEvent& w) {
  std::string out = "{\"Records\":[";
  for (size_t i = 0; i < w.records.size(); ++i) {
    int64_t arrival = i < w.arrivalMs.size() ? w.arrivalMs[i] : w.startMs;
    std::string seq = fmt::format("4959033827149025660855969253836157109592157598913{:07d}", w.firstSequence + i);
    out += fmt::format(
        "{}{{\"kinesis\":{{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"pk\",\"sequenceNumber\":\"{}\","
        "\"data\":\"{}\",\"approximateArrivalTimestamp\":{}.{:03d}}},\"eventSource\":\"aws:kinesis\","
        "\"eventVersion\":\"1.0\",\"eventID\":\"shardId-000000000006:{}\",\"eventName\":\"aws:kinesis:record\","
        "\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/r\",\"awsRegion\":\"us-east-1\","
        "\"eventSourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s\"}}",
        i == 0 ? "" : ",", seq, run::base64Encode(w.records[i]), arrival / 1000, arrival % 1000, seq);
  }
  out += fmt::format(
      "],\"window\":{{\"start\":\"{}\",\"end\":\"{}\"}},\"state\":{},\"shardId\":\"shardId-000000000006\","
      "\"eventSourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/s\","
      "\"isFinalInvokeForWindow\":{},\"isWindowTerminatedEarly\":{}}}",
      run::rfc3339(w.startMs), run::rfc3339(w.endMs), w.state, w.final ? "true" : "false",
      w.terminatedEarly ? "true" : "false");
  return out;
}

// The response's "state" member as JSON text ("" when there is none).
std::string stateOf(const std::string& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response).get(doc) != simdjson::SUCCESS) return "";
  simdjson::dom::element s;
  if (doc["state"].get(s) != simdjson::SUCCESS) return "";
  return simdjson::minify(s);
}

// ------------------------------------------------------------------ the fixture

class AggregateTest : public testing_support::HandlerFixture {
 protected:
  AggregateTest() : HandlerFixture("aggregate") {}

  Output invoke(const std::string& event) {
    testing_support::HandlerOutput h = invokeHandler(event);
    Output out;
    out.ok = h.ok;
    out.response = h.response;
    out.errorType = h.errorType;
    out.error = h.error;
    out.metrics = h.metrics;
    out.deadLetters = h.deadLetters;
    for (const std::string& line : h.rows) out.rows[member(line, "stream")].push_back(line);
    out.allRows = h.rows;
    return out;
  }


  static std::string kinesisEvent(const std::vector<std::string>& records) {
    run::WrapOptions o;
    o.kind = run::SourceKind::Kinesis;
    o.batchSize = records.size();
    std::vector<std::string> events = run::wrapRecords(records, o);
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? std::string() : events[0];
  }

};

// ------------------------------------------------------------------ per batch

TEST_F(AggregateTest, EveryAggregateHavingTopNAndDistinctPerBatch) {
  start(
      "source s from kinesis (k string, x int?, f float?, t string?);\n"
      "stream agg as select k, count(*) as n, count(x) as nx, count(distinct t) as dt, sum(x) as sx,\n"
      "  sum(f) as sf, avg(x) as ax, avg(f) as af, min(x) as mnx, max(t) as mxt, first(t) as ft,\n"
      "  last(x) as lx, stddev(f) as sdf\n"
      "  from s group by k;\n"
      "stream pct as select k, approx_percentile(x, 0.5) as p50, approx_percentile(f, 1) as pmax\n"
      "  from s group by k;\n"
      "stream cnt as select k, count(*) as n from s group by k;\n"
      "stream top as select k, count(*) as n from s group by k having count(*) >= 2\n"
      "  order by n desc, k limit 2;\n"
      "stream topx as select k, x from s order by x desc limit 3;\n"
      "stream d as select distinct t from s;\n"
      "stream hv as select k, sum(x) as sx from s group by k having sum(x) * 3 > 0;\n"
      "sink agg to log;\nsink pct to log;\nsink cnt to log;\nsink top to log;\nsink topx to log;\n"
      "sink d to log;\nsink hv to log;\n");
  std::vector<std::string> records = {
      R"({"k":"a","x":1,"f":1.5,"t":"p"})",
      R"({"k":"b","x":null,"f":null,"t":null})",
      R"({"k":"a","x":3,"f":2.5,"t":"q"})",
      R"({"k":"a","x":null,"f":4.0,"t":"p"})",
      R"({"k":"c","x":4611686018427387904,"t":"z"})",
      // 2^62 + 2^62 overflows sum(x) of group c: the record fails, and leaves
      // no trace in any stream (cnt, topx, d below do not see it).
      R"({"k":"c","x":4611686018427387904})",
      R"({"k":"b","x":-5,"t":"m"})",
      R"({"k":"c","x":-1,"t":"y"})",
  };
  for (int round = 0; round < 2; ++round) {  // the tables start afresh each invocation
    Output out = invoke(kinesisEvent(records));
    ASSERT_TRUE(out.ok) << out.error;
    // Groups in first-seen order: a (records 1, 3, 4), b (2, 7), c (5, 8).
    // a: f = 1.5, 2.5, 4 → mean 8/3, squared deviations 49/36 + 1/36 + 64/36 = 114/36,
    //    sample variance 57/36, stddev sqrt(57)/6 = 1.2583057392117916.
    EXPECT_TRUE(sameRows(
        out.rows["agg"],
        {
            R"({"stream":"agg","k":"a","n":3,"nx":2,"dt":2,"sx":4,"sf":8,"ax":2,"af":2.6666666666666665,"mnx":1,"mxt":"q","ft":"p","lx":3,"sdf":1.2583057392117916})",
            R"({"stream":"agg","k":"b","n":2,"nx":1,"dt":1,"sx":-5,"sf":null,"ax":-5,"af":null,"mnx":-5,"mxt":"m","ft":"m","lx":-5,"sdf":null})",
            R"({"stream":"agg","k":"c","n":2,"nx":2,"dt":2,"sx":4611686018427387903,"sf":null,"ax":2305843009213693951.5,"af":null,"mnx":-1,"mxt":"z","ft":"z","lx":-1,"sdf":null})",
        }));
    EXPECT_TRUE(sameRows(out.rows["cnt"], {R"({"stream":"cnt","k":"a","n":3})", R"({"stream":"cnt","k":"b","n":2})",
                                           R"({"stream":"cnt","k":"c","n":2})"}));
    // having count(*) >= 2 keeps all three; n desc, then k: a (3), b (2), c (2); limit 2.
    EXPECT_TRUE(sameRows(out.rows["top"], {R"({"stream":"top","k":"a","n":3})", R"({"stream":"top","k":"b","n":2})"}));
    // x desc, nulls first (they sort after every value), ties in arrival order.
    EXPECT_TRUE(sameRows(out.rows["topx"],
                         {R"({"stream":"topx","k":"b","x":null})", R"({"stream":"topx","k":"a","x":null})",
                          R"({"stream":"topx","k":"c","x":4611686018427387904})"}));
    EXPECT_TRUE(sameRows(out.rows["d"], {R"({"stream":"d","t":"p"})", R"({"stream":"d","t":null})",
                                         R"({"stream":"d","t":"q"})", R"({"stream":"d","t":"z"})",
                                         R"({"stream":"d","t":"m"})", R"({"stream":"d","t":"y"})"}));
    // hv: a 4*3 > 0 kept; b -15 dropped; c (2^62 - 1) * 3 overflows: the group row fails.
    EXPECT_TRUE(sameRows(out.rows["hv"], {R"({"stream":"hv","k":"a","sx":4})"}));
    // approx_percentile: rank floor(p * (n - 1)) within 1%: a's x {1, 3} → 1, f max 4;
    // b's x {-5} → -5, f none → null; c's x {2^62, -1} → -1.
    ASSERT_EQ(out.rows["pct"].size(), 3u);
    EXPECT_NEAR(numberMember(out.rows["pct"][0], "p50"), 1, 0.0101);
    EXPECT_NEAR(numberMember(out.rows["pct"][0], "pmax"), 4, 0.0401);
    EXPECT_NEAR(numberMember(out.rows["pct"][1], "p50"), -5, 0.0501);
    EXPECT_EQ(member(out.rows["pct"][1], "pmax"), "null");
    EXPECT_NEAR(numberMember(out.rows["pct"][2], "p50"), -1, 0.0101);

    ASSERT_EQ(out.deadLetters.size(), 2u);
    EXPECT_EQ(member(out.deadLetters[0], "reason"), "integer overflow in sum(x)");
    EXPECT_EQ(member(out.deadLetters[0], "record"), records[5]);
    EXPECT_EQ(member(out.deadLetters[1], "source"), "hv");
    EXPECT_EQ(member(out.deadLetters[1], "record"), R"({"k":"c"})");
    EXPECT_NE(member(out.deadLetters[1], "reason").find("integer overflow in "), std::string::npos)
        << out.deadLetters[1];
    EXPECT_NE(out.metrics.find(R"("RecordsIn":8,"RecordsOut_agg":3,"RecordsOut_pct":3,"RecordsOut_cnt":3,)"
                               R"("RecordsOut_top":2,"RecordsOut_topx":3,"RecordsOut_d":6,"RecordsOut_hv":1,)"
                               R"("RecordsDeadLettered":1,)"),
              std::string::npos)
        << out.metrics;
  }
}

TEST_F(AggregateTest, Q2MatchesItsOracle) {
  // The benchmark's workload (shared/bench) and an independent stdlib oracle.
  char tmpl[] = "/tmp/flowc-aggregate-q2-XXXXXX";
  std::string work = ::mkdtemp(tmpl);
  CommandResult gen =
      runCommand({"python3", kShared + "/bench/gen_kinesis.py", "--records", "5000", "--out", work});
  ASSERT_TRUE(gen.ok()) << gen.describe("gen_kinesis.py") << gen.err;
  CommandResult oracle = runCommand({"python3", kSource + "/tests/e2e/q2_oracle.py", work + "/records.jsonl"});
  ASSERT_TRUE(oracle.ok()) << oracle.err;
  std::vector<std::string> expected = run::splitLines(oracle.out);
  ASSERT_GT(expected.size(), 10u);

  start(
      "source clicks from kinesis format json (user_id string, page string, latency_ms int, country string?, "
      "ts timestamp);\n"
      "stream per_page as select page, count(*) as views, avg(latency_ms) as avg_latency, max(latency_ms) as "
      "max_latency\n"
      "  from clicks group by page;\n"
      "sink per_page to log;\n");
  std::string event = readFile(work + "/event-000.json");
  for (int i = 0; i < 3; ++i) {  // cold, then warm
    Output out = invoke(event);
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_TRUE(sameRows(out.allRows, expected));
    EXPECT_TRUE(out.deadLetters.empty());
    EXPECT_EQ(out.response, R"({"batchItemFailures":[]})");
    std::cout << "q2, 5000 records, invocation " << i + 1 << ": DurationMs "
              << numberMember(out.metrics, "DurationMs") << "\n";
  }
  fs::remove_all(work);
}


// ------------------------------------------------------------------ Lambda's tumbling windows

const char* kLambdaWindowFlow =
    "source clicks from kinesis (page string, latency_ms int?, user string);\n"
    "stream per_min as select page, window_start, window_end, window_complete, count(*) as views,\n"
    "  sum(latency_ms) as total, count(distinct user) as users, max(user) as mx, avg(latency_ms) as av,\n"
    "  first(user) as fu, last(user) as lu, stddev(latency_ms) as sd, approx_percentile(latency_ms, 0.5) as p50\n"
    "  from clicks group by page, tumble(_arrival_time, 1 minute);\n"
    "stream top as select page, count(*) as views, window_end from clicks\n"
    "  group by page, tumble(_arrival_time, 1 minute) order by views desc, page limit 2;\n"
    "stream ch as select page, count(*) as n, window_complete from clicks\n"
    "  group by page, tumble(_arrival_time, 1 minute) emit changes;\n"
    "sink per_min to log;\nsink top to log;\nsink ch to log;\n";

constexpr int64_t kWindowStart = 1763892000000;  // 2025-11-23T10:00:00Z, a whole minute
constexpr int64_t kWindowEnd = kWindowStart + 60000;

std::vector<std::string> windowRecords(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string latency = i % 5 == 0 ? "null" : std::to_string(i * 10);
    out.push_back(fmt::format(R"({{"page":"p{}","latency_ms":{},"user":"u{}"}})", i * 7 % 4, latency, i % 6));
  }
  return out;
}

struct WindowRun {
  std::vector<Output> invocations;  // in order; the last is the final invoke
};

class LambdaWindowTest : public AggregateTest {
 public:
  Output call(const std::string& event) { return invoke(event); }
};

// Feeds `records` to the handler in batches of the sizes in `split` (the
// rest in one more batch), then the final invoke, each event carrying the
// state the previous response returned.
WindowRun runWindow(LambdaWindowTest& t, const std::vector<std::string>& records, const std::vector<size_t>& split,
                    bool terminatedEarly = false) {
  WindowRun run;
  std::string state = "{}";
  size_t at = 0, part = 0;
  while (at < records.size()) {
    size_t n = part < split.size() ? split[part] : records.size() - at;
    ++part;
    WindowEvent w;
    w.records.assign(records.begin() + static_cast<long>(at), records.begin() + static_cast<long>(std::min(records.size(), at + n)));
    w.startMs = kWindowStart;
    w.endMs = kWindowEnd;
    w.state = state;
    w.firstSequence = static_cast<int>(at);
    for (size_t i = 0; i < w.records.size(); ++i) w.arrivalMs.push_back(kWindowStart + static_cast<int64_t>(at + i) * 100);
    at += w.records.size();
    Output out = t.call(windowEvent(w));
    EXPECT_TRUE(out.ok) << out.error;
    state = stateOf(out.response);
    EXPECT_FALSE(state.empty()) << "every window response carries state: " << out.response;
    run.invocations.push_back(std::move(out));
  }
  WindowEvent last;
  last.startMs = kWindowStart;
  last.endMs = kWindowEnd;
  last.state = state;
  last.final = true;
  last.terminatedEarly = terminatedEarly;
  Output out = t.call(windowEvent(last));
  EXPECT_TRUE(out.ok) << out.error;
  EXPECT_FALSE(stateOf(out.response).empty()) << out.response;
  run.invocations.push_back(std::move(out));
  return run;
}

TEST_F(LambdaWindowTest, StateCarriesTheWindowAndEveryBatchSplitGivesTheSameRows) {
  start(kLambdaWindowFlow);
  std::vector<std::string> records = windowRecords(30);

  // The expectation, worked out from the records (page p = i*7 % 4, latency
  // i*10 but null when i % 5 == 0, user u(i % 6)).
  struct Expect {
    int views = 0, nonNull = 0;
    int64_t total = 0;
    std::set<std::string> users;
    std::string mx, fu, lu;
  };
  std::map<std::string, Expect> expect;
  std::vector<std::string> order;  // first-seen
  for (int i = 0; i < 30; ++i) {
    std::string page = fmt::format("p{}", i * 7 % 4), user = fmt::format("u{}", i % 6);
    if (!expect.count(page)) order.push_back(page);
    Expect& e = expect[page];
    ++e.views;
    if (i % 5 != 0) {
      ++e.nonNull;
      e.total += i * 10;
    }
    e.users.insert(user);
    if (e.mx < user) e.mx = user;
    if (e.fu.empty()) e.fu = user;
    e.lu = user;
  }

  std::vector<std::string> reference;
  for (const std::vector<size_t>& split :
       std::vector<std::vector<size_t>>{{30}, {7, 13}, {1, 1, 1, 2, 3, 5, 8}, {29}}) {
    WindowRun run = runWindow(*this, records, split);
    const Output& final = run.invocations.back();
    // Nothing before the final invoke but emit changes' rows.
    for (size_t i = 0; i + 1 < run.invocations.size(); ++i) {
      EXPECT_TRUE(run.invocations[i].rows["per_min"].empty());
      EXPECT_TRUE(run.invocations[i].rows["top"].empty());
      for (const std::string& row : run.invocations[i].rows["ch"]) EXPECT_EQ(member(row, "window_complete"), "false");
    }
    const std::vector<std::string>& rows = final.rows.at("per_min");
    ASSERT_EQ(rows.size(), order.size());
    for (size_t k = 0; k < order.size(); ++k) {
      const Expect& e = expect[order[k]];
      const std::string& row = rows[k];
      EXPECT_EQ(member(row, "page"), order[k]);
      EXPECT_EQ(member(row, "window_start"), "2025-11-23T10:00:00.000Z");
      EXPECT_EQ(member(row, "window_end"), "2025-11-23T10:01:00.000Z");
      EXPECT_EQ(member(row, "window_complete"), "true");
      EXPECT_EQ(member(row, "views"), std::to_string(e.views));
      EXPECT_EQ(member(row, "total"), std::to_string(e.total));
      EXPECT_EQ(member(row, "users"), std::to_string(e.users.size()));
      EXPECT_EQ(member(row, "mx"), e.mx);
      EXPECT_EQ(member(row, "fu"), e.fu);
      EXPECT_EQ(member(row, "lu"), e.lu);
      EXPECT_DOUBLE_EQ(numberMember(row, "av"), static_cast<double>(e.total) / e.nonNull);
    }
    // The top 2 pages by views, ties by page.
    std::vector<std::pair<int, std::string>> ranked;
    for (const auto& [page, e] : expect) ranked.push_back({-e.views, page});
    std::sort(ranked.begin(), ranked.end());
    ASSERT_EQ(final.rows.at("top").size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(member(final.rows.at("top")[k], "page"), ranked[k].second);
      EXPECT_EQ(member(final.rows.at("top")[k], "views"), std::to_string(-ranked[k].first));
    }
    // emit changes: the final invoke emits every group, complete.
    ASSERT_EQ(final.rows.at("ch").size(), order.size());
    for (const std::string& row : final.rows.at("ch")) EXPECT_EQ(member(row, "window_complete"), "true");
    // The state round trip is exact: stddev and the sketch included.
    std::vector<std::string> all = rows;
    if (reference.empty()) {
      reference = all;
    } else {
      EXPECT_EQ(all, reference);
    }
  }
}

TEST_F(LambdaWindowTest, EmitChangesEmitsTheGroupsAnInvocationChanged) {
  start(kLambdaWindowFlow);
  std::vector<std::string> records = windowRecords(30);
  WindowRun run = runWindow(*this, records, {3, 2});
  // Batch 1: records 0..2 → pages p0, p3, p2 (first seen in that order), one each.
  EXPECT_TRUE(sameRows(run.invocations[0].rows["ch"],
                       {R"({"stream":"ch","page":"p0","n":1,"window_complete":false})",
                        R"({"stream":"ch","page":"p3","n":1,"window_complete":false})",
                        R"({"stream":"ch","page":"p2","n":1,"window_complete":false})"}));
  // Batch 2: records 3, 4 → p1 (new, 1) and p0 (now 2): in first-seen order, p0 then p1.
  EXPECT_TRUE(sameRows(run.invocations[1].rows["ch"],
                       {R"({"stream":"ch","page":"p0","n":2,"window_complete":false})",
                        R"({"stream":"ch","page":"p1","n":1,"window_complete":false})"}));
}

TEST_F(LambdaWindowTest, AWindowEndedEarlyEmitsIncompleteRows) {
  start(kLambdaWindowFlow);
  WindowRun run = runWindow(*this, windowRecords(8), {}, /*terminatedEarly=*/true);
  const Output& final = run.invocations.back();
  ASSERT_FALSE(final.rows.at("per_min").empty());
  for (const std::string& row : final.rows.at("per_min")) EXPECT_EQ(member(row, "window_complete"), "false");
}

TEST_F(LambdaWindowTest, UnknownOrBrokenStateIsRefused) {
  start(kLambdaWindowFlow);
  WindowEvent w;
  w.records = windowRecords(3);
  w.startMs = kWindowStart;
  w.endMs = kWindowEnd;
  // Format version 7, then anything.
  w.state = fmt::format(R"({{"flowc":"{}"}})", run::base64Encode(std::string("\x07" "zyxwvuts", 9)));
  Output out = call(windowEvent(w));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.errorType, "Function.InvalidState");
  EXPECT_NE(out.error.find("the window state has format version 7; this handler reads version 1 only"),
            std::string::npos)
      << out.error;

  w.state = R"({"flowc":"not base64!"})";
  out = call(windowEvent(w));
  EXPECT_EQ(out.errorType, "Function.InvalidState");
  EXPECT_NE(out.error.find("is not valid base64"), std::string::npos) << out.error;

  // A real state, cut short.
  w.state = "{}";
  out = call(windowEvent(w));
  ASSERT_TRUE(out.ok) << out.error;
  std::string state = stateOf(out.response);
  simdjson::dom::parser parser;
  std::string_view b64 = parser.parse(state)["flowc"].get_string().value();
  std::string encoded(b64);
  // Decoded here by hand (the test's own base64), cut, and encoded again.
  std::vector<int> value(256, -1);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < alphabet.size(); ++i) value[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  std::string raw;
  for (size_t i = 0; i + 3 < encoded.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = encoded[i + k];
      if (c == '=') ++pad;
      v = v << 6 | static_cast<uint32_t>(c == '=' ? 0 : value[static_cast<unsigned char>(c)]);
    }
    raw.push_back(static_cast<char>(v >> 16));
    if (pad < 2) raw.push_back(static_cast<char>(v >> 8 & 255));
    if (pad < 1) raw.push_back(static_cast<char>(v & 255));
  }
  ASSERT_EQ(raw[0], 1);  // the format version
  w.state = fmt::format(R"({{"flowc":"{}"}})", run::base64Encode(raw.substr(0, raw.size() - 3)));
  out = call(windowEvent(w));
  EXPECT_EQ(out.errorType, "Function.InvalidState");
  EXPECT_NE(out.error.find("is truncated or malformed"), std::string::npos) << out.error;

  // No "window" in the event: the function is not wired to Lambda's windows.
  out = call(kinesisEvent(windowRecords(2)));
  EXPECT_EQ(out.errorType, "Function.InvalidEvent");
  EXPECT_NE(out.error.find("set TumblingWindowInSeconds"), std::string::npos) << out.error;
}

TEST_F(LambdaWindowTest, AwsSampleEventWithForeignState) {
  start(kLambdaWindowFlow);
  // Its record is not JSON ("Hello, this is a test."), its state is not flowc's.
  Output out = call(readFile(kShared + "/events/aws/go-kinesis-time-window-event.json"));
  ASSERT_TRUE(out.ok) << out.error;
  ASSERT_EQ(out.deadLetters.size(), 1u);
  EXPECT_EQ(member(out.deadLetters[0], "record"), "Hello, this is a test.");
  EXPECT_TRUE(out.allRows.empty());
  std::string state = stateOf(out.response);
  EXPECT_EQ(state.rfind(R"({"flowc":")", 0), 0u) << out.response;
}

TEST_F(LambdaWindowTest, StateBoundEmitsEarlyAndLosesNothing) {
  start(kLambdaWindowFlow);
  // 3600 distinct 240-byte users: the count(distinct) sets and max() alone
  // pass the 768 KiB bound, so the handler emits the window early.
  std::vector<std::string> records;
  for (int i = 0; i < 3600; ++i) {
    records.push_back(fmt::format(R"({{"page":"p{}","latency_ms":{},"user":"{:0>240}"}})", i % 3, i, i));
  }
  WindowRun run = runWindow(*this, records, {});
  ASSERT_EQ(run.invocations.size(), 2u);
  const Output& first = run.invocations[0];
  EXPECT_LE(stateOf(first.response).size(), 768u * 1024);
  int64_t views = 0;
  for (const std::string& row : first.rows.at("per_min")) {
    EXPECT_EQ(member(row, "window_complete"), "false");
    views += std::stoll(member(row, "views"));
    EXPECT_EQ(member(row, "users"), "1200");
  }
  EXPECT_EQ(views, 3600);
  // The final invoke has nothing left to emit.
  EXPECT_TRUE(run.invocations[1].rows["per_min"].empty());
}

// ------------------------------------------------------------------ event-time windows

const char* kEventTimeFlow =
    "source clicks from kinesis (user_id string, page string, latency_ms int, ts timestamp)\n"
    "event time ts watermark 10 seconds allowed lateness 5 seconds;\n"
    "stream moving as select page, window_start, window_end, window_complete, count(*) as n,\n"
    "  sum(latency_ms) as total, count(distinct user_id) as users, first(user_id) as fu, last(user_id) as lu\n"
    "  from clicks group by page, hop(ts, 3 minutes, 1 minute);\n"
    "stream per_min as select page, window_end, window_complete, count(*) as n from clicks\n"
    "  group by page, tumble(ts, 1 minute) order by n desc limit 2;\n"
    "stream chg as select page, window_end, count(*) as n, window_complete from clicks\n"
    "  group by page, tumble(ts, 1 minute) emit changes;\n"
    "sink moving to log;\nsink per_min to log;\nsink chg to log;\n";

// Watermark = the largest ts seen - 10 s; a record older than it - 5 s is
// late; a window is emitted once the watermark - 5 s reaches its end.
const std::vector<std::string> kEventTimeRecords = {
    R"({"user_id":"u1","page":"/a","latency_ms":1,"ts":"2025-11-23T10:00:05Z"})",
    R"({"user_id":"u2","page":"/a","latency_ms":2,"ts":"2025-11-23T10:00:50Z"})",
    R"({"user_id":"u1","page":"/b","latency_ms":3,"ts":"2025-11-23T10:01:10Z"})",
    R"({"user_id":"u3","page":"/a","latency_ms":4,"ts":"2025-11-23T10:01:20Z"})",  // bound 10:01:05
    R"({"user_id":"u2","page":"/a","latency_ms":5,"ts":"2025-11-23T10:00:58Z"})",  // late
    R"({"user_id":"u4","page":"/b","latency_ms":6,"ts":"2025-11-23T10:01:07Z"})",  // out of order, in time
    R"({"user_id":"u1","page":"/a","latency_ms":7,"ts":"2025-11-23T10:02:30Z"})",  // bound 10:02:15
    R"({"user_id":"u5","page":"/c","latency_ms":8,"ts":"2025-11-23T10:03:40Z"})",  // bound 10:03:25
};

class EventTimeTest : public LambdaWindowTest {};

WindowRun runEventTime(LambdaWindowTest& t, const std::vector<size_t>& split) {
  WindowRun run;
  std::string state = "{}";
  size_t at = 0, part = 0;
  const std::vector<std::string>& records = kEventTimeRecords;
  auto event = [&](std::vector<std::string> batch, bool final) {
    WindowEvent w;
    w.records = std::move(batch);
    w.startMs = kWindowStart;
    w.endMs = kWindowStart + 900000;  // event-time windows live under Lambda's 900-second window
    w.state = state;
    w.final = final;
    w.firstSequence = static_cast<int>(at);
    Output out = t.call(windowEvent(w));
    EXPECT_TRUE(out.ok) << out.error;
    state = stateOf(out.response);
    EXPECT_FALSE(state.empty()) << out.response;
    run.invocations.push_back(std::move(out));
  };
  while (at < records.size()) {
    size_t n = part < split.size() ? split[part] : records.size() - at;
    ++part;
    size_t end = std::min(records.size(), at + n);
    event(std::vector<std::string>(records.begin() + static_cast<long>(at), records.begin() + static_cast<long>(end)),
          false);
    at = end;
  }
  event({}, true);
  return run;
}

std::vector<std::string> rowsOf(const WindowRun& run, const std::string& stream) {
  std::vector<std::string> out;
  for (const Output& o : run.invocations) {
    auto it = o.rows.find(stream);
    if (it != o.rows.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

TEST_F(EventTimeTest, TumbleAndHopWindowsLateRecordsAndEveryBatchSplit) {
  start(kEventTimeFlow);
  // Panes: 10:00 {r1 /a u1 1, r2 /a u2 2}; 10:01 {r3 /b u1 3, r4 /a u3 4, r6 /b u4 6};
  // 10:02 {r7 /a u1 7}; 10:03 {r8 /c u5 8}. The last bound, 10:03:25, closes the
  // windows ending by 10:03; the final invoke emits the rest, incomplete.
  const std::vector<std::string> perMinute = {
      R"({"stream":"per_min","page":"/a","window_end":"2025-11-23T10:01:00.000Z","window_complete":true,"n":2})",
      R"({"stream":"per_min","page":"/b","window_end":"2025-11-23T10:02:00.000Z","window_complete":true,"n":2})",
      R"({"stream":"per_min","page":"/a","window_end":"2025-11-23T10:02:00.000Z","window_complete":true,"n":1})",
      R"({"stream":"per_min","page":"/a","window_end":"2025-11-23T10:03:00.000Z","window_complete":true,"n":1})",
      R"({"stream":"per_min","page":"/c","window_end":"2025-11-23T10:04:00.000Z","window_complete":false,"n":1})",
  };
  auto hop = [](const char* page, const char* start, const char* end, bool complete, int n, int total, int users,
                const char* fu, const char* lu) {
    return fmt::format(
        R"({{"stream":"moving","page":"{}","window_start":"2025-11-23T{}:00.000Z","window_end":"2025-11-23T{}:00.000Z","window_complete":{},"n":{},"total":{},"users":{},"fu":"{}","lu":"{}"}})",
        page, start, end, complete ? "true" : "false", n, total, users, fu, lu);
  };
  const std::vector<std::string> moving = {
      hop("/a", "09:58", "10:01", true, 2, 3, 2, "u1", "u2"),
      hop("/a", "09:59", "10:02", true, 3, 7, 3, "u1", "u3"),
      hop("/b", "09:59", "10:02", true, 2, 9, 2, "u1", "u4"),
      hop("/a", "10:00", "10:03", true, 4, 14, 3, "u1", "u1"),
      hop("/b", "10:00", "10:03", true, 2, 9, 2, "u1", "u4"),
      hop("/b", "10:01", "10:04", false, 2, 9, 2, "u1", "u4"),
      hop("/a", "10:01", "10:04", false, 2, 11, 2, "u3", "u1"),
      hop("/c", "10:01", "10:04", false, 1, 8, 1, "u5", "u5"),
      hop("/a", "10:02", "10:05", false, 1, 7, 1, "u1", "u1"),
      hop("/c", "10:02", "10:05", false, 1, 8, 1, "u5", "u5"),
      hop("/c", "10:03", "10:06", false, 1, 8, 1, "u5", "u5"),
  };
  for (const std::vector<size_t>& split :
       std::vector<std::vector<size_t>>{{8}, {4, 4}, {1, 1, 1, 1, 1, 1, 1, 1}, {3, 3, 2}, {7}}) {
    WindowRun run = runEventTime(*this, split);
    EXPECT_TRUE(sameRows(rowsOf(run, "per_min"), perMinute)) << "split of " << split.size();
    EXPECT_TRUE(sameRows(rowsOf(run, "moving"), moving)) << "split of " << split.size();
    std::vector<std::string> late;
    for (const Output& o : run.invocations) {
      for (const std::string& d : o.deadLetters) late.push_back(member(d, "reason") + " " + member(d, "record"));
    }
    EXPECT_EQ(late, std::vector<std::string>{"late " + kEventTimeRecords[4]});
  }
}

TEST_F(EventTimeTest, EmitChangesEmitsOpenWindowsAfterEveryInvocation) {
  start(kEventTimeFlow);
  WindowRun run = runEventTime(*this, {4, 4});
  ASSERT_EQ(run.invocations.size(), 3u);
  auto row = [](const char* page, const char* end, int n, bool complete) {
    return fmt::format(R"({{"stream":"chg","page":"{}","window_end":"2025-11-23T{}:00.000Z","n":{},"window_complete":{}}})",
                       page, end, n, complete ? "true" : "false");
  };
  // After r1..r4 (bound 10:01:05): [10:00, 10:01) closes; [10:01, 10:02) changed.
  EXPECT_TRUE(sameRows(run.invocations[0].rows["chg"],
                       {row("/a", "10:01", 2, true), row("/b", "10:02", 1, false), row("/a", "10:02", 1, false)}));
  // After r5..r8 (bound 10:03:25): two windows close, [10:03, 10:04) changed.
  EXPECT_TRUE(sameRows(run.invocations[1].rows["chg"],
                       {row("/b", "10:02", 2, true), row("/a", "10:02", 1, true), row("/a", "10:03", 1, true),
                        row("/c", "10:04", 1, false)}));
  // Lambda's window ends: what is open, early.
  EXPECT_TRUE(sameRows(run.invocations[2].rows["chg"], {row("/c", "10:04", 1, false)}));
}

TEST_F(EventTimeTest, SessionsMergeAndCloseOnTheWatermark) {
  start(
      "source clicks from kinesis (user_id string, page string, ts timestamp)\n"
      "event time ts watermark 60 seconds;\n"
      "stream sessions as select user_id, window_start, window_end, window_complete, count(*) as clicks,\n"
      "  first(page) as landing, last(page) as exit_page, count(distinct page) as pages\n"
      "  from clicks group by user_id, session(ts, 30 seconds);\n"
      "sink sessions to log;\n");
  auto rec = [](const char* user, const char* page, int seconds) {
    return fmt::format(R"({{"user_id":"{}","page":"{}","ts":{}}})", user, page, 1763892000000 + seconds * 1000);
  };
  // A session is [first, last + 30 s); a record joins every session of its
  // user that [t, t + 30 s) overlaps. The bound is the largest ts - 60 s.
  std::vector<std::string> records = {
      rec("u1", "/a", 0),    // u1 [0, 30)
      rec("u2", "/x", 10),   // u2 [10, 40)
      rec("u1", "/b", 20),   // u1 [0, 50)
      rec("u1", "/c", 70),   // u1 [70, 100): apart
      rec("u1", "/d", 45),   // bridges them: u1 [0, 100), 4 clicks
      rec("u1", "/e", 200),  // u1 [200, 230); bound 140 closes u2 and u1 [0, 100)
      rec("u2", "/y", 100),  // late: 100 < 140
      rec("u3", "/p", 210),  // u3 [210, 240)
  };
  auto row = [](const char* user, const char* start, const char* end, bool complete, int clicks, const char* landing,
                const char* exit, int pages) {
    return fmt::format(
        R"({{"stream":"sessions","user_id":"{}","window_start":"2025-11-23T10:{}.000Z","window_end":"2025-11-23T10:{}.000Z","window_complete":{},"clicks":{},"landing":"{}","exit_page":"{}","pages":{}}})",
        user, start, end, complete ? "true" : "false", clicks, landing, exit, pages);
  };
  const std::vector<std::string> expected = {
      row("u2", "00:10", "00:40", true, 1, "/x", "/x", 1),
      row("u1", "00:00", "01:40", true, 4, "/a", "/d", 4),
      row("u1", "03:20", "03:50", false, 1, "/e", "/e", 1),
      row("u3", "03:30", "04:00", false, 1, "/p", "/p", 1),
  };
  for (const std::vector<size_t>& split :
       std::vector<std::vector<size_t>>{{8}, {5, 3}, {4, 1, 3}, {1, 1, 1, 1, 1, 1, 1, 1}}) {
    std::string state = "{}";
    size_t at = 0;
    std::vector<std::vector<std::string>> batches;
    for (size_t n : split) {
      batches.emplace_back(records.begin() + static_cast<long>(at), records.begin() + static_cast<long>(at + n));
      at += n;
    }
    batches.emplace_back();  // the final invoke
    std::vector<std::string> rows, late;
    for (size_t b = 0; b < batches.size(); ++b) {
      WindowEvent w;
      w.records = batches[b];
      w.startMs = kWindowStart;
      w.endMs = kWindowStart + 900000;
      w.state = state;
      w.final = b + 1 == batches.size();
      Output out = call(windowEvent(w));
      ASSERT_TRUE(out.ok) << out.error;
      state = stateOf(out.response);
      rows.insert(rows.end(), out.allRows.begin(), out.allRows.end());
      for (const std::string& d : out.deadLetters) late.push_back(member(d, "reason") + " " + member(d, "record"));
    }
    EXPECT_TRUE(sameRows(rows, expected)) << "split of " << split.size();
    EXPECT_EQ(late, std::vector<std::string>{"late " + records[6]});
  }
}

}  // namespace
}  // namespace flowc::codegen
