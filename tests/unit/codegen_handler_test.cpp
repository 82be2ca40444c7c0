// Generated handlers, end to end: .flow text → front end → codegen → the
// real static `bootstrap` (clang++, ld.lld, libflowrt.a) → a real Runtime
// API server (run::LocalLambda) fed with Lambda events. What the handler
// prints and answers is compared with what the language reference says it
// must be: expected rows are written out by hand here (or computed by the
// benchmark's stdlib oracle for q1), never by the code under test.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
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

using Output = testing_support::HandlerOutput;

class HandlerTest : public testing_support::HandlerFixture {
 protected:
  HandlerTest() : HandlerFixture("codegen") {}

  Output invoke(const std::string& event) { return invokeHandler(event); }

  static std::vector<std::string> wrap(run::SourceKind kind, const std::vector<std::string>& records) {
    run::WrapOptions o;
    o.kind = kind;
    o.batchSize = records.size();
    std::vector<std::string> events = run::wrapRecords(records, o);
    EXPECT_EQ(events.size(), 1u);
    return events;
  }

};

// A member of a JSON line (the dead letters' reason and record).
std::string member(const std::string& line, const char* name) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS) return "<not JSON: " + line + ">";
  std::string_view v;
  if (doc[name].get_string().get(v) != simdjson::SUCCESS) {
    int64_t i = 0;
    if (doc[name].get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
    return "<no member " + std::string(name) + ">";
  }
  return std::string(v);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ------------------------------------------------------------------ q1

TEST_F(HandlerTest, Q1MatchesTheBenchmarkOracle) {
  // The benchmark's workload and its stdlib oracle (shared/bench, tests/e2e).
  char tmpl[] = "/tmp/flowc-codegen-q1-XXXXXX";
  std::string work = ::mkdtemp(tmpl);
  CommandResult gen =
      runCommand({"python3", kShared + "/bench/gen_kinesis.py", "--records", "300", "--out", work});
  ASSERT_TRUE(gen.ok()) << gen.describe("gen_kinesis.py") << gen.err;
  CommandResult oracle =
      runCommand({"python3", kSource + "/tests/e2e/q1_oracle.py", work + "/records.jsonl"});
  ASSERT_TRUE(oracle.ok()) << oracle.err;
  std::vector<std::string> expected = run::splitLines(oracle.out);
  ASSERT_GT(expected.size(), 10u);

  start(
      "source clicks from kinesis format json (user_id string, page string, latency_ms int, country string?, "
      "ts timestamp);\n"
      "stream slow as select user_id, page, latency_ms from clicks where latency_ms > 500;\n"
      "sink slow to log;\n");
  std::string event = readFile(work + "/event-000.json");
  for (int i = 0; i < 2; ++i) {  // cold, then warm
    Output out = invoke(event);
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_EQ(out.rows, expected);
    EXPECT_TRUE(out.deadLetters.empty());
    EXPECT_EQ(out.response, R"({"batchItemFailures":[]})");
    EXPECT_NE(out.metrics.find(fmt::format("\"RecordsOut_slow\":{},", expected.size())), std::string::npos)
        << out.metrics;
  }
  fs::remove_all(work);
}

// Through the bootstrap, which reads the records as the event arrives: the
// envelope scanner takes a 400-record event (~240 KB); an escape in the
// last record's partition key makes it give up at the very end, and
// simdjson decodes the same records from the whole body. Both ways give the
// same rows and dead letters. (Cuts at every byte: KinesisEnvelope tests.)
TEST_F(HandlerTest, RecordsReadWhileTheEventArrivesOrAfterAlike) {
  start(
      "source clicks from kinesis (user_id string, page string, latency_ms int, country string?, ts "
      "timestamp);\n"
      "stream slow as select user_id, page, latency_ms from clicks where latency_ms > 500;\n"
      "sink slow to log;\n");
  const std::vector<std::string> kinds = {
      R"({"user_id":"u1","page":"/p/1","latency_ms":812,"country":"DE","ts":"2026-11-23T10:15:30.250Z"})",
      R"({"user_id":"u2","page":"/p/2","latency_ms":100,"ts":0})",
      R"({"page":"/p/3","latency_ms":900})",
      R"({"user_id":"u4","page":"/p/4","latency_ms":1.5})",
      R"({"user_id":"u8","page":"/p/\"8\"\u00e9","latency_ms":9223372036854775807,"ts":0})",
      R"({"user_id":"u9","page":"/p/9","latency_ms":501,"ts":"not a time"})",
  };
  std::vector<std::string> records;
  for (int i = 0; i < 400; ++i) records.push_back(kinds[static_cast<size_t>(i) % kinds.size()]);
  std::string event = wrap(run::SourceKind::Kinesis, records)[0];
  std::string escaped = event;
  size_t key = escaped.rfind("\"partitionKey\":\"");
  ASSERT_NE(key, std::string::npos);
  escaped.insert(key + 16, "\\u0041");
  Output fast = invoke(event), slow = invoke(escaped);
  ASSERT_TRUE(fast.ok) << fast.error;
  ASSERT_TRUE(slow.ok) << slow.error;
  std::vector<std::string> rows, reasons;
  for (int i = 0; i < 400; ++i) {
    if (i % 6 == 0) rows.push_back(R"({"stream":"slow","user_id":"u1","page":"/p/1","latency_ms":812})");
    if (i % 6 == 4) {
      rows.push_back(R"({"stream":"slow","user_id":"u8","page":"/p/\"8\"é","latency_ms":9223372036854775807})");
    }
    if (i % 6 == 2) reasons.push_back("missing required field 'user_id'");
    if (i % 6 == 3) reasons.push_back("field 'latency_ms': expected int, got 1.5");
    if (i % 6 == 5) {
      reasons.push_back(
          "field 'ts': expected timestamp (an RFC 3339 string or epoch milliseconds), got \"not a time\"");
    }
  }
  for (const Output* out : {&fast, &slow}) {
    EXPECT_EQ(out->rows, rows);
    std::vector<std::string> got;
    for (const std::string& d : out->deadLetters) got.push_back(member(d, "reason"));
    EXPECT_EQ(got, reasons);
  }
  EXPECT_EQ(fast.deadLetters, slow.deadLetters);
}

TEST_F(HandlerTest, BadRecordsAreDeadLetteredWithTheirReason) {
  start(
      "source clicks from kinesis (user_id string, page string, latency_ms int, country string?, ts "
      "timestamp);\n"
      "stream slow as select user_id, page, latency_ms from clicks where latency_ms > 500;\n"
      "sink slow to log;\n");
  std::vector<std::string> records = {
      R"({"user_id":"u1","page":"/p/1","latency_ms":812,"country":"DE","ts":"2026-11-23T10:15:30.250Z"})",
      R"({"user_id":"u2","page":"/p/2","latency_ms":100,"ts":0})",
      R"({"page":"/p/3","latency_ms":900})",
      R"({"user_id":"u4","page":"/p/4","latency_ms":1.5})",
      R"({"user_id":"u5","page":null,"latency_ms":700})",
      R"([1,2])",
      R"({"user_id":"u7",)",
      R"({"user_id":"u8","page":"/p/\"8\"\u00e9","latency_ms":9223372036854775807,"extra":{"a":[1,{"b":2}]},"ts":0})",
      // ts is not read by any operator, but a record must match the whole schema.
      R"({"user_id":"u9","page":"/p/9","latency_ms":501,"ts":"not a time"})",
      R"({"user_id":"u10","page":"/p/10","latency_ms":"600"})",
  };
  Output out = invoke(wrap(run::SourceKind::Kinesis, records)[0]);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows,
            (std::vector<std::string>{
                R"({"stream":"slow","user_id":"u1","page":"/p/1","latency_ms":812})",
                R"({"stream":"slow","user_id":"u8","page":"/p/\"8\"é","latency_ms":9223372036854775807})",
            }));
  ASSERT_EQ(out.deadLetters.size(), 7u);
  std::vector<std::string> reasons;
  for (const std::string& d : out.deadLetters) reasons.push_back(member(d, "reason"));
  EXPECT_EQ(reasons[0], "missing required field 'user_id'");
  EXPECT_EQ(reasons[1], "field 'latency_ms': expected int, got 1.5");
  EXPECT_EQ(reasons[2], "required field 'page' is null");
  EXPECT_EQ(reasons[3], "the record is not a JSON object (it is an array)");
  EXPECT_EQ(reasons[4], "invalid JSON at byte 16: the record ends inside an object");
  EXPECT_EQ(reasons[5],
            "field 'ts': expected timestamp (an RFC 3339 string or epoch milliseconds), got \"not a time\"");
  EXPECT_EQ(reasons[6], "field 'latency_ms': expected int, got string");
  EXPECT_EQ(member(out.deadLetters[0], "record"), records[2]);
  EXPECT_EQ(member(out.deadLetters[4], "record"), records[6]);
  EXPECT_EQ(member(out.deadLetters[0], "source"), "clicks");
  EXPECT_NE(out.metrics.find(R"("RecordsIn":10,"RecordsOut_slow":2,"RecordsDeadLettered":7,)"),
            std::string::npos)
      << out.metrics;
}

// ------------------------------------------------------------------ expressions

TEST_F(HandlerTest, IntegerArithmeticIsCheckedAndTruncates) {
  start(
      "source t from sqs (a int, b int, n int?);\n"
      "stream r as select a / b as q, a % b as m, a * 2 as twice, -a as neg, a / 2.0 as half, n + 1 as n1\n"
      "  from t where a <> 0 or n is null;\n"
      "sink r to log;\n");
  std::vector<std::string> records = {
      R"({"a":7,"b":2,"n":1})",
      R"({"a":-7,"b":2})",
      R"({"a":1,"b":0,"n":5})",
      R"({"a":9223372036854775807,"b":1,"n":0})",
      R"({"a":0,"b":1,"n":3})",
      R"({"a":0,"b":0})",
      R"({"a":-9223372036854775808,"b":-1,"n":null})",
      R"({"a":-9223372036854775808,"b":7})",
  };
  Output out = invoke(wrap(run::SourceKind::Sqs, records)[0]);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, (std::vector<std::string>{
                          R"({"stream":"r","q":3,"m":1,"twice":14,"neg":-7,"half":3.5,"n1":2})",
                          R"({"stream":"r","q":-3,"m":-1,"twice":-14,"neg":7,"half":-3.5,"n1":null})",
                      }));
  std::vector<std::string> reasons;
  for (const std::string& d : out.deadLetters) reasons.push_back(member(d, "reason"));
  EXPECT_EQ(reasons, (std::vector<std::string>{
                         "division by zero in a / b",
                         "integer overflow in a * 2",
                         "division by zero in a / b",
                         "integer overflow in a / b",
                         "integer overflow in a * 2",
                     }));
}

TEST_F(HandlerTest, StringsNullsAndConditionals) {
  start(
      "source t from sqs (s string, n int?, c string?);\n"
      "stream r as select s || '-' || n as cat, concat(s, n, c) as cc, upper(s) as up, length(s) as len,\n"
      "  substr(s, 2, 2) as sub, case when n is null then 'none' when n > 0 then 'pos' else 'neg' end as "
      "sign,\n"
      "  coalesce(c, s) as co, nullif(n, 0) as nz, s like 'a%' as la, n in (1, 2) as inl,\n"
      "  n between 0 and 5 as btw, cast(n as string) as ns, n > 0 and c is not null as both\n"
      "from t;\n"
      "sink r to response;\n");
  std::vector<std::string> records = {
      R"({"s":"abc","n":1,"c":"x"})",
      R"({"s":"Émile","n":null})",
      R"({"s":"a","n":0,"c":null})",
  };
  Output out = invoke(wrap(run::SourceKind::Sqs, records)[0]);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_TRUE(out.rows.empty());
  EXPECT_EQ(
      out.response,
      "{\"r\":["
      R"({"cat":"abc-1","cc":"abc1x","up":"ABC","len":3,"sub":"bc","sign":"pos","co":"x","nz":1,"la":true,)"
      R"("inl":true,"btw":true,"ns":"1","both":true},)"
      R"({"cat":null,"cc":"Émile","up":"ÉMILE","len":5,"sub":"mi","sign":"none","co":"Émile","nz":null,)"
      R"("la":false,"inl":null,"btw":null,"ns":null,"both":false},)"
      R"({"cat":"a-0","cc":"a0","up":"A","len":1,"sub":"","sign":"neg","co":"a","nz":null,"la":true,)"
      R"("inl":false,"btw":true,"ns":"0","both":false})"
      "],\"batchItemFailures\":[]}");
}

TEST_F(HandlerTest, CastsTimeJsonAndPatterns) {
  start(
      "source t from kinesis (v string, ts timestamp, body string);\n"
      "stream r as select cast(v as int) as i, date_trunc('hour', ts) as h, extract(dow from ts) as dow,\n"
      "  ts + 90 seconds as later, json_extract(body, '$.user.id') as uid, regexp_like(v, '^[0-9]+$') as "
      "digits,\n"
      "  round(cast(v as float) / 3, 2) as third, epoch_ms(ts) as ms\n"
      "from t;\n"
      "sink r to log;\n");
  std::vector<std::string> records = {
      R"({"v":"42","ts":"2026-11-23T10:15:30.250Z","body":"{\"user\":{\"id\":7}}"})",
      R"({"v":"x","ts":1795428930250,"body":"nope"})",
      R"({"v":" 7 ","ts":0,"body":"{\"user\":{\"id\":\"u\\\"1\"}}"})",
      R"({"v":"1","ts":"2026-11-23T11:15:30+01:00","body":"[]"})",
  };
  Output out = invoke(wrap(run::SourceKind::Kinesis, records)[0]);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(
      out.rows,
      (std::vector<std::string>{
          R"({"stream":"r","i":42,"h":"2026-11-23T10:00:00.000Z","dow":1,"later":"2026-11-23T10:17:00.250Z","uid":"7","digits":true,"third":14,"ms":1795428930250})",
          R"({"stream":"r","i":7,"h":"1970-01-01T00:00:00.000Z","dow":4,"later":"1970-01-01T00:01:30.000Z","uid":"u\"1","digits":false,"third":2.33,"ms":0})",
          R"({"stream":"r","i":1,"h":"2026-11-23T10:00:00.000Z","dow":1,"later":"2026-11-23T10:17:00.000Z","uid":null,"digits":true,"third":0.33,"ms":1795428930000})",
      }));
  ASSERT_EQ(out.deadLetters.size(), 1u);
  EXPECT_EQ(member(out.deadLetters[0], "reason"), "cannot cast the value to int in cast(v as int)");
}

// ------------------------------------------------------------------ record outcomes

TEST_F(HandlerTest, AFailingRecordWritesNoRowToAnySink) {
  start(
      "source t from sqs (a int, b int);\n"
      "stream ok as select a from t;\n"
      "stream q as select a / b as q from t;\n"
      "sink ok to log;\n"
      "sink q to log;\n");
  Output out =
      invoke(wrap(run::SourceKind::Sqs, {R"({"a":1,"b":1})", R"({"a":2,"b":0})", R"({"a":3,"b":3})"})[0]);
  ASSERT_TRUE(out.ok) << out.error;
  // Record 2 fails in the second branch of the fan-out: its `ok` row is not written either.
  EXPECT_EQ(out.rows, (std::vector<std::string>{
                          R"({"stream":"ok","a":1})",
                          R"({"stream":"q","q":1})",
                          R"({"stream":"ok","a":3})",
                          R"({"stream":"q","q":1})",
                      }));
  ASSERT_EQ(out.deadLetters.size(), 1u);
  EXPECT_EQ(member(out.deadLetters[0], "record"), R"({"a":2,"b":0})");
  EXPECT_NE(out.metrics.find(R"("RecordsIn":3,"RecordsOut_ok":2,"RecordsOut_q":2,"RecordsDeadLettered":1,)"),
            std::string::npos)
      << out.metrics;
}

TEST_F(HandlerTest, RetryOnKinesisReportsTheFailedRecordAndEveryLaterOne) {
  start(
      "source t from kinesis (a int, b int) on error retry;\n"
      "stream q as select a / b as q from t;\n"
      "sink q to log;\n");
  run::WrapOptions o;
  o.kind = run::SourceKind::Kinesis;
  run::EventSourceMapping mapping({R"({"a":4,"b":2})", R"({"a":1,"b":0})", R"({"a":9,"b":3})"}, o);
  run::Batch batch = mapping.next();
  Output out = invoke(batch.event);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, std::vector<std::string>{R"({"stream":"q","q":2})"});
  EXPECT_TRUE(out.deadLetters.empty());
  const auto& recs = mapping.records();
  EXPECT_EQ(out.response,
            fmt::format(R"({{"batchItemFailures":[{{"itemIdentifier":"{}"}},{{"itemIdentifier":"{}"}}]}})",
                        recs[1].id, recs[2].id));
  EXPECT_NE(out.metrics.find(R"("RecordsRetried":2,)"), std::string::npos) << out.metrics;
}

TEST_F(HandlerTest, SkipCountsTheRecord) {
  start(
      "source t from sqs (a int) on error skip;\n"
      "stream r as select a from t;\n"
      "sink r to log;\n");
  Output out = invoke(wrap(run::SourceKind::Sqs, {R"({"a":1})", R"({"a":"x"})", R"(nope)"})[0]);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, std::vector<std::string>{R"({"stream":"r","a":1})"});
  EXPECT_TRUE(out.deadLetters.empty());
  EXPECT_NE(out.metrics.find(R"("RecordsDeadLettered":0,"RecordsSkipped":2,"RecordsRetried":0,)"),
            std::string::npos)
      << out.metrics;
}

// ------------------------------------------------------------------ sources and joins

TEST_F(HandlerTest, HttpRequestAnswersWithTheJoinedRows) {
  start(
      "source orders from http (order_id string, country string?, qty int);\n"
      "table countries from file 'countries.csv' (code string, name string, region string?) key code;\n"
      "stream priced as select o.order_id, k.name, k.region, o.qty, _method, _path\n"
      "  from orders o left join countries k on o.country = k.code where o.qty between 1 and 100;\n"
      "sink priced to response;\n",
      {{"countries.csv", "code,name,region\nUS,United States,Americas\nDE,Germany,\nFR,France,Europe\n"}});
  std::vector<std::string> records = {
      R"({"order_id":"o1","country":"DE","qty":2})",
      R"({"order_id":"o2","country":"XX","qty":3})",
      R"({"order_id":"o3","qty":4})",
      R"({"order_id":"o4","country":"FR","qty":500})",
      R"({"order_id":"o5","country":"US","qty":1})",
  };
  Output out = invoke(wrap(run::SourceKind::Http, records)[0]);
  ASSERT_TRUE(out.ok) << out.error;
  simdjson::dom::parser parser;
  simdjson::dom::element response;
  ASSERT_EQ(parser.parse(out.response).get(response), simdjson::SUCCESS) << out.response;
  EXPECT_EQ(int64_t(response["statusCode"]), 200);
  std::string_view body = response["body"];
  EXPECT_EQ(
      body,
      "{\"priced\":["
      R"({"order_id":"o1","name":"Germany","region":null,"qty":2,"_method":"POST","_path":"/"},)"
      R"({"order_id":"o2","name":null,"region":null,"qty":3,"_method":"POST","_path":"/"},)"
      R"({"order_id":"o3","name":null,"region":null,"qty":4,"_method":"POST","_path":"/"},)"
      R"({"order_id":"o5","name":"United States","region":"Americas","qty":1,"_method":"POST","_path":"/"})"
      "]}");
}

// Kinesis metadata no operator reads is checked, not converted
// (EventDecoder::setKinesisMetadataRead): a program that reads one of
// `_arrival_time` and `_shard_id` still gets its values, from AWS's sample
// event (its timestamps converted here by hand: 1480641523.477 and
// 1480841523.477 seconds).
TEST_F(HandlerTest, KinesisArrivalTimeReadAlone) {
  start("source lines from kinesis format text;\nstream s as select line, _arrival_time from lines;\nsink s to log;\n");
  Output out = invoke(readFile(kShared + "/events/aws/go-kinesis-event.json"));
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, (std::vector<std::string>{
                          R"({"stream":"s","line":"Hello World","_arrival_time":"2016-12-02T01:18:43.477Z"})",
                          R"({"stream":"s","line":"Hello World","_arrival_time":"2016-12-04T08:52:03.477Z"})"}));
}

TEST_F(HandlerTest, KinesisShardIdReadAlone) {
  start("source lines from kinesis format text;\nstream s as select line, _shard_id from lines;\nsink s to log;\n");
  Output out = invoke(readFile(kShared + "/events/aws/go-kinesis-event.json"));
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, (std::vector<std::string>{
                          R"({"stream":"s","line":"Hello World","_shard_id":"shardId-000000000000"})",
                          R"({"stream":"s","line":"Hello World","_shard_id":"shardId-000000000000"})"}));
}

TEST_F(HandlerTest, JsonPathsReadNestedMembersAndArrayElements) {
  start(
      "source checkouts from kinesis (\n"
      "  id string, amount float = $.payment.amount, currency string = $.payment.currency,\n"
      "  first_sku string = $.items[0].sku, third_sku string? = $.items[2].sku,\n"
      "  agent string? = $.headers['user-agent'], after string? = $.after\n"
      ");\n"
      "stream c as select id, amount, currency, first_sku, third_sku, agent, after from checkouts;\n"
      "sink c to log;\n");
  std::vector<std::string> records = {
      R"({"id":"c1","payment":{"currency":"EUR","amount":12},"items":[{"sku":"A"},{"sku":"B"},{"sku":"C"},{"sku":"D"}],"headers":{"user-agent":"x/1"},"after":"z"})",
      R"({"items":[{"sku":"A","n":[1,2]}],"after":"y","payment":{"amount":1.5,"currency":"USD","extra":{"deep":[[]]}},"id":"c2"})",
      R"({"id":"c3","payment":{"amount":1},"items":[{"sku":"A"}]})",
      R"({"id":"c4","payment":"cash","items":[{"sku":"A"}]})",
      R"({"id":"c5","payment":{"amount":1,"currency":"EUR"},"items":[]})",
  };
  Output out = invoke(wrap(run::SourceKind::Kinesis, records)[0]);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(
      out.rows,
      (std::vector<std::string>{
          R"({"stream":"c","id":"c1","amount":12,"currency":"EUR","first_sku":"A","third_sku":"C","agent":"x/1","after":"z"})",
          R"({"stream":"c","id":"c2","amount":1.5,"currency":"USD","first_sku":"A","third_sku":null,"agent":null,"after":"y"})",
      }));
  std::vector<std::string> reasons;
  for (const std::string& d : out.deadLetters) reasons.push_back(member(d, "reason"));
  EXPECT_EQ(reasons, (std::vector<std::string>{
                         "missing required field 'currency' ($.payment.currency)",
                         "missing required field 'amount' ($.payment.amount)",
                         "missing required field 'first_sku' ($.items[0].sku)",
                     }));
}

TEST_F(HandlerTest, TextRecordsAreLines) {
  start(
      "source lines from sqs format text;\n"
      "stream errors as select line, length(line) as n, _message_id is not null as has_id from lines\n"
      "  where starts_with(line, 'ERROR') or regexp_like(line, 'panic|fatal');\n"
      "sink errors to log;\n");
  Output out = invoke(
      wrap(run::SourceKind::Sqs, {"ERROR disk full", "all good", "a fatal error", "{\"json\": 1}"})[0]);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, (std::vector<std::string>{
                          R"({"stream":"errors","line":"ERROR disk full","n":15,"has_id":true})",
                          R"({"stream":"errors","line":"a fatal error","n":13,"has_id":true})",
                      }));
}

// ------------------------------------------------------------------ arm64

TEST_F(HandlerTest, Arm64HandlerGivesTheSameRows) {
  // Graviton: char is unsigned on aarch64, which string code must not notice.
  ToolchainLookup lookup = findHandlerToolchain(Arch::Arm64);
  if (!lookup.ok()) GTEST_SKIP() << lookup.error;
  if (::access("/usr/bin/qemu-aarch64", X_OK) != 0) GTEST_SKIP() << "qemu-aarch64 is not installed";
  start(
      "source t from sqs (s string, n int);\n"
      "stream r as select lower(s) as lo, upper(s) as up, length(s) as len, substr(s, 2, 3) as sub,\n"
      "  s like '_mile%' as lk, regexp_like(s, '^[À-ÿ]') as rx, s > 'z' as gt, n * 3 / 2 as m, s || n as "
      "cat\n"
      "from t;\n"
      "sink r to log;\n",
      {}, Arch::Arm64);
  Output out = invoke(
      wrap(run::SourceKind::Sqs, {R"({"s":"Émile Ü","n":-7})", R"({"s":"abc","n":9223372036854775807})"})[0]);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(
      out.rows,
      std::vector<std::string>{
          R"({"stream":"r","lo":"émile ü","up":"ÉMILE Ü","len":7,"sub":"mil","lk":true,"rx":true,"gt":true,"m":-10,"cat":"Émile Ü-7"})"});
  ASSERT_EQ(out.deadLetters.size(), 1u);
  EXPECT_EQ(member(out.deadLetters[0], "reason"), "integer overflow in n * 3");
}

// ------------------------------------------------------------------ escaping

TEST_F(HandlerTest, NamesAndStringsReachTheOutputByteForByte) {
  // Quotes, backslashes, comment closers, trigraphs, newline, NUL and
  // non-ASCII in source, field, stream and column names and in literals.
  // `[QQ]` stands for two question marks (a trigraph in C++ source).
  auto q = [](std::string text) {
    for (size_t at; (at = text.find("[QQ]")) != std::string::npos;) text.replace(at, 4, "?\?");
    return text;
  };
  start(q(R"(source `we"ird */ name[QQ]/` from sqs (`a"b\c` string, `x*/y` int?);
stream `s"*/\` as
  select `a"b\c` as `out"*/[QQ]/\`, 'q''uote "dq" \\ back */ [QQ]/ [QQ]= nl\nnul\u0000tab\té ✓' as lit, `x*/y`
  from `we"ird */ name[QQ]/`
  where `a"b\c` <> 'it''s */ [QQ]/ \\';
sink `s"*/\` to log;
)"));
  Output out =
      invoke(wrap(run::SourceKind::Sqs, {R"({"a\"b\\c":"hello","x*/y":5})", q(R"({"a\"b\\c":"it's */ [QQ]/ \\"})"),
                                         R"({"a\"b\\c":"x","x*/y":"bad"})"})[0]);
  ASSERT_TRUE(out.ok) << out.error;
  ASSERT_EQ(out.rows.size(), 1u);
  simdjson::dom::parser parser;
  simdjson::dom::object row;
  ASSERT_EQ(parser.parse(out.rows[0]).get(row), simdjson::SUCCESS) << out.rows[0];
  std::vector<std::pair<std::string, std::string>> members;
  for (auto field : row) {
    std::string value;
    std::string_view s;
    if (field.value.get_string().get(s) == simdjson::SUCCESS) {
      value = s;
    } else {
      value = simdjson::to_string(field.value);
    }
    members.emplace_back(std::string(field.key), value);
  }
  using namespace std::string_literals;
  EXPECT_EQ(members, (std::vector<std::pair<std::string, std::string>>{
                         {"stream", "s\"*/\\"},
                         {"out\"*/?\?/\\", "hello"},
                         {"lit", "q'uote \"dq\" \\ back */ ?\?/ ?\?= nl\nnul\0tab\té ✓"s},
                         {"x*/y", "5"},
                     }));
  ASSERT_EQ(out.deadLetters.size(), 1u);
  EXPECT_EQ(member(out.deadLetters[0], "source"), "we\"ird */ name?\?/");
  EXPECT_EQ(member(out.deadLetters[0], "reason"), "field 'x*/y': expected int, got string");
}

}  // namespace
}  // namespace flowc::codegen
