// Child processes, always from an argv (never through a shell), so no user
// text is ever interpreted by /bin/sh. Two shapes: run a tool to completion
// and capture what it printed (the compiler and linker), or start a long-
// running child with pipes (the `bootstrap` under `flowc run`).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace flowc {

struct CommandResult {
  bool started = false;    // false: the program could not be executed (see error)
  int exitCode = -1;       // valid when it exited normally
  int signal = 0;          // non-zero when a signal ended it
  bool timedOut = false;
  std::string out;         // its stdout
  std::string err;         // its stderr
  std::string error;       // why it did not start (strerror), when !started
  bool ok() const { return started && !timedOut && signal == 0 && exitCode == 0; }
  // "clang++ exited with status 1", "ld.lld was killed by signal 9", ….
  std::string describe(const std::string& program) const;
};

struct CommandOptions {
  // Extra environment entries "NAME=value"; with clearEnvironment only these.
  std::vector<std::string> env;
  bool clearEnvironment = false;
  std::string workingDirectory;  // empty: the current one
  std::string input;             // written to its stdin (the caller ignores SIGPIPE: main() does)
  int timeoutMs = 0;             // 0: none; on expiry the child is killed (SIGKILL)
  size_t maxOutputBytes = 64 * 1024 * 1024;  // past this, output is cut (and said so)
};

// Runs argv[0] (searched on PATH when it has no '/') with argv and waits.
CommandResult runCommand(const std::vector<std::string>& argv, const CommandOptions& options = {});

// A started child whose stdin, stdout and stderr are pipes held by the parent
// (-1 where not requested). The destructor kills and reaps a child still
// running, so a failing test never leaves one behind.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  // Returns an error message, or nothing on success.
  std::optional<std::string> start(const std::vector<std::string>& argv, const CommandOptions& options,
                                   bool pipeStdin, bool pipeStdout, bool pipeStderr);
  pid_t pid() const { return pid_; }
  int stdinFd() const { return in_; }
  int stdoutFd() const { return out_; }
  int stderrFd() const { return err_; }
  void closeStdin();
  // Waits for the child (at most timeoutMs when > 0; then it is killed).
  // Returns exit information; out/err are not collected here.
  CommandResult wait(int timeoutMs = 0);
  void kill();

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
};

}  // namespace flowc
