// LocalLambda: the runtime process, its environment and output, and the
// invocation state machine over RuntimeApiServer's calls.
#include "run/local_lambda.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <simdjson.h>

namespace flowc::run {

namespace {

double msBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

int msUntil(Clock::time_point t) {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return d < 0 ? 0 : static_cast<int>(std::min<int64_t>(d + 1, 1 << 30));
}

std::string directoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// errorType / errorMessage of Lambda's error document, when it is one.
void parseErrorDocument(const std::string& body, std::string& type, std::string& message) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || !doc.is_object()) return;
  std::string_view s;
  if (type.empty() && doc["errorType"].get_string().get(s) == simdjson::SUCCESS) type = std::string(s);
  if (doc["errorMessage"].get_string().get(s) == simdjson::SUCCESS) message = std::string(s);
}

std::string describeExit(const CommandResult& r) {
  if (r.signal != 0) {
    std::string name = strsignal(r.signal);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    return fmt::format("Runtime exited with error: signal: {}", name);
  }
  if (r.exitCode == 0) return "Runtime exited without providing a reason";
  return fmt::format("Runtime exited with error: exit status {}", r.exitCode);
}

const char* const kReserved[] = {
    "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_DEFAULT_REGION", "_HANDLER", "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "TZ", "_X_AMZN_TRACE_ID"};

}  // namespace

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

LocalLambda::LocalLambda(LambdaConfig config) : config_(std::move(config)) {
  if (config_.taskRoot.empty()) config_.taskRoot = directoryOf(config_.bootstrap);
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  uint64_t seed = static_cast<uint64_t>(epochMsNow()) ^ static_cast<uint64_t>(::getpid());
  std::string hex = makeUuid(seed, 1);
  hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
  logStream_ = fmt::format("{:04}/{:02}/{:02}/[{}]{}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           config_.functionVersion, hex);
}

LocalLambda::~LocalLambda() { stopRuntime(); }

std::optional<std::string> LocalLambda::open() {
  if (serverStarted_) return std::nullopt;
  if (auto e = server_.start()) return e;
  server_.setObserver([this](const RuntimeCall& call) {
    if (!child_) return;
    drain(false);
    // Only the FIRST /next ends the init output: when the machine is busy the
    // runtime may answer the first event and ask for the next one before
    // invoke() looks, and that second /next must not swallow the event's lines.
    if (call.kind == RuntimeCall::NextRequested && !initDone_ && !initOutputEnd_) initOutputEnd_ = out_.size();
  });
  serverStarted_ = true;
  return std::nullopt;
}

pid_t LocalLambda::pid() const { return child_ ? child_->pid() : -1; }

std::string LocalLambda::functionArn() const {
  return fmt::format("arn:aws:lambda:{}:{}:function:{}", config_.region, config_.accountId, config_.functionName);
}

std::vector<std::string> LocalLambda::environment() const {
  const std::string& root = config_.taskRoot;
  std::vector<std::string> env = {
      fmt::format("AWS_LAMBDA_RUNTIME_API={}", server_.address()),
      fmt::format("AWS_LAMBDA_FUNCTION_NAME={}", config_.functionName),
      fmt::format("AWS_LAMBDA_FUNCTION_VERSION={}", config_.functionVersion),
      fmt::format("AWS_LAMBDA_FUNCTION_MEMORY_SIZE={}", config_.memoryMb),
      fmt::format("AWS_REGION={}", config_.region),
      fmt::format("AWS_DEFAULT_REGION={}", config_.region),
      fmt::format("_HANDLER={}", config_.handler),
      fmt::format("LAMBDA_TASK_ROOT={}", root),
      "LAMBDA_RUNTIME_DIR=/var/runtime",
      fmt::format("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/{}", config_.functionName),
      fmt::format("AWS_LAMBDA_LOG_STREAM_NAME={}", logStream_),
      "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
      "TZ=:UTC",
      "LANG=en_US.UTF-8",
      "PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
      fmt::format("LD_LIBRARY_PATH=/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:{0}:{0}/lib:/opt/lib", root),
  };
  for (const std::string& e : config_.environment) {
    std::string name = e.substr(0, e.find('='));
    bool reserved = false;
    for (const char* r : kReserved) reserved = reserved || name == r;
    for (const std::string& have : env) reserved = reserved || have.compare(0, name.size() + 1, name + "=") == 0;
    if (!reserved) env.push_back(e);
  }
  return env;
}

std::optional<std::string> LocalLambda::startRuntime() {
  auto child = std::make_unique<ChildProcess>();
  CommandOptions options;
  options.env = environment();
  options.clearEnvironment = true;
  options.workingDirectory = config_.taskRoot;
  server_.resetSandbox();
  spawnedAt_ = Clock::now();
  std::vector<std::string> argv = config_.launcher;
  argv.push_back(config_.bootstrap);
  if (auto e = child->start(argv, options, false, true, true))
    return fmt::format("could not start '{}': {}", config_.bootstrap, *e);
  child_ = std::move(child);
  ++coldStarts_;
  initDone_ = false;
  outFd_ = child_->stdoutFd();
  errFd_ = child_->stderrFd();
  for (int fd : {outFd_, errFd_}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    server_.watch(fd);
  }
  // A pidfd becomes readable when the runtime exits: no polling of waitpid.
  pidFd_ = static_cast<int>(::syscall(SYS_pidfd_open, child_->pid(), 0));
  if (pidFd_ >= 0) server_.watch(pidFd_);
  return std::nullopt;
}

void LocalLambda::stopRuntime() {
  for (int* fd : {&outFd_, &errFd_}) {
    if (*fd >= 0) server_.unwatch(*fd);
    *fd = -1;
  }
  if (pidFd_ >= 0) {
    server_.unwatch(pidFd_);
    ::close(pidFd_);
    pidFd_ = -1;
  }
  child_.reset();  // kills and reaps a runtime still running (frozen or not), closes the pipes
  frozen_ = false;
  initDone_ = false;
  server_.resetSandbox();
}

void LocalLambda::drain(bool toEof) {
  char buf[65536];
  Clock::time_point giveUp = Clock::now() + std::chrono::seconds(1);
  for (int* fd : {&outFd_, &errFd_}) {
    std::string& into = fd == &outFd_ ? out_ : err_;
    while (*fd >= 0) {
      ssize_t got = ::read(*fd, buf, sizeof buf);
      if (got > 0) {
        if (out_.size() + err_.size() + static_cast<size_t>(got) > config_.maxOutputBytes) {
          outputCut_ = true;
        } else {
          into.append(buf, static_cast<size_t>(got));
        }
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!toEof) break;
        // The runtime is gone but something it started still holds the pipe:
        // wait a little for it, never forever.
        pollfd p{*fd, POLLIN, 0};
        if (Clock::now() < giveUp && ::poll(&p, 1, 100) > 0) continue;
        break;
      }
      server_.unwatch(*fd);  // end of file: the descriptor stays owned by the ChildProcess
      *fd = -1;
    }
  }
}

void LocalLambda::takeOutput(InvokeResult& r) {
  r.logLines = splitLines(out_);
  r.stderrText = std::move(err_);
  if (outputCut_) r.stderrText += fmt::format("\n[flowc: output cut at {} bytes]\n", config_.maxOutputBytes);
  out_.clear();
  err_.clear();
  outputCut_ = false;
}

InvokeResult LocalLambda::invoke(const std::string& eventJson) {
  InvokeResult r;
  if (auto e = open()) {
    r.errorType = "Runtime.Unavailable";
    r.errorMessage = *e;
    return r;
  }
  thaw();
  // A runtime that exited between invokes is replaced, as Lambda does.
  if (child_ && pidFd_ >= 0) {
    pollfd p{pidFd_, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
      drain(true);
      stopRuntime();
    }
  }
  bool cold = false;
  if (!child_) {
    if (auto e = startRuntime()) {
      r.initFailed = true;
      r.errorType = "Runtime.InvalidEntrypoint";
      r.errorMessage = *e;
      return r;
    }
    cold = true;
  }
  Invocation inv;
  inv.event = eventJson;
  inv.timeoutMs = config_.timeoutMs;
  inv.functionArn = functionArn();
  Clock::time_point enqueuedAt = Clock::now();
  r.requestId = server_.enqueue(std::move(inv));

  bool delivered = false;
  Clock::time_point deliveredAt{};
  bool done = false;
  bool died = false;
  bool initError = false;
  auto fail = [&](std::string type, std::string message) {
    r.ok = false;
    r.errorType = std::move(type);
    r.errorMessage = std::move(message);
    done = true;
  };
  while (!done) {
    Clock::time_point limit = delivered  ? deliveredAt + std::chrono::milliseconds(config_.timeoutMs)
                              : initDone_ ? enqueuedAt + std::chrono::milliseconds(config_.timeoutMs)
                                          : spawnedAt_ + std::chrono::milliseconds(config_.initTimeoutMs);
    int waitMs = msUntil(limit);
    std::vector<int> ready = server_.wait(waitMs);
    for (RuntimeCall& call : server_.takeCalls()) {
      switch (call.kind) {
        case RuntimeCall::NextRequested:
          if (!initDone_) {
            initDone_ = true;
            if (cold) r.initDurationMs = msBetween(spawnedAt_, call.at);
          }
          break;
        case RuntimeCall::Delivered:
          if (call.requestId == r.requestId) {
            delivered = true;
            deliveredAt = call.at;
          }
          break;
        case RuntimeCall::Response:
          if (call.requestId == r.requestId) {
            r.ok = true;
            r.response = std::move(call.body);
            r.durationMs = msBetween(deliveredAt, call.at);
            done = true;
          }
          break;
        case RuntimeCall::Error:
          if (call.requestId == r.requestId) {
            r.errorType = call.errorType;
            parseErrorDocument(call.body, r.errorType, r.errorMessage);
            if (r.errorType.empty()) r.errorType = "Runtime.Unknown";
            r.errorBody = std::move(call.body);
            r.durationMs = msBetween(deliveredAt, call.at);
            done = true;
          }
          break;
        case RuntimeCall::TooLarge:
          if (call.requestId == r.requestId) {
            r.durationMs = msBetween(deliveredAt, call.at);
            fail("Function.ResponseSizeTooLarge",
                 fmt::format("Response payload size ({} bytes) exceeded maximum allowed payload size ({} bytes).",
                             call.bodyBytes, kMaxPayloadBytes));
          } else if (call.requestId.empty()) {
            initError = true;
            fail("Function.ResponseSizeTooLarge",
                 fmt::format("init error payload ({} bytes) exceeded maximum allowed payload size ({} bytes)",
                             call.bodyBytes, kMaxPayloadBytes));
          }
          break;
        case RuntimeCall::InitError:
          initError = true;
          r.errorType = call.errorType;
          parseErrorDocument(call.body, r.errorType, r.errorMessage);
          if (r.errorType.empty()) r.errorType = "Runtime.Unknown";
          r.errorBody = std::move(call.body);
          done = true;
          break;
        case RuntimeCall::Rejected:
          r.protocolErrors.push_back(fmt::format("{} ({})", call.message, call.status));
          break;
      }
    }
    for (int fd : ready) {
      if (fd == pidFd_) died = true;
      else drain(false);
    }
    // Without a pidfd (old kernels), both pipes at end of file mean the end.
    if (pidFd_ < 0 && outFd_ < 0 && errFd_ < 0) died = true;
    if (done) break;
    if (died) {
      drain(true);
      CommandResult exit = child_->wait();
      r.exitDescription = describeExit(exit);
      r.durationMs = delivered ? msBetween(deliveredAt, Clock::now()) : 0;
      fail("Runtime.ExitError", fmt::format("RequestId: {} Error: {}", r.requestId, r.exitDescription));
      break;
    }
    if (Clock::now() >= limit) {
      double seconds = (delivered || initDone_ ? config_.timeoutMs : config_.initTimeoutMs) / 1000.0;
      r.durationMs = delivered ? msBetween(deliveredAt, Clock::now()) : 0;
      fail("Sandbox.Timedout", fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds",
                                           r.requestId, seconds));
      died = true;
      drain(false);
      child_->kill();
      r.exitDescription = "killed after the timeout";
      break;
    }
  }
  r.initFailed = !delivered;
  if (initError) {
    // The runtime should exit after /init/error; give it a moment to do so
    // (so its last words are kept), then end it as Lambda does.
    Clock::time_point until = Clock::now() + std::chrono::milliseconds(500);
    while (pidFd_ >= 0 && Clock::now() < until) {
      std::vector<int> ready = server_.wait(msUntil(until));
      bool exited = std::find(ready.begin(), ready.end(), pidFd_) != ready.end();
      drain(false);
      if (exited) break;
    }
    drain(pidFd_ >= 0);
    died = true;
  } else {
    drain(false);
  }
  if (!delivered) initOutputEnd_ = out_.size();
  if (initOutputEnd_) {
    r.initLogLines = splitLines(out_.substr(0, *initOutputEnd_));
    out_.erase(0, *initOutputEnd_);
    initOutputEnd_.reset();
  }
  takeOutput(r);
  if (died) {
    stopRuntime();
  } else if (config_.freezeBetweenInvocations && child_) {
    freeze();
  }
  return r;
}

void LocalLambda::freeze() {
  pid_t pid = child_->pid();
  if (::kill(pid, SIGSTOP) != 0) return;
  frozen_ = true;
  // SIGSTOP is delivered to each thread in turn; the kernel tells the parent
  // once all of them have stopped (a runtime that exits instead is left to
  // the next invoke's check, after at most 100 ms here).
  Clock::time_point until = Clock::now() + std::chrono::milliseconds(100);
  while (Clock::now() < until) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WSTOPPED | WNOHANG) != 0 || info.si_pid == pid) return;
    timespec pause{0, 20 * 1000};
    ::nanosleep(&pause, nullptr);
  }
}

void LocalLambda::thaw() {
  if (frozen_ && child_) ::kill(child_->pid(), SIGCONT);
  frozen_ = false;
}

std::vector<std::string> LocalLambda::shutdown() {
  std::vector<std::string> lines;
  if (child_) {
    drain(false);
    lines = splitLines(out_);
    out_.clear();
    err_.clear();
  }
  stopRuntime();
  return lines;
}

}  // namespace flowc::run
