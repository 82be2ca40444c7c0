// flow/events.h against the real Lambda events in shared/events/aws: every
// field the decoder promises, compared with values read off the files by
// hand (and with Python's json/base64 when the tests were written); every
// event given to every other kind is rejected; the sam-* templates' bad
// base64 becomes a per-record decode error.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "flow/events.h"

namespace {

using flow::PayloadFormat;
using flow::SourceKind;

// An event body with the padding Invocation::body promises.
struct Event {
  std::string storage;
  std::string_view body() const { return {storage.data(), storage.size() - flow::kBodyPadding}; }
};

Event fromText(std::string_view text) {
  Event e;
  e.storage.assign(text);
  e.storage.append(flow::kBodyPadding, '\0');
  return e;
}

Event load(const std::string& name) {
  std::ifstream in(std::string(FLOWC_SHARED_DIR) + "/events/aws/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return fromText(ss.str());
}

struct Decoded {
  flow::Status status;
  flow::Batch batch;
};

// One decoder per test, as a handler has one for its lifetime.
class RuntimeEvents : public ::testing::Test {
 protected:
  flow::Batch batch;
  flow::EventDecoder decoder;
  flow::Status decode(SourceKind kind, const Event& e, PayloadFormat format = PayloadFormat::Json) {
    return decoder.decode(kind, format, e.body(), batch);
  }
  void expectPadded(const flow::Record& r) {
    // The bytes after each payload are readable (ASan would catch it if not)
    // and, for arena copies, zero.
    volatile char sink = 0;
    for (size_t i = 0; i < flow::kPayloadPadding; ++i) sink = sink + r.payload.data()[r.payload.size() + i];
    (void)sink;
  }
};

TEST_F(RuntimeEvents, GoKinesisEvent) {
  Event e = load("go-kinesis-event.json");
  ASSERT_FALSE(decode(SourceKind::Kinesis, e));
  ASSERT_EQ(batch.records.size(), 2u);
  const flow::Record& r0 = batch.records[0];
  EXPECT_EQ(r0.payload, "Hello World");
  EXPECT_EQ(r0.received, "SGVsbG8gV29ybGQ=");
  EXPECT_EQ(r0.id, "49568167373333333333333333333333333333333333333333333333");
  EXPECT_EQ(r0.partitionKey, "s1");
  EXPECT_EQ(r0.shardId, "shardId-000000000000");
  EXPECT_EQ(r0.arrivalMs, 1480641523477);
  EXPECT_TRUE(r0.decodeError.empty());
  EXPECT_EQ(batch.records[1].id, "49568167373333333334444444444444444444444444444444444444");
  EXPECT_EQ(batch.records[1].arrivalMs, 1480841523477);
  EXPECT_FALSE(batch.window.present);
  EXPECT_TRUE(batch.ordered());
  for (auto& r : batch.records) expectPadded(r);
}

TEST_F(RuntimeEvents, PowertoolsKinesisEvent) {
  Event e = load("pt-kinesisStreamEvent.json");
  ASSERT_FALSE(decode(SourceKind::Kinesis, e));
  ASSERT_EQ(batch.records.size(), 2u);
  EXPECT_EQ(batch.records[0].payload, "Hello, this is a test.");
  EXPECT_EQ(batch.records[1].payload, "This is only a test.");
  EXPECT_EQ(batch.records[0].id, "49590338271490256608559692538361571095921575989136588898");
  EXPECT_EQ(batch.records[1].id, "49590338271490256608559692540925702759324208523137515618");
  EXPECT_EQ(batch.records[0].shardId, "shardId-000000000006");
  EXPECT_EQ(batch.records[1].shardId, "shardId-000000000006");
  EXPECT_EQ(batch.records[0].partitionKey, "1");
  EXPECT_EQ(batch.records[0].arrivalMs, 1545084650987);
  EXPECT_EQ(batch.records[1].arrivalMs, 1545084711166);
  EXPECT_EQ(batch.eventSourceArn, "");
}

TEST_F(RuntimeEvents, KinesisTumblingWindowEvent) {
  Event e = load("go-kinesis-time-window-event.json");
  ASSERT_FALSE(decode(SourceKind::Kinesis, e));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].payload, "Hello, this is a test.");
  EXPECT_EQ(batch.records[0].arrivalMs, 1607497475000);
  EXPECT_TRUE(batch.window.present);
  EXPECT_EQ(batch.window.startMs, 1607497440000);  // 2020-12-09T07:04:00Z
  EXPECT_EQ(batch.window.endMs, 1607497560000);    // 2020-12-09T07:06:00Z
  EXPECT_EQ(batch.window.stateJson, "{\n    \"1\": \"state 1\",\n    \"2\": \"state 2\"\n  }");
  EXPECT_EQ(batch.window.shardId, "shardId-000000000006");
  EXPECT_FALSE(batch.window.isFinalInvokeForWindow);
  EXPECT_FALSE(batch.window.isWindowTerminatedEarly);
  EXPECT_EQ(batch.eventSourceArn, "arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream");
}

TEST_F(RuntimeEvents, KinesisCloudWatchLogsRecordsAreBinary) {
  Event e = load("pt-kinesisStreamCloudWatchLogsEvent.json");
  ASSERT_FALSE(decode(SourceKind::Kinesis, e));
  ASSERT_EQ(batch.records.size(), 2u);
  EXPECT_EQ(batch.records[0].payload.size(), 558u);
  EXPECT_EQ(batch.records[1].payload.size(), 543u);
  EXPECT_EQ(batch.records[0].payload.substr(0, 3), "\x1f\x8b\x08");  // gzip
  EXPECT_EQ(batch.records[0].partitionKey, "da10bf66b1f54bff5d96eae99149ad1f");
  EXPECT_EQ(batch.records[0].arrivalMs, 1668093033744);
}

TEST_F(RuntimeEvents, SamKinesisTemplateHasBadBase64PerRecord) {
  Event e = load("sam-Kinesis.template.json");
  ASSERT_FALSE(decode(SourceKind::Kinesis, e));
  ASSERT_EQ(batch.records.size(), 1u);
  const flow::Record& r = batch.records[0];
  EXPECT_EQ(r.decodeError, "invalid base64: bad character at offset 0");
  EXPECT_EQ(r.received, "{{{data}}}");
  EXPECT_TRUE(r.payload.empty());
  EXPECT_EQ(r.id, "{{{sequence}}}");
  EXPECT_EQ(r.arrivalMs, 1428537600000);
}

TEST_F(RuntimeEvents, SqsStandard) {
  Event e = load("go-sqs-event.json");
  ASSERT_FALSE(decode(SourceKind::Sqs, e));
  ASSERT_EQ(batch.records.size(), 1u);
  const flow::Record& r = batch.records[0];
  EXPECT_EQ(r.id, "MessageID_1");
  EXPECT_EQ(r.payload, "Message Body");
  EXPECT_EQ(r.sentMs, 1520621625029);
  EXPECT_EQ(r.arrivalMs, 1520621634884);
  EXPECT_FALSE(r.hasGroupId);
  EXPECT_FALSE(batch.fifo);
  EXPECT_FALSE(batch.ordered());
  expectPadded(r);

  Event pt = load("pt-sqsEvent.json");
  ASSERT_FALSE(decode(SourceKind::Sqs, pt));
  ASSERT_EQ(batch.records.size(), 2u);
  EXPECT_EQ(batch.records[0].id, "059f36b4-87a3-44ab-83d2-661975830a7d");
  EXPECT_EQ(batch.records[0].payload, "Test message.");
  EXPECT_EQ(batch.records[1].payload, "{\"message\": \"foo1\"}");
  EXPECT_EQ(batch.records[1].sentMs, 1545082650636);
  EXPECT_EQ(batch.records[1].arrivalMs, 1545082650649);
  EXPECT_EQ(batch.eventSourceArn, "arn:aws:sqs:us-east-2:123456789012:my-queue");
}

TEST_F(RuntimeEvents, SqsFifo) {
  Event e = load("pt-snsSqsFifoEvent.json");
  ASSERT_FALSE(decode(SourceKind::Sqs, e));
  ASSERT_EQ(batch.records.size(), 1u);
  const flow::Record& r = batch.records[0];
  EXPECT_EQ(r.id, "69bc4bbd-ed69-4325-a434-85c3b428ceab");
  EXPECT_EQ(r.payload.size(), 488u);
  EXPECT_EQ(r.payload.substr(0, 29), "{\n  \"Type\" : \"Notification\",\n");
  EXPECT_NE(r.payload.find("\"Message\" : \"{\\\"message\\\": \\\"hello world\\\""), std::string_view::npos);
  EXPECT_TRUE(r.hasGroupId);
  EXPECT_EQ(r.groupId, "powertools-test");
  EXPECT_EQ(r.sentMs, 1665754525442);
  EXPECT_TRUE(batch.fifo);
  EXPECT_TRUE(batch.ordered());

  Event docs = load("docs-sqs-fifo-event.json");
  ASSERT_FALSE(decode(SourceKind::Sqs, docs));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].id, "11d6ee51-4cc7-4302-9e22-7cd8afdaadf5");
  EXPECT_EQ(batch.records[0].payload, "Test message.");
  EXPECT_EQ(batch.records[0].groupId, "1");
  EXPECT_EQ(batch.records[0].sentMs, 1573251510774);
  EXPECT_TRUE(batch.fifo);
}

TEST_F(RuntimeEvents, SamSqsTemplateDecodes) {
  // The body is text; the template's placeholders are just characters.
  Event e = load("sam-Sqs.template.json");
  ASSERT_FALSE(decode(SourceKind::Sqs, e));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].payload, "{{{body}}}");
  EXPECT_EQ(batch.records[0].arrivalMs, 1523232000001);
  EXPECT_FALSE(batch.fifo);
}

struct HttpCase {
  const char* file;
  int version;
  const char* method;
  const char* path;
  const char* sourceIp;
  int64_t timeMs;
  std::vector<std::string> records;  // format json
};

TEST_F(RuntimeEvents, HttpRequests) {
  const HttpCase cases[] = {
      {"go-apigw-request.json", 1, "POST", "/hello/world", "192.168.196.186", 1589522469693, {"{\r\n\t\"a\": 1\r\n}"}},
      {"pt-apiGatewayProxyEvent.json", 1, "GET", "/my/path", "192.168.0.1/32", 1583349317135, {"Hello from Lambda!"}},
      {"go-apigw-v2-request-iam.json", 2, "GET", "/my/path", "IP", 1583348638390, {"{\r\n\t\"a\": 1\r\n}"}},
      {"go-apigw-v2-request-jwt-authorizer.json", 2, "GET", "/my/path", "IP", 1583348638390, {"{\r\n\t\"a\": 1\r\n}"}},
      {"go-apigw-v2-request-lambda-authorizer.json", 2, "GET", "/my/path", "IP", 1583348638390, {"{\r\n\t\"a\": 1\r\n}"}},
      {"go-apigw-v2-request-no-authorizer.json", 2, "GET", "/", "1.2.3.4", 1587481701067, {}},
      {"pt-apiGatewayProxyV2Event.json", 2, "POST", "/my/path", "192.168.0.1/32", 1583348638390,
       {"{\"message\": \"hello world\", \"username\": \"tom\"}"}},
      {"go-lambda-urls-request.json", 2, "POST", "/my/path", "123.123.123.123", 1583348638390, {"Hello from client!"}},
      {"pt-lambdaFunctionUrlEvent.json", 2, "GET", "/", "123.123.123.123", 1659687279885, {}},
      {"pt-lambdaFunctionUrlIAMEvent.json", 2, "POST", "/my/path", "123.123.123.123", 1583348638390,
       {"Hello from client!"}},
  };
  for (const HttpCase& c : cases) {
    SCOPED_TRACE(c.file);
    Event e = load(c.file);
    ASSERT_FALSE(decode(SourceKind::Http, e));
    EXPECT_EQ(batch.httpPayloadVersion, c.version);
    EXPECT_EQ(batch.method, c.method);
    EXPECT_EQ(batch.path, c.path);
    EXPECT_EQ(batch.sourceIp, c.sourceIp);
    EXPECT_EQ(batch.requestTimeMs, c.timeMs);
    ASSERT_EQ(batch.records.size(), c.records.size());
    for (size_t i = 0; i < c.records.size(); ++i) {
      // A body that is not a JSON array is one record, trimmed of surrounding
      // whitespace, given to the payload decoder as it is.
      std::string expected = c.records[i];
      while (!expected.empty() && (expected.back() == '\n' || expected.back() == '\r')) expected.pop_back();
      EXPECT_EQ(batch.records[i].payload, expected);
      EXPECT_EQ(batch.records[i].id, std::to_string(i));
      EXPECT_EQ(batch.records[i].arrivalMs, c.timeMs);
      expectPadded(batch.records[i]);
    }
  }
}

std::string httpV2(std::string_view bodyJsonString, bool base64) {
  return std::string(R"({"version":"2.0","requestContext":{"http":{"method":"POST","path":"/in","sourceIp":"10.0.0.1"},"timeEpoch":1700000000000},"body":)") +
         std::string(bodyJsonString) + ",\"isBase64Encoded\":" + (base64 ? "true" : "false") + "}";
}

TEST_F(RuntimeEvents, HttpBodyArraysAndLines) {
  Event e = fromText(httpV2(R"(" [ {\"a\":1}, [2,3] , \"s\" , 4.5 ,null ] ")", false));
  ASSERT_FALSE(decode(SourceKind::Http, e));
  ASSERT_EQ(batch.records.size(), 5u);
  EXPECT_EQ(batch.records[0].payload, "{\"a\":1}");
  EXPECT_EQ(batch.records[1].payload, "[2,3]");
  EXPECT_EQ(batch.records[2].payload, "\"s\"");
  EXPECT_EQ(batch.records[3].payload, "4.5");
  EXPECT_EQ(batch.records[4].payload, "null");
  EXPECT_EQ(batch.records[4].id, "4");

  // Malformed array: the whole body is one record (it fails later, visibly).
  Event bad = fromText(httpV2(R"("[{\"a\":1}, {\"b\":")", false));
  ASSERT_FALSE(decode(SourceKind::Http, bad));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].payload, "[{\"a\":1}, {\"b\":");

  Event empty = fromText(httpV2(R"("  \n ")", false));
  ASSERT_FALSE(decode(SourceKind::Http, empty));
  EXPECT_EQ(batch.records.size(), 0u);

  // base64: "[{\"x\":1},{\"x\":2}]"
  Event b64 = fromText(httpV2(R"("W3sieCI6MX0seyJ4IjoyfV0=")", true));
  ASSERT_FALSE(decode(SourceKind::Http, b64));
  ASSERT_EQ(batch.records.size(), 2u);
  EXPECT_EQ(batch.records[1].payload, "{\"x\":2}");

  Event badB64 = fromText(httpV2(R"("W3sieCI6MX0seyJ4Ijoy*V0=")", true));
  ASSERT_FALSE(decode(SourceKind::Http, badB64));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].decodeError, "invalid base64: bad character at offset 20");
  EXPECT_EQ(batch.records[0].received, "W3sieCI6MX0seyJ4Ijoy*V0=");

  Event lines = fromText(httpV2(R"("one\r\ntwo\n\nfour\n")", false));
  ASSERT_FALSE(decode(SourceKind::Http, lines, PayloadFormat::Text));
  ASSERT_EQ(batch.records.size(), 4u);
  EXPECT_EQ(batch.records[0].payload, "one");
  EXPECT_EQ(batch.records[1].payload, "two");
  EXPECT_EQ(batch.records[2].payload, "");
  EXPECT_EQ(batch.records[3].payload, "four");
}

TEST_F(RuntimeEvents, DynamoDbStreams) {
  // The payload is the image as plain JSON (runtime_dynamodb_image_test.cpp
  // covers every type); `received` is the record's whole `dynamodb` object.
  Event e = load("go-dynamodb-time-window-event.json");
  ASSERT_FALSE(decode(SourceKind::DynamoDb, e));
  ASSERT_EQ(batch.records.size(), 3u);
  EXPECT_EQ(batch.records[0].eventName, "INSERT");
  EXPECT_EQ(batch.records[0].id, "111");
  EXPECT_EQ(batch.records[0].arrivalMs, 1480642020000);
  EXPECT_EQ(batch.records[0].payload, R"({"Message":"New item!","Id":101})");
  expectPadded(batch.records[0]);
  EXPECT_TRUE(batch.records[0].received.starts_with("{\n        \"ApproximateCreationDateTime\": 1480642020,"));
  EXPECT_EQ(batch.records[0].received.back(), '}');
  EXPECT_EQ(batch.records[1].eventName, "MODIFY");
  EXPECT_EQ(batch.records[1].payload, R"({"Message":"This item has changed","Id":101})");
  EXPECT_EQ(batch.records[2].eventName, "REMOVE");
  EXPECT_EQ(batch.records[2].id, "333");
  EXPECT_TRUE(batch.records[2].decodeError.empty());  // REMOVE reads the OldImage
  EXPECT_EQ(batch.records[2].payload, R"({"Message":"This item has changed","Id":101})");
  EXPECT_TRUE(batch.window.present);
  EXPECT_EQ(batch.window.stateJson, "{\n    \"1\": \"state1\"\n  }");
  EXPECT_EQ(batch.window.shardId, "shard123456789");
  // go-dynamodb-event.json holds every DynamoDB type (compared with its images by hand).
  Event go = load("go-dynamodb-event.json");
  ASSERT_FALSE(decode(SourceKind::DynamoDb, go));
  ASSERT_EQ(batch.records.size(), 2u);
  EXPECT_EQ(batch.records[0].payload,
            R"({"val":"data","asdf1":"AAEqQQ==","asdf2":["AAEqQQ==","QSoBAA=="],"key":"binary"})");
  EXPECT_EQ(batch.records[1].payload,
            R"({"val":"data","asdf1":"AAEqQQ==","b2":"test","asdf2":["AAEqQQ==","QSoBAA==","AAEqQQ=="],)"
            R"("key":"binary","Binary":"AAEqQQ==","Boolean":true,"BinarySet":["AAEqQQ==","AAEqQQ=="],)"
            R"("List":["Cookies","Coffee",3.14159],"Map":{"Name":"Joe","Age":35},"FloatNumber":123.45,)"
            R"("IntegerNumber":123,"NumberSet":[1234,567.8],"Null":null,"String":"Hello",)"
            R"("StringSet":["Giraffe","Zebra"],"EmptyStringSet":[]})");
  for (const char* f : {"pt-dynamoStreamEvent.json", "sam-DynamoDBUpdate.template.json"}) {
    Event d = load(f);
    EXPECT_FALSE(decode(SourceKind::DynamoDb, d)) << f;
    EXPECT_GE(batch.records.size(), 2u) << f;
    for (auto& r : batch.records) {
      EXPECT_TRUE(r.decodeError.empty()) << f;
      EXPECT_TRUE(r.payload.find("\"Id\":101") != std::string_view::npos) << f << ": " << r.payload;
    }
  }
  // No eventName (docs/runtime.md): read like an INSERT, its NewImage, with an empty name.
  Event bare = fromText(R"({"Records":[{"dynamodb":{"SequenceNumber":"7","ApproximateCreationDateTime":1700000000,)"
                        R"("OldImage":{"Id":{"N":"1"}},"NewImage":{"Id":{"N":"2"}}}}]})");
  ASSERT_FALSE(decode(SourceKind::DynamoDb, bare));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].eventName, "");
  EXPECT_TRUE(batch.records[0].decodeError.empty()) << batch.records[0].decodeError;
  EXPECT_EQ(batch.records[0].payload, R"({"Id":2})");
  // pt-: eventName comes after `dynamodb`, and the MODIFY's OldImage before its NewImage.
  Event pt = load("pt-dynamoStreamEvent.json");
  ASSERT_FALSE(decode(SourceKind::DynamoDb, pt));
  EXPECT_EQ(batch.records[0].arrivalMs, 1693997155000);
  EXPECT_EQ(batch.records[1].payload, R"({"Message":"This item has changed","Id":101})");
}

TEST_F(RuntimeEvents, Kafka) {
  Event e = load("pt-kafkaEventMsk.json");
  ASSERT_FALSE(decode(SourceKind::Kafka, e));
  ASSERT_EQ(batch.records.size(), 1u);
  const flow::Record& r = batch.records[0];
  EXPECT_EQ(r.payload, "{\"key\":\"value\"}");
  EXPECT_TRUE(r.hasKey);
  EXPECT_EQ(r.key, "recordKey");
  EXPECT_EQ(r.topic, "mytopic");
  EXPECT_EQ(r.partition, 0);
  EXPECT_EQ(r.offset, 15);
  EXPECT_EQ(r.kafkaTimeMs, 1545084650987);
  EXPECT_EQ(r.id, "mytopic-0:15");
  expectPadded(r);
  for (const char* f : {"go-kafka-event.json", "pt-kafkaEventSelfManaged.json"}) {
    Event k = load(f);
    EXPECT_FALSE(decode(SourceKind::Kafka, k)) << f;
    EXPECT_EQ(batch.records.size(), 1u) << f;
    EXPECT_TRUE(batch.records[0].decodeError.empty()) << f;
  }
  // The Lambda guide's example key is not canonical base64 ("…34==" leaves
  // bits set): the record is kept, with its decode error.
  Event docs = load("docs-self-managed-kafka-event.json");
  ASSERT_FALSE(decode(SourceKind::Kafka, docs));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].decodeError, "the key: invalid base64: non-zero padding bits at offset 29");
  // The value decoded: it is what the dead letter shows.
  EXPECT_FALSE(batch.records[0].payload.empty());
}

TEST_F(RuntimeEvents, WrongKindIsRejectedWithAClearMessage) {
  struct Case {
    const char* file;
    SourceKind right;
  };
  const Case cases[] = {
      {"go-kinesis-event.json", SourceKind::Kinesis},
      {"pt-kinesisStreamEvent.json", SourceKind::Kinesis},
      {"go-kinesis-time-window-event.json", SourceKind::Kinesis},
      {"go-sqs-event.json", SourceKind::Sqs},
      {"pt-sqsEvent.json", SourceKind::Sqs},
      {"pt-snsSqsFifoEvent.json", SourceKind::Sqs},
      {"docs-sqs-fifo-event.json", SourceKind::Sqs},
      {"go-apigw-request.json", SourceKind::Http},
      {"pt-apiGatewayProxyEvent.json", SourceKind::Http},
      {"go-apigw-v2-request-iam.json", SourceKind::Http},
      {"pt-apiGatewayProxyV2Event.json", SourceKind::Http},
      {"go-lambda-urls-request.json", SourceKind::Http},
      {"pt-lambdaFunctionUrlEvent.json", SourceKind::Http},
      {"go-dynamodb-event.json", SourceKind::DynamoDb},
      {"pt-kafkaEventMsk.json", SourceKind::Kafka},
  };
  const SourceKind kinds[] = {SourceKind::Kinesis, SourceKind::DynamoDb, SourceKind::Sqs, SourceKind::Kafka,
                              SourceKind::Http};
  for (const Case& c : cases) {
    Event e = load(c.file);
    for (SourceKind k : kinds) {
      if (k == c.right) continue;
      flow::Status s = decode(k, e);
      ASSERT_TRUE(s) << c.file << " as " << flow::sourceKindName(k);
      EXPECT_EQ(s->type, "Function.InvalidEvent");
      EXPECT_EQ(s->message.rfind("expected ", 0), 0u) << s->message;
      EXPECT_TRUE(batch.records.empty());
    }
  }
  Event sqs = load("go-sqs-event.json");
  flow::Status s = decode(SourceKind::Kinesis, sqs);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->message, "expected a Kinesis event, got an SQS event (record 0: 'eventSource' is 'aws:sqs')");
  Event kinesis = load("go-kinesis-event.json");
  s = decode(SourceKind::Http, kinesis);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->message,
            "expected an API Gateway or function URL request, got a Kinesis event (no 'httpMethod' (REST API) or "
            "'requestContext.http' (HTTP API, function URL) member)");
  Event s3 = load("go-s3-event.json");
  s = decode(SourceKind::Sqs, s3);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->message, "expected an SQS event, got an S3 event (record 0: 'eventSource' is 'aws:s3')");
}

TEST_F(RuntimeEvents, MalformedEnvelopes) {
  const char* bodies[] = {
      "",
      "not json",
      "[1,2]",
      "{\"Records\":{}}",
      "{\"Records\":[1]}",
      "{\"Records\":[{\"kinesis\":{\"data\":5,\"sequenceNumber\":\"1\"}}]}",
      "{\"Records\":[{\"kinesis\":{\"data\":\"QQ==\"}}]}",
      "{\"Records\":[{\"kinesis\":{\"data\":\"QQ==\",\"sequenceNumber\":\"1\",\"approximateArrivalTimestamp\":\"x\"}}]}",
      "{\"Records\":[{\"kinesis\":{\"data\":\"QQ==\",\"sequenceNumber\":\"1\"}}",
      "{\"Recs\":[]}",
  };
  for (const char* b : bodies) {
    Event e = fromText(b);
    flow::Status s = decode(SourceKind::Kinesis, e);
    ASSERT_TRUE(s) << b;
    EXPECT_EQ(s->type, "Function.InvalidEvent") << b;
  }
  Event ok = fromText("{\"Records\":[]}");
  EXPECT_FALSE(decode(SourceKind::Kinesis, ok));
  EXPECT_TRUE(batch.records.empty());
}

// An event's own text in a message (its records' source) is an excerpt: 40
// bytes and "...", however long the event makes it.
TEST_F(RuntimeEvents, MessagesQuoteTheEventInExcerpts) {
  const std::string longText(5000, 'x'), cut = std::string(40, 'x') + "...";
  Event source = fromText("{\"Records\":[{\"eventSource\":\"" + longText + "\",\"kinesis\":{}}]}");
  flow::Status s = decode(SourceKind::Kinesis, source);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->message, "expected a Kinesis event, got an event from '" + cut + "' (record 0: 'eventSource' is '" + cut + "')");
  for (SourceKind kind : {SourceKind::Sqs, SourceKind::DynamoDb}) {
    s = decode(kind, source);
    ASSERT_TRUE(s);
    EXPECT_NE(s->message.find("'eventSource' is '" + cut + "')"), std::string::npos) << s->message;
    EXPECT_LT(s->message.size(), 200u) << s->message;
  }
}

TEST_F(RuntimeEvents, ViewsSurviveAnotherParserAndTheDecoderIsReusable) {
  Event a = load("pt-sqsEvent.json");
  Event b = load("go-kinesis-event.json");
  for (int round = 0; round < 3; ++round) {
    ASSERT_FALSE(decode(SourceKind::Sqs, a));
    EXPECT_EQ(batch.records[1].payload, "{\"message\": \"foo1\"}");
    ASSERT_FALSE(decode(SourceKind::Kinesis, b));
    EXPECT_EQ(batch.records[1].payload, "Hello World");
  }
}

TEST_F(RuntimeEvents, LargeBatch) {
  std::string body = "{\"Records\":[";
  for (int i = 0; i < 5000; ++i) {
    if (i) body += ',';
    body += "{\"kinesis\":{\"data\":\"eyJpIjo" + std::string("xfQ==") +
            "\",\"sequenceNumber\":\"" + std::to_string(1000 + i) +
            "\",\"partitionKey\":\"p\",\"approximateArrivalTimestamp\":1.5},\"eventID\":\"shardId-1:x\"}";
  }
  body += "]}";
  Event e = fromText(body);
  ASSERT_FALSE(decode(SourceKind::Kinesis, e));
  ASSERT_EQ(batch.records.size(), 5000u);
  EXPECT_EQ(batch.records[4999].payload, "{\"i\":1}");
  EXPECT_EQ(batch.records[4999].id, "5999");
  EXPECT_EQ(batch.records[0].shardId, "shardId-1");
}

// Kinesis `data` is decoded from the event body in place when it holds no
// JSON escape; these are the cases where its raw text is not its value, or
// where the token is not a plain string, and must give what unescaping
// first gives. Expected values: Python's base64/json by hand.
TEST_F(RuntimeEvents, KinesisDataWithEscapesDecodesAsItsUnescapedValue) {
  auto one = [&](std::string_view dataJson) {
    return fromText("{\"Records\":[{\"kinesis\":{\"data\": " + std::string(dataJson) +
                    " ,\"sequenceNumber\":\"7\"}}]}");
  };
  // "YS/i" is base64 of "a/\xe2"; JSON may write its '/' as "\/".
  Event slash = one("\"YS/i\"");
  ASSERT_FALSE(decode(SourceKind::Kinesis, slash));
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].payload, "a/\xe2");
  Event escaped = one("\"YS\\/i\"");
  ASSERT_FALSE(decode(SourceKind::Kinesis, escaped));
  EXPECT_EQ(batch.records[0].payload, "a/\xe2");
  EXPECT_EQ(batch.records[0].received, "YS/i");
  EXPECT_TRUE(batch.records[0].decodeError.empty());
  expectPadded(batch.records[0]);
  // \u0041 is 'A': "QUJD" ("ABC") written with one escape.
  Event unicode = one("\"\\u0051UJD\"");
  ASSERT_FALSE(decode(SourceKind::Kinesis, unicode));
  EXPECT_EQ(batch.records[0].payload, "ABC");
  // An escape that is bad base64 once unescaped: the offset is in the value.
  Event newline = one("\"QU\\nJD\"");
  ASSERT_FALSE(decode(SourceKind::Kinesis, newline));
  EXPECT_EQ(batch.records[0].received, "QU\nJD");
  EXPECT_EQ(batch.records[0].decodeError, "invalid base64: bad character at offset 2");
  // An escaped quote inside: still the whole string.
  Event quote = one("\"QU\\\"JD\"");
  ASSERT_FALSE(decode(SourceKind::Kinesis, quote));
  EXPECT_EQ(batch.records[0].received, "QU\"JD");
  EXPECT_EQ(batch.records[0].decodeError, "invalid base64: bad character at offset 2");
  // Not base64, no escape: the raw text is the value.
  Event plain = one("\"QU JD\"");
  ASSERT_FALSE(decode(SourceKind::Kinesis, plain));
  EXPECT_EQ(batch.records[0].received, "QU JD");
  EXPECT_EQ(batch.records[0].decodeError, "invalid base64: bad character at offset 2");
  EXPECT_TRUE(batch.records[0].payload.empty());
  // An invalid escape is a malformed event, as before.
  Event badEscape = one("\"QU\\qJD\"");
  flow::Status s = decode(SourceKind::Kinesis, badEscape);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, "Function.InvalidEvent");
  EXPECT_NE(s->message.find("'kinesis.data' is not a string"), std::string::npos) << s->message;
  // Empty data decodes to an empty payload.
  Event empty = one("\"\"");
  ASSERT_FALSE(decode(SourceKind::Kinesis, empty));
  EXPECT_TRUE(batch.records[0].payload.empty());
  EXPECT_TRUE(batch.records[0].decodeError.empty());
}

TEST_F(RuntimeEvents, KinesisRepeatedDataMemberTheLastOneCounts) {
  Event badThenGood = fromText(
      "{\"Records\":[{\"kinesis\":{\"data\":\"!!\",\"data\":\"Zm9v\",\"sequenceNumber\":\"1\"}}]}");
  ASSERT_FALSE(decode(SourceKind::Kinesis, badThenGood));
  EXPECT_EQ(batch.records[0].payload, "foo");
  EXPECT_TRUE(batch.records[0].decodeError.empty());
  Event goodThenBad = fromText(
      "{\"Records\":[{\"kinesis\":{\"data\":\"Zm9v\",\"data\":\"Zm9\",\"sequenceNumber\":\"1\"}}]}");
  ASSERT_FALSE(decode(SourceKind::Kinesis, goodThenBad));
  EXPECT_EQ(batch.records[0].received, "Zm9");
  EXPECT_EQ(batch.records[0].decodeError, "invalid base64: length is not a multiple of 4 at offset 3");
}

}  // namespace
