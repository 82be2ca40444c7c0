// The function table (LANGUAGE.md §4, §5). Each scalar function is one row:
// arity, what each argument must be, what the call yields and when it is
// nullable. The few functions whose argument must be a literal (a regex, a
// date_trunc unit, a JSON path) get their extra check after the table's.
#include "sema/functions.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <regex>

#include "sema/analyzer.h"

namespace flowc::sema::detail {

using ast::BaseType;
using ast::Expr;
using ast::ExprKind;
using ast::Type;

namespace {

// What an argument must be.
enum class Param : uint8_t {
  Any,
  String,
  Int,
  Number,  // int or float
  Timestamp,
  Same,  // every Same argument unifies to one type (coalesce, greatest…)
};

// What a call yields.
enum class Result : uint8_t { String, Int, Bool, Float, Timestamp, FirstArg, Unified };

// When the result may be null.
enum class Nulls : uint8_t {
  AnyArg,   // null in, null out (SQL's default)
  Never,    // concat skips null arguments
  Always,   // nullif, json_extract
  AllArgs,  // coalesce: null only if every argument is
};

struct ScalarFunction {
  const char* name;
  int minArgs;
  int maxArgs;                  // -1: no upper bound
  std::array<Param, 3> params;  // argument i uses params[min(i, 2)]
  Result result;
  Nulls nulls;
};

// clang-format off
constexpr ScalarFunction kScalars[] = {
  {"lower",        1,  1, {Param::String},                            Result::String,    Nulls::AnyArg},
  {"upper",        1,  1, {Param::String},                            Result::String,    Nulls::AnyArg},
  {"trim",         1,  1, {Param::String},                            Result::String,    Nulls::AnyArg},
  {"length",       1,  1, {Param::String},                            Result::Int,       Nulls::AnyArg},
  {"substr",       2,  3, {Param::String, Param::Int, Param::Int},    Result::String,    Nulls::AnyArg},
  {"concat",       1, -1, {Param::Any, Param::Any, Param::Any},       Result::String,    Nulls::Never},
  {"starts_with",  2,  2, {Param::String, Param::String},             Result::Bool,      Nulls::AnyArg},
  {"ends_with",    2,  2, {Param::String, Param::String},             Result::Bool,      Nulls::AnyArg},
  {"contains",     2,  2, {Param::String, Param::String},             Result::Bool,      Nulls::AnyArg},
  {"regexp_like",  2,  2, {Param::String, Param::String},             Result::Bool,      Nulls::AnyArg},
  {"abs",          1,  1, {Param::Number},                            Result::FirstArg,  Nulls::AnyArg},
  {"round",        1,  2, {Param::Number, Param::Int},                Result::FirstArg,  Nulls::AnyArg},
  {"floor",        1,  1, {Param::Number},                            Result::FirstArg,  Nulls::AnyArg},
  {"ceil",         1,  1, {Param::Number},                            Result::FirstArg,  Nulls::AnyArg},
  {"sqrt",         1,  1, {Param::Number},                            Result::Float,     Nulls::AnyArg},
  {"ln",           1,  1, {Param::Number},                            Result::Float,     Nulls::AnyArg},
  {"exp",          1,  1, {Param::Number},                            Result::Float,     Nulls::AnyArg},
  {"power",        2,  2, {Param::Number, Param::Number},             Result::Float,     Nulls::AnyArg},
  {"coalesce",     2, -1, {Param::Same, Param::Same, Param::Same},    Result::Unified,   Nulls::AllArgs},
  {"nullif",       2,  2, {Param::Same, Param::Same},                 Result::FirstArg,  Nulls::Always},
  {"greatest",     2, -1, {Param::Same, Param::Same, Param::Same},    Result::Unified,   Nulls::AnyArg},
  {"least",        2, -1, {Param::Same, Param::Same, Param::Same},    Result::Unified,   Nulls::AnyArg},
  {"date_trunc",   2,  2, {Param::String, Param::Timestamp},          Result::Timestamp, Nulls::AnyArg},
  {"epoch_ms",     1,  1, {Param::Timestamp},                         Result::Int,       Nulls::AnyArg},
  {"to_timestamp", 1,  1, {Param::Int},                               Result::Timestamp, Nulls::AnyArg},
  {"json_extract", 2,  2, {Param::String, Param::String},             Result::String,    Nulls::Always},
};
// clang-format on

constexpr const char* kAggregates[] = {
    "count", "sum", "avg", "min", "max", "first", "last", "stddev", "approx_percentile"};
constexpr const char* kWindows[] = {"tumble", "hop", "session"};

constexpr const char* kDateTruncUnits[] = {"second", "minute", "hour", "day", "week", "month", "year"};
constexpr const char* kExtractFields[] = {"year",   "month",       "day", "hour", "minute",
                                          "second", "millisecond", "dow", "doy",  "epoch"};

const ScalarFunction* findScalar(const std::string& name) {
  for (const ScalarFunction& f : kScalars) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

const char* paramName(Param p) {
  switch (p) {
    case Param::String: return "string";
    case Param::Int: return "int";
    case Param::Number: return "a number (int or float)";
    case Param::Timestamp: return "timestamp";
    default: return "any type";
  }
}

bool fits(Param p, Type t) {
  if (t.base == BaseType::Null || t.base == BaseType::Error) return true;
  switch (p) {
    case Param::Any:
    case Param::Same: return true;
    case Param::String: return t.base == BaseType::String;
    case Param::Int: return t.base == BaseType::Int;
    case Param::Number: return t.isNumeric();
    case Param::Timestamp: return t.base == BaseType::Timestamp;
  }
  return false;
}

std::string arityText(int minArgs, int maxArgs) {
  auto plural = [](int n) { return n == 1 ? "argument" : "arguments"; };
  if (maxArgs < 0) return fmt::format("at least {} {}", minArgs, plural(minArgs));
  if (minArgs == maxArgs) return fmt::format("{} {}", minArgs, plural(minArgs));
  if (maxArgs == minArgs + 1) return fmt::format("{} or {} arguments", minArgs, maxArgs);
  return fmt::format("{} to {} arguments", minArgs, maxArgs);
}

const Expr* stringLiteral(const Expr& e) {
  if (e.kind == ExprKind::Literal && std::holds_alternative<std::string>(e.value)) return &e;
  return nullptr;
}

// libstdc++'s regex compiler recurses on nesting and expands counted
// repetition into states, so a hostile pattern could exhaust the stack or
// memory at compile time (and at run time in the handler): bound both first.
std::string regexTooComplex(const std::string& pattern) {
  if (pattern.size() > 2000) return "it is longer than 2000 bytes";
  int depth = 0;
  int maxDepth = 0;
  double repeat = 1;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
    } else if (c == '(') {
      maxDepth = std::max(maxDepth, ++depth);
    } else if (c == ')') {
      --depth;
    } else if (c == '{') {
      size_t j = i + 1;
      double count = 0;
      double largest = 0;
      while (j < pattern.size() &&
             (std::isdigit(static_cast<unsigned char>(pattern[j])) || pattern[j] == ',')) {
        if (pattern[j] == ',') {
          largest = std::max(largest, count);
          count = 0;
        } else {
          count = count * 10 + (pattern[j] - '0');
        }
        ++j;
      }
      largest = std::max(largest, count);
      repeat *= std::max(1.0, largest);
    }
  }
  if (maxDepth > 50) return "it nests groups more than 50 deep";
  if (repeat > 100000) return "its repetition counts multiply to more than 100000";
  return {};
}

const char* regexErrorText(std::regex_constants::error_type code) {
  using namespace std::regex_constants;
  switch (code) {
    case error_collate: return "invalid collating element";
    case error_ctype: return "invalid character class";
    case error_escape: return "invalid escape or trailing backslash";
    case error_backref: return "invalid back reference";
    case error_brack: return "unbalanced '[' or ']'";
    case error_paren: return "unbalanced '(' or ')'";
    case error_brace: return "unbalanced '{' or '}'";
    case error_badbrace: return "invalid repetition count in '{}'";
    case error_range: return "invalid character range";
    case error_space: return "not enough memory to compile it";
    case error_badrepeat: return "a repetition ('*', '+', '?' or '{}') follows nothing";
    case error_complexity: return "it is too complex";
    case error_stack: return "it is too complex";
    default: return "it is not a valid ECMAScript regular expression";
  }
}

void checkRegexLiteral(const Expr& call, Diagnostics& diags, Type& result) {
  const Expr& arg = *call.args[1];
  const Expr* lit = stringLiteral(arg);
  if (!lit) {
    diags.error(arg.range, "the pattern of 'regexp_like' must be a string literal",
                "write the pattern in quotes, e.g. regexp_like(page, '^/product/[0-9]+$')");
    result = {BaseType::Error, false};
    return;
  }
  const std::string& pattern = std::get<std::string>(lit->value);
  std::string tooComplex = regexTooComplex(pattern);
  if (!tooComplex.empty()) {
    diags.error(arg.range, fmt::format("regular expression is too complex: {}", tooComplex));
    result = {BaseType::Error, false};
    return;
  }
  try {
    std::regex re(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    diags.error(arg.range, fmt::format("invalid regular expression: {}", regexErrorText(e.code())));
    result = {BaseType::Error, false};
  } catch (const std::exception&) {
    diags.error(arg.range, "invalid regular expression: it is too complex");
    result = {BaseType::Error, false};
  }
}

// `$`, then `.name`, `[0]` or `['name']` steps (the same paths a source field takes).
bool validJsonPath(const std::string& p) {
  if (p.empty() || p[0] != '$') return false;
  size_t i = 1;
  while (i < p.size()) {
    if (p[i] == '.') {
      size_t j = i + 1;
      while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
      if (j == i + 1) return false;
      i = j;
    } else if (p[i] == '[') {
      size_t j = i + 1;
      if (j < p.size() && p[j] == '\'') {
        ++j;
        for (;;) {
          if (j >= p.size()) return false;
          if (p[j] == '\'') {
            if (j + 1 < p.size() && p[j + 1] == '\'') {
              j += 2;
              continue;
            }
            break;
          }
          ++j;
        }
        ++j;  // closing quote
      } else {
        size_t digits = j;
        while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
        if (j == digits) return false;
      }
      if (j >= p.size() || p[j] != ']') return false;
      i = j + 1;
    } else {
      return false;
    }
  }
  return true;
}

void checkJsonPathLiteral(const Expr& call, Diagnostics& diags, Type& result) {
  const Expr& arg = *call.args[1];
  const Expr* lit = stringLiteral(arg);
  if (!lit) {
    diags.error(arg.range, "the path of 'json_extract' must be a string literal",
                "e.g. json_extract(payload, '$.order.id')");
    result = {BaseType::Error, false};
    return;
  }
  if (!validJsonPath(std::get<std::string>(lit->value))) {
    diags.error(arg.range, "invalid JSON path",
                "a path starts with '$' followed by steps like .name, [0] or ['odd name']");
    result = {BaseType::Error, false};
  }
}

void checkDateTruncUnit(const Expr& call, Diagnostics& diags, Type& result) {
  const Expr& arg = *call.args[0];
  const Expr* lit = stringLiteral(arg);
  std::vector<std::string> units(std::begin(kDateTruncUnits), std::end(kDateTruncUnits));
  if (!lit) {
    diags.error(arg.range, "the unit of 'date_trunc' must be a string literal",
                "e.g. date_trunc('minute', ts); units: second, minute, hour, day, week, month, year");
    result = {BaseType::Error, false};
    return;
  }
  std::string unit = lower(std::get<std::string>(lit->value));
  if (std::find(units.begin(), units.end(), unit) == units.end()) {
    std::string close = closestName(unit, units);
    diags.error(arg.range,
                fmt::format("unknown date_trunc unit {}", quoted(std::get<std::string>(lit->value))),
                close.empty() ? "units: second, minute, hour, day, week, month, year"
                              : fmt::format("did you mean '{}'?", close));
    result = {BaseType::Error, false};
  }
}

}  // namespace

FunctionKind functionKind(const std::string& lowerName) {
  if (findScalar(lowerName)) return FunctionKind::Scalar;
  for (const char* a : kAggregates) {
    if (lowerName == a) return FunctionKind::Aggregate;
  }
  for (const char* w : kWindows) {
    if (lowerName == w) return FunctionKind::Window;
  }
  return FunctionKind::Unknown;
}

const std::vector<std::string>& allFunctionNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const ScalarFunction& f : kScalars) v.emplace_back(f.name);
    for (const char* a : kAggregates) v.emplace_back(a);
    for (const char* w : kWindows) v.emplace_back(w);
    return v;
  }();
  return names;
}

void typeScalarCall(Expr& call, Diagnostics& diags) {
  const ScalarFunction* f = findScalar(call.function);
  if (!f) throw InternalError("typeScalarCall on a non-scalar function");
  const std::string& name = call.function;
  call.type = {BaseType::Error, false};

  if (call.distinct) {
    diags.error(call.range, fmt::format("'distinct' applies only to aggregates; '{}' is a function", name));
    return;
  }
  if (call.star) {
    diags.error(call.range, fmt::format("'*' is allowed only in count(*), not in '{}'", name));
    return;
  }
  int n = static_cast<int>(call.args.size());
  if (n < f->minArgs || (f->maxArgs >= 0 && n > f->maxArgs)) {
    diags.error(call.range,
                fmt::format("function '{}' takes {}, got {}", name, arityText(f->minArgs, f->maxArgs), n));
    return;
  }
  for (const ast::ExprPtr& a : call.args) {
    if (isError(*a)) return;  // already reported
  }

  // Argument types.
  bool ok = true;
  Type unified{BaseType::Null, true};
  bool anyNullable = false;
  bool allNullable = true;
  for (int i = 0; i < n; ++i) {
    Param p = f->params[std::min(i, 2)];
    Type t = call.args[i]->type;
    bool nullable = t.nullable || t.base == BaseType::Null;
    anyNullable = anyNullable || nullable;
    allNullable = allNullable && nullable;
    if (p == Param::Same) {
      Type u;
      if (!unifyTypes(unified, t, u)) {
        diags.error(call.args[i]->range,
                    fmt::format("arguments of '{}' have incompatible types: {} and {}", name,
                                ast::baseTypeName(unified.base), ast::baseTypeName(t.base)));
        ok = false;
        break;
      }
      unified = u;
    } else if (!fits(p, t)) {
      diags.error(call.args[i]->range, fmt::format("argument {} of '{}' must be {}, got {}", i + 1, name,
                                                   paramName(p), ast::typeName(t)));
      ok = false;
    }
  }
  if (!ok) return;

  Type result;
  switch (f->result) {
    case Result::String: result.base = BaseType::String; break;
    case Result::Int: result.base = BaseType::Int; break;
    case Result::Bool: result.base = BaseType::Bool; break;
    case Result::Float: result.base = BaseType::Float; break;
    case Result::Timestamp: result.base = BaseType::Timestamp; break;
    case Result::FirstArg: result.base = call.args[0]->type.base; break;
    case Result::Unified: result.base = unified.base; break;
  }
  switch (f->nulls) {
    case Nulls::AnyArg: result.nullable = anyNullable; break;
    case Nulls::Never: result.nullable = false; break;
    case Nulls::Always: result.nullable = true; break;
    case Nulls::AllArgs: result.nullable = allNullable; break;
  }
  if (result.base == BaseType::Null) result.nullable = true;

  // greatest/least compare their arguments; every base type of the language
  // is ordered, so unification is the whole check.
  if (name == "regexp_like") checkRegexLiteral(call, diags, result);
  if (name == "json_extract") checkJsonPathLiteral(call, diags, result);
  if (name == "date_trunc") checkDateTruncUnit(call, diags, result);
  call.type = result;
}

void typeAggregateCall(Expr& call, Diagnostics& diags) {
  const std::string& name = call.function;
  call.type = {BaseType::Error, false};
  int n = static_cast<int>(call.args.size());

  if (call.distinct && name != "count") {
    diags.error(call.range,
                fmt::format("'distinct' is supported only in count(distinct e), not in '{}'", name));
    return;
  }
  if (call.star) {
    if (name != "count") {
      diags.error(call.range, fmt::format("'*' is allowed only in count(*), not in '{}'", name));
      return;
    }
    if (call.distinct) {
      diags.error(call.range, "count(distinct *) is not supported",
                  "name the column: count(distinct user_id)");
      return;
    }
    call.type = {BaseType::Int, false};
    return;
  }
  int want = name == "approx_percentile" ? 2 : 1;
  if (n != want) {
    diags.error(call.range, fmt::format("aggregate '{}' takes {}, got {}", name, arityText(want, want), n));
    return;
  }
  for (const ast::ExprPtr& a : call.args) {
    if (isError(*a)) return;
  }
  Type t = call.args[0]->type;
  bool nullable = t.nullable || t.base == BaseType::Null;
  auto needNumber = [&]() {
    if (t.isNumeric() || t.base == BaseType::Null) return true;
    diags.error(call.args[0]->range, fmt::format("argument 1 of '{}' must be a number (int or float), got {}",
                                                 name, ast::typeName(t)));
    return false;
  };

  if (name == "count") {
    call.type = {BaseType::Int, false};
  } else if (name == "sum") {
    if (!needNumber()) return;
    call.type = {t.base == BaseType::Float ? BaseType::Float : BaseType::Int, nullable};
  } else if (name == "avg") {
    if (!needNumber()) return;
    call.type = {BaseType::Float, nullable};
  } else if (name == "stddev") {
    if (!needNumber()) return;
    call.type = {BaseType::Float, true};  // a group of one row has no sample deviation
  } else if (name == "min" || name == "max" || name == "first" || name == "last") {
    // Every base type is ordered, so min and max take any of them.
    call.type = {t.base, nullable};
  } else if (name == "approx_percentile") {
    if (!needNumber()) return;
    const Expr& p = *call.args[1];
    double v = -1;
    bool literal = p.kind == ExprKind::Literal;
    if (literal && std::holds_alternative<double>(p.value))
      v = std::get<double>(p.value);
    else if (literal && std::holds_alternative<int64_t>(p.value))
      v = static_cast<double>(std::get<int64_t>(p.value));
    else
      literal = false;
    if (!literal || !(v >= 0 && v <= 1)) {
      diags.error(p.range, "the percentile of 'approx_percentile' must be a number literal between 0 and 1",
                  "e.g. approx_percentile(latency_ms, 0.95)");
      return;
    }
    call.type = {BaseType::Float, nullable};
  } else {
    throw InternalError("typeAggregateCall on a non-aggregate");
  }
}

void typeExtract(Expr& e, Diagnostics& diags) {
  e.type = {BaseType::Error, false};
  std::string field = lower(e.name);
  std::vector<std::string> fields(std::begin(kExtractFields), std::end(kExtractFields));
  if (std::find(fields.begin(), fields.end(), field) == fields.end()) {
    std::string close = closestName(field, fields);
    diags.error(e.range, fmt::format("unknown extract field {}", quoted(e.name)),
                close.empty() ? "fields: year, month, day, hour, minute, second, millisecond, dow, doy, epoch"
                              : fmt::format("did you mean '{}'?", close));
    return;
  }
  e.name = field;
  if (e.args.size() != 1) throw InternalError("extract without exactly one argument");
  const Expr& arg = *e.args[0];
  if (isError(arg)) return;
  if (arg.type.base != BaseType::Timestamp && arg.type.base != BaseType::Null) {
    diags.error(arg.range, fmt::format("extract needs a timestamp, got {}", ast::typeName(arg.type)));
    return;
  }
  e.type = {BaseType::Int, arg.type.nullable || arg.type.base == BaseType::Null};
}

}  // namespace flowc::sema::detail
