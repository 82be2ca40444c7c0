// optimize(): the rules of support.h to a fixed point. Each round tries the
// rules in table order and applies the first match of the first rule that
// has one; the plan is verified after every firing, so a broken rewrite is
// caught at the rule that made it.
#include "optimize/optimize.h"

#include <fmt/format.h>

#include "optimize/support.h"
#include "syntax/ast_print.h"

namespace flowc::optimize {

namespace {

// Cleanups first (they shrink what later rules look at), then the moves
// that bring filters down to the source, then the rules that read the
// final shape.
constexpr detail::Rule kRules[] = {
    {"remove-dead-streams", "Sink-less stream(x) → (removed); x is still decoded and validated",
     &detail::removeDeadStreams},
    {"share-source-decode", "Source(s) ×2 → one Source(s) read by both streams", &detail::shareSourceDecode},
    {"fold-constants", "op(literal, literal) → literal; x and true → x; not not x → x; Filter(true, x) → x",
     &detail::foldConstants},
    {"push-filter-through-project", "Filter(p, Project(e, x)) → Project(e, Filter(p[e], x))",
     &detail::pushFilterThroughProject},
    {"push-filter-through-join", "Filter(l and r, Join(x, t)) → Filter(r, Join(Filter(l, x), t))",
     &detail::pushFilterThroughJoin},
    {"merge-filters", "Filter(b, Filter(a, x)) → Filter(a and then b, x)", &detail::mergeFilters},
    {"prune-columns", "Project(e1, e2, x) → Project(e1, x) when nobody reads e2; Source reads only read fields",
     &detail::pruneColumns},
    {"push-filter-into-decoder", "Filter(p, Source(s)) → Source(s, p tested while decoding)",
     &detail::pushFilterIntoDecoder},
    {"share-subexpressions", "f(e) … g(e) → t = e; f(t) … g(t) (one evaluation per record)",
     &detail::shareSubexpressions},
};

// A rewrite that undoes another would loop; no real program needs more.
constexpr int kMaxFirings = 1000;

}  // namespace

OptimizeResult optimize(plan::Plan& plan, const sema::Catalog&, const ast::Program&) {
  OptimizeResult result;
  for (int round = 0;; ++round) {
    if (round >= kMaxFirings) throw InternalError("optimize: the rules do not reach a fixed point");
    bool fired = false;
    for (const detail::Rule& rule : kRules) {
      RuleFiring firing;
      if (!rule.apply(plan, firing)) continue;
      firing.rule = rule.name;
      firing.rewrite = rule.rewrite;
      try {
        plan::verifyPlan(plan);
      } catch (const InternalError& e) {
        throw InternalError(fmt::format("optimize: after {} ({}): {}", rule.name, firing.where, e.what()));
      }
      result.fired.push_back(std::move(firing));
      fired = true;
      break;
    }
    if (!fired) break;
  }
  return result;
}

namespace {

std::vector<plan::ProjectItem> cloneItems(const std::vector<plan::ProjectItem>& items) {
  std::vector<plan::ProjectItem> out;
  for (const plan::ProjectItem& i : items) out.push_back({ast::cloneExpr(*i.expr), i.name});
  return out;
}

ast::ExprPtr cloneOrNull(const ast::ExprPtr& e) {
  return e ? ast::cloneExpr(*e) : nullptr;
}

}  // namespace

plan::Plan clonePlan(const plan::Plan& plan) {
  plan::Plan copy;
  copy.shareSubexpressions = plan.shareSubexpressions;
  for (const auto& np : plan.nodes) {
    const plan::Node& n = *np;
    auto c = std::make_unique<plan::Node>();
    c->id = n.id;
    c->kind = n.kind;
    c->inputs = n.inputs;
    c->schema = n.schema;
    c->stream = n.stream;
    c->range = n.range;
    c->source = n.source;
    c->fieldsRead = n.fieldsRead;
    c->predicate = cloneOrNull(n.predicate);
    c->filterParts = n.filterParts;
    c->inDecoder = n.inDecoder;
    c->projections = cloneItems(n.projections);
    c->table = n.table;
    c->leftJoin = n.leftJoin;
    c->lookupKey = cloneOrNull(n.lookupKey);
    c->groupKeys = cloneItems(n.groupKeys);
    c->aggregates = cloneItems(n.aggregates);
    c->window = n.window;
    c->stateModel = n.stateModel;
    c->emit = n.emit;
    for (const plan::SortKey& k : n.order) c->order.push_back({ast::cloneExpr(*k.expr), k.desc});
    c->limit = n.limit;
    c->sink = n.sink;
    c->deadLetterOf = n.deadLetterOf;
    copy.nodes.push_back(std::move(c));
  }
  return copy;
}

}  // namespace flowc::optimize
