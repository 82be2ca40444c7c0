// Unit tests of compiler/driver/toolchain and build_cache: real handlers built
// with the real toolchain against the real libflowrt.a, for x86_64 (run here)
// and arm64 (run under qemu-aarch64); the ELF checks; errors that name the
// failing tool; the content-hash cache. ctest runs each test in its own
// process, so the handlers are shared through a build cache that outlives
// them (content-addressed, so sharing is safe): each architecture is linked
// once, not once per test (a static link takes seconds).
#include "driver/toolchain.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "driver/build_cache.h"
#include "driver/zip.h"
#include "run/local_lambda.h"
#include "support/process.h"

namespace {

using namespace flowc;
namespace fs = std::filesystem;

// A real handler: with no argument it runs the runtime's Lambda loop and
// answers {"n":N} with {"n":N+1}, parsing with the simdjson compiled into
// libflowrt.a; with "hello" it prints and exits (no Runtime API needed).
constexpr const char* kHelloTu = R"tu(
#include <cstdio>
#include <cstring>
#include <string>
#include "flow/runtime.h"
#include "simdjson.h"

static void handle(const flow::Invocation& invocation, flow::Reply& reply, void*) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string_view json(invocation.body.data(), invocation.body.size(),
                                    invocation.body.size() + flow::kBodyPadding);
  int64_t n = 0;
  auto doc = parser.iterate(json);
  if (doc["n"].get_int64().get(n)) {
    reply.error = flow::functionError("InvalidEvent", "the event has no integer 'n'");
    return;
  }
  reply.body = "{\"n\":" + std::to_string(n + 1) + "}";
  reply.stdoutText = "handled " + std::to_string(n) + "\n";
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "hello") == 0) {
    simdjson::ondemand::parser parser;
    simdjson::padded_string json(std::string_view(R"({"greeting":"hello from flowc","n":41})"));
    auto doc = parser.iterate(json);
    std::string_view greeting;
    int64_t n = 0;
    if (doc["greeting"].get_string().get(greeting) || doc["n"].get_int64().get(n)) return 2;
    std::printf("%.*s %lld\n", static_cast<int>(greeting.size()), greeting.data(), static_cast<long long>(n + 1));
    return 0;
  }
  return flow::run(nullptr, &handle, nullptr);
}
)tu";
constexpr const char* kHelloOutput = "hello from flowc 42\n";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// An x86-64 hello handler, run on this machine in its "hello" mode, prints
// kHelloOutput.
void expectHello(const std::string& bootstrap) {
  CommandOptions o;
  o.clearEnvironment = true;
  o.timeoutMs = 30000;
  CommandResult run = runCommand({bootstrap, "hello"}, o);
  ASSERT_TRUE(run.ok()) << run.describe("bootstrap") << "\n" << run.err;
  EXPECT_EQ(run.out, kHelloOutput);
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class ToolchainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cacheDir_ = new std::string(
        (fs::temp_directory_path() / fmt::format("flowc-toolchain-test-{}", ::getuid())).string());
    builds_ = new std::map<Arch, BuildResult>();
  }
  static void TearDownTestSuite() {
    delete cacheDir_;
    delete builds_;
  }

  // A cache of the test's own, empty.
  static BuildOptions freshCache(const std::string& name) {
    BuildOptions o = options();
    o.cacheDir = fmt::format("{}/{}-{}", *cacheDir_, name, ::getpid());
    std::error_code ec;
    fs::remove_all(o.cacheDir, ec);
    return o;
  }

  static BuildOptions options() {
    BuildOptions o;
    o.cacheDir = *cacheDir_;
    return o;
  }

  // The hello handler for arch, built on first use.
  static const BuildResult& hello(Arch arch) {
    auto it = builds_->find(arch);
    if (it == builds_->end()) it = builds_->emplace(arch, buildBootstrap(kHelloTu, arch, options())).first;
    return it->second;
  }

  void SetUp() override {
    for (Arch arch : {Arch::X86_64, Arch::Arm64}) {
      ToolchainLookup lookup = findHandlerToolchain(arch);
      if (!lookup.ok() && lookup.error.find("built without") != std::string::npos)
        GTEST_SKIP() << lookup.error;
      ASSERT_TRUE(lookup.ok()) << lookup.error;
    }
  }

  static std::string* cacheDir_;
  static std::map<Arch, BuildResult>* builds_;
};

std::string* ToolchainTest::cacheDir_ = nullptr;
std::map<Arch, BuildResult>* ToolchainTest::builds_ = nullptr;

TEST(Sha256Test, NistVectors) {
  // FIPS 180-2 appendix B and the empty message.
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, IncrementalEqualsWholeAndFieldsAreFramed) {
  Sha256 h;
  h.update("ab");
  h.update("c");
  EXPECT_EQ(h.hexDigest(), sha256Hex("abc"));

  Sha256 a, b;
  a.updateField("ab");
  a.updateField("c");
  b.updateField("a");
  b.updateField("bc");
  EXPECT_NE(a.hexDigest(), b.hexDigest());
}

TEST(ArchTest, LambdaNames) {
  EXPECT_EQ(parseArch("x86_64"), Arch::X86_64);
  EXPECT_EQ(parseArch("arm64"), Arch::Arm64);
  EXPECT_FALSE(parseArch("aarch64"));
  EXPECT_FALSE(parseArch("x86-64"));
  EXPECT_FALSE(parseArch(""));
  EXPECT_STREQ(archName(Arch::X86_64), "x86_64");
  EXPECT_STREQ(archName(Arch::Arm64), "arm64");
}

TEST(ElfCheckTest, RejectsWhatLambdaCannotExec) {
  // A dynamically linked executable of this machine.
  auto dynamic = checkStaticElf("/bin/true", Arch::X86_64);
  ASSERT_TRUE(dynamic);
  EXPECT_NE(dynamic->find("dynamically linked"), std::string::npos) << *dynamic;

  auto wrongMachine = checkStaticElf("/bin/true", Arch::Arm64);
  ASSERT_TRUE(wrongMachine);
  EXPECT_EQ(*wrongMachine, "built for x86_64, not arm64");

  char pattern[] = "/tmp/flowc-elf-test-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  {
    std::ofstream(dir + "/text") << "#!/bin/sh\necho hi\n";
    std::ofstream(dir + "/short") << std::string("\x7f") + "ELF\x02\x01";
  }
  EXPECT_EQ(checkStaticElf(dir + "/text", Arch::X86_64).value_or(""), "not an ELF file");
  EXPECT_EQ(checkStaticElf(dir + "/short", Arch::X86_64).value_or(""), "truncated ELF header");
  EXPECT_NE(checkStaticElf(dir + "/missing", Arch::X86_64).value_or("").find("cannot read"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST_F(ToolchainTest, X86_64HandlerIsStaticStrippedAndRuns) {
  const BuildResult& r = hello(Arch::X86_64);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(checkStaticElf(r.bootstrapPath, Arch::X86_64), std::nullopt);
  struct stat st {};
  ASSERT_EQ(::stat(r.bootstrapPath.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);

  expectHello(r.bootstrapPath);

  // llvm-strip removed the symbol table.
  CommandResult nm = runCommand({"llvm-nm-14", r.bootstrapPath});
  EXPECT_NE(nm.err.find("no symbols"), std::string::npos) << nm.out << nm.err;
}

TEST_F(ToolchainTest, Arm64HandlerIsStaticAndRunsUnderQemu) {
  const BuildResult& r = hello(Arch::Arm64);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(checkStaticElf(r.bootstrapPath, Arch::Arm64), std::nullopt);
  EXPECT_EQ(checkStaticElf(r.bootstrapPath, Arch::X86_64).value_or(""), "built for arm64, not x86_64");

  CommandOptions o;
  o.timeoutMs = 60000;
  CommandResult run = runCommand({"qemu-aarch64", r.bootstrapPath, "hello"}, o);
  ASSERT_TRUE(run.started) << "qemu-aarch64 is needed (Debian qemu-user, scripts/install-deps.sh): "
                           << run.error;
  ASSERT_TRUE(run.ok()) << run.describe("qemu-aarch64") << "\n" << run.err;
  EXPECT_EQ(run.out, kHelloOutput);

  // The runtime's loop is linked in too: without a Runtime API it says so and stops.
  o.clearEnvironment = true;
  CommandResult loop = runCommand({"/usr/bin/qemu-aarch64", r.bootstrapPath}, o);
  EXPECT_TRUE(loop.started && !loop.timedOut && loop.signal == 0 && loop.exitCode != 0)
      << loop.describe("bootstrap");
  EXPECT_NE(loop.err.find("AWS_LAMBDA_RUNTIME_API"), std::string::npos) << loop.err;
}

// The whole path `flowc build` + `flowc run` take: build, zip, unpack as
// Lambda does, and serve invocations to the real bootstrap from a real
// Runtime API server.
TEST_F(ToolchainTest, X86_64HandlerFromTheZipServesInvocations) {
  const BuildResult& r = hello(Arch::X86_64);
  ASSERT_TRUE(r.ok()) << r.error;
  std::string dir = freshCache("zip-run").cacheDir;
  std::string zip = dir + "/function.zip";
  fs::create_directories(dir);
  ASSERT_EQ(writeLambdaZip(zip, r.bootstrapPath), std::nullopt);
  ASSERT_EQ(extractZip(zip, dir + "/task"), std::nullopt);

  run::LambdaConfig config;
  config.bootstrap = dir + "/task/bootstrap";
  config.taskRoot = dir + "/task";
  config.timeoutMs = 10000;
  run::LocalLambda lambda(config);
  ASSERT_EQ(lambda.open(), std::nullopt);

  run::InvokeResult first = lambda.invoke(R"({"n":41})");
  ASSERT_TRUE(first.ok) << first.errorType << ": " << first.errorMessage << "\n" << first.stderrText;
  EXPECT_EQ(first.response, R"({"n":42})");
  EXPECT_EQ(first.logLines, std::vector<std::string>{"handled 41"});
  EXPECT_TRUE(first.initDurationMs.has_value());

  run::InvokeResult bad = lambda.invoke(R"({"m":1})");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.errorType, "Function.InvalidEvent");
  EXPECT_EQ(bad.errorMessage, "the event has no integer 'n'");

  run::InvokeResult warm = lambda.invoke(R"({"n":-8})");
  ASSERT_TRUE(warm.ok) << warm.errorType << ": " << warm.errorMessage;
  EXPECT_EQ(warm.response, R"({"n":-7})");
  EXPECT_FALSE(warm.initDurationMs.has_value());  // the same process
  EXPECT_EQ(lambda.coldStarts(), 1);
  lambda.shutdown();
  fs::remove_all(dir);
}

TEST_F(ToolchainTest, SecondBuildIsACacheHit) {
  const BuildResult& first = hello(Arch::X86_64);
  ASSERT_TRUE(first.ok()) << first.error;
  BuildResult again = buildBootstrap(kHelloTu, Arch::X86_64, options());
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_TRUE(again.cacheHit);
  EXPECT_EQ(again.bootstrapPath, first.bootstrapPath);
  EXPECT_EQ(again.cacheKey, first.cacheKey);
  EXPECT_EQ(again.cacheKey.size(), 64u);
  // The TU that made it is kept beside it, for whoever wonders.
  EXPECT_EQ(readFile(fs::path(first.bootstrapPath).parent_path() / "handler.cpp"), kHelloTu);

  // The architecture is part of the key.
  const BuildResult& arm = hello(Arch::Arm64);
  ASSERT_TRUE(arm.ok()) << arm.error;
  EXPECT_NE(arm.cacheKey, first.cacheKey);
}

TEST_F(ToolchainTest, DamagedCacheEntryIsRebuilt) {
  // Its own cache, so the shared entries stay intact for the other tests.
  const BuildResult& good = hello(Arch::X86_64);
  ASSERT_TRUE(good.ok()) << good.error;
  BuildOptions o = freshCache("damaged");
  fs::path entry = fs::path(o.cacheDir) / "bootstrap-v1" / good.cacheKey;
  fs::create_directories(entry);
  std::ofstream(entry / "bootstrap") << "not an executable";

  BuildResult r = buildBootstrap(kHelloTu, Arch::X86_64, o);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_FALSE(r.cacheHit);
  EXPECT_EQ(r.cacheKey, good.cacheKey);
  EXPECT_EQ(checkStaticElf(r.bootstrapPath, Arch::X86_64), std::nullopt);
  EXPECT_EQ(readFile(r.bootstrapPath), readFile(good.bootstrapPath));  // same inputs, same bytes
  fs::remove_all(o.cacheDir);
}

TEST_F(ToolchainTest, BrokenTuNamesClangAndItsMessage) {
  BuildOptions o = freshCache("broken");
  BuildResult r = buildBootstrap("int main() { return undeclared_thing; }\n", Arch::X86_64, o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.bootstrapPath.empty());
  EXPECT_NE(r.error.find("clang++ exited with status 1"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("command: /"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("--target=x86_64-linux-gnu"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("use of undeclared identifier 'undeclared_thing'"), std::string::npos) << r.error;
  // Nothing half-built is left behind or cached.
  EXPECT_TRUE(fs::is_empty(fs::path(o.cacheDir) / "tmp"));
  EXPECT_FALSE(fs::exists(fs::path(o.cacheDir) / "bootstrap-v1" / r.cacheKey));
  fs::remove_all(o.cacheDir);
}

// A precompiled header that does not load (stale, from another compiler,
// damaged) only costs time: the compile runs again without it. The runtime
// directory here is the real one's headers and library, beside a .pch that
// is not one; without the fallback the build would fail on it.
TEST_F(ToolchainTest, UnloadablePrecompiledHeaderFallsBackToAPlainCompile) {
  ToolchainLookup real = findHandlerToolchain(Arch::X86_64);  // the build tree's: headers, simdjson, library
  ASSERT_TRUE(real.ok()) << real.error;
  ASSERT_EQ(real.toolchain.includeDirs.size(), 2u);
  std::string dir = freshCache("pch-runtime").cacheDir;
  fs::create_directories(dir + "/include");
  fs::create_directories(dir + "/x86_64");
  fs::create_directory_symlink(fs::path(real.toolchain.includeDirs[0]) / "flow", dir + "/include/flow");
  fs::create_symlink(fs::path(real.toolchain.includeDirs[1]) / "simdjson.h", dir + "/include/simdjson.h");
  fs::create_symlink(real.toolchain.runtimeLibrary, dir + "/x86_64/libflowrt.a");
  std::ofstream(dir + "/x86_64/handler_prelude.pch") << "not a precompiled header";
  ScopedEnv env("FLOWC_RUNTIME_DIR", dir);
  ToolchainLookup lookup = findHandlerToolchain(Arch::X86_64);
  ASSERT_TRUE(lookup.ok()) << lookup.error;
  EXPECT_EQ(lookup.toolchain.precompiledHeader, dir + "/x86_64/handler_prelude.pch");

  BuildOptions o = freshCache("pch-fallback");
  BuildResult r = buildBootstrap(kHelloTu, Arch::X86_64, o);
  ASSERT_TRUE(r.ok()) << r.error;
  expectHello(r.bootstrapPath);
  // A real error is still reported as the compiler's, not hidden by the retry.
  BuildResult broken = buildBootstrap("int main() { return undeclared_thing; }\n", Arch::X86_64, o);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error.find("use of undeclared identifier 'undeclared_thing'"), std::string::npos) << broken.error;
  fs::remove_all(o.cacheDir);
  fs::remove_all(dir);
}

TEST_F(ToolchainTest, RuntimeDirOverrideIsHonoured) {
  std::string empty = freshCache("no-runtime").cacheDir;
  fs::create_directories(empty);
  ScopedEnv env("FLOWC_RUNTIME_DIR", empty);
  BuildResult r = buildBootstrap(kHelloTu, Arch::Arm64, options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "there is no handler runtime for arm64 at '" + empty +
                         "/arm64/libflowrt.a' (FLOWC_RUNTIME_DIR is '" + empty + "')");
  fs::remove_all(empty);
}

}  // namespace
