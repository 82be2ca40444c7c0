// RuntimeApiServer: the local Lambda Runtime API (lambda-runtime-api.yaml),
// the server a `bootstrap` talks to under `flowc run` and in the benchmark.
//
// HTTP/1.1 with keep-alive on 127.0.0.1 and an ephemeral port. One thread,
// no threads of its own: the owner calls wait(), which runs one round of an
// epoll loop over the listening socket, the connections, and any descriptors
// the owner asked it to watch (the bootstrap's stdout/stderr and a pidfd), so
// the driver sees the bootstrap's output, its calls and its death in the
// order they happened, without sleeps or per-request threads.
//
// Endpoints (paths under /2018-06-01/runtime):
//   GET  /invocation/next            blocks (the connection is parked) until an
//                                    event is queued; 200 with the event and the
//                                    Lambda-Runtime-* headers
//   POST /invocation/{id}/response   202; 400 InvalidRequestID for an id never
//                                    handed out; 403 InvalidStateTransition for an
//                                    id already answered; 413 over 6291556 bytes
//   POST /invocation/{id}/error      202 / 400 / 403 / 413 likewise
//   POST /init/error                 202 before the first event; 403 afterwards
// A /next while an invocation is handed out but unanswered is answered 403
// (the runtime lost track of an invoke); anything else is 404 / 405 / 400.
// Request sizes are bounded: 64 KiB of request line and headers, 6291556
// bytes of body (Lambda's synchronous payload limit); a larger body is read
// and thrown away as it streams, never held, and answered 413.
//
// Measured floor per invocation (GET /next + POST /response of 2-byte bodies
// over one keep-alive connection, client on another thread, 2 shared cores):
// about 45 µs in a Release build, 80 µs in Debug, 100 µs under ASan+UBSan
// (tests/unit/run_server_test.cpp, RoundTripFloor, prints it).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flowc::run {

using Clock = std::chrono::steady_clock;

// Lambda's limit for a synchronous response (and our bound on any body).
inline constexpr size_t kMaxPayloadBytes = 6291556;
inline constexpr size_t kMaxHeaderBytes = 64 * 1024;

struct Invocation {
  std::string event{};          // the JSON document handed to the runtime
  std::string requestId{};      // empty: a UUID is made
  int64_t deadlineEpochMs = 0;  // 0: now + timeoutMs when handed out
  int timeoutMs = 3000;
  std::string functionArn{};      // Lambda-Runtime-Invoked-Function-Arn
  std::string traceId{};          // empty: an X-Ray header is made
  std::string clientContext{};    // sent only when not empty
  std::string cognitoIdentity{};  // sent only when not empty
};

// What the runtime did, in order.
struct RuntimeCall {
  enum Kind {
    NextRequested,  // a GET /next arrived (it may be parked)
    Delivered,      // an event was written to the runtime (requestId)
    Response,       // POST …/response accepted (body)
    Error,          // POST …/error accepted (errorType header, body)
    InitError,      // POST /init/error accepted (errorType header, body)
    TooLarge,       // a response or error over kMaxPayloadBytes for requestId (413)
    Rejected,       // anything answered 4xx otherwise (status, message)
  };
  Kind kind = NextRequested;
  std::string requestId{};
  std::string errorType{};  // the Lambda-Runtime-Function-Error-Type header
  std::string body{};
  size_t bodyBytes = 0;    // the body's size as sent (also when too large)
  int status = 0;          // what the server answered
  std::string message{};   // Rejected: why
  Clock::time_point at{};
};

class RuntimeApiServer {
 public:
  RuntimeApiServer();
  ~RuntimeApiServer();
  RuntimeApiServer(const RuntimeApiServer&) = delete;
  RuntimeApiServer& operator=(const RuntimeApiServer&) = delete;

  // Binds 127.0.0.1 on an ephemeral port. Returns an error message on failure.
  std::optional<std::string> start();
  // "127.0.0.1:PORT", the value of AWS_LAMBDA_RUNTIME_API.
  std::string address() const;
  uint16_t port() const { return port_; }

  // Queues an event; a parked /next gets it at once. Returns its request id.
  std::string enqueue(Invocation invocation);

  // One round of the loop: waits at most timeoutMs (-1: no limit) for
  // activity, handles it, and returns. Calls are appended to calls();
  // watched descriptors that became readable (or hung up) are returned.
  std::vector<int> wait(int timeoutMs);
  // Calls recorded since the last take.
  std::vector<RuntimeCall> takeCalls();

  // Adds or removes a descriptor wait() reports on (level-triggered).
  bool watch(int fd);
  void unwatch(int fd);

  // Forgets queued and handed-out invocations and the init state and drops
  // every connection: a new sandbox (after the runtime died or was killed).
  void resetSandbox();

  size_t queued() const { return queue_.size(); }

  // Called as each call is recorded, before the runtime gets its answer: the
  // driver reads the runtime's output there, so everything printed before a
  // call is attributed to the right side of it.
  void setObserver(std::function<void(const RuntimeCall&)> observer) { observer_ = std::move(observer); }

 private:
  struct Connection;
  void accept();
  void onReadable(Connection& c);
  void onWritable(Connection& c);
  void process(Connection& c);
  bool parseHead(Connection& c);
  bool consumeBody(Connection& c);
  void dispatch(Connection& c);
  void deliver(Connection& c);
  void respond(Connection& c, int status, std::string body, const std::vector<std::string>& headers = {});
  void respondError(Connection& c, int status, const std::string& type, const std::string& message);
  void flush(Connection& c);
  void close(int fd);
  void record(RuntimeCall call);

  int listenFd_ = -1;
  int epollFd_ = -1;
  uint16_t port_ = 0;
  std::map<int, std::unique_ptr<Connection>> connections_;
  std::vector<int> watched_;
  std::deque<Invocation> queue_;
  // request id → answered? (ids handed out in this sandbox)
  std::map<std::string, bool> handedOut_;
  std::string inFlight_;  // handed out, not yet answered
  bool initDone_ = false;
  bool initFailed_ = false;
  std::vector<RuntimeCall> calls_;
  std::function<void(const RuntimeCall&)> observer_;
  uint64_t idCounter_ = 0;
  uint64_t idSeed_ = 0;
};

// A UUID-shaped (version 4 layout) id from a 64-bit counter and seed; the
// same inputs give the same id.
std::string makeUuid(uint64_t seed, uint64_t n);
int64_t epochMsNow();

}  // namespace flowc::run
