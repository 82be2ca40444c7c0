#include "support/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace flowc {

namespace {

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::vector<std::string> buildEnvironment(const CommandOptions& options) {
  std::vector<std::string> env;
  if (!options.clearEnvironment) {
    for (char** e = environ; *e; ++e) {
      std::string entry(*e);
      std::string name = entry.substr(0, entry.find('='));
      bool overridden = false;
      for (const std::string& o : options.env) {
        if (o.compare(0, name.size() + 1, name + "=") == 0) overridden = true;
      }
      if (!overridden) env.push_back(std::move(entry));
    }
  }
  for (const std::string& o : options.env) env.push_back(o);
  return env;
}

std::vector<char*> cStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

CommandResult exitInfo(int status) {
  CommandResult r;
  r.started = true;
  if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string CommandResult::describe(const std::string& program) const {
  if (!started) return fmt::format("{} could not be started: {}", program, error);
  if (timedOut) return fmt::format("{} did not finish in time and was stopped", program);
  if (signal != 0) return fmt::format("{} was killed by signal {} ({})", program, signal, strsignal(signal));
  return fmt::format("{} exited with status {}", program, exitCode);
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept : pid_(o.pid_), in_(o.in_), out_(o.out_), err_(o.err_) {
  o.pid_ = -1;
  o.in_ = o.out_ = o.err_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    kill();
    pid_ = o.pid_;
    in_ = o.in_;
    out_ = o.out_;
    err_ = o.err_;
    o.pid_ = -1;
    o.in_ = o.out_ = o.err_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill(); }

void ChildProcess::kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  closeFd(in_);
  closeFd(out_);
  closeFd(err_);
}

void ChildProcess::closeStdin() { closeFd(in_); }

std::optional<std::string> ChildProcess::start(const std::vector<std::string>& argv,
                                               const CommandOptions& options, bool pipeStdin,
                                               bool pipeStdout, bool pipeStderr) {
  if (argv.empty()) return std::string("no program to run");
  int inPipe[2] = {-1, -1}, outPipe[2] = {-1, -1}, errPipe[2] = {-1, -1};
  auto closeAll = [&] {
    for (int* p : {inPipe, outPipe, errPipe}) {
      closeFd(p[0]);
      closeFd(p[1]);
    }
  };
  if ((pipeStdin && ::pipe2(inPipe, O_CLOEXEC) != 0) || (pipeStdout && ::pipe2(outPipe, O_CLOEXEC) != 0) ||
      (pipeStderr && ::pipe2(errPipe, O_CLOEXEC) != 0)) {
    std::string e = std::strerror(errno);
    closeAll();
    return e;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (pipeStdin) posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0);
  if (pipeStdout) posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  if (pipeStderr) posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  if (!options.workingDirectory.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.workingDirectory.c_str());

  std::vector<std::string> args = argv;
  std::vector<std::string> env = buildEnvironment(options);
  std::vector<char*> cargs = cStrings(args);
  std::vector<char*> cenv = cStrings(env);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, cargs.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    closeAll();
    return std::string(std::strerror(rc));
  }
  pid_ = pid;
  closeFd(inPipe[0]);
  closeFd(outPipe[1]);
  closeFd(errPipe[1]);
  in_ = inPipe[1];
  out_ = outPipe[0];
  err_ = errPipe[0];
  return std::nullopt;
}

CommandResult ChildProcess::wait(int timeoutMs) {
  int status = 0;
  if (pid_ <= 0) return {};
  if (timeoutMs <= 0) {
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  } else {
    int64_t deadline = nowMs() + timeoutMs;
    while (true) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (nowMs() >= deadline) {
        kill();
        CommandResult res;
        res.started = true;
        res.timedOut = true;
        return res;
      }
      ::usleep(2000);
    }
  }
  pid_ = -1;
  return exitInfo(status);
}

CommandResult runCommand(const std::vector<std::string>& argv, const CommandOptions& options) {
  ChildProcess child;
  CommandResult result;
  if (auto error = child.start(argv, options, true, true, true)) {
    result.error = *error;
    return result;
  }
  // Feed stdin and drain stdout/stderr together, so neither side blocks on a
  // full pipe.
  size_t written = 0;
  if (options.input.empty()) {
    child.closeStdin();
  } else {
    // A blocking write of more than a pipe's capacity would wait for the
    // child, which may itself wait for us to read its output.
    ::fcntl(child.stdinFd(), F_SETFL, ::fcntl(child.stdinFd(), F_GETFL) | O_NONBLOCK);
  }
  int64_t deadline = options.timeoutMs > 0 ? nowMs() + options.timeoutMs : 0;
  std::string out, err;
  bool cut = false;
  int outFd = child.stdoutFd(), errFd = child.stderrFd();
  while (outFd >= 0 || errFd >= 0) {
    struct pollfd fds[3];
    int n = 0;
    int outIndex = -1, errIndex = -1, inIndex = -1;
    if (outFd >= 0) fds[outIndex = n++] = {outFd, POLLIN, 0};
    if (errFd >= 0) fds[errIndex = n++] = {errFd, POLLIN, 0};
    if (child.stdinFd() >= 0) fds[inIndex = n++] = {child.stdinFd(), POLLOUT, 0};
    int wait = 100;
    if (deadline && nowMs() >= deadline) {
      child.kill();
      result.started = true;
      result.timedOut = true;
      result.out = std::move(out);
      result.err = std::move(err);
      return result;
    }
    int rc = ::poll(fds, static_cast<nfds_t>(n), wait);
    if (rc < 0 && errno != EINTR) break;
    char buf[65536];
    auto drain = [&](int index, int& fd, std::string& into) {
      if (index < 0 || !(fds[index].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got <= 0) {
        fd = -1;  // the ChildProcess still owns and closes it
        return;
      }
      if (into.size() + static_cast<size_t>(got) > options.maxOutputBytes) {
        cut = true;
        return;
      }
      into.append(buf, static_cast<size_t>(got));
    };
    drain(outIndex, outFd, out);
    drain(errIndex, errFd, err);
    if (inIndex >= 0 && (fds[inIndex].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t put = ::write(child.stdinFd(), options.input.data() + written, options.input.size() - written);
      if (put > 0) written += static_cast<size_t>(put);
      if ((put < 0 && errno != EAGAIN) || written == options.input.size()) child.closeStdin();
    }
  }
  int remaining = 0;
  if (deadline) remaining = static_cast<int>(std::max<int64_t>(1, deadline - nowMs()));
  result = child.wait(remaining);
  result.out = std::move(out);
  result.err = std::move(err);
  if (cut) result.err += fmt::format("\n[flowc: output cut at {} bytes]\n", options.maxOutputBytes);
  return result;
}

}  // namespace flowc
