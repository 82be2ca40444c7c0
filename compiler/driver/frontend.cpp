#include "driver/frontend.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace flowc::driver {

namespace {

// Reads at most limit + 1 bytes, so that a huge (or endless, like /dev/zero)
// input is refused without being read whole.
bool readBounded(const std::string& path, size_t limit, std::string& out, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = fmt::format("cannot read '{}': it is a directory", path);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read '{}': {}", path, std::strerror(errno));
    return false;
  }
  out.resize(limit + 1);
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    error = fmt::format("cannot read '{}': {}", path, std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<FrontEnd> runFrontEnd(const std::string& path, const FrontEndOptions& options) {
  auto fe = std::make_unique<FrontEnd>();
  std::string text;
  if (!readBounded(path, options.limits.maxFileBytes, text, fe->ioMessage)) {
    fe->ioError = true;
    fe->file = std::make_unique<SourceFile>(path, "");
    return fe;
  }
  fe->file = std::make_unique<SourceFile>(path, std::move(text));
  fe->program = syntax::parseProgram(*fe->file, fe->diags, options.limits);
  if (fe->diags.hasErrors()) return fe;

  sema::Options semaOptions;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  semaOptions.baseDir = parent.empty() ? "." : parent.string();
  fe->catalog = sema::analyze(fe->program, fe->diags, semaOptions);
  fe->diags.sortByPosition();
  if (fe->diags.hasErrors() || !options.buildPlan) return fe;

  fe->plan = plan::buildLogicalPlan(fe->program, fe->catalog);
  fe->planned = true;
  return fe;
}

}  // namespace flowc::driver
