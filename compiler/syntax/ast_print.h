// Printing and copying AST pieces: the one canonical text form of an
// expression (used by graphs, explain and messages) and a deep copy.
#pragma once

#include <string>
#include <string_view>

#include "syntax/ast.h"

namespace flowc::ast {

// Canonical SQL text: keywords lower case, binary operations parenthesized
// only where precedence needs it, strings re-quoted, e.g.
// `(latency_ms > 500) and (country is not null)` prints as
// `latency_ms > 500 and country is not null`.
std::string printExpr(const Expr& e);
// A name as it must be written in a program: back-quoted when it is not a
// plain identifier or is a reserved word (`select`, `from`…).
std::string printName(std::string_view name);
bool isReservedWord(std::string_view word);
std::string printValue(const Value& v);        // 42, 4.2, 'it''s', true, null, 5 s …
std::string printDuration(Duration d);         // "500 ms", "5 s", "1 min", "2 h", "1 d"
std::string printTimestamp(Timestamp t);       // RFC 3339 with milliseconds, UTC

// A deep copy, sema annotations included.
ExprPtr cloneExpr(const Expr& e);

// Structural equality, ignoring source ranges (for group-by matching and CSE).
bool sameExpr(const Expr& a, const Expr& b);

}  // namespace flowc::ast
