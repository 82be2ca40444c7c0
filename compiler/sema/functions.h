// The function table of LANGUAGE.md §4 and §5: which names are scalar
// functions, aggregates and windows, their arities and argument types, and
// the type (with nullability) each call yields. Internal to compiler/sema.
#pragma once

#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "syntax/ast.h"

namespace flowc::sema::detail {

enum class FunctionKind { Unknown, Scalar, Aggregate, Window };

// `lowerName` is the lower-cased name as written.
FunctionKind functionKind(const std::string& lowerName);

// Every known name (scalar, aggregate, window), for "did you mean" hints.
const std::vector<std::string>& allFunctionNames();

// Types a scalar call whose arguments are already resolved: checks arity and
// argument types (reporting errors) and sets call.type. Expr::function and
// callKind must be set by the caller.
void typeScalarCall(ast::Expr& call, Diagnostics& diags);

// The same for an aggregate call (count, sum, …), including `distinct` and `*`.
void typeAggregateCall(ast::Expr& call, Diagnostics& diags);

// extract(field from ts): checks the field (lower-casing it) and the argument.
void typeExtract(ast::Expr& e, Diagnostics& diags);

}  // namespace flowc::sema::detail
