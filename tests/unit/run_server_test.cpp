// RuntimeApiServer over real sockets: a blocking HTTP/1.1 client thread
// against the server's loop in the test thread. Status codes and headers are
// the yaml's (shared/design/lambda-runtime-api.yaml).
#include "run/runtime_api_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <thread>

namespace flowc::run {
namespace {

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  void sendRaw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  Reply request(const std::string& method, const std::string& path, const std::string& body = {},
                const std::string& extraHeaders = {}) {
    std::string req = method + " /2018-06-01/runtime" + path + " HTTP/1.1\r\nHost: x\r\n" + extraHeaders;
    if (method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    sendRaw(req);
    return read();
  }
  Reply read() {
    Reply r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return r;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    std::sscanf(head.c_str(), "HTTP/1.1 %d", &r.status);
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
      size_t e = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, e == std::string::npos ? std::string::npos : e - pos - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(colon + 2);
      pos = e;
    }
    size_t length = std::stoul(r.headers["content-length"]);
    while (buf_.size() < length)
      if (!fill()) return r;
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }
  // True when the server sent nothing within ms.
  bool silentFor(int ms) {
    timeval tv{0, ms * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK);
    timeval none{0, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    return n < 0;
  }

 private:
  bool fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

// Runs `client` on a thread while the server loop runs here.
void withClient(RuntimeApiServer& server, const std::function<void()>& client,
                const std::function<void()>& onIdle = {}) {
  std::atomic<bool> finished{false};
  std::thread t([&] {
    client();
    finished = true;
  });
  while (!finished) {
    server.wait(5);
    if (onIdle) onIdle();
  }
  t.join();
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(server.start().has_value()); }
  RuntimeApiServer server;
};

TEST_F(ServerTest, ListensOnLoopbackWithAnEphemeralPort) {
  EXPECT_GT(server.port(), 0);
  EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(ServerTest, NextBlocksUntilAnEventIsQueuedThenCarriesLambdaHeaders) {
  Reply next;
  bool silentBeforeEnqueue = false;
  std::atomic<bool> asked{false};
  std::string id;
  bool queued = false;
  withClient(
      server,
      [&] {
        Client c(server.port());
        c.sendRaw("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n");
        silentBeforeEnqueue = c.silentFor(100);
        asked = true;
        next = c.read();
      },
      [&] {
        if (asked && !queued) {
          Invocation inv;
          inv.event = "{\"hello\":\"world\"}";
          inv.functionArn = "arn:aws:lambda:us-east-1:123456789012:function:f";
          inv.timeoutMs = 5000;
          id = server.enqueue(inv);
          queued = true;
        }
      });
  EXPECT_TRUE(silentBeforeEnqueue);
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "{\"hello\":\"world\"}");
  EXPECT_EQ(next.headers["lambda-runtime-aws-request-id"], id);
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  int64_t deadline = std::stoll(next.headers["lambda-runtime-deadline-ms"]);
  EXPECT_GT(deadline, epochMsNow() + 4000);
  EXPECT_LE(deadline, epochMsNow() + 5000);
  EXPECT_EQ(next.headers["lambda-runtime-invoked-function-arn"], "arn:aws:lambda:us-east-1:123456789012:function:f");
  EXPECT_EQ(next.headers["lambda-runtime-trace-id"].substr(0, 7), "Root=1-");
  EXPECT_EQ(next.headers["content-type"], "application/json");
  EXPECT_EQ(next.headers.count("lambda-runtime-client-context"), 0u);
  std::vector<RuntimeCall> calls = server.takeCalls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].kind, RuntimeCall::NextRequested);
  EXPECT_EQ(calls[1].kind, RuntimeCall::Delivered);
  EXPECT_EQ(calls[1].requestId, id);
}

TEST_F(ServerTest, KeepAliveStatusCodesAndStateRules) {
  std::string a = server.enqueue({.event = "1", .requestId = "req-a"});
  std::string b = server.enqueue({.event = "2", .requestId = "req-b"});
  std::map<std::string, Reply> r;
  withClient(server, [&] {
    Client c(server.port());  // one connection for everything: keep-alive
    r["init-ok"] = c.request("POST", "/init/error", "{}", "Lambda-Runtime-Function-Error-Type: Runtime.X\r\n");
    // After /init/error the runtime must exit: /next is refused.
    r["next-after-init-error"] = c.request("GET", "/invocation/next");
  });
  EXPECT_EQ(r["init-ok"].status, 202);
  EXPECT_EQ(r["init-ok"].body, "{\"status\":\"OK\"}");
  EXPECT_EQ(r["next-after-init-error"].status, 403);
  server.resetSandbox();
  server.enqueue({.event = "1", .requestId = "req-a"});
  server.enqueue({.event = "2", .requestId = "req-b"});
  r.clear();
  withClient(server, [&] {
    Client c(server.port());
    r["next1"] = c.request("GET", "/invocation/next");
    r["next-unanswered"] = c.request("GET", "/invocation/next");
    r["init-late"] = c.request("POST", "/init/error", "{}");
    r["unknown-id"] = c.request("POST", "/invocation/nope/response", "{}");
    r["not-handed-out"] = c.request("POST", "/invocation/req-b/response", "{}");
    r["response"] = c.request("POST", "/invocation/req-a/response", "{\"ok\":true}");
    r["twice"] = c.request("POST", "/invocation/req-a/error", "{}");
    r["next2"] = c.request("GET", "/invocation/next");
    r["error"] = c.request("POST", "/invocation/req-b/error", "{\"errorMessage\":\"m\",\"errorType\":\"T\"}",
                           "Lambda-Runtime-Function-Error-Type: Function.T\r\n");
    r["get-response"] = c.request("GET", "/invocation/req-b/response");
    r["post-next"] = c.request("POST", "/invocation/next", "");
    r["other"] = c.request("GET", "/2019-01-01/other");
  });
  EXPECT_EQ(r["next1"].status, 200);
  EXPECT_EQ(r["next1"].body, "1");
  EXPECT_EQ(r["next-unanswered"].status, 403);
  EXPECT_NE(r["next-unanswered"].body.find("InvalidStateTransition"), std::string::npos);
  EXPECT_EQ(r["init-late"].status, 403);
  EXPECT_EQ(r["unknown-id"].status, 400);
  EXPECT_NE(r["unknown-id"].body.find("InvalidRequestID"), std::string::npos);
  EXPECT_EQ(r["not-handed-out"].status, 400);
  EXPECT_EQ(r["response"].status, 202);
  EXPECT_EQ(r["twice"].status, 403);
  EXPECT_EQ(r["next2"].status, 200);
  EXPECT_EQ(r["next2"].body, "2");
  EXPECT_EQ(r["error"].status, 202);
  EXPECT_EQ(r["get-response"].status, 405);
  EXPECT_EQ(r["post-next"].status, 405);
  EXPECT_EQ(r["other"].status, 404);
  bool sawResponse = false, sawError = false;
  for (const RuntimeCall& call : server.takeCalls()) {
    if (call.kind == RuntimeCall::Response) {
      sawResponse = true;
      EXPECT_EQ(call.requestId, a);
      EXPECT_EQ(call.body, "{\"ok\":true}");
    }
    if (call.kind == RuntimeCall::Error) {
      sawError = true;
      EXPECT_EQ(call.requestId, b);
      EXPECT_EQ(call.errorType, "Function.T");
    }
  }
  EXPECT_TRUE(sawResponse);
  EXPECT_TRUE(sawError);
}

TEST_F(ServerTest, ResponseOverTheLimitIs413AndIsNeverHeld) {
  server.enqueue({.event = "{}", .requestId = "r1"});
  server.enqueue({.event = "{}", .requestId = "r2"});
  server.enqueue({.event = "{}", .requestId = "r3"});
  std::map<std::string, Reply> r;
  withClient(server, [&] {
    Client c(server.port());
    c.request("GET", "/invocation/next");
    r["big"] = c.request("POST", "/invocation/r1/response", std::string(7 * 1024 * 1024, 'x'));
    c.request("GET", "/invocation/next");
    r["limit"] = c.request("POST", "/invocation/r2/response", std::string(kMaxPayloadBytes, 'y'));
    c.request("GET", "/invocation/next");
    // Chunked, over the limit in pieces.
    std::string chunk(1 << 20, 'z');
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    c.sendRaw("POST /2018-06-01/runtime/invocation/r3/response HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 7; ++i) c.sendRaw(size + chunk + "\r\n");
    c.sendRaw("0\r\n\r\n");
    r["chunked"] = c.read();
  });
  EXPECT_EQ(r["big"].status, 413);
  EXPECT_NE(r["big"].body.find("RequestEntityTooLarge"), std::string::npos);
  EXPECT_EQ(r["limit"].status, 202);
  EXPECT_EQ(r["chunked"].status, 413);
  int tooLarge = 0;
  for (const RuntimeCall& call : server.takeCalls()) {
    if (call.kind == RuntimeCall::TooLarge) {
      ++tooLarge;
      EXPECT_TRUE(call.body.empty());
      EXPECT_GT(call.bodyBytes, kMaxPayloadBytes);
    }
    if (call.kind == RuntimeCall::Response) {
      EXPECT_EQ(call.body.size(), kMaxPayloadBytes);
    }
  }
  EXPECT_EQ(tooLarge, 2);
}

TEST_F(ServerTest, ChunkedBodiesAndHttp10AndBadRequests) {
  server.enqueue({.event = "{}", .requestId = "r1"});
  std::map<std::string, Reply> r;
  withClient(server, [&] {
    Client c(server.port());
    c.request("GET", "/invocation/next");
    c.sendRaw(
        "POST /2018-06-01/runtime/invocation/r1/response HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n");
    r["chunked"] = c.read();
    Client bad(server.port());
    bad.sendRaw("NONSENSE\r\n\r\n");
    r["bad"] = bad.read();
    Client huge(server.port());
    huge.sendRaw("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nX: " + std::string(70000, 'a') + "\r\n\r\n");
    r["huge"] = huge.read();
    Client old(server.port());
    old.sendRaw("GET /2018-06-01/runtime/nothing HTTP/1.0\r\n\r\n");
    r["old"] = old.read();
  });
  EXPECT_EQ(r["chunked"].status, 202);
  EXPECT_EQ(r["bad"].status, 400);
  EXPECT_EQ(r["huge"].status, 431);
  EXPECT_EQ(r["old"].status, 404);
  EXPECT_EQ(r["old"].headers["connection"], "close");
  for (const RuntimeCall& call : server.takeCalls()) {
    if (call.kind == RuntimeCall::Response) {
      EXPECT_EQ(call.body, "hello, world");
    }
  }
}

TEST_F(ServerTest, LargeEventsAreWrittenWhole) {
  std::string event = "\"" + std::string(5 * 1024 * 1024, 'e') + "\"";
  server.enqueue({.event = event, .requestId = "big"});
  Reply next;
  withClient(server, [&] {
    Client c(server.port());
    next = c.request("GET", "/invocation/next");
  });
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, event);
}

TEST_F(ServerTest, RoundTripFloor) {
  // Not an assertion on speed (tests never time things): prints the server's
  // floor per invocation for the header comment and the benchmark report.
  const int n = 2000;
  std::atomic<int> served{0};
  auto start = Clock::now();
  withClient(
      server,
      [&] {
        Client c(server.port());
        for (int i = 0; i < n; ++i) {
          Reply next = c.request("GET", "/invocation/next");
          c.request("POST", "/invocation/" + next.headers["lambda-runtime-aws-request-id"] + "/response", "{}");
          ++served;
        }
      },
      [&] {
        while (server.queued() < 2) server.enqueue({.event = "{}"});
      });
  double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
  std::printf("[ floor    ] %.1f us per invocation (GET /next + POST /response, keep-alive)\n", us);
  EXPECT_EQ(served, n);
}

}  // namespace
}  // namespace flowc::run

namespace flowc::run {
namespace {

// A runtime killed with a /next still in the listen backlog (never accepted)
// must not take the next runtime's event: resetSandbox drops it.
TEST_F(ServerTest, ResetSandboxDropsConnectionsLeftInTheBacklog) {
  {
    Client dead(server.port());  // connected by the kernel, not yet accepted
    ASSERT_TRUE(dead.connected());
    dead.sendRaw("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n");
  }  // the old runtime is gone
  server.resetSandbox();
  std::string id = server.enqueue({.event = "{\"n\":1}", .requestId = "req-new"});
  Reply next;
  withClient(server, [&] {
    Client fresh(server.port());
    next = fresh.request("GET", "/invocation/next");
  });
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "{\"n\":1}");
  EXPECT_EQ(next.headers["lambda-runtime-aws-request-id"], id);
}

}  // namespace
}  // namespace flowc::run
