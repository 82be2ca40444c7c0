// Filter: `where` (and, later, `having`). SQL's three-valued logic: a row
// passes only when its condition is true — null drops it like false. The
// operators reading the filter's rows are emitted inside its `if`.
#include <fmt/format.h>

#include <algorithm>

#include "emitter.h"
#include "syntax/ast_print.h"

namespace flowc::codegen::detail {

void Emitter::emitFilter(const plan::Node& n, const Row& input) {
  code().comment(fmt::format("{}: where {}", nodeTitle(n), exprText(*n.predicate)));
  // A merged filter (compiler/optimize merge-filters) tests its parts in
  // order, each only for rows the ones before it let through.
  std::vector<const ast::Expr*> parts;
  const ast::Expr* e = n.predicate.get();
  for (int i = n.filterParts; i > 1; --i) {
    if (e->kind != ast::ExprKind::Binary || e->op != ast::Op::And)
      throw InternalError(fmt::format("codegen: {} has fewer parts than it says", nodeTitle(n)));
    parts.push_back(e->args[1].get());
    e = e->args[0].get();
  }
  parts.push_back(e);
  std::reverse(parts.begin(), parts.end());
  size_t opened = 0;
  for (const ast::Expr* part : parts) {
    if (parts.size() > 1) code().comment("and then " + exprText(*part));
    CValue condition = emitExpr(*part, input);
    if (condition.type.base == ast::BaseType::Null) {
      code().note("the condition is always null: no row passes");
      for (; opened > 0; --opened) code().close();
      return;
    }
    code().open(fmt::format("if (flow::sql::isTrue({}))", condition.code));
    ++opened;
  }
  consume(n.id, input);
  for (; opened > 0; --opened) code().close();
}

}  // namespace flowc::codegen::detail
