// The base64 decoder as it ships: base64_differential.h compiled into a
// program with the handler toolchain against the handler libflowrt.a, for
// x86_64 (-march=haswell: AVX2, and AVX-512 VBMI chosen at run time where
// this CPU has it; every byte value at every position) and arm64 (NEON, run under qemu-aarch64: the
// adversarial bytes at every position, qemu being ~10x slower). The host
// build's own differential test (runtime_base64_test) covers the run-time
// AVX2 dispatch; this one covers the code inside handlers. About 10 s, most
// of it the two static links (cached by content across runs).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "driver/toolchain.h"
#include "support/process.h"

namespace {

using namespace flowc;

std::string programText() {
  std::ifstream in(std::string(FLOWC_SOURCE_DIR) + "/tests/unit/base64_differential.h", std::ios::binary);
  std::string header(std::istreambuf_iterator<char>(in), {});
  EXPECT_FALSE(header.empty());
  size_t once = header.find("#pragma once");
  if (once != std::string::npos) header.erase(once, std::string_view("#pragma once").size());
  return header + R"cpp(
int main(int argc, char** argv) {
  bool full = argc > 1 && std::strcmp(argv[1], "full") == 0;
  b64diff::Report rep = b64diff::run(200, full ? std::string_view() : b64diff::adversarialBytes());
  std::printf("%s %ld %ld\n", flow::detail::base64Name(flow::detail::base64Used()), rep.cases, rep.errors);
  if (!rep.failure.empty()) {
    std::printf("%s\n", rep.failure.c_str());
    return 1;
  }
  return 0;
}
)cpp";
}

void checkArch(Arch arch, std::vector<std::string> launcher, const char* expectedImpl, long minCases,
               bool full) {
  ToolchainLookup lookup = findHandlerToolchain(arch);
  if (!lookup.ok()) GTEST_SKIP() << lookup.error;
  BuildOptions options;
  options.cacheDir = (std::filesystem::temp_directory_path() / fmt::format("flowc-base64-simd-test-{}", ::getuid())).string();
  BuildResult built = buildBootstrap(programText(), arch, options);
  ASSERT_TRUE(built.ok()) << built.error;
  std::vector<std::string> argv = std::move(launcher);
  argv.push_back(built.bootstrapPath);
  if (full) argv.push_back("full");
  CommandOptions o;
  o.timeoutMs = 240000;
  CommandResult run = runCommand(argv, o);
  ASSERT_TRUE(run.started) << argv[0];
  EXPECT_TRUE(run.ok()) << run.describe(argv[0]) << "\n" << run.out << run.err;
  char impl[16] = {};
  long cases = 0, errors = 0;
  ASSERT_EQ(std::sscanf(run.out.c_str(), "%15s %ld %ld", impl, &cases, &errors), 3) << run.out;
  EXPECT_STREQ(impl, expectedImpl);
  EXPECT_GE(cases, minCases);
  EXPECT_GT(errors, cases / 2);
}

TEST(RuntimeBase64Simd, HandlerX86_64VectorDecodersMatchScalar) {
  bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vbmi");
  checkArch(Arch::X86_64, {}, avx512 ? "avx512vbmi" : "avx2", 6000000, true);
}

TEST(RuntimeBase64Simd, HandlerArm64NeonMatchesScalar) {
  if (::access("/usr/bin/qemu-aarch64", X_OK) != 0) GTEST_SKIP() << "qemu-aarch64 is not installed";
  checkArch(Arch::Arm64, {"/usr/bin/qemu-aarch64"}, "neon", 700000, false);
}

}  // namespace
