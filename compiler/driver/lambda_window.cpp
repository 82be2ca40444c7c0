// Which Lambda tumbling window a plan needs; see lambda_window.h.
#include "driver/lambda_window.h"

#include <set>

namespace flowc::driver {

namespace {

// The sources a node reads, through every input.
void sourcesOf(const plan::Plan& plan, int id, std::set<const ast::SourceDecl*>& out, std::set<int>& seen) {
  if (!seen.insert(id).second) return;
  const plan::Node& n = plan.node(id);
  if (n.kind == plan::OpKind::Source && n.source) out.insert(n.source);
  for (int input : n.inputs) sourcesOf(plan, input, out, seen);
}

}  // namespace

std::optional<int> lambdaWindowSecondsFor(const plan::Plan& plan, const ast::SourceDecl* source) {
  std::optional<int> tumbling;
  bool eventTime = false;
  for (const auto& node : plan.nodes) {
    // Distinct and TopN carry their Aggregate's window and model: the Aggregate decides.
    if (node->kind != plan::OpKind::Aggregate) continue;
    if (node->stateModel != ast::StateModel::LambdaTumbling &&
        node->stateModel != ast::StateModel::EventTimeInState)
      continue;
    if (source) {
      std::set<const ast::SourceDecl*> sources;
      std::set<int> seen;
      sourcesOf(plan, node->id, sources, seen);
      if (!sources.count(source)) continue;
    }
    if (node->stateModel == ast::StateModel::LambdaTumbling) {
      int seconds = static_cast<int>(node->window.size.ms / 1000);
      if (!tumbling || seconds < *tumbling) tumbling = seconds;  // sema keeps them equal per source
    } else {
      eventTime = true;
    }
  }
  if (tumbling) return tumbling;
  if (eventTime) return kEventTimeLambdaWindowSeconds;
  return std::nullopt;
}

}  // namespace flowc::driver
