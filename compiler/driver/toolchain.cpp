// clang++ → llvm-strip → ELF check, in a cache work directory that becomes
// the cache entry when every step passed.
#include "driver/toolchain.h"

#include <elf.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "driver/build_cache.h"
#include "driver/handler_config.h"
#include "support/process.h"

namespace fs = std::filesystem;

namespace flowc {

namespace {

// Bumped when what a cache entry holds, or how it is made, changes.
constexpr const char* kCacheNamespace = "bootstrap-v1";
constexpr const char* kTuName = "handler.cpp";
constexpr const char* kBootstrapName = "bootstrap";

constexpr size_t kMaxStderrLines = 40;
constexpr size_t kMaxStderrBytes = 8000;

template <size_t N>
void append(std::vector<std::string>& out, const char* const (&items)[N]) {
  out.insert(out.end(), std::begin(items), std::end(items));
}

// For messages only (nothing runs through a shell): quote what a reader
// would otherwise misread.
std::string displayArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./=+:,@%-", c);
    });
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

std::string trimmedStderr(const std::string& err) {
  std::string text = err;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  size_t lines = 0, cut = std::string::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i >= kMaxStderrBytes || (text[i] == '\n' && ++lines >= kMaxStderrLines)) {
      cut = i;
      break;
    }
  }
  if (cut == std::string::npos) return text;
  size_t more =
      static_cast<size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(cut), text.end(), '\n'));
  return fmt::format("{}\n[… {} more line{} of output not shown]", text.substr(0, cut), more + 1,
                     more == 0 ? "" : "s");
}

std::string stepError(const std::string& label, const std::vector<std::string>& argv,
                      const CommandResult& r) {
  std::string message = fmt::format("{}\ncommand: {}", r.describe(label), displayArgv(argv));
  std::string err = trimmedStderr(r.err.empty() ? r.out : r.err);
  if (!err.empty()) message += "\n" + err;
  return message;
}

bool isReadableFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// Every file under dir, by relative path, so the key changes when a header
// the TU may include changes.
std::optional<std::string> hashDirectory(Sha256& h, const std::string& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return fmt::format("cannot list '{}': {}", dir, ec.message());
  std::sort(files.begin(), files.end());
  h.updateField(static_cast<uint64_t>(files.size()));
  for (const fs::path& f : files) {
    h.updateField(fs::relative(f, dir).generic_string());
    if (auto err = h.updateFileField(f.string())) return err;
  }
  return std::nullopt;
}

// The compiler's identity without running it: where its binary really is,
// its size and its modification time (a package upgrade changes them).
void hashTool(Sha256& h, const std::string& tool) {
  h.updateField(tool);
  std::error_code ec;
  fs::path real = fs::canonical(tool, ec);
  struct stat st {};
  if (!ec && ::stat(real.c_str(), &st) == 0) {
    h.updateField(real.string());
    h.updateField(static_cast<uint64_t>(st.st_size));
    h.updateField(static_cast<uint64_t>(st.st_mtim.tv_sec));
  }
}

struct KeyResult {
  std::string key;
  std::string error;
};

KeyResult cacheKey(std::string_view cppSource, Arch arch, const HandlerToolchain& tc) {
  Sha256 h;
  h.updateField(kCacheNamespace);
  h.updateField(archName(arch));
  hashTool(h, tc.cxx);
  hashTool(h, tc.strip);
  h.updateField(static_cast<uint64_t>(tc.compileFlags.size()));
  for (const std::string& f : tc.compileFlags) h.updateField(f);
  h.updateField(static_cast<uint64_t>(tc.linkFlags.size()));
  for (const std::string& f : tc.linkFlags) h.updateField(f);
  h.updateField(static_cast<uint64_t>(tc.includeDirs.size()));
  for (const std::string& dir : tc.includeDirs) {
    if (auto err = hashDirectory(h, dir)) return {"", *err};
  }
  if (auto err = h.updateFileField(tc.runtimeLibrary)) return {"", *err};
  h.updateField(cppSource);
  return {h.hexDigest(), ""};
}

std::optional<std::string> writeFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return fmt::format("cannot write '{}': {}", path, std::strerror(errno));
  return std::nullopt;
}

template <typename T>
bool readAt(const std::string& data, uint64_t offset, T& out) {
  if (offset > data.size() || data.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, data.data() + offset, sizeof(T));
  return true;
}

}  // namespace

std::optional<Arch> parseArch(std::string_view name) {
  if (name == "x86_64") return Arch::X86_64;
  if (name == "arm64") return Arch::Arm64;
  return std::nullopt;
}

const char* archName(Arch arch) {
  return arch == Arch::X86_64 ? "x86_64" : "arm64";
}

ToolchainLookup findHandlerToolchain(Arch arch) {
  ToolchainLookup r;
  HandlerToolchain& tc = r.toolchain;
  tc.cxx = handler_config::kCxx;
  tc.strip = handler_config::kStrip;
  append(tc.compileFlags, handler_config::kCommonFlags);
  if (arch == Arch::X86_64) {
    append(tc.compileFlags, handler_config::kX86_64Flags);
  } else {
    append(tc.compileFlags, handler_config::kArm64Flags);
  }
  append(tc.linkFlags, handler_config::kLinkFlags);

  const char* overrideDir = std::getenv("FLOWC_RUNTIME_DIR");
  if (overrideDir && *overrideDir) {
    std::string dir = overrideDir;
    tc.includeDirs = {dir + "/include"};
    tc.runtimeLibrary = fmt::format("{}/{}/libflowrt.a", dir, archName(arch));
    std::string pch = fmt::format("{}/{}/handler_prelude.pch", dir, archName(arch));
    if (isReadableFile(pch)) tc.precompiledHeader = pch;
    if (!isReadableFile(tc.runtimeLibrary)) {
      r.error = fmt::format("there is no handler runtime for {} at '{}' (FLOWC_RUNTIME_DIR is '{}')",
                            archName(arch), tc.runtimeLibrary, dir);
    } else if (!isReadableFile(dir + "/include/simdjson.h")) {
      r.error = fmt::format("there is no simdjson.h in '{}/include' (FLOWC_RUNTIME_DIR is '{}')", dir, dir);
    }
    return r;
  }
  tc.includeDirs = {handler_config::kRuntimeIncludeDir, handler_config::kSimdjsonDir};
  tc.runtimeLibrary = fmt::format("{}/{}/libflowrt.a", handler_config::kRuntimeLibraryDir, archName(arch));
  std::string pch = fmt::format("{}/{}/handler_prelude.pch", handler_config::kRuntimeLibraryDir, archName(arch));
  if (isReadableFile(pch)) tc.precompiledHeader = pch;
  if (!handler_config::kRuntimeBuilt) {
    r.error =
        "this flowc was built without the handler runtime (FLOWC_HANDLER_RUNTIME=OFF); "
        "set FLOWC_RUNTIME_DIR to a runtime directory";
  } else if (!isReadableFile(tc.runtimeLibrary)) {
    std::string built = handler_config::kBuiltArchs;
    r.error =
        built.find(archName(arch)) == std::string::npos
            ? fmt::format("this flowc was built without the {} handler runtime (built: {})", archName(arch),
                          built.empty() ? "none" : built)
            : fmt::format("the {} handler runtime '{}' is missing: build the 'flowc_handler_runtime' target",
                          archName(arch), tc.runtimeLibrary);
  }
  return r;
}

BuildResult buildBootstrap(std::string_view cppSource, Arch arch, const BuildOptions& options) {
  BuildResult result;
  ToolchainLookup lookup = findHandlerToolchain(arch);
  if (!lookup.ok()) {
    result.error = lookup.error;
    return result;
  }
  const HandlerToolchain& tc = lookup.toolchain;

  KeyResult key = cacheKey(cppSource, arch, tc);
  if (!key.error.empty()) {
    result.error = key.error;
    return result;
  }
  result.cacheKey = key.key;
  BuildCache cache(options.cacheDir.empty() ? defaultCacheDir() : options.cacheDir, kCacheNamespace);

  bool stale = false;
  if (auto cached = cache.find(key.key, kBootstrapName)) {
    // A damaged entry (disk trouble, someone's hands) is rebuilt, not shipped.
    if (options.useCache && !checkStaticElf(*cached, arch)) {
      result.bootstrapPath = *cached;
      result.cacheHit = true;
      return result;
    }
    stale = true;
  }

  PathResult work = cache.makeWorkDir();
  if (!work.ok()) {
    result.error = work.error;
    return result;
  }
  std::string tu = work.path + "/" + kTuName;
  std::string bootstrap = work.path + "/" + kBootstrapName;
  auto fail = [&](std::string message) {
    cache.discard(work.path);
    result.error = std::move(message);
    return result;
  };
  if (auto err = writeFile(tu, cppSource)) return fail(*err);

  CommandOptions run;
  run.workingDirectory = work.path;
  run.timeoutMs = options.timeoutMs;

  // Compile, then link: the link's -static must not reach the compile, or
  // clang refuses the precompiled header (its __STATIC__ macro differs).
  std::string object = work.path + "/handler.o";
  auto compileCommand = [&](bool withPch) {
    std::vector<std::string> argv = {tc.cxx};
    argv.insert(argv.end(), tc.compileFlags.begin(), tc.compileFlags.end());
    for (const std::string& dir : tc.includeDirs) argv.push_back("-I" + dir);
    if (withPch) argv.insert(argv.end(), {"-include-pch", tc.precompiledHeader});
    argv.insert(argv.end(), {"-c", tu, "-o", object});
    return argv;
  };
  std::vector<std::string> compile = compileCommand(!tc.precompiledHeader.empty());
  CommandResult compiled = runCommand(compile, run);
  if (!compiled.ok() && !tc.precompiledHeader.empty() && !compiled.timedOut) {
    // A precompiled header that does not load (headers changed since it was
    // built) only costs time: compile without it.
    compile = compileCommand(false);
    compiled = runCommand(compile, run);
  }
  if (!compiled.ok()) return fail(stepError("clang++", compile, compiled));

  std::vector<std::string> link = {tc.cxx};
  link.insert(link.end(), tc.compileFlags.begin(), tc.compileFlags.end());  // the target and -march
  link.push_back(object);
  link.push_back(tc.runtimeLibrary);  // after the object: the linker resolves left to right
  link.insert(link.end(), tc.linkFlags.begin(), tc.linkFlags.end());
  link.insert(link.end(), {"-o", bootstrap});
  CommandResult linked = runCommand(link, run);
  if (!linked.ok()) return fail(stepError("clang++ (link)", link, linked));

  std::vector<std::string> strip = {tc.strip, "--strip-all", bootstrap};
  CommandResult stripped = runCommand(strip, run);
  if (!stripped.ok()) return fail(stepError("llvm-strip", strip, stripped));

  if (auto err = checkStaticElf(bootstrap, arch)) {
    return fail(fmt::format("the linked bootstrap is not what Lambda runs: {}\ncommand: {}", *err,
                            displayArgv(link)));
  }
  std::error_code ec;
  fs::permissions(bootstrap, fs::perms(0755), ec);
  if (ec) return fail(fmt::format("cannot make '{}' executable: {}", bootstrap, ec.message()));

  PathResult entry = cache.publish(work.path, key.key, stale);
  if (!entry.ok()) {
    result.error = entry.error;
    return result;
  }
  result.bootstrapPath = entry.path + "/" + kBootstrapName;
  return result;
}

std::optional<std::string> checkStaticElf(const std::string& path, Arch arch) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("cannot read '{}': {}", path, std::strerror(errno));
  auto readBytes = [&](uint64_t offset, size_t size) {
    std::string bytes(size, '\0');
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    bytes.resize(in ? size : static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    return bytes;
  };

  std::string header = readBytes(0, sizeof(Elf64_Ehdr));
  Elf64_Ehdr eh{};
  if (header.size() < SELFMAG || std::memcmp(header.data(), ELFMAG, SELFMAG) != 0) return "not an ELF file";
  if (!readAt(header, 0, eh)) return "truncated ELF header";
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return "not a 64-bit ELF file";
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return "not a little-endian ELF file";
  uint16_t wantMachine = arch == Arch::X86_64 ? EM_X86_64 : EM_AARCH64;
  if (eh.e_machine != wantMachine) {
    std::string got = eh.e_machine == EM_X86_64    ? "x86_64"
                      : eh.e_machine == EM_AARCH64 ? "arm64"
                                                   : fmt::format("machine {}", eh.e_machine);
    return fmt::format("built for {}, not {}", got, archName(arch));
  }
  if (eh.e_phnum == 0) return "no program headers";
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) return "unexpected program header size";
  // At most 65535 headers of 56 bytes: bounded by the format itself.
  std::string phdrs = readBytes(eh.e_phoff, size_t{eh.e_phnum} * sizeof(Elf64_Phdr));
  for (uint16_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    if (!readAt(phdrs, uint64_t{i} * sizeof(Elf64_Phdr), ph)) return "truncated program headers";
    if (ph.p_type == PT_INTERP) return "it asks for a program interpreter (dynamically linked)";
    if (ph.p_type == PT_DYNAMIC) return "it has a dynamic section (dynamically linked)";
  }
  if (eh.e_type != ET_EXEC) return fmt::format("not a static executable (ELF type {})", eh.e_type);
  return std::nullopt;
}

}  // namespace flowc
