// One fixture for the tests that build a generated handler and run it:
// .flow text → front end → codegen → the real static `bootstrap` (clang++,
// ld.lld, libflowrt.a) → run::LocalLambda, a real Runtime API server. Each
// test file keeps its own reading of what the handler printed (its Output).
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/codegen.h"
#include "driver/frontend.h"
#include "driver/toolchain.h"
#include "run/local_lambda.h"

namespace flowc::testing_support {

// What one invocation answered and printed, its stdout lines sorted by kind.
struct HandlerOutput {
  std::vector<std::string> rows;         // sink lines, in order
  std::vector<std::string> deadLetters;  // dead-letter lines, in order
  std::string metrics;                   // the EMF line
  std::string response;
  bool ok = false;
  std::string errorType;
  std::string error;  // "errorType: errorMessage", then the handler's stderr
};

class HandlerFixture : public testing::Test {
 protected:
  // `suite` names the test file's directory under the temp dir (sources and
  // build cache, kept between runs so rebuilding is cheap).
  explicit HandlerFixture(std::string suite) : suite_(std::move(suite)) {}

  void SetUp() override {
    ToolchainLookup lookup = findHandlerToolchain(Arch::X86_64);
    if (!lookup.ok() && lookup.error.find("built without") != std::string::npos) GTEST_SKIP() << lookup.error;
    ASSERT_TRUE(lookup.ok()) << lookup.error;
  }
  void TearDown() override {
    if (lambda_) lambda_->shutdown();
    lambda_.reset();
  }

  std::filesystem::path suiteDir() const {
    return std::filesystem::temp_directory_path() / fmt::format("flowc-{}-test-{}", suite_, ::getuid());
  }

  // Builds the handler of `flow` (with `files` beside it) and starts it.
  // Use with ASSERT_NO_FATAL_FAILURE.
  void start(const std::string& flow, const std::map<std::string, std::string>& files = {},
             Arch arch = Arch::X86_64) {
    namespace fs = std::filesystem;
    fs::path src = suiteDir() / testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(src);
    for (const auto& [file, text] : files) std::ofstream((src / file).string(), std::ios::binary) << text;
    std::string path = (src / "test.flow").string();
    std::ofstream(path, std::ios::binary) << flow;
    auto fe = driver::runFrontEnd(path);
    ASSERT_FALSE(fe->ioError) << fe->ioMessage;
    ASSERT_FALSE(fe->diags.hasErrors()) << dump(*fe);
    codegen::EmitOptions options;
    options.source = fe->file.get();
    codegen::GeneratedUnit unit =
        codegen::emitHandler(fe->plan, fe->catalog, fe->program, fe->diags, "test.flow", options);
    ASSERT_FALSE(fe->diags.hasErrors()) << dump(*fe);
    BuildOptions build;
    build.cacheDir = (suiteDir() / "cache").string();
    BuildResult r = buildBootstrap(unit.cpp, arch, build);
    ASSERT_TRUE(r.ok()) << r.error;
    run::LambdaConfig config;
    config.bootstrap = r.bootstrapPath;
    if (arch == Arch::Arm64) {
      // No binfmt_misc here: qemu-user runs the arm64 ELF.
      config.launcher = {"qemu-aarch64"};
      config.taskRoot = src.string();
    }
    config.functionName = suite_ + "-test";
    config.timeoutMs = 20000;
    lambda_ = std::make_unique<run::LocalLambda>(config);
    ASSERT_EQ(lambda_->open(), std::nullopt);
  }

  // Invokes the started handler with `event`.
  HandlerOutput invokeHandler(const std::string& event) {
    HandlerOutput out;
    run::InvokeResult r = lambda_->invoke(event);
    out.ok = r.ok;
    out.response = r.response;
    out.errorType = r.errorType;
    out.error = r.errorType + ": " + r.errorMessage + "\n" + r.stderrText;
    for (const std::string& line : r.logLines) {
      if (line.rfind("{\"_aws\":", 0) == 0) {
        out.metrics = line;
      } else if (line.rfind("{\"stream\":\"_dead_letter\"", 0) == 0) {
        out.deadLetters.push_back(line);
      } else {
        out.rows.push_back(line);
      }
    }
    return out;
  }

  static std::string dump(const driver::FrontEnd& fe) {
    std::ostringstream s;
    printDiagnosticsText(*fe.file, fe.diags, s);
    return s.str();
  }

  std::unique_ptr<run::LocalLambda> lambda_;

 private:
  std::string suite_;
};

}  // namespace flowc::testing_support
