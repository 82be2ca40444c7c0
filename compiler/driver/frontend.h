// The front end as one call: read a .flow file, parse, analyze and plan it.
// Each stage runs only if the one before it found no errors, so a user sees
// the first stage's complete list of errors rather than their echoes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "diagnostics/diagnostics.h"
#include "optimize/optimize.h"
#include "plan/plan.h"
#include "sema/sema.h"
#include "syntax/ast.h"
#include "syntax/parse.h"

namespace flowc::driver {

struct FrontEnd {
  std::unique_ptr<SourceFile> file;
  ast::Program program;
  sema::Catalog catalog;
  plan::Plan plan;         // what codegen compiles: optimized unless options.optimize is off
  plan::Plan logicalPlan;  // as buildLogicalPlan made it (`flowc graph --stage logical`)
  optimize::OptimizeResult optimized;  // the rules that fired, in order (`flowc explain`)
  Diagnostics diags;
  bool ioError = false;       // the file could not be read (exit 3)
  std::string ioMessage;
  bool planned = false;       // the plan is complete (no errors)
  double frontEndMs = 0;      // read, parse, analyze, plan (flowc build --timings)
};

struct FrontEndOptions {
  syntax::ParseLimits limits;
  bool buildPlan = true;
  bool optimize = true;  // compiler/optimize's rules on the plan
};

// Never throws for user input; an InternalError means a bug in flowc.
std::unique_ptr<FrontEnd> runFrontEnd(const std::string& path, const FrontEndOptions& options = {});

}  // namespace flowc::driver
