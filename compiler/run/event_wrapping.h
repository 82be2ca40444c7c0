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
//   dynamodb  {"Records":[{eventID,eventName "INSERT",eventVersion "1.1",eventSource,
//             awsRegion,dynamodb{ApproximateCreationDateTime,Keys,NewImage,
//             SequenceNumber,SizeBytes,StreamViewType "NEW_AND_OLD_IMAGES"},
//             eventSourceARN}]}, as in sam-DynamoDBUpdate.template.json: each record
//             is an item put into the table. NewImage is the record MARSHALLED
//             (marshalDynamoDbItem): string {"S"}, number {"N":"<its JSON text,
//             unchanged>"}, true/false {"BOOL"}, null {"NULL":true}, object {"M"},
//             array {"L"}. Keys: the --key member ({"S"} or {"N"}; DynamoDB keys
//             are scalars) when the record has one, else a synthetic
//             "pk":{"S":"pk-<n>"} that is not in the NewImage. SizeBytes follows
//             DynamoDB's item-size rules (keys + image; reproduces the samples' 26).
//             ApproximateCreationDateTime is the arrival in epoch seconds with a
//             millisecond fraction, as for kinesis; real streams give whole
//             seconds (the runtime reads either). Sequence numbers are 28 digits
//             that grow within a shard; eventID is their MD5 (hex).
//             A line that is not a JSON object (malformed, an array, a scalar)
//             cannot be an item: it is sent WITHOUT NewImage (eventName still
//             "INSERT"), so it still reaches the handler, which reports "the
//             record has no NewImage" and dead-letters / retries / skips it by
//             its on-error policy (the dead letter's text is the 'dynamodb'
//             object). Giving it a NewImage such as {"_raw":{"S":line}} would
//             decode as a valid item instead.
//
// Redelivery (EventSourceMapping::complete), as Lambda does with
// ReportBatchItemFailures:
//   kinesis,  a batch with failures is retried from the lowest failed sequence
//   dynamodb  number (records before it are checkpointed); a function error
//             retries the whole batch; after maxAttempts the batch is given up.
//   sqs       failed messages go back to the queue with ApproximateReceiveCount
//             + 1 (a function error fails every message); a message received
//             maxAttempts times is given up (the redrive policy's dead-letter queue).
//   sqs-fifo  likewise, but failed messages go back to the head of the queue in
//             their order, so a message group stays in order.
//   http      no redelivery: the caller got the error.
// A response whose batchItemFailures cannot be read, or names an id not in the
// batch, fails the whole batch, as Lambda does.
//
// Shards (kinesis and dynamodb; WrapOptions::shards = K): a record goes to shard
// floor(md5(partitionKey) * K / 2^128), which is how Kinesis maps the MD5 of
// a partition key onto K evenly split hash-key ranges. DynamoDB Streams'
// shards follow the table's partitions, which hash the partition key too, so
// the same model serves (the key is the --key member's string or number
// text; shard ids look like DynamoDB's, dynamoDbShardId). Each shard keeps its
// records' order, its own checkpoint and retries, and its own window state.
// The shards' invocations are interleaved by time: the next invocation is the
// one whose first record arrived first (a final invoke counts at its window's
// end), ties to the lower shard.
//
// Tumbling windows (WrapOptions::tumblingWindowSeconds = D; Kinesis and
// DynamoDB Streams alike: nothing here is Kinesis-only but the record shape,
// and go-dynamodb-time-window-event.json has the same window members as the
// Kinesis one). What Lambda does, from the Lambda Developer Guide,
// "Implementing stateful Kinesis Data Streams processing"
// (docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html, also
// with-kinesis.md#services-kinesis-windows in awsdocs/aws-lambda-developer-guide)
// and the field comments of aws-lambda-go/.NET's time-window events:
//   - "Lambda determines tumbling window boundaries based on the time when
//     records were inserted into the stream": a record's window is
//     [floor(arrival / D) * D, + D) in epoch seconds (the AWS samples' windows,
//     07:04:00-07:06:00 for D = 120 and 17:00-17:05 for D = 300, are aligned so).
//   - a window's records come in one or more batches (at most batchSize records,
//     never two windows in one event); each event carries "window":{"start",
//     "end"} (RFC 3339, as in the samples), "state" ({} at a window's first
//     invoke, then what the previous response in this window and shard returned),
//     "shardId", "eventSourceARN", "isFinalInvokeForWindow",
//     "isWindowTerminatedEarly".
//   - "the response must contain a state property. If the response does not
//     contain a state property, Lambda considers this a failed invocation":
//     a response without an object "state" fails the invocation like a function
//     error; the whole batch is retried with the state it had. flowc's handlers
//     promise an object of strings (Map<String,String>, which the docs
//     recommend and the Go/Java/Rust event types declare), so with
//     requireStringState a state value that is not a string fails it too
//     (Lambda itself would pass any JSON object on).
//   - batchItemFailures with a state: Lambda checkpoints at the lowest failed
//     sequence number and retries from there; the docs' TimeWindowEventResponse
//     carries "state" and "batchItemFailures" together, so our reading is that
//     the returned state is kept and the retry continues from the checkpoint
//     with it: the state must cover exactly the records before the first failed
//     one. (A function error or an unreadable response keeps the state of
//     before the batch.) The docs say no more; this is a reading, not a quote.
//   - the end of a window: "the flag isFinalInvokeForWindow is set to true to
//     indicate that this is the final state and that it's ready for
//     processing": one more invoke with "Records":[] and the window's state
//     (AWS's own sample handlers return on it without reading records). "If
//     invocation is unsuccessful, your Lambda function suspends further
//     processing until a successful invocation": it is retried, here at most
//     maxAttempts times, then the window is given up (givenUpWindows). Its
//     response must carry state like any other.
//   - "Your state can be a maximum of 1 MB per shard. If it exceeds that size,
//     Lambda terminates the window early": after a response whose state is
//     over 1 MB (1,048,576 bytes of JSON), the next invoke of that shard is a
//     final one with isWindowTerminatedEarly true carrying that state, and
//     ("Subsequent invoke will continue the same window with a fresh state")
//     the window's remaining records then start again from {}.
//   - a window without records gets no invocation. The end of the input ends
//     every open window (its final invoke comes after its last batch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowc::run {

enum class SourceKind { Kinesis, Sqs, SqsFifo, Http, DynamoDb };

// "kinesis", "sqs", "sqs-fifo", "http", "dynamodb" → the kind.
std::optional<SourceKind> sourceKindFromName(std::string_view name);
const char* sourceKindName(SourceKind kind);

struct WrapOptions {
  SourceKind kind = SourceKind::Kinesis;
  size_t batchSize = 100;
  int maxAttempts = 3;  // deliveries of one record before it is given up
  std::string region = "us-east-1";
  std::string accountId = "123456789012";
  // kinesis stream / sqs queue (".fifo" is added for FIFO) / dynamodb table
  std::string streamName = "flow-input";
  // The shard's id when there is one shard; empty: the kind's shard 0
  // (kinesisShardId(0), dynamoDbShardId(0)).
  std::string shardId;
  // A top-level string member of a JSON record used as the Kinesis partition
  // key or the FIFO message group id; without it (or when missing): "pk-<n>" / "group-0".
  // DynamoDB: the table's partition key attribute, a string or number member.
  std::string keyField;
  int64_t startEpochMs = 1763892000000;  // arrival / sent time of the first record
  int64_t stepMs = 10;                   // between records
  uint64_t seed = 7;                     // ids (message ids, receipt handles)
  // Arrival times (epoch ms), one per record, non-decreasing; empty: startEpochMs + i * stepMs.
  std::vector<int64_t> arrivalMs;
  // Kinesis, DynamoDB: the stream's shards (1: every record on `shardId`; K > 1:
  // shardId-000000000000 … by partition-key hash, see above).
  int shards = 1;
  // Kinesis, DynamoDB: Lambda's TumblingWindowInSeconds (0: no windows; at most 900).
  int tumblingWindowSeconds = 0;
  bool requireStringState = true;  // a window response's state values must be strings
};

// One record as the mapping tracks it.
struct SourceRecord {
  size_t index = 0;         // position in the input
  std::string payload;      // the raw record
  std::string id;           // Kinesis / DynamoDB sequence number or SQS message id
  std::string key;          // partition key / message group id
  int64_t arrivalMs = 0;
  int receiveCount = 0;     // deliveries so far
  std::string receiptHandle;
  std::string fifoSequenceNumber;
  size_t shard = 0;         // kinesis, dynamodb
  // dynamodb: the typed NewImage (empty: the record is not a JSON object and
  // is sent without one), its Keys, and SizeBytes.
  std::string image;
  std::string keys;
  size_t sizeBytes = 0;
};

struct Batch {
  std::string event;                 // the Lambda event document
  std::vector<size_t> records;       // indexes into records() (none for a final invoke)
  int attempt = 1;                   // 1 for a first delivery (streams: of this batch's first record)
  // kinesis, dynamodb: the shard; with tumbling windows, the window and the flags.
  std::string shardId;
  size_t shard = 0;
  bool windowed = false;
  int64_t windowStartMs = 0, windowEndMs = 0;
  bool finalInvoke = false;          // isFinalInvokeForWindow
  bool terminatedEarly = false;      // isWindowTerminatedEarly
  size_t stateBytes = 0;             // the state the event carries (JSON bytes)
};

// The final invoke of a window that kept failing (Lambda would retry it forever).
struct GivenUpWindow {
  std::string shardId;
  int64_t windowStartMs = 0, windowEndMs = 0;
  int attempts = 0;
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
  const std::vector<GivenUpWindow>& givenUpWindows() const { return givenUpWindows_; }
  size_t deliveries() const { return deliveries_; }
  // After complete() on a window invocation: why a response the function gave
  // still failed it (no state, …; empty when it did not), and the size of the
  // state it returned (nothing when it returned none).
  const std::string& lastWindowError() const { return lastWindowError_; }
  std::optional<size_t> lastStateBytes() const { return lastStateBytes_; }
  // The shard a record is on (kinesis, dynamodb) and the shards' ids.
  size_t shardOf(size_t record) const { return records_.at(record).shard; }
  std::string shardId(size_t shard) const;
  bool windowed() const { return options_.tumblingWindowSeconds > 0 && isStream(); }

 private:
  std::vector<size_t> failedInBatch(const Batch& b, const std::string* responseBody,
                                    bool* wholeBatch = nullptr) const;
  // One Kinesis / DynamoDB Streams shard: its records in order, its checkpoint and its window.
  struct Shard {
    std::vector<size_t> records;  // indexes into records_
    size_t checkpoint = 0;        // position in `records` of the next record to deliver
    bool windowOpen = false;
    int64_t windowStartMs = 0;
    std::string state = "{}";     // the open window's state (JSON object)
    int batchesInWindow = 0;      // since the window (re)started with {}
    bool finalDue = false;        // the next invoke is the window's final one
    bool terminatedEarly = false;
    int finalAttempts = 0;
    int64_t lastArrivalMs = 0;    // of the last record delivered
  };

  bool isStream() const;
  std::string wrap(const std::vector<size_t>& batch, const Batch* window = nullptr,
                   const std::string* state = nullptr);
  std::string eventSourceArn() const;
  int64_t windowOf(int64_t arrivalMs) const;
  // Whether a shard has an invocation to make; its time for the interleaving.
  std::optional<int64_t> nextTime(size_t shard) const;
  // A shard whose window has no more records gets its final invoke due.
  void settle(Shard& s);
  Batch nextStream();
  std::vector<std::string> completeStream(Batch b, const std::optional<std::string>& responseBody);

  WrapOptions options_;
  std::vector<SourceRecord> records_;
  // kinesis, dynamodb: the shards; sqs, http: the queue of record indexes.
  std::vector<Shard> shards_;
  std::vector<size_t> queue_;
  std::optional<Batch> pending_;
  std::vector<GivenUp> givenUp_;
  std::vector<GivenUpWindow> givenUpWindows_;
  size_t deliveries_ = 0;
  uint64_t handleCounter_ = 0;
  std::string lastWindowError_;
  std::optional<size_t> lastStateBytes_;
};

// Wraps records into events without redelivery: ceil(n / batchSize) events
// (with windows: per shard and window, each answered {"state":{}}, and the
// final invokes).
std::vector<std::string> wrapRecords(const std::vector<std::string>& payloads, const WrapOptions& options);

// The item identifiers of a response's batchItemFailures; nothing when the
// response is not a readable partial batch response (so the whole batch failed).
std::optional<std::vector<std::string>> batchItemFailures(const std::string& responseBody);

std::string base64Encode(std::string_view bytes);
std::string md5Hex(std::string_view bytes);

// The shard of a partition key among `shards` evenly split hash-key ranges:
// floor(md5(key) * shards / 2^128), the MD5 read as a big-endian 128-bit number.
size_t kinesisShardFor(std::string_view partitionKey, size_t shards);
// "shardId-000000000003"
std::string kinesisShardId(size_t shard);
// A DynamoDB Streams shard id, shaped like "shardId-00000001414562315836-e6a8ebd1"
// (a creation time in epoch ms, then 8 hex digits): stable per shard number.
std::string dynamoDbShardId(size_t shard);

// A JSON object → a DynamoDB item, as the stream record's NewImage shows it
// (see the header comment): every value typed, strings byte-exact (unescaped,
// then written again as JSON), numbers as their JSON text. `keyField` (may be
// empty) names the partition key member: when it is a top-level string or
// number, `keys` is {"<keyField>":<its typed value>} and `key` its text.
// Nothing when `json` is not exactly one valid JSON object.
struct DynamoDbItem {
  std::string image;    // {"name":{"S":"…"},…}
  std::string keys;     // empty: no usable key member
  std::string key;      // the key's string / number text
  size_t imageBytes = 0;  // DynamoDB's item size of the image
  size_t keyBytes = 0;    // … and of the keys
};
std::optional<DynamoDbItem> marshalDynamoDbItem(std::string_view json, std::string_view keyField);
// 2020-12-09T07:04:00Z (milliseconds only when not whole seconds: .123Z).
std::string rfc3339(int64_t epochMs);
// Lambda's state limit per shard: a state over this many bytes ends the window early.
constexpr size_t kMaxWindowStateBytes = 1024 * 1024;

// Arrival times from a member of each JSON record: an RFC 3339 string
// (2020-12-09T07:04:35Z, 2020-12-09T07:04:35.250+01:00) or a number of epoch
// milliseconds. Fills `out` (one per record) or returns what is wrong (a
// record without it, an unreadable time, a time earlier than the record
// before: records arrive in the order the file lists them).
std::optional<std::string> arrivalTimesFromField(const std::vector<std::string>& payloads, const std::string& field,
                                                 std::vector<int64_t>& out);
// An RFC 3339 timestamp → epoch ms.
std::optional<int64_t> parseRfc3339(std::string_view text);

}  // namespace flowc::run
