// The Runtime API client and flow::run() against an in-test HTTP server
// (a thread and real sockets) that behaves and misbehaves: keep-alive,
// chunked and dribbled answers, slow answers, a closed connection (once,
// twice, in the middle of an answer), 500 on next and on a response, 413 on
// a response, an event over the size bound, init failures, a chunk size
// that could wrap.
// run() is exercised in a forked child, so its exit status is observed the
// way Lambda observes it; the child's stdout and stderr go to files.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "flow/runtime.h"
#include "runtime_client.h"

namespace {

struct Request {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  // lower-case names
  int connection = 0;                           // 1 for the first accepted connection, …
};

// One connection at a time, as the runtime uses it. The script decides each
// answer; it may write raw bytes, sleep, or close the connection.
class FakeRuntimeApi {
 public:
  struct Conn {
    int fd;
    bool closed = false;
    void send(std::string_view bytes) {
      size_t done = 0;
      while (done < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return;
        done += static_cast<size_t>(n);
      }
    }
    void respond(int status, std::string_view body, const std::string& extraHeaders = "") {
      send("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           extraHeaders + "\r\n");
      send(body);
    }
    void close() { closed = true; }
  };
  using Script = std::function<void(const Request&, Conn&)>;

  explicit FakeRuntimeApi(Script script) : script_(std::move(script)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRuntimeApi() {
    stop_ = true;
    thread_.join();
    ::close(listen_);
  }
  std::string hostPort() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int connections() const { return connections_; }

 private:
  bool waitReadable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }
  void serve() {
    while (waitReadable(listen_)) {
      int fd = ::accept(listen_, nullptr, nullptr);
      if (fd < 0) continue;
      int id = ++connections_;
      std::string buf;
      Conn conn{fd};
      while (!conn.closed) {
        Request req;
        if (!readRequest(fd, buf, req)) break;
        req.connection = id;
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(req);
        }
        script_(req, conn);
      }
      ::close(fd);
    }
  }
  bool readRequest(int fd, std::string& buf, Request& req) {
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!readMore(fd, buf)) return false;
    }
    std::istringstream head(buf.substr(0, end));
    std::string line;
    std::getline(head, line);
    std::istringstream first(line);
    first >> req.method >> req.path;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      req.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    buf.erase(0, end + 4);
    size_t length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
    while (buf.size() < length) {
      if (!readMore(fd, buf)) return false;
    }
    req.body = buf.substr(0, length);
    buf.erase(0, length);
    return true;
  }
  bool readMore(int fd, std::string& buf) {
    if (!waitReadable(fd)) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
    return true;
  }

  Script script_;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Request> requests_;
};

std::string nextHeaders(const std::string& id) {
  return "Lambda-Runtime-Aws-Request-Id: " + id +
         "\r\nLambda-Runtime-Deadline-Ms: 1700000000123\r\n"
         "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:fn\r\n"
         "Lambda-Runtime-Trace-Id: Root=1-5e1b4151-5ac6c58f5b5c7d1e2f3a4b5c;Parent=1;Sampled=1\r\n";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ChildResult {
  int exitCode = -1;  // -2: killed after the timeout
  std::string stdoutText, stderrText;
};

// Runs flow::run(init, handle) in a forked child with AWS_LAMBDA_RUNTIME_API
// pointing at `api` (or unset when empty).
ChildResult runChild(const std::string& api, flow::InitFn init, flow::HandleFn handle, flow::RunOptions options = {}) {
  static int counter = 0;
  std::string base = ::testing::TempDir() + "flowrt_child_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  std::string outPath = base + ".out", errPath = base + ".err";
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* o = std::freopen(outPath.c_str(), "w", stdout);
    FILE* e = std::freopen(errPath.c_str(), "w", stderr);
    (void)o;
    (void)e;
    if (api.empty()) {
      ::unsetenv("AWS_LAMBDA_RUNTIME_API");
    } else {
      ::setenv("AWS_LAMBDA_RUNTIME_API", api.c_str(), 1);
    }
    ::_exit(flow::run(init, handle, nullptr, options));
  }
  ChildResult result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.exitCode = -2;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.stdoutText = readFile(outPath);
  result.stderrText = readFile(errPath);
  std::remove(outPath.c_str());
  std::remove(errPath.c_str());
  return result;
}

// A handler that answers with what it saw, and prints two lines.
void echoHandler(const flow::Invocation& inv, flow::Reply& reply, void*) {
  const char* trace = std::getenv("_X_AMZN_TRACE_ID");
  reply.body = "{\"id\":\"" + std::string(inv.requestId) + "\",\"deadline\":" + std::to_string(inv.deadlineMs) +
               ",\"arn\":\"" + std::string(inv.functionArn) + "\",\"trace\":\"" + (trace ? trace : "") +
               "\",\"event\":" + std::string(inv.body) + "}";
  reply.stdoutText = "line one " + std::string(inv.requestId) + "\nline two\n";
}

const std::string kNext = "/2018-06-01/runtime/invocation/next";

// Serves the given events in order, then 500 on next (so the child exits).
FakeRuntimeApi::Script serveEvents(std::vector<std::string> events, int responseStatus = 202) {
  auto index = std::make_shared<size_t>(0);
  return [events, index, responseStatus](const Request& req, FakeRuntimeApi::Conn& c) {
    if (req.path == kNext) {
      if (*index < events.size()) {
        c.respond(200, events[*index], nextHeaders("req-" + std::to_string(*index)));
        ++*index;
      } else {
        c.respond(500, "{\"errorMessage\":\"shutting down\"}");
      }
    } else if (req.path.find("/response") != std::string::npos) {
      c.respond(responseStatus, "{\"status\":\"OK\"}");
    } else {
      c.respond(202, "{\"status\":\"OK\"}");
    }
  };
}

// The address of `api`, as run() parses it.
flow::detail::Endpoint endpointOf(const FakeRuntimeApi& api) {
  flow::detail::Endpoint e;
  std::string err;
  EXPECT_TRUE(flow::detail::parseEndpoint(api.hostPort(), e, err)) << err;
  return e;
}

// The error of a /next that must fail against `api` ("" when it succeeded).
std::string failedNext(FakeRuntimeApi& api) {
  flow::detail::Endpoint e;
  std::string err;
  if (!flow::detail::parseEndpoint(api.hostPort(), e, err)) return "bad endpoint: " + err;
  flow::detail::RuntimeClient client(e);
  flow::detail::HttpAnswer answer;
  if (client.next(answer, err)) return "";
  return err;
}

TEST(RuntimeClient, ParsesEndpoints) {
  flow::detail::Endpoint e;
  std::string err;
  EXPECT_TRUE(flow::detail::parseEndpoint("127.0.0.1:9001", e, err));
  EXPECT_EQ(e.hostPort, "127.0.0.1:9001");
  EXPECT_TRUE(flow::detail::parseEndpoint("localhost:9001", e, err));
  EXPECT_TRUE(flow::detail::parseEndpoint("[::1]:9001", e, err));
  EXPECT_FALSE(flow::detail::parseEndpoint("127.0.0.1", e, err));
  EXPECT_FALSE(flow::detail::parseEndpoint("127.0.0.1:0", e, err));
  EXPECT_FALSE(flow::detail::parseEndpoint("127.0.0.1:70000", e, err));
  EXPECT_FALSE(flow::detail::parseEndpoint("runtime.example:9001", e, err));
  EXPECT_EQ(err, "AWS_LAMBDA_RUNTIME_API host 'runtime.example' is not an IP address or localhost");
}

TEST(RuntimeClient, KeepAliveAndHeaders) {
  FakeRuntimeApi api(serveEvents({"{\"a\":1}", "{\"a\":2}"}));
  std::string err;
  flow::detail::RuntimeClient client(endpointOf(api));
  flow::detail::HttpAnswer answer;
  ASSERT_TRUE(client.next(answer, err)) << err;
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "{\"a\":1}");
  EXPECT_EQ(answer.requestId, "req-0");
  EXPECT_EQ(answer.deadlineMs, "1700000000123");
  EXPECT_EQ(answer.body.data()[answer.body.size()], '\0');  // padding
  ASSERT_TRUE(client.postResponse("req-0", "{\"ok\":true}", answer, err)) << err;
  EXPECT_EQ(answer.status, 202);
  ASSERT_TRUE(client.next(answer, err)) << err;
  EXPECT_EQ(answer.body, "{\"a\":2}");
  ASSERT_TRUE(client.postError("req-1", "Function.InvalidEvent", "bad \"event\"", answer, err)) << err;
  ASSERT_TRUE(client.next(answer, err)) << err;
  EXPECT_EQ(answer.status, 500);
  EXPECT_EQ(client.connectionsOpened(), 1);
  EXPECT_EQ(api.connections(), 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/response");
  EXPECT_EQ(reqs[1].body, "{\"ok\":true}");
  EXPECT_EQ(reqs[3].path, "/2018-06-01/runtime/invocation/req-1/error");
  EXPECT_EQ(reqs[3].headers["lambda-runtime-function-error-type"], "Function.InvalidEvent");
  EXPECT_EQ(reqs[3].body, "{\"errorMessage\":\"bad \\\"event\\\"\",\"errorType\":\"Function.InvalidEvent\",\"stackTrace\":[]}");
}

TEST(RuntimeClient, ChunkedAndDribbledAnswers) {
  FakeRuntimeApi api([](const Request& req, FakeRuntimeApi::Conn& c) {
    if (req.path == kNext) {
      std::string answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + nextHeaders("r1") +
                           "\r\n5\r\n{\"a\":\r\n3;ext=1\r\n12}\r\n0\r\nTrailer: x\r\n\r\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a slow answer
      for (char ch : answer) {  // one byte at a time
        c.send(std::string_view(&ch, 1));
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    } else {
      c.respond(202, "");
    }
  });
  std::string err;
  flow::detail::RuntimeClient client(endpointOf(api));
  flow::detail::HttpAnswer answer;
  ASSERT_TRUE(client.next(answer, err)) << err;
  EXPECT_EQ(answer.body, "{\"a\":12}");
  EXPECT_EQ(answer.requestId, "r1");
  ASSERT_TRUE(client.next(answer, err)) << err;  // the connection is still good
  EXPECT_EQ(answer.body, "{\"a\":12}");
  EXPECT_EQ(api.connections(), 1);
}

TEST(RuntimeClient, ReconnectsOnceWhenTheConnectionCloses) {
  std::atomic<int> nexts{0};
  FakeRuntimeApi api([&](const Request& req, FakeRuntimeApi::Conn& c) {
    if (++nexts == 1) {
      c.close();  // drop the request without an answer
      return;
    }
    c.respond(200, "{}", nextHeaders("r2"));
  });
  std::string err;
  flow::detail::RuntimeClient client(endpointOf(api));
  flow::detail::HttpAnswer answer;
  ASSERT_TRUE(client.next(answer, err)) << err;
  EXPECT_EQ(answer.requestId, "r2");
  EXPECT_EQ(api.connections(), 2);
}

TEST(RuntimeClient, RejectsOversizedHeaders) {
  FakeRuntimeApi api([](const Request&, FakeRuntimeApi::Conn& c) {
    c.send("HTTP/1.1 200 OK\r\nX-Big: " + std::string(70000, 'x') + "\r\nContent-Length: 0\r\n\r\n");
  });
  EXPECT_EQ(failedNext(api), "Runtime API answer headers exceed 65536 bytes");
}

TEST(RuntimeClient, ParsesAnswerHeads) {
  flow::detail::AnswerHead h;
  std::string err;
  std::string head = "HTTP/1.1 200 OK\r\ncontent-LENGTH:  12 \r\nLambda-Runtime-Aws-Request-Id: abc\r\n"
                     "Lambda-Runtime-Trace-Id:\tRoot=1-x;Parent=y\r\nno colon line\r\n";
  ASSERT_TRUE(flow::detail::parseAnswerHead(head, h, err)) << err;
  EXPECT_EQ(h.status, 200);
  EXPECT_TRUE(h.haveLength);
  EXPECT_EQ(h.length, 12u);
  EXPECT_FALSE(h.chunked);
  EXPECT_FALSE(h.closeAfter);
  EXPECT_EQ(h.requestId, "abc");
  EXPECT_EQ(h.traceId, "Root=1-x;Parent=y");
  EXPECT_EQ(h.deadlineMs, "");

  ASSERT_TRUE(flow::detail::parseAnswerHead("HTTP/1.0 413\r\nTransfer-Encoding: chunked\r\n", h, err));
  EXPECT_EQ(h.status, 413);
  EXPECT_TRUE(h.closeAfter);  // HTTP/1.0
  EXPECT_TRUE(h.chunked);
  ASSERT_TRUE(flow::detail::parseAnswerHead("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n", h, err));
  EXPECT_FALSE(h.closeAfter);
  ASSERT_TRUE(flow::detail::parseAnswerHead("HTTP/1.1 202 Accepted\r\nConnection: close\r\n", h, err));
  EXPECT_TRUE(h.closeAfter);

  struct Bad {
    std::string head, error;
  };
  for (const Bad& b : std::vector<Bad>{
           {"HTTP/2 200 OK\r\n", "Runtime API answer is not HTTP/1.x: 'HTTP/2 200 OK'"},
           {"HTTP/1.1 20 OK\r\n", "Runtime API answer has a bad status line"},
           {"HTTP/1.1 -12 OK\r\n", "Runtime API answer has a bad status line"},
           {"HTTP/1.1 099 OK\r\n", "Runtime API answer has a bad status line"},
           {"HTTP/1.1 2000 OK\r\n", "Runtime API answer has a bad status line"},
           {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n", "Runtime API answer has a bad Content-Length"},
           {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n",
            "Runtime API answer has a bad Content-Length"},
           {"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: a\nb\r\n",
            "Runtime API answer has a header line with a bare CR, LF or NUL"},
       }) {
    err.clear();
    EXPECT_FALSE(flow::detail::parseAnswerHead(b.head, h, err)) << b.head;
    EXPECT_EQ(err, b.error) << b.head;
  }
}

// A chunk size of 16 hex digits once wrapped the running body total to a
// small number and overflowed the body buffer (the seed
// tests/fuzz/seeds_events/crash-chunk-size-wraps-total.http).
TEST(RuntimeClient, RefusesAChunkSizeThatCouldWrap) {
  FakeRuntimeApi api([](const Request&, FakeRuntimeApi::Conn& c) {
    c.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLambda-Runtime-Aws-Request-Id: r\r\n\r\n"
           "1\r\nx\r\nffffffffffffffff\r\n" + std::string(200, 'A') + "\r\n0\r\n\r\n");
  });
  EXPECT_EQ(failedNext(api), "Runtime API answer has a bad chunk size");
}

// The same client over one end of a socketpair (adoptConnection), as the
// fuzzer drives it: a pipelined second answer is read from the same bytes.
TEST(RuntimeClient, ReadsAnswersFromAnAdoptedConnection) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nLambda-Runtime-Aws-Request-Id: a\r\n\r\n{}"
                      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nLambda-Runtime-Aws-Request-Id: b\r\n\r\n[1]";
  ASSERT_EQ(::send(fds[1], bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  ::shutdown(fds[1], SHUT_WR);
  flow::detail::Endpoint nowhere;  // no address family: a reconnect fails at once
  nowhere.hostPort = "nowhere";
  flow::detail::RuntimeClient client(nowhere);
  client.adoptConnection(fds[0]);
  flow::detail::HttpAnswer answer;
  std::string err;
  ASSERT_TRUE(client.next(answer, err)) << err;
  EXPECT_EQ(answer.requestId, "a");
  EXPECT_EQ(answer.body, "{}");
  ASSERT_TRUE(client.next(answer, err)) << err;
  EXPECT_EQ(answer.requestId, "b");
  EXPECT_EQ(answer.body, "[1]");
  EXPECT_FALSE(client.next(answer, err));  // EOF, and the reconnect has nowhere to go
  EXPECT_NE(err.find("lost the connection to the Runtime API at nowhere"), std::string::npos) << err;
  ::close(fds[1]);
}

// A body sent in three pieces, 150 ms apart: nextStreamed() returns with
// what came with the headers, each receiveBody() brings more, zeros follow
// what has arrived, and the connection carries the next request after it.
TEST(RuntimeClient, StreamsABodyAsItArrives) {
  const std::string body = "{\"Records\":[" + std::string(3000, ' ') + "]}";
  FakeRuntimeApi api([&](const Request& req, FakeRuntimeApi::Conn& c) {
    if (req.path != kNext) return c.respond(202, "");
    c.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + nextHeaders("s") +
           "\r\n" + body.substr(0, 100));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    c.send(body.substr(100, 1000));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    c.send(body.substr(1100));
  });
  std::string err;
  flow::detail::RuntimeClient client(endpointOf(api));
  flow::detail::HttpAnswer answer;
  ASSERT_TRUE(client.nextStreamed(answer, err)) << err;
  EXPECT_EQ(answer.requestId, "s");
  ASSERT_EQ(answer.body.size(), body.size());
  EXPECT_TRUE(client.bodyPending());
  EXPECT_LE(client.bodyReceived(), 100u);
  std::vector<size_t> seen = {client.bodyReceived()};
  while (client.bodyPending()) {
    ASSERT_TRUE(client.receiveBody(err)) << err;
    size_t n = client.bodyReceived();
    seen.push_back(n);
    EXPECT_EQ(answer.body.substr(0, n), body.substr(0, n));
    for (size_t k = 0; k < flow::kBodyPadding; ++k) ASSERT_EQ(answer.body.data()[n + k], '\0') << n << "+" << k;
  }
  EXPECT_EQ(answer.body, body);
  EXPECT_GE(seen.size(), 3u);  // it did arrive in pieces
  ASSERT_TRUE(client.postResponse("s", "{}", answer, err)) << err;
  EXPECT_EQ(answer.status, 202);
  EXPECT_EQ(api.connections(), 1);
}

// Answers that are not a 200 with a Content-Length body arrive whole.
TEST(RuntimeClient, OtherAnswersArriveWholeWhenStreamed) {
  std::atomic<int> nexts{0};
  FakeRuntimeApi api([&](const Request&, FakeRuntimeApi::Conn& c) {
    if (++nexts == 1) {
      return c.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + nextHeaders("c") +
                    "\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n");
    }
    c.respond(500, "{\"errorMessage\":\"bye\"}");
  });
  std::string err;
  flow::detail::RuntimeClient client(endpointOf(api));
  flow::detail::HttpAnswer answer;
  ASSERT_TRUE(client.nextStreamed(answer, err)) << err;
  EXPECT_FALSE(client.bodyPending());
  EXPECT_EQ(answer.body, "{\"a\":1}");
  ASSERT_TRUE(client.nextStreamed(answer, err)) << err;
  EXPECT_FALSE(client.bodyPending());
  EXPECT_EQ(answer.status, 500);
  EXPECT_EQ(answer.body, "{\"errorMessage\":\"bye\"}");
}

// A request made while a body is still arriving reads the rest of it first;
// a body cut short fails its receive with a message and closes the
// connection, and the next request opens a new one.
TEST(RuntimeClient, PendingAndCutShortBodies) {
  std::atomic<int> calls{0};
  FakeRuntimeApi api([&](const Request& req, FakeRuntimeApi::Conn& c) {
    int n = ++calls;
    if (n == 1) {
      c.send("HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n" + nextHeaders("p") + "\r\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return c.send(std::string(20000, 'x'));
    }
    if (n == 2) return c.respond(202, req.path);
    if (n == 3) {
      c.send("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n" + nextHeaders("cut") + "\r\n{\"partial\":");
      return c.close();
    }
    c.respond(200, "{\"whole\":1}", nextHeaders("w"));
  });
  std::string err;
  flow::detail::RuntimeClient client(endpointOf(api));
  flow::detail::HttpAnswer answer;
  ASSERT_TRUE(client.nextStreamed(answer, err)) << err;
  EXPECT_TRUE(client.bodyPending());
  ASSERT_TRUE(client.postResponse("p", "{}", answer, err)) << err;  // reads the 20000 bytes first
  EXPECT_EQ(answer.body, "/2018-06-01/runtime/invocation/p/response");
  ASSERT_TRUE(client.nextStreamed(answer, err)) << err;
  EXPECT_EQ(answer.requestId, "cut");
  bool failed = false;
  while (client.bodyPending()) {
    if (!client.receiveBody(err)) {
      failed = true;
      break;
    }
  }
  EXPECT_TRUE(failed);
  EXPECT_EQ(err, "the Runtime API closed the connection in the middle of an event");
  EXPECT_FALSE(client.bodyPending());
  ASSERT_TRUE(client.nextStreamed(answer, err)) << err;
  while (client.bodyPending()) ASSERT_TRUE(client.receiveBody(err)) << err;  // the body may follow the head
  EXPECT_EQ(answer.body, "{\"whole\":1}");
  EXPECT_EQ(api.connections(), 2);
}

// --- flow::run() in a child process -------------------------------------

// Handlers run with streamBody see the body while it arrives; one that
// reads it all and one that reads none of it answer alike, and the
// connection carries on.
TEST(RuntimeRun, StreamedBodiesReachTheHandler) {
  const std::string event = "{\"pad\":\"" + std::string(200000, 'p') + "\"}";
  FakeRuntimeApi api([&](const Request& req, FakeRuntimeApi::Conn& c) {
    static int n = 0;
    if (req.path != kNext) return c.respond(202, "");
    if (++n > 2) return c.respond(500, "");
    c.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(event.size()) + "\r\n" +
           nextHeaders("e" + std::to_string(n)) + "\r\n" + event.substr(0, 1000));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the handler runs before the rest
    c.send(event.substr(1000));
  });
  ChildResult r = runChild(
      api.hostPort(), nullptr,
      [](const flow::Invocation& inv, flow::Reply& reply, void*) {
        bool arriving = inv.arriving != nullptr;
        size_t first = arriving ? inv.arriving->received() : inv.body.size();
        if (arriving && inv.requestId == "e1") {
          ASSERT_TRUE(flow::receiveAll(*inv.arriving, inv.body.size()));
        }
        bool whole = inv.requestId == "e1" && inv.body.substr(0, 8) == "{\"pad\":\"" && inv.body.back() == '}';
        reply.body = "{\"arriving\":" + std::string(arriving ? "true" : "false") +
                     ",\"first\":" + std::to_string(first) + ",\"whole\":" + (whole ? "true" : "false") + "}";
      },
      {.streamBody = true});
  EXPECT_EQ(r.exitCode, 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/e1/response");
  EXPECT_NE(reqs[1].body.find("\"arriving\":true"), std::string::npos) << reqs[1].body;
  EXPECT_NE(reqs[1].body.find("\"whole\":true"), std::string::npos) << reqs[1].body;
  EXPECT_EQ(reqs[3].path, "/2018-06-01/runtime/invocation/e2/response");  // e2 left its body unread
  EXPECT_NE(reqs[3].body.find("\"arriving\":true"), std::string::npos) << reqs[3].body;
  EXPECT_EQ(api.connections(), 1);
}

// A connection lost while an event arrives abandons that invocation (its
// reply is dropped, nothing is posted for it) and asks for the next event on
// a new connection; losing two in a row is fatal.
TEST(RuntimeRun, AnEventCutShortIsAbandoned) {
  for (int cutEvents : {1, 2}) {
    std::atomic<int> nexts{0};
    FakeRuntimeApi api([&](const Request& req, FakeRuntimeApi::Conn& c) {
      if (req.path != kNext) return c.respond(202, "");
      int n = ++nexts;
      if (n <= cutEvents) {
        c.send("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n" + nextHeaders("cut" + std::to_string(n)) +
               "\r\n{\"partial\":");
        return c.close();
      }
      if (n == cutEvents + 1) return c.respond(200, "{\"whole\":1}", nextHeaders("w"));
      c.respond(500, "");
    });
    ChildResult r = runChild(api.hostPort(), nullptr, echoHandler, {.streamBody = true});
    EXPECT_EQ(r.exitCode, 1);
    auto reqs = api.requests();
    if (cutEvents == 1) {
      EXPECT_NE(r.stderrText.find("lost the connection to the Runtime API while event cut1 arrived (the Runtime "
                                  "API closed the connection in the middle of an event); asking for the next "
                                  "event on a new connection"),
                std::string::npos)
          << r.stderrText;
      ASSERT_EQ(reqs.size(), 4u);
      EXPECT_EQ(reqs[1].path, kNext);
      EXPECT_EQ(reqs[2].path, "/2018-06-01/runtime/invocation/w/response");
      EXPECT_EQ(r.stdoutText, "line one w\nline two\n");  // what the handler printed for cut1 is dropped
      EXPECT_EQ(api.connections(), 2);
    } else {
      EXPECT_NE(r.stderrText.find("lost the connection to the Runtime API twice in a row while an event arrived"),
                std::string::npos)
          << r.stderrText;
      ASSERT_EQ(reqs.size(), 2u);
      EXPECT_EQ(r.stdoutText, "");
    }
  }
}

TEST(RuntimeRun, ServesInvocationsUntilNextAnswers500) {
  FakeRuntimeApi api(serveEvents({"{\"n\":1}", "{\"n\":2}"}));
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.stderrText.find("the Runtime API answered 500 to /invocation/next"), std::string::npos) << r.stderrText;
  EXPECT_EQ(r.stdoutText, "line one req-0\nline two\nline one req-1\nline two\n");
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/response");
  EXPECT_EQ(reqs[1].body,
            "{\"id\":\"req-0\",\"deadline\":1700000000123,\"arn\":\"arn:aws:lambda:us-east-1:123456789012:function:fn\","
            "\"trace\":\"Root=1-5e1b4151-5ac6c58f5b5c7d1e2f3a4b5c;Parent=1;Sampled=1\",\"event\":{\"n\":1}}");
  EXPECT_EQ(reqs[1].headers["content-type"], "application/json");
  EXPECT_EQ(reqs[3].path, "/2018-06-01/runtime/invocation/req-1/response");
  EXPECT_EQ(api.connections(), 1);  // keep-alive throughout
}

TEST(RuntimeRun, HandlerErrorIsPostedToError) {
  FakeRuntimeApi api(serveEvents({"{}"}));
  ChildResult r = runChild(api.hostPort(), nullptr, [](const flow::Invocation&, flow::Reply& reply, void*) {
    reply.error = flow::functionError("InvalidEvent", "expected a Kinesis event, got an SQS event");
  });
  EXPECT_EQ(r.exitCode, 1);
  auto reqs = api.requests();
  ASSERT_GE(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/error");
  EXPECT_EQ(reqs[1].headers["lambda-runtime-function-error-type"], "Function.InvalidEvent");
  EXPECT_EQ(reqs[1].headers["content-type"], "application/vnd.aws.lambda.error+json");
  EXPECT_EQ(reqs[1].body,
            "{\"errorMessage\":\"expected a Kinesis event, got an SQS event\",\"errorType\":\"Function.InvalidEvent\","
            "\"stackTrace\":[]}");
}

TEST(RuntimeRun, ExceptionFailsOnlyThatInvocation) {
  FakeRuntimeApi api(serveEvents({"{\"n\":1}", "{\"n\":2}"}));
  ChildResult r = runChild(api.hostPort(), nullptr, [](const flow::Invocation& inv, flow::Reply& reply, void*) {
    if (inv.requestId == "req-0") throw std::runtime_error("out of luck");
    echoHandler(inv, reply, nullptr);
  });
  EXPECT_EQ(r.exitCode, 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/error");
  EXPECT_EQ(reqs[1].headers["lambda-runtime-function-error-type"], "Runtime.UnhandledException");
  EXPECT_EQ(reqs[1].body, "{\"errorMessage\":\"out of luck\",\"errorType\":\"Runtime.UnhandledException\",\"stackTrace\":[]}");
  EXPECT_EQ(reqs[3].path, "/2018-06-01/runtime/invocation/req-1/response");
}

TEST(RuntimeRun, ResponseOverSixMegabytesBecomesAnError) {
  FakeRuntimeApi api(serveEvents({"{}"}));
  ChildResult r = runChild(api.hostPort(), nullptr, [](const flow::Invocation&, flow::Reply& reply, void*) {
    reply.body.assign(flow::kMaxResponseBytes + 1, 'x');
  });
  EXPECT_EQ(r.exitCode, 1);
  auto reqs = api.requests();
  ASSERT_GE(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/error");
  EXPECT_EQ(reqs[1].headers["lambda-runtime-function-error-type"], "Function.ResponseSizeTooLarge");
  EXPECT_NE(reqs[1].body.find("the response is 6291457 bytes, more than Lambda's limit of 6291456 bytes"),
            std::string::npos)
      << reqs[1].body;
}

TEST(RuntimeRun, ExactlySixMegabytesIsSent) {
  FakeRuntimeApi api(serveEvents({"{}"}));
  ChildResult r = runChild(api.hostPort(), nullptr, [](const flow::Invocation&, flow::Reply& reply, void*) {
    reply.body.assign(flow::kMaxResponseBytes, 'x');
  });
  auto reqs = api.requests();
  ASSERT_GE(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/response");
  EXPECT_EQ(reqs[1].body.size(), flow::kMaxResponseBytes);
}

TEST(RuntimeRun, Answer413OnResponseBecomesAnError) {
  FakeRuntimeApi api(serveEvents({"{}"}, 413));
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  auto reqs = api.requests();
  ASSERT_GE(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/response");
  EXPECT_EQ(reqs[2].path, "/2018-06-01/runtime/invocation/req-0/error");
  EXPECT_EQ(reqs[2].headers["lambda-runtime-function-error-type"], "Function.ResponseSizeTooLarge");
  EXPECT_NE(reqs[2].body.find("too large (413)"), std::string::npos) << reqs[2].body;
  EXPECT_EQ(reqs[3].path, kNext);  // and it carries on
}

TEST(RuntimeRun, InitFailureIsReportedThenExits) {
  FakeRuntimeApi api(serveEvents({}));
  ChildResult r = runChild(
      api.hostPort(), [](void*) -> flow::Status { return flow::runtimeError("BadTable", "table 'countries' is empty"); },
      echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(reqs[0].headers["lambda-runtime-function-error-type"], "Runtime.BadTable");
  EXPECT_EQ(reqs[0].body,
            "{\"errorMessage\":\"table 'countries' is empty\",\"errorType\":\"Runtime.BadTable\",\"stackTrace\":[]}");
  EXPECT_NE(r.stderrText.find("init failed: Runtime.BadTable: table 'countries' is empty"), std::string::npos);
}

TEST(RuntimeRun, ClosedConnectionIsRetriedOnce) {
  std::atomic<int> calls{0};
  FakeRuntimeApi api([&](const Request& req, FakeRuntimeApi::Conn& c) {
    int n = ++calls;
    if (n == 1) return c.close();                           // next: dropped
    if (n == 2) return c.respond(200, "{}", nextHeaders("a"));  // next, again: answered
    if (n == 3) return c.close();                           // response: dropped
    if (n == 4) return c.respond(202, "");                  // response, again: accepted
    c.respond(500, "");
  });
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].path, kNext);
  EXPECT_EQ(reqs[1].path, kNext);
  EXPECT_EQ(reqs[2].path, "/2018-06-01/runtime/invocation/a/response");
  EXPECT_EQ(reqs[3].path, "/2018-06-01/runtime/invocation/a/response");
  EXPECT_EQ(reqs[2].body, reqs[3].body);
  EXPECT_EQ(api.connections(), 3);
}

TEST(RuntimeRun, ConnectionClosedTwiceExitsWithAClearMessage) {
  FakeRuntimeApi api([](const Request&, FakeRuntimeApi::Conn& c) { c.close(); });
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.stderrText.find("lost the connection to the Runtime API at " + api.hostPort()), std::string::npos)
      << r.stderrText;
  EXPECT_EQ(api.requests().size(), 2u);
}

TEST(RuntimeRun, NoServerExits) {
  int port;
  {
    FakeRuntimeApi api(serveEvents({}));
    port = std::stoi(api.hostPort().substr(10));
  }
  ChildResult r = runChild("127.0.0.1:" + std::to_string(port), nullptr, echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.stderrText.find("cannot connect to the Runtime API"), std::string::npos) << r.stderrText;
}

TEST(RuntimeRun, MissingEnvironmentExits) {
  ChildResult r = runChild("", nullptr, echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.stderrText.find("AWS_LAMBDA_RUNTIME_API is not set"), std::string::npos);
}

TEST(RuntimeRun, EventOverTheBoundIsAnsweredWithAnError) {
  std::string big = "\"" + std::string(flow::kMaxEventBytes, 'x') + "\"";
  FakeRuntimeApi api(serveEvents({big, "{\"small\":1}"}));
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/error");
  EXPECT_EQ(reqs[1].headers["lambda-runtime-function-error-type"], "Runtime.EventTooLarge");
  EXPECT_EQ(reqs[3].path, "/2018-06-01/runtime/invocation/req-1/response");  // the next event is fine
  EXPECT_EQ(api.connections(), 1);
}

TEST(RuntimeRun, TraceIdIsUnsetWhenAbsent) {
  FakeRuntimeApi api([](const Request& req, FakeRuntimeApi::Conn& c) {
    static int n = 0;
    if (req.path != kNext) return c.respond(202, "");
    ++n;
    if (n == 1) return c.respond(200, "1", nextHeaders("t1"));
    if (n == 2) return c.respond(200, "2", "Lambda-Runtime-Aws-Request-Id: t2\r\n");
    c.respond(500, "");
  });
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_NE(reqs[1].body.find("\"trace\":\"Root=1-"), std::string::npos);
  EXPECT_NE(reqs[3].body.find("\"trace\":\"\""), std::string::npos) << reqs[3].body;
  EXPECT_NE(reqs[3].body.find("\"deadline\":0"), std::string::npos);
}

// Lambda's /next blocks until an event arrives (here 1.2 s) and answers may
// be slow: the runtime waits on the same connection, no timeout, no retry.
TEST(RuntimeRun, SlowAnswersAreWaitedFor) {
  std::atomic<int> nexts{0};
  FakeRuntimeApi api([&](const Request& req, FakeRuntimeApi::Conn& c) {
    if (req.path == kNext) {
      if (++nexts == 1) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1200));
        return c.respond(200, "{\"slow\":true}", nextHeaders("s1"));
      }
      return c.respond(500, "");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    c.respond(202, "");
  });
  auto start = std::chrono::steady_clock::now();
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_GE(took, std::chrono::milliseconds(1500));
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/s1/response");
  EXPECT_NE(reqs[1].body.find("\"event\":{\"slow\":true}"), std::string::npos) << reqs[1].body;
  EXPECT_EQ(r.stdoutText, "line one s1\nline two\n");
  EXPECT_EQ(api.connections(), 1);
}

// A connection that closes in the middle of an answer (head sent, body cut
// short) is a closed connection too: the request is sent again on a new one.
TEST(RuntimeRun, ConnectionClosedMidAnswerIsRetried) {
  std::atomic<int> calls{0};
  FakeRuntimeApi api([&](const Request& req, FakeRuntimeApi::Conn& c) {
    int n = ++calls;
    if (n == 1) {
      c.send("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n" + nextHeaders("cut") + "\r\n{\"partial\":");
      return c.close();
    }
    if (n == 2) return c.respond(200, "{\"whole\":1}", nextHeaders("w"));
    if (n == 3) return c.respond(202, "");
    c.respond(500, "");
  });
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].path, kNext);
  EXPECT_EQ(reqs[1].path, kNext);
  EXPECT_EQ(reqs[2].path, "/2018-06-01/runtime/invocation/w/response");
  EXPECT_NE(reqs[2].body.find("\"event\":{\"whole\":1}"), std::string::npos) << reqs[2].body;
  EXPECT_EQ(r.stdoutText, "line one w\nline two\n");  // the cut event was never handled
  EXPECT_EQ(api.connections(), 2);
}

// 500 to a response is a container error like 500 on next: the runtime exits.
TEST(RuntimeRun, Answer500OnResponseExits) {
  FakeRuntimeApi api(serveEvents({"{}", "{}"}, 500));
  ChildResult r = runChild(api.hostPort(), nullptr, echoHandler);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.stderrText.find("the Runtime API answered 500 to the response; exiting"), std::string::npos)
      << r.stderrText;
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 2u);  // no second /next
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/req-0/response");
}

}  // namespace
