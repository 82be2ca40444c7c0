// LocalLambda against real custom-runtime bootstraps: the benchmark peers
// (Python, Node.js) checked against an independent oracle, and misbehaving
// bootstraps (tests/e2e/Inputs) for init errors, crashes, hangs, oversized
// responses and function errors.
#include "run/local_lambda.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "run/event_wrapping.h"

namespace flowc::run {
namespace {

const std::string kSource = FLOWC_SOURCE_DIR;
const std::string kInputs = kSource + "/tests/e2e/Inputs";
#ifdef FLOWC_SHARED_DIR
const std::string kShared = FLOWC_SHARED_DIR;
#else
const std::string kShared = kSource + "/../shared";
#endif

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> readLines(const std::string& path) { return splitLines(readFile(path)); }

LambdaConfig configFor(const std::string& bootstrap) {
  LambdaConfig c;
  c.bootstrap = bootstrap;
  c.timeoutMs = 10000;
  return c;
}

// One workload for the whole file: gen_kinesis.py's 200 records and q1's
// expected lines from the oracle.
struct Workload {
  std::string dir;
  std::string event;
  std::vector<std::string> records;
  std::vector<std::string> expected;
};

const Workload& workload() {
  static Workload w = [] {
    Workload w;
    char tmpl[] = "/tmp/flowc-run-test-XXXXXX";
    w.dir = ::mkdtemp(tmpl);
    CommandResult gen = runCommand({"python3", kShared + "/bench/gen_kinesis.py", "--records", "200", "--out", w.dir});
    EXPECT_TRUE(gen.ok()) << gen.describe("gen_kinesis.py") << gen.err;
    w.event = readFile(w.dir + "/event-000.json");
    w.records = readLines(w.dir + "/records.jsonl");
    CommandResult oracle = runCommand({"python3", kSource + "/tests/e2e/q1_oracle.py", w.dir + "/records.jsonl"});
    EXPECT_TRUE(oracle.ok()) << oracle.err;
    w.expected = splitLines(oracle.out);
    return w;
  }();
  return w;
}

void expectPeerRunsQ1(const std::string& peer) {
  const Workload& w = workload();
  ASSERT_EQ(w.records.size(), 200u);
  ASSERT_GT(w.expected.size(), 10u);
  LambdaConfig c = configFor(peer);
  c.environment = {"FLOW_BENCH_QUERY=q1"};
  LocalLambda lambda(c);
  for (int i = 0; i < 3; ++i) {  // cold, then warm on the same process
    InvokeResult r = lambda.invoke(w.event);
    ASSERT_TRUE(r.ok) << r.errorType << ": " << r.errorMessage << "\n" << r.stderrText;
    EXPECT_EQ(r.logLines, w.expected);
    // Python writes {"batchItemFailures": []}, Node {"batchItemFailures":[]}.
    std::optional<std::vector<std::string>> failures = batchItemFailures(r.response);
    ASSERT_TRUE(failures.has_value()) << r.response;
    EXPECT_TRUE(failures->empty());
    EXPECT_NE(r.response.find("batchItemFailures"), std::string::npos);
    EXPECT_EQ(r.initDurationMs.has_value(), i == 0);
    EXPECT_GT(r.durationMs, 0.0);
    EXPECT_TRUE(r.protocolErrors.empty());
  }
  EXPECT_EQ(lambda.coldStarts(), 1);
}

TEST(LocalLambdaTest, PythonPeerRunsQ1) { expectPeerRunsQ1(kShared + "/bench/peers/python/bootstrap"); }

TEST(LocalLambdaTest, NodePeerRunsQ1) {
  if (::access("/usr/bin/node", X_OK) != 0) GTEST_SKIP() << "node is not installed";
  expectPeerRunsQ1(kShared + "/bench/peers/node/bootstrap");
}

TEST(LocalLambdaTest, WrappedRecordsGiveTheSameLinesAsTheGeneratedEvents) {
  // The records, re-wrapped by EventSourceMapping in batches of 64, through
  // the Python peer: the concatenated output is q1's, in order.
  const Workload& w = workload();
  LambdaConfig c = configFor(kShared + "/bench/peers/python/bootstrap");
  c.environment = {"FLOW_BENCH_QUERY=q1"};
  LocalLambda lambda(c);
  WrapOptions o;
  o.kind = SourceKind::Kinesis;
  o.batchSize = 64;
  o.keyField = "user_id";
  EventSourceMapping mapping(w.records, o);
  std::vector<std::string> lines;
  int invokes = 0;
  while (!mapping.done()) {
    Batch b = mapping.next();
    InvokeResult r = lambda.invoke(b.event);
    ASSERT_TRUE(r.ok) << r.errorMessage;
    lines.insert(lines.end(), r.logLines.begin(), r.logLines.end());
    EXPECT_TRUE(mapping.complete(r.response).empty());
    ++invokes;
  }
  EXPECT_EQ(invokes, 4);
  EXPECT_EQ(lines, w.expected);
  EXPECT_TRUE(mapping.givenUp().empty());
}

TEST(LocalLambdaTest, EnvironmentHeadersAndLogsAreLambdas) {
  LambdaConfig c = configFor(kInputs + "/echo_bootstrap");
  c.functionName = "clicks-fn";
  c.memoryMb = 256;
  c.region = "eu-west-1";
  c.environment = {"MY_SETTING=on", "AWS_REGION=ignored"};
  LocalLambda lambda(c);
  InvokeResult r = lambda.invoke("{\"n\":1}");
  ASSERT_TRUE(r.ok) << r.errorMessage << r.stderrText;
  EXPECT_EQ(r.response, "{\"n\":1}");
  EXPECT_EQ(r.initLogLines, std::vector<std::string>{"init line"});
  // "status 202" is printed after the answer: it belongs to what follows.
  ASSERT_EQ(r.logLines.size(), 1u);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.logLines[0]);
  auto env = doc["env"];
  EXPECT_EQ(std::string_view(env["AWS_LAMBDA_RUNTIME_API"]), lambda.server().address());
  EXPECT_EQ(std::string_view(env["AWS_LAMBDA_FUNCTION_NAME"]), "clicks-fn");
  EXPECT_EQ(std::string_view(env["AWS_LAMBDA_FUNCTION_VERSION"]), "$LATEST");
  EXPECT_EQ(std::string_view(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]), "256");
  EXPECT_EQ(std::string_view(env["AWS_REGION"]), "eu-west-1");
  EXPECT_EQ(std::string_view(env["AWS_DEFAULT_REGION"]), "eu-west-1");
  EXPECT_EQ(std::string_view(env["_HANDLER"]), "bootstrap");
  EXPECT_EQ(std::string_view(env["LAMBDA_TASK_ROOT"]), kInputs);
  EXPECT_EQ(std::string_view(env["AWS_LAMBDA_LOG_GROUP_NAME"]), "/aws/lambda/clicks-fn");
  EXPECT_NE(std::string_view(env["AWS_LAMBDA_LOG_STREAM_NAME"]).find("/[$LATEST]"), std::string_view::npos);
  EXPECT_EQ(std::string_view(env["TZ"]), ":UTC");
  EXPECT_EQ(std::string_view(env["LANG"]), "en_US.UTF-8");
  EXPECT_EQ(std::string_view(env["PATH"]), "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
  EXPECT_EQ(std::string_view(env["LD_LIBRARY_PATH"]),
            "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:" + kInputs + ":" + kInputs + "/lib:/opt/lib");
  EXPECT_TRUE(env["HOME"].is_null());  // the parent's environment does not leak in
  EXPECT_EQ(std::string_view(env["MY_SETTING"]), "on");
  EXPECT_EQ(std::string_view(doc["cwd"]), kInputs);
  auto headers = doc["headers"];
  EXPECT_EQ(std::string_view(headers["Lambda-Runtime-Aws-Request-Id"]), r.requestId);
  EXPECT_EQ(std::string_view(headers["Lambda-Runtime-Invoked-Function-Arn"]),
            "arn:aws:lambda:eu-west-1:123456789012:function:clicks-fn");
  EXPECT_EQ(std::string_view(headers["Lambda-Runtime-Trace-Id"]).substr(0, 7), "Root=1-");
  int64_t deadline = std::stoll(std::string(std::string_view(headers["Lambda-Runtime-Deadline-Ms"])));
  EXPECT_GT(deadline, epochMsNow());
  EXPECT_LE(deadline, epochMsNow() + c.timeoutMs);

  // A function error does not end the runtime: the next invoke is warm.
  InvokeResult e = lambda.invoke("{\"fail\":true}");
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.errorType, "ValueError");
  EXPECT_EQ(e.errorMessage, "asked to fail");
  EXPECT_FALSE(e.initFailed);
  ASSERT_EQ(e.logLines.size(), 2u);
  EXPECT_EQ(e.logLines[0], "status 202");
  InvokeResult again = lambda.invoke("[1,2]");
  EXPECT_TRUE(again.ok);
  EXPECT_EQ(again.response, "[1,2]");
  EXPECT_FALSE(again.initDurationMs.has_value());
  EXPECT_EQ(lambda.coldStarts(), 1);
}

// /proc/<pid>/stat's state letter ('T' when stopped), or 0.
char processState(pid_t pid) {
  std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}

// As Lambda freezes an execution environment between invocations: stopped
// once its answer is in, using no CPU, continued for the next event, and
// shut down frozen.
TEST(LocalLambdaTest, FrozenBetweenInvocationsWhenAsked) {
  const Workload& w = workload();
  LambdaConfig c = configFor(kShared + "/bench/peers/node/bootstrap");
  c.environment = {"FLOW_BENCH_QUERY=q1"};
  c.freezeBetweenInvocations = true;
  LocalLambda lambda(c);
  for (int i = 0; i < 3; ++i) {
    InvokeResult r = lambda.invoke(w.event);
    ASSERT_TRUE(r.ok) << r.errorType << ": " << r.errorMessage << "\n" << r.stderrText;
    EXPECT_EQ(r.logLines, w.expected);
    pid_t pid = lambda.pid();
    EXPECT_EQ(processState(pid), 'T');
    clockid_t clock;
    ASSERT_EQ(::clock_getcpuclockid(pid, &clock), 0);
    timespec before{}, after{};
    ::clock_gettime(clock, &before);
    ::usleep(50 * 1000);
    ::clock_gettime(clock, &after);
    EXPECT_EQ(before.tv_sec, after.tv_sec);
    EXPECT_EQ(before.tv_nsec, after.tv_nsec);  // Node's threads too
  }
  EXPECT_EQ(lambda.coldStarts(), 1);
  lambda.thaw();
  EXPECT_NE(processState(lambda.pid()), 'T');
  lambda.shutdown();
  EXPECT_FALSE(lambda.running());
  c.freezeBetweenInvocations = false;  // not asked: left running
  LocalLambda plain(c);
  ASSERT_TRUE(plain.invoke(w.event).ok);
  EXPECT_NE(processState(plain.pid()), 'T');
}

TEST(LocalLambdaTest, InitErrorIsReportedAndTheNextInvokeStartsAgain) {
  LocalLambda lambda(configFor(kInputs + "/init_error_bootstrap"));
  for (int i = 1; i <= 2; ++i) {
    InvokeResult r = lambda.invoke("{}");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.initFailed);
    EXPECT_EQ(r.errorType, "Runtime.HandlerNotFound");
    EXPECT_EQ(r.errorMessage, "handler 'main' not found");
    EXPECT_EQ(r.initLogLines, (std::vector<std::string>{"loading handler", "init/error answered 202"}));
    EXPECT_EQ(lambda.coldStarts(), i);
    EXPECT_FALSE(lambda.running());
  }
}

TEST(LocalLambdaTest, ExitDuringAnInvokeIsARuntimeExitError) {
  LocalLambda lambda(configFor(kInputs + "/exit_bootstrap"));
  InvokeResult r = lambda.invoke("{}");
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.initFailed);
  EXPECT_EQ(r.errorType, "Runtime.ExitError");
  EXPECT_EQ(r.exitDescription, "Runtime exited with error: exit status 3");
  EXPECT_EQ(r.errorMessage, "RequestId: " + r.requestId + " Error: Runtime exited with error: exit status 3");
  EXPECT_EQ(r.logLines, std::vector<std::string>{"took " + r.requestId});
  EXPECT_FALSE(lambda.running());
  InvokeResult again = lambda.invoke("{}");  // a new sandbox
  EXPECT_EQ(again.errorType, "Runtime.ExitError");
  EXPECT_TRUE(again.initDurationMs.has_value());
  EXPECT_EQ(lambda.coldStarts(), 2);
}

TEST(LocalLambdaTest, HungInvokeTimesOutAndIsKilled) {
  LambdaConfig c = configFor(kInputs + "/hang_bootstrap");
  c.timeoutMs = 1000;
  LocalLambda lambda(c);
  InvokeResult r = lambda.invoke("{}");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.errorType, "Sandbox.Timedout");
  EXPECT_EQ(r.errorMessage, "RequestId: " + r.requestId + " Error: Task timed out after 1.00 seconds");
  EXPECT_GE(r.durationMs, 999.0);
  EXPECT_EQ(r.logLines, std::vector<std::string>{"hanging on " + r.requestId});
  EXPECT_FALSE(lambda.running());
}

TEST(LocalLambdaTest, ResponseOverSixMegabytesIs413) {
  LocalLambda lambda(configFor(kInputs + "/big_response_bootstrap"));
  InvokeResult r = lambda.invoke("{}");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.errorType, "Function.ResponseSizeTooLarge");
  EXPECT_NE(r.errorMessage.find("6291556 bytes"), std::string::npos) << r.errorMessage;
  // The runtime saw 413 (its line is printed before its next call, which is
  // the refused /error: it lands in this invoke or the next).
  InvokeResult next = lambda.invoke("{}");
  std::vector<std::string> lines = r.logLines;
  lines.insert(lines.end(), next.logLines.begin(), next.logLines.end());
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "response status 413");
  EXPECT_EQ(lines[1], "error status 403");
  EXPECT_EQ(next.errorType, "Function.ResponseSizeTooLarge");
  EXPECT_EQ(lambda.coldStarts(), 1);
}

TEST(LocalLambdaTest, FunctionErrorKeepsTypeMessageAndStderr) {
  LocalLambda lambda(configFor(kInputs + "/function_error_bootstrap"));
  InvokeResult r = lambda.invoke("{}");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.errorType, "ZeroDivisionError");
  EXPECT_EQ(r.errorMessage, "division by zero");
  EXPECT_NE(r.errorBody.find("\"stackTrace\": []"), std::string::npos);
  EXPECT_EQ(r.stderrText, "Traceback: ZeroDivisionError\n");
  EXPECT_TRUE(lambda.running());
}

TEST(LocalLambdaTest, MissingBootstrapIsAnInitFailure) {
  LocalLambda lambda(configFor("/nonexistent/flowc/bootstrap"));
  InvokeResult r = lambda.invoke("{}");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.initFailed);
  EXPECT_NE(r.errorMessage.find("No such file or directory"), std::string::npos) << r.errorMessage;
}

}  // namespace
}  // namespace flowc::run
