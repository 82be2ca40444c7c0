// The Lambda tumbling window a program needs (docs/language.md §15, "How
// windows map onto Lambda"): one TumblingWindowInSeconds per event source
// mapping, used by the deployment template (samFunctionFor) and by
// `flowc run --records` to simulate the window invocations.
#pragma once

#include <optional>

#include "plan/plan.h"
#include "syntax/ast.h"

namespace flowc::driver {

// D for a tumble(_arrival_time, D) over `source` (sema makes every such window
// over one source agree), else 900 when an event-time window reads it (its
// open windows ride in state under 900-second Lambda windows), else nothing
// (stateless and per-batch streams need no window). `source` null: any source.
std::optional<int> lambdaWindowSecondsFor(const plan::Plan& plan, const ast::SourceDecl* source = nullptr);

// Lambda's largest tumbling window, the one event-time windows live under.
constexpr int kEventTimeLambdaWindowSeconds = 900;

}  // namespace flowc::driver
