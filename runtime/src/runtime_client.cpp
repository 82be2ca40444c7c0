// The Runtime API HTTP/1.1 client (runtime_client.h).
#include "runtime_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/uio.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "flow/http_text.h"
#include "flow/json_writer.h"
#include "flow/runtime.h"

namespace flow::detail {
namespace {

constexpr std::string_view kApi = "/2018-06-01/runtime";

std::string errnoText(int e) { return std::strerror(e); }

}  // namespace

bool parseEndpoint(std::string_view hostPort, Endpoint& endpoint, std::string& error) {
  std::string_view host, port;
  if (!hostPort.empty() && hostPort.front() == '[') {
    size_t close = hostPort.find(']');
    if (close == std::string_view::npos || close + 1 >= hostPort.size() || hostPort[close + 1] != ':') {
      error = "AWS_LAMBDA_RUNTIME_API '" + std::string(hostPort) + "' is not [ipv6]:port";
      return false;
    }
    host = hostPort.substr(1, close - 1);
    port = hostPort.substr(close + 2);
  } else {
    size_t colon = hostPort.rfind(':');
    if (colon == std::string_view::npos) {
      error = "AWS_LAMBDA_RUNTIME_API '" + std::string(hostPort) + "' has no port";
      return false;
    }
    host = hostPort.substr(0, colon);
    port = hostPort.substr(colon + 1);
  }
  unsigned portNumber = 0;
  auto r = std::from_chars(port.data(), port.data() + port.size(), portNumber);
  if (r.ec != std::errc() || r.ptr != port.data() + port.size() || portNumber == 0 || portNumber > 65535) {
    error = "AWS_LAMBDA_RUNTIME_API '" + std::string(hostPort) + "' has a bad port";
    return false;
  }
  std::string hostText = host == "localhost" ? std::string("127.0.0.1") : std::string(host);
  endpoint = Endpoint{};
  endpoint.hostPort = std::string(hostPort);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&endpoint.address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&endpoint.address);
  if (inet_pton(AF_INET, hostText.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(portNumber));
    endpoint.addressLength = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, hostText.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(portNumber));
    endpoint.addressLength = sizeof(sockaddr_in6);
    return true;
  }
  // Lambda always gives an address; resolving names would pull NSS into the
  // static binary.
  error = "AWS_LAMBDA_RUNTIME_API host '" + std::string(host) + "' is not an IP address or localhost";
  return false;
}

bool parseAnswerHead(std::string_view head, AnswerHead& parsed, std::string& error) {
  parsed = AnswerHead{};
  size_t pos = 0;
  std::string_view status;
  http::nextHeaderLine(head, pos, status);
  // HTTP/1.x SP 3DIGIT [SP reason]
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (status.size() < 12 || status.substr(0, 7) != "HTTP/1." || !digit(status[7]) || status[8] != ' ') {
    error = "Runtime API answer is not HTTP/1.x: '" + std::string(status.substr(0, 40)) + "'";
    return false;
  }
  if (!digit(status[9]) || !digit(status[10]) || !digit(status[11]) || status[9] == '0' ||
      (status.size() > 12 && status[12] != ' ')) {
    error = "Runtime API answer has a bad status line";
    return false;
  }
  parsed.status = (status[9] - '0') * 100 + (status[10] - '0') * 10 + (status[11] - '0');
  parsed.closeAfter = status[7] == '0';  // HTTP/1.0 closes unless told otherwise
  std::string_view line;
  while (http::nextHeaderLine(head, pos, line)) {
    // A bare CR or LF inside a line (RFC 9112 §2.2) would end up in a
    // header value, and from there in a path or _X_AMZN_TRACE_ID.
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
      error = "Runtime API answer has a header line with a bare CR, LF or NUL";
      return false;
    }
    http::HeaderField field;
    if (!http::splitHeaderField(line, field)) continue;
    std::string_view name = http::trimOws(field.name), value = field.value;
    if (http::equalsIgnoreCase(name, "content-length")) {
      if (!http::parseContentLength(value, parsed.length)) {
        error = "Runtime API answer has a bad Content-Length";
        return false;
      }
      parsed.haveLength = true;
    } else if (http::equalsIgnoreCase(name, "transfer-encoding")) {
      parsed.chunked = value.find("chunked") != std::string_view::npos;
    } else if (http::equalsIgnoreCase(name, "connection")) {
      if (http::equalsIgnoreCase(value, "close")) parsed.closeAfter = true;
      if (http::equalsIgnoreCase(value, "keep-alive")) parsed.closeAfter = false;
    } else if (http::equalsIgnoreCase(name, "lambda-runtime-aws-request-id")) {
      parsed.requestId = value;
    } else if (http::equalsIgnoreCase(name, "lambda-runtime-deadline-ms")) {
      parsed.deadlineMs = value;
    } else if (http::equalsIgnoreCase(name, "lambda-runtime-invoked-function-arn")) {
      parsed.functionArn = value;
    } else if (http::equalsIgnoreCase(name, "lambda-runtime-trace-id")) {
      parsed.traceId = value;
    }
  }
  return true;
}

RuntimeClient::RuntimeClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) { rbuf_.resize(kMaxHeaderBytes + 4096); }

RuntimeClient::~RuntimeClient() { disconnect(); }

void RuntimeClient::adoptConnection(int fd) {
  disconnect();
  fd_ = fd;
  ++connections_;
}

void RuntimeClient::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  rpos_ = rlen_ = 0;
  closeAfter_ = false;
}

bool RuntimeClient::connect(std::string& error) {
  disconnect();
  int fd = ::socket(endpoint_.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = "socket: " + errnoText(errno);
    return false;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&endpoint_.address), endpoint_.addressLength);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    error = "cannot connect to the Runtime API at " + endpoint_.hostPort + ": " + errnoText(errno);
    ::close(fd);
    return false;
  }
  fd_ = fd;
  ++connections_;
  return true;
}

bool RuntimeClient::sendAll(std::string_view head, std::string_view body, std::string& error) {
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()}, {const_cast<char*>(body.data()), body.size()}};
  size_t count = body.empty() ? 1 : 2;
  iovec* v = iov;
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = v;
    msg.msg_iovlen = count;
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = "send to the Runtime API: " + errnoText(errno);
      return false;
    }
    size_t left = static_cast<size_t>(n);
    while (count > 0 && left >= v->iov_len) {
      left -= v->iov_len;
      ++v;
      --count;
    }
    if (count > 0) {
      v->iov_base = static_cast<char*>(v->iov_base) + left;
      v->iov_len -= left;
    }
  }
  return true;
}

long RuntimeClient::fill(std::string& error) {
  if (rpos_ == rlen_) {
    rpos_ = rlen_ = 0;
  } else if (rlen_ == rbuf_.size()) {
    std::memmove(rbuf_.data(), rbuf_.data() + rpos_, rlen_ - rpos_);
    rlen_ -= rpos_;
    rpos_ = 0;
    if (rlen_ == rbuf_.size()) {
      error = "Runtime API answer too long";
      return -1;
    }
  }
  for (;;) {
    ssize_t n = ::recv(fd_, rbuf_.data() + rlen_, rbuf_.size() - rlen_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "receive from the Runtime API: " + errnoText(errno);
      return errno == ECONNRESET ? 0 : -1;
    }
    rlen_ += static_cast<size_t>(n);
    return n;
  }
}

bool RuntimeClient::fillMore(std::string& error, bool& retryable) {
  long r = fill(error);
  if (r > 0) return true;
  retryable = r == 0;  // EOF or reset: the server closed the connection
  if (r == 0 && error.empty()) error = "the Runtime API closed the connection";
  return false;
}

bool RuntimeClient::readExact(char* dst, size_t n, std::string& error, bool& retryable) {
  size_t have = std::min(n, rlen_ - rpos_);
  if (dst != nullptr && have > 0) std::memcpy(dst, rbuf_.data() + rpos_, have);
  rpos_ += have;
  size_t done = have;
  while (done < n) {
    if (dst != nullptr && n - done >= rbuf_.size()) {
      // Large bodies go straight to their destination.
      ssize_t r = ::recv(fd_, dst + done, n - done, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        retryable = r == 0 || errno == ECONNRESET;
        error = r == 0 ? "the Runtime API closed the connection" : "receive from the Runtime API: " + errnoText(errno);
        return false;
      }
      done += static_cast<size_t>(r);
      continue;
    }
    if (!fillMore(error, retryable)) return false;
    size_t take = std::min(n - done, rlen_ - rpos_);
    if (dst != nullptr) std::memcpy(dst + done, rbuf_.data() + rpos_, take);
    rpos_ += take;
    done += take;
  }
  return true;
}

bool RuntimeClient::readLine(std::string& line, std::string& error, bool& retryable) {
  line.clear();
  for (;;) {
    const char* start = rbuf_.data() + rpos_;
    const void* nl = std::memchr(start, '\n', rlen_ - rpos_);
    if (nl != nullptr) {
      size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
      line.append(start, len);
      rpos_ += len + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    line.append(start, rlen_ - rpos_);
    rpos_ = rlen_;
    if (line.size() > 4096) {
      error = "Runtime API sent an overlong chunk line";
      return false;
    }
    if (!fillMore(error, retryable)) return false;
  }
}

bool RuntimeClient::readHead(HttpAnswer& answer, std::string& error, bool& retryable) {
  size_t scanned = 0;
  for (;;) {
    std::string_view data(rbuf_.data() + rpos_, rlen_ - rpos_);
    size_t end = data.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
    if (end != std::string_view::npos) {
      head_.assign(data.data(), end + 2);
      rpos_ += end + 4;
      break;
    }
    scanned = data.size();
    if (data.size() >= kMaxHeaderBytes) {
      error = "Runtime API answer headers exceed " + std::to_string(kMaxHeaderBytes) + " bytes";
      return false;
    }
    if (!fillMore(error, retryable)) return false;
  }
  if (!parseAnswerHead(head_, parsed_, error)) return false;
  answer.status = parsed_.status;
  answer.requestId = parsed_.requestId;
  answer.deadlineMs = parsed_.deadlineMs;
  answer.functionArn = parsed_.functionArn;
  answer.traceId = parsed_.traceId;
  closeAfter_ = parsed_.closeAfter;
  return true;
}

bool RuntimeClient::readBody(HttpAnswer& answer, std::string& error, bool& retryable) {
  bool chunked = parsed_.chunked, haveLength = parsed_.haveLength;
  size_t length = parsed_.length;

  size_t total = 0;
  auto store = [&](size_t n) -> bool {  // reads n more body bytes, keeping or dropping them
    if (n > kMaxDrainBytes - total) {  // (total + n could wrap)
      error = "Runtime API answer body exceeds " + std::to_string(kMaxDrainBytes) + " bytes";
      return false;
    }
    char* dst = nullptr;
    if (!answer.tooLarge && total + n <= kMaxEventBytes) {
      if (body_.size() < total + n + kBodyPadding) body_.resize(total + n + kBodyPadding);
      dst = body_.data() + total;
    } else {
      answer.tooLarge = true;
    }
    if (!readExact(dst, n, error, retryable)) return false;
    total += n;
    return true;
  };

  if (chunked) {
    std::string line;
    for (;;) {
      if (!readLine(line, error, retryable)) return false;
      size_t size = 0;
      if (!http::parseChunkSize(line, size)) {
        error = "Runtime API answer has a bad chunk size";
        return false;
      }
      if (size == 0) {
        do {  // trailers, up to the empty line
          if (!readLine(line, error, retryable)) return false;
        } while (!line.empty());
        break;
      }
      if (!store(size)) return false;
      if (!readLine(line, error, retryable)) return false;
    }
  } else if (haveLength) {
    if (length > 0 && !store(length)) return false;
  } else if (answer.status >= 200 && answer.status != 204 && answer.status != 304) {
    // No length: the body runs to the end of the connection.
    closeAfter_ = true;
    for (;;) {
      if (rpos_ == rlen_) {
        long r = fill(error);
        if (r < 0) return false;
        if (r == 0) break;
      }
      if (!store(rlen_ - rpos_)) return false;
    }
    error.clear();
  }
  answer.bodyLength = total;
  if (answer.tooLarge) {
    answer.body = {};
  } else {
    if (body_.size() < total + kBodyPadding) body_.resize(total + kBodyPadding);
    std::memset(body_.data() + total, 0, kBodyPadding);
    answer.body = std::string_view(body_.data(), total);
  }
  return true;
}

void RuntimeClient::startBody(HttpAnswer& answer) {
  size_t n = parsed_.length;
  if (body_.size() < n + kBodyPadding) body_.resize(n + kBodyPadding);
  // What came with the headers; the rest is received straight into body_.
  size_t have = std::min(n, rlen_ - rpos_);
  std::memcpy(body_.data(), rbuf_.data() + rpos_, have);
  rpos_ += have;
  std::memset(body_.data() + have, 0, kBodyPadding);
  bodyLength_ = n;
  bodyReceived_ = have;
  answer.bodyLength = n;
  answer.body = std::string_view(body_.data(), n);
  if (have == n) bodyComplete();
}

void RuntimeClient::bodyComplete() {
  // The answer's views point into head_ and body_, not the socket state.
  if (closeAfter_) disconnect();
}

bool RuntimeClient::receiveBody(std::string& error, bool wait) {
  if (!bodyPending()) return true;
  for (;;) {
    ssize_t r = ::recv(fd_, body_.data() + bodyReceived_, bodyLength_ - bodyReceived_, wait ? 0 : MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && !wait && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (r <= 0) {
      error = r == 0 ? "the Runtime API closed the connection in the middle of an event"
                     : "receive from the Runtime API: " + errnoText(errno);
      disconnect();
      return false;
    }
    bodyReceived_ += static_cast<size_t>(r);
    // body_ holds bodyLength_ + kBodyPadding bytes, so this stays inside it.
    std::memset(body_.data() + bodyReceived_, 0, kBodyPadding);
    if (bodyReceived_ == bodyLength_) bodyComplete();
    return true;
  }
}

bool RuntimeClient::attempt(std::string_view head, std::string_view body, HttpAnswer& answer, std::string& error,
                            bool& retryable, bool streamBody) {
  retryable = false;
  if (fd_ < 0 && !connect(error)) {
    retryable = true;
    return false;
  }
  if (!sendAll(head, body, error)) {
    retryable = true;  // EPIPE / ECONNRESET: the server closed the idle connection
    return false;
  }
  answer = HttpAnswer{};
  bodyLength_ = bodyReceived_ = 0;
  if (!readHead(answer, error, retryable)) return false;
  if (streamBody && answer.status == 200 && parsed_.haveLength && !parsed_.chunked &&
      parsed_.length <= kMaxEventBytes) {
    startBody(answer);
    return true;
  }
  if (!readBody(answer, error, retryable)) return false;
  bodyComplete();
  return true;
}

bool RuntimeClient::request(std::string_view head, std::string_view body, HttpAnswer& answer, std::string& error,
                            bool streamBody) {
  bool retryable = false;
  std::string first;
  while (bodyPending()) {
    if (!receiveBody(first)) break;  // disconnected: the attempt below reconnects
  }
  first.clear();
  if (attempt(head, body, answer, first, retryable, streamBody)) return true;
  if (!retryable) {
    error = first;
    disconnect();
    return false;
  }
  disconnect();
  std::string second;
  if (attempt(head, body, answer, second, retryable, streamBody)) return true;
  disconnect();
  error = "lost the connection to the Runtime API at " + endpoint_.hostPort + " (" + first + "; after reconnecting: " +
          second + ")";
  return false;
}

bool RuntimeClient::next(HttpAnswer& answer, std::string& error) { return getNext(answer, error, false); }

bool RuntimeClient::nextStreamed(HttpAnswer& answer, std::string& error) { return getNext(answer, error, true); }

bool RuntimeClient::getNext(HttpAnswer& answer, std::string& error, bool streamBody) {
  out_.clear();
  out_ += "GET ";
  out_ += kApi;
  out_ += "/invocation/next HTTP/1.1\r\nHost: ";
  out_ += endpoint_.hostPort;
  out_ += "\r\nUser-Agent: flowc-runtime\r\n\r\n";
  return request(out_, {}, answer, error, streamBody);
}

bool RuntimeClient::postResponse(std::string_view requestId, std::string_view body, HttpAnswer& answer,
                                 std::string& error) {
  out_.clear();
  out_ += "POST ";
  out_ += kApi;
  out_ += "/invocation/";
  out_ += requestId;
  out_ += "/response HTTP/1.1\r\nHost: ";
  out_ += endpoint_.hostPort;
  out_ += "\r\nUser-Agent: flowc-runtime\r\nContent-Type: application/json\r\nContent-Length: ";
  out_ += std::to_string(body.size());
  out_ += "\r\n\r\n";
  return request(out_, body, answer, error);
}

void RuntimeClient::errorBody(std::string_view errorType, std::string_view message) {
  errJson_.clear();
  errJson_ += "{\"errorMessage\":";
  appendJsonString(errJson_, message);
  errJson_ += ",\"errorType\":";
  appendJsonString(errJson_, errorType);
  errJson_ += ",\"stackTrace\":[]}";
}

bool RuntimeClient::postError(std::string_view requestId, std::string_view errorType, std::string_view message,
                              HttpAnswer& answer, std::string& error) {
  return postErrorTo("/invocation/" + std::string(requestId) + "/error", errorType, message, answer, error);
}

bool RuntimeClient::postInitError(std::string_view errorType, std::string_view message, HttpAnswer& answer,
                                  std::string& error) {
  return postErrorTo("/init/error", errorType, message, answer, error);
}

bool RuntimeClient::postErrorTo(std::string_view path, std::string_view errorType, std::string_view message,
                                HttpAnswer& answer, std::string& error) {
  errorBody(errorType, message);
  out_.clear();
  out_ += "POST ";
  out_ += kApi;
  out_ += path;
  out_ += " HTTP/1.1\r\nHost: ";
  out_ += endpoint_.hostPort;
  out_ += "\r\nUser-Agent: flowc-runtime\r\nContent-Type: application/vnd.aws.lambda.error+json\r\n";
  out_ += "Lambda-Runtime-Function-Error-Type: ";
  out_ += errorType;
  out_ += "\r\nContent-Length: ";
  out_ += std::to_string(errJson_.size());
  out_ += "\r\n\r\n";
  return request(out_, errJson_, answer, error);
}

}  // namespace flow::detail
