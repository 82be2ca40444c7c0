// Expressions → C++ statements with SQL semantics (LANGUAGE.md §2, §4;
// docs/language.md §3, §11–§13).
//
// Each operation computes into a fresh local (t1, t2, …), so an operand is
// evaluated once and the code reads top to bottom. Nullable values are
// flow::sql::Nullable<T>; an operation with SQL's "null in, null out" rule
// runs inside `if (!a.null && !b.null)` on the plain values and is null
// otherwise. A run-time error (int overflow, division by zero, a failed
// cast) returns the reason from the record function, naming the expression:
// the record then goes where its source's `on error` says.
//
// Evaluation order: `and`, `or`, `case` and `coalesce` evaluate their
// operands left to right and stop as soon as the result is known, so
// `x <> 0 and 10 / x > 1` never divides by zero. Everything else evaluates
// all its operands. An operand of type null (the literal, or an expression
// of null literals) is the constant null and is not evaluated at all.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <optional>

#include "emitter.h"
#include "syntax/ast_print.h"

namespace flowc::codegen::detail {

using ast::BaseType;
using ast::Expr;
using ast::ExprKind;
using ast::Op;
using ast::Type;

namespace {

std::string intLiteral(int64_t v) {
  if (v == INT64_MIN) return "INT64_MIN";
  return fmt::format("int64_t{{{}}}", v);
}

std::string floatLiteral(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eEni") == std::string::npos) s += ".0";
  return s;
}

// The value of an int constant's code (`int64_t{42}`), if it is one.
std::optional<int64_t> intConstant(const std::string& code) {
  constexpr std::string_view prefix = "int64_t{";
  if (code.size() <= prefix.size() + 1 || code.compare(0, prefix.size(), prefix) != 0 || code.back() != '}') {
    return std::nullopt;
  }
  int64_t v = 0;
  std::string digits = code.substr(prefix.size(), code.size() - prefix.size() - 1);
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}

// An int constant that a double holds exactly, as a float literal.
std::optional<std::string> exactFloatConstant(const std::string& code) {
  std::optional<int64_t> v = intConstant(code);
  if (!v || *v > (int64_t{1} << 53) || *v < -(int64_t{1} << 53)) return std::nullopt;
  return floatLiteral(static_cast<double>(*v));
}

const char* compareOperator(Op op) {
  switch (op) {
    case Op::Eq: return "==";
    case Op::Ne: return "!=";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    default: break;
  }
  throw InternalError("codegen: not a comparison operator");
}

const char* timeUnitName(const std::string& unit) {
  static const std::pair<const char*, const char*> kUnits[] = {
      {"second", "Second"}, {"minute", "Minute"}, {"hour", "Hour"}, {"day", "Day"},
      {"week", "Week"},     {"month", "Month"},   {"year", "Year"}};
  for (const auto& [name, enumerator] : kUnits) {
    if (unit == name) return enumerator;
  }
  throw InternalError(fmt::format("codegen: date_trunc unit '{}'", unit));
}

const char* timeFieldName(const std::string& field) {
  static const std::pair<const char*, const char*> kFields[] = {{"year", "Year"},
                                                                {"month", "Month"},
                                                                {"day", "Day"},
                                                                {"hour", "Hour"},
                                                                {"minute", "Minute"},
                                                                {"second", "Second"},
                                                                {"millisecond", "Millisecond"},
                                                                {"dow", "Dow"},
                                                                {"doy", "Doy"},
                                                                {"epoch", "Epoch"}};
  for (const auto& [name, enumerator] : kFields) {
    if (field == name) return enumerator;
  }
  throw InternalError(fmt::format("codegen: extract field '{}'", field));
}

std::string lowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

bool nonZeroLiteral(const Expr& e) {
  if (e.kind != ExprKind::Literal) return false;
  if (const int64_t* i = std::get_if<int64_t>(&e.value)) return *i != 0;
  if (const double* d = std::get_if<double>(&e.value)) return *d != 0;
  return false;
}

const std::string* stringLiteral(const Expr& e) {
  if (e.kind != ExprKind::Literal) return nullptr;
  return std::get_if<std::string>(&e.value);
}

// json_extract's path literal: `$` then `.name`, `` .`odd name` ``,
// `['name']` or `[N]` steps (sema checked the syntax).
std::vector<ast::JsonPathStep> parseJsonPath(const std::string& p) {
  std::vector<ast::JsonPathStep> steps;
  size_t i = 1;
  while (i < p.size()) {
    if (p[i] == '.') {
      size_t j = i + 1;
      std::string name;
      if (j < p.size() && p[j] == '`') {
        // A back-quoted name: `` doubles a back quote.
        ++j;
        while (j < p.size()) {
          if (p[j] == '`') {
            if (j + 1 < p.size() && p[j + 1] == '`') {
              name.push_back('`');
              j += 2;
              continue;
            }
            ++j;
            break;
          }
          name.push_back(p[j++]);
        }
      } else {
        while (j < p.size() && p[j] != '.' && p[j] != '[') name.push_back(p[j++]);
      }
      steps.push_back({name, -1});
      i = j;
    } else if (p[i] == '[') {
      size_t j = i + 1;
      if (j < p.size() && p[j] == '\'') {
        std::string name;
        ++j;
        while (j < p.size()) {
          if (p[j] == '\'') {
            if (j + 1 < p.size() && p[j + 1] == '\'') {
              name.push_back('\'');
              j += 2;
              continue;
            }
            break;
          }
          name.push_back(p[j++]);
        }
        steps.push_back({name, -1});
        j += 2;  // the quote and ']'
      } else {
        int64_t index = 0;
        while (j < p.size() && p[j] >= '0' && p[j] <= '9') {
          index = index > (INT64_MAX - 9) / 10 ? INT64_MAX : index * 10 + (p[j] - '0');
          ++j;
        }
        steps.push_back({"", index});
        ++j;  // ']'
      }
      i = j;
    } else {
      throw InternalError(fmt::format("codegen: invalid JSON path '{}'", p));
    }
  }
  return steps;
}

// What flow::sql::Regex (a linear-time matcher) does not implement of the
// ECMAScript syntax sema accepts: back references and lookaround.
std::string unsupportedRegex(const std::string& p) {
  bool inClass = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && !inClass && p[i + 1] >= '1' && p[i + 1] <= '9') return "back references";
      ++i;
    } else if (c == '[') {
      inClass = true;
    } else if (c == ']') {
      inClass = false;
    } else if (c == '(' && !inClass && i + 1 < p.size() && p[i + 1] == '?' &&
               !(i + 2 < p.size() && p[i + 2] == ':')) {
      return "lookaround";
    }
  }
  return {};
}

}  // namespace

// ------------------------------------------------------------------ values and coercion

const CValue& Emitter::use(const CValue& v) {
  if (v.sourceColumn >= 0 && static_cast<size_t>(v.sourceColumn) < columnRead_.size()) {
    columnRead_[static_cast<size_t>(v.sourceColumn)] = true;
  }
  return v;
}

std::string Emitter::coerce(const CValue& v, Type target) {
  const std::string targetCpp = cppTypeOf(target);
  if (v.type.base == BaseType::Null) {
    if (!target.nullable) throw InternalError("codegen: null where a value is required");
    return targetCpp + "{}";
  }
  if (v.type == target) return v.code;
  std::string code = v.code;
  if (v.type.base != target.base) {
    bool same = cppTypeOf(v.type.base) == cppTypeOf(target.base);
    if (v.type.base == BaseType::Int && target.base == BaseType::Float) {
      if (v.type.nullable) {
        if (!target.nullable) throw InternalError("codegen: a nullable value where a value is required");
        return fmt::format("Nullable<double>{{static_cast<double>({0}.value), {0}.null}}", v.code);
      }
      std::optional<std::string> constant = exactFloatConstant(v.code);
      code = constant ? *constant : fmt::format("static_cast<double>({})", v.code);
    } else if (!same) {
      throw InternalError(
          fmt::format("codegen: cannot use {} as {}", ast::typeName(v.type), ast::typeName(target)));
    }
  }
  if (v.type.nullable && !target.nullable) {
    throw InternalError("codegen: a nullable value where a value is required");
  }
  if (!v.type.nullable && target.nullable) {
    return fmt::format("flow::sql::some<{}>({})", cppTypeOf(target.base), code);
  }
  return code;
}

// ------------------------------------------------------------------ the expression emitter

class ExprEmitter {
 public:
  ExprEmitter(Emitter& e, const Row& row) : e_(e), row_(row) {}

  CValue emit(const Expr& x) {
    if (x.type.base == BaseType::Null) return {"", x.type};
    std::string key;
    if (e_.plan_.shareSubexpressions && x.kind != ExprKind::Literal && x.kind != ExprKind::ColumnRef) {
      key = shapeOf(x);
      for (auto it = e_.shared_.rbegin(); it != e_.shared_.rend(); ++it) {
        if (it->key == key && out().inScope(it->scope)) {
          out().comment(fmt::format("{} = {} (computed above)", it->value.code, e_.exprText(x)));
          return it->value;
        }
      }
    }
    CValue v = fit(emitKind(x), x.type);
    if (!key.empty()) e_.shared_.push_back({std::move(key), v, out().scope()});
    return v;
  }

 private:
  using Vals = std::vector<std::string>;

  CodeWriter& out() { return e_.code(); }
  void fail(const std::string& what, const Expr& x) {
    e_.failWith(fmt::format("{} in {}", what, e_.exprText(x)));
  }
  std::string failCode(const std::string& what, const Expr& x) {
    return fmt::format("return {};", cppStringView(fmt::format("{} in {}", what, e_.exprText(x))));
  }

  // `x` as a key: its structure with each column replaced by the row's
  // value (two operators reading the same row share their values' code).
  std::string shapeOf(const Expr& x) {
    std::string s = fmt::format("({} {} {}{}{}{}{} {} ", static_cast<int>(x.kind), static_cast<int>(x.op),
                                x.negated, x.distinct, x.star, x.hasOperand, x.hasElse, ast::typeName(x.type));
    switch (x.kind) {
      case ExprKind::Literal:
        s += std::to_string(x.value.index()) + ":";
        // A double exactly (its shortest round-trip text), anything else as printed.
        s += std::holds_alternative<double>(x.value) ? fmt::format("{}", std::get<double>(x.value))
                                                      : ast::printValue(x.value);
        break;
      case ExprKind::ColumnRef:
        if (x.binding.input == 0 && x.binding.column >= 0 && static_cast<size_t>(x.binding.column) < row_.size())
          s += "@" + row_[static_cast<size_t>(x.binding.column)].code;
        else
          s += fmt::format("?{}.{}", x.binding.input, x.binding.column);
        break;
      case ExprKind::Call: s += x.function + "/" + x.name; break;
      case ExprKind::Extract: s += x.name; break;
      case ExprKind::Cast: s += ast::typeName(x.castType.type) + std::to_string(static_cast<int>(x.castType.unit)); break;
      default: break;
    }
    for (const ast::ExprPtr& a : x.args) s += shapeOf(*a);
    return s + ")";
  }

  static std::string val(const CValue& v) { return v.type.nullable ? v.code + ".value" : v.code; }
  static CValue nullOf(Type t) {
    if (t.base == BaseType::Null) return {"", t};
    return {"Nullable<" + cppTypeOf(t.base) + ">{}", {t.base, true}};
  }

  // `T tN = init;` → tN.
  CValue declare(Type t, const std::string& init) {
    std::string name = e_.newTemp();
    out().line(fmt::format("{} {} = {};", cppTypeOf(t), name, init));
    return {name, t};
  }

  // `v` with exactly type `t` (nullability and int → float).
  CValue fit(const CValue& v, Type t) {
    if (v.type == t || t.base == BaseType::Null) return v;
    if (v.type.base == BaseType::Null) return nullOf(t);
    std::string code = e_.coerce(v, t);
    if (code == v.code) return {v.code, t, v.sourceColumn};
    return declare(t, code);
  }

  // "null in, null out" with a pure C++ expression over the plain values.
  CValue pure(Type rt, const std::vector<CValue>& ops, const std::function<std::string(const Vals&)>& f) {
    Vals vals;
    std::vector<std::string> conds;
    for (const CValue& op : ops) {
      if (op.type.base == BaseType::Null) return nullOf(rt);
      vals.push_back(val(op));
      if (op.type.nullable) conds.push_back("!" + op.code + ".null");
    }
    if (conds.empty()) return declare({rt.base, false}, f(vals));
    std::string t = e_.newTemp();
    out().line(fmt::format("Nullable<{}> {};", cppTypeOf(rt.base), t));
    out().open(fmt::format("if ({})", join(conds, " && ")));
    out().line(fmt::format("{} = {{{}, false}};", t, f(vals)));
    out().close();
    return {t, {rt.base, true}};
  }

  // The same with statements that compute into `target` (and may fail).
  CValue guarded(Type rt, const std::vector<CValue>& ops,
                 const std::function<void(const Vals&, const std::string& target)>& body) {
    Vals vals;
    std::vector<std::string> conds;
    for (const CValue& op : ops) {
      if (op.type.base == BaseType::Null) return nullOf(rt);
      vals.push_back(val(op));
      if (op.type.nullable) conds.push_back("!" + op.code + ".null");
    }
    std::string t = e_.newTemp();
    if (conds.empty()) {
      out().line(fmt::format("{} {}{{}};", cppTypeOf(rt.base), t));
      body(vals, t);
      return {t, {rt.base, false}};
    }
    out().line(fmt::format("Nullable<{}> {};", cppTypeOf(rt.base), t));
    out().open(fmt::format("if ({})", join(conds, " && ")));
    body(vals, t + ".value");
    out().line(t + ".null = false;");
    out().close();
    return {t, {rt.base, true}};
  }

  static std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
    return s;
  }

  // A plain value of `base` as a plain value of `target` (int → float).
  static std::string convert(const std::string& v, BaseType base, BaseType target) {
    if (base == BaseType::Int && target == BaseType::Float) {
      if (std::optional<std::string> c = exactFloatConstant(v)) return *c;
      return fmt::format("static_cast<double>({})", v);
    }
    return v;
  }

  // The text of a plain value (cast to string, ||, concat): a string_view
  // expression, after any statements it needs.
  std::string textOf(const std::string& v, BaseType base, const Expr& context) {
    switch (base) {
      case BaseType::String: return v;
      case BaseType::Bool: return fmt::format("flow::sql::boolText({})", v);
      case BaseType::Int: e_.usesArena_ = true; return fmt::format("flow::sql::intText(h.arena, {})", v);
      case BaseType::Float: e_.usesArena_ = true; return fmt::format("flow::sql::floatText(h.arena, {})", v);
      case BaseType::Duration:
        e_.usesArena_ = true;
        return fmt::format("flow::sql::durationText(h.arena, {})", v);
      case BaseType::Timestamp: {
        e_.usesArena_ = true;
        std::string t = e_.newTemp();
        out().line(fmt::format("std::string_view {};", t));
        out().line(fmt::format("if (!flow::sql::timestampText(h.arena, {}, {})) {}", v, t,
                               failCode("timestamp outside years 0000-9999", context)));
        return t;
      }
      default: break;
    }
    throw InternalError("codegen: no text for this type");
  }

  // A comparison of two values (any nullability), as bool or Nullable<bool>.
  CValue compare(Op op, const CValue& a, const CValue& b) {
    bool nullable = a.type.nullable || b.type.nullable;
    BaseType ab = a.type.base, bb = b.type.base;
    return pure({BaseType::Bool, nullable}, {a, b}, [&](const Vals& v) {
      if ((ab == BaseType::Int && bb == BaseType::Float) || (ab == BaseType::Float && bb == BaseType::Int)) {
        // An int constant a double holds exactly compares as a double; any
        // other int is compared exactly (a double cannot hold every int).
        std::optional<std::string> l = ab == BaseType::Int ? exactFloatConstant(v[0]) : v[0];
        std::optional<std::string> r = bb == BaseType::Int ? exactFloatConstant(v[1]) : v[1];
        if (l && r) return fmt::format("{} {} {}", *l, compareOperator(op), *r);
        return fmt::format("flow::sql::compareNumbers({}, {}) {} 0", v[0], v[1], compareOperator(op));
      }
      return fmt::format("{} {} {}", v[0], compareOperator(op), v[1]);
    });
  }

  // `v` as a bool argument of and3/or3: Nullable<bool> when `nullable`.
  static std::string boolArg(const CValue& v, bool nullable) {
    if (v.type.base == BaseType::Null) return "Nullable<bool>{}";
    if (nullable && !v.type.nullable) return fmt::format("flow::sql::toNullable({})", v.code);
    return v.code;
  }

  CValue notOf(const CValue& v) {
    if (v.type.base == BaseType::Null) return v;
    return declare(v.type, fmt::format("flow::sql::not3({})", v.code));
  }

  // ---------------------------------------------------------------- kinds

  CValue emitKind(const Expr& x) {
    switch (x.kind) {
      case ExprKind::Literal: return literal(x);
      case ExprKind::ColumnRef: return column(x);
      case ExprKind::Unary: return unary(x);
      case ExprKind::Binary: return binary(x);
      case ExprKind::IsNull: return isNull(x);
      case ExprKind::Between: return between(x);
      case ExprKind::InList: return inList(x);
      case ExprKind::Like: return like(x);
      case ExprKind::Case: return caseOf(x);
      case ExprKind::Cast: return cast(x);
      case ExprKind::Call: return call(x);
      case ExprKind::Extract: {
        CValue ts = emit(*x.args[0]);
        std::string field = timeFieldName(lowerAscii(x.name));
        return pure(x.type, {ts}, [&](const Vals& v) {
          return fmt::format("flow::sql::extract(flow::sql::TimeField::{}, {})", field, v[0]);
        });
      }
    }
    throw InternalError("codegen: unknown expression kind");
  }

  CValue literal(const Expr& x) {
    struct Visitor {
      CValue operator()(std::monostate) const { return {"", {BaseType::Null, true}}; }
      CValue operator()(bool b) const { return {b ? "true" : "false", {BaseType::Bool, false}}; }
      CValue operator()(int64_t i) const { return {intLiteral(i), {BaseType::Int, false}}; }
      CValue operator()(double d) const { return {floatLiteral(d), {BaseType::Float, false}}; }
      CValue operator()(const std::string& s) const { return {cppStringView(s), {BaseType::String, false}}; }
      CValue operator()(ast::Timestamp t) const {
        return {fmt::format("flow::sql::Timestamp{{{}}}", t.ms), {BaseType::Timestamp, false}};
      }
      CValue operator()(ast::Duration d) const {
        return {fmt::format("flow::sql::Duration{{{}}}", d.ms), {BaseType::Duration, false}};
      }
    };
    return std::visit(Visitor{}, x.value);
  }

  CValue column(const Expr& x) {
    if (x.binding.input != 0 || x.binding.column < 0 ||
        static_cast<size_t>(x.binding.column) >= row_.size()) {
      throw InternalError(fmt::format("codegen: column '{}' reads ({}, {}) outside its operator's input",
                                      x.name, x.binding.input, x.binding.column));
    }
    return e_.use(row_[static_cast<size_t>(x.binding.column)]);
  }

  CValue unary(const Expr& x) {
    CValue a = emit(*x.args[0]);
    if (x.op == Op::Neg && !a.type.nullable) {
      // -7, -2.5: constants stay constants.
      if (std::optional<int64_t> c = intConstant(a.code); c && *c != INT64_MIN)
        return {intLiteral(-*c), a.type};
      const Expr& arg = *x.args[0];
      if (arg.kind == ExprKind::Literal && std::holds_alternative<double>(arg.value)) {
        return {floatLiteral(-std::get<double>(arg.value)), a.type};
      }
    }
    if (x.op == Op::Not) {
      return pure(x.type, {a}, [](const Vals& v) { return "!" + v[0]; });
    }
    if (a.type.base == BaseType::Float) {
      // Parenthesized: the operand may itself start with '-' (-(-2.5) is not --2.5).
      return pure(x.type, {a}, [](const Vals& v) { return "-(" + v[0] + ")"; });
    }
    return guarded(x.type, {a}, [&](const Vals& v, const std::string& target) {
      out().line(
          fmt::format("if (!flow::sql::negInt({}, {})) {}", v[0], target,
                      failCode(a.type.base == BaseType::Int ? "integer overflow" : "time overflow", x)));
    });
  }

  CValue binary(const Expr& x) {
    switch (x.op) {
      case Op::And:
      case Op::Or: return logic(x);
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        CValue a = emit(*x.args[0]);
        CValue b = emit(*x.args[1]);
        return compare(x.op, a, b);
      }
      case Op::Concat: return concatOperator(x);
      default: return arithmetic(x);
    }
  }

  CValue logic(const Expr& x) {
    bool isAnd = x.op == Op::And;
    bool nullable = x.type.nullable;
    CValue a = emit(*x.args[0]);
    std::string t = e_.newTemp();
    out().line(fmt::format("{} {} = {};", nullable ? "Nullable<bool>" : "bool", t, boolArg(a, nullable)));
    // The right side only when the left does not decide.
    out().open(fmt::format("if (!flow::sql::{}({}))", isAnd ? "isFalse" : "isTrue", t));
    CValue b = emit(*x.args[1]);
    out().line(
        fmt::format("{0} = flow::sql::{1}({0}, {2});", t, isAnd ? "and3" : "or3", boolArg(b, nullable)));
    out().close();
    return {t, {BaseType::Bool, nullable}};
  }

  CValue arithmetic(const Expr& x) {
    CValue a = emit(*x.args[0]);
    CValue b = emit(*x.args[1]);
    BaseType rb = x.type.base;
    BaseType ab = a.type.base, bb = b.type.base;
    const char* builtin = x.op == Op::Add   ? "__builtin_add_overflow"
                          : x.op == Op::Sub ? "__builtin_sub_overflow"
                          : x.op == Op::Mul ? "__builtin_mul_overflow"
                                            : nullptr;
    if (rb == BaseType::Float) {
      return guarded(x.type, {a, b}, [&](const Vals& v, const std::string& target) {
        std::string l = convert(v[0], ab, BaseType::Float), r = convert(v[1], bb, BaseType::Float);
        if ((x.op == Op::Div || x.op == Op::Mod) && !nonZeroLiteral(*x.args[1])) {
          out().line(fmt::format("if ({} == 0) {}", r, failCode("division by zero", x)));
        }
        switch (x.op) {
          case Op::Add: out().line(fmt::format("{} = {} + {};", target, l, r)); break;
          case Op::Sub: out().line(fmt::format("{} = {} - {};", target, l, r)); break;
          case Op::Mul: out().line(fmt::format("{} = {} * {};", target, l, r)); break;
          case Op::Div: out().line(fmt::format("{} = {} / {};", target, l, r)); break;
          case Op::Mod: out().line(fmt::format("{} = std::fmod({}, {});", target, l, r)); break;
          default: throw InternalError("codegen: arithmetic operator");
        }
        out().line(fmt::format("if (!std::isfinite({})) {}", target, failCode("float overflow", x)));
      });
    }
    // int, timestamp and duration arithmetic: 64-bit integers, checked.
    const char* overflow = rb == BaseType::Int ? "integer overflow" : "time overflow";
    return guarded(x.type, {a, b}, [&](const Vals& v, const std::string& target) {
      const int64_t* divisor =
          x.args[1]->kind == ExprKind::Literal ? std::get_if<int64_t>(&x.args[1]->value) : nullptr;
      if (divisor && *divisor != 0 && *divisor != -1 && (x.op == Op::Div || x.op == Op::Mod)) {
        // A constant divisor that can neither be zero nor overflow.
        out().line(fmt::format("{} = {} {} {};", target, v[0], x.op == Op::Div ? "/" : "%", v[1]));
      } else if (builtin) {
        out().line(
            fmt::format("if ({}({}, {}, &{})) {}", builtin, v[0], v[1], target, failCode(overflow, x)));
      } else if (x.op == Op::Div) {
        out().line(fmt::format("if (!flow::sql::divInt({}, {}, {})) {{", v[0], v[1], target));
        out().line(fmt::format("  return {} == 0 ? {} : {};", v[1],
                               cppStringView(fmt::format("division by zero in {}", e_.exprText(x))),
                               cppStringView(fmt::format("{} in {}", overflow, e_.exprText(x)))));
        out().line("}");
      } else if (x.op == Op::Mod) {
        out().line(fmt::format("if (!flow::sql::modInt({}, {}, {})) {}", v[0], v[1], target,
                               failCode("division by zero", x)));
      } else {
        throw InternalError("codegen: arithmetic operator");
      }
    });
  }

  // `a || b || c` is one concat of three parts (one copy), null if any is.
  static void concatParts(const Expr& x, std::vector<const Expr*>& parts) {
    if (x.kind == ExprKind::Binary && x.op == Op::Concat) {
      concatParts(*x.args[0], parts);
      concatParts(*x.args[1], parts);
    } else {
      parts.push_back(&x);
    }
  }

  CValue concatOperator(const Expr& x) {
    std::vector<const Expr*> parts;
    concatParts(x, parts);
    std::vector<CValue> values;
    for (const Expr* p : parts) values.push_back(emit(*p));
    e_.usesArena_ = true;
    return guarded(x.type, values, [&](const Vals& v, const std::string& target) {
      std::vector<std::string> texts;
      for (size_t i = 0; i < v.size(); ++i) texts.push_back(textOf(v[i], values[i].type.base, x));
      out().line(fmt::format("{} = flow::sql::concat(h.arena, {{{}}});", target, join(texts, ", ")));
    });
  }

  CValue isNull(const Expr& x) {
    CValue a = emit(*x.args[0]);
    bool isNullValue;
    if (a.type.base == BaseType::Null) {
      isNullValue = true;
    } else if (!a.type.nullable) {
      isNullValue = false;
    } else {
      return declare({BaseType::Bool, false}, fmt::format("{}{}.null", x.negated ? "!" : "", a.code));
    }
    return {(isNullValue != x.negated) ? "true" : "false", {BaseType::Bool, false}};
  }

  CValue between(const Expr& x) {
    CValue v = emit(*x.args[0]);
    CValue lo = emit(*x.args[1]);
    CValue hi = emit(*x.args[2]);
    CValue ge = compare(Op::Ge, v, lo);
    CValue le = compare(Op::Le, v, hi);
    bool nullable = ge.type.nullable || le.type.nullable || ge.type.base == BaseType::Null ||
                    le.type.base == BaseType::Null;
    CValue r = nullable ? declare({BaseType::Bool, true}, fmt::format("flow::sql::and3({}, {})",
                                                                      boolArg(ge, true), boolArg(le, true)))
                        : declare({BaseType::Bool, false}, fmt::format("{} && {}", ge.code, le.code));
    return x.negated ? notOf(r) : r;
  }

  CValue inList(const Expr& x) {
    CValue v = emit(*x.args[0]);
    std::vector<CValue> items;
    bool anyNullable = v.type.nullable || v.type.base == BaseType::Null;
    for (size_t i = 1; i < x.args.size(); ++i) {
      items.push_back(emit(*x.args[i]));
      anyNullable = anyNullable || items.back().type.nullable || items.back().type.base == BaseType::Null;
    }
    CValue r;
    if (!anyNullable) {
      // The usual case, `page in ('/a', '/b')`: one condition.
      std::vector<std::string> tests;
      for (const CValue& item : items) {
        if (v.type.base == BaseType::Int && item.type.base == BaseType::Float) {
          tests.push_back(fmt::format("flow::sql::compareNumbers({}, {}) == 0", v.code, item.code));
        } else if (v.type.base == BaseType::Float && item.type.base == BaseType::Int) {
          tests.push_back(fmt::format("flow::sql::compareNumbers({}, {}) == 0", v.code, item.code));
        } else {
          tests.push_back(fmt::format("{} == {}", v.code, item.code));
        }
      }
      r = declare({BaseType::Bool, false}, join(tests, " || "));
    } else {
      // SQL's rule: true if one item is equal, else null if one comparison is null, else false.
      std::string t = e_.newTemp();
      out().line(fmt::format("Nullable<bool> {}{{false, false}};", t));
      for (const CValue& item : items) {
        CValue eq = compare(Op::Eq, v, item);
        out().line(fmt::format("{0} = flow::sql::or3({0}, {1});", t, boolArg(eq, true)));
      }
      r = {t, {BaseType::Bool, true}};
    }
    return x.negated ? notOf(r) : r;
  }

  CValue like(const Expr& x) {
    CValue s = emit(*x.args[0]);
    CValue p = emit(*x.args[1]);
    const std::string* pattern = stringLiteral(*x.args[1]);
    bool negated = x.negated;
    return pure(x.type, {s, p}, [&](const Vals& v) {
      std::string test = fmt::format("flow::sql::like({}, {})", v[0], v[1]);
      if (pattern) {
        // A literal pattern that only anchors a fixed text needs no matcher.
        const std::string& pt = *pattern;
        auto fixed = [](std::string_view s) { return s.find_first_of("%_") == std::string_view::npos; };
        if (fixed(pt)) {
          test = fmt::format("{} == {}", v[0], v[1]);
        } else if (pt == "%") {
          test = "true";
        } else if (pt.size() >= 2 && pt.front() == '%' && pt.back() == '%' &&
                   fixed(pt.substr(1, pt.size() - 2))) {
          test = fmt::format("flow::sql::contains({}, {})", v[0], cppStringView(pt.substr(1, pt.size() - 2)));
        } else if (pt.back() == '%' && fixed(pt.substr(0, pt.size() - 1))) {
          test =
              fmt::format("flow::sql::startsWith({}, {})", v[0], cppStringView(pt.substr(0, pt.size() - 1)));
        } else if (pt.front() == '%' && fixed(pt.substr(1))) {
          test = fmt::format("flow::sql::endsWith({}, {})", v[0], cppStringView(pt.substr(1)));
        }
      }
      return negated ? "!(" + test + ")" : test;
    });
  }

  CValue caseOf(const Expr& x) {
    Type rt = x.type;
    size_t i = 0;
    CValue operand;
    if (x.hasOperand) operand = emit(*x.args[i++]);
    size_t pairsEnd = x.args.size() - (x.hasElse ? 1 : 0);
    std::string t = e_.newTemp();
    out().line(fmt::format("{} {}{{}};", cppTypeOf(rt), t));
    out().open("do");
    for (; i + 1 < pairsEnd; i += 2) {
      const Expr& when = *x.args[i];
      out().comment("when " + e_.exprText(when));
      CValue cond = x.hasOperand ? compare(Op::Eq, operand, emit(when)) : emit(when);
      if (cond.type.base == BaseType::Null) continue;  // never true
      out().open(fmt::format("if (flow::sql::isTrue({}))", cond.code));
      CValue then = emit(*x.args[i + 1]);
      out().line(fmt::format("{} = {};", t, e_.coerce(then, rt)));
      out().line("break;");
      out().close();
    }
    if (x.hasElse) {
      out().note("else");
      CValue otherwise = emit(*x.args.back());
      out().line(fmt::format("{} = {};", t, e_.coerce(otherwise, rt)));
    }
    out().close(" while (false);");
    return {t, rt};
  }

  CValue cast(const Expr& x) {
    CValue a = emit(*x.args[0]);
    BaseType from = a.type.base, to = x.type.base;
    if (from == BaseType::Null) return nullOf(x.type);
    if (from == to) return a;
    std::string toName = ast::baseTypeName(to);
    auto parse = [&](const char* function) {
      return guarded(x.type, {a}, [&](const Vals& v, const std::string& target) {
        out().line(fmt::format("if (!flow::sql::{}({}, {})) {}", function, v[0], target,
                               failCode(fmt::format("cannot cast the value to {}", toName), x)));
      });
    };
    switch (to) {
      case BaseType::String:
        return guarded(x.type, {a}, [&](const Vals& v, const std::string& target) {
          out().line(fmt::format("{} = {};", target, textOf(v[0], from, x)));
        });
      case BaseType::Int:
        if (from == BaseType::String) return parse("parseInt");
        if (from == BaseType::Float) {
          return guarded(x.type, {a}, [&](const Vals& v, const std::string& target) {
            out().line(fmt::format("if (!flow::sql::floatToInt({}, {})) {}", v[0], target,
                                   failCode("float out of the range of int", x)));
          });
        }
        if (from == BaseType::Bool) return pure(x.type, {a}, [](const Vals& v) { return v[0] + " ? 1 : 0"; });
        if (from == BaseType::Timestamp) return pure(x.type, {a}, [](const Vals& v) { return v[0]; });
        break;
      case BaseType::Float:
        if (from == BaseType::String) return parse("parseFloat");
        if (from == BaseType::Int)
          return pure(x.type, {a}, [](const Vals& v) { return "static_cast<double>(" + v[0] + ")"; });
        break;
      case BaseType::Bool:
        if (from == BaseType::String) return parse("parseBool");
        break;
      case BaseType::Timestamp:
        if (from == BaseType::String) return parse("parseTimestamp");
        if (from == BaseType::Int) return pure(x.type, {a}, [](const Vals& v) { return v[0]; });
        break;
      default: break;
    }
    throw InternalError(fmt::format("codegen: cast from {} to {}", ast::baseTypeName(from), toName));
  }

  // ---------------------------------------------------------------- functions

  std::vector<CValue> emitArgs(const Expr& x) {
    std::vector<CValue> args;
    for (const ast::ExprPtr& a : x.args) args.push_back(emit(*a));
    return args;
  }

  CValue call(const Expr& x) {
    if (x.callKind != ast::CallKind::Scalar) {
      throw InternalError(fmt::format("codegen: {} call '{}' in a stateless operator",
                                      x.callKind == ast::CallKind::Aggregate ? "aggregate" : "window",
                                      x.function));
    }
    const std::string& f = x.function;
    if (f == "concat") return concatFunction(x);
    if (f == "coalesce") return coalesce(x);
    if (f == "nullif") return nullif(x);
    if (f == "json_extract") return jsonExtract(x);
    if (f == "regexp_like") return regexpLike(x);
    if (f == "date_trunc") {
      const std::string* unit = stringLiteral(*x.args[0]);
      if (!unit) throw InternalError("codegen: date_trunc without a literal unit");
      std::string u = timeUnitName(lowerAscii(*unit));
      CValue ts = emit(*x.args[1]);
      return guarded(x.type, {ts}, [&](const Vals& v, const std::string& target) {
        out().line(fmt::format("if (!flow::sql::dateTrunc(flow::sql::TimeUnit::{}, {}, {})) {}", u, v[0], target,
                               failCode("time overflow", x)));
      });
    }

    std::vector<CValue> args = emitArgs(x);
    auto simple = [&](const std::string& function, bool arena = false) {
      if (arena) e_.usesArena_ = true;
      return pure(x.type, args, [&](const Vals& v) {
        return fmt::format("flow::sql::{}({}{})", function, arena ? "h.arena, " : "", join(v, ", "));
      });
    };
    BaseType first = args.empty() ? BaseType::Null : args[0].type.base;

    if (f == "lower") return simple("lower", true);
    if (f == "upper") return simple("upper", true);
    if (f == "length") return simple("length");
    if (f == "substr") return simple("substr");
    if (f == "trim") return simple("trim");
    if (f == "starts_with") return simple("startsWith");
    if (f == "ends_with") return simple("endsWith");
    if (f == "contains") return simple("contains");
    if (f == "epoch_ms" || f == "to_timestamp") return pure(x.type, args, [](const Vals& v) { return v[0]; });
    if (f == "abs") {
      if (first == BaseType::Float)
        return pure(x.type, args, [](const Vals& v) { return "std::fabs(" + v[0] + ")"; });
      return guarded(x.type, args, [&](const Vals& v, const std::string& target) {
        out().line(
            fmt::format("if (!flow::sql::absInt({}, {})) {}", v[0], target, failCode("integer overflow", x)));
      });
    }
    if (f == "round") {
      if (first == BaseType::Float) {
        return pure(x.type, args, [&](const Vals& v) {
          return fmt::format("flow::sql::roundFloat({}, {})", v[0], v.size() > 1 ? v[1] : "0");
        });
      }
      if (args.size() == 1) return pure(x.type, args, [](const Vals& v) { return v[0]; });
      return guarded(x.type, args, [&](const Vals& v, const std::string& target) {
        out().line(fmt::format("if (!flow::sql::roundInt({}, {}, {})) {}", v[0], v[1], target,
                               failCode("integer overflow", x)));
      });
    }
    if (f == "floor" || f == "ceil") {
      if (first != BaseType::Float) return pure(x.type, args, [](const Vals& v) { return v[0]; });
      // + 0.0 makes a zero result +0, as round()'s is: ceil(-0.5) is 0,
      // whose text is "0", not C's -0 and "-0".
      return pure(x.type, args, [&](const Vals& v) { return fmt::format("(std::{}({}) + 0.0)", f, v[0]); });
    }
    if (f == "sqrt" || f == "ln" || f == "exp" || f == "power") {
      const char* fn = f == "sqrt"  ? "std::sqrt"
                       : f == "ln"  ? "std::log"
                       : f == "exp" ? "std::exp"
                                    : "flow::sql::power";
      return guarded(x.type, args, [&](const Vals& v, const std::string& target) {
        std::vector<std::string> fv;
        for (size_t i = 0; i < v.size(); ++i) fv.push_back(convert(v[i], args[i].type.base, BaseType::Float));
        out().line(fmt::format("{} = {}({});", target, fn, join(fv, ", ")));
        out().line(fmt::format("if (!std::isfinite({})) {{", target));
        out().line(fmt::format("  return std::isnan({}) ? {} : {};", target,
                               cppStringView(fmt::format("undefined result in {}", e_.exprText(x))),
                               cppStringView(fmt::format("result out of range in {}", e_.exprText(x)))));
        out().line("}");
      });
    }
    if (f == "greatest" || f == "least") {
      BaseType rb = x.type.base;
      return pure(x.type, args, [&](const Vals& v) {
        std::vector<std::string> cv;
        for (size_t i = 0; i < v.size(); ++i) cv.push_back(convert(v[i], args[i].type.base, rb));
        return fmt::format("std::{}<{}>({{{}}})", f == "greatest" ? "max" : "min", cppTypeOf(rb),
                           join(cv, ", "));
      });
    }
    throw InternalError(fmt::format("codegen: function '{}'", f));
  }

  CValue concatFunction(const Expr& x) {
    // Null arguments are skipped: each part is "" when its value is null.
    e_.usesArena_ = true;
    std::vector<std::string> parts;
    for (const ast::ExprPtr& a : x.args) {
      CValue v = emit(*a);
      if (v.type.base == BaseType::Null) continue;
      if (!v.type.nullable) {
        parts.push_back(textOf(v.code, v.type.base, x));
        continue;
      }
      std::string p = e_.newTemp();
      out().line(fmt::format("std::string_view {};", p));
      out().open(fmt::format("if (!{}.null)", v.code));
      out().line(fmt::format("{} = {};", p, textOf(v.code + ".value", v.type.base, x)));
      out().close();
      parts.push_back(p);
    }
    return declare({BaseType::String, false},
                   fmt::format("flow::sql::concat(h.arena, {{{}}})", join(parts, ", ")));
  }

  CValue coalesce(const Expr& x) {
    Type rt = x.type;
    std::string t = e_.newTemp();
    out().line(fmt::format("{} {}{{}};", cppTypeOf(rt), t));
    out().open("do");
    for (const ast::ExprPtr& a : x.args) {
      CValue v = emit(*a);
      if (v.type.base == BaseType::Null) continue;
      if (!v.type.nullable) {
        // Never null: the arguments after it are never reached.
        out().line(fmt::format("{} = {};", t, e_.coerce(v, rt)));
        break;
      }
      out().open(fmt::format("if (!{}.null)", v.code));
      out().line(fmt::format("{} = {};", t, e_.coerce({v.code + ".value", {v.type.base, false}}, rt)));
      out().line("break;");
      out().close();
    }
    out().close(" while (false);");
    return {t, rt};
  }

  CValue nullif(const Expr& x) {
    CValue a = emit(*x.args[0]);
    CValue b = emit(*x.args[1]);
    CValue eq = compare(Op::Eq, a, b);
    CValue r = declare(x.type, e_.coerce(a, x.type));
    if (eq.type.base != BaseType::Null) {
      out().line(fmt::format("if (flow::sql::isTrue({})) {} = {}{{}};", eq.code, r.code, cppTypeOf(x.type)));
    }
    return r;
  }

  CValue jsonExtract(const Expr& x) {
    const std::string* path = stringLiteral(*x.args[1]);
    if (!path) throw InternalError("codegen: json_extract without a literal path");
    CValue s = emit(*x.args[0]);
    if (s.type.base == BaseType::Null) return nullOf(x.type);
    size_t slot = e_.jsonPaths_.size();
    for (size_t i = 0; i < e_.jsonPaths_.size(); ++i) {
      if (e_.jsonPaths_[i].text == *path) slot = i;
    }
    if (slot == e_.jsonPaths_.size()) e_.jsonPaths_.push_back({parseJsonPath(*path), *path});
    e_.usesJsonExtractor_ = e_.usesArena_ = true;
    std::string t = e_.newTemp();
    out().line(fmt::format("Nullable<std::string_view> {};", t));
    std::string extract = fmt::format("h.json.extract(h.arena, {}, kJsonPath_{})", val(s), slot);
    if (s.type.nullable) {
      out().line(fmt::format("if (!{}.null) {} = {};", s.code, t, extract));
    } else {
      out().line(fmt::format("{} = {};", t, extract));
    }
    return {t, {BaseType::String, true}};
  }

  CValue regexpLike(const Expr& x) {
    const std::string* pattern = stringLiteral(*x.args[1]);
    if (!pattern) throw InternalError("codegen: regexp_like without a literal pattern");
    CValue s = emit(*x.args[0]);
    size_t slot = e_.regexes_.size();
    for (size_t i = 0; i < e_.regexes_.size(); ++i) {
      if (e_.regexes_[i].pattern == *pattern) slot = i;
    }
    if (std::string why = unsupportedRegex(*pattern); !why.empty()) {
      e_.diags_.error(x.args[1]->range, fmt::format("regexp_like does not support {} yet", why),
                      "the handler's matcher runs in linear time; rewrite the pattern without them");
    }
    if (slot == e_.regexes_.size()) e_.regexes_.push_back({*pattern, e_.exprText(x)});
    return guarded(x.type, {s}, [&](const Vals& v, const std::string& target) {
      std::string tooLong = e_.newTemp();
      out().line(fmt::format("bool {} = false;", tooLong));
      out().line(fmt::format("{} = h.regex_{}.search({}, {});", target, slot, v[0], tooLong));
      out().line(fmt::format("if ({}) {}", tooLong, failCode("input longer than 65536 bytes", x)));
    });
  }

  Emitter& e_;
  const Row& row_;
};

CValue Emitter::fitTo(const CValue& v, Type t) {
  if (v.type == t) return v;
  std::string code = coerce(v, t);
  if (code == v.code) return {v.code, t, v.sourceColumn};
  std::string name = newTemp();
  this->code().line(fmt::format("{} {} = {};", cppTypeOf(t), name, code));
  return {name, t};
}

std::string constantCode(const ast::Value& value, Type type) {
  std::string plain;
  if (std::holds_alternative<std::monostate>(value)) {
    if (!type.nullable) throw InternalError("codegen: null in a required table column");
    return cppTypeOf(type) + "{}";
  }
  switch (type.base) {
    case BaseType::Bool: plain = std::get<bool>(value) ? "true" : "false"; break;
    case BaseType::Int: plain = intLiteral(std::get<int64_t>(value)); break;
    case BaseType::Float:
      plain = std::holds_alternative<int64_t>(value)
                  ? floatLiteral(static_cast<double>(std::get<int64_t>(value)))
                  : floatLiteral(std::get<double>(value));
      break;
    case BaseType::String: plain = cppStringView(std::get<std::string>(value)); break;
    case BaseType::Timestamp:
      plain = fmt::format("flow::sql::Timestamp{{{}}}", std::get<ast::Timestamp>(value).ms);
      break;
    case BaseType::Duration:
      plain = fmt::format("flow::sql::Duration{{{}}}", std::get<ast::Duration>(value).ms);
      break;
    default: throw InternalError("codegen: a table cell of no type");
  }
  return type.nullable ? fmt::format("{}{{{}, false}}", cppTypeOf(type), plain) : plain;
}

CValue Emitter::emitExpr(const ast::Expr& e, const Row& row) {
  ExprEmitter emitter(*this, row);
  return emitter.emit(e);
}

}  // namespace flowc::codegen::detail
