// Rule merge-filters: Filter(b, Filter(a, x)) → Filter(a and then b, x)
//
// One test where there were two (a stream's `where` over another's, once
// pushed together). Today's evaluation order is kept: b is evaluated only
// for rows a let through, so a failure in b (1/0, a bad cast) never
// appears for a row a dropped. When b can fail, the merged Filter records
// its parts (plan::Node::filterParts) and codegen tests them one after the
// other; when no part after the first can fail, the plain three-valued
// `and` is the same test. Only when the inner Filter has no other reader.
#include <fmt/format.h>

#include "optimize/support.h"
#include "syntax/ast_print.h"

namespace flowc::optimize::detail {

bool mergeFilters(plan::Plan& plan, RuleFiring& firing) {
  for (const auto& np : plan.nodes) {
    plan::Node& outer = *np;
    if (outer.kind != plan::OpKind::Filter) continue;
    plan::Node& inner = plan.node(outer.inputs.at(0));
    if (inner.kind != plan::OpKind::Filter) continue;
    if (plan::consumersOf(plan, inner.id) != std::vector<int>{outer.id}) continue;

    firing.where = fmt::format("stream {}: {}, {}", outer.stream, nodeName(inner), nodeName(outer));
    firing.before = lines(plan, {inner.id, outer.id});
    std::vector<ast::ExprPtr> parts = filterPartsOf(inner);
    for (ast::ExprPtr& p : filterPartsOf(outer)) parts.push_back(std::move(p));
    setFilterParts(inner, std::move(parts));
    int innerId = inner.id, outerId = outer.id;
    redirectConsumers(plan, outerId, innerId);
    removeNodes(plan, {outerId});
    firing.after = lines(plan, {innerId < outerId ? innerId : innerId - 1});
    return true;
  }
  return false;
}

}  // namespace flowc::optimize::detail
