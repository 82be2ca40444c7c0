// Internal to compiler/plan: the state shared while one program is planned,
// and the per-statement builders. Not for other stages.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "plan/plan.h"

namespace flowc::plan::detail {

struct Builder {
  const sema::Catalog& catalog;
  Plan plan;
  // Relation name → the node that outputs its rows (a Source, or a stream's
  // last operator). Filled in program order.
  std::map<std::string, int> producer;
  // Nodes whose input is a relation, wired once every declaration has its
  // nodes: a stream may read a stream declared after it.
  std::vector<std::pair<int, std::string>> pendingInputs;

  explicit Builder(const sema::Catalog& c) : catalog(c) {}
  Node& add(OpKind kind, const std::string& stream, SourceRange range);
  const sema::Relation& relation(const std::string& name) const;  // InternalError when absent
};

void buildStream(Builder& b, const ast::StreamDecl& stream);

// Expression rewriting (rewrite.cpp). `replace` may substitute a whole
// sub-expression, outermost first (returning null leaves it alone);
// ColumnRefs it leaves alone get the binding `rebind` gives them. The copy's
// groupKeySlot and aggregateSlot are cleared: they index the SelectStmt,
// which means nothing inside the plan.
using Replace = std::function<ast::ExprPtr(const ast::Expr&)>;
using Rebind = std::function<ast::ColumnBinding(const ast::Expr&)>;
ast::ExprPtr copyExpr(const ast::Expr& e, const Replace& replace, const Rebind& rebind);
ast::ExprPtr copyExpr(const ast::Expr& e, const Rebind& rebind);

// A ColumnRef to column `index` of input 0 named and typed like `column`.
ast::ExprPtr columnRef(int index, const ast::Column& column, SourceRange range);

// `name`, or `name_2`, `name_3`… whichever is not in `taken`; adds it.
std::string uniqueName(const std::string& name, std::vector<std::string>& taken);

}  // namespace flowc::plan::detail
