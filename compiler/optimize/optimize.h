// compiler/optimize: rule-based rewrites of the logical plan (compiler/plan)
// before code generation. Each rule lives in its own file, which opens with
// the rewrite it performs (`Filter(Filter(x)) → Filter(x)`), and has its own
// lit test (tests/lit/optimize). Rules never change what a handler outputs:
// rows, dead letters, retries and metrics stay the same (tests/e2e checks).
//
// optimize() applies the rules to a fixed point (bounded), verifies the plan
// after every firing (plan::verifyPlan) and returns what fired, in order,
// for `flowc explain`; `flowc graph --stage optimized` renders the result.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.h"
#include "sema/sema.h"
#include "syntax/ast.h"

namespace flowc::optimize {

struct RuleFiring {
  std::string rule;     // the rule's name: "merge-filters"
  std::string rewrite;  // what it does, as its file states it: "Filter(Filter(x)) → Filter(x)"
  std::string where;    // the stream it rewrote and the nodes: "stream slow: Filter#3, Filter#4"
  // The part of the plan it rewrote, before and after, one node per line in
  // `flowc graph`'s text form (graph::detail::nodeLine); printable text.
  std::vector<std::string> before;
  std::vector<std::string> after;
};

struct OptimizeResult {
  std::vector<RuleFiring> fired;
};

// Expects a verified plan of an analyzed program without errors; rewrites it
// in place. Node ids stay dense (plan.h); a node that a rule removes
// disappears and later ids shift down. Throws InternalError on a broken invariant.
OptimizeResult optimize(plan::Plan& plan, const sema::Catalog& catalog, const ast::Program& program);

// A deep copy (the front end keeps the logical plan for `--stage logical`).
plan::Plan clonePlan(const plan::Plan& plan);

}  // namespace flowc::optimize
