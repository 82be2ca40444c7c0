// `flowc explain FILE.flow`: what the optimizer did and what the handler
// keeps. Two sections, as text for people:
//   Optimizer — each rule that fired, in order: its name, its rewrite, where,
//               and the plan's nodes before and after (compiler/optimize);
//   State     — per stateful operator (group by, distinct, order by … limit):
//               its state model, where its state lives (the handler's memory
//               for one invocation, or Lambda's tumbling-window `state`,
//               per shard), its key, its size per group and the bound, and
//               whether it could outgrow Lambda's 1 MB (LANGUAGE.md §5).
#pragma once

#include <string>
#include <vector>

#include "driver/frontend.h"
#include "optimize/optimize.h"

namespace flowc::driver {

// Expects a planned front end (fe.planned). Deterministic.
std::string explainProgram(const FrontEnd& fe, const std::vector<optimize::RuleFiring>& fired,
                           const std::string& fileName);

}  // namespace flowc::driver
