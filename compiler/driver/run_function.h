// `flowc run`: a built function on the local Lambda. The zip is unpacked
// into a fresh task root (as Lambda does), its `bootstrap` started by
// run::LocalLambda with Lambda's environment, and fed either
//   --events   Lambda event files, one invocation each, in order; or
//   --records  raw records (one per line) wrapped into events of the
//              source's kind by run::EventSourceMapping, which redelivers
//              what the function reports in batchItemFailures (bounded by
//              --max-attempts, then the records are given up, as an event
//              source mapping with a retry limit does). A kinesis or dynamodb source may
//              be split into --shards (by partition-key hash) and, with a
//              tumbling window (the program's, lambda_window.h, or --window),
//              gets Lambda's window invocations: window/state/final invoke,
//              state carried per window and shard (run/event_wrapping.h).
// What the function printed and answered is written per invocation, then a
// summary whose record counts are the sums of the handler's metrics lines.
//
// Output (stdout): `--output text` for people; `--output json`, one JSON
// object per line, for programs (docs/cli.md has both formats):
//   {"type":"init",…} {"type":"invocation",…} … {"type":"summary",…}
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "driver/toolchain.h"
#include "syntax/ast.h"

namespace flowc::driver {

struct RunOptions {
  std::vector<std::string> eventFiles;
  std::string recordsFile;
  std::optional<size_t> batchSize;  // --records; default: Lambda's (kinesis, dynamodb 100, sqs 10, http 1)
  int maxAttempts = 3;              // deliveries of a record before it is given up
  bool fifo = false;                // an sqs source's queue is FIFO
  std::string keyField;             // partition key / message group id: this JSON member of each record
  int shards = 1;                   // kinesis, dynamodb: the stream's shards
  int tumblingWindowSeconds = 0;    // kinesis, dynamodb: Lambda's TumblingWindowInSeconds (0: none)
  std::string arrivalField;         // arrival times from this JSON member of each record
  bool json = false;                // --output json
  Arch arch = Arch::X86_64;
  std::string functionName = "flow-function";
  int timeoutMs = 30000;            // per invocation (the template's Timeout)
  int memoryMb = 256;
};

struct RunOutcome {
  std::string error;  // an I/O or local-Lambda failure (exit 3); empty when the run happened
  int invocations = 0;
  int failedInvocations = 0;
};

// Runs the function in zipPath. `sourceKind` is the program's source (what
// --records wraps records into); `out` receives the report.
RunOutcome runFunction(const std::string& zipPath, ast::SourceKind sourceKind, const RunOptions& options,
                       std::ostream& out);

}  // namespace flowc::driver
