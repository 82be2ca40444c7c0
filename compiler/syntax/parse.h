// compiler/syntax: .flow text → AST. The ANTLR parse tree stays inside this
// folder. Syntax errors are reported in flowc's own words (never ANTLR's
// console messages), all of them in one run, each with its source range.
#pragma once

#include "diagnostics/diagnostics.h"
#include "diagnostics/source_file.h"
#include "syntax/ast.h"

namespace flowc::syntax {

// Bounds on what the parser accepts; beyond them it reports an error with a
// position instead of running out of stack or memory.
struct ParseLimits {
  size_t maxFileBytes = 4 * 1024 * 1024;  // a .flow file is a program, not data
  size_t maxNestingDepth = 200;           // parentheses, case, function calls
  // Depth of one expression's tree. A long chain `a + b + c …` nests no
  // brackets but builds a tree as deep as it is long, which later stages
  // walk recursively.
  size_t maxExpressionDepth = 1000;
};

// Parses the whole file. On syntax errors the returned program holds every
// declaration that parsed cleanly (so later stages may still report on them)
// and `diags` holds the errors.
ast::Program parseProgram(const SourceFile& file, Diagnostics& diags, const ParseLimits& limits = {});

}  // namespace flowc::syntax
