// flow/events.h — decoding a Lambda event's ENVELOPE into per-record views.
//
// The decoder finds each record of the event and its metadata; it does not
// parse the record itself (the payload): generated code does, field by field.
//
// Contract:
// - decode(kind, format, body, batch, arriving): `body` must be followed by
//   kBodyPadding readable bytes (Invocation::body is). `arriving`
//   (Invocation::arriving): the body is still arriving; a Kinesis event's
//   records are read as they arrive, other events once they are whole. On
//   return the body is all there, unless the connection failed first: then
//   Runtime.EventIncomplete and no records. On success `batch`
//   holds one Record per record, in event order; every view in it stays valid
//   until the next decode() on the same decoder (they point into the event
//   body, the decoder's parser or its arena). Steady state allocates nothing:
//   the record vector and the arena keep their capacity.
// - Every Record::payload is followed by kPayloadPadding readable bytes, so
//   generated code can hand it to simdjson without copying.
// - A record whose payload cannot be extracted (Kinesis `data` that is not
//   valid base64, as in the sam-* templates) is still a record: its
//   decodeError says why and `received` holds the text as it came, so the
//   record is dead-lettered, retried or skipped like any other bad record.
// - An event of the wrong shape for the source kind (an SQS event given to a
//   Kinesis function, a body that is not JSON, a required envelope member
//   missing or of the wrong type) fails the whole invocation with
//   Function.InvalidEvent and a message naming what was expected and found.
//
// Per kind (field → where it comes from):
//   kinesis  payload = base64-decoded kinesis.data; id = kinesis.sequenceNumber;
//            partitionKey; shardId = eventID before ':'; arrivalMs =
//            kinesis.approximateArrivalTimestamp (epoch seconds) in ms.
//            Tumbling-window members (window, state, shardId,
//            isFinalInvokeForWindow, isWindowTerminatedEarly) when present.
//   sqs      payload = body; id = messageId; sentMs = attributes.SentTimestamp;
//            arrivalMs = attributes.ApproximateFirstReceiveTimestamp;
//            groupId = attributes.MessageGroupId (hasGroupId); FIFO when
//            eventSourceARN ends in ".fifo".
//   http     API Gateway REST (v1: httpMethod, path,
//            requestContext.identity.sourceIp, requestContext.requestTimeEpoch)
//            and HTTP API / Function URL (v2: requestContext.http.{method,
//            path,sourceIp}, requestContext.timeEpoch); the body (base64 when
//            isBase64Encoded) is, for format json, one JSON value or a JSON
//            array whose elements are the records (a body that is not valid
//            JSON is one record, which then fails to decode); for format text,
//            one record per line (\n or \r\n; no record for a final empty
//            line). No body → no records. id = the record's index ("0", …).
//   dynamodb payload = dynamodb.NewImage (OldImage for REMOVE) rewritten as
//            the plain JSON item it stands for (src/dynamodb_image.h: {"N":"1"}
//            → 1; an image that is not an item is a decodeError naming the
//            attribute); received = the whole `dynamodb` object as it came
//            (what a dead letter shows); id = dynamodb.SequenceNumber;
//            eventName; arrivalMs = dynamodb.ApproximateCreationDateTime
//            (epoch seconds).
//   kafka    payload = base64-decoded value; key (hasKey) = decoded key;
//            topic, partition, offset, kafkaTimeMs = timestamp; id =
//            "<topic>-<partition>:<offset>"; arrivalMs = when decode() ran.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "flow/runtime.h"

namespace flow {

enum class SourceKind : unsigned char { Kinesis, DynamoDb, Sqs, Kafka, Http };
enum class PayloadFormat : unsigned char { Json, Text };

constexpr size_t kPayloadPadding = kBodyPadding;

std::string_view sourceKindName(SourceKind kind);  // "kinesis", …

struct Record {
  std::string_view payload;      // the record's bytes (empty when decodeError is set, but for
                                 // a Kafka record whose key is bad: then its decoded value)
  std::string_view received;     // the text as it came in the event (base64 for kinesis/kafka)
  std::string_view id;           // sequence number, message id, index (see above)
  std::string_view decodeError;  // non-empty: the payload could not be extracted
  int64_t arrivalMs = 0;
  // kinesis
  std::string_view partitionKey;
  std::string_view shardId;
  // sqs
  int64_t sentMs = 0;
  std::string_view groupId;
  bool hasGroupId = false;
  // dynamodb
  std::string_view eventName;
  // kafka
  std::string_view topic;
  std::string_view key;
  bool hasKey = false;
  int64_t partition = 0;
  int64_t offset = 0;
  int64_t kafkaTimeMs = 0;
};

// The Kinesis metadata whose values a handler reads (EventDecoder::setKinesisMetadataRead).
struct KinesisMetadataRead {
  bool arrivalTime = true;  // Record::arrivalMs
  bool shardId = true;      // Record::shardId
};

struct TumblingWindow {
  bool present = false;          // the event carried `window`
  int64_t startMs = 0;
  int64_t endMs = 0;
  std::string_view stateJson;    // the `state` object as raw JSON ("" when absent or null)
  std::string_view shardId;
  bool isFinalInvokeForWindow = false;
  bool isWindowTerminatedEarly = false;
};

struct Batch {
  SourceKind kind = SourceKind::Kinesis;
  bool fifo = false;             // SQS FIFO queue: failures are ordered like Kinesis
  std::vector<Record> records;
  std::string_view eventSourceArn;
  // http (the same for every record of a request)
  int httpPayloadVersion = 0;    // 1: REST API; 2: HTTP API or Function URL
  std::string_view method, path, sourceIp;
  int64_t requestTimeMs = 0;
  TumblingWindow window;

  // Kinesis, DynamoDB Streams and SQS FIFO process a batch in order: once a
  // record is reported for retry, every later record is too.
  bool ordered() const {
    return kind == SourceKind::Kinesis || kind == SourceKind::DynamoDb || (kind == SourceKind::Sqs && fifo);
  }

  // A record as it came, for its dead letter: its payload (decoded from
  // base64 where the event encodes it), but `received` when the payload
  // could not be extracted, and always for DynamoDB, whose payload is a
  // rewrite of the image (received: the record's `dynamodb` object).
  std::string_view asReceived(const Record& r) const {
    bool notExtracted = !r.decodeError.empty() && r.payload.empty();
    return kind == SourceKind::DynamoDb || notExtracted ? r.received : r.payload;
  }
};

class EventDecoder {
 public:
  EventDecoder();
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  Status decode(SourceKind kind, PayloadFormat format, std::string_view body, Batch& batch,
                BodyStream* arriving = nullptr);

  // Kinesis events first go through a strict scanner of the envelope that
  // needs no JSON parser (src/kinesis_envelope.cpp); an event it does not
  // take whole is decoded by simdjson from the start, so results, errors and
  // messages are the same either way. Off: simdjson only (the differential
  // tests and the fuzzer compare the two). On by default.
  void setEnvelopeFastPath(bool enabled);
  bool lastDecodeUsedFastPath() const;  // whether the scanner decoded the last event

  // Which Kinesis metadata the handler reads (its `_arrival_time` and
  // `_shard_id` columns, windows on arrival time): the scanner checks the
  // others as always, so it takes and refuses the same events, but may leave
  // Record::arrivalMs 0 and Record::shardId empty. All by default.
  void setKinesisMetadataRead(KinesisMetadataRead read);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flow
