// libFuzzer target over the whole compiler short of clang: any bytes as a
// .flow file must end in diagnostics, or a plan that renders in every format,
// optimizes (compiler/optimize, verified after every rule) and generates C++
// or says what it cannot generate — never a crash, a hang, a leak or an
// exception. Seeded with samples/ and tests/lit.
#include <cstddef>
#include <cstdint>
#include <string>

#include "codegen/codegen.h"
#include "diagnostics/diagnostics.h"
#include "graph/graph.h"
#include "optimize/optimize.h"
#include "plan/plan.h"
#include "sema/sema.h"
#include "syntax/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowc;
  SourceFile file("fuzz.flow", std::string(reinterpret_cast<const char*>(data), size));
  Diagnostics diags;
  ast::Program program = syntax::parseProgram(file, diags);
  if (!diags.hasErrors()) {
    sema::Options options;
    options.baseDir = FLOWC_FUZZ_TABLE_DIR;  // so 'countries.csv' of the seeds resolves
    sema::Catalog catalog = sema::analyze(program, diags, options);
    if (!diags.hasErrors()) {
      plan::Plan plan = plan::buildLogicalPlan(program, catalog);
      for (auto stage : {graph::Stage::Logical, graph::Stage::Physical}) {
        for (auto format : {graph::Format::Text, graph::Format::Dot, graph::Format::Json}) {
          (void)graph::render(plan, stage, format, "fuzz.flow");
        }
      }
      optimize::optimize(plan, catalog, program);
      (void)graph::render(plan, graph::Stage::Optimized, graph::Format::Text, "fuzz.flow");
      Diagnostics codegenDiags;
      (void)codegen::emitHandler(plan, catalog, program, codegenDiags, "fuzz.flow", {&file});
    }
  }
  std::string sink;
  for (const Diagnostic& d : diags.all()) sink += d.message;  // touch every message
  return 0;
}
