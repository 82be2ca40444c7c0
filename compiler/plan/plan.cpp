// buildLogicalPlan: walks the declarations in program order, gives each its
// nodes (sources and sinks here, streams in build_stream.cpp), then wires
// every node that reads a relation to the node producing it.
#include "plan/plan.h"

#include <fmt/format.h>

#include "plan/builder.h"

namespace flowc::plan {

const char* opKindName(OpKind k) {
  switch (k) {
    case OpKind::Source: return "Source";
    case OpKind::Filter: return "Filter";
    case OpKind::Project: return "Project";
    case OpKind::Join: return "Join";
    case OpKind::Aggregate: return "Aggregate";
    case OpKind::TopN: return "TopN";
    case OpKind::Distinct: return "Distinct";
    case OpKind::Sink: return "Sink";
  }
  return "?";
}

std::vector<int> consumersOf(const Plan& plan, int id) {
  std::vector<int> out;
  for (const auto& n : plan.nodes) {
    for (int in : n->inputs) {
      if (in == id) {
        out.push_back(n->id);
        break;
      }
    }
  }
  return out;
}

namespace detail {

Node& Builder::add(OpKind kind, const std::string& stream, SourceRange range) {
  auto n = std::make_unique<Node>();
  n->id = static_cast<int>(plan.nodes.size()) + 1;
  n->kind = kind;
  n->stream = stream;
  n->range = range;
  plan.nodes.push_back(std::move(n));
  return *plan.nodes.back();
}

const sema::Relation& Builder::relation(const std::string& name) const {
  const sema::Relation* r = catalog.find(name);
  if (!r) throw InternalError(fmt::format("plan: no relation '{}' in the catalog", name));
  return *r;
}

}  // namespace detail

namespace {

constexpr const char* kDeadLetter = "_dead_letter";

void buildSource(detail::Builder& b, const ast::SourceDecl& decl) {
  const sema::Relation& rel = b.relation(decl.name);
  Node& n = b.add(OpKind::Source, decl.name, decl.range);
  n.source = &decl;
  n.schema = rel.columns;
  for (size_t i = 0; i < n.schema.size(); ++i) n.fieldsRead.push_back(static_cast<int>(i));
  b.producer[decl.name] = n.id;

  if (decl.deadLetterTo) {
    SourceRange range = decl.onErrorRange.empty() ? decl.deadLetterTo->kindRange : decl.onErrorRange;
    Node& dl = b.add(OpKind::Sink, kDeadLetter, range);
    dl.sink = *decl.deadLetterTo;
    dl.deadLetterOf = decl.name;
    dl.schema = sema::deadLetterColumns();
  }
}

void buildSink(detail::Builder& b, const ast::SinkDecl& decl) {
  Node& n = b.add(OpKind::Sink, decl.stream, decl.range);
  n.sink = decl.to;
  if (decl.stream == kDeadLetter) {
    n.schema = sema::deadLetterColumns();
    return;
  }
  n.schema = b.relation(decl.stream).columns;
  b.pendingInputs.emplace_back(n.id, decl.stream);
}

void buildDeadLetter(detail::Builder& b, const ast::DeadLetterDecl& decl) {
  Node& n = b.add(OpKind::Sink, kDeadLetter, decl.range);
  n.sink = decl.to;
  n.schema = sema::deadLetterColumns();
}

}  // namespace

Plan buildLogicalPlan(const ast::Program& program, const sema::Catalog& catalog) {
  detail::Builder b(catalog);
  for (const ast::Decl& d : program.decls) {
    if (const auto* s = std::get_if<ast::SourceDecl>(&d)) {
      buildSource(b, *s);
    } else if (const auto* st = std::get_if<ast::StreamDecl>(&d)) {
      detail::buildStream(b, *st);
    } else if (const auto* sk = std::get_if<ast::SinkDecl>(&d)) {
      buildSink(b, *sk);
    } else if (const auto* dl = std::get_if<ast::DeadLetterDecl>(&d)) {
      buildDeadLetter(b, *dl);
    }
    // A table is no operator: its rows are compiled into the Joins that read it.
  }
  for (const auto& [id, name] : b.pendingInputs) {
    auto it = b.producer.find(name);
    if (it == b.producer.end()) throw InternalError(fmt::format("plan: nothing produces '{}'", name));
    b.plan.node(id).inputs.push_back(it->second);
  }
#ifndef NDEBUG
  verifyPlan(b.plan);
#endif
  return std::move(b.plan);
}

}  // namespace flowc::plan
