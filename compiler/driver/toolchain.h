// Turns a generated C++ translation unit into a Lambda `bootstrap`: a stripped,
// statically linked ELF for x86_64 or arm64, built with clang++ and ld.lld
// against libflowrt.a (which carries simdjson), cached by content hash.
//
// In:  the TU's text and an architecture.
// Out: the path of the bootstrap in the build cache, or an error that names
//      the step that failed, its argv and its stderr.
//
// Where things are: the tools (clang++, ld.lld, llvm-strip) and the handler
// runtime of the build tree flowc was built in are baked in at compile time
// (handler_config.h). FLOWC_RUNTIME_DIR=<dir> points elsewhere instead:
// <dir>/include holds the runtime headers (flow/…) and simdjson.h, and
// <dir>/<arch>/libflowrt.a the library for each architecture (with
// <dir>/<arch>/handler_prelude.pch beside it, when there is one).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowc {

enum class Arch { X86_64, Arm64 };

// Lambda's names: "x86_64" and "arm64".
std::optional<Arch> parseArch(std::string_view name);
const char* archName(Arch arch);

struct HandlerToolchain {
  std::string cxx;                        // clang++
  std::string strip;                      // llvm-strip
  std::vector<std::string> compileFlags;  // the same ones libflowrt.a was built with
  std::vector<std::string> includeDirs;
  std::string runtimeLibrary;  // libflowrt.a
  // handler_prelude.pch beside it (cmake/handler-runtime), when it was built;
  // a compile that cannot load it is run again without it.
  std::string precompiledHeader;
  std::vector<std::string> linkFlags;
};

struct ToolchainLookup {
  HandlerToolchain toolchain;
  std::string error;  // e.g. no libflowrt.a for this architecture
  bool ok() const { return error.empty(); }
};

ToolchainLookup findHandlerToolchain(Arch arch);

struct BuildOptions {
  std::string cacheDir;            // empty: defaultCacheDir()
  bool useCache = true;            // false: build even when the cache holds the result
  int timeoutMs = 10 * 60 * 1000;  // per tool run
};

struct BuildResult {
  std::string bootstrapPath;  // in the cache; valid when ok()
  std::string cacheKey;       // SHA-256 of everything that went in
  bool cacheHit = false;
  std::string error;  // multi-line: what failed, its command, its stderr
  bool ok() const { return error.empty(); }
};

BuildResult buildBootstrap(std::string_view cppSource, Arch arch, const BuildOptions& options = {});

// Nothing when the file is a statically linked executable ELF for arch (right
// class, byte order and machine; no program interpreter, no dynamic section);
// otherwise what is wrong with it.
std::optional<std::string> checkStaticElf(const std::string& path, Arch arch);

}  // namespace flowc
