// Rule fold-constants:
//   op(literal, literal) → literal        (1 + 2 → 3, 'a' = 'b' → false)
//   x and true → x,  true and x → x,  false and x → false,  x and false → false
//   x or false → x,  false or x → x,  true or x → true,    x or true → true
//   not not x → x,   not true → false,  e is null → false  (e never null)
//   Filter(true, x) → x
//
// Never folds what could fail at run time: an int overflow, a division, a
// cast from text, a float that is not finite stay in the code, so the
// record is still dead-lettered or retried — with the same reason, whose
// text quotes the failing operation: nothing inside one is folded either
// (`a + 2 * 3` stays, so an overflow still says "in a + 2 * 3"). An operand
// that a rewrite would stop evaluating (`x` in `x and false`) must be one
// that cannot fail (support.cpp mayRaise). SQL null semantics are kept
// exactly: null literals are never folded through, three-valued `and`/`or`
// only lose operands whose value cannot change the result.
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "optimize/support.h"
#include "syntax/ast_print.h"

namespace flowc::optimize::detail {

namespace {

using ast::BaseType;
using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Op;

ExprPtr literal(ast::Value v, ast::Type type, SourceRange range) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::Literal;
  e->value = std::move(v);
  e->type = type;
  e->range = range;
  return e;
}

const bool* boolLiteral(const Expr& e) {
  return e.kind == ExprKind::Literal ? std::get_if<bool>(&e.value) : nullptr;
}

bool isLiteral(const Expr& e) {
  return e.kind == ExprKind::Literal && !std::holds_alternative<std::monostate>(e.value);
}

// The value of a comparison of two literals of the same kind.
template <typename T>
bool compareValues(Op op, const T& a, const T& b) {
  switch (op) {
    case Op::Eq: return a == b;
    case Op::Ne: return !(a == b);
    case Op::Lt: return a < b;
    case Op::Le: return !(b < a);
    case Op::Gt: return b < a;
    case Op::Ge: return !(a < b);
    default: break;
  }
  throw InternalError("optimize: not a comparison");
}

std::optional<bool> compareLiterals(Op op, const ast::Value& a, const ast::Value& b) {
  if (a.index() != b.index()) return std::nullopt;
  if (const auto* x = std::get_if<int64_t>(&a)) return compareValues(op, *x, std::get<int64_t>(b));
  if (const auto* x = std::get_if<double>(&a)) {
    // NaN cannot be a literal, so IEEE comparison is SQL's.
    return compareValues(op, *x, std::get<double>(b));
  }
  if (const auto* x = std::get_if<std::string>(&a)) {
    // Byte order, as flow::sql compares std::string_view.
    return compareValues(op, std::string_view(*x), std::string_view(std::get<std::string>(b)));
  }
  if (const auto* x = std::get_if<bool>(&a)) return compareValues(op, *x, std::get<bool>(b));
  if (const auto* x = std::get_if<ast::Timestamp>(&a)) return compareValues(op, x->ms, std::get<ast::Timestamp>(b).ms);
  if (const auto* x = std::get_if<ast::Duration>(&a)) return compareValues(op, x->ms, std::get<ast::Duration>(b).ms);
  return std::nullopt;
}

std::optional<double> asDouble(const ast::Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

// `e` itself once its operands are folded; null when it stays.
ExprPtr foldNode(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Unary: {
      const Expr& a = *e.args[0];
      if (e.op == Op::Not) {
        if (const bool* b = boolLiteral(a)) return literal(!*b, e.type, e.range);
        if (a.kind == ExprKind::Unary && a.op == Op::Not && a.args[0]->type == e.type)
          return ast::cloneExpr(*a.args[0]);
        return nullptr;
      }
      if (e.op == Op::Neg && a.kind == ExprKind::Literal) {
        if (const auto* i = std::get_if<int64_t>(&a.value); i && *i != INT64_MIN && e.type.base == BaseType::Int)
          return literal(-*i, e.type, e.range);
        if (const auto* d = std::get_if<double>(&a.value); d && e.type.base == BaseType::Float)
          return literal(-*d, e.type, e.range);
      }
      return nullptr;
    }
    case ExprKind::Binary: {
      const Expr& a = *e.args[0];
      const Expr& b = *e.args[1];
      switch (e.op) {
        case Op::And:
        case Op::Or: {
          const bool identity = e.op == Op::And;  // true for and, false for or
          const bool* la = boolLiteral(a);
          const bool* lb = boolLiteral(b);
          if (la && *la == identity && b.type.base == BaseType::Bool && b.type.nullable == e.type.nullable)
            return ast::cloneExpr(b);
          if (lb && *lb == identity && a.type.base == BaseType::Bool && a.type.nullable == e.type.nullable)
            return ast::cloneExpr(a);
          // The absorbing value: the left side decides alone (the right is
          // never evaluated); on the right only when the left cannot fail.
          if (la && *la != identity) return literal(*la, e.type, e.range);
          if (lb && *lb != identity && !mayRaise(a)) return literal(*lb, e.type, e.range);
          return nullptr;
        }
        case Op::Eq:
        case Op::Ne:
        case Op::Lt:
        case Op::Le:
        case Op::Gt:
        case Op::Ge: {
          if (!isLiteral(a) || !isLiteral(b) || e.type.base != BaseType::Bool) return nullptr;
          std::optional<bool> r = compareLiterals(e.op, a.value, b.value);
          return r ? literal(*r, e.type, e.range) : nullptr;
        }
        case Op::Add:
        case Op::Sub:
        case Op::Mul: {
          if (!isLiteral(a) || !isLiteral(b)) return nullptr;
          if (e.type.base == BaseType::Int) {
            const auto* x = std::get_if<int64_t>(&a.value);
            const auto* y = std::get_if<int64_t>(&b.value);
            if (!x || !y) return nullptr;
            int64_t r = 0;
            bool overflow = e.op == Op::Add   ? __builtin_add_overflow(*x, *y, &r)
                            : e.op == Op::Sub ? __builtin_sub_overflow(*x, *y, &r)
                                              : __builtin_mul_overflow(*x, *y, &r);
            return overflow ? nullptr : literal(r, e.type, e.range);  // overflow: fails at run time, as today
          }
          if (e.type.base == BaseType::Float) {
            std::optional<double> x = asDouble(a.value), y = asDouble(b.value);
            if (!x || !y) return nullptr;
            double r = e.op == Op::Add ? *x + *y : e.op == Op::Sub ? *x - *y : *x * *y;
            return std::isfinite(r) ? literal(r, e.type, e.range) : nullptr;
          }
          return nullptr;
        }
        default: return nullptr;  // division and modulo, ||: left to run time
      }
    }
    case ExprKind::IsNull: {
      const Expr& a = *e.args[0];
      if (a.type.base == BaseType::Null || a.type.base == BaseType::Error) return nullptr;
      if (isLiteral(a) || (!a.type.nullable && !mayRaise(a))) return literal(e.negated, e.type, e.range);
      return nullptr;
    }
    default: return nullptr;
  }
}

// Inside an operation that can fail nothing is folded, unless the whole
// operation becomes a constant (which cannot fail): the failure's reason
// quotes the operation's text, which must stay as written.
bool fold(ExprPtr& e) {
  if (selfMayRaise(*e)) {
    ExprPtr copy = ast::cloneExpr(*e);
    for (ExprPtr& a : copy->args) fold(a);
    ExprPtr r = foldNode(*copy);
    if (!r || r->kind != ExprKind::Literal) return false;
    e = std::move(r);
    return true;
  }
  bool changed = false;
  for (ExprPtr& a : e->args) changed = fold(a) || changed;
  if (ExprPtr r = foldNode(*e)) {
    e = std::move(r);
    changed = true;
  }
  return changed;
}

bool isTrueLiteral(const Expr& e) {
  const bool* b = boolLiteral(e);
  return b && *b;
}

}  // namespace

bool foldConstants(plan::Plan& plan, RuleFiring& firing) {
  for (const auto& np : plan.nodes) {
    plan::Node& n = *np;
    std::string before = lines(plan, {n.id})[0];
    bool changed = false;
    if (n.kind == plan::OpKind::Filter) {
      // Each part of a merged filter folds on its own: the parts' order is
      // what keeps their errors.
      std::vector<ExprPtr> parts = filterPartsOf(n);
      std::vector<ExprPtr> kept;
      for (ExprPtr& p : parts) {
        changed = fold(p) || changed;
        if (isTrueLiteral(*p)) {
          changed = true;
          continue;
        }
        kept.push_back(std::move(p));
      }
      if (kept.empty()) {
        // Filter(true, x) → x
        firing.where = fmt::format("stream {}: {}", n.stream, nodeName(n));
        firing.before = {before};
        int id = n.id;
        redirectConsumers(plan, id, n.inputs.at(0));
        removeNodes(plan, {id});
        return true;
      }
      if (changed) {
        int parts = n.filterParts;
        setFilterParts(n, std::move(kept));
        if (parts <= 1) n.filterParts = 0;
      }
    } else if (n.kind == plan::OpKind::Project) {
      for (plan::ProjectItem& p : n.projections) changed = fold(p.expr) || changed;
    }
    if (!changed) continue;
    firing.where = fmt::format("stream {}: {}", n.stream, nodeName(n));
    firing.before = {before};
    firing.after = lines(plan, {n.id});
    return true;
  }
  return false;
}

}  // namespace flowc::optimize::detail
