// Rule share-source-decode: Source(s) read twice → one Source(s) whose
// decoded row every stream reading s shares.
//
// The logical plan gives each source declaration one Source node, and
// codegen decodes a record once per Source node before every stream that
// reads it (HyPer's produce/consume: the streams' operators are inlined
// into the one loop). This rule is what guarantees it: should any pass
// ever make a second Source node of the same declaration, its readers are
// moved to the first and it is removed, so a record is never decoded twice.
#include "optimize/support.h"

namespace flowc::optimize::detail {

bool shareSourceDecode(plan::Plan& plan, RuleFiring& firing) {
  for (const auto& a : plan.nodes) {
    if (a->kind != plan::OpKind::Source) continue;
    for (const auto& b : plan.nodes) {
      if (b->id <= a->id || b->kind != plan::OpKind::Source || b->source != a->source) continue;
      int keep = a->id, drop = b->id;
      firing.where = "source " + a->stream + ": " + nodeName(*a) + ", " + nodeName(*b);
      firing.before = lines(plan, {keep, drop});
      redirectConsumers(plan, drop, keep);
      for (int f : plan.node(drop).fieldsRead) {
        std::vector<int>& read = plan.node(keep).fieldsRead;
        if (std::find(read.begin(), read.end(), f) == read.end()) read.push_back(f);
      }
      std::sort(plan.node(keep).fieldsRead.begin(), plan.node(keep).fieldsRead.end());
      removeNodes(plan, {drop});
      firing.after = lines(plan, {keep});
      return true;
    }
  }
  return false;
}

}  // namespace flowc::optimize::detail
