// LocalLambda: one Lambda execution environment on this machine. It starts a
// real `bootstrap` (argv only, Lambda's environment, cwd = the task root),
// serves it events through a RuntimeApiServer, and reports per invocation
// what the function answered and what it printed.
//
// Lifecycle as on Lambda: the runtime is started by the first invoke (a cold
// start: init duration = process start to its first GET /next); a runtime
// that crashed, timed out or failed init is started again by the next invoke.
// Failures are values, named as Lambda names them to the caller:
//   Runtime.ExitError                 the runtime exited (during init or an invoke)
//   Sandbox.Timedout                  an invoke (or init) ran past its limit; the runtime is killed
//   Function.ResponseSizeTooLarge     a response over 6291556 bytes (the runtime got 413)
//   <the runtime's own type>          POST /init/error or /invocation/{id}/error
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "run/runtime_api_server.h"
#include "support/process.h"

namespace flowc::run {

struct LambdaConfig {
  std::string bootstrap;  // the executable (the zip's `bootstrap`)
  // Run the bootstrap through this argv prefix, e.g. {"qemu-aarch64"} for an
  // arm64 bootstrap on an x86_64 machine without binfmt_misc.
  std::vector<std::string> launcher;
  std::string taskRoot;   // LAMBDA_TASK_ROOT and the cwd; empty: the bootstrap's directory
  std::string functionName = "flow-function";
  std::string functionVersion = "$LATEST";
  int memoryMb = 128;
  std::string region = "us-east-1";
  std::string accountId = "123456789012";
  std::string handler = "bootstrap";  // _HANDLER
  int timeoutMs = 3000;               // per invocation (Lambda's default 3 s)
  int initTimeoutMs = 10000;          // Lambda's init phase limit
  std::vector<std::string> environment;  // the function's variables, "NAME=value"
  size_t maxOutputBytes = 64 * 1024 * 1024;  // stdout+stderr kept per invocation
  // Lambda freezes the execution environment between invocations: what a
  // runtime still does after its answer (a managed runtime's GC threads)
  // waits for its next invocation. When set, the runtime's process is
  // stopped (SIGSTOP) once its answer is in and continued (SIGCONT) before
  // the next event; its own children, if it has any, are not. The
  // benchmark sets it, so that no contestant's leftover work runs during
  // another's invocation; `flowc run` does not, so a runtime that exits
  // after answering is seen at once.
  bool freezeBetweenInvocations = false;
};

struct InvokeResult {
  std::string requestId;
  bool ok = false;            // a response was posted and accepted
  std::string response;       // the response body (when ok)
  std::string errorType;      // when !ok: see the header comment
  std::string errorMessage;   // when !ok
  std::string errorBody;      // the body the runtime posted to …/error or /init/error
  bool initFailed = false;    // the failure happened before the event was handed out
  std::vector<std::string> initLogLines;  // stdout lines printed by a cold start before its first /next
  std::vector<std::string> logLines;  // stdout lines printed during this invocation
  std::string stderrText;     // stderr printed during this invocation
  std::vector<std::string> protocolErrors;  // calls the server refused (4xx), in order
  double durationMs = 0;      // event handed out → answer received
  std::optional<double> initDurationMs;  // when this invoke started the runtime
  std::string exitDescription;           // when the runtime died: how
};

class LocalLambda {
 public:
  explicit LocalLambda(LambdaConfig config);
  ~LocalLambda();
  LocalLambda(const LocalLambda&) = delete;
  LocalLambda& operator=(const LocalLambda&) = delete;

  // Starts the Runtime API server (once). Returns an error message on failure.
  std::optional<std::string> open();
  // Runs one invocation (starting the runtime when it is not running).
  InvokeResult invoke(const std::string& eventJson);
  // Stops the runtime (Lambda's shutdown: SIGKILL); returns what it printed
  // after the last invocation.
  std::vector<std::string> shutdown();
  // Continues a runtime frozen after its last invocation (see
  // LambdaConfig::freezeBetweenInvocations); invoke() does it first.
  void thaw();

  bool running() const { return child_ != nullptr; }
  pid_t pid() const;
  // The environment the runtime gets (for the docs and the tests).
  std::vector<std::string> environment() const;
  const LambdaConfig& config() const { return config_; }
  RuntimeApiServer& server() { return server_; }
  int coldStarts() const { return coldStarts_; }

 private:
  std::optional<std::string> startRuntime();
  void stopRuntime();
  void freeze();  // SIGSTOP, and wait until every thread has stopped
  // Reads what the runtime printed so far (non-blocking).
  void drain(bool toEof);
  void takeOutput(InvokeResult& r);
  std::string functionArn() const;

  LambdaConfig config_;
  RuntimeApiServer server_;
  bool serverStarted_ = false;
  std::unique_ptr<ChildProcess> child_;
  int pidFd_ = -1;
  int outFd_ = -1, errFd_ = -1;
  std::string out_, err_;  // printed and not yet attributed
  bool outputCut_ = false;
  std::optional<size_t> initOutputEnd_;  // bytes of out_ printed before the first /next
  Clock::time_point spawnedAt_{};
  bool initDone_ = false;
  bool frozen_ = false;
  int coldStarts_ = 0;
  std::string logStream_;
};

// Splits printed text into lines (a last line without '\n' counts).
std::vector<std::string> splitLines(const std::string& text);

}  // namespace flowc::run
