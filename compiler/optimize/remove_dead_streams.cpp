// Rule remove-dead-streams: Stream(x) that no sink reads → (removed).
//
// A stream whose rows reach no sink, directly or through other streams
// (flowc check warns about it), is dropped with all its operators. Its
// source stays: every record is still decoded and validated against the
// declared fields (LANGUAGE.md §3), so dead letters, retries and the
// metrics line are what they were — only rows nobody sees are not computed,
// and so cannot fail a record either (codegen never computed them:
// tests/lit/codegen/unread_stream.flow).
#include <set>

#include "optimize/support.h"

namespace flowc::optimize::detail {

bool removeDeadStreams(plan::Plan& plan, RuleFiring& firing) {
  std::set<int> live;
  std::vector<int> work;
  for (const auto& n : plan.nodes) {
    if (n->kind == plan::OpKind::Sink || n->kind == plan::OpKind::Source) work.push_back(n->id);
  }
  while (!work.empty()) {
    int id = work.back();
    work.pop_back();
    if (!live.insert(id).second) continue;
    for (int in : plan.node(id).inputs) work.push_back(in);
  }
  // One stream per firing, the first dead node's.
  std::string stream;
  std::vector<int> dead;
  for (const auto& n : plan.nodes) {
    if (live.count(n->id)) continue;
    if (stream.empty()) stream = n->stream;
    if (n->stream == stream) dead.push_back(n->id);
  }
  if (dead.empty()) return false;
  // Dead nodes of other streams that read this one's go with them.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& n : plan.nodes) {
      if (live.count(n->id) || std::find(dead.begin(), dead.end(), n->id) != dead.end()) continue;
      for (int in : n->inputs) {
        if (std::find(dead.begin(), dead.end(), in) != dead.end()) {
          dead.push_back(n->id);
          grew = true;
          break;
        }
      }
    }
  }
  std::sort(dead.begin(), dead.end());
  std::string names;
  for (int id : dead) names += (names.empty() ? "" : ", ") + nodeName(plan.node(id));
  firing.where = "stream " + stream + ": " + names;
  firing.before = lines(plan, dead);
  removeNodes(plan, dead);
  return true;
}

}  // namespace flowc::optimize::detail
