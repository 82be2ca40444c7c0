// Event wrapping: the events `flowc run --records` makes have the AWS
// samples' shape (shared/events/aws, ground truth) field for field, carry the
// records intact, and the event source mapping redelivers as Lambda does.
#include "run/event_wrapping.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <set>
#include <sstream>

namespace flowc::run {
namespace {

#ifdef FLOWC_SHARED_DIR
const std::string kEvents = std::string(FLOWC_SHARED_DIR) + "/events/aws/";
#else
const std::string kEvents = std::string(FLOWC_SOURCE_DIR) + "/../shared/events/aws/";
#endif

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const char* typeName(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: return "array";
    case simdjson::dom::element_type::OBJECT: return "object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return "number";
    case simdjson::dom::element_type::STRING: return "string";
    case simdjson::dom::element_type::BOOL: return "bool";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "?";
}

// Every member of `sample` is in `ours` with the same JSON type, recursively
// (arrays: their first elements), and `ours` has no member the sample lacks,
// except those named in `extra` / skipped in `free` (free-form maps).
void expectSameShape(simdjson::dom::element sample, simdjson::dom::element ours, const std::string& path,
                     const std::set<std::string>& extra = {}, const std::set<std::string>& free = {}) {
  ASSERT_STREQ(typeName(ours), typeName(sample)) << path;
  if (sample.is_object() && !free.count(path)) {
    for (auto [key, value] : simdjson::dom::object(sample)) {
      simdjson::dom::element mine;
      std::string p = path + "." + std::string(key);
      if (ours[key].get(mine) != simdjson::SUCCESS) {
        ADD_FAILURE() << "missing " << p;
        continue;
      }
      expectSameShape(value, mine, p, extra, free);
    }
    for (auto [key, value] : simdjson::dom::object(ours)) {
      simdjson::dom::element theirs;
      std::string p = path + "." + std::string(key);
      if (sample[key].get(theirs) != simdjson::SUCCESS && !extra.count(p)) ADD_FAILURE() << "extra " << p;
    }
  }
  if (sample.is_array()) {
    simdjson::dom::array a = sample, b = ours;
    if (a.size() > 0 && b.size() > 0) expectSameShape(a.at(0), b.at(0), path + "[0]", extra, free);
  }
}

std::string decodeBase64(std::string_view s) {
  auto v = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int d = v(c);
    if (d < 0) break;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

WrapOptions options(SourceKind kind, size_t batch = 100) {
  WrapOptions o;
  o.kind = kind;
  o.batchSize = batch;
  return o;
}

std::vector<std::string> someRecords(size_t n) {
  std::vector<std::string> r;
  for (size_t i = 0; i < n; ++i)
    r.push_back("{\"user_id\":\"u" + std::to_string(i % 3) + "\",\"n\":" + std::to_string(i) + ",\"s\":\"é\\\"\"}");
  return r;
}

TEST(EventWrappingTest, KinesisEventHasTheSamplesShape) {
  std::vector<std::string> records = someRecords(3);
  WrapOptions o = options(SourceKind::Kinesis);
  o.keyField = "user_id";
  std::vector<std::string> events = wrapRecords(records, o);
  ASSERT_EQ(events.size(), 1u);
  simdjson::dom::parser p1, p2;
  simdjson::dom::element sample = p1.parse(readFile(kEvents + "go-kinesis-event.json"));
  simdjson::dom::element ours = p2.parse(events[0]);
  expectSameShape(sample, ours, "$");
  simdjson::dom::array list = ours["Records"];
  ASSERT_EQ(list.size(), 3u);
  std::string previous;
  size_t i = 0;
  for (simdjson::dom::element r : list) {
    std::string_view seq = r["kinesis"]["sequenceNumber"];
    EXPECT_EQ(seq.size(), 56u);
    EXPECT_GT(std::string(seq), previous);
    previous = std::string(seq);
    EXPECT_EQ(std::string_view(r["eventID"]), "shardId-000000000000:" + std::string(seq));
    EXPECT_EQ(decodeBase64(std::string_view(r["kinesis"]["data"])), records[i]);
    EXPECT_EQ(std::string_view(r["kinesis"]["partitionKey"]), "u" + std::to_string(i % 3));
    double t = r["kinesis"]["approximateArrivalTimestamp"];
    EXPECT_DOUBLE_EQ(t, (1763892000000.0 + 10.0 * static_cast<double>(i)) / 1000.0);
    EXPECT_EQ(std::string_view(r["eventSource"]), "aws:kinesis");
    EXPECT_EQ(std::string_view(r["eventName"]), "aws:kinesis:record");
    EXPECT_EQ(std::string_view(r["eventSourceARN"]), "arn:aws:kinesis:us-east-1:123456789012:stream/flow-input");
    ++i;
  }
}

TEST(EventWrappingTest, SqsEventsHaveTheSamplesShapeAndRealMd5) {
  simdjson::dom::parser p1, p2, p3, p4;
  // The sample's first body is "Test message." with md5OfBody from SQS itself.
  std::vector<std::string> events = wrapRecords({"Test message.", "{\"message\": \"foo1\"}"}, options(SourceKind::Sqs));
  ASSERT_EQ(events.size(), 1u);
  simdjson::dom::element sample = p1.parse(readFile(kEvents + "pt-sqsEvent.json"));
  simdjson::dom::element ours = p2.parse(events[0]);
  // Record 1 of the sample has empty messageAttributes, as ours.
  expectSameShape(simdjson::dom::array(sample["Records"]).at(1), simdjson::dom::array(ours["Records"]).at(0), "$r");
  simdjson::dom::element first = simdjson::dom::array(ours["Records"]).at(0);
  EXPECT_EQ(std::string_view(first["md5OfBody"]), "e4e68fb7bd0e697a0ae8f1bb342846b3");
  EXPECT_EQ(std::string_view(first["body"]), "Test message.");
  EXPECT_EQ(std::string_view(first["attributes"]["ApproximateReceiveCount"]), "1");
  std::string_view id = first["messageId"];
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(std::string_view(first["eventSourceARN"]), "arn:aws:sqs:us-east-1:123456789012:flow-input");

  std::vector<std::string> fifo = wrapRecords({"Test message."}, options(SourceKind::SqsFifo));
  simdjson::dom::element fifoSample = p3.parse(readFile(kEvents + "docs-sqs-fifo-event.json"));
  simdjson::dom::element fifoOurs = p4.parse(fifo[0]);
  expectSameShape(fifoSample, fifoOurs, "$");
  simdjson::dom::element f = simdjson::dom::array(fifoOurs["Records"]).at(0);
  EXPECT_EQ(std::string_view(f["attributes"]["SequenceNumber"]).size(), 20u);
  EXPECT_EQ(std::string_view(f["attributes"]["MessageGroupId"]), "group-0");
  EXPECT_EQ(std::string_view(f["eventSourceARN"]), "arn:aws:sqs:us-east-1:123456789012:flow-input.fifo");
}

TEST(EventWrappingTest, HttpEventIsAnHttpApiV2Request) {
  std::vector<std::string> records = someRecords(3);
  simdjson::dom::parser p1, p2, p3;
  std::vector<std::string> one = wrapRecords(records, options(SourceKind::Http, 1));
  ASSERT_EQ(one.size(), 3u);
  simdjson::dom::element sample = p1.parse(readFile(kEvents + "pt-lambdaFunctionUrlEvent.json"));
  simdjson::dom::element ours = p2.parse(one[1]);
  expectSameShape(sample, ours, "$", {"$.body"}, {"$.headers"});
  EXPECT_EQ(std::string_view(ours["body"]), records[1]);
  EXPECT_EQ(std::string_view(ours["requestContext"]["http"]["method"]), "POST");
  EXPECT_EQ(std::string_view(ours["version"]), "2.0");
  EXPECT_FALSE(bool(ours["isBase64Encoded"]));
  std::vector<std::string> batched = wrapRecords(records, options(SourceKind::Http, 2));
  ASSERT_EQ(batched.size(), 2u);
  simdjson::dom::element b = p3.parse(batched[0]);
  EXPECT_EQ(std::string_view(b["body"]), "[" + records[0] + "," + records[1] + "]");
}

TEST(EventWrappingTest, BatchItemFailuresFollowLambdasRules) {
  using Ids = std::vector<std::string>;
  EXPECT_EQ(batchItemFailures(""), Ids{});
  EXPECT_EQ(batchItemFailures("null"), Ids{});
  EXPECT_EQ(batchItemFailures("{}"), Ids{});
  EXPECT_EQ(batchItemFailures("{\"batchItemFailures\":null}"), Ids{});
  EXPECT_EQ(batchItemFailures("{\"batchItemFailures\":[]}"), Ids{});
  EXPECT_EQ(batchItemFailures(readFile(kEvents + "docs-sqs-batch-response.json")), (Ids{"id2", "id4"}));
  EXPECT_EQ(batchItemFailures("{\"batchItemFailures\":[{\"itemIdentifier\":\"a\"},{\"itemIdentifier\":\"b\"}]}"),
            (Ids{"a", "b"}));
  EXPECT_EQ(batchItemFailures("not json"), std::nullopt);
  EXPECT_EQ(batchItemFailures("{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}"), std::nullopt);
  EXPECT_EQ(batchItemFailures("{\"batchItemFailures\":[{\"itemIdentifier\":null}]}"), std::nullopt);
  EXPECT_EQ(batchItemFailures("{\"batchItemFailures\":[{\"id\":\"a\"}]}"), std::nullopt);
}

std::string failing(const std::vector<std::string>& ids) {
  std::string s = "{\"batchItemFailures\":[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::string("{\"itemIdentifier\":\"") + ids[i] + "\"}";
  return s + "]}";
}

TEST(EventWrappingTest, KinesisRetriesFromTheLowestFailedSequenceNumber) {
  EventSourceMapping m(someRecords(10), options(SourceKind::Kinesis, 4));
  const auto& recs = m.records();
  Batch b1 = m.next();
  EXPECT_EQ(b1.records, (std::vector<size_t>{0, 1, 2, 3}));
  // Records 3 and 2 failed (order in the answer does not matter): resume at 2.
  std::vector<std::string> again = m.complete(failing({recs[3].id, recs[2].id}));
  EXPECT_EQ(again, (std::vector<std::string>{recs[2].id, recs[3].id}));
  Batch b2 = m.next();
  EXPECT_EQ(b2.records, (std::vector<size_t>{2, 3, 4, 5}));
  EXPECT_EQ(b2.attempt, 2);
  m.complete(std::string("{\"batchItemFailures\":[]}"));
  // A function error retries the whole batch; an unknown id counts as one.
  Batch b3 = m.next();
  EXPECT_EQ(b3.records, (std::vector<size_t>{6, 7, 8, 9}));
  m.complete(std::nullopt);
  EXPECT_EQ(m.next().records, b3.records);
  m.complete(failing({"not-in-the-batch"}));
  Batch b5 = m.next();
  EXPECT_EQ(b5.records, b3.records);
  EXPECT_EQ(b5.attempt, 3);
  // The third attempt fails too: the batch is given up and the shard moves on.
  EXPECT_TRUE(m.complete(failing({recs[8].id})).empty());
  EXPECT_TRUE(m.done());
  ASSERT_EQ(m.givenUp().size(), 2u);
  EXPECT_EQ(m.givenUp()[0].record, 8u);
  EXPECT_EQ(m.givenUp()[1].record, 9u);
  EXPECT_EQ(m.givenUp()[0].attempts, 3);
  EXPECT_EQ(m.deliveries(), 5u);
}

TEST(EventWrappingTest, SqsFailedMessagesComeBackWithAHigherReceiveCount) {
  EventSourceMapping m(someRecords(5), options(SourceKind::Sqs, 3));
  const auto& recs = m.records();
  Batch b1 = m.next();
  EXPECT_EQ(b1.records, (std::vector<size_t>{0, 1, 2}));
  std::string handle1 = recs[1].receiptHandle;
  m.complete(failing({recs[1].id}));
  Batch b2 = m.next();
  EXPECT_EQ(b2.records, (std::vector<size_t>{3, 4, 1}));  // back of the queue
  EXPECT_NE(recs[1].receiptHandle, handle1);
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(b2.event);
  simdjson::dom::element third = simdjson::dom::array(e["Records"]).at(2);
  EXPECT_EQ(std::string_view(third["messageId"]), recs[1].id);
  EXPECT_EQ(std::string_view(third["attributes"]["ApproximateReceiveCount"]), "2");
  m.complete(std::nullopt);  // everything in the batch failed
  Batch b3 = m.next();
  EXPECT_EQ(b3.records, (std::vector<size_t>{3, 4, 1}));
  m.complete(std::nullopt);
  Batch b4 = m.next();  // message 1 was received 3 times: gone to the DLQ
  EXPECT_EQ(b4.records, (std::vector<size_t>{3, 4}));
  ASSERT_EQ(m.givenUp().size(), 1u);
  EXPECT_EQ(m.givenUp()[0].record, 1u);
  m.complete(std::string("{}"));
  EXPECT_TRUE(m.done());
}

TEST(EventWrappingTest, SqsFifoFailuresReturnToTheHeadInOrder) {
  EventSourceMapping m(someRecords(6), options(SourceKind::SqsFifo, 4));
  const auto& recs = m.records();
  m.next();
  // The function stopped at record 1: it reports 1, 2 and 3.
  m.complete(failing({recs[1].id, recs[2].id, recs[3].id}));
  Batch b2 = m.next();
  EXPECT_EQ(b2.records, (std::vector<size_t>{1, 2, 3, 4}));
  m.complete(std::string());
  EXPECT_EQ(m.next().records, (std::vector<size_t>{5}));
}

TEST(EventWrappingTest, BatchesStayUnderSixMegabytes) {
  std::vector<std::string> big(8, "\"" + std::string(1000 * 1000, 'q') + "\"");
  std::vector<std::string> events = wrapRecords(big, options(SourceKind::Kinesis, 100));
  size_t total = 0;
  for (const std::string& e : events) {
    EXPECT_LE(e.size(), 6291456u);
    simdjson::dom::parser p;
    total += simdjson::dom::array(p.parse(e)["Records"]).size();
  }
  EXPECT_EQ(total, 8u);
  EXPECT_GT(events.size(), 1u);
}

}  // namespace
}  // namespace flowc::run
