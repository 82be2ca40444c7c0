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

// A pipeline starts at a Source, or at the output of a breaker (`from`), and
// takes in every operator downstream of that start up to and including the
// next breakers. A node read by several operators (fan-out) keeps all its
// readers in its pipeline: one loop feeds every branch. Every node belongs to
// exactly one pipeline, except a dead-letter Sink (no input: the runtime
// feeds it from every decoder), which belongs to none.
struct Pipeline {
  int id = 0;                 // 1-based, in order of first node
  std::vector<int> nodes;     // node ids, upstream first (ties by id)
  int breaker = 0;            // the node that ends it by materializing (0: ends in sinks); breakers[0]
  std::vector<int> breakers;  // every breaker it ends at, by id (fan-out may end it at several)
  int from = 0;               // the breaker whose output it reads; 0 when it starts at a Source
};

std::vector<Pipeline> splitPipelines(const plan::Plan& plan);

const char* stageName(Stage s);  // "logical", "optimized", "physical"

// `fileName` is printed in the header so a reader knows what was drawn.
std::string render(const plan::Plan& plan, Stage stage, Format format, const std::string& fileName);

}  // namespace flowc::graph
