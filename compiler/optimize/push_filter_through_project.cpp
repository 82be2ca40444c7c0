// Rule push-filter-through-project:
//   Filter(p, Project(e1 as c1, …, x)) → Project(e1 as c1, …, Filter(p[c := e], x))
//
// A stream that filters another stream's rows (`stream b as select … from a
// where …`) tests them before a's select list is computed, so the filter
// can meet a's own filter (merge-filters) and the decoder. Only when:
//  - the Project has no other reader (the filter then decides for all of
//    its rows);
//  - no item of the Project can fail a record (mayRaise): today every item
//    is computed before the filter runs, so an item that fails on a row the
//    filter drops must still fail it;
//  - every operation of the predicate that can fail reads the same after
//    the substitution (a failure's reason quotes it);
// the predicate's own failures then stay the same: it computes the same
// values from the same columns. A computed item the predicate reads is then
// computed twice in the plan; share-subexpressions has codegen compute it
// once.
#include <fmt/format.h>

#include "optimize/support.h"
#include "syntax/ast_print.h"

namespace flowc::optimize::detail {

namespace {

// A failing record's reason quotes the failing operation's text: every
// operation of the predicate that can fail must read the same after the
// substitution (`100 / y` over `select x, y` does; over `select v as y` it
// would become `100 / v`, and the filter stays where it is).
bool sameReasons(const ast::Expr& before, const ast::Expr& after) {
  if (before.kind == ast::ExprKind::ColumnRef) return true;  // replaced by an item that cannot fail
  if (selfMayRaise(before) && ast::printExpr(before) != ast::printExpr(after)) return false;
  for (size_t i = 0; i < before.args.size() && i < after.args.size(); ++i) {
    if (!sameReasons(*before.args[i], *after.args[i])) return false;
  }
  return true;
}

}  // namespace

bool pushFilterThroughProject(plan::Plan& plan, RuleFiring& firing) {
  for (const auto& np : plan.nodes) {
    plan::Node& filter = *np;
    if (filter.kind != plan::OpKind::Filter) continue;
    plan::Node& project = plan.node(filter.inputs.at(0));
    if (project.kind != plan::OpKind::Project || project.inputs.size() != 1) continue;
    if (plan::consumersOf(plan, project.id) != std::vector<int>{filter.id}) continue;
    bool safe = project.projections.size() == project.schema.size();
    for (size_t i = 0; safe && i < project.projections.size(); ++i) {
      const ast::Expr& e = *project.projections[i].expr;
      // The item's value must be the column's exactly (no coercion on the way).
      safe = !mayRaise(e) && e.type == project.schema[i].type;
    }
    if (!safe) continue;

    ast::ExprPtr pushed = substitute(*filter.predicate, project.projections);
    if (!sameReasons(*filter.predicate, *pushed)) continue;

    firing.where = fmt::format("stream {}: {} over {}", filter.stream, nodeName(filter), nodeName(project));
    firing.before = lines(plan, {project.id, filter.id});
    int below = project.inputs[0];
    filter.predicate = std::move(pushed);
    filter.schema = plan.node(below).schema;
    redirectConsumers(plan, filter.id, project.id);  // the filter's readers now read the project
    filter.inputs = {below};
    project.inputs = {filter.id};
    firing.after = lines(plan, {filter.id, project.id});
    return true;
  }
  return false;
}

}  // namespace flowc::optimize::detail
