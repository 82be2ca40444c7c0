// flow/output.h — one invocation's output: sink rows, dead letters, the
// record accounting, the response body and the metrics (EMF) line.
//
// Generated code owns one Output for the function's lifetime and, per
// invocation:
//   out.begin(batch, reply);
//   for each record i (until out.stopped()):
//     exactly one of out.processed(i) | out.deadLetter(i, reason) |
//                    out.retry(i) | out.skip(i);
//     rows: std::string& s = out.beginLogRow(k); appendJsonKey(s, "col"); …;
//           out.endLogRow(k);          (and beginResponseRow/endResponseRow)
//   out.finish();
//
// Contract (exact formats in docs/runtime.md):
// - Log rows and dead letters go to reply.stdoutText, one JSON object per
//   line; beginLogRow has already written `{"stream":"<name>"`, so members
//   follow with a leading comma. Response rows are collected per sink;
//   beginResponseRow has written `{`, so the first member has no comma.
// - retry(i) on an ordered batch (Kinesis, DynamoDB, SQS FIFO) stops the
//   batch: out.stopped() turns true and finish() reports record i and every
//   later record in batchItemFailures (RecordsRetried counts them all).
// - finish() writes reply.body: for http
//   {"statusCode":200,"headers":{"content-type":"application/json"},"body":"<{stream:[rows]} as a string>"}
//   (dead-lettered records are also listed in the body's "_errors"; 400 when
//   none of the request's records was accepted);
//   otherwise {"<stream>":[rows],…,"batchItemFailures":[{"itemIdentifier":id},…]}
//   (plus "state" when setState() was called). Then the EMF line on stdout.
// - Accounting invariant, checked by finish(): RecordsIn = processed +
//   dead-lettered + retried + skipped, each record counted once. A record
//   left without an outcome is a bug in the generated code: finish() then sets
//   reply.error (Runtime.UnaccountedRecord) so Lambda retries the batch rather
//   than lose the record.
// No per-record allocation: buffers are reused across invocations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flow/events.h"
#include "flow/runtime.h"

namespace flow {

enum class SinkKind : unsigned char { Log, Response };

struct SinkSpec {
  std::string_view stream;  // the stream's name as written in the .flow file
  SinkKind kind;
};

struct OutputCounts {
  int64_t recordsIn = 0;
  int64_t processed = 0;      // produced rows or were filtered out
  int64_t deadLettered = 0;
  int64_t retried = 0;
  int64_t skipped = 0;
  std::vector<int64_t> recordsOut;  // rows per sink, in SinkSpec order
};

class Output {
 public:
  // `functionName` is the EMF dimension (the runtime passes
  // AWS_LAMBDA_FUNCTION_NAME; see functionNameFromEnvironment()).
  Output(std::string_view sourceName, std::span<const SinkSpec> sinks, std::string_view functionName);

  void begin(const Batch& batch, Reply& reply);

  void processed(size_t i);
  void deadLetter(size_t i, std::string_view reason);
  void retry(size_t i);
  void skip(size_t i);
  bool stopped() const { return stopped_; }

  std::string& beginLogRow(size_t sink);
  void endLogRow(size_t sink);
  std::string& beginResponseRow(size_t sink);
  void endResponseRow(size_t sink);

  // Raw JSON for the response's "state" member (tumbling windows).
  void setState(std::string_view stateJson) { state_ = stateJson; }

  void finish();

  const OutputCounts& counts() const { return counts_; }
  const std::string& metricName(size_t sink) const { return sinks_[sink].metricName; }

 private:
  enum class Outcome : unsigned char { None, Processed, DeadLettered, Retried, Skipped };
  struct Sink {
    std::string stream;
    SinkKind kind;
    std::string logPrefix;    // {"stream":"<name>"
    std::string metricName;   // RecordsOut_<name>
    std::string rows;         // response rows, comma-separated
  };
  void setOutcome(size_t i, Outcome o);
  void writeEmf(int64_t durationUs);

  std::string source_;
  std::string function_;
  std::vector<Sink> sinks_;
  std::string emfPrefix_;     // {"_aws":{"Timestamp":  … built once
  std::string emfMetrics_;    // the CloudWatchMetrics directive, built once
  const Batch* batch_ = nullptr;
  Reply* reply_ = nullptr;
  std::vector<Outcome> outcomes_;
  OutputCounts counts_;
  std::string_view state_;
  std::string scratch_;
  std::string httpErrors_;  // http: {"record":i,"reason":…} per dead letter, comma-separated
  bool stopped_ = false;
  int64_t startMs_ = 0;
  int64_t startNs_ = 0;
};

// AWS_LAMBDA_FUNCTION_NAME, or "local" when it is not set.
std::string_view functionNameFromEnvironment();

}  // namespace flow
