// flow/runtime.h — the Lambda custom-runtime loop every handler's main() runs.
//
//   int main() { return flow::run(&init, &handle, &state); }
//
// Contract (details and the wire format: docs/runtime.md):
// - run() reads AWS_LAMBDA_RUNTIME_API ("host:port"; host an IPv4/IPv6
//   literal or "localhost" — no DNS, so the static binary needs no NSS),
//   keeps one HTTP/1.1 keep-alive connection to it, and calls `init` once,
//   then `handle` once per invocation, on one thread.
// - init failing → POST /runtime/init/error ({"errorMessage","errorType",
//   "stackTrace":[]} and the Lambda-Runtime-Function-Error-Type header),
//   then run() returns 1.
// - Per invocation: `_X_AMZN_TRACE_ID` is set to the trace header (unset when
//   there is none); `handle` fills Reply; the runtime writes Reply::stdoutText
//   to stdout with one write, then POSTs Reply::body as the response, or
//   Reply::error to /error. A body over kMaxResponseBytes is not sent: an
//   error `Function.ResponseSizeTooLarge` naming the size is posted instead,
//   and a 413 answer to a response also becomes that error.
// - Errors are values: type "Function.<Kind>" for the handler's (bad event,
//   …), "Runtime.<Kind>" for the runtime's own faults. An exception escaping
//   `handle` (when built with exceptions) fails that invocation only, as
//   Runtime.UnhandledException with what() as the message; stdout text the
//   handler produced before throwing is still written.
// - Everything read is bounded: response headers 64 KiB, an event body
//   kMaxEventBytes (a larger one is drained and answered with
//   `Runtime.EventTooLarge`).
// - Fatal conditions make run() return non-zero after one line on stderr:
//   a 500 from the Runtime API (container error, the yaml says exit), a
//   connection that closes twice in a row for the same request (it reconnects
//   once and retries), a malformed answer, a missing AWS_LAMBDA_RUNTIME_API.
//   run() never returns otherwise.
// - Invocation's views (and the body) live until `handle` returns. The body
//   is followed in memory by kBodyPadding readable bytes, so simdjson may
//   parse it in place (padded_string_view(body.data(), size, size + padding)).
// - RunOptions::streamBody: `handle` is called as soon as the event's headers
//   are in, with Invocation::arriving set while the body is still arriving
//   (a Content-Length body of a 200 answer; others arrive whole first). The
//   handler decodes what is there while the rest is on its way, which
//   overlaps its work with the transfer (EventDecoder does, for Kinesis).
//   Whatever the handler leaves unread is read after it returns. A
//   connection lost mid-body abandons the invocation: its reply is dropped,
//   one line goes to stderr, and run() asks for the next event on a new
//   connection; losing it twice in a row is fatal, as for any request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flow {

constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024;           // 6,291,456: Lambda's sync limit
constexpr size_t kMaxEventBytes = kMaxResponseBytes + 256 * 1024;  // the event limit plus headroom
constexpr size_t kBodyPadding = 64;                              // == simdjson::SIMDJSON_PADDING

struct Error {
  std::string type;     // "Function.InvalidEvent", "Runtime.EventTooLarge", …
  std::string message;
};
using Status = std::optional<Error>;  // nullopt: success

inline Error functionError(std::string_view kind, std::string message) {
  return Error{"Function." + std::string(kind), std::move(message)};
}
inline Error runtimeError(std::string_view kind, std::string message) {
  return Error{"Runtime." + std::string(kind), std::move(message)};
}

// An event body still arriving (Invocation::arriving): the first received()
// bytes of Invocation::body are there, and each time they are followed by
// kBodyPadding zero bytes (so what has arrived may be scanned as a padded
// body of that length); the rest of the body's memory holds anything.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual size_t received() const = 0;
  // Waits for more of the body (at least one byte, unless it is all there).
  // false: the connection failed, and the body will never be complete.
  virtual bool receiveMore() = 0;
  // Takes in what has arrived, without waiting (true when nothing has). A
  // decoder calls it every few tens of KiB: on TCP the sender's next
  // segments go out when the receiver reads, so one that reads only when it
  // runs dry stalls the transfer while it works. false: as above.
  virtual bool receiveArrived() = 0;
};

// Receives the rest of a body of `size` bytes; false when the connection failed.
inline bool receiveAll(BodyStream& stream, size_t size) {
  while (stream.received() < size) {
    if (!stream.receiveMore()) return false;
  }
  return true;
}

struct Invocation {
  std::string_view requestId;    // Lambda-Runtime-Aws-Request-Id
  std::string_view functionArn;  // Lambda-Runtime-Invoked-Function-Arn
  std::string_view traceId;      // Lambda-Runtime-Trace-Id ("" when absent)
  std::string_view body;         // the event JSON, padded (see above); its full size even while arriving
  BodyStream* arriving = nullptr;  // set: the body is still arriving (RunOptions::streamBody)
  int64_t deadlineMs = 0;        // Lambda-Runtime-Deadline-Ms (epoch ms; 0 when absent)
};

// What a handler produces for one invocation. The runtime reuses one Reply
// (clearing it, keeping its capacity) so steady-state invocations allocate
// nothing here.
struct Reply {
  std::string body;                 // the response JSON
  std::string stdoutText;           // log lines, dead letters, EMF line: one write
  std::optional<Error> error;       // set: POST /error instead of the body
  void clear() {
    body.clear();
    stdoutText.clear();
    error.reset();
  }
};

using InitFn = Status (*)(void* context);
using HandleFn = void (*)(const Invocation& invocation, Reply& reply, void* context);

struct RunOptions {
  bool streamBody = false;  // call `handle` while the body arrives (see above)
};

// The loop. `init` may be null. Returns only on a fatal error (see above),
// with the process exit code.
int run(InitFn init, HandleFn handle, void* context = nullptr, RunOptions options = {});

}  // namespace flow
