// Lookup join: a table read at compile time becomes static data in the
// handler, its rows sorted by key, and each row looks its key up by binary
// search (flow::sql::lookup): no hashing, no allocation, and the data sits
// in the executable's read-only pages, ready before the first invocation.
// A row without a match is dropped by `join`; `left join` keeps it with the
// table's columns null. A null key matches nothing.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "emitter.h"
#include "syntax/ast_print.h"

namespace flowc::codegen::detail {

using ast::BaseType;

namespace {

int keyColumn(const ast::TableDecl& t) {
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (t.columns[c].name == t.key) return static_cast<int>(c);
  }
  throw InternalError(fmt::format("codegen: table '{}' has no key column '{}'", t.name, t.key));
}

// Key order, the same as the handler's comparisons: strings by bytes
// (unsigned), numbers, bools, timestamps by value.
bool keyLess(const ast::Value& a, const ast::Value& b) {
  auto number = [](const ast::Value& v) {
    return std::holds_alternative<int64_t>(v) ? static_cast<double>(std::get<int64_t>(v))
                                              : std::get<double>(v);
  };
  if (std::holds_alternative<std::string>(a)) return std::get<std::string>(a) < std::get<std::string>(b);
  if (std::holds_alternative<int64_t>(a) && std::holds_alternative<int64_t>(b)) {
    return std::get<int64_t>(a) < std::get<int64_t>(b);
  }
  if (std::holds_alternative<bool>(a)) return std::get<bool>(a) < std::get<bool>(b);
  if (std::holds_alternative<ast::Timestamp>(a))
    return std::get<ast::Timestamp>(a).ms < std::get<ast::Timestamp>(b).ms;
  if (std::holds_alternative<ast::Duration>(a))
    return std::get<ast::Duration>(a).ms < std::get<ast::Duration>(b).ms;
  return number(a) < number(b);
}

}  // namespace

void Emitter::emitTables(CodeWriter& out) {
  for (size_t k = 0; k < tables_.size(); ++k) {
    const ast::TableDecl& t = *tables_[k];
    int key = keyColumn(t);
    out.comment(fmt::format("table {} from file '{}' ({}): {} rows, sorted by key '{}'", t.name, t.file,
                            where(t.range), t.rows.size(), t.key));
    out.open(fmt::format("struct TableRow_{}", k));
    for (size_t c = 0; c < t.columns.size(); ++c) {
      out.line(fmt::format("{} col_{};  // {}", cppTypeOf(t.columns[c].type.type), c,
                           cppCommentText(t.columns[c].name + " " + ast::typeName(t.columns[c].type.type))));
    }
    out.close(";");
    if (!t.rows.empty()) {
      std::vector<size_t> order(t.rows.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return keyLess(t.rows[a][static_cast<size_t>(key)], t.rows[b][static_cast<size_t>(key)]);
      });
      out.open(fmt::format("constexpr TableRow_{} kTable_{}[] =", k, k));
      for (size_t r : order) {
        std::string cells;
        for (size_t c = 0; c < t.columns.size(); ++c) {
          if (c) cells += ", ";
          const ast::Value& v = c < t.rows[r].size() ? t.rows[r][c] : ast::Value{};
          cells += constantCode(v, t.columns[c].type.type);
        }
        out.line("{" + cells + "},");
      }
      out.close(";");
    }
    out.blank();
  }
}

void Emitter::emitJoin(const plan::Node& n, const Row& input) {
  const ast::TableDecl& t = *n.table;
  size_t k = std::find(tables_.begin(), tables_.end(), &t) - tables_.begin();
  if (k == tables_.size()) tables_.push_back(&t);
  int key = keyColumn(t);
  ast::Type keyType = t.columns[static_cast<size_t>(key)].type.type;

  code().comment(fmt::format("{}: {}join {} on {}", nodeTitle(n), n.leftJoin ? "left " : "", t.name,
                             exprText(*n.predicate)));
  CValue lookupKey = emitExpr(*n.lookupKey, input);
  std::string match = newTemp();
  code().line(fmt::format("const TableRow_{}* {} = nullptr;", k, match));
  if (t.rows.empty()) {
    code().note("the table has no rows: nothing matches");
  } else if (lookupKey.type.base != BaseType::Null) {
    ast::Type plainKey{keyType.base, false};
    CValue plain = lookupKey;
    std::string keyCode;
    if (lookupKey.type.nullable) {
      keyCode = coerce({lookupKey.code + ".value", {lookupKey.type.base, false}}, plainKey);
      code().line(fmt::format("if (!{}.null) {} = flow::sql::lookup(kTable_{}, &TableRow_{}::col_{}, {});",
                              lookupKey.code, match, k, k, key, keyCode));
    } else {
      keyCode = coerce(lookupKey, plainKey);
      code().line(fmt::format("{} = flow::sql::lookup(kTable_{}, &TableRow_{}::col_{}, {});", match, k, k,
                              key, keyCode));
    }
  }

  Row output = input;
  if (!n.leftJoin) {
    for (size_t c = 0; c < t.columns.size(); ++c) {
      output.push_back({fmt::format("{}->col_{}", match, c), t.columns[c].type.type});
    }
    code().open(fmt::format("if ({})", match));
    consume(n.id, output);
    code().close();
    return;
  }
  for (size_t c = 0; c < t.columns.size(); ++c) {
    ast::Type type = t.columns[c].type.type;
    ast::Type nullable{type.base, true};
    std::string v = newTemp();
    std::string found = type.nullable
                            ? fmt::format("{}->col_{}", match, c)
                            : fmt::format("flow::sql::some<{}>({}->col_{})", cppTypeOf(type.base), match, c);
    code().line(fmt::format("[[maybe_unused]] {} {} = {} ? {} : {}{{}};  // {}", cppTypeOf(nullable), v,
                            match, found, cppTypeOf(nullable), cppCommentText(t.columns[c].name)));
    output.push_back({v, nullable});
  }
  consume(n.id, output);
}

}  // namespace flowc::codegen::detail
