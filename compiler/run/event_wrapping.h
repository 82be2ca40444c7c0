// Event wrapping: raw records (one JSON document or text line each) → the
// Lambda events an event source mapping would send, field for field as in
// the AWS samples under shared/events/aws, and the mapping's answer to a
// partial batch response (redelivery).
//
//   kinesis   {"Records":[{"kinesis":{kinesisSchemaVersion,partitionKey,sequenceNumber,
//             data(base64),approximateArrivalTimestamp},eventSource,eventVersion,eventID,
//             eventName,invokeIdentityArn,awsRegion,eventSourceARN}]}
//   sqs       {"Records":[{messageId,receiptHandle,body,attributes{ApproximateReceiveCount,
//             SentTimestamp,SenderId,ApproximateFirstReceiveTimestamp[,SequenceNumber,
//             MessageGroupId,MessageDeduplicationId]},messageAttributes,md5OfBody,eventSource,
//             eventSourceARN,awsRegion}]}
//   http      an API Gateway HTTP API (payload 2.0) POST request whose body is the
//             record (a batch of N > 1: a JSON array of the records)
//
// Redelivery (EventSourceMapping::complete), as Lambda does with
// ReportBatchItemFailures:
//   kinesis   a batch with failures is retried from the lowest failed sequence
//             number (records before it are checkpointed); a function error
//             retries the whole batch; after maxAttempts the batch is given up.
//   sqs       failed messages go back to the queue with ApproximateReceiveCount
//             + 1 (a function error fails every message); a message received
//             maxAttempts times is given up (the redrive policy's dead-letter queue).
//   sqs-fifo  likewise, but failed messages go back to the head of the queue in
//             their order, so a message group stays in order.
//   http      no redelivery: the caller got the error.
// A response whose batchItemFailures cannot be read, or names an id not in the
// batch, fails the whole batch, as Lambda does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowc::run {

enum class SourceKind { Kinesis, Sqs, SqsFifo, Http };

// "kinesis", "sqs", "sqs-fifo", "http" → the kind.
std::optional<SourceKind> sourceKindFromName(std::string_view name);
const char* sourceKindName(SourceKind kind);

struct WrapOptions {
  SourceKind kind = SourceKind::Kinesis;
  size_t batchSize = 100;
  int maxAttempts = 3;  // deliveries of one record before it is given up
  std::string region = "us-east-1";
  std::string accountId = "123456789012";
  std::string streamName = "flow-input";  // kinesis stream / sqs queue (".fifo" is added for FIFO)
  std::string shardId = "shardId-000000000000";
  // A top-level string member of a JSON record used as the Kinesis partition
  // key or the FIFO message group id; without it (or when missing): "pk-<n>" / "group-0".
  std::string keyField;
  int64_t startEpochMs = 1763892000000;  // arrival / sent time of the first record
  int64_t stepMs = 10;                   // between records
  uint64_t seed = 7;                     // ids (message ids, receipt handles)
};

// One record as the mapping tracks it.
struct SourceRecord {
  size_t index = 0;         // position in the input
  std::string payload;      // the raw record
  std::string id;           // Kinesis sequence number or SQS message id
  std::string key;          // partition key / message group id
  int64_t arrivalMs = 0;
  int receiveCount = 0;     // deliveries so far
  std::string receiptHandle;
  std::string fifoSequenceNumber;
};

struct Batch {
  std::string event;                 // the Lambda event document
  std::vector<size_t> records;       // indexes into records()
  int attempt = 1;                   // 1 for a first delivery (kinesis: of this batch's first record)
};

struct GivenUp {
  size_t record;  // index into records()
  std::string id;
  int attempts;
};

class EventSourceMapping {
 public:
  EventSourceMapping(std::vector<std::string> payloads, WrapOptions options);

  bool done() const;
  // The next event to invoke with. Call complete() before asking again.
  Batch next();
  // The function's answer to the last batch: its response body, or nothing
  // for a function error (crash, timeout, error response). Returns the ids
  // that will be redelivered.
  std::vector<std::string> complete(const std::optional<std::string>& responseBody);

  const std::vector<SourceRecord>& records() const { return records_; }
  const std::vector<GivenUp>& givenUp() const { return givenUp_; }
  size_t deliveries() const { return deliveries_; }

 private:
  std::string wrap(const std::vector<size_t>& batch);
  std::string eventSourceArn() const;

  WrapOptions options_;
  std::vector<SourceRecord> records_;
  // kinesis: the checkpoint (next record to deliver) and the attempt count of
  // the current retry; sqs: the queue of record indexes.
  size_t checkpoint_ = 0;
  int kinesisAttempt_ = 1;
  std::vector<size_t> queue_;
  std::optional<Batch> pending_;
  std::vector<GivenUp> givenUp_;
  size_t deliveries_ = 0;
  uint64_t handleCounter_ = 0;
};

// Wraps records into events without redelivery: ceil(n / batchSize) events.
std::vector<std::string> wrapRecords(const std::vector<std::string>& payloads, const WrapOptions& options);

// The item identifiers of a response's batchItemFailures; nothing when the
// response is not a readable partial batch response (so the whole batch failed).
std::optional<std::vector<std::string>> batchItemFailures(const std::string& responseBody);

std::string base64Encode(std::string_view bytes);
std::string md5Hex(std::string_view bytes);

}  // namespace flowc::run
