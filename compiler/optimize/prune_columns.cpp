// Rule prune-columns:
//   Project(e1 as c1, e2 as c2, x) → Project(e1 as c1, x)   when no reader reads c2
//   Source(s) reads (all fields) → Source(s) reads (the fields some operator reads)
//
// A column is read when an operator's expression reads it, or a Sink or a
// Distinct (they take whole rows), or — through a Filter, TopN or Join,
// which pass their input's columns on — when their own readers read it.
// So `select *` in a stream that another stream reads keeps only what that
// stream uses. What a sink writes is never dropped. An item that could
// fail a record (mayRaise) stays: it is computed for every row today. The
// readers of a pruned Project are renumbered through the pass-through
// operators.
#include <fmt/format.h>

#include "optimize/support.h"
#include "syntax/ast_print.h"

namespace flowc::optimize::detail {

namespace {

void remap(ast::Expr& e, const std::vector<int>& newIndex) {
  if (e.kind == ast::ExprKind::ColumnRef && e.binding.input == 0) {
    int to = newIndex.at(static_cast<size_t>(e.binding.column));
    if (to < 0) throw InternalError(fmt::format("optimize: '{}' reads a pruned column", e.name));
    e.binding.column = to;
  }
  for (ast::ExprPtr& a : e.args) remap(*a, newIndex);
}

// Node `id`'s output lost the columns newIndex maps to -1: renumber what
// its readers read, and the columns of the readers that pass them on.
void dropColumns(plan::Plan& plan, int id, const std::vector<int>& newIndex) {
  for (int r : plan::consumersOf(plan, id)) {
    plan::Node& c = plan.node(r);
    switch (c.kind) {
      case plan::OpKind::Project:
        for (plan::ProjectItem& p : c.projections) remap(*p.expr, newIndex);
        break;
      case plan::OpKind::Aggregate:
        for (plan::ProjectItem& k : c.groupKeys) remap(*k.expr, newIndex);
        for (plan::ProjectItem& a : c.aggregates) remap(*a.expr, newIndex);
        if (c.window.kind != ast::WindowKind::None && c.window.time.column >= 0) {
          c.window.time.column = newIndex.at(static_cast<size_t>(c.window.time.column));
        }
        break;
      case plan::OpKind::Filter:
      case plan::OpKind::TopN:
      case plan::OpKind::Join: {
        if (c.predicate) remap(*c.predicate, newIndex);
        if (c.lookupKey) remap(*c.lookupKey, newIndex);
        for (plan::SortKey& k : c.order) remap(*k.expr, newIndex);
        // The pass-through part of the schema shrinks like the input's; a
        // Join's table columns follow it (they are read as input 1).
        std::vector<ast::Column> schema;
        std::vector<int> passed;
        for (size_t i = 0; i < c.schema.size(); ++i) {
          int to = i < newIndex.size() ? newIndex[i] : -2;
          if (to == -1) continue;
          passed.push_back(static_cast<int>(schema.size()));
          schema.push_back(c.schema[i]);
        }
        std::vector<int> next(c.schema.size(), -1);
        for (size_t i = 0, k = 0; i < c.schema.size(); ++i) {
          int to = i < newIndex.size() ? newIndex[i] : -2;
          if (to != -1) next[i] = passed[k++];
        }
        c.schema = std::move(schema);
        dropColumns(plan, r, next);
        break;
      }
      case plan::OpKind::Sink:
      case plan::OpKind::Distinct:
      case plan::OpKind::Source:
        throw InternalError(fmt::format("optimize: {} reads a pruned column", nodeName(c)));
    }
  }
}

bool pruneSource(plan::Plan& plan, plan::Node& n, RuleFiring& firing) {
  std::vector<bool> need = neededColumns(plan, n.id);
  std::vector<int> read;
  for (size_t i = 0; i < need.size(); ++i) {
    if (need[i]) read.push_back(static_cast<int>(i));
  }
  if (read == n.fieldsRead) return false;
  firing.where = fmt::format("source {}: {}", n.stream, nodeName(n));
  firing.before = lines(plan, {n.id});
  n.fieldsRead = std::move(read);
  firing.after = lines(plan, {n.id});
  return true;
}

bool pruneProject(plan::Plan& plan, plan::Node& n, RuleFiring& firing) {
  std::vector<bool> need = neededColumns(plan, n.id);
  std::vector<int> newIndex(n.projections.size(), -1);
  int kept = 0;
  bool drops = false;
  for (size_t i = 0; i < n.projections.size(); ++i) {
    bool keep = need[i] || mayRaise(*n.projections[i].expr);
    if (keep) {
      newIndex[i] = kept++;
    } else {
      drops = true;
    }
  }
  // A project keeps one column at least: a row of nothing is still a row.
  if (!drops || kept == 0) return false;
  firing.where = fmt::format("stream {}: {}", n.stream, nodeName(n));
  std::vector<int> shown{n.id};
  for (int r : plan::consumersOf(plan, n.id)) shown.push_back(r);
  firing.before = lines(plan, shown);
  std::vector<plan::ProjectItem> items;
  std::vector<ast::Column> schema;
  for (size_t i = 0; i < n.projections.size(); ++i) {
    if (newIndex[i] < 0) continue;
    items.push_back(std::move(n.projections[i]));
    schema.push_back(n.schema[i]);
  }
  n.projections = std::move(items);
  n.schema = std::move(schema);
  dropColumns(plan, n.id, newIndex);
  firing.after = lines(plan, shown);
  return true;
}

}  // namespace

bool pruneColumns(plan::Plan& plan, RuleFiring& firing) {
  for (const auto& np : plan.nodes) {
    if (np->kind == plan::OpKind::Project && pruneProject(plan, *np, firing)) return true;
  }
  for (const auto& np : plan.nodes) {
    if (np->kind == plan::OpKind::Source && pruneSource(plan, *np, firing)) return true;
  }
  return false;
}

}  // namespace flowc::optimize::detail
