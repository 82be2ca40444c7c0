// Sinks: a row reaching a sink is kept in the record's Rows (one slot per
// sink), and writeRows() writes it once the record succeeded: log rows as
// `{"stream":"<name>",<columns>}` lines, response rows into the response,
// columns in select order through flow/json_writer.h. Column names are
// JSON-escaped at compile time and reach the C++ through cppEscape.
#include <fmt/format.h>

#include "emitter.h"

namespace flowc::codegen::detail {

using ast::BaseType;

std::string appendJsonCode(const std::string& v, ast::Type type) {
  auto append = [](const std::string& value, BaseType base) -> std::string {
    switch (base) {
      case BaseType::String: return fmt::format("flow::appendJsonString(o, {});", value);
      case BaseType::Int:
      case BaseType::Duration: return fmt::format("flow::appendJsonInt(o, {});", value);
      case BaseType::Float: return fmt::format("flow::appendJsonDouble(o, {});", value);
      case BaseType::Bool: return fmt::format("flow::appendJsonBool(o, {});", value);
      case BaseType::Timestamp: return fmt::format("flow::appendJsonTimestamp(o, {});", value);
      default: break;
    }
    throw InternalError("codegen: a column of no type written as JSON");
  };
  if (!type.nullable) return append(v, type.base);
  return fmt::format("if ({0}.null) flow::appendJsonNull(o); else {1}", v, append(v + ".value", type.base));
}

namespace {

std::string sinkText(const plan::Node& n) {
  return fmt::format("sink {} to {}", n.stream, ast::sinkKindName(n.sink.kind));
}

}  // namespace

void Emitter::emitSink(const plan::Node& n, const Row& input) {
  auto it = sinkOfNode_.find(n.id);
  if (it == sinkOfNode_.end()) throw InternalError(fmt::format("codegen: {} has no row slot", nodeTitle(n)));
  const SinkSlot& slot = sinks_[it->second];
  code().comment(fmt::format("{}: {}", nodeTitle(n), sinkText(n)));
  code().line(fmt::format("rows.sink_{}.present = true;", slot.index));
  for (int c : slot.columns) {
    const CValue& v = use(input.at(static_cast<size_t>(c)));
    code().line(fmt::format("rows.sink_{}.col_{} = {};", slot.index, c,
                            coerce(v, n.schema[static_cast<size_t>(c)].type)));
  }
}

void Emitter::emitRowsStruct(CodeWriter& out) {
  out.note("The rows one record yields, at most one per sink; written only if the record succeeds.");
  out.open("struct Rows");
  for (const SinkSlot& s : sinks_) {
    out.comment(fmt::format("{}: {}", nodeTitle(*s.node), sinkText(*s.node)));
    out.open(fmt::format("struct Sink{}", s.index));
    out.line("bool present = false;");
    for (int c : s.columns) {
      const ast::Column& col = s.node->schema[static_cast<size_t>(c)];
      out.line(fmt::format("{} col_{};  // {}", cppTypeOf(col.type), c,
                           cppCommentText(col.name + " " + ast::typeName(col.type))));
    }
    out.close(fmt::format(" sink_{};", s.index));
  }
  emitBreakerInputs(out);  // the breakers' input slots (aggregate.cpp & co.)
  out.close(";");
  out.blank();
}

void Emitter::emitWriteRows(CodeWriter& out) {
  out.note("Writes a successful record's rows to their sinks.");
  out.open("void writeRows([[maybe_unused]] flow::Output& out, [[maybe_unused]] const Rows& rows)");
  for (const SinkSlot& s : sinks_) {
    bool log = s.node->sink.kind == ast::SinkKind::Log;
    std::string slot = fmt::format("rows.sink_{}", s.index);
    out.open(fmt::format("if ({}.present)", slot));
    out.comment(sinkText(*s.node));
    out.line(fmt::format("std::string& o = out.{}({});", log ? "beginLogRow" : "beginResponseRow", s.index));
    bool first = !log;  // a log row starts with "stream", a response row with the first column
    for (int c : s.columns) {
      const ast::Column& col = s.node->schema[static_cast<size_t>(c)];
      std::string key = fmt::format("{}\"{}\":", first ? "" : ",", jsonEscape(col.name));
      first = false;
      out.line(fmt::format("o += {};", cppStringLiteral(key)));
      std::string v = fmt::format("{}.col_{}", slot, c);
      out.line(appendJsonCode(v, col.type));
    }
    out.line(fmt::format("out.{}({});", log ? "endLogRow" : "endResponseRow", s.index));
    out.close();
  }
  out.close();
  out.blank();
}

}  // namespace flowc::codegen::detail
