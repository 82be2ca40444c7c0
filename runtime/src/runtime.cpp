// The custom-runtime loop (flow/runtime.h): next → handle → stdout →
// response or error, forever. Fatal conditions print one line on stderr
// (CloudWatch Logs shows it with the function's logs) and return non-zero.
#include "flow/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <cstdlib>
#include <string>

#include "runtime_client.h"

namespace flow {
namespace {

int fatal(const std::string& message) {
  std::string line = "flowc runtime: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
  return 1;
}

// Everything the handler printed, with one write (a short write continues).
void writeStdout(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(1, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Error types go into a header: keep them to token characters.
std::string headerSafe(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    out.push_back(ok ? c : '_');
  }
  return out.empty() ? std::string("Runtime.Unknown") : out;
}

// Request ids go into a path: a UUID in practice; refuse anything that could
// change the request's meaning.
bool pathSafe(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// Invocation::arriving for a body the client is still receiving.
class ClientBodyStream final : public BodyStream {
 public:
  explicit ClientBodyStream(detail::RuntimeClient& client) : client_(client) {}
  void start(size_t received) {
    received_ = received;
    failed_ = false;
    error_.clear();
  }
  size_t received() const override { return received_; }
  bool receiveMore() override { return receive(true); }
  bool receiveArrived() override { return receive(false); }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

 private:
  bool receive(bool wait) {
    if (failed_) return false;
    if (!client_.receiveBody(error_, wait)) {
      failed_ = true;
      return false;
    }
    received_ = client_.bodyReceived();
    return true;
  }

  detail::RuntimeClient& client_;
  size_t received_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace

int run(InitFn init, HandleFn handle, void* context, RunOptions options) {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') return fatal("AWS_LAMBDA_RUNTIME_API is not set; run this bootstrap on Lambda or under `flowc run`");
  detail::Endpoint endpoint;
  std::string error;
  if (!detail::parseEndpoint(api, endpoint, error)) return fatal(error);
  detail::RuntimeClient client(std::move(endpoint));
  detail::HttpAnswer answer;
  // stdout is a pipe on Lambda and under `flowc run`; its default 64 KiB is
  // less than one invocation's log lines (q1: ~90 KB per 5000-record event),
  // so the one write per invocation would block until the reader drained it.
  // 1 MiB is the default ceiling for unprivileged processes
  // (/proc/sys/fs/pipe-max-size); a failure (not a pipe, a lower ceiling)
  // leaves the pipe as it was.
  (void)::fcntl(1, F_SETPIPE_SZ, 1 << 20);

  if (init != nullptr) {
    Status status = init(context);
    if (status) {
      std::string type = headerSafe(status->type);
      if (!client.postInitError(type, status->message, answer, error)) {
        return fatal("init failed (" + type + ": " + status->message + ") and could not be reported: " + error);
      }
      return fatal("init failed: " + type + ": " + status->message);
    }
  }

  Reply reply;
  std::string requestId;
  ClientBodyStream stream(client);
  int lostInARow = 0;  // events whose body stopped arriving, one after another
  for (;;) {
    if (!(options.streamBody ? client.nextStreamed(answer, error) : client.next(answer, error))) return fatal(error);
    if (answer.status != 200) {
      std::string body(answer.body.substr(0, 200));
      return fatal("the Runtime API answered " + std::to_string(answer.status) + " to /invocation/next" +
                   (body.empty() ? std::string() : ": " + body) + "; exiting");
    }
    if (!pathSafe(answer.requestId)) {
      return fatal("the Runtime API sent an event without a usable Lambda-Runtime-Aws-Request-Id");
    }
    requestId.assign(answer.requestId);

    Status failure;
    if (answer.tooLarge) {
      failure = runtimeError("EventTooLarge", "the event is " + std::to_string(answer.bodyLength) +
                                                  " bytes, more than the " + std::to_string(kMaxEventBytes) +
                                                  " bytes this handler reads");
    } else {
      Invocation invocation;
      invocation.requestId = requestId;
      invocation.functionArn = answer.functionArn;
      invocation.traceId = answer.traceId;
      invocation.body = answer.body;
      stream.start(client.bodyPending() ? client.bodyReceived() : answer.body.size());
      invocation.arriving = client.bodyPending() ? &stream : nullptr;
      int64_t deadline = 0;
      std::from_chars(answer.deadlineMs.data(), answer.deadlineMs.data() + answer.deadlineMs.size(), deadline);
      invocation.deadlineMs = deadline;
      if (answer.traceId.empty()) {
        ::unsetenv("_X_AMZN_TRACE_ID");
      } else {
        ::setenv("_X_AMZN_TRACE_ID", std::string(answer.traceId).c_str(), 1);
      }
      reply.clear();
#if defined(__cpp_exceptions)
      // A throw (std::bad_alloc, a library call) fails this invocation only.
      try {
        handle(invocation, reply, context);
      } catch (const std::exception& e) {
        reply.body.clear();
        reply.error = runtimeError("UnhandledException", e.what());
      } catch (...) {
        reply.body.clear();
        reply.error = runtimeError("UnhandledException", "the handler threw a non-standard exception");
      }
#else
      handle(invocation, reply, context);
#endif
      // What the handler left unread, so the connection can carry the response.
      if (invocation.arriving != nullptr) receiveAll(stream, answer.body.size());
      if (stream.failed()) {
        // The handler saw part of an event: drop what it made of it.
        if (++lostInARow == 2) {
          return fatal("lost the connection to the Runtime API twice in a row while an event arrived (" +
                       stream.error() + ")");
        }
        fatal("lost the connection to the Runtime API while event " + requestId + " arrived (" + stream.error() +
              "); asking for the next event on a new connection");
        continue;
      }
      lostInARow = 0;
      writeStdout(reply.stdoutText);
      if (reply.error) {
        failure = std::move(reply.error);
      } else if (reply.body.size() > kMaxResponseBytes) {
        failure = functionError("ResponseSizeTooLarge", "the response is " + std::to_string(reply.body.size()) +
                                                            " bytes, more than Lambda's limit of " +
                                                            std::to_string(kMaxResponseBytes) + " bytes");
      } else {
        if (!client.postResponse(requestId, reply.body, answer, error)) return fatal(error);
        if (answer.status == 413) {
          failure = functionError("ResponseSizeTooLarge", "the Runtime API rejected the " +
                                                              std::to_string(reply.body.size()) +
                                                              "-byte response as too large (413)");
        } else if (answer.status >= 500) {
          return fatal("the Runtime API answered " + std::to_string(answer.status) + " to the response; exiting");
        } else if (answer.status >= 300) {
          fatal("the Runtime API answered " + std::to_string(answer.status) + " to the response for " + requestId);
        }
      }
    }
    if (failure) {
      std::string type = headerSafe(failure->type);
      if (!client.postError(requestId, type, failure->message, answer, error)) return fatal(error);
      if (answer.status >= 500) {
        return fatal("the Runtime API answered " + std::to_string(answer.status) + " to an error report; exiting");
      }
      if (answer.status >= 300) {
        fatal("the Runtime API answered " + std::to_string(answer.status) + " to the error report for " + requestId);
      }
    }
  }
}

}  // namespace flow
