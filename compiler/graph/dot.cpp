// The DOT format of `flowc graph` (Graphviz: `dot -Tsvg`). One node per
// operator, labelled with its text-format description; edges from input to
// reader. Sources are rounded, breakers (they materialize) have a double
// border, sinks are `cds` arrows, dashed for dead letters. The physical stage
// draws each pipeline as a `cluster_N` subgraph.
//
// Labels are plain quoted strings (not records or HTML), so only `"` and `\`
// are special in them; `<>{}|` stay literal. The text is made printable
// first, so a user's newline shows as `\n` rather than ending the line.
#include <fmt/format.h>

#include "graph/describe.h"

namespace flowc::graph::detail {

namespace {

// A DOT quoted-string body: `\` would start an escString escape (\N, \G…).
std::string dotEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Graphviz does not wrap labels: break long lines at spaces so a node stays
// readable. Only the drawing wraps; every character is kept.
std::vector<std::string> wrap(const std::string& text, size_t width) {
  // Continuation lines are indented; the indent is added when a line is
  // emitted, so the search for a break never lands in it (and every step
  // consumes at least one character).
  static const std::string kIndent = "    ";
  std::vector<std::string> lines;
  std::string_view rest = text;
  bool first = true;
  while (true) {
    size_t room = first ? width : width - kIndent.size();
    std::string_view line = rest;
    if (rest.size() > room) {
      size_t cut = rest.rfind(' ', room);
      if (cut == std::string_view::npos || cut == 0) cut = rest.find(' ', room);
      if (cut != std::string_view::npos && cut > 0) {
        line = rest.substr(0, cut);
        rest = rest.substr(cut + 1);
      } else {
        rest = {};
      }
    } else {
      rest = {};
    }
    lines.push_back((first ? "" : kIndent) + std::string(line));
    first = false;
    if (rest.empty()) break;
  }
  return lines;
}

std::string label(const plan::Node& n) {
  std::vector<std::string> lines;
  std::string title = fmt::format("#{} {}", n.id, plan::opKindName(n.kind));
  if (n.kind != plan::OpKind::Source && n.kind != plan::OpKind::Sink)
    title += " [" + quoteName(n.stream) + "]";
  lines.push_back(title);
  if (n.kind == plan::OpKind::Source) {
    // The source's schema is part of its detail (paths, units).
    for (std::string& l : wrap(nodeDetail(n), 72)) lines.push_back(std::move(l));
  } else {
    std::string detail = nodeDetail(n);
    if (!detail.empty()) {
      for (std::string& l : wrap(detail, 72)) lines.push_back(std::move(l));
    }
    for (std::string& l : wrap(": " + schemaText(n.schema), 72)) lines.push_back(std::move(l));
  }
  std::string s;
  for (const std::string& l : lines) s += dotEscape(l) + "\\l";  // \l: end of a left-justified line
  return s;
}

std::string attributes(const plan::Node& n) {
  switch (n.kind) {
    case plan::OpKind::Source: return "shape=box, style=\"rounded,bold\"";
    case plan::OpKind::Aggregate:
    case plan::OpKind::TopN:
    case plan::OpKind::Distinct: return "shape=box, peripheries=2";
    // cds draws its label close to the arrow head: give it room.
    case plan::OpKind::Sink:
      return n.inputs.empty() ? "shape=cds, style=dashed, margin=\"0.3,0.1\""
                              : "shape=cds, margin=\"0.3,0.1\"";
    default: return "shape=box";
  }
}

void appendNode(std::string& out, const plan::Node& n, const char* indent) {
  out += fmt::format("{}n{} [{}, label=\"{}\"];\n", indent, n.id, attributes(n), label(n));
}

}  // namespace

std::string renderDot(const plan::Plan& plan, Stage stage, const std::string& fileName) {
  std::string out = "digraph flow {\n";
  out += fmt::format("  label=\"{} graph of {}\";\n", stageName(stage), dotEscape(printable(fileName)));
  out += "  labelloc=t;\n  rankdir=TB;\n";
  out += "  node [fontname=\"monospace\", fontsize=10];\n  edge [fontname=\"monospace\", fontsize=9];\n";

  std::vector<Pipeline> pipelines;
  std::vector<int> pipelineOf(plan.nodes.size() + 1, 0);
  if (stage == Stage::Physical) {
    pipelines = splitPipelines(plan);
    for (const Pipeline& p : pipelines) {
      for (int id : p.nodes) pipelineOf[static_cast<size_t>(id)] = p.id;
    }
    for (const Pipeline& p : pipelines) {
      out += fmt::format("  subgraph cluster_{} {{\n", p.id);
      std::string title = fmt::format("pipeline {}", p.id);
      if (p.from) title += fmt::format(" from #{}", p.from);
      out += fmt::format("    label=\"{}\";\n    style=rounded;\n", title);
      for (int id : p.nodes) appendNode(out, plan.node(id), "    ");
      out += "  }\n";
    }
  }
  for (const auto& n : plan.nodes) {
    if (pipelineOf[static_cast<size_t>(n->id)] == 0) appendNode(out, *n, "  ");
  }
  for (const auto& n : plan.nodes) {
    for (int in : n->inputs) {
      // Between pipelines the rows go through a breaker's materialized state.
      if (in < 1 || static_cast<size_t>(in) > plan.nodes.size()) continue;
      bool crossing = stage == Stage::Physical &&
                      pipelineOf[static_cast<size_t>(in)] != pipelineOf[static_cast<size_t>(n->id)];
      out += fmt::format("  n{} -> n{}{};\n", in, n->id, crossing ? " [style=dashed]" : "");
    }
  }
  out += "}\n";
  return out;
}

}  // namespace flowc::graph::detail
