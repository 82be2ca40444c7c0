// The AWS SAM template that `flowc build --template OUT.yaml` writes beside
// the zip: one function (provided.al2023, Handler bootstrap, the zip as
// CodeUri), its event source (a Kinesis stream, an SQS queue, an HTTP API, a
// REST API or a function URL) and a role that allows only what the function
// does: read its stream or queue, write its own log group, and the actions of
// its AWS sinks (extraStatements).
//
// In:  a SamFunction (plain settings; the lead fills it from the plan).
// Out: YAML text. Every string that is not plainly safe is double-quoted with
//      JSON escapes, so the output means the same to any YAML 1.1/1.2 reader,
//      and CloudFormation's functions are written in their long form
//      (Ref, Fn::GetAtt, Fn::Sub as keys), never as !tags.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "driver/toolchain.h"

namespace flowc {

enum class SamEventSource {
  None,         // invoked directly
  Kinesis,      // parameter StreamArn
  DynamoDb,     // DynamoDB Streams; parameter StreamArn
  Sqs,          // parameter QueueArn
  HttpApi,      // API Gateway HTTP API, payload 2.0
  RestApi,      // API Gateway REST API, payload 1.0
  FunctionUrl,  // Lambda function URL, payload 2.0
};

// One IAM statement: Allow actions on resources. A resource containing "${"
// is written as Fn::Sub, so "arn:${AWS::Partition}:kinesis:${AWS::Region}:
// ${AWS::AccountId}:stream/page-stats" works as it reads.
struct SamPolicyStatement {
  std::vector<std::string> actions;
  std::vector<std::string> resources;
};

struct SamFunction {
  std::string name;  // the default FunctionName: letters, digits, '-', '_' (at most 64)
  std::string description;
  std::string codeUri;  // the zip, relative to the template or absolute
  Arch arch = Arch::X86_64;
  int memoryMb = 256;
  int timeoutSeconds = 30;  // an SQS queue's visibility timeout must be at least this

  SamEventSource source = SamEventSource::None;
  bool sqsFifo = false;  // FIFO queues take at most 10 per batch and no batching window
  int batchSize = 100;
  int maximumBatchingWindowSeconds = 0;
  std::optional<int> tumblingWindowSeconds;  // streams (Kinesis, DynamoDB) only
  std::optional<int> maximumRetryAttempts;   // streams only; absent: Lambda's default (until expiry)
  std::string functionUrlAuth = "AWS_IAM";   // or "NONE"

  std::vector<std::pair<std::string, std::string>> environment;  // in this order
  std::vector<SamPolicyStatement> extraStatements;
};

// What Lambda and SAM would refuse, as messages (empty: fine).
std::vector<std::string> validateSamFunction(const SamFunction& function);

std::string renderSamTemplate(const SamFunction& function);

}  // namespace flowc
