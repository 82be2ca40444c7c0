// What each stateful operator keeps, for `flowc explain` (state_layout.h).
// The per-group sizes follow flow::state::Writer's encoding of the very
// fields window.cpp's encodeState writes (keyFieldsOf, accumulatorFields).
#include "codegen/state_layout.h"

#include <fmt/format.h>

#include "breakers.h"
#include "graph/describe.h"

namespace flowc::codegen {

namespace {

using detail::StructField;
using plan::Node;

// The most bytes flow::state::Writer writes for a value of C++ type `type`;
// `variable` is set for a length-prefixed string (its bytes follow) or a sketch.
size_t encodedBytes(const std::string& type, bool& variable) {
  const std::string nullable = "flow::sql::Nullable<";
  if (type.rfind(nullable, 0) == 0) {
    return 1 + encodedBytes(type.substr(nullable.size(), type.size() - nullable.size() - 1), variable);
  }
  if (type == "bool") return 1;
  if (type == "double") return 8;
  if (type == "__int128") return 16;
  if (type == "flow::agg::Variance") return 10 + 8 + 8;
  if (type == "std::string" || type == "std::string_view") {
    variable = true;
    return 3;  // the length's varint: 3 bytes reach 2 MiB, past any state Lambda carries
  }
  if (type == "flow::QuantileSketch") {
    variable = true;
    return 0;
  }
  return 10;  // int64_t, uint64_t, timestamps, durations: a varint of at most 10 bytes
}

const char* perUnit(const Node& n) {
  return n.window.kind == ast::WindowKind::None ? "batch" : "window";
}

void describeAggregate(const detail::Emitter& e, const Node& n, StateOperator& op) {
  for (size_t k = 0; k < n.groupKeys.size(); ++k) op.key.push_back(graph::detail::quoteName(n.schema[k].name));
  if (n.window.kind != ast::WindowKind::None) op.key.push_back(graph::detail::windowText(n.window));
  if (!op.carried) {
    op.boundedByProgram = true;
    op.bound = "one group per distinct key among the invocation's records (at most one per record)";
    return;
  }
  auto addField = [&](const StructField& f, const std::string& what) {
    bool variable = false;
    op.maxFixedBytesPerGroup += encodedBytes(f.type, variable);
    if (variable) op.variable.push_back(what);
  };
  for (size_t k = 0; k < n.groupKeys.size(); ++k) {
    addField({detail::cppTypeOf(n.schema[k].type), "", ""}, fmt::format("the bytes of {}", n.schema[k].name));
  }
  if (detail::isEventTime(n)) op.maxFixedBytesPerGroup += 10;  // the pane's start, or the session's id
  std::vector<detail::AggregateSpec> specs = detail::aggregateSpecs(e, n);
  for (size_t j = 0; j < specs.size(); ++j) {
    for (const StructField& f : detail::accumulatorFields(specs[j], j)) {
      addField(f, specs[j].kind == detail::AggKind::Percentile
                      ? fmt::format("{}'s sketch (at most 2 × 2048 buckets)", specs[j].text)
                      : fmt::format("the bytes of {}'s value", specs[j].text));
    }
    if (specs[j].kind == detail::AggKind::CountDistinct) {
      op.variable.push_back(fmt::format("each distinct value of {} (10 bytes + the value)", specs[j].text));
    }
  }
  if (detail::isSession(n)) op.maxFixedBytesPerGroup += 2 * 10;  // the session's start and end
  if (detail::isCascade(e, n)) op.maxFixedBytesPerGroup += 1;      // a window over a window: its pin flag
  const bool keyless = n.groupKeys.empty();
  if (keyless && n.stateModel == ast::StateModel::LambdaTumbling) {
    op.boundedByProgram = true;
    op.bound = "one group: Lambda's window";
  } else if (keyless) {
    op.bound = "one group per open window; a window stays open until the watermark passes its end";
  } else {
    op.bound = "one group per key and open window: as many as the keys the records bring";
  }
}

}  // namespace

std::vector<StateOperator> describeState(const plan::Plan& plan, const sema::Catalog& catalog,
                                         const ast::Program& program) {
  Diagnostics unused;
  detail::Emitter e(plan, catalog, program, unused, "", nullptr);
  std::vector<StateOperator> out;
  for (const auto& np : plan.nodes) {
    const Node& n = *np;
    if (n.kind != plan::OpKind::Aggregate && n.kind != plan::OpKind::Distinct && n.kind != plan::OpKind::TopN) continue;
    StateOperator op;
    op.node = n.id;
    op.kind = n.kind;
    op.stream = n.stream;
    op.model = n.stateModel;
    op.carried = detail::isWindowed(n);
    if (n.kind == plan::OpKind::Aggregate) {
      describeAggregate(e, n, op);
    } else if (n.kind == plan::OpKind::TopN && n.limit >= 0) {
      op.boundedByProgram = true;
      op.bound = fmt::format("at most {} row{} per {}", n.limit, n.limit == 1 ? "" : "s", perUnit(n));
    } else if (n.kind == plan::OpKind::TopN) {
      op.bound = fmt::format("every row of the {}, to sort them", perUnit(n));
    } else {
      op.bound = fmt::format("each distinct row of the {} once", perUnit(n));
    }
    out.push_back(std::move(op));
  }
  return out;
}

}  // namespace flowc::codegen
