// Distinct: `select distinct` — per invocation's batch without a window, per
// window with one (LANGUAGE.md §5). The rows are kept, whole, in a
// flow::agg::GroupTable (DTable_N) in first-seen order; a row already there
// is dropped. At the end of its unit (the batch, or the window its leader
// emits) the table's rows go to the operators after it, in that order.
#include <fmt/format.h>

#include "breakers.h"

namespace flowc::codegen::detail {

using plan::Node;

namespace {

std::vector<StructField> rowFields(const Node& n) {
  std::vector<StructField> fields;
  for (size_t c = 0; c < n.schema.size(); ++c) {
    fields.push_back({cppTypeOf(n.schema[c].type), fmt::format("c{}", c), n.schema[c].name});
  }
  return fields;
}

}  // namespace

void emitDistinctTypes(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  out.note(fmt::format("{}: select distinct, stream {}", e.nodeTitle(n), n.stream));
  std::vector<StructField> fields = rowFields(n);
  emitKeyStruct(out, fmt::format("DRow_{}", N), fields);
  emitKeyOps(out, fmt::format("DRowOps_{}", N), fmt::format("DRow_{}", N), fields);
  out.line(fmt::format("using DTable_{0} = flow::agg::GroupTable<DRow_{0}, flow::agg::NoAcc, DRowOps_{0}>;", N));
  emitKeyJson(out, fmt::format("distinctJson_{}", N), fmt::format("DRow_{}", N), fields, n.schema);
  out.blank();
}

void emitDistinctInputStruct(Emitter& e, CodeWriter& out, const Node& n) {
  emitStoredRowSlot(out, n, fmt::format("DRow_{}", n.id), fmt::format("{}: a row", e.nodeTitle(n)));
}

void emitDistinctMembers(Emitter& e, CodeWriter& out, const Node& n) {
  out.line(fmt::format("DTable_{0} distinct_{0};  // {1}", n.id, e.nodeTitle(n)));
}

void Emitter::emitDistinctInput(const Node& n, const Row& input) {
  code().comment(fmt::format("{}: select distinct", nodeTitle(n)));
  emitStoredRowInput(n, input);
}

void emitDistinctApply(Emitter&, CodeWriter& out, const Node& n) {
  out.open(fmt::format("if (rows.in_{}.present)", n.id));
  out.line(fmt::format("const uint64_t dh = DRowOps_{0}::hash(rows.in_{0}.row);", n.id));
  out.line(fmt::format("if (!h.distinct_{0}.find(rows.in_{0}.row, dh)) h.distinct_{0}.insert(rows.in_{0}.row, dh);",
                       n.id));
  out.close();
}

void emitDistinctRowFunction(Emitter& e, const Node& n) {
  CodeWriter& out = e.breaker(n.id).rowFunction;
  out.note(fmt::format("One row of {} through the operators after it.", e.nodeTitle(n)));
  out.open(fmt::format("std::string_view distinctRow_{0}([[maybe_unused]] Handler& h, const DRow_{0}& r, Rows& rows)",
                       n.id));
  emitRowFunctionBody(e, out, n, storedRow(n, "r"));
}

void emitDistinctFlush(Emitter& e, CodeWriter& out, const Node& n) {
  out.note(fmt::format("The rows of {} in first-seen order, then a fresh table.", e.nodeTitle(n)));
  out.open(fmt::format("void flush_{}(Handler& h, [[maybe_unused]] flow::Reply& reply)", n.id));
  out.open(fmt::format("for (size_t i = 0; i < h.distinct_{}.size(); ++i)", n.id));
  emitFlushRow(e, out, fmt::format("distinctRow_{0}(h, h.distinct_{0}[i].key, rows)", n.id), n.stream,
               fmt::format("distinctJson_{0}(key, h.distinct_{0}[i].key)", n.id));
  out.close();
  emitFlushChildren(e, out, n.id);
  out.line(fmt::format("h.distinct_{}.clear();", n.id));
  out.close();
  out.blank();
}

}  // namespace flowc::codegen::detail
