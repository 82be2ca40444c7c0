// The text format of `flowc graph`: one line per node, the node's output
// schema on an indented line below it. The lit tests read it with FileCheck,
// so it is line-oriented and stable: nodes by id, no truncation, user text
// escaped so that it can never start a line of its own.
//
//   graph logical of clicks.flow
//   #1 Source clicks kinesis json (user_id string, …) on error dead_letter
//   #2 Filter latency_ms > 500  <- #1  [slow]
//       : (user_id string, page string, latency_ms int)
//
// The physical stage prints each pipeline's line (`pipeline 1: #1 -> #2 ->
// [#3 | #4]`, branches where a node feeds several) followed by its nodes.
#include <fmt/format.h>

#include "graph/describe.h"

namespace flowc::graph::detail {

namespace {

void appendNode(std::string& out, const plan::Node& n) {
  out += nodeLine(n);
  out += '\n';
  if (n.kind != plan::OpKind::Source) out += "    : " + schemaText(n.schema) + "\n";
}

}  // namespace

std::string renderText(const plan::Plan& plan, Stage stage, const std::string& fileName) {
  std::string out = fmt::format("graph {} of {}\n", stageName(stage), printable(fileName));
  if (stage != Stage::Physical) {
    for (const auto& n : plan.nodes) appendNode(out, *n);
    return out;
  }
  std::vector<Pipeline> pipelines = splitPipelines(plan);
  std::vector<bool> placed(plan.nodes.size() + 1, false);
  for (const Pipeline& p : pipelines) {
    out += fmt::format("pipeline {}", p.id);
    if (p.from) out += fmt::format(" from #{}", p.from);
    out += ": " + pipelineText(plan, p) + "\n";
    for (int id : p.nodes) {
      appendNode(out, plan.node(id));
      placed[static_cast<size_t>(id)] = true;
    }
  }
  std::string rest;
  for (const auto& n : plan.nodes) {
    if (!placed[static_cast<size_t>(n->id)]) rest += fmt::format("{}#{}", rest.empty() ? "" : ", ", n->id);
  }
  if (!rest.empty()) {
    out += "outside pipelines: " + rest + "\n";
    for (const auto& n : plan.nodes) {
      if (!placed[static_cast<size_t>(n->id)]) appendNode(out, *n);
    }
  }
  return out;
}

}  // namespace flowc::graph::detail
