// Copying AST expressions into the plan so that their ColumnRefs read the
// columns of the operator that evaluates them (see builder.h).
#include <fmt/format.h>

#include <algorithm>

#include "plan/builder.h"
#include "syntax/ast_print.h"

namespace flowc::plan::detail {

namespace {

void rewriteInPlace(ast::ExprPtr& e, const Replace& replace, const Rebind& rebind) {
  if (replace) {
    if (ast::ExprPtr r = replace(*e)) {
      e = std::move(r);
      return;
    }
  }
  if (e->kind == ast::ExprKind::ColumnRef) e->binding = rebind(*e);
  e->groupKeySlot = -1;
  e->aggregateSlot = -1;
  for (ast::ExprPtr& a : e->args) rewriteInPlace(a, replace, rebind);
}

}  // namespace

ast::ExprPtr copyExpr(const ast::Expr& e, const Replace& replace, const Rebind& rebind) {
  ast::ExprPtr c = ast::cloneExpr(e);
  rewriteInPlace(c, replace, rebind);
  return c;
}

ast::ExprPtr copyExpr(const ast::Expr& e, const Rebind& rebind) {
  return copyExpr(e, Replace{}, rebind);
}

ast::ExprPtr columnRef(int index, const ast::Column& column, SourceRange range) {
  auto r = std::make_unique<ast::Expr>();
  r->kind = ast::ExprKind::ColumnRef;
  r->range = range;
  r->name = column.name;
  r->type = column.type;
  r->binding = {0, index};
  return r;
}

std::string uniqueName(const std::string& name, std::vector<std::string>& taken) {
  auto isTaken = [&](const std::string& n) {
    return std::find(taken.begin(), taken.end(), n) != taken.end();
  };
  std::string result = name;
  for (int k = 2; isTaken(result); ++k) result = fmt::format("{}_{}", name, k);
  taken.push_back(result);
  return result;
}

}  // namespace flowc::plan::detail
