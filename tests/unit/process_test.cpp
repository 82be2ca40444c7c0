// Child processes: argv only (no shell), output captured, exit status,
// signals, timeouts and a program that does not exist.
#include "support/process.h"

#include <gtest/gtest.h>

#include <csignal>

namespace flowc {
namespace {

TEST(ProcessTest, CapturesOutputAndStatus) {
  CommandResult r = runCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.started);
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe("sh"), "sh exited with status 3");
}

TEST(ProcessTest, ArgumentsAreNeverInterpretedByAShell) {
  CommandResult r = runCommand({"printf", "%s|", "a b", "$(touch /tmp/flowc-pwned)", "`x`; rm -rf /"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "a b|$(touch /tmp/flowc-pwned)|`x`; rm -rf /|");
}

TEST(ProcessTest, FeedsStdinAndReadsLargeOutput) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string input(1 << 20, 'x');
  CommandResult r = runCommand({"cat"}, {.env = {}, .clearEnvironment = false, .workingDirectory = {}, .input = input});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.out.size(), input.size());
}

TEST(ProcessTest, MissingProgramIsReportedNotThrown) {
  CommandResult r = runCommand({"flowc-no-such-program-xyz"});
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.describe("flowc-no-such-program-xyz"),
            "flowc-no-such-program-xyz could not be started: No such file or directory");
}

TEST(ProcessTest, TimeoutKillsTheChild) {
  CommandResult r = runCommand({"sleep", "10"}, {.env = {}, .clearEnvironment = false, .workingDirectory = {}, .input = {}, .timeoutMs = 200});
  EXPECT_TRUE(r.timedOut);
  EXPECT_EQ(r.describe("sleep"), "sleep did not finish in time and was stopped");
}

TEST(ProcessTest, SignalIsReported) {
  CommandResult r = runCommand({"sh", "-c", "kill -9 $$"});
  EXPECT_EQ(r.signal, 9);
}

TEST(ProcessTest, EnvironmentAndWorkingDirectory) {
  CommandResult r = runCommand({"sh", "-c", "echo $FLOWC_X; pwd"},
                               {.env = {"FLOWC_X=hello"}, .clearEnvironment = true, .workingDirectory = "/tmp", .input = {}});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "hello\n/tmp\n");
}

}  // namespace
}  // namespace flowc
