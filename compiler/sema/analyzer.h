// State and entry points shared by the files of compiler/sema (not a public
// header): the scope a select's expressions are resolved in, and the passes
// that sema.cpp runs in order (sources and tables, streams, sinks).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "sema/sema.h"
#include "syntax/ast.h"

namespace flowc::sema::detail {

// One relation a select reads: the FROM relation (input 0) or a joined table.
struct Input {
  std::string qualifier;               // alias, else the relation's name
  const Relation* relation = nullptr;  // null when it did not resolve (already reported)
  bool nullable = false;               // the table of a `left join`
  // A relation of the wrong kind (FROM a table, JOIN a stream), already
  // reported: names still resolve against it, but it makes nothing ambiguous.
  bool rejected = false;
  bool duplicateQualifier = false;  // its alias was already taken (reported); skip checks that use it
  SourceRange range;
};

// Where an expression stands decides what it may contain.
enum class Clause { Select, Where, JoinOn, GroupBy, Having, OrderBy, Window, AggregateArg };

struct ExprContext {
  Clause clause = Clause::Select;
  bool aggregatesAllowed = false;
  bool windowCallAllowed = false;  // only a top-level group-by item
  bool windowColumns = false;      // window_start… are visible
  int visibleInputs = 0;           // inputs [0, visibleInputs) may be named
  int depth = 0;
};

struct SelectScope {
  ast::SelectStmt* select = nullptr;
  std::string streamName;
  std::vector<Input> inputs;
  bool windowed = false;  // the group by holds a window call
  // Names the select list gives its outputs, for a hint when where or group by
  // names one (SQL evaluates them before the select list exists).
  std::vector<std::string> outputNames;
  // Select-list aliases and their (resolved) expressions: having and order by
  // may name them inside an expression, as in `having n > 5`.
  std::vector<std::pair<std::string, const ast::Expr*>> aliases;
  // True when an input's columns are unknown: unknown names are then not reported.
  bool suppressUnknown = false;
};

// Resolves names and types of `e` in place (Expr::type, binding, callKind…),
// reporting errors; an expression that cannot be typed gets BaseType::Error.
void resolveExpr(ast::Expr& e, SelectScope& scope, const ExprContext& ctx, Diagnostics& diags);

// Analyzes one stream's select (its FROM and joins already known to be
// resolvable or reported); fills `rel`'s columns and origins.
void analyzeSelect(ast::StreamDecl& stream, Relation& rel, const std::map<std::string, Relation*>& relations,
                   Diagnostics& diags);

// Group by's window call (tumble/hop/session) at group-by item `index`:
// resolves and checks its arguments and fills SelectStmt::window when valid.
void analyzeWindowCall(ast::Expr& call, int index, SelectScope& scope, Diagnostics& diags);

// After the select is resolved: SelectStmt::stateModel with the errors and
// warnings of LANGUAGE.md §5 (emit, limits, batch semantics, per-shard rows).
void decideStateModel(ast::StreamDecl& stream, SelectScope& scope, Diagnostics& diags);

// Checks where a sink (or the dead-letter output) writes. `columns` are the
// columns of what it reads, or null when they are unknown.
void checkSinkTarget(const ast::SinkTarget& target, const std::string& reads,
                     const std::vector<ast::Column>* columns, Diagnostics& diags);

// Helpers shared by the files.
std::string lower(const std::string& s);
bool isComparable(ast::BaseType a, ast::BaseType b);
// The common type of two branches (case, coalesce…): int and float make float,
// null fits anything. Returns false when there is none.
bool unifyTypes(ast::Type a, ast::Type b, ast::Type& out);
ast::Type literalType(const ast::Value& v);
bool isError(const ast::Expr& e);
std::string quoted(const std::string& name);  // 'name'

}  // namespace flowc::sema::detail
