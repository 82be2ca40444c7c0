// Event wrapping: the events `flowc run --records` makes have the AWS
// samples' shape (shared/events/aws, ground truth) field for field, carry the
// records intact, and the event source mapping redelivers as Lambda does.
#include "run/event_wrapping.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <set>
#include <sstream>

#include "dynamodb_unmarshal.h"

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

// Kinesis and DynamoDB Streams redeliver alike (both name records by sequence number).
class StreamRedeliveryTest : public ::testing::TestWithParam<SourceKind> {};

TEST_P(StreamRedeliveryTest, RetriesFromTheLowestFailedSequenceNumber) {
  EventSourceMapping m(someRecords(10), options(GetParam(), 4));
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

INSTANTIATE_TEST_SUITE_P(KinesisAndDynamoDb, StreamRedeliveryTest,
                         ::testing::Values(SourceKind::Kinesis, SourceKind::DynamoDb),
                         [](const ::testing::TestParamInfo<SourceKind>& info) {
                           return std::string(info.param == SourceKind::Kinesis ? "Kinesis" : "DynamoDb");
                         });

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

// ---- dynamodb: DynamoDB Streams records (INSERTs) whose NewImage is the
// record marshalled; expectations written by hand or read back by the test's
// own unmarshaller (dynamodb_unmarshal.h).

TEST(EventWrappingTest, DynamoDbEventHasTheSamplesShape) {
  // The sam-DynamoDBUpdate sample's first record is the item {Message, Id = 101}.
  std::vector<std::string> records = {R"({"Message":"New item!","Id":101})", R"({"Message":"x","Id":7})",
                                      R"({"Message":"y","Id":8})"};
  WrapOptions o = options(SourceKind::DynamoDb);
  o.keyField = "Id";
  o.streamName = "Example-Table";
  std::vector<std::string> events = wrapRecords(records, o);
  ASSERT_EQ(events.size(), 1u);
  simdjson::dom::parser p1, p2;
  simdjson::dom::element sample = p1.parse(readFile(kEvents + "sam-DynamoDBUpdate.template.json"));
  simdjson::dom::element ours = p2.parse(events[0]);
  simdjson::dom::element s0 = simdjson::dom::array(sample["Records"]).at(0);
  simdjson::dom::array list = ours["Records"];
  ASSERT_EQ(list.size(), 3u);
  expectSameShape(s0, list.at(0), "$r");  // Keys and NewImage too: the same attributes
  simdjson::dom::element r0 = list.at(0);
  // The same item gives the same typed image and DynamoDB's own SizeBytes.
  EXPECT_EQ(simdjson::minify(r0["dynamodb"]["NewImage"]), simdjson::minify(s0["dynamodb"]["NewImage"]));
  EXPECT_EQ(simdjson::minify(r0["dynamodb"]["Keys"]), simdjson::minify(s0["dynamodb"]["Keys"]));
  EXPECT_EQ(int64_t(r0["dynamodb"]["SizeBytes"]), int64_t(s0["dynamodb"]["SizeBytes"]));  // 26
  for (const char* key : {"eventName", "eventVersion", "eventSource"})
    EXPECT_EQ(std::string_view(r0[key]), std::string_view(s0[key])) << key;
  EXPECT_EQ(std::string_view(r0["dynamodb"]["StreamViewType"]), "NEW_AND_OLD_IMAGES");
  std::string previous;
  std::set<std::string> eventIds;
  size_t i = 0;
  for (simdjson::dom::element r : list) {
    std::string seq = std::string(std::string_view(r["dynamodb"]["SequenceNumber"]));
    EXPECT_GE(seq.size(), 21u);
    EXPECT_EQ(seq.find_first_not_of("0123456789"), std::string::npos) << seq;
    EXPECT_GT(seq, previous) << "sequence numbers grow";
    previous = seq;
    std::string_view id = r["eventID"];
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string_view::npos) << id;
    eventIds.emplace(id);
    EXPECT_EQ(testing_dynamodb::unmarshal(r["dynamodb"]["NewImage"]), records[i]);
    double t = r["dynamodb"]["ApproximateCreationDateTime"];
    EXPECT_DOUBLE_EQ(t, (1763892000000.0 + 10.0 * static_cast<double>(i)) / 1000.0);
    std::string_view arn = r["eventSourceARN"];
    EXPECT_EQ(arn, "arn:aws:dynamodb:us-east-1:123456789012:table/Example-Table/stream/"
                   "2025-11-23T10:00:00.000");
    ++i;
  }
  EXPECT_EQ(eventIds.size(), 3u);
}

TEST(EventWrappingTest, DynamoDbMarshallingKeepsEveryValue) {
  // Hand-written typed items. "\u00e9" is é (UTF-8 C3 A9), written back raw.
  struct Case {
    const char* record;
    const char* image;
  };
  const Case cases[] = {
      {R"({"s":"\u00e9\n\"","n":12345678901234567890,"f":1.5e-7,"neg":-42,"z":-0.0,"o":{},"a":[],"t":true,)"
       R"("fa":false,"nu":null})",
       "{\"s\":{\"S\":\"\xC3\xA9\\n\\\"\"},\"n\":{\"N\":\"12345678901234567890\"},\"f\":{\"N\":\"1.5e-7\"},"
       R"("neg":{"N":"-42"},"z":{"N":"-0.0"},"o":{"M":{}},"a":{"L":[]},"t":{"BOOL":true},)"
       R"("fa":{"BOOL":false},)"
       R"("nu":{"NULL":true}})"},
      {R"({"m":{"x":[1,{"y":"z"},[true,null]],"k\"ey":"v"}})",
       R"({"m":{"M":{"x":{"L":[{"N":"1"},{"M":{"y":{"S":"z"}}},{"L":[{"BOOL":true},{"NULL":true}]}]},)"
       R"("k\"ey":{"S":"v"}}}})"},
      {" { \"a\" : 1E+3 , \"b\":[ 2 , 3.25 ] }\n",
       R"({"a":{"N":"1E+3"},"b":{"L":[{"N":"2"},{"N":"3.25"}]}})"},
      {R"({"c":"\u0001\ud83d\ude00\/\\","":""})",
       "{\"c\":{\"S\":\"\\u0001\xF0\x9F\x98\x80/\\\\\"},\"\":{\"S\":\"\"}}"},
      {"{}", "{}"},
  };
  for (const Case& c : cases) {
    std::optional<DynamoDbItem> item = marshalDynamoDbItem(c.record, "");
    ASSERT_TRUE(item) << c.record;
    EXPECT_EQ(item->image, c.image) << c.record;
    EXPECT_TRUE(item->keys.empty());
  }
  // Round trips through the independent unmarshaller: records written in its
  // canonical form (minified, raw UTF-8) come back byte for byte.
  for (const char* record :
       {R"({"id":"a-1","amount":-12.50,"big":-98765432109876543210987654321,"tiny":4.9e-324,)"
        R"("q":"say \"hi\"\\",)"
        R"("nested":{"l":[[],[{}],{"deep":{"deeper":[false,null,0]}}],"e":"ü€😀"},"tab":"a\tb\u001f"})",
        R"({"only":null})", R"({"a":[1,"2",[3,["4"]]],"b":{"c":{"d":{"e":{}}}}})"}) {
    std::optional<DynamoDbItem> item = marshalDynamoDbItem(record, "");
    ASSERT_TRUE(item) << record;
    EXPECT_EQ(testing_dynamodb::unmarshalText(item->image), std::optional<std::string>(record));
  }
  // Not one JSON object: no item.
  for (const char* bad : {"[1,2]", "\"a string\"", "42", "null", "true", "not json", "", "{\"a\":1",
                          "{\"a\":1}}", "{\"a\":1} {\"b\":2}", "{\"a\":01}",
                          "{\"a\":1.}", "{\"a\":-}", "{\"a\":.5}",
                          "{\"a\":\"\\ud800\"}", "{\"a\":\"\\x\"}", "{\"a\":tru}", "{\"a\" 1}"})
    EXPECT_EQ(marshalDynamoDbItem(bad, ""), std::nullopt) << bad;
}

TEST(EventWrappingTest, DynamoDbKeysSizesAndRecordsThatAreNotItems) {
  // Keys: the --key member when it is a string or number, else pk-<n>.
  std::vector<std::string> records = {
      R"({"user":"u1","v":1})",        // 0: {"user":{"S":"u1"}}
      R"({"v":2,"user":17.0})",        // 1: a number key keeps its text
      R"({"user":true})",              // 2: a bool cannot be a key
      R"({"v":{"user":"x"}})",         // 3: only top-level members
      R"(["user","u1"])",              // 4: not an item
      R"(plain text)",                 // 5: not an item
      R"({"m":{"x":[1,"ab"]}})",       // 6: size by hand below
  };
  WrapOptions o = options(SourceKind::DynamoDb);
  o.keyField = "user";
  EventSourceMapping m(records, o);
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(m.next().event);
  simdjson::dom::array list = e["Records"];
  ASSERT_EQ(list.size(), records.size());
  std::vector<std::string> keys, images;
  std::vector<int64_t> sizes;
  for (simdjson::dom::element r : list) {
    keys.push_back(simdjson::minify(r["dynamodb"]["Keys"]));
    simdjson::dom::element image;
    bool hasImage = r["dynamodb"]["NewImage"].get(image) == simdjson::SUCCESS;
    images.push_back(hasImage ? simdjson::minify(image) : "-");
    sizes.push_back(int64_t(r["dynamodb"]["SizeBytes"]));
    EXPECT_EQ(std::string_view(r["eventName"]), "INSERT");
  }
  EXPECT_EQ(keys, (std::vector<std::string>{R"({"user":{"S":"u1"}})", R"({"user":{"N":"17.0"}})",
                                            R"({"pk":{"S":"pk-2"}})", R"({"pk":{"S":"pk-3"}})",
                                            R"({"pk":{"S":"pk-4"}})", R"({"pk":{"S":"pk-5"}})",
                                            R"({"pk":{"S":"pk-6"}})"}));
  // Records that are not objects go without NewImage: the handler dead-letters them.
  EXPECT_EQ(images[4], "-");
  EXPECT_EQ(images[5], "-");
  EXPECT_EQ(images[2], R"({"user":{"BOOL":true}})");
  // SizeBytes by DynamoDB's rules (name + value; N: 1 byte per 2 significant
  // digits + 1; BOOL 1; M/L 3 + 1 per element), keys counted as well:
  //   0: image user(4)+u1(2) + v(1)+N 1(2) = 9, keys 6          -> 15
  //   1: v(1)+2(2) + user(4)+17.0(sig "17": 2) = 9, keys 4+2     -> 15
  //   2: user(4)+BOOL(1) = 5, keys pk(2)+"pk-2"(4)               -> 11
  //   4: no image, keys 6                                          -> 6
  //   6: m(1) + M 3 + [x(1) + 1 + L 3 + (1 + N 1 (2)) + (1 + "ab" 2)] = 15, keys 6 -> 21
  EXPECT_EQ(sizes[0], 15);
  EXPECT_EQ(sizes[1], 15);
  EXPECT_EQ(sizes[2], 11);
  EXPECT_EQ(sizes[4], 6);
  EXPECT_EQ(sizes[6], 21);
  // Shards hash the key's text, as Kinesis hashes a partition key.
  WrapOptions sharded = o;
  sharded.shards = 5;
  EventSourceMapping ms(records, sharded);
  EXPECT_EQ(ms.shardOf(0), kinesisShardFor("u1", 5));
  EXPECT_EQ(ms.shardOf(1), kinesisShardFor("17.0", 5));
  EXPECT_EQ(ms.shardOf(5), kinesisShardFor("pk-5", 5));
  EXPECT_EQ(ms.shardId(3), dynamoDbShardId(3));
  EXPECT_NE(dynamoDbShardId(3), dynamoDbShardId(4));
  // shardId-<20 digits>-<8 hex>, like DynamoDB's.
  std::string id = dynamoDbShardId(0);
  ASSERT_EQ(id.size(), 8u + 20u + 1u + 8u);
  EXPECT_EQ(id.substr(0, 8), "shardId-");
  EXPECT_EQ(id.substr(8, 20).find_first_not_of("0123456789"), std::string::npos);
  EXPECT_EQ(id[28], '-');
  EXPECT_EQ(id.substr(29).find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(sourceKindFromName("dynamodb"), std::optional<SourceKind>(SourceKind::DynamoDb));
  EXPECT_STREQ(sourceKindName(SourceKind::DynamoDb), "dynamodb");
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
