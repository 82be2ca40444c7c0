// Internal: the HTTP/1.1 client for Lambda's Runtime API (the endpoints of
// lambda-runtime-api.yaml), used by run() in runtime.cpp and by the unit
// tests. Not part of what generated code includes.
//
// One keep-alive TCP connection (TCP_NODELAY: requests are small and
// latency-bound). A request whose connection turns out to be closed (EOF or
// reset before a whole answer) is retried once on a new connection; a second
// failure is reported to the caller, which exits. Every answer is bounded:
// the status line and headers to kMaxHeaderBytes, a body to kMaxEventBytes
// (a longer one is read and discarded and flagged `tooLarge`, so the
// connection stays usable), and the discard itself to kMaxDrainBytes.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flow/huge_pages.h"

namespace flow::detail {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxDrainBytes = 64 * 1024 * 1024;

struct Endpoint {
  sockaddr_storage address{};
  socklen_t addressLength = 0;
  std::string hostPort;  // for the Host header and messages
};

// "127.0.0.1:9001", "[::1]:9001", "localhost:9001". No DNS.
bool parseEndpoint(std::string_view hostPort, Endpoint& endpoint, std::string& error);

struct HttpAnswer {
  int status = 0;
  std::string_view body;          // padded with kBodyPadding zero bytes (a streamed body: after what has
                                  // arrived, see nextStreamed); valid until the next request
  bool tooLarge = false;          // the body exceeded kMaxEventBytes and was discarded
  size_t bodyLength = 0;          // the announced / received length (also when tooLarge)
  // Runtime API headers (views into the client's header buffer).
  std::string_view requestId, deadlineMs, functionArn, traceId;
};

// An answer's status line and header fields, parsed without any I/O (so the
// framing decisions can be unit-tested and fuzzed without a socket).
struct AnswerHead {
  int status = 0;           // 100–999
  bool closeAfter = false;  // HTTP/1.0 without keep-alive, or Connection: close
  bool chunked = false;     // Transfer-Encoding names chunked
  bool haveLength = false;
  size_t length = 0;        // Content-Length (below 10^18)
  std::string_view requestId, deadlineMs, functionArn, traceId;  // views into `head`
};

// `head`: the status line and the header lines, each ending in CRLF, without
// the blank line that ends the head. False with `error` set when the status
// line is not HTTP/1.x, a header line holds a bare CR, LF or NUL, or a
// Content-Length is malformed; header lines without a ':' are ignored.
bool parseAnswerHead(std::string_view head, AnswerHead& parsed, std::string& error);

class RuntimeClient {
 public:
  explicit RuntimeClient(Endpoint endpoint);
  ~RuntimeClient();
  RuntimeClient(const RuntimeClient&) = delete;
  RuntimeClient& operator=(const RuntimeClient&) = delete;

  // Each returns false with `error` set when the transport failed twice or
  // the server's answer was not HTTP; the answer's status is the caller's to judge.
  bool next(HttpAnswer& answer, std::string& error);
  // next() that returns as soon as the headers are in when the answer is a
  // 200 with a Content-Length body of at most kMaxEventBytes: answer.body is
  // then the body's full extent, of which bodyReceived() bytes are there,
  // followed by kBodyPadding zero bytes, and receiveBody() brings more. Any
  // other answer is read whole, as next() reads it. A request made while a
  // body is pending first reads the rest of it.
  bool nextStreamed(HttpAnswer& answer, std::string& error);
  bool bodyPending() const { return fd_ >= 0 && bodyReceived_ < bodyLength_; }
  size_t bodyReceived() const { return bodyReceived_; }  // of the last streamed body
  // One receive into the pending body (true at once when none is pending;
  // without `wait`, true at once when nothing has arrived). false with
  // `error`: the connection failed and is closed; the body will not be
  // completed.
  bool receiveBody(std::string& error, bool wait = true);
  bool postResponse(std::string_view requestId, std::string_view body, HttpAnswer& answer, std::string& error);
  bool postError(std::string_view requestId, std::string_view errorType, std::string_view message,
                 HttpAnswer& answer, std::string& error);
  bool postInitError(std::string_view errorType, std::string_view message, HttpAnswer& answer, std::string& error);

  int connectionsOpened() const { return connections_; }

  // Makes an already connected stream socket the connection (the client
  // owns it from now on): the fuzzer and tests feed answers through one end
  // of a socketpair. A later reconnect still goes to the endpoint.
  void adoptConnection(int fd);

 private:
  bool request(std::string_view head, std::string_view body, HttpAnswer& answer, std::string& error,
               bool streamBody = false);
  bool attempt(std::string_view head, std::string_view body, HttpAnswer& answer, std::string& error, bool& retryable,
               bool streamBody);
  bool getNext(HttpAnswer& answer, std::string& error, bool streamBody);
  void startBody(HttpAnswer& answer);  // the body of the answer just read, streamed
  void bodyComplete();                 // closes the connection when the answer said so
  bool connect(std::string& error);
  void disconnect();
  bool sendAll(std::string_view head, std::string_view body, std::string& error);
  // Fills the read buffer; returns bytes read, 0 on EOF, -1 on error.
  long fill(std::string& error);
  // fill() that must bring bytes: false with `error` (and `retryable` for EOF) otherwise.
  bool fillMore(std::string& error, bool& retryable);
  bool readHead(HttpAnswer& answer, std::string& error, bool& retryable);  // into head_ and parsed_
  bool readBody(HttpAnswer& answer, std::string& error, bool& retryable);
  bool readExact(char* dst, size_t n, std::string& error, bool& retryable);
  bool readLine(std::string& line, std::string& error, bool& retryable);
  void errorBody(std::string_view errorType, std::string_view message);
  // POST an error document to kApi + path (`/invocation/<id>/error`, `/init/error`).
  bool postErrorTo(std::string_view path, std::string_view errorType, std::string_view message,
                   HttpAnswer& answer, std::string& error);

  Endpoint endpoint_;
  int fd_ = -1;
  int connections_ = 0;
  bool closeAfter_ = false;
  std::vector<char> rbuf_;
  size_t rpos_ = 0, rlen_ = 0;
  std::string head_;       // the answer's status line and headers
  AnswerHead parsed_;      // head_, parsed (views into head_)
  std::vector<char, LargeAllocator<char>> body_;  // the answer's body + padding
  size_t bodyLength_ = 0, bodyReceived_ = 0;  // a streamed body: its size and what has arrived
  std::string out_;        // request head being built
  std::string errJson_;    // error request body being built
};

}  // namespace flow::detail
