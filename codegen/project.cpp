// Project: the select list. A column passed through unchanged costs nothing
// (its value is reused); a computed column is a local.
#include <fmt/format.h>

#include "emitter.h"
#include "syntax/ast_print.h"

namespace flowc::codegen::detail {

void Emitter::emitProject(const plan::Node& n, const Row& input) {
  code().comment(fmt::format("{}: select, stream {}", nodeTitle(n), n.stream));
  Row output;
  for (size_t i = 0; i < n.projections.size(); ++i) {
    const plan::ProjectItem& item = n.projections[i];
    const ast::Expr& e = *item.expr;
    if (e.kind != ast::ExprKind::ColumnRef) code().comment(fmt::format("{} = {}", item.name, exprText(e)));
    CValue v = emitExpr(e, input);
    ast::Type type = i < n.schema.size() ? n.schema[i].type : v.type;
    if (v.type.base == ast::BaseType::Null) {
      output.push_back({fmt::format("{}{{}}", cppTypeOf(type)), type});
      continue;
    }
    output.push_back(fitTo(v, type));
  }
  consume(n.id, output);
}

}  // namespace flowc::codegen::detail
