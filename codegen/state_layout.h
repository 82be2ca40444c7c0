// codegen/state_layout.h — what a generated handler keeps in state, per
// stateful operator, as `flowc explain` prints it: where the state lives,
// its key, and its size per group and in all. Computed from the same
// key/accumulator fields that the emitters encode (window.cpp's
// encodeState), so the sizes stated are the encoding's own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "sema/sema.h"
#include "syntax/ast.h"

namespace flowc::codegen {

struct StateOperator {
  int node = 0;              // plan node id (an Aggregate, Distinct or TopN)
  plan::OpKind kind = plan::OpKind::Aggregate;
  std::string stream;
  ast::StateModel model = ast::StateModel::Stateless;
  bool carried = false;      // travels in Lambda's tumbling-window `state` between invocations
  std::vector<std::string> key;  // the group key's columns, then the window (`tumble(ts, 1 min)`)
  // Encoded bytes of one group (carried state only): fixed part, at most,
  // plus the bytes of each variable-length part named in `variable`
  // ("page", "the distinct values of user_id").
  size_t maxFixedBytesPerGroup = 0;
  std::vector<std::string> variable;
  // Whether the number of groups (or rows held) is bounded by the program
  // itself, and by what.
  bool boundedByProgram = false;
  std::string bound;         // "at most 10 rows per window", "one group per open window"
};

// The stateful operators of `plan`, in node order (none for a stateless program).
std::vector<StateOperator> describeState(const plan::Plan& plan, const sema::Catalog& catalog,
                                         const ast::Program& program);

}  // namespace flowc::codegen
