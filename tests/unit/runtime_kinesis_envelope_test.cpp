// The Kinesis envelope fast path (runtime/src/kinesis_envelope.cpp) against
// the simdjson path of EventDecoder, which stays the reference: for every
// input, a decoder with the fast path and one without must give the same
// status (type and message) and the same batch, field by field; the fast
// path may only decline. Inputs: every event in shared/events/aws (given to
// a Kinesis function), gen_kinesis.py events with and without --bad, a set
// of hand-written edge cases, and systematic byte mutations of small valid
// events (every position deleted, duplicated, and replaced by each of a set
// of bytes that matter to JSON, base64 and the scanner). The string-run scan
// is checked per implementation (scalar, SSE2, AVX2, NEON where present).
// The tests also check that the fast path does take what it is for (real
// and generated Kinesis events), or it would be proven equal by never
// running.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "flow/events.h"
#include "kinesis_envelope.h"
#include "support/process.h"

namespace {

const std::string kShared = FLOWC_SHARED_DIR;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string describe(const flow::Status& s) { return s ? s->type + ": " + s->message : "ok"; }

// A body that arrives in pieces, as Invocation::arriving delivers it: each
// piece is copied in when asked for, kBodyPadding zeros follow what has
// arrived, and beyond them lie decoy bytes (the text with every digit and
// letter changed, as a reused buffer holds a previous event) that a scan
// reading past what has arrived would take for data. `cuts`: where the
// pieces end, ascending; the first is what is there at the start.
// `failAt`: the receive that fails (the connection is lost), 0 for none.
class ChunkedArrival final : public flow::BodyStream {
 public:
  ChunkedArrival(std::string& buffer, std::string_view text, std::vector<size_t> cuts, int failAt = 0)
      : buffer_(buffer), text_(text), cuts_(std::move(cuts)), failAt_(failAt) {
    buffer_.assign(text.size() + flow::kBodyPadding, '\0');
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      buffer_[i] = c >= '0' && c <= '8' ? c + 1 : c == '9' ? '0' : c >= 'a' && c <= 'y' ? c + 1 : c == 'z' ? 'a' : c;
    }
    cuts_.push_back(text.size());
    arrive(cuts_[0]);
  }
  size_t received() const override { return received_; }
  bool receiveMore() override {
    ++receives;
    if (failAt_ != 0 && receives >= failAt_) return false;  // and from then on
    while (next_ < cuts_.size() && cuts_[next_] <= received_) ++next_;
    if (next_ < cuts_.size()) arrive(cuts_[next_]);
    return true;
  }
  // Every other call finds the next piece there, the others nothing.
  bool receiveArrived() override {
    if (++arrivedCalls % 2 == 0) return true;
    return receiveMore();
  }
  int receives = 0, arrivedCalls = 0;

 private:
  void arrive(size_t n) {
    std::memcpy(buffer_.data() + received_, text_.data() + received_, n - received_);
    received_ = n;
    std::memset(buffer_.data() + n, 0, std::min(flow::kBodyPadding, buffer_.size() - n));
  }
  std::string& buffer_;
  std::string_view text_;
  std::vector<size_t> cuts_;
  size_t next_ = 0, received_ = 0;
  int failAt_;
};

// Both paths over one input. Returns whether the fast path took it.
class Differential {
 public:
  Differential() {
    slow_.setEnvelopeFastPath(false);
    pruned_.setKinesisMetadataRead({.arrivalTime = false, .shardId = false});
  }

  // Records a mismatch (with `what` naming the input) as a test failure.
  bool check(const std::string& text, const std::string& what) {
    storage_.assign(text);
    storage_.append(flow::kBodyPadding, '\0');
    std::string_view body(storage_.data(), text.size());
    flow::Status a = fast_.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, body, fastBatch_);
    bool took = fast_.lastDecodeUsedFastPath();
    flow::Status b = slow_.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, body, slowBatch_);
    EXPECT_FALSE(slow_.lastDecodeUsedFastPath());
    if (took && a) ADD_FAILURE() << what << ": the fast path reported an error";
    std::string diff = a.has_value() != b.has_value() ? "status " + describe(a) + " vs " + describe(b)
                       : a && (a->type != b->type || a->message != b->message)
                           ? "error " + describe(a) + " vs " + describe(b)
                           : compare(fastBatch_, slowBatch_);
    if (!diff.empty()) {
      ADD_FAILURE() << what << " (fast path " << (took ? "taken" : "declined") << "): " << diff
                    << "\ninput: " << text.substr(0, 2000);
      ++mismatches;
    }
    // A handler that reads no metadata: the scanner takes and refuses the
    // same events, and gives the same batch but for the values it skips.
    flow::Status c = pruned_.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, body, prunedBatch_);
    std::string prunedDiff = sameOutcome(pruned_.lastDecodeUsedFastPath(), c, took, a);
    if (prunedDiff.empty()) {
      if (took) {
        for (size_t i = 0; i < prunedBatch_.records.size(); ++i) {
          flow::Record& r = prunedBatch_.records[i];
          if (r.arrivalMs != 0 || !r.shardId.empty()) prunedDiff = "record " + std::to_string(i) + " kept metadata";
          if (i < fastBatch_.records.size()) {
            r.arrivalMs = fastBatch_.records[i].arrivalMs;
            r.shardId = fastBatch_.records[i].shardId;
          }
        }
      }
      if (prunedDiff.empty()) prunedDiff = compare(prunedBatch_, fastBatch_);
    }
    if (!prunedDiff.empty()) {
      ADD_FAILURE() << what << " (metadata not read): " << prunedDiff << "\ninput: " << text.substr(0, 2000);
      ++mismatches;
    }
    // The same event arriving in pieces (a few, at random places): the
    // scanner takes and refuses it alike, and gives the same batch.
    std::vector<size_t> cuts;
    for (int n = static_cast<int>(rng_() % 5); n >= 0; --n) cuts.push_back(rng_() % (text.size() + 1));
    std::sort(cuts.begin(), cuts.end());
    took_ = took;
    status_ = a;
    arriving(text, what + " arriving in " + std::to_string(cuts.size() + 1) + " pieces", cuts);
    return took;
  }

  // `text`, just check()ed, arriving in pieces ending at `cuts`: the same
  // as the whole event gave.
  void arriving(const std::string& text, const std::string& what, const std::vector<size_t>& cuts) {
    const bool took = took_;
    const flow::Status& status = status_;
    ChunkedArrival arrival(streamStorage_, text, cuts);
    std::string_view body(streamStorage_.data(), text.size());
    flow::Status d = streamed_.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json, body, streamedBatch_,
                                      &arrival);
    std::string diff = sameOutcome(streamed_.lastDecodeUsedFastPath(), d, took, status);
    if (diff.empty()) diff = compare(streamedBatch_, fastBatch_);
    if (diff.empty() && arrival.received() != text.size()) diff = "the body was not all there on return";
    std::string at;
    for (size_t c : cuts) at += " " + std::to_string(c);
    if (!diff.empty()) {
      ADD_FAILURE() << what << " (cut at" << at << "): " << diff << "\ninput: " << text.substr(0, 2000);
      ++mismatches;
    }
  }
  int mismatches = 0;
  const flow::Batch& batch() const { return fastBatch_; }

 private:
  // "" when a decoder that took the fast path or not (`tookX`) with status
  // `x` did as the fast one (`took`, `status`); else what differs.
  static std::string sameOutcome(bool tookX, const flow::Status& x, bool took, const flow::Status& status) {
    if (tookX != took) return std::string("the fast path ") + (took ? "declined" : "took") + " it";
    if (x.has_value() != status.has_value() || (x && (x->type != status->type || x->message != status->message))) {
      return "status " + describe(x) + " vs " + describe(status);
    }
    return "";
  }
  static std::string field(const char* name, std::string_view a, std::string_view b) {
    return a == b ? "" : std::string(name) + " '" + std::string(a) + "' vs '" + std::string(b) + "'; ";
  }
  static std::string field(const char* name, int64_t a, int64_t b) {
    return a == b ? "" : std::string(name) + " " + std::to_string(a) + " vs " + std::to_string(b) + "; ";
  }
  static std::string compare(const flow::Batch& a, const flow::Batch& b) {
    std::string d;
    d += field("kind", static_cast<int>(a.kind), static_cast<int>(b.kind));
    d += field("fifo", a.fifo, b.fifo);
    d += field("eventSourceArn", a.eventSourceArn, b.eventSourceArn);
    d += field("httpPayloadVersion", a.httpPayloadVersion, b.httpPayloadVersion);
    d += field("method", a.method, b.method);
    d += field("path", a.path, b.path);
    d += field("sourceIp", a.sourceIp, b.sourceIp);
    d += field("requestTimeMs", a.requestTimeMs, b.requestTimeMs);
    d += field("window.present", a.window.present, b.window.present);
    d += field("window.startMs", a.window.startMs, b.window.startMs);
    d += field("window.endMs", a.window.endMs, b.window.endMs);
    d += field("window.stateJson", a.window.stateJson, b.window.stateJson);
    d += field("window.shardId", a.window.shardId, b.window.shardId);
    d += field("window.isFinalInvokeForWindow", a.window.isFinalInvokeForWindow, b.window.isFinalInvokeForWindow);
    d += field("window.isWindowTerminatedEarly", a.window.isWindowTerminatedEarly, b.window.isWindowTerminatedEarly);
    d += field("records", static_cast<int64_t>(a.records.size()), static_cast<int64_t>(b.records.size()));
    for (size_t i = 0; i < a.records.size() && i < b.records.size() && d.empty(); ++i) {
      const flow::Record& x = a.records[i];
      const flow::Record& y = b.records[i];
      std::string r;
      r += field("payload", x.payload, y.payload);
      r += field("received", x.received, y.received);
      r += field("id", x.id, y.id);
      r += field("decodeError", x.decodeError, y.decodeError);
      r += field("arrivalMs", x.arrivalMs, y.arrivalMs);
      r += field("partitionKey", x.partitionKey, y.partitionKey);
      r += field("shardId", x.shardId, y.shardId);
      r += field("sentMs", x.sentMs, y.sentMs);
      r += field("groupId", x.groupId, y.groupId);
      r += field("hasGroupId", x.hasGroupId, y.hasGroupId);
      r += field("eventName", x.eventName, y.eventName);
      r += field("topic", x.topic, y.topic);
      r += field("key", x.key, y.key);
      r += field("hasKey", x.hasKey, y.hasKey);
      r += field("partition", x.partition, y.partition);
      r += field("offset", x.offset, y.offset);
      r += field("kafkaTimeMs", x.kafkaTimeMs, y.kafkaTimeMs);
      // The payload padding generated code relies on (zeros for arena copies).
      if (r.empty() && x.decodeError.empty()) {
        for (size_t k = 0; k < flow::kPayloadPadding; ++k) {
          if (x.payload.data()[x.payload.size() + k] != 0) r += "payload padding is not zero; ";
        }
      }
      if (!r.empty()) d += "record " + std::to_string(i) + ": " + r;
    }
    return d;
  }

  flow::EventDecoder fast_, slow_, pruned_, streamed_;
  flow::Batch fastBatch_, slowBatch_, prunedBatch_, streamedBatch_;
  std::string storage_, streamStorage_;
  std::mt19937 rng_{20261125};
  bool took_ = false;
  flow::Status status_;
};

// A small event with every member the scanner knows: a tumbling-window
// event, one record with bad base64, pretty-printed with every kind of
// whitespace.
const char* kWindowEvent =
    "{\n"
    "  \"Records\": [\r\n"
    "    {\"kinesis\": {\"kinesisSchemaVersion\": \"1.0\", \"partitionKey\": \"p-1\",\n"
    "      \"sequenceNumber\": \"4959033827149025660855969253836157109592157598913658\",\n"
    "      \"data\": \"eyJhIjoxfQ==\", \"approximateArrivalTimestamp\": 1607497475.125, \"encryptionType\": \"KMS\"},\n"
    "     \"eventSource\": \"aws:kinesis\", \"eventVersion\": \"1.0\",\n"
    "     \"eventID\": \"shardId-000000000006:4959\", \"eventName\": \"aws:kinesis:record\",\n"
    "     \"invokeIdentityArn\": \"arn:aws:iam::1:role/r\", \"awsRegion\": \"us-east-1\",\n"
    "     \"eventSourceARN\": \"arn:aws:kinesis:us-east-1:1:stream/s\"},\n"
    "\t{\"kinesis\":{\"data\":\"e30*\",\"sequenceNumber\":\"7\",\"approximateArrivalTimestamp\":-0.5,"
    "\"partitionKey\":\"\"},\"eventID\":\"nocolon\"}\n"
    "  ],\n"
    "  \"window\": {\"start\": \"2020-12-09T07:04:00Z\", \"end\": \"2020-12-09T07:06:00.5+01:00\"},\n"
    "  \"state\": {\"a\": [1, 2.5, -3e2, true, false, null, {\"b\": {}}, []], \"c\": \"d\"} ,\n"
    "  \"shardId\": \"shardId-000000000006\",\n"
    "  \"eventSourceARN\": \"arn:aws:kinesis:us-east-1:1:stream/s\",\n"
    "  \"isFinalInvokeForWindow\": true,\n"
    "  \"isWindowTerminatedEarly\": false\n"
    "}\n";

// gen_kinesis.py's compact shape.
const char* kCompactEvent =
    "{\"Records\":[{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"u1\","
    "\"sequenceNumber\":\"49590\",\"data\":\"eyJ1c2VyX2lkIjoidTEiLCJsYXRlbmN5X21zIjo3fQ==\","
    "\"approximateArrivalTimestamp\":1763892000.123},\"eventSource\":\"aws:kinesis\",\"eventVersion\":\"1.0\","
    "\"eventID\":\"shardId-000000000000:49590\",\"eventName\":\"aws:kinesis:record\","
    "\"invokeIdentityArn\":\"arn:aws:iam::1:role/r\",\"awsRegion\":\"us-east-1\","
    "\"eventSourceARN\":\"arn:aws:kinesis:us-east-1:1:stream/clicks\"},"
    "{\"kinesis\":{\"sequenceNumber\":\"49591\",\"data\":\"\",\"approximateArrivalTimestamp\":0}}],"
    "\"state\":null}";

// Records alike, as AWS writes them: the scanner's remembered members
// (equal keys and values at equal positions) carry it through the later
// ones, so mutations there exercise that path; the third record has a
// different whitespace and value layout.
const char* kAlikeEvent =
    "{\"Records\":["
    "{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"a\",\"sequenceNumber\":\"1\","
    "\"data\":\"QQ==\",\"approximateArrivalTimestamp\":1.5},\"eventSource\":\"aws:kinesis\","
    "\"eventVersion\":\"1.0\",\"eventID\":\"s-0:1\",\"eventName\":\"aws:kinesis:record\","
    "\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/lambda-kinesis-role-with-a-long-name\","
    "\"awsRegion\":\"us-east-1\",\"eventSourceARN\":\"arn:aws:kinesis:us-east-1:1:stream/s\"},"
    "{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"bb\",\"sequenceNumber\":\"2\","
    "\"data\":\"QkI=\",\"approximateArrivalTimestamp\":2.25},\"eventSource\":\"aws:kinesis\","
    "\"eventVersion\":\"1.0\",\"eventID\":\"s-0:2\",\"eventName\":\"aws:kinesis:record\","
    "\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/lambda-kinesis-role-with-a-long-name\","
    "\"awsRegion\":\"us-east-1\",\"eventSourceARN\":\"arn:aws:kinesis:us-east-1:1:stream/s\"},"
    "{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"c\",\"sequenceNumber\":\"3\","
    "\"data\":\"Q0ND\",\"approximateArrivalTimestamp\":3},\"eventSource\":\"aws:kinesis\","
    "\"eventVersion\":\"1.0\",\"eventID\":\"s-0:3\",\"eventName\":\"aws:kinesis:record\","
    "\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/lambda-kinesis-role-with-a-long-name\","
    "\"awsRegion\":\"us-east-1\",\"eventSourceARN\":\"arn:aws:kinesis:us-east-1:1:stream/s\"},"
    "{\"kinesis\": {\"kinesisSchemaVersion\": \"1.0\", \"partitionKey\":\"d\",\"sequenceNumber\":\"4\","
    "\"data\":\"RA==\",\"approximateArrivalTimestamp\" :4},\"eventSource\":\"aws:kinesis\","
    "\"eventVersion\":1.0,\"eventID\":\"s-0:4\",\"eventName\":\"aws:kinesis:record\","
    "\"awsRegion\":\"us-east-2\",\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/other\"}"
    "]}";

// gen_kinesis.py's shape at full length: records alike but for their
// fields, so the second and later are read by the first one's template (the
// bytes between fields compared, the fields read); the fields' lengths vary
// (data with and without padding, timestamps with 1-3 fraction digits), and
// the last record breaks the template (an extra space) and is read by its
// members, making the template again.
std::string templateRecord(const std::string& key, const std::string& seq, const std::string& data,
                           const std::string& ts, const std::string& space = "") {
  return "{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"" + key +
         "\",\"sequenceNumber\":\"" + seq + "\",\"data\":\"" + data + "\",\"approximateArrivalTimestamp\":" + ts +
         "},\"eventSource\":\"aws:kinesis\",\"eventVersion\":\"1.0\",\"eventID\":\"shardId-000000000000:" + seq +
         "\",\"eventName\":\"aws:kinesis:record\"," + space +
         "\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/lambda-kinesis-role\",\"awsRegion\":\"us-east-1\","
         "\"eventSourceARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/clicks\"}";
}
const std::string kTemplateEvent =
    "{\"Records\":[" +
    templateRecord("u2471", "49590338271490256608559692538361571095921575989136588899",
                   "eyJ1c2VyX2lkIjoidTI0NzEiLCJwYWdlIjoiL3AvMSIsImxhdGVuY3lfbXMiOjEyfQ==", "1763892000.02") +
    "," +
    templateRecord("u35", "49590338271490256608559692538361571095921575989136588900",
                   "eyJ1c2VyX2lkIjoidTM1IiwicGFnZSI6Ii9wLzEiLCJsYXRlbmN5X21zIjoxNDJ9", "1763892000.052") +
    "," +
    templateRecord("u7", "49590338271490256608559692538361571095921575989136588901",
                   "eyJ1c2VyX2lkIjoidTciLCJwYWdlIjoiL3AvMjIiLCJsYXRlbmN5X21zIjo3fQ==", "1763892001") +
    "," +
    templateRecord("u8", "49590338271490256608559692538361571095921575989136588902", "eyJhIjoxfQ==", "1763892001.5",
                   " ") +
    "]}";

TEST(KinesisEnvelope, TheBaseEventsTakeTheFastPath) {
  Differential d;
  EXPECT_TRUE(d.check(kWindowEvent, "window event"));
  // Values read off the text by hand.
  const flow::Batch& b = d.batch();
  ASSERT_EQ(b.records.size(), 2u);
  EXPECT_EQ(b.records[0].payload, "{\"a\":1}");
  EXPECT_EQ(b.records[0].arrivalMs, 1607497475125);
  EXPECT_EQ(b.records[0].shardId, "shardId-000000000006");
  EXPECT_EQ(b.records[1].decodeError.empty(), false);
  EXPECT_EQ(b.records[1].received, "e30*");
  EXPECT_EQ(b.records[1].arrivalMs, -500);
  EXPECT_EQ(b.records[1].shardId, "nocolon");
  EXPECT_TRUE(b.window.present);
  EXPECT_EQ(b.window.endMs - b.window.startMs, 120000 - 3600000 + 500);
  EXPECT_EQ(b.window.stateJson.substr(0, 6), "{\"a\": ");
  EXPECT_EQ(b.window.stateJson.back(), ' ');  // simdjson's raw_json runs to the next token
  EXPECT_TRUE(b.window.isFinalInvokeForWindow);
  EXPECT_TRUE(d.check(kCompactEvent, "compact event"));
  EXPECT_EQ(d.batch().records[0].payload, "{\"user_id\":\"u1\",\"latency_ms\":7}");
  EXPECT_EQ(d.batch().records[1].payload, "");
  EXPECT_TRUE(d.check(kAlikeEvent, "alike event"));
  ASSERT_EQ(d.batch().records.size(), 4u);
  EXPECT_EQ(d.batch().records[1].payload, "BB");
  EXPECT_EQ(d.batch().records[1].partitionKey, "bb");
  EXPECT_EQ(d.batch().records[1].arrivalMs, 2250);
  EXPECT_EQ(d.batch().records[2].payload, "CCC");
  EXPECT_EQ(d.batch().records[3].id, "4");
  EXPECT_EQ(d.batch().records[3].shardId, "s-0");
  EXPECT_TRUE(d.check(kTemplateEvent, "template event"));
  ASSERT_EQ(d.batch().records.size(), 4u);
  EXPECT_EQ(d.batch().records[1].payload, "{\"user_id\":\"u35\",\"page\":\"/p/1\",\"latency_ms\":142}");
  EXPECT_EQ(d.batch().records[1].partitionKey, "u35");
  EXPECT_EQ(d.batch().records[1].arrivalMs, 1763892000052);
  EXPECT_EQ(d.batch().records[2].arrivalMs, 1763892001000);
  EXPECT_EQ(d.batch().records[2].id, "49590338271490256608559692538361571095921575989136588901");
  EXPECT_EQ(d.batch().records[2].shardId, "shardId-000000000000");
  EXPECT_EQ(d.batch().records[3].payload, "{\"a\":1}");
  EXPECT_EQ(d.mismatches, 0);
}

TEST(KinesisEnvelope, EveryAwsEventAsKinesis) {
  Differential d;
  int taken = 0, files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kShared + "/events/aws")) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    std::string name = entry.path().filename().string();
    bool took = d.check(readFile(entry.path().string()), name);
    taken += took;
    // The Kinesis Data Streams events (not Firehose, not on-failure records).
    bool kinesisStream = name.find("inesisStream") != std::string::npos || name == "go-kinesis-event.json" ||
                         name == "go-kinesis-time-window-event.json" || name == "sam-Kinesis.template.json";
    EXPECT_EQ(took, kinesisStream) << name;
  }
  EXPECT_GE(files, 39);
  EXPECT_EQ(taken, 5);
  EXPECT_EQ(d.mismatches, 0);
}

TEST(KinesisEnvelope, GenKinesisEvents) {
  char tmpl[] = "/tmp/flowc-kinesis-envelope-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string work = tmpl;
  for (const char* bad : {"0", "0.3"}) {
    flowc::CommandResult gen = flowc::runCommand({"python3", kShared + "/bench/gen_kinesis.py", "--records", "400",
                                                  "--batches", "2", "--bad", bad, "--out", work});
    ASSERT_TRUE(gen.ok()) << gen.describe("gen_kinesis.py") << gen.err;
    Differential d;
    for (const char* file : {"/event-000.json", "/event-001.json"}) {
      EXPECT_TRUE(d.check(readFile(work + file), std::string("gen_kinesis --bad ") + bad + file));
      EXPECT_EQ(d.batch().records.size(), 400u);
    }
    EXPECT_EQ(d.mismatches, 0);
    if (std::string(bad) == "0") {
      // Independently: the payloads are records.jsonl's lines (the second batch's).
      std::istringstream lines(readFile(work + "/records.jsonl"));
      std::string line;
      for (int i = 0; i < 400; ++i) std::getline(lines, line);
      for (const flow::Record& r : d.batch().records) {
        ASSERT_TRUE(std::getline(lines, line));
        EXPECT_EQ(r.payload, line);
      }
    } else {
      size_t bad64 = 0;
      for (const flow::Record& r : d.batch().records) bad64 += !r.decodeError.empty();
      EXPECT_GT(bad64, 5u);  // --bad 0.3: about a quarter of the bad ones have bad base64
    }
  }
  std::filesystem::remove_all(work);
}

// Inputs the scanner must decline (or take) on purpose, each compared.
TEST(KinesisEnvelope, EdgeCases) {
  auto event = [](std::string kinesis, std::string rest = "", std::string top = "") {
    return "{\"Records\":[{\"kinesis\":{" + kinesis + "}" + rest + "}]" + top + "}";
  };
  const std::string ok = "\"data\":\"QUJD\",\"sequenceNumber\":\"1\"";
  struct Case {
    std::string text;
    bool fast;
  };
  std::vector<Case> cases = {
      {event(ok), true},
      {event(ok + ",\"approximateArrivalTimestamp\":1.5"), true},
      {event(ok + ",\"approximateArrivalTimestamp\":12345678901.2345"), true},
      {event(ok + ",\"approximateArrivalTimestamp\":1234567890.123456"), false},  // 16 digits
      {event(ok + ",\"approximateArrivalTimestamp\":1.5e3"), false},
      {event(ok + ",\"approximateArrivalTimestamp\":1E3"), false},
      {event(ok + ",\"approximateArrivalTimestamp\":0.00000000000001"), true},
      {event(ok + ",\"approximateArrivalTimestamp\":-1480641523.477"), true},
      {event(ok + ",\"approximateArrivalTimestamp\":01"), false},
      {event(ok + ",\"approximateArrivalTimestamp\":1."), false},
      {event(ok + ",\"approximateArrivalTimestamp\":\"1\""), false},
      {event(ok + ",\"approximateArrivalTimestamp\":1e400"), false},
      {event(ok + ",\"approximateArrivalTimestamp\":999999999999999"), false},  // out of range ms
      {event(ok + ",\"approximateArrivalTimestamp\":99999999999.9999"), true},
      {event("\"data\":\"QUJD\""), false},
      {event("\"sequenceNumber\":\"1\""), false},
      {event(ok + ",\"data\":\"QUJD\""), false},
      {event(ok + ",\"unknown\":1"), false},
      {event(ok, ",\"eventSource\":\"aws:sqs\""), false},
      {event(ok, ",\"eventSource\":\"aws:kinesis\",\"eventSource\":\"aws:kinesis\""), false},
      {event(ok, ",\"somethingNew\":{}"), false},
      {event(ok, ",\"eventName\":{\"a\":[[[{}]]]}"), true},
      {event(ok, ",\"eventID\":\"a:b:c\""), true},
      {event(ok, ",\"eventID\":\"\""), true},
      {event(ok, ",\"eventID\":1"), false},
      {event("\"data\":\"QU\\/D\",\"sequenceNumber\":\"1\""), false},  // an escape
      {event("\"data\":\"QUJD\",\"sequenceNumber\":\"1\\u0032\""), false},
      {event("\"data\":\"QUJD\",\"sequenceNumber\":\"\xc3\xa9\""), false},  // UTF-8
      {event("\"data\":\"QUJD\",\"sequenceNumber\":\"\xff\""), false},      // not UTF-8
      {event("\"data\":\"QUJD\",\"sequenceNumber\":\"a\tb\""), false},
      {event("\"data\":\"QUJD\",\"sequenceNumber\":\"a\x7f\""), true},
      {event("\"data\":\"Q UJD\",\"sequenceNumber\":\"1\""), true},  // bad base64, plain string
      {event("\"data\":1,\"sequenceNumber\":\"1\""), false},
      {event("\"data\":null,\"sequenceNumber\":\"1\""), false},
      {event(ok, "", ",\"window\":{\"start\":\"2020-12-09T07:04:00Z\"}"), true},
      {event(ok, "", ",\"window\":{}"), true},
      {event(ok, "", ",\"window\":{\"start\":\"yesterday\"}"), false},
      {event(ok, "", ",\"window\":{\"start\":\"2020-12-09T07:04:00Z\",\"other\":1}"), false},
      {event(ok, "", ",\"window\":null"), false},
      {event(ok, "", ",\"state\":{}"), true},
      {event(ok, "", ",\"state\":{\"x\":\"\xc3\xa9\"}"), false},
      {event(ok, "", ",\"state\":[]"), false},
      {event(ok, "", ",\"state\":\"{}\""), false},
      {event(ok, "", ",\"state\":{}\n\t "), true},
      {event(ok, "", ",\"isFinalInvokeForWindow\":1"), false},
      {event(ok, "", ",\"isFinalInvokeForWindow\":tru"), false},
      {event(ok, "", ",\"isFinalInvokeForWindow\":truex"), false},
      {event(ok, "", ",\"shardId\":\"s\",\"shardId\":\"t\""), false},
      {event(ok, "", ",\"Records\":[]"), false},
      {event(ok, "", ",\"extra\":1"), false},
      {"{\"Records\":[]}", true},
      {" \t\r\n{\"Records\":[ ] } \n", true},
      {"{\"Records\":[]}x", false},
      {"{\"Records\":[]}}", false},
      {"{\"Records\":[]},", false},
      {"{\"Records\":[],}", false},
      {"{\"Records\":[,]}", false},
      {"{\"Records\":{}}", false},
      {"{\"Records\":[1]}", false},
      {"{\"Records\":[{}]}", false},
      {"{}", false},
      {"", false},
      {"[]", false},
      {"{\"Records\":[" + std::string(20, '[') + std::string(20, ']') + "]}", false},
      {event(ok, ",\"eventName\":" + std::string(40, '[') + std::string(40, ']')), false},  // deeper than 32
      {event(ok, ",\"eventName\":" + std::string(30, '[') + std::string(30, ']')), true},
      {event(ok, ",\"eventName\":[1,]"), false},
      {event(ok, ",\"eventName\":{\"a\"}"), false},
      {event(ok, ",\"eventName\":{\"a\":1,}"), false},
      {event(ok, ",\"eventName\":-"), false},
      {event(ok, ",\"eventName\":-0.0e-0"), true},
      {event(ok, ",\"eventName\":\"unterminated"), false},
  };
  Differential d;
  for (const Case& c : cases) EXPECT_EQ(d.check(c.text, c.text), c.fast) << c.text;
  EXPECT_EQ(d.mismatches, 0);
}

// Every position of each base event deleted, duplicated and replaced by each
// of the bytes below: some tens of thousands of inputs near valid ones.
TEST(KinesisEnvelope, ByteMutations) {
  const std::string interesting = std::string("\"\\{}[],: \t\n\r0159-+.eEaAzZ=/tfnux\x7f\x80\xc3\xff") +
                                  std::string(1, '\0') + "\x1f";
  auto start = std::chrono::steady_clock::now();
  Differential d;
  size_t cases = 0, taken = 0;
  for (const std::string& text : {std::string(kWindowEvent), std::string(kCompactEvent), std::string(kAlikeEvent),
                                  kTemplateEvent}) {
    for (size_t i = 0; i < text.size(); ++i) {
      std::string m = text;
      m.erase(i, 1);
      taken += d.check(m, "delete " + std::to_string(i));
      m = text;
      m.insert(i, 1, text[i]);
      taken += d.check(m, "duplicate " + std::to_string(i));
      for (char c : interesting) {
        if (c == text[i]) continue;
        m = text;
        m[i] = c;
        taken += d.check(m, "replace " + std::to_string(i) + " by " + std::to_string(static_cast<unsigned char>(c)));
        ++cases;
      }
      cases += 2;
      if (d.mismatches > 20) break;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(d.mismatches, 0);
  EXPECT_GT(cases, 100000u);
  // Replacing a base64 or id byte by another printable byte keeps the event
  // the scanner's: a good part of the mutants must still take the fast path.
  EXPECT_GT(taken, cases / 5) << taken << " of " << cases;
  std::printf("%zu mutants, %zu through the fast path, %.2f s\n", cases, taken, secs);
}

// The base events arriving in two pieces cut at every byte, and in pieces
// of one byte each: every record (and every member of the event) is cut at
// every place, and read again when more has come.
TEST(KinesisEnvelope, ArrivingInPieces) {
  Differential d;
  for (const std::string& text : {std::string(kWindowEvent), std::string(kCompactEvent), std::string(kAlikeEvent),
                                  kTemplateEvent}) {
    d.check(text, "base event");
    for (size_t cut = 0; cut <= text.size(); ++cut) d.arriving(text, "two pieces", {cut});
    std::vector<size_t> bytes;
    for (size_t cut = 0; cut < text.size(); ++cut) bytes.push_back(cut);
    d.arriving(text, "one-byte pieces", bytes);
  }
  EXPECT_EQ(d.mismatches, 0);
}

// A body that stops arriving (the connection failed): Runtime.EventIncomplete
// and no records, from the fast path, from simdjson, and for other sources.
TEST(KinesisEnvelope, ABodyThatStopsArriving) {
  for (bool fastPath : {true, false}) {
    for (int failAt : {1, 2, 3}) {
      flow::EventDecoder decoder;
      decoder.setEnvelopeFastPath(fastPath);
      flow::Batch batch;
      std::string storage;
      ChunkedArrival arrival(storage, kTemplateEvent, {100, 900, 1500}, failAt);
      flow::Status s = decoder.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json,
                                      {storage.data(), std::string_view(kTemplateEvent).size()}, batch, &arrival);
      ASSERT_TRUE(s.has_value());
      EXPECT_EQ(s->type, "Runtime.EventIncomplete");
      EXPECT_EQ(s->message, "the connection to the Runtime API failed while the event arrived");
      EXPECT_TRUE(batch.records.empty());
      EXPECT_EQ(arrival.receives, failAt);
    }
  }
  // A larger event, whose scan takes in what has arrived every 32 KiB (the
  // failure may come there too), and which streams whole when nothing fails.
  std::string big = "{\"Records\":[";
  for (int i = 0; i < 300; ++i) {
    big += (i ? "," : "") + templateRecord("u" + std::to_string(i), std::to_string(1000 + i), "eyJhIjoxfQ==",
                                           "1763892000." + std::to_string(i % 10));
  }
  big += "]}";
  std::vector<size_t> cuts;
  for (size_t at = 1000; at < big.size(); at += 1000) cuts.push_back(at);
  for (int failAt : {0, 5, 60, 100}) {
    flow::EventDecoder decoder;
    flow::Batch batch;
    std::string storage;
    ChunkedArrival arrival(storage, big, cuts, failAt);
    flow::Status s = decoder.decode(flow::SourceKind::Kinesis, flow::PayloadFormat::Json,
                                    {storage.data(), big.size()}, batch, &arrival);
    if (failAt == 0 || failAt >= 60) {
      EXPECT_GT(arrival.arrivedCalls, 0) << failAt;
    }
    if (failAt == 0) {
      EXPECT_FALSE(s.has_value()) << describe(s);
      EXPECT_TRUE(decoder.lastDecodeUsedFastPath());
      ASSERT_EQ(batch.records.size(), 300u);
      EXPECT_EQ(batch.records[299].id, "1299");
    } else {
      ASSERT_TRUE(s.has_value());
      EXPECT_EQ(s->type, "Runtime.EventIncomplete");
      EXPECT_TRUE(batch.records.empty());
    }
  }
  const std::string sqs = readFile(kShared + "/events/aws/go-sqs-event.json");
  flow::EventDecoder decoder;
  flow::Batch batch;
  std::string storage;
  ChunkedArrival arrival(storage, sqs, {10}, 1);
  flow::Status s =
      decoder.decode(flow::SourceKind::Sqs, flow::PayloadFormat::Json, {storage.data(), sqs.size()}, batch, &arrival);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->type, "Runtime.EventIncomplete");
}

// Random mixes of the mutations, a few at a time, with random seeds fixed.
TEST(KinesisEnvelope, RandomMultiMutations) {
  std::mt19937 rng(20251123);
  const std::string alphabet = std::string("\"\\{}[],: \t\n0123456789-+.eEaAtfnulrs=/\x80");
  Differential d;
  for (int n = 0; n < 20000 && d.mismatches < 20; ++n) {
    std::string m = n % 4 == 0 ? kWindowEvent : n % 4 == 1 ? kCompactEvent : n % 4 == 2 ? kAlikeEvent : kTemplateEvent;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      size_t at = rng() % m.size();
      switch (rng() % 3) {
        case 0: m.erase(at, 1 + rng() % 3); break;
        case 1: m.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: m[at] = alphabet[rng() % alphabet.size()];
      }
    }
    d.check(m, "random mutant " + std::to_string(n));
  }
  EXPECT_EQ(d.mismatches, 0);
}

// The template path (records read by the previous record's template) on
// edits of one field or separator of the second record, each a case where a
// scan by the members decides otherwise or reads other values: the same
// results as simdjson, and the valid ones still through the fast path.
TEST(KinesisEnvelope, TemplateBreaks) {
  const std::string first = templateRecord("u1", "111", "QUJD", "1763892000.25");
  auto event = [&](const std::string& second) { return "{\"Records\":[" + first + "," + second + "," + first + "]}"; };
  struct Case {
    std::string second;
    bool fast;
  };
  std::vector<Case> cases = {
      {templateRecord("u1", "111", "QUJD", "1763892000.25"), true},
      {templateRecord("u12", "1112", "QUJDRA==", "1763892000.255"), true},  // every field longer
      {templateRecord("", "", "", "1"), true},                             // shorter
      {templateRecord("u\"1", "111", "QUJD", "1"), false},                 // a quote inside a field
      {templateRecord("u1", "11\\1", "QUJD", "1"), false},                // an escape
      {templateRecord("u1", "111", "QU\"JD", "1"), false},
      {templateRecord("u1", "111", "QUJ", "1"), true},  // bad base64 (length), a decode error
      {templateRecord("u1", "111", "QU=D", "1"), true},
      {templateRecord("u1", "111", "QUJD", "1.5e3"), false},
      {templateRecord("u1", "111", "QUJD", "1E3"), false},
      {templateRecord("u1", "111", "QUJD", "01"), false},
      {templateRecord("u1", "111", "QUJD", "-1.5"), true},
      {templateRecord("u1", "111", "QUJD", "0"), true},
      {templateRecord("u1", "111", "QUJD", "0.5"), true},
      {templateRecord("u1", "111", "QUJD", "1."), false},
      {templateRecord("u1", "111", "QUJD", "1234567890123456"), false},
      {templateRecord("u1", "111", "QUJD", "123456789012.3456"), false},
      {templateRecord("u1", "111", "QUJD", "12345678901.2345"), true},
      {templateRecord("u1", "111", "QUJD", "\"1\""), false},
      {templateRecord("u1", "111", "QUJD", "1 "), true},  // whitespace after a number: read by the members
      {templateRecord("u1", "111", "QUJD", "1", " "), true},
      {templateRecord("u1", "111", "QUJD", "1", "\"eventName\":\"x\","), false},  // a member twice
      {templateRecord("u1", "111", "QUJD", "1", "\"extra\":1,"), false},
      {"{\"kinesis\":{\"data\":\"QUJD\",\"sequenceNumber\":\"1\"}}", true},  // another shape
      {"{\"kinesis\":{\"sequenceNumber\":\"1\",\"data\":\"QUJD\"},\"eventID\":\"a:b\"}", true},
      {"{\"kinesis\":{\"sequenceNumber\":\"1\"}}", false},
      {"{}", false},
  };
  // The first record's text with each field replaced by a string of every
  // length 0..40 with a ':' at every place (or none): the shard id and the
  // string reads on the template path.
  for (size_t len = 0; len <= 40; ++len) {
    for (size_t colon = 0; colon <= len; ++colon) {
      std::string id(len, 'a');
      for (size_t k = 0; k < len; ++k) id[k] = static_cast<char>('a' + k % 26);
      if (colon < len) id[colon] = ':';
      std::string r = templateRecord(id, id, "QUJD", "1");
      size_t at = r.find("shardId-000000000000:");
      r.replace(at, std::string("shardId-000000000000:").size() + id.size(), id);
      cases.push_back({r, true});
    }
  }
  Differential d;
  for (const Case& c : cases) EXPECT_EQ(d.check(event(c.second), c.second), c.fast) << c.second;
  EXPECT_EQ(d.mismatches, 0);
}

// approximateArrivalTimestamp by the word-at-a-time digit parse: every count
// of whole (1..17) and fraction (0..17) digits, random digits, and a few
// following bytes, against simdjson's reading of the same text.
TEST(KinesisEnvelope, TimestampDigits) {
  std::mt19937 rng(5);
  Differential d;
  size_t taken = 0, cases = 0;
  for (int whole = 1; whole <= 17; ++whole) {
    for (int fraction = 0; fraction <= 17; ++fraction) {
      for (int rep = 0; rep < 6; ++rep) {
        std::string ts(1, static_cast<char>('1' + rng() % 9));
        for (int k = 1; k < whole; ++k) ts += static_cast<char>('0' + rng() % 10);
        if (fraction > 0) ts += '.';
        for (int k = 0; k < fraction; ++k) ts += static_cast<char>('0' + (rep == 1 ? 9 : rep == 2 ? 0 : rng() % 10));
        std::string rec = templateRecord("k", "1", "QUJD", ts);
        if (rep == 3) rec = "{\"kinesis\":{\"data\":\"QUJD\",\"sequenceNumber\":\"1\",\"approximateArrivalTimestamp\":" +
                            ts + " }}";
        std::string text = "{\"Records\":[" + templateRecord("k", "1", "QUJD", "1") + "," + rec + "]}";
        taken += d.check(text, ts);
        ++cases;
      }
    }
  }
  EXPECT_EQ(d.mismatches, 0);
  EXPECT_GT(taken, cases / 4);
}

// The string-run scan, each implementation against a byte loop written here.
TEST(KinesisEnvelope, StringStopImplementations) {
  using flow::detail::StringScanImpl;
  std::vector<StringScanImpl> impls;
  for (StringScanImpl i : {StringScanImpl::Scalar, StringScanImpl::Sse2, StringScanImpl::Avx2, StringScanImpl::Neon}) {
    if (flow::detail::stringScanAvailable(i)) impls.push_back(i);
  }
  ASSERT_GE(impls.size(), 1u);
  EXPECT_TRUE(flow::detail::stringScanAvailable(flow::detail::stringScanUsed()));
  auto expected = [](const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return i;
    }
    return s.size();
  };
  std::mt19937 rng(7);
  std::vector<char> buf(256 + 64);
  size_t checked = 0;
  for (size_t len = 0; len <= 130; ++len) {
    for (int stopByte = -1; stopByte < 256; ++stopByte) {
      // A printable run with at most one byte of value stopByte at a random
      // place; the padding after the run holds stop bytes, which must not count.
      std::string s(len, 'x');
      for (char& c : s) c = static_cast<char>(0x20 + rng() % 95);
      for (char& c : s) if (c == '"' || c == '\\') c = 'q';
      if (stopByte >= 0 && len > 0) s[rng() % len] = static_cast<char>(stopByte);
      std::fill(buf.begin(), buf.end(), '"');
      std::copy(s.begin(), s.end(), buf.begin());
      for (StringScanImpl impl : impls) {
        const char* got = flow::detail::stringStop(buf.data(), buf.data() + len, impl);
        ASSERT_EQ(static_cast<size_t>(got - buf.data()), expected(s))
            << "impl " << static_cast<int>(impl) << " len " << len << " byte " << stopByte;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 30000u);
}

// The remembered-member compare, each implementation against std::equal.
TEST(KinesisEnvelope, SameBytesImplementations) {
  using flow::detail::StringScanImpl;
  std::mt19937 rng(11);
  std::vector<char> a(200 + 32), b(200 + 32);
  size_t checked = 0;
  for (StringScanImpl impl : {StringScanImpl::Scalar, StringScanImpl::Avx2, flow::detail::stringScanUsed()}) {
    if (!flow::detail::stringScanAvailable(impl)) continue;
    for (size_t n = 0; n <= 200; ++n) {
      for (int at = -1; at < static_cast<int>(n) + 2; ++at) {
        for (size_t k = 0; k < a.size(); ++k) a[k] = b[k] = static_cast<char>('a' + rng() % 26);
        // A difference at `at` (inside when < n; just past the end, which must not count, otherwise).
        if (at >= 0) b[static_cast<size_t>(at)] = static_cast<char>(a[static_cast<size_t>(at)] ^ 0x20);
        bool expected = std::equal(a.begin(), a.begin() + static_cast<long>(n), b.begin());
        ASSERT_EQ(flow::detail::sameBytes(a.data(), b.data(), n, impl), expected)
            << "impl " << static_cast<int>(impl) << " n " << n << " at " << at;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20000u);
}

}  // namespace
