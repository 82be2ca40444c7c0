#include "driver/explain.h"

#include <fmt/format.h>

#include "codegen/state_layout.h"
#include "driver/lambda_window.h"
#include "flow/state.h"

namespace flowc::driver {

namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

void explainRules(std::string& out, const std::vector<optimize::RuleFiring>& fired) {
  if (fired.empty()) {
    out += "Optimizer: no rule fired; the plan is as written (flowc graph shows it)\n";
    return;
  }
  out += fmt::format("Optimizer: {} rule{} fired, in order (flowc graph --stage optimized shows the result)\n",
                     fired.size(), fired.size() == 1 ? "" : "s");
  for (size_t i = 0; i < fired.size(); ++i) {
    const optimize::RuleFiring& r = fired[i];
    out += fmt::format("  {}. {}: {}\n", i + 1, r.rule, r.rewrite);
    if (!r.where.empty()) out += fmt::format("     in {}\n", r.where);
    out += "     before:\n";
    for (const std::string& line : r.before) out += "       " + line + "\n";
    out += "     after:\n";
    if (r.after.empty()) out += "       (nothing: removed)\n";
    for (const std::string& line : r.after) out += "       " + line + "\n";
  }
}

std::string livesIn(const codegen::StateOperator& op, const std::optional<int>& lambdaWindow) {
  if (!op.carried) {
    if (op.kind == plan::OpKind::Aggregate)
      return "the handler's memory during one invocation; nothing is carried to the next";
    return op.model == ast::StateModel::Stateless || op.model == ast::StateModel::PerBatch
               ? "the handler's memory while the invocation's rows are emitted"
               : "the handler's memory while a window's rows are emitted; nothing is carried between invocations";
  }
  std::string window = lambdaWindow ? fmt::format("TumblingWindowInSeconds = {}", *lambdaWindow) : "a tumbling window";
  return fmt::format(
      "Lambda's tumbling-window state, per shard (the template sets {}): every response carries "
      "{{\"flowc\":\"<base64>\"}} and the next invocation of the same window and shard gets it back",
      window);
}

void explainState(std::string& out, const FrontEnd& fe) {
  std::vector<codegen::StateOperator> ops = codegen::describeState(fe.plan, fe.catalog, fe.program);
  if (ops.empty()) {
    out += "State: none. Every stream is stateless: each record is processed on its own, and nothing is kept "
           "between records or invocations.\n";
    return;
  }
  out += fmt::format("State: {} stateful operator{}\n", ops.size(), ops.size() == 1 ? "" : "s");
  const size_t budgetKiB = flow::state::kBudgetBytes / 1024;
  for (const codegen::StateOperator& op : ops) {
    const plan::Node& n = fe.plan.node(op.node);
    out += fmt::format("  #{} {} of stream {} ({})\n", op.node, plan::opKindName(op.kind), op.stream,
                       ast::stateModelName(op.model));
    if (!op.key.empty()) out += fmt::format("    key:        {}\n", join(op.key, ", "));
    out += fmt::format("    lives in:   {}\n", livesIn(op, lambdaWindowSecondsFor(fe.plan, n.source)));
    if (op.carried) {
      std::string perGroup = fmt::format("at most {} bytes", op.maxFixedBytesPerGroup);
      if (!op.variable.empty()) perGroup += ", plus " + join(op.variable, ", plus ");
      out += fmt::format("    per group:  {}\n", perGroup);
    }
    out += fmt::format("    holds:      {}\n", op.bound);
    if (!op.carried) continue;
    out += fmt::format(
        "    bound:      {} KiB of state per shard (Lambda allows 1 MB): past it every open window is emitted "
        "early with window_complete = false and leaves the state; nothing is lost\n",
        budgetKiB);
    const bool fits = op.boundedByProgram && op.variable.empty();
    out += fits ? fmt::format("    outgrow 1 MB: no ({} bytes at most)\n", op.maxFixedBytesPerGroup)
                : "    outgrow 1 MB: it could: the number of groups, or their sizes, depend on the records; "
                  "the bound above applies\n";
  }
}

}  // namespace

std::string explainProgram(const FrontEnd& fe, const std::vector<optimize::RuleFiring>& fired,
                           const std::string& fileName) {
  std::string out = fmt::format("flowc explain {}\n\n", fileName);
  explainRules(out, fired);
  out += "\n";
  explainState(out, fe);
  return out;
}

}  // namespace flowc::driver
