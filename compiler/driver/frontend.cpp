#include "driver/frontend.h"

#include <chrono>
#include <filesystem>

#include "support/read_file.h"

namespace flowc::driver {

std::unique_ptr<FrontEnd> runFrontEnd(const std::string& path, const FrontEndOptions& options) {
  auto fe = std::make_unique<FrontEnd>();
  auto start = std::chrono::steady_clock::now();
  struct Elapsed {  // records the time however the function returns
    FrontEnd& fe;
    std::chrono::steady_clock::time_point start;
    ~Elapsed() {
      fe.frontEndMs =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    }
  } elapsed{*fe, start};
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
  fe->logicalPlan = optimize::clonePlan(fe->plan);
  if (options.optimize) fe->optimized = optimize::optimize(fe->plan, fe->catalog, fe->program);
  fe->planned = true;
  return fe;
}

}  // namespace flowc::driver
