// Filter: `where` (and, later, `having`). SQL's three-valued logic: a row
// passes only when its condition is true — null drops it like false. The
// operators reading the filter's rows are emitted inside its `if`.
#include <fmt/format.h>

#include "emitter.h"
#include "syntax/ast_print.h"

namespace flowc::codegen::detail {

void Emitter::emitFilter(const plan::Node& n, const Row& input) {
  code().comment(fmt::format("{}: where {}", nodeTitle(n), exprText(*n.predicate)));
  CValue condition = emitExpr(*n.predicate, input);
  if (condition.type.base == ast::BaseType::Null) {
    code().note("the condition is always null: no row passes");
    return;
  }
  code().open(fmt::format("if (flow::sql::isTrue({}))", condition.code));
  consume(n.id, input);
  code().close();
}

}  // namespace flowc::codegen::detail
