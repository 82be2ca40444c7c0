// Rule share-subexpressions: f(e) … g(e) → t = e; f(t) … g(t)
//
// An expression a record computes twice — in one operator (`upper(page) =
// 'A' or upper(page) = 'B'`), or in a filter and an operator after it
// (`where lower(c) <> ''` then `select lower(c)`; push-filter-through-project
// makes many of these) — is computed once. The plan keeps its expressions;
// this rule turns on plan::Plan::shareSubexpressions, with which codegen
// reuses a value only where the code that computed it certainly ran before
// (an enclosing block of the same record: never a value computed in
// another branch, or after a short-circuit). So a reuse never changes
// which records fail or why: the second evaluation would have computed the
// same value, and the first one's failure already failed the record.
// Fires once, when some operator repeats an expression of its own or of a
// Filter (or Join) its row comes through.
#include <fmt/format.h>

#include "graph/describe.h"
#include "optimize/support.h"
#include "syntax/ast_print.h"

namespace flowc::optimize::detail {

namespace {

void subexpressions(const ast::Expr& e, std::vector<const ast::Expr*>& out) {
  if (e.kind != ast::ExprKind::Literal && e.kind != ast::ExprKind::ColumnRef &&
      e.type.base != ast::BaseType::Null) {
    out.push_back(&e);
  }
  for (const ast::ExprPtr& a : e.args) subexpressions(*a, out);
}

// The expressions of `n` that codegen evaluates over its input row.
std::vector<const ast::Expr*> expressionsOf(const plan::Node& n) {
  std::vector<const ast::Expr*> out;
  switch (n.kind) {
    case plan::OpKind::Filter: subexpressions(*n.predicate, out); break;
    case plan::OpKind::Project:
      for (const plan::ProjectItem& p : n.projections) subexpressions(*p.expr, out);
      break;
    case plan::OpKind::Join: subexpressions(*n.lookupKey, out); break;
    case plan::OpKind::Aggregate:
      for (const plan::ProjectItem& k : n.groupKeys) subexpressions(*k.expr, out);
      for (const plan::ProjectItem& a : n.aggregates) {
        for (const ast::ExprPtr& arg : a.expr->args) subexpressions(*arg, out);
      }
      break;
    default: break;
  }
  return out;
}

// An expression repeated in `n`, or between `n` and an operator reading
// its rows unchanged (a Filter's or a Join's readers see the same columns).
const ast::Expr* repeated(const plan::Plan& plan, const plan::Node& n, std::string& where) {
  std::vector<const ast::Expr*> own = expressionsOf(n);
  for (size_t i = 0; i < own.size(); ++i) {
    for (size_t j = i + 1; j < own.size(); ++j) {
      if (ast::sameExpr(*own[i], *own[j])) {
        where = nodeName(n);
        return own[i];
      }
    }
  }
  if (n.kind != plan::OpKind::Filter && n.kind != plan::OpKind::Join) return nullptr;
  std::vector<int> work = plan::consumersOf(plan, n.id);
  while (!work.empty()) {
    const plan::Node& r = plan.node(work.back());
    work.pop_back();
    for (const ast::Expr* a : own) {
      for (const ast::Expr* b : expressionsOf(r)) {
        if (ast::sameExpr(*a, *b)) {
          where = nodeName(n) + ", " + nodeName(r);
          return a;
        }
      }
    }
    if (r.kind == plan::OpKind::Filter || r.kind == plan::OpKind::Join) {
      for (int c : plan::consumersOf(plan, r.id)) work.push_back(c);
    }
  }
  return nullptr;
}

}  // namespace

bool shareSubexpressions(plan::Plan& plan, RuleFiring& firing) {
  if (plan.shareSubexpressions) return false;
  for (const auto& np : plan.nodes) {
    std::string where;
    if (const ast::Expr* e = repeated(plan, *np, where)) {
      firing.where = fmt::format("stream {}: {}: {}", np->stream, where, graph::detail::exprText(*e));
      firing.before = lines(plan, {np->id});
      plan.shareSubexpressions = true;
      firing.after = {fmt::format("{} computed once per record", graph::detail::exprText(*e))};
      return true;
    }
  }
  return false;
}

}  // namespace flowc::optimize::detail
