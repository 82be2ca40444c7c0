// TopN: `order by … [limit n]` — per invocation's batch without a window, per
// window with one (LANGUAGE.md §5). The rows (every column, and the sort
// keys computed from them) are kept in a buffer whose strings live in the
// buffer's own arena; at the end of the unit they are sorted stably — ties
// keep the order the rows came in — and the first n go to the operators after
// it. Nulls sort after every value (`order by x` puts them last, `order by x
// desc` first), as in PostgreSQL.
#include <fmt/format.h>

#include "breakers.h"
#include "syntax/ast_print.h"

namespace flowc::codegen::detail {

using plan::Node;

namespace {

bool sortable(const plan::SortKey& k) {
  return k.expr->type.base != ast::BaseType::Null;  // `order by null`: every row ties
}

}  // namespace

void emitTopNTypes(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  out.note(fmt::format("{}: order by{}, stream {}", e.nodeTitle(n),
                       n.limit >= 0 ? fmt::format(" … limit {}", n.limit) : std::string(), n.stream));
  std::vector<StructField> fields;
  for (size_t c = 0; c < n.schema.size(); ++c) {
    fields.push_back({cppTypeOf(n.schema[c].type), fmt::format("c{}", c), n.schema[c].name});
  }
  std::vector<StructField> all = fields;
  for (size_t k = 0; k < n.order.size(); ++k) {
    if (!sortable(n.order[k])) continue;
    all.push_back({cppTypeOf(n.order[k].expr->type), fmt::format("s{}", k),
                   e.exprText(*n.order[k].expr) + (n.order[k].desc ? " desc" : "")});
  }
  emitKeyStruct(out, fmt::format("TRow_{}", N), all);
  out.open(fmt::format("struct TBuffer_{}", N));
  out.line(fmt::format("std::vector<TRow_{}> rows;", N));
  out.line("std::vector<uint32_t> order;");
  out.line("flow::Arena arena{4096};  // the rows' strings");
  out.open("void clear()");
  out.line("rows.clear();");
  out.line("arena.reset();");
  out.close();
  out.open(fmt::format("void add(const TRow_{}& r)", N));
  out.line("rows.push_back(r);");
  for (const StructField& f : all) out.line(fmt::format("flow::agg::ownValue(rows.back().{}, arena);", f.name));
  out.close();
  out.close(";");
  emitKeyJson(out, fmt::format("topJson_{}", N), fmt::format("TRow_{}", N), fields, n.schema);
  out.blank();
}

void emitTopNInputStruct(Emitter& e, CodeWriter& out, const Node& n) {
  emitStoredRowSlot(out, n, fmt::format("TRow_{}", n.id), fmt::format("{}: a row and its sort keys", e.nodeTitle(n)));
}

void emitTopNMembers(Emitter& e, CodeWriter& out, const Node& n) {
  out.line(fmt::format("TBuffer_{0} top_{0};  // {1}", n.id, e.nodeTitle(n)));
}

void Emitter::emitTopNInput(const Node& n, const Row& input) {
  code().comment(fmt::format("{}: order by", nodeTitle(n)));
  emitStoredRowInput(n, input);
  for (size_t k = 0; k < n.order.size(); ++k) {
    if (!sortable(n.order[k])) continue;
    CValue v = emitExpr(*n.order[k].expr, input);
    code().line(fmt::format("rows.in_{}.row.s{} = {};", n.id, k, coerce(use(v), n.order[k].expr->type)));
  }
}

void emitTopNApply(Emitter&, CodeWriter& out, const Node& n) {
  out.line(fmt::format("if (rows.in_{0}.present) h.top_{0}.add(rows.in_{0}.row);", n.id));
}

void emitTopNRowFunction(Emitter& e, const Node& n) {
  CodeWriter& out = e.breaker(n.id).rowFunction;
  out.note(fmt::format("One row of {} through the operators after it.", e.nodeTitle(n)));
  out.open(fmt::format("std::string_view topRow_{0}([[maybe_unused]] Handler& h, const TRow_{0}& r, Rows& rows)", n.id));
  emitRowFunctionBody(e, out, n, storedRow(n, "r"));
}

void emitTopNFlush(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  out.note(fmt::format("The rows of {} sorted (stable), {}, then an empty buffer.", e.nodeTitle(n),
                       n.limit >= 0 ? fmt::format("the first {}", n.limit) : std::string("all of them")));
  out.open(fmt::format("void flush_{}(Handler& h, [[maybe_unused]] flow::Reply& reply)", N));
  out.line(fmt::format("TBuffer_{0}& b = h.top_{0};", N));
  out.line("b.order.resize(b.rows.size());");
  out.line("for (size_t i = 0; i < b.order.size(); ++i) b.order[i] = static_cast<uint32_t>(i);");
  out.open("std::stable_sort(b.order.begin(), b.order.end(), [&](uint32_t x, uint32_t y)");
  out.line(fmt::format("[[maybe_unused]] const TRow_{0}& p = b.rows[x];", N));
  out.line(fmt::format("[[maybe_unused]] const TRow_{0}& q = b.rows[y];", N));
  for (size_t k = 0; k < n.order.size(); ++k) {
    if (!sortable(n.order[k])) continue;
    out.comment(e.exprText(*n.order[k].expr) + (n.order[k].desc ? " desc" : ""));
    out.line(fmt::format("if (int c = flow::agg::compareValues(p.s{0}, q.s{0}); c != 0) return c {1} 0;", k,
                         n.order[k].desc ? ">" : "<"));
  }
  out.line("return false;");
  out.close(");");
  if (n.limit >= 0) {
    out.line(fmt::format("const size_t count = std::min<size_t>(b.order.size(), {});", n.limit));
  } else {
    out.line("const size_t count = b.order.size();");
  }
  out.open("for (size_t i = 0; i < count; ++i)");
  emitFlushRow(e, out, fmt::format("topRow_{}(h, b.rows[b.order[i]], rows)", N), n.stream,
               fmt::format("topJson_{}(key, b.rows[b.order[i]])", N));
  out.close();
  emitFlushChildren(e, out, N);
  out.line("b.clear();");
  out.close();
  out.blank();
}

}  // namespace flowc::codegen::detail
