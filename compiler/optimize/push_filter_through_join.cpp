// Rule push-filter-through-join:
//   Filter(l and r, Join(x, t)) → Filter(r, Join(Filter(l, x), t))
// where the conjuncts l read only x's columns (when every conjunct does,
// the whole Filter moves under the Join).
//
// Rows the left filter drops are never looked up. Both joins keep every
// row of x that passes l (an inner join drops unmatched rows, which l
// cannot bring back), so the rows are the same. Only when nothing involved
// can fail a record (mayRaise): today the join's key is computed for every
// row and the filter only for joined rows, in the order of the `and`; once
// moved, a failure could appear for a row that used to be dropped first,
// or vanish for one that is now.
#include <fmt/format.h>

#include "optimize/support.h"
#include "syntax/ast_print.h"

namespace flowc::optimize::detail {

bool pushFilterThroughJoin(plan::Plan& plan, RuleFiring& firing) {
  for (const auto& np : plan.nodes) {
    plan::Node& filter = *np;
    if (filter.kind != plan::OpKind::Filter) continue;
    plan::Node& join = plan.node(filter.inputs.at(0));
    if (join.kind != plan::OpKind::Join) continue;
    if (plan::consumersOf(plan, join.id) != std::vector<int>{filter.id}) continue;
    if (mayRaise(*filter.predicate) || mayRaise(*join.lookupKey) || mayRaise(*join.predicate)) continue;
    const int below = join.inputs.at(0);
    const size_t leftColumns = plan.node(below).schema.size();
    std::vector<const ast::Expr*> parts;
    conjuncts(*filter.predicate, parts);
    std::vector<ast::ExprPtr> left, rest;
    for (const ast::Expr* p : parts) {
      bool onlyLeft = true;
      forEachColumn(*p, [&](const ast::Expr& c) {
        onlyLeft = onlyLeft && c.binding.input == 0 && static_cast<size_t>(c.binding.column) < leftColumns;
      });
      (onlyLeft ? left : rest).push_back(ast::cloneExpr(*p));
    }
    if (left.empty()) continue;

    firing.where = fmt::format("stream {}: {} over {}", filter.stream, nodeName(filter), nodeName(join));
    firing.before = lines(plan, {join.id, filter.id});
    if (rest.empty()) {
      // The whole filter moves under the join.
      redirectConsumers(plan, filter.id, join.id);
      filter.inputs = {below};
      filter.schema = plan.node(below).schema;
      filter.filterParts = 0;
      join.inputs = {filter.id};
      firing.after = lines(plan, {filter.id, join.id});
      return true;
    }
    auto pushed = std::make_unique<plan::Node>();
    pushed->id = static_cast<int>(plan.nodes.size()) + 1;
    pushed->kind = plan::OpKind::Filter;
    pushed->stream = filter.stream;
    pushed->range = filter.range;
    pushed->inputs = {below};
    pushed->schema = plan.node(below).schema;
    pushed->predicate = andOf(std::move(left));
    join.inputs = {pushed->id};
    filter.predicate = andOf(std::move(rest));
    filter.filterParts = 0;
    int pushedId = pushed->id, joinId = join.id, filterId = filter.id;
    plan.nodes.push_back(std::move(pushed));
    firing.after = lines(plan, {pushedId, joinId, filterId});
    return true;
  }
  return false;
}

}  // namespace flowc::optimize::detail
