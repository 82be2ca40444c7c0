// The local Runtime API server: HTTP/1.1 parsing, the endpoint state machine
// and the epoll loop. See runtime_api_server.h for the contract.
#include "run/runtime_api_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "flow/http_text.h"  // shared with the handler's Runtime API client
#include "support/json_writer.h"

namespace flowc::run {

namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";

const char* reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "Unknown";
  }
}

uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string traceHeader(uint64_t seed, uint64_t n) {
  uint64_t s = seed ^ (n * 0x2545F4914F6CDD1DULL);
  uint64_t a = splitmix(s), b = splitmix(s), c = splitmix(s);
  return fmt::format("Root=1-{:08x}-{:08x}{:016x};Parent={:016x};Sampled=0;Lineage=1:{:08x}:0",
                     static_cast<uint32_t>(epochMsNow() / 1000), static_cast<uint32_t>(a >> 32), b, c,
                     static_cast<uint32_t>(a));
}

}  // namespace

std::string makeUuid(uint64_t seed, uint64_t n) {
  uint64_t s = seed ^ (n * 0x9E3779B97F4A7C15ULL);
  uint64_t hi = splitmix(s), lo = splitmix(s);
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                  // version 4
  lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);      // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", static_cast<uint32_t>(hi >> 32),
                     static_cast<uint32_t>((hi >> 16) & 0xFFFF), static_cast<uint32_t>(hi & 0xFFFF),
                     static_cast<uint32_t>(lo >> 48), lo & 0xFFFFFFFFFFFFULL);
}

int64_t epochMsNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct RuntimeApiServer::Connection {
  int fd = -1;
  std::string in;  // bytes received and not yet consumed
  // The request being read.
  bool haveHead = false;
  std::string method, target;
  std::string errorType;
  bool closeAfter = false;
  bool chunked = false;
  bool expectContinue = false;
  size_t contentLength = 0;
  size_t bodyRead = 0;      // bytes of body seen (kept or not)
  bool bodyTooLarge = false;
  size_t chunkLeft = 0;     // chunked: bytes left in the current chunk
  bool chunkTrailer = false;
  std::string body;
  // Output: head then (optionally) a large body, written with writev.
  std::string outHead;
  std::string outBody;
  size_t outOffset = 0;     // into outHead + outBody
  bool parked = false;      // a /next waiting for an event
  bool wantWrite = false;
  bool closing = false;     // close once the output is written
};

namespace {

// The SO_SNDBUF to ask for (the kernel doubles it): enough for the largest
// event when net.core.wmem_max allows it, else 0 (leave autotuning on).
int eventSendBuffer() {
  constexpr long kWanted = 4 * 1024 * 1024;  // doubled: 8 MiB, above Lambda's 6 MB payloads
  std::FILE* f = std::fopen("/proc/sys/net/core/wmem_max", "r");
  if (f == nullptr) return 0;
  long max = 0;
  if (std::fscanf(f, "%ld", &max) != 1) max = 0;
  std::fclose(f);
  return max >= kWanted ? static_cast<int>(kWanted) : 0;
}

// Loopback has no congestion to control; what matters is that nothing paces
// an event out. BBR, the default of some hosts (this project's benchmark
// machine among them), paces its sockets (the kernel's own pacing, when no fq
// qdisc does): measured in the benchmark (4.15 MB events, the no-op handler,
// medians of 32, four and five runs), handing an event over took 1.37–1.61 ms
// under BBR and 1.07–1.13 ms under cubic, which is Linux's default (and Amazon
// Linux's, where Lambda's own Runtime API runs). Set on the listening socket so
// that accepted ones start with it: a socket switched after BBR started stays
// paced. Reno, which any user may set, when cubic is not allowed; else the
// host's default.
void unpacedCongestionControl(int listenFd) {
  for (std::string_view name : {std::string_view("cubic"), std::string_view("reno")}) {
    if (::setsockopt(listenFd, IPPROTO_TCP, TCP_CONGESTION, name.data(), static_cast<socklen_t>(name.size())) == 0)
      return;
  }
}

}  // namespace

RuntimeApiServer::RuntimeApiServer() {
  idSeed_ = static_cast<uint64_t>(epochMsNow()) ^ (static_cast<uint64_t>(::getpid()) << 32);
}

RuntimeApiServer::~RuntimeApiServer() {
  for (auto& [fd, c] : connections_) ::close(fd);
  if (listenFd_ >= 0) ::close(listenFd_);
  if (epollFd_ >= 0) ::close(epollFd_);
}

std::optional<std::string> RuntimeApiServer::start() {
  epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epollFd_ < 0) return fmt::format("epoll_create1: {}", std::strerror(errno));
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) return fmt::format("socket: {}", std::strerror(errno));
  int one = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  unpacedCongestionControl(listenFd_);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fmt::format("bind 127.0.0.1: {}", std::strerror(errno));
  if (::listen(listenFd_, 64) != 0) return fmt::format("listen: {}", std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listenFd_;
  if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &ev) != 0)
    return fmt::format("epoll_ctl: {}", std::strerror(errno));
  return std::nullopt;
}

std::string RuntimeApiServer::address() const { return fmt::format("127.0.0.1:{}", port_); }

bool RuntimeApiServer::watch(int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  watched_.push_back(fd);
  return true;
}

void RuntimeApiServer::unwatch(int fd) {
  auto it = std::find(watched_.begin(), watched_.end(), fd);
  if (it == watched_.end()) return;
  watched_.erase(it);
  ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
}

void RuntimeApiServer::resetSandbox() {
  std::vector<int> fds;
  for (auto& [fd, c] : connections_) fds.push_back(fd);
  for (int fd : fds) close(fd);
  // Connections the dead runtime opened that are still in the listen
  // backlog: accepted later, one would take the next runtime's event (a
  // runtime that connects per request, like the Python peer, leaves them).
  // The runtime has been reaped, so nothing more of its can arrive.
  while (listenFd_ >= 0) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) break;
    ::close(fd);
  }
  queue_.clear();
  calls_.clear();  // what a dead runtime did last is not the next one's doing
  handedOut_.clear();
  inFlight_.clear();
  initDone_ = false;
  initFailed_ = false;
}

std::string RuntimeApiServer::enqueue(Invocation invocation) {
  if (invocation.requestId.empty()) invocation.requestId = makeUuid(idSeed_, ++idCounter_);
  std::string id = invocation.requestId;
  queue_.push_back(std::move(invocation));
  for (auto& [fd, c] : connections_) {
    if (c->parked && inFlight_.empty()) {
      deliver(*c);
      break;
    }
  }
  return id;
}

std::vector<RuntimeCall> RuntimeApiServer::takeCalls() {
  std::vector<RuntimeCall> out;
  out.swap(calls_);
  return out;
}

void RuntimeApiServer::record(RuntimeCall call) {
  call.at = Clock::now();
  if (observer_) observer_(call);
  calls_.push_back(std::move(call));
}

std::vector<int> RuntimeApiServer::wait(int timeoutMs) {
  std::vector<int> ready;
  epoll_event events[32];
  int n = ::epoll_wait(epollFd_, events, 32, timeoutMs);
  if (n < 0) return ready;  // EINTR: the caller loops
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd == listenFd_) {
      accept();
      continue;
    }
    if (std::find(watched_.begin(), watched_.end(), fd) != watched_.end()) {
      ready.push_back(fd);
      continue;
    }
    auto it = connections_.find(fd);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
    if (events[i].events & EPOLLOUT) onWritable(c);
    if (connections_.count(fd) && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) onReadable(c);
  }
  return ready;
}

void RuntimeApiServer::accept() {
  while (true) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Room for a whole event in the socket, so handing out an event is one
    // sendmsg and the kernel feeds it to the runtime as it reads, instead of
    // this process waking for EPOLLOUT a few times per event (a 6 MB event
    // is more than the 4 MB send autotuning stops at). Only where the
    // system allows that much: a fixed smaller buffer would be worse than
    // autotuning.
    if (static int sendBuffer = eventSendBuffer(); sendBuffer > 0)
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev);
    connections_[fd] = std::move(c);
  }
}

void RuntimeApiServer::close(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  connections_.erase(it);
}

void RuntimeApiServer::onReadable(Connection& c) {
  int fd = c.fd;
  char buf[65536];
  while (true) {
    ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got > 0) {
      c.in.append(buf, static_cast<size_t>(got));
      process(c);
      if (!connections_.count(fd)) return;
      // Only a client that keeps sending while its request is parked or
      // being answered gets here with a large buffer: drop it.
      if (c.in.size() > 2 * kMaxHeaderBytes) {
        close(fd);
        return;
      }
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    close(fd);  // end of stream or a reset
    return;
  }
}

// Handles every complete request in `in` (keep-alive; pipelining allowed).
void RuntimeApiServer::process(Connection& c) {
  int fd = c.fd;
  while (connections_.count(fd) && !c.parked && !c.closing && c.outHead.empty()) {
    if (!c.haveHead && !parseHead(c)) return;
    if (!connections_.count(fd) || c.closing) return;
    if (!consumeBody(c)) return;
    dispatch(c);
  }
}

// Parses the request line and headers once they are complete. Returns false
// when more bytes are needed (or the connection was answered and closed).
bool RuntimeApiServer::parseHead(Connection& c) {
  size_t end = c.in.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (c.in.size() > kMaxHeaderBytes) {
      c.closeAfter = true;
      respondError(c, 431, "RequestHeaderFieldsTooLarge", "request line and headers exceed 65536 bytes");
    }
    return false;
  }
  if (end > kMaxHeaderBytes) {
    c.closeAfter = true;
    respondError(c, 431, "RequestHeaderFieldsTooLarge", "request line and headers exceed 65536 bytes");
    return false;
  }
  std::string_view head(c.in.data(), end);
  size_t lineEnd = head.find("\r\n");
  std::string_view line = head.substr(0, lineEnd);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  c.method.clear();
  c.target.clear();
  c.errorType.clear();
  c.chunked = false;
  c.expectContinue = false;
  c.contentLength = 0;
  c.bodyRead = 0;
  c.bodyTooLarge = false;
  c.chunkLeft = 0;
  c.chunkTrailer = false;
  c.body.clear();
  bool bad = sp2 == std::string_view::npos;
  std::string_view version;
  if (!bad) {
    c.method = std::string(line.substr(0, sp1));
    c.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    version = line.substr(sp2 + 1);
    bad = version != "HTTP/1.1" && version != "HTTP/1.0";
  }
  c.closeAfter = version == "HTTP/1.0";
  bool haveLength = false;
  size_t pos = lineEnd == std::string_view::npos ? head.size() : lineEnd + 2;
  std::string_view h;
  while (!bad && flow::http::nextHeaderLine(head, pos, h)) {
    flow::http::HeaderField field;
    if (!flow::http::splitHeaderField(h, field)) {
      bad = true;
      break;
    }
    using flow::http::equalsIgnoreCase;
    std::string_view name = field.name, value = field.value;
    if (equalsIgnoreCase(name, "content-length")) {
      if (haveLength || !flow::http::parseContentLength(value, c.contentLength)) {
        bad = true;
        break;
      }
      haveLength = true;
    } else if (equalsIgnoreCase(name, "transfer-encoding")) {
      if (equalsIgnoreCase(value, "chunked")) c.chunked = true;
      else bad = true;
    } else if (equalsIgnoreCase(name, "connection")) {
      if (equalsIgnoreCase(value, "close")) c.closeAfter = true;
      if (equalsIgnoreCase(value, "keep-alive")) c.closeAfter = false;
    } else if (equalsIgnoreCase(name, "expect")) {
      c.expectContinue = equalsIgnoreCase(value, "100-continue");
    } else if (equalsIgnoreCase(name, "lambda-runtime-function-error-type")) {
      c.errorType = std::string(value.substr(0, 1024));
    }
  }
  if (c.chunked && haveLength) bad = true;  // request smuggling shape: refuse
  c.in.erase(0, end + 4);
  if (bad) {
    c.closeAfter = true;
    respondError(c, 400, "InvalidRequest", "malformed HTTP request");
    return false;
  }
  c.haveHead = true;
  if (c.expectContinue && (c.chunked || c.contentLength > 0)) {
    static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    ::send(c.fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL);
  }
  return true;
}

// Moves body bytes from `in` into `body` (or drops them past the limit).
// Returns true once the whole body has been read.
bool RuntimeApiServer::consumeBody(Connection& c) {
  auto take = [&](size_t n) {
    if (!c.bodyTooLarge && c.bodyRead + n > kMaxPayloadBytes) {
      c.bodyTooLarge = true;
      c.body.clear();
      c.body.shrink_to_fit();
    }
    if (!c.bodyTooLarge) c.body.append(c.in, 0, n);
    c.bodyRead += n;
    c.in.erase(0, n);
  };
  if (!c.chunked) {
    if (c.bodyRead == 0 && c.contentLength <= kMaxPayloadBytes) c.body.reserve(c.contentLength);
    size_t need = c.contentLength - c.bodyRead;
    take(std::min(need, c.in.size()));
    return c.bodyRead == c.contentLength;
  }
  while (true) {
    if (c.chunkTrailer) {
      // After the last chunk: optional trailers, then an empty line.
      size_t e = c.in.find("\r\n");
      if (e == std::string::npos) return false;
      c.in.erase(0, e + 2);
      if (e == 0) return true;
      continue;
    }
    if (c.chunkLeft == 0) {
      size_t e = c.in.find("\r\n");
      if (e == std::string::npos) {
        if (c.in.size() > 1024) {
          c.closeAfter = true;
          c.haveHead = false;
          respondError(c, 400, "InvalidRequest", "malformed chunked body");
        }
        return false;
      }
      size_t size = 0;
      if (!flow::http::parseChunkSize(std::string_view(c.in).substr(0, e), size)) {
        c.closeAfter = true;
        c.haveHead = false;
        respondError(c, 400, "InvalidRequest", "malformed chunked body");
        return false;
      }
      c.in.erase(0, e + 2);
      if (size == 0) {
        c.chunkTrailer = true;
        continue;
      }
      c.chunkLeft = size + 2;  // the data and its CRLF
    }
    size_t n = std::min(c.chunkLeft, c.in.size());
    if (n == 0) return false;
    size_t data = c.chunkLeft > 2 ? std::min(n, c.chunkLeft - 2) : 0;
    take(data);
    c.chunkLeft -= data;
    size_t crlf = std::min(n - data, c.chunkLeft);
    if (c.chunkLeft <= 2 && crlf > 0) {
      c.in.erase(0, crlf);
      c.chunkLeft -= crlf;
    }
    if (c.chunkLeft > 0 && c.in.empty()) return false;
  }
}

void RuntimeApiServer::dispatch(Connection& c) {
  c.haveHead = false;
  std::string_view target = c.target;
  if (target.substr(0, kPrefix.size()) != kPrefix) {
    respondError(c, 404, "InvalidRequest", fmt::format("no such endpoint: {}", c.target.substr(0, 200)));
    return;
  }
  std::string_view path = target.substr(kPrefix.size());
  if (size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);

  if (path == "invocation/next") {
    if (c.method != "GET") {
      respondError(c, 405, "InvalidRequest", "use GET for /invocation/next");
      return;
    }
    record({.kind = RuntimeCall::NextRequested});
    if (initFailed_) {
      respondError(c, 403, "InvalidStateTransition", "the runtime reported an init error and must exit");
      record({.kind = RuntimeCall::Rejected, .status = 403, .message = "/next after /init/error"});
      return;
    }
    initDone_ = true;
    if (!inFlight_.empty()) {
      respondError(c, 403, "InvalidStateTransition",
                   fmt::format("invocation {} has not been answered", inFlight_));
      record({.kind = RuntimeCall::Rejected,
              .requestId = inFlight_,
              .status = 403,
              .message = fmt::format("/next while invocation {} was unanswered", inFlight_)});
      return;
    }
    c.parked = true;
    if (!queue_.empty()) deliver(c);
    return;
  }

  if (path == "init/error") {
    if (c.method != "POST") {
      respondError(c, 405, "InvalidRequest", "use POST for /init/error");
      return;
    }
    if (initDone_ || initFailed_) {
      respondError(c, 403, "InvalidStateTransition", "init has already finished");
      record({.kind = RuntimeCall::Rejected, .status = 403, .message = "/init/error after init"});
      return;
    }
    if (c.bodyTooLarge) {
      respondError(c, 413, "RequestEntityTooLarge",
                   fmt::format("Exceeded maximum allowed payload size ({} bytes).", kMaxPayloadBytes));
      record({.kind = RuntimeCall::TooLarge, .errorType = c.errorType, .bodyBytes = c.bodyRead, .status = 413});
      initFailed_ = true;
      return;
    }
    initFailed_ = true;
    size_t bytes = c.body.size();
    record({.kind = RuntimeCall::InitError, .errorType = c.errorType, .body = std::move(c.body),
            .bodyBytes = bytes, .status = 202});
    respond(c, 202, "{\"status\":\"OK\"}");
    return;
  }

  // invocation/{id}/response | invocation/{id}/error
  constexpr std::string_view kInv = "invocation/";
  if (path.substr(0, kInv.size()) == kInv) {
    std::string_view rest = path.substr(kInv.size());
    size_t slash = rest.find('/');
    std::string_view id = slash == std::string_view::npos ? rest : rest.substr(0, slash);
    std::string_view what = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (!id.empty() && (what == "response" || what == "error")) {
      if (c.method != "POST") {
        respondError(c, 405, "InvalidRequest", fmt::format("use POST for /invocation/{{id}}/{}", what));
        return;
      }
      std::string rid(id);
      auto it = handedOut_.find(rid);
      if (it == handedOut_.end()) {
        respondError(c, 400, "InvalidRequestID", fmt::format("unknown request id '{}'", rid.substr(0, 100)));
        record({.kind = RuntimeCall::Rejected, .requestId = rid, .status = 400,
                .message = fmt::format("{} for an unknown request id", what)});
        return;
      }
      if (it->second) {
        respondError(c, 403, "InvalidStateTransition", fmt::format("invocation {} was already answered", rid));
        record({.kind = RuntimeCall::Rejected, .requestId = rid, .status = 403,
                .message = fmt::format("{} for an invocation already answered", what)});
        return;
      }
      it->second = true;
      if (inFlight_ == rid) inFlight_.clear();
      if (c.bodyTooLarge) {
        // Lambda fails the invoke with Function.ResponseSizeTooLarge.
        record({.kind = RuntimeCall::TooLarge, .requestId = rid, .errorType = c.errorType,
                .bodyBytes = c.bodyRead, .status = 413});
        respondError(c, 413, "RequestEntityTooLarge",
                     fmt::format("Exceeded maximum allowed payload size ({} bytes).", kMaxPayloadBytes));
        return;
      }
      size_t bytes = c.body.size();
      record({.kind = what == "response" ? RuntimeCall::Response : RuntimeCall::Error,
              .requestId = rid,
              .errorType = c.errorType,
              .body = std::move(c.body),
              .bodyBytes = bytes,
              .status = 202});
      respond(c, 202, "{\"status\":\"OK\"}");
      return;
    }
  }
  respondError(c, 404, "InvalidRequest", fmt::format("no such endpoint: {}", c.target.substr(0, 200)));
}

void RuntimeApiServer::deliver(Connection& c) {
  Invocation inv = std::move(queue_.front());
  queue_.pop_front();
  c.parked = false;
  int64_t deadline = inv.deadlineEpochMs ? inv.deadlineEpochMs : epochMsNow() + inv.timeoutMs;
  std::string trace = inv.traceId.empty() ? traceHeader(idSeed_, idCounter_ + handedOut_.size()) : inv.traceId;
  std::vector<std::string> headers = {
      "Content-Type: application/json",
      fmt::format("Lambda-Runtime-Aws-Request-Id: {}", inv.requestId),
      fmt::format("Lambda-Runtime-Deadline-Ms: {}", deadline),
      fmt::format("Lambda-Runtime-Invoked-Function-Arn: {}", inv.functionArn),
      fmt::format("Lambda-Runtime-Trace-Id: {}", trace),
  };
  if (!inv.clientContext.empty())
    headers.push_back(fmt::format("Lambda-Runtime-Client-Context: {}", inv.clientContext));
  if (!inv.cognitoIdentity.empty())
    headers.push_back(fmt::format("Lambda-Runtime-Cognito-Identity: {}", inv.cognitoIdentity));
  handedOut_[inv.requestId] = false;
  inFlight_ = inv.requestId;
  record({.kind = RuntimeCall::Delivered, .requestId = inv.requestId, .bodyBytes = inv.event.size(), .status = 200});
  respond(c, 200, std::move(inv.event), headers);
}

void RuntimeApiServer::respondError(Connection& c, int status, const std::string& type,
                                    const std::string& message) {
  std::string body = "{\"errorMessage\":";
  appendJsonString(body, message);
  body += ",\"errorType\":";
  appendJsonString(body, type);
  body += "}";
  respond(c, status, body);
}

void RuntimeApiServer::respond(Connection& c, int status, std::string body,
                               const std::vector<std::string>& headers) {
  c.outHead = fmt::format("HTTP/1.1 {} {}\r\n", status, reason(status));
  bool hasType = false;
  for (const std::string& h : headers) {
    c.outHead += h;
    c.outHead += "\r\n";
    if (h.rfind("Content-Type:", 0) == 0) hasType = true;
  }
  if (!hasType) c.outHead += "Content-Type: application/json\r\n";
  c.outHead += fmt::format("Content-Length: {}\r\n", body.size());
  if (c.closeAfter) c.outHead += "Connection: close\r\n";
  c.outHead += "\r\n";
  c.outBody = std::move(body);
  c.outOffset = 0;
  if (c.closeAfter) c.closing = true;
  flush(c);
}

void RuntimeApiServer::flush(Connection& c) {
  int fd = c.fd;
  while (c.outOffset < c.outHead.size() + c.outBody.size()) {
    iovec iov[2];
    int n = 0;
    if (c.outOffset < c.outHead.size()) {
      iov[n++] = {c.outHead.data() + c.outOffset, c.outHead.size() - c.outOffset};
      if (!c.outBody.empty()) iov[n++] = {c.outBody.data(), c.outBody.size()};
    } else {
      size_t off = c.outOffset - c.outHead.size();
      iov[n++] = {c.outBody.data() + off, c.outBody.size() - off};
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    ssize_t put = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (put < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!c.wantWrite) {
          c.wantWrite = true;
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
          ev.data.fd = fd;
          ::epoll_ctl(epollFd_, EPOLL_CTL_MOD, fd, &ev);
        }
        return;
      }
      close(fd);
      return;
    }
    c.outOffset += static_cast<size_t>(put);
  }
  c.outHead.clear();
  c.outBody.clear();
  c.outOffset = 0;
  if (c.wantWrite) {
    c.wantWrite = false;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    ::epoll_ctl(epollFd_, EPOLL_CTL_MOD, fd, &ev);
  }
  if (c.closing) {
    ::shutdown(fd, SHUT_WR);
    close(fd);
  }
}

void RuntimeApiServer::onWritable(Connection& c) {
  int fd = c.fd;
  flush(c);
  // Requests that arrived while the answer was being written.
  if (connections_.count(fd) && c.outHead.empty() && !c.in.empty()) process(c);
}

}  // namespace flowc::run
