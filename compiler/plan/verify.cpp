// verifyPlan: the invariants every pass must keep (plan.h). A failure is a
// bug in flowc, so it throws InternalError naming the node.
#include <fmt/format.h>

#include "plan/plan.h"
#include "syntax/ast_print.h"

namespace flowc::plan {

namespace {

[[noreturn]] void fail(const Node& n, const std::string& what) {
  throw InternalError(fmt::format("plan verifier: {}#{}: {}", opKindName(n.kind), n.id, what));
}

bool sameBase(ast::Type a, ast::Type b) {
  // Error and Null types carry no column type to compare.
  auto loose = [](ast::Type t) { return t.base == ast::BaseType::Error || t.base == ast::BaseType::Null; };
  return loose(a) || loose(b) || a.base == b.base;
}

// Every ColumnRef in `e` reads a column of `in0` (or, with `in1`, of a Join's table).
void checkExpr(const Node& n, const ast::Expr& e, const std::vector<ast::Column>& in0,
               const std::vector<ast::Column>* in1) {
  if (e.kind == ast::ExprKind::ColumnRef) {
    const std::vector<ast::Column>* in = e.binding.input == 0 ? &in0 : e.binding.input == 1 ? in1 : nullptr;
    if (!in) fail(n, fmt::format("'{}' reads input {}", ast::printExpr(e), e.binding.input));
    if (e.binding.column < 0 || static_cast<size_t>(e.binding.column) >= in->size()) {
      fail(n, fmt::format("'{}' reads column {} of {}", ast::printExpr(e), e.binding.column, in->size()));
    }
    const ast::Column& c = (*in)[static_cast<size_t>(e.binding.column)];
    if (!sameBase(e.type, c.type)) {
      fail(n, fmt::format("'{}' is {} but column '{}' is {}", ast::printExpr(e), ast::typeName(e.type),
                          c.name, ast::typeName(c.type)));
    }
  }
  for (const ast::ExprPtr& a : e.args) {
    if (!a) fail(n, "an expression has a null operand");
    checkExpr(n, *a, in0, in1);
  }
}

void checkSchemaSize(const Node& n, size_t expected) {
  if (n.schema.size() != expected) {
    fail(n, fmt::format("schema has {} columns, expected {}", n.schema.size(), expected));
  }
}

}  // namespace

void verifyPlan(const Plan& plan) {
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const Node& n = *plan.nodes[i];
    if (n.id != static_cast<int>(i) + 1) fail(n, fmt::format("stored at position {}", i + 1));
    for (int in : n.inputs) {
      if (in < 1 || in > static_cast<int>(plan.nodes.size()) || in == n.id) {
        fail(n, fmt::format("reads node {}", in));
      }
    }
    const bool deadLetter = n.kind == OpKind::Sink && n.inputs.empty();
    const size_t wantInputs = n.kind == OpKind::Source || deadLetter ? 0 : 1;
    if (n.inputs.size() != wantInputs) fail(n, fmt::format("has {} inputs", n.inputs.size()));
    static const std::vector<ast::Column> kNone;
    const std::vector<ast::Column>& in = n.inputs.empty() ? kNone : plan.node(n.inputs[0]).schema;

    switch (n.kind) {
      case OpKind::Source:
        if (!n.source) fail(n, "has no declaration");
        for (int f : n.fieldsRead) {
          if (f < 0 || static_cast<size_t>(f) >= n.schema.size()) fail(n, fmt::format("reads field {}", f));
        }
        break;
      case OpKind::Filter:
        if (!n.predicate) fail(n, "has no predicate");
        checkExpr(n, *n.predicate, in, nullptr);
        checkSchemaSize(n, in.size());
        break;
      case OpKind::Project:
        checkSchemaSize(n, n.projections.size());
        for (const ProjectItem& p : n.projections) checkExpr(n, *p.expr, in, nullptr);
        break;
      case OpKind::Join: {
        if (!n.table || !n.predicate || !n.lookupKey) fail(n, "is incomplete");
        checkSchemaSize(n, in.size() + n.table->columns.size());
        std::vector<ast::Column> table(n.schema.begin() + static_cast<std::ptrdiff_t>(in.size()),
                                       n.schema.end());
        checkExpr(n, *n.predicate, in, &table);
        checkExpr(n, *n.lookupKey, in, nullptr);
        break;
      }
      case OpKind::Aggregate: {
        const bool windowed = n.window.kind != ast::WindowKind::None;
        checkSchemaSize(n, n.groupKeys.size() + (windowed ? 3 : 0) + n.aggregates.size());
        for (const ProjectItem& k : n.groupKeys) checkExpr(n, *k.expr, in, nullptr);
        for (const ProjectItem& a : n.aggregates) {
          if (a.expr->kind != ast::ExprKind::Call || a.expr->callKind != ast::CallKind::Aggregate) {
            fail(n, fmt::format("'{}' is no aggregate call", ast::printExpr(*a.expr)));
          }
          checkExpr(n, *a.expr, in, nullptr);
        }
        if (windowed && (n.window.time.input != 0 || n.window.time.column < 0 ||
                         static_cast<size_t>(n.window.time.column) >= in.size())) {
          fail(n, "window time column is not a column of the input");
        }
        break;
      }
      case OpKind::TopN:
        for (const SortKey& k : n.order) checkExpr(n, *k.expr, in, nullptr);
        checkSchemaSize(n, in.size());
        break;
      case OpKind::Distinct: checkSchemaSize(n, in.size()); break;
      case OpKind::Sink:
        if (!deadLetter) checkSchemaSize(n, in.size());
        break;
    }
  }
}

}  // namespace flowc::plan
