// Expressions: resolves column references against a select's inputs and types
// every node (LANGUAGE.md §2, §4) with SQL nullability: a result is nullable
// when an operand is, except where noted. An operand of type Error was
// already reported, so the node above it turns Error without a message of
// its own: one mistake, one diagnostic.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "sema/analyzer.h"
#include "sema/functions.h"
#include "syntax/ast_print.h"

namespace flowc::sema::detail {

using ast::BaseType;
using ast::Expr;
using ast::ExprKind;
using ast::Op;
using ast::Type;

namespace {

// Deeper than this, an expression is surely machine-made; refusing it keeps
// the recursive passes of every later stage within the stack.
constexpr int kMaxDepth = 1000;

const char* kWindowColumnNames[] = {"window_start", "window_end", "window_complete"};

int windowColumnIndex(const std::string& name) {
  for (int i = 0; i < 3; ++i) {
    if (name == kWindowColumnNames[i]) return i;
  }
  return -1;
}

bool nullableOf(Type t) {
  return t.nullable || t.base == BaseType::Null;
}

Type errorType() {
  return {BaseType::Error, false};
}

const char* clauseName(Clause c) {
  switch (c) {
    case Clause::Select: return "the select list";
    case Clause::Where: return "where";
    case Clause::JoinOn: return "a join condition";
    case Clause::GroupBy: return "group by";
    case Clause::Having: return "having";
    case Clause::OrderBy: return "order by";
    case Clause::Window: return "a window's arguments";
    case Clause::AggregateArg: return "another aggregate's argument";
  }
  return "";
}

void resolve(Expr& e, SelectScope& scope, const ExprContext& ctx, Diagnostics& diags);

void resolveArgs(Expr& e, SelectScope& scope, const ExprContext& ctx, Diagnostics& diags) {
  ExprContext inner = ctx;
  inner.windowCallAllowed = false;
  inner.depth = ctx.depth + 1;
  for (ast::ExprPtr& a : e.args) resolve(*a, scope, inner, diags);
}

bool anyError(const Expr& e) {
  for (const ast::ExprPtr& a : e.args) {
    if (isError(*a)) return true;
  }
  return false;
}

bool anyNullable(const Expr& e, size_t from = 0) {
  for (size_t i = from; i < e.args.size(); ++i) {
    if (nullableOf(e.args[i]->type)) return true;
  }
  return false;
}

// ---------------------------------------------------------------- column refs

std::vector<std::string> visibleColumnNames(const SelectScope& scope, const ExprContext& ctx) {
  std::vector<std::string> names;
  for (int i = 0; i < ctx.visibleInputs && i < static_cast<int>(scope.inputs.size()); ++i) {
    const Relation* r = scope.inputs[i].relation;
    if (!r) continue;
    for (const ast::Column& c : r->columns) names.push_back(c.name);
  }
  if (ctx.windowColumns) {
    for (const char* w : kWindowColumnNames) names.emplace_back(w);
  }
  return names;
}

bool inputUnknown(const SelectScope& scope, int i) {
  const Relation* r = scope.inputs[i].relation;
  return !r || !r->complete;
}

void bindColumn(Expr& e, const SelectScope& scope, int input, int column) {
  const Input& in = scope.inputs[input];
  const ast::Column& c = in.relation->columns[column];
  e.binding = {input, column};
  e.type = c.type;
  if (in.nullable) e.type.nullable = true;
}

void resolveQualifiedColumn(Expr& e, SelectScope& scope, const ExprContext& ctx, Diagnostics& diags) {
  int found = -1;
  for (int i = 0; i < static_cast<int>(scope.inputs.size()); ++i) {
    if (scope.inputs[i].qualifier == e.qualifier) {
      found = i;
      break;
    }
  }
  if (found < 0) {
    if (scope.suppressUnknown) return;
    // A relation named by its own name after it was given an alias.
    for (const Input& in : scope.inputs) {
      if (in.relation && in.relation->name == e.qualifier && in.qualifier != e.qualifier) {
        diags.error(e.range, fmt::format("unknown qualifier {}", quoted(e.qualifier)),
                    fmt::format("{} is called {} in this select", quoted(e.qualifier), quoted(in.qualifier)));
        return;
      }
    }
    std::vector<std::string> qualifiers;
    std::string list;
    for (const Input& in : scope.inputs) {
      list += (qualifiers.empty() ? "" : ", ") + quoted(in.qualifier);
      qualifiers.push_back(in.qualifier);
    }
    std::string close = closestName(e.qualifier, qualifiers);
    diags.error(
        e.range, fmt::format("unknown qualifier {}", quoted(e.qualifier)),
        close.empty() ? fmt::format("this select reads {}", list) : fmt::format("did you mean '{}'?", close));
    return;
  }
  if (found >= ctx.visibleInputs) {
    diags.error(e.range,
                fmt::format("{} is joined after this condition; a join condition sees only what is joined "
                            "before it",
                            quoted(e.qualifier)));
    return;
  }
  const Input& in = scope.inputs[found];
  if (inputUnknown(scope, found)) {
    if (in.relation) {
      int col = in.relation->findColumn(e.name);
      if (col >= 0) bindColumn(e, scope, found, col);
    }
    return;
  }
  int col = in.relation->findColumn(e.name);
  if (col < 0) {
    std::vector<std::string> names;
    for (const ast::Column& c : in.relation->columns) names.push_back(c.name);
    std::string close = closestName(e.name, names);
    diags.error(e.range, fmt::format("{} has no column {}", quoted(in.relation->name), quoted(e.name)),
                close.empty() ? std::string() : fmt::format("did you mean '{}.{}'?", e.qualifier, close));
    return;
  }
  bindColumn(e, scope, found, col);
}

void resolveColumn(Expr& e, SelectScope& scope, const ExprContext& ctx, Diagnostics& diags) {
  e.type = errorType();
  if (!e.qualifier.empty()) {
    resolveQualifiedColumn(e, scope, ctx, diags);
    return;
  }
  int windowColumn = windowColumnIndex(e.name);
  if (windowColumn >= 0 && ctx.windowColumns) {
    e.binding = {kWindowInput, windowColumn};
    e.type = {windowColumn == kWindowComplete ? BaseType::Bool : BaseType::Timestamp, false};
    return;
  }
  std::vector<std::pair<int, int>> matches;
  std::vector<std::pair<int, int>> rejectedMatches;
  bool unknownInputs = scope.suppressUnknown;
  int visible = std::min(ctx.visibleInputs, static_cast<int>(scope.inputs.size()));
  for (int i = 0; i < visible; ++i) {
    if (inputUnknown(scope, i)) unknownInputs = true;
    const Relation* r = scope.inputs[i].relation;
    if (!r) continue;
    int col = r->findColumn(e.name);
    if (col >= 0) (scope.inputs[i].rejected ? rejectedMatches : matches).emplace_back(i, col);
  }
  if (matches.empty() && !rejectedMatches.empty()) matches.push_back(rejectedMatches.front());
  if (matches.empty() && (ctx.clause == Clause::Having || ctx.clause == Clause::OrderBy)) {
    for (const auto& [alias, expr] : scope.aliases) {
      if (alias != e.name) continue;
      // The alias stands for its expression, already resolved in the select list.
      SourceRange range = e.range;
      ast::ExprPtr copy = ast::cloneExpr(*expr);
      e = std::move(*copy);
      e.range = range;
      return;
    }
  }
  if (matches.size() == 1) {
    bindColumn(e, scope, matches[0].first, matches[0].second);
    return;
  }
  if (matches.size() > 1) {
    std::string list;
    for (size_t i = 0; i < matches.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == matches.size() ? " or " : ", ");
      list += quoted(scope.inputs[matches[i].first].qualifier + "." + e.name);
    }
    diags.error(e.range, fmt::format("column {} is ambiguous: {}", quoted(e.name), list),
                fmt::format("qualify it, e.g. {}.{}", scope.inputs[matches[0].first].qualifier, e.name));
    return;
  }
  if (unknownInputs) return;  // the input's columns are unknown: already reported
  if (windowColumn >= 0) {
    std::string hint = scope.windowed
                           ? fmt::format(
                                 "{} is computed by the window: use it in the select list, having or "
                                 "order by",
                                 e.name)
                           : fmt::format("{} exists only in a stream with a window in its group by", e.name);
    diags.error(e.range, fmt::format("unknown column {}", quoted(e.name)), hint);
    return;
  }
  if (ctx.clause != Clause::Select && ctx.clause != Clause::Having && ctx.clause != Clause::OrderBy &&
      std::find(scope.outputNames.begin(), scope.outputNames.end(), e.name) != scope.outputNames.end()) {
    diags.error(e.range, fmt::format("unknown column {}", quoted(e.name)),
                fmt::format("{} is a name in the select list; {} sees only the input's columns",
                            quoted(e.name), clauseName(ctx.clause)));
    return;
  }
  if (ctx.visibleInputs < static_cast<int>(scope.inputs.size())) {
    for (size_t i = ctx.visibleInputs; i < scope.inputs.size(); ++i) {
      const Relation* r = scope.inputs[i].relation;
      if (r && r->findColumn(e.name) >= 0) {
        diags.error(e.range, fmt::format("unknown column {}", quoted(e.name)),
                    fmt::format("{} is a column of {}, which is joined after this condition", quoted(e.name),
                                quoted(scope.inputs[i].qualifier)));
        return;
      }
    }
  }
  std::string close = closestName(e.name, visibleColumnNames(scope, ctx));
  diags.error(e.range, fmt::format("unknown column {}", quoted(e.name)),
              close.empty() ? std::string() : fmt::format("did you mean '{}'?", close));
}

// ---------------------------------------------------------------- operators

void typeUnary(Expr& e, Diagnostics& diags) {
  const Expr& a = *e.args[0];
  Type t = a.type;
  if (e.op == Op::Not) {
    if (t.base != BaseType::Bool && t.base != BaseType::Null) {
      diags.error(e.range, fmt::format("'not' needs a bool, got {}", ast::typeName(t)));
      return;
    }
    e.type = {BaseType::Bool, nullableOf(t)};
    return;
  }
  if (!t.isNumeric() && t.base != BaseType::Duration && t.base != BaseType::Null) {
    diags.error(e.range, fmt::format("cannot negate {}", ast::typeName(t)));
    return;
  }
  e.type = t;
}

bool isArithmetic(Op op) {
  return op == Op::Add || op == Op::Sub || op == Op::Mul || op == Op::Div || op == Op::Mod;
}
bool isComparison(Op op) {
  return op == Op::Eq || op == Op::Ne || op == Op::Lt || op == Op::Le || op == Op::Gt || op == Op::Ge;
}

// The base type of `a op b` for + - * / %, or Error when the pair is not allowed.
BaseType arithmeticResult(Op op, BaseType a, BaseType b) {
  using B = BaseType;
  // null adopts the other side's type; null op null stays null.
  if (a == B::Null && b == B::Null) return B::Null;
  if (a == B::Null) a = b;
  if (b == B::Null) b = a;
  bool numA = a == B::Int || a == B::Float;
  bool numB = b == B::Int || b == B::Float;
  // int ∘ int stays int (overflow and division by zero are run-time errors of the record).
  if (numA && numB) return (a == B::Float || b == B::Float) ? B::Float : B::Int;
  switch (op) {
    case Op::Add:
      if (a == B::Timestamp && b == B::Duration) return B::Timestamp;
      if (a == B::Duration && b == B::Timestamp) return B::Timestamp;
      if (a == B::Duration && b == B::Duration) return B::Duration;
      break;
    case Op::Sub:
      if (a == B::Timestamp && b == B::Duration) return B::Timestamp;
      if (a == B::Timestamp && b == B::Timestamp) return B::Duration;
      if (a == B::Duration && b == B::Duration) return B::Duration;
      break;
    case Op::Mul:
      if (a == B::Duration && b == B::Int) return B::Duration;
      if (a == B::Int && b == B::Duration) return B::Duration;
      break;
    default: break;
  }
  return B::Error;
}

void typeBinary(Expr& e, Diagnostics& diags) {
  Type l = e.args[0]->type;
  Type r = e.args[1]->type;
  bool nullable = nullableOf(l) || nullableOf(r);
  if (isArithmetic(e.op)) {
    BaseType b = arithmeticResult(e.op, l.base, r.base);
    if (b == BaseType::Error) {
      std::string hint;
      if (e.op == Op::Add && (l.base == BaseType::String || r.base == BaseType::String)) {
        hint = "use || to concatenate strings";
      }
      diags.error(e.range,
                  fmt::format("invalid operands to '{}': {} and {}", ast::opSpelling(e.op), ast::typeName(l),
                              ast::typeName(r)),
                  hint);
      return;
    }
    e.type = {b, nullable || b == BaseType::Null};
    return;
  }
  if (e.op == Op::Concat) {
    // `||` takes operands of any type and converts non-strings to their text
    // (as `log` prints them), so 'id-' || 42 is 'id-42'; null in, null out.
    e.type = {BaseType::String, nullable};
    return;
  }
  if (isComparison(e.op)) {
    if (!isComparable(l.base, r.base)) {
      diags.error(e.range, fmt::format("cannot compare {} with {}", ast::baseTypeName(l.base),
                                       ast::baseTypeName(r.base)));
      return;
    }
    if ((e.op == Op::Eq || e.op == Op::Ne) && (l.base == BaseType::Null || r.base == BaseType::Null)) {
      diags.warning(e.range, fmt::format("'{}' with null is never true (it is null)", ast::opSpelling(e.op)),
                    e.op == Op::Eq ? "use 'is null'" : "use 'is not null'");
    }
    e.type = {BaseType::Bool, nullable};
    return;
  }
  if (e.op == Op::And || e.op == Op::Or) {
    for (const ast::ExprPtr& a : e.args) {
      if (a->type.base != BaseType::Bool && a->type.base != BaseType::Null) {
        diags.error(a->range, fmt::format("'{}' needs bool operands, got {}", ast::opSpelling(e.op),
                                          ast::typeName(a->type)));
        return;
      }
    }
    e.type = {BaseType::Bool, nullable};
    return;
  }
  throw InternalError(fmt::format("binary expression with operator '{}'", ast::opSpelling(e.op)));
}

bool checkComparableWithFirst(const Expr& e, size_t from, size_t to, const char* what, Diagnostics& diags) {
  BaseType left = e.args[0]->type.base;
  for (size_t i = from; i < to; ++i) {
    BaseType b = e.args[i]->type.base;
    if (!isComparable(left, b)) {
      diags.error(e.args[i]->range, fmt::format("cannot compare {} with {} in {}", ast::baseTypeName(left),
                                                ast::baseTypeName(b), what));
      return false;
    }
  }
  return true;
}

void typeCase(Expr& e, Diagnostics& diags) {
  size_t i = e.hasOperand ? 1 : 0;
  size_t pairsEnd = e.args.size() - (e.hasElse ? 1 : 0);
  bool have = false;
  Type result;
  auto addBranch = [&](const Expr& branch) {
    if (!have) {
      result = branch.type;
      have = true;
      return true;
    }
    Type u;
    if (!unifyTypes(result, branch.type, u)) {
      diags.error(branch.range,
                  fmt::format("case branches have incompatible types: {} and {}",
                              ast::baseTypeName(result.base), ast::baseTypeName(branch.type.base)));
      return false;
    }
    result = u;
    return true;
  };
  for (; i + 2 <= pairsEnd; i += 2) {
    const Expr& when = *e.args[i];
    if (e.hasOperand) {
      if (!isComparable(e.args[0]->type.base, when.type.base)) {
        diags.error(when.range,
                    fmt::format("cannot compare {} with {} in case", ast::baseTypeName(e.args[0]->type.base),
                                ast::baseTypeName(when.type.base)));
        return;
      }
    } else if (when.type.base != BaseType::Bool && when.type.base != BaseType::Null) {
      diags.error(when.range, fmt::format("a case condition must be bool, got {}", ast::typeName(when.type)));
      return;
    }
    if (!addBranch(*e.args[i + 1])) return;
  }
  if (e.hasElse && !addBranch(*e.args.back())) return;
  if (!have) throw InternalError("case without branches");
  if (!e.hasElse) result.nullable = true;  // no else: null when nothing matches
  if (result.base == BaseType::Null) result.nullable = true;
  e.type = result;
}

void typeCast(Expr& e, Diagnostics& diags) {
  using B = BaseType;
  Type from = e.args[0]->type;
  Type to = e.castType.type;
  bool allowed =
      from.base == B::Null || from.base == to.base || to.base == B::String ||
      (from.base == B::String &&
       (to.base == B::Int || to.base == B::Float || to.base == B::Bool || to.base == B::Timestamp)) ||
      (from.base == B::Int && (to.base == B::Float || to.base == B::Timestamp)) ||
      (from.base == B::Float && to.base == B::Int) || (from.base == B::Timestamp && to.base == B::Int) ||
      (from.base == B::Bool && to.base == B::Int);
  if (!allowed) {
    std::string hint;
    if (from.base == B::Timestamp && to.base == B::Float) hint = "cast to int for epoch milliseconds";
    diags.error(e.range,
                fmt::format("cannot cast {} to {}", ast::baseTypeName(from.base), ast::baseTypeName(to.base)),
                hint);
    return;
  }
  e.type = {to.base, to.nullable || nullableOf(from)};
}

void resolveCall(Expr& e, SelectScope& scope, const ExprContext& ctx, Diagnostics& diags) {
  std::string name = lower(e.name);
  FunctionKind kind = functionKind(name);
  e.function = name;
  e.type = errorType();
  switch (kind) {
    case FunctionKind::Unknown: {
      e.callKind = ast::CallKind::Unresolved;
      resolveArgs(e, scope, ctx, diags);
      std::string close = closestName(name, allFunctionNames());
      diags.error(e.range, fmt::format("unknown function {}", quoted(e.name)),
                  close.empty() ? std::string() : fmt::format("did you mean '{}'?", close));
      return;
    }
    case FunctionKind::Scalar:
      e.callKind = ast::CallKind::Scalar;
      resolveArgs(e, scope, ctx, diags);
      typeScalarCall(e, diags);
      return;
    case FunctionKind::Aggregate: {
      e.callKind = ast::CallKind::Aggregate;
      ExprContext inner = ctx;
      inner.clause = Clause::AggregateArg;
      inner.aggregatesAllowed = false;
      inner.windowColumns = false;  // an aggregate's argument is evaluated per input row
      inner.windowCallAllowed = false;
      inner.depth = ctx.depth + 1;
      for (ast::ExprPtr& a : e.args) resolve(*a, scope, inner, diags);
      if (!ctx.aggregatesAllowed) {
        diags.error(e.range,
                    fmt::format("aggregate {} is not allowed in {}{}", quoted(name), clauseName(ctx.clause),
                                ctx.clause == Clause::Where ? "; use having" : ""));
        return;
      }
      typeAggregateCall(e, diags);
      return;
    }
    case FunctionKind::Window: {
      e.callKind = ast::CallKind::Window;
      if (!ctx.windowCallAllowed) {
        resolveArgs(e, scope, ctx, diags);
        diags.error(e.range, fmt::format("window {} is allowed only as a group by item", quoted(name)),
                    fmt::format("group by {}(…) and select window_start / window_end", name));
        return;
      }
      // Windows in group by are resolved by the select's own pass (window.cpp).
      throw InternalError("window call reached resolveExpr");
    }
  }
}

// The parser builds each kind with a fixed number of operands; anything else
// is a bug upstream, not a user error.
void checkShape(const Expr& e) {
  size_t n = e.args.size();
  bool ok = true;
  switch (e.kind) {
    case ExprKind::Literal:
    case ExprKind::ColumnRef: ok = n == 0; break;
    case ExprKind::Unary:
    case ExprKind::IsNull:
    case ExprKind::Cast:
    case ExprKind::Extract: ok = n == 1; break;
    case ExprKind::Binary:
    case ExprKind::Like: ok = n == 2; break;
    case ExprKind::Between: ok = n == 3; break;
    case ExprKind::InList: ok = n >= 2; break;
    case ExprKind::Case: {
      size_t extra = (e.hasOperand ? 1 : 0) + (e.hasElse ? 1 : 0);
      ok = n >= extra + 2 && (n - extra) % 2 == 0;
      break;
    }
    case ExprKind::Call: break;
  }
  for (const ast::ExprPtr& a : e.args) ok = ok && a != nullptr;
  if (!ok) throw InternalError(fmt::format("malformed expression '{}' from the parser", ast::printExpr(e)));
}

void resolve(Expr& e, SelectScope& scope, const ExprContext& ctx, Diagnostics& diags) {
  checkShape(e);
  e.type = errorType();
  if (ctx.depth > kMaxDepth) {
    if (ctx.depth == kMaxDepth + 1) diags.error(e.range, "expression is nested too deeply");
    return;
  }
  switch (e.kind) {
    case ExprKind::Literal: e.type = literalType(e.value); return;
    case ExprKind::ColumnRef: resolveColumn(e, scope, ctx, diags); return;
    case ExprKind::Call: resolveCall(e, scope, ctx, diags); return;
    default: break;
  }
  resolveArgs(e, scope, ctx, diags);
  if (anyError(e)) return;
  switch (e.kind) {
    case ExprKind::Unary: typeUnary(e, diags); return;
    case ExprKind::Binary: typeBinary(e, diags); return;
    case ExprKind::IsNull: e.type = {BaseType::Bool, false}; return;
    case ExprKind::Between:
      if (checkComparableWithFirst(e, 1, 3, "between", diags)) e.type = {BaseType::Bool, anyNullable(e)};
      return;
    case ExprKind::InList:
      if (checkComparableWithFirst(e, 1, e.args.size(), "in (…)", diags))
        e.type = {BaseType::Bool, anyNullable(e)};
      return;
    case ExprKind::Like: {
      for (const ast::ExprPtr& a : e.args) {
        if (a->type.base != BaseType::String && a->type.base != BaseType::Null) {
          diags.error(a->range, fmt::format("'like' needs strings, got {}", ast::typeName(a->type)));
          return;
        }
      }
      e.type = {BaseType::Bool, anyNullable(e)};
      return;
    }
    case ExprKind::Case: typeCase(e, diags); return;
    case ExprKind::Cast: typeCast(e, diags); return;
    case ExprKind::Extract: typeExtract(e, diags); return;
    default: break;
  }
  throw InternalError("unhandled expression kind in sema");
}

}  // namespace

void resolveExpr(Expr& e, SelectScope& scope, const ExprContext& ctx, Diagnostics& diags) {
  resolve(e, scope, ctx, diags);
}

// ---------------------------------------------------------------- helpers

std::string lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool isComparable(BaseType a, BaseType b) {
  if (a == BaseType::Error || b == BaseType::Error) return true;
  if (a == BaseType::Null || b == BaseType::Null) return true;
  bool numA = a == BaseType::Int || a == BaseType::Float;
  bool numB = b == BaseType::Int || b == BaseType::Float;
  return a == b || (numA && numB);
}

bool unifyTypes(Type a, Type b, Type& out) {
  if (a.base == BaseType::Error || b.base == BaseType::Error) {
    out = {BaseType::Error, false};
    return true;
  }
  if (a.base == BaseType::Null) {
    out = {b.base, true};
    return true;
  }
  if (b.base == BaseType::Null) {
    out = {a.base, true};
    return true;
  }
  bool nullable = a.nullable || b.nullable;
  if (a.base == b.base) {
    out = {a.base, nullable};
    return true;
  }
  if (a.isNumeric() && b.isNumeric()) {
    out = {BaseType::Float, nullable};
    return true;
  }
  return false;
}

Type literalType(const ast::Value& v) {
  struct Visitor {
    Type operator()(std::monostate) const { return {BaseType::Null, true}; }
    Type operator()(bool) const { return {BaseType::Bool, false}; }
    Type operator()(int64_t) const { return {BaseType::Int, false}; }
    Type operator()(double) const { return {BaseType::Float, false}; }
    Type operator()(const std::string&) const { return {BaseType::String, false}; }
    Type operator()(ast::Timestamp) const { return {BaseType::Timestamp, false}; }
    Type operator()(ast::Duration) const { return {BaseType::Duration, false}; }
  };
  return std::visit(Visitor{}, v);
}

bool isError(const Expr& e) {
  return e.type.base == BaseType::Error;
}

std::string quoted(const std::string& name) {
  return "'" + name + "'";
}

}  // namespace flowc::sema::detail
