// flow/output.h: log rows, dead letters, response bodies, batchItemFailures
// with Kinesis/FIFO ordering, the EMF line, and the accounting invariant
// RecordsIn = processed + dead-lettered + retried + skipped. Expected texts
// are written out by hand from docs/runtime.md; the EMF line is also read
// back with simdjson and checked member by member.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <map>
#include <vector>
#include <string>

#include "flow/events.h"
#include "flow/json_writer.h"
#include "flow/output.h"

namespace {

using flow::SinkKind;
using flow::SinkSpec;
using flow::SourceKind;

flow::Batch kinesisBatch(int n) {
  flow::Batch b;
  b.kind = SourceKind::Kinesis;
  for (int i = 0; i < n; ++i) {
    flow::Record r;
    static const char* ids[] = {"s0", "s1", "s2", "s3", "s4", "s5"};
    r.id = ids[i];
    r.payload = "{\"user_id\":\"u1\"}";
    r.received = "eyJ1c2VyX2lkIjoidTEifQ==";
    b.records.push_back(r);
  }
  return b;
}

// The EMF line is the last line of stdout.
std::string lastLine(const std::string& text) {
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  size_t start = text.rfind('\n', text.size() - 2);
  return text.substr(start == std::string::npos ? 0 : start + 1, text.size() - 1 - (start == std::string::npos ? 0 : start + 1));
}

std::string withoutEmf(const std::string& text) {
  size_t start = text.rfind('\n', text.size() - 2);
  return start == std::string::npos ? std::string() : text.substr(0, start + 1);
}

struct Emf {
  int64_t in = -1, deadLettered = -1, skipped = -1, retried = -1;
  std::map<std::string, int64_t> out;
  std::vector<std::string> metricNames;
  std::string function;
  bool durationOk = false;
};

Emf parseEmf(const std::string& line) {
  Emf e;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(line);
  simdjson::dom::object aws = doc["_aws"];
  EXPECT_GT(int64_t(aws["Timestamp"]), 1600000000000);
  simdjson::dom::array directives = aws["CloudWatchMetrics"];
  EXPECT_EQ(directives.size(), 1u);
  simdjson::dom::object d = directives.at(0);
  EXPECT_EQ(std::string_view(d["Namespace"]), "flowc");
  EXPECT_EQ(simdjson::to_string(d["Dimensions"]), "[[\"function\"]]");
  for (simdjson::dom::object m : simdjson::dom::array(d["Metrics"])) {
    std::string name{std::string_view(m["Name"])};
    e.metricNames.push_back(name);
    EXPECT_EQ(std::string_view(m["Unit"]), name == "DurationMs" ? "Milliseconds" : "Count");
  }
  e.function = std::string(std::string_view(doc["function"]));
  e.in = int64_t(doc["RecordsIn"]);
  e.deadLettered = int64_t(doc["RecordsDeadLettered"]);
  e.skipped = int64_t(doc["RecordsSkipped"]);
  e.retried = int64_t(doc["RecordsRetried"]);
  double dur = doc["DurationMs"];
  e.durationOk = dur >= 0 && dur < 10000;
  for (auto [key, value] : simdjson::dom::object(doc)) {
    std::string k(key);
    if (k.rfind("RecordsOut_", 0) == 0) e.out[k] = int64_t(value);
  }
  return e;
}

TEST(RuntimeOutput, KinesisLogRowsDeadLettersAndEmf) {
  const std::array<SinkSpec, 2> sinks = {{{"slow", SinkKind::Log}, {"fast", SinkKind::Log}}};
  flow::Output out("clicks", sinks, "my-fn");
  flow::Batch batch = kinesisBatch(4);
  batch.records[2].decodeError = "invalid base64: bad character at offset 0";
  batch.records[2].received = "{{{data}}}";
  batch.records[2].payload = {};
  flow::Reply reply;
  out.begin(batch, reply);
  // record 0 → one row to slow; record 1 filtered; record 2 bad base64; record 3 bad JSON
  std::string& s = out.beginLogRow(0);
  flow::appendJsonKey(s, "user_id");
  flow::appendJsonString(s, "u1");
  flow::appendJsonKey(s, "latency_s");
  flow::appendJsonDouble(s, 0.812);
  flow::appendJsonKey(s, "ts");
  flow::appendJsonTimestamp(s, 1795428930250);
  out.endLogRow(0);
  out.processed(0);
  out.processed(1);
  out.deadLetter(2, batch.records[2].decodeError);
  out.deadLetter(3, "missing required field 'page'");
  out.finish();
  EXPECT_FALSE(reply.error);
  EXPECT_EQ(withoutEmf(reply.stdoutText),
            "{\"stream\":\"slow\",\"user_id\":\"u1\",\"latency_s\":0.812,\"ts\":\"2026-11-23T10:15:30.250Z\"}\n"
            "{\"stream\":\"_dead_letter\",\"source\":\"clicks\",\"reason\":\"invalid base64: bad character at offset "
            "0\",\"record\":\"{{{data}}}\",\"id\":\"s2\"}\n"
            "{\"stream\":\"_dead_letter\",\"source\":\"clicks\",\"reason\":\"missing required field 'page'\","
            "\"record\":\"{\\\"user_id\\\":\\\"u1\\\"}\",\"id\":\"s3\"}\n");
  EXPECT_EQ(reply.body, "{\"batchItemFailures\":[]}");
  Emf emf = parseEmf(lastLine(reply.stdoutText));
  EXPECT_EQ(emf.function, "my-fn");
  EXPECT_EQ(emf.in, 4);
  EXPECT_EQ(emf.deadLettered, 2);
  EXPECT_EQ(emf.skipped, 0);
  EXPECT_EQ(emf.retried, 0);
  EXPECT_EQ(emf.out["RecordsOut_slow"], 1);
  EXPECT_EQ(emf.out["RecordsOut_fast"], 0);
  EXPECT_TRUE(emf.durationOk);
  EXPECT_EQ(emf.metricNames, (std::vector<std::string>{"RecordsIn", "RecordsOut_slow", "RecordsOut_fast",
                                                        "RecordsDeadLettered", "RecordsSkipped", "RecordsRetried",
                                                        "DurationMs"}));
  // The exact line, with the two values that vary pinned.
  std::string line = lastLine(reply.stdoutText);
  size_t ts = line.find("\"Timestamp\":") + 12;
  line.replace(ts, line.find(',', ts) - ts, "T");
  size_t dur = line.find("\"DurationMs\":") + 13;
  line.replace(dur, line.find('}', dur) - dur, "D");
  EXPECT_EQ(line,
            "{\"_aws\":{\"Timestamp\":T,\"CloudWatchMetrics\":[{\"Namespace\":\"flowc\",\"Dimensions\":[[\"function\"]],"
            "\"Metrics\":[{\"Name\":\"RecordsIn\",\"Unit\":\"Count\"},{\"Name\":\"RecordsOut_slow\",\"Unit\":\"Count\"},"
            "{\"Name\":\"RecordsOut_fast\",\"Unit\":\"Count\"},{\"Name\":\"RecordsDeadLettered\",\"Unit\":\"Count\"},"
            "{\"Name\":\"RecordsSkipped\",\"Unit\":\"Count\"},{\"Name\":\"RecordsRetried\",\"Unit\":\"Count\"},"
            "{\"Name\":\"DurationMs\",\"Unit\":\"Milliseconds\"}]}]},\"function\":\"my-fn\",\"RecordsIn\":4,"
            "\"RecordsOut_slow\":1,\"RecordsOut_fast\":0,\"RecordsDeadLettered\":2,\"RecordsSkipped\":0,"
            "\"RecordsRetried\":0,\"DurationMs\":D}");
}

TEST(RuntimeOutput, KinesisRetryStopsTheBatchAndReportsEveryLaterRecord) {
  const std::array<SinkSpec, 1> sinks = {{{"s", SinkKind::Response}}};
  flow::Output out("clicks", sinks, "fn");
  flow::Batch batch = kinesisBatch(5);
  flow::Reply reply;
  out.begin(batch, reply);
  size_t i = 0;
  for (; i < batch.records.size() && !out.stopped(); ++i) {
    if (i == 2) {
      out.retry(i);
      continue;
    }
    std::string& row = out.beginResponseRow(0);
    flow::appendJsonKey(row, "i", true);
    flow::appendJsonInt(row, static_cast<int64_t>(i));
    out.endResponseRow(0);
    out.processed(i);
  }
  EXPECT_EQ(i, 3u);  // records 3 and 4 were never processed
  out.finish();
  EXPECT_FALSE(reply.error);
  EXPECT_EQ(reply.body,
            "{\"s\":[{\"i\":0},{\"i\":1}],\"batchItemFailures\":[{\"itemIdentifier\":\"s2\"},"
            "{\"itemIdentifier\":\"s3\"},{\"itemIdentifier\":\"s4\"}]}");
  const flow::OutputCounts& c = out.counts();
  EXPECT_EQ(c.recordsIn, 5);
  EXPECT_EQ(c.processed, 2);
  EXPECT_EQ(c.retried, 3);
  EXPECT_EQ(c.recordsIn, c.processed + c.deadLettered + c.retried + c.skipped);
  EXPECT_EQ(parseEmf(lastLine(reply.stdoutText)).retried, 3);
}

TEST(RuntimeOutput, SqsStandardRetriesOnlyTheFailedMessages) {
  const std::array<SinkSpec, 1> sinks = {{{"s", SinkKind::Log}}};
  flow::Output out("orders", sinks, "fn");
  flow::Batch batch = kinesisBatch(4);
  batch.kind = SourceKind::Sqs;
  flow::Reply reply;
  out.begin(batch, reply);
  out.retry(0);
  EXPECT_FALSE(out.stopped());
  out.processed(1);
  out.retry(2);
  out.skip(3);
  out.finish();
  EXPECT_EQ(reply.body, "{\"batchItemFailures\":[{\"itemIdentifier\":\"s0\"},{\"itemIdentifier\":\"s2\"}]}");
  Emf emf = parseEmf(lastLine(reply.stdoutText));
  EXPECT_EQ(emf.retried, 2);
  EXPECT_EQ(emf.skipped, 1);
  EXPECT_EQ(emf.in, 4);

  // The same on a FIFO queue stops at the first failure.
  batch.fifo = true;
  out.begin(batch, reply);
  out.processed(0);
  out.retry(1);
  EXPECT_TRUE(out.stopped());
  out.finish();
  EXPECT_EQ(reply.body,
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"s1\"},{\"itemIdentifier\":\"s2\"},"
            "{\"itemIdentifier\":\"s3\"}]}");
}

TEST(RuntimeOutput, HttpResponseEnvelope) {
  const std::array<SinkSpec, 2> sinks = {{{"accepted", SinkKind::Response}, {"audit", SinkKind::Log}}};
  flow::Output out("orders", sinks, "fn");
  flow::Batch batch;
  batch.kind = SourceKind::Http;
  batch.records.resize(2);
  batch.records[0].id = "0";
  batch.records[1].id = "1";
  batch.records[1].payload = "{bad";
  flow::Reply reply;
  out.begin(batch, reply);
  std::string& row = out.beginResponseRow(0);
  flow::appendJsonKey(row, "order_id", true);
  flow::appendJsonString(row, "o-1");
  flow::appendJsonKey(row, "note");
  flow::appendJsonString(row, "say \"hi\"");
  out.endResponseRow(0);
  out.processed(0);
  out.deadLetter(1, "invalid JSON");
  out.finish();
  EXPECT_EQ(reply.body,
            "{\"statusCode\":200,\"headers\":{\"content-type\":\"application/json\"},"
            "\"body\":\"{\\\"accepted\\\":[{\\\"order_id\\\":\\\"o-1\\\",\\\"note\\\":\\\"say \\\\\\\"hi\\\\\\\"\\\"}],"
            "\\\"_errors\\\":[{\\\"record\\\":1,\\\"reason\\\":\\\"invalid JSON\\\"}]}\"}");
  // The body member is itself the JSON the client receives; the refused
  // element is listed for the caller.
  simdjson::dom::parser parser;
  simdjson::dom::element env = parser.parse(reply.body);
  std::string inner{std::string_view(env["body"])};
  EXPECT_EQ(inner,
            "{\"accepted\":[{\"order_id\":\"o-1\",\"note\":\"say \\\"hi\\\"\"}],"
            "\"_errors\":[{\"record\":1,\"reason\":\"invalid JSON\"}]}");
  EXPECT_EQ(withoutEmf(reply.stdoutText),
            "{\"stream\":\"_dead_letter\",\"source\":\"orders\",\"reason\":\"invalid JSON\",\"record\":\"{bad\","
            "\"id\":\"1\"}\n");
}

// A request none of whose elements was accepted is the caller's error: 400,
// with every reason; skipped elements (on error skip) are the program's choice.
TEST(RuntimeOutput, HttpRequestWithNothingAcceptedIs400) {
  const std::array<SinkSpec, 1> sinks = {{{"accepted", SinkKind::Response}}};
  flow::Output out("orders", sinks, "fn");
  flow::Batch batch;
  batch.kind = SourceKind::Http;
  batch.records.resize(2);
  batch.records[0].id = "0";
  batch.records[1].id = "1";
  flow::Reply reply;
  out.begin(batch, reply);
  out.deadLetter(0, "missing required field 'sku'");
  out.deadLetter(1, "the record is not a JSON object");
  out.finish();
  simdjson::dom::parser parser;
  simdjson::dom::element env = parser.parse(reply.body);
  EXPECT_EQ(int64_t(env["statusCode"]), 400);
  EXPECT_EQ(std::string(std::string_view(env["body"])),
            "{\"accepted\":[],\"_errors\":[{\"record\":0,\"reason\":\"missing required field 'sku'\"},"
            "{\"record\":1,\"reason\":\"the record is not a JSON object\"}]}");

  out.begin(batch, reply);
  out.skip(0);
  out.deadLetter(1, "bad");
  out.finish();
  simdjson::dom::element env2 = parser.parse(reply.body);
  EXPECT_EQ(int64_t(env2["statusCode"]), 200);
}

TEST(RuntimeOutput, StateAndSeveralResponseStreams) {
  const std::array<SinkSpec, 3> sinks = {
      {{"a", SinkKind::Response}, {"a", SinkKind::Log}, {"b", SinkKind::Response}}};
  flow::Output out("clicks", sinks, "fn");
  EXPECT_EQ(out.metricName(0), "RecordsOut_a_response");
  EXPECT_EQ(out.metricName(1), "RecordsOut_a_log");
  EXPECT_EQ(out.metricName(2), "RecordsOut_b");
  flow::Batch batch = kinesisBatch(1);
  flow::Reply reply;
  out.begin(batch, reply);
  out.beginResponseRow(2);
  out.endResponseRow(2);
  out.processed(0);
  out.setState("{\"w\":1}");
  out.finish();
  EXPECT_EQ(reply.body, "{\"a\":[],\"b\":[{}],\"batchItemFailures\":[],\"state\":{\"w\":1}}");
}

TEST(RuntimeOutput, UnaccountedRecordFailsTheInvocation) {
  const std::array<SinkSpec, 1> sinks = {{{"s", SinkKind::Log}}};
  flow::Output out("clicks", sinks, "fn");
  flow::Batch batch = kinesisBatch(3);
  flow::Reply reply;
  out.begin(batch, reply);
  out.processed(0);
  out.processed(0);  // a second outcome for one record is ignored
  out.skip(2);
  out.finish();
  ASSERT_TRUE(reply.error);
  EXPECT_EQ(reply.error->type, "Runtime.UnaccountedRecord");
  EXPECT_EQ(out.counts().processed, 1);
}

TEST(RuntimeOutput, InvariantOverDecodedRealEvents) {
  // Every record of a real event gets an outcome by a fixed rule; the EMF
  // counts must add up to RecordsIn.
  const char* files[] = {"go-kinesis-event.json", "pt-kinesisStreamEvent.json", "sam-Kinesis.template.json"};
  const std::array<SinkSpec, 1> sinks = {{{"s", SinkKind::Log}}};
  flow::Output out("clicks", sinks, "fn");
  flow::EventDecoder decoder;
  flow::Batch batch;
  flow::Reply reply;
  for (const char* f : files) {
    std::string path = std::string(FLOWC_SHARED_DIR) + "/events/aws/" + f;
    simdjson::padded_string body = simdjson::padded_string::load(path);
    ASSERT_FALSE(decoder.decode(SourceKind::Kinesis, flow::PayloadFormat::Json, std::string_view(body), batch));
    reply.clear();
    out.begin(batch, reply);
    for (size_t i = 0; i < batch.records.size(); ++i) {
      const flow::Record& r = batch.records[i];
      if (!r.decodeError.empty()) {
        out.deadLetter(i, r.decodeError);
      } else if (i % 2 == 0) {
        out.endLogRow((out.beginLogRow(0), 0));
        out.processed(i);
      } else {
        out.skip(i);
      }
    }
    out.finish();
    EXPECT_FALSE(reply.error) << f;
    Emf emf = parseEmf(lastLine(reply.stdoutText));
    const flow::OutputCounts& c = out.counts();
    EXPECT_EQ(emf.in, static_cast<int64_t>(batch.records.size())) << f;
    EXPECT_EQ(emf.in, c.processed + emf.deadLettered + emf.retried + emf.skipped) << f;
  }
}

}  // namespace
