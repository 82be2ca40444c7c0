// codegen: a checked and planned program → one C++ translation unit, the
// Lambda handler (`bootstrap`) for it. In: the plan (compiler/plan), the
// catalog and the analyzed AST; out: the TU's text, which includes only the
// runtime's public headers (runtime/include/flow/…) and simdjson.h.
//
// The handler follows HyPer's produce/consume model: each pipeline of
// graph::splitPipelines() becomes ONE loop over the invocation's records in
// which every operator's code is inlined — decode, filter, project, lookup
// join, sink — with no per-operator calls, no virtual calls and no per-record
// heap allocation (strings are views; computed ones live in an arena reset
// per record).
//
// What is generated today: programs over kinesis, sqs, http and kafka
// sources in json or text format, with log and response sinks and dead
// letters on stdout: stateless streams; group by with every aggregate,
// having, select distinct and order by … limit per batch and per window;
// tumble windows on _arrival_time in Lambda's own tumbling windows, and
// tumble / hop / session windows on event time (or hop / session on
// _arrival_time) kept in Lambda's window state, and windows over windowed
// streams (aggregate.cpp, window.cpp, distinct.cpp, topn.cpp; the pipeline
// breakers' rows are emitted after the invocation's records). Anything else
// gets one error diagnostic at the construct ("the back end does not
// generate … yet", or why a window over a stream cannot be built) and no
// code: never a silent stub.
#pragma once

#include <string>

#include "diagnostics/diagnostics.h"
#include "diagnostics/source_file.h"
#include "plan/plan.h"
#include "sema/sema.h"
#include "syntax/ast.h"

namespace flowc::codegen {

struct GeneratedUnit {
  std::string cpp;  // empty when the program has constructs the back end cannot generate
};

struct EmitOptions {
  // The .flow text, to name the line of each block in the generated
  // comments (`clicks.flow:14`). Without it comments name only the file.
  const SourceFile* source = nullptr;
};

// Expects a program without errors (sema and plan ran cleanly). Reports what
// it cannot generate to `diags`; deterministic: the same inputs give the
// same bytes.
GeneratedUnit emitHandler(const plan::Plan& plan, const sema::Catalog& catalog, const ast::Program& program,
                          Diagnostics& diags, const std::string& flowFileName,
                          const EmitOptions& options = {});

}  // namespace flowc::codegen
