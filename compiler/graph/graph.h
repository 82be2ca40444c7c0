// compiler/graph: a plan → the dataflow graph a user inspects with
// `flowc graph`. The physical stage groups operators into fused pipelines
// (one loop each in the generated code), split at pipeline breakers
// (Aggregate, TopN, Distinct). Output is deterministic: nodes by id.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.h"

namespace flowc::graph {

enum class Stage { Logical, Optimized, Physical };
enum class Format { Text, Dot, Json };

struct Pipeline {
  int id = 0;               // 1-based, in order of first node
  std::vector<int> nodes;   // node ids, upstream first
  int breaker = 0;          // the node that ends it by materializing (0: ends in sinks)
};

std::vector<Pipeline> splitPipelines(const plan::Plan& plan);

// `fileName` is printed in the header so a reader knows what was drawn.
std::string render(const plan::Plan& plan, Stage stage, Format format, const std::string& fileName);

}  // namespace flowc::graph
