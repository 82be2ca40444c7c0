// What the rules share (support.h): the may-raise analysis that keeps every
// rewrite from changing which records fail, and the plan surgery.
#include "optimize/support.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "graph/describe.h"
#include "syntax/ast_print.h"

namespace flowc::optimize::detail {

using ast::BaseType;
using ast::Expr;
using ast::ExprKind;
using ast::Op;

bool raises(const Expr& e, bool deep);

namespace {

bool anyArgRaises(const Expr& e) {
  for (const ast::ExprPtr& a : e.args) {
    if (mayRaise(*a)) return true;
  }
  return false;
}

bool hasTimestampArg(const Expr& e) {
  for (const ast::ExprPtr& a : e.args) {
    if (a->type.base == BaseType::Timestamp) return true;
  }
  return false;
}

}  // namespace

// Mirrors codegen/expr.cpp: what it emits with a `return "…"` (a failing
// record) is what may raise here; `deep`: the operands' too.
bool raises(const Expr& e, bool deep) {
  switch (e.kind) {
    case ExprKind::Literal:
    case ExprKind::ColumnRef: return false;
    case ExprKind::Unary:
      if (e.op == Op::Not) return (deep && anyArgRaises(e));
      // -x: integer and time negation overflow at the minimum; floats do not.
      if (e.type.base == BaseType::Float) return (deep && anyArgRaises(e));
      if (e.args[0]->kind == ExprKind::Literal) {
        const int64_t* v = std::get_if<int64_t>(&e.args[0]->value);
        return !v || *v == INT64_MIN;
      }
      return true;
    case ExprKind::Binary:
      switch (e.op) {
        case Op::And:
        case Op::Or:
        case Op::Eq:
        case Op::Ne:
        case Op::Lt:
        case Op::Le:
        case Op::Gt:
        case Op::Ge: return (deep && anyArgRaises(e));
        // `||` of a timestamp fails outside years 0000-9999.
        case Op::Concat: return hasTimestampArg(e) || (deep && anyArgRaises(e));
        default: return true;  // arithmetic: overflow, division by zero
      }
    case ExprKind::IsNull:
    case ExprKind::Between:
    case ExprKind::InList:
    case ExprKind::Like:
    case ExprKind::Case:
    case ExprKind::Extract: return (deep && anyArgRaises(e));
    case ExprKind::Cast: {
      BaseType from = e.args[0]->type.base, to = e.type.base;
      if (from == to || from == BaseType::Null) return (deep && anyArgRaises(e));
      bool safe = (to == BaseType::String && from != BaseType::Timestamp) ||
                  (to == BaseType::Int && (from == BaseType::Bool || from == BaseType::Timestamp)) ||
                  (to == BaseType::Float && from == BaseType::Int) ||
                  (to == BaseType::Timestamp && from == BaseType::Int);
      return !safe || (deep && anyArgRaises(e));
    }
    case ExprKind::Call: {
      if (e.callKind != ast::CallKind::Scalar) return true;
      static const char* const kSafe[] = {"lower",      "upper",     "length",   "substr",   "trim",
                                          "starts_with", "ends_with", "contains", "epoch_ms", "to_timestamp",
                                          "floor",      "ceil",      "greatest", "least",    "coalesce",
                                          "nullif",     "json_extract", "date_trunc"};
      const std::string& f = e.function;
      bool safe = std::find(std::begin(kSafe), std::end(kSafe), f) != std::end(kSafe);
      if (f == "abs" || f == "round") safe = e.type.base == BaseType::Float;
      if (f == "concat") safe = !hasTimestampArg(e);
      return !safe || (deep && anyArgRaises(e));
    }
  }
  return true;
}

bool mayRaise(const Expr& e) {
  return raises(e, true);
}

bool selfMayRaise(const Expr& e) {
  return raises(e, false);
}

void conjuncts(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::Binary && e.op == Op::And) {
    conjuncts(*e.args[0], out);
    conjuncts(*e.args[1], out);
  } else {
    out.push_back(&e);
  }
}

ast::ExprPtr andOf(std::vector<ast::ExprPtr> parts) {
  if (parts.empty()) throw InternalError("optimize: an empty conjunction");
  ast::ExprPtr acc = std::move(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    auto a = std::make_unique<Expr>();
    a->kind = ExprKind::Binary;
    a->op = Op::And;
    a->range = SourceRange{std::min(acc->range.begin, parts[i]->range.begin),
                           std::max(acc->range.end, parts[i]->range.end)};
    bool nullable = acc->type.nullable || parts[i]->type.nullable || acc->type.base == BaseType::Null ||
                    parts[i]->type.base == BaseType::Null;
    a->type = {BaseType::Bool, nullable};
    a->args.push_back(std::move(acc));
    a->args.push_back(std::move(parts[i]));
    acc = std::move(a);
  }
  return acc;
}

std::vector<ast::ExprPtr> filterPartsOf(const plan::Node& filter) {
  std::vector<ast::ExprPtr> parts;
  if (filter.filterParts <= 1) {
    parts.push_back(ast::cloneExpr(*filter.predicate));
    return parts;
  }
  // Left-deep: the last part is the right operand of the top `and`.
  const Expr* e = filter.predicate.get();
  for (int i = filter.filterParts; i > 1; --i) {
    if (e->kind != ExprKind::Binary || e->op != Op::And)
      throw InternalError(fmt::format("optimize: Filter#{} has fewer parts than it says", filter.id));
    parts.push_back(ast::cloneExpr(*e->args[1]));
    e = e->args[0].get();
  }
  parts.push_back(ast::cloneExpr(*e));
  std::reverse(parts.begin(), parts.end());
  return parts;
}

void setFilterParts(plan::Node& filter, std::vector<ast::ExprPtr> parts) {
  // Parts that cannot fail may be evaluated in any order: only a part that
  // can needs the ones before it to guard it.
  bool ordered = false;
  for (size_t i = 1; i < parts.size(); ++i) ordered = ordered || mayRaise(*parts[i]);
  filter.filterParts = ordered ? static_cast<int>(parts.size()) : 0;
  filter.predicate = andOf(std::move(parts));
  // A new first part: push-filter-into-decoder decides again.
  filter.inDecoder = false;
}

void forEachColumn(const Expr& e, const std::function<void(const Expr&)>& f) {
  if (e.kind == ExprKind::ColumnRef) f(e);
  for (const ast::ExprPtr& a : e.args) forEachColumn(*a, f);
}

namespace {

void substituteInPlace(ast::ExprPtr& e, const std::vector<plan::ProjectItem>& items) {
  if (e->kind == ExprKind::ColumnRef && e->binding.input == 0) {
    e = ast::cloneExpr(*items.at(static_cast<size_t>(e->binding.column)).expr);
    return;
  }
  for (ast::ExprPtr& a : e->args) substituteInPlace(a, items);
}

}  // namespace

ast::ExprPtr substitute(const Expr& e, const std::vector<plan::ProjectItem>& items) {
  ast::ExprPtr c = ast::cloneExpr(e);
  substituteInPlace(c, items);
  return c;
}

void removeNodes(plan::Plan& plan, std::vector<int> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::map<int, int> renumber;
  std::vector<std::unique_ptr<plan::Node>> kept;
  for (auto& n : plan.nodes) {
    if (std::binary_search(ids.begin(), ids.end(), n->id)) continue;
    renumber[n->id] = static_cast<int>(kept.size()) + 1;
    kept.push_back(std::move(n));
  }
  for (auto& n : kept) {
    n->id = renumber.at(n->id);
    for (int& in : n->inputs) {
      auto it = renumber.find(in);
      if (it == renumber.end()) throw InternalError(fmt::format("optimize: #{} reads a removed node", n->id));
      in = it->second;
    }
  }
  plan.nodes = std::move(kept);
}

void redirectConsumers(plan::Plan& plan, int from, int to) {
  for (auto& n : plan.nodes) {
    for (int& in : n->inputs) {
      if (in == from) in = to;
    }
  }
}

std::vector<std::string> lines(const plan::Plan& plan, const std::vector<int>& ids) {
  std::vector<std::string> out;
  for (int id : ids) out.push_back(graph::detail::nodeLine(plan.node(id)));
  return out;
}

std::string nodeName(const plan::Node& n) {
  return fmt::format("{}#{}", plan::opKindName(n.kind), n.id);
}

std::vector<bool> neededColumns(const plan::Plan& plan, int id) {
  const plan::Node& node = plan.node(id);
  std::vector<bool> need(node.schema.size(), false);
  auto mark = [&](const Expr& e) {
    forEachColumn(e, [&](const Expr& c) {
      if (c.binding.input == 0 && c.binding.column >= 0 && static_cast<size_t>(c.binding.column) < need.size())
        need[static_cast<size_t>(c.binding.column)] = true;
    });
  };
  auto passThrough = [&](int reader, size_t count) {
    std::vector<bool> below = neededColumns(plan, reader);
    for (size_t i = 0; i < count && i < below.size() && i < need.size(); ++i) need[i] = need[i] || below[i];
  };
  for (int r : plan::consumersOf(plan, id)) {
    const plan::Node& c = plan.node(r);
    switch (c.kind) {
      case plan::OpKind::Filter:
        mark(*c.predicate);
        passThrough(r, need.size());
        break;
      case plan::OpKind::TopN:
        for (const plan::SortKey& k : c.order) mark(*k.expr);
        passThrough(r, need.size());
        break;
      case plan::OpKind::Join:
        mark(*c.predicate);
        mark(*c.lookupKey);
        passThrough(r, need.size());
        break;
      case plan::OpKind::Project:
        for (const plan::ProjectItem& p : c.projections) mark(*p.expr);
        break;
      case plan::OpKind::Aggregate:
        for (const plan::ProjectItem& k : c.groupKeys) mark(*k.expr);
        for (const plan::ProjectItem& a : c.aggregates) mark(*a.expr);
        if (c.window.kind != ast::WindowKind::None && c.window.time.column >= 0 &&
            static_cast<size_t>(c.window.time.column) < need.size())
          need[static_cast<size_t>(c.window.time.column)] = true;
        break;
      case plan::OpKind::Distinct:
      case plan::OpKind::Sink:
      case plan::OpKind::Source: need.assign(need.size(), true); break;
    }
  }
  return need;
}

}  // namespace flowc::optimize::detail
