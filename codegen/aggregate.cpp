// Aggregate: `group by` and its aggregates (LANGUAGE.md §5, docs/language.md
// §14). Each Aggregate gets its own types: the key struct (one field per key
// column, of the column's C++ type), the accumulator struct (fields per
// aggregate, below) and a flow::agg::GroupTable of them, whose entries stay in
// first-seen order — the order the groups are emitted in.
//
// A record reaching the Aggregate fills Rows::in_N with its key and the
// aggregates' arguments; commit() finds the group, checks what can fail (an
// int sum or a float sum/avg/stddev that would overflow: the record fails,
// docs §14) and only then inserts the group and updates the accumulators, so
// a failed record leaves no trace. Nulls are skipped by every aggregate but
// count(*); sum/avg/min/max/first/last/stddev/approx_percentile of no
// non-null value is null.
//
// Accumulators, per aggregate j:
//   count(*), count(e)      int64_t n_j
//   count(distinct e)       int64_t n_j, and the group's values in DSet_N_j, one
//                           table per aggregate keyed by {group index, value}
//   sum                     int64_t or double s_j, bool any_j
//   avg                     __int128 (int) or double (float) s_j, int64_t n_j
//   min, max                the value (std::string for strings) v_j, bool any_j
//   first, last             v_j, any_j, and seq_j (which record: window panes merge by it)
//   stddev                  flow::agg::Variance v_j (Welford)
//   approx_percentile       flow::QuantileSketch q_j (DDSketch, 1% relative error)
#include <fmt/format.h>

#include "breakers.h"
#include "syntax/ast_print.h"

namespace flowc::codegen::detail {

using ast::BaseType;
using plan::Node;

namespace {

AggKind kindOf(const ast::Expr& call) {
  const std::string& f = call.function;
  if (f == "count") return call.star ? AggKind::CountStar : call.distinct ? AggKind::CountDistinct : AggKind::Count;
  if (f == "sum") return AggKind::Sum;
  if (f == "avg") return AggKind::Avg;
  if (f == "min") return AggKind::Min;
  if (f == "max") return AggKind::Max;
  if (f == "first") return AggKind::First;
  if (f == "last") return AggKind::Last;
  if (f == "stddev") return AggKind::Stddev;
  if (f == "approx_percentile") return AggKind::Percentile;
  throw InternalError(fmt::format("codegen: unknown aggregate '{}'", f));
}

bool windowed(const Node& n) {
  return n.window.kind != ast::WindowKind::None;
}

// What an accumulator keeps of a value of type `base`.
std::string storedType(BaseType base) {
  return base == BaseType::String ? "std::string" : cppTypeOf(base);
}

std::string argCode(size_t n, size_t j) {
  return fmt::format("rows.in_{}.arg_{}", n, j);
}

}  // namespace

std::vector<AggregateSpec> aggregateSpecs(const Emitter& e, const Node& n) {
  std::vector<AggregateSpec> out;
  for (size_t j = 0; j < n.aggregates.size(); ++j) {
    const ast::Expr& call = *n.aggregates[j].expr;
    AggregateSpec a;
    a.kind = kindOf(call);
    a.call = &call;
    if (a.kind != AggKind::CountStar) a.argType = call.args.at(0)->type;
    a.outType = n.schema.at(static_cast<size_t>(n.schema.size() - n.aggregates.size() + j)).type;
    if (a.kind == AggKind::Percentile) {
      const ast::Expr& p = *call.args.at(1);
      if (std::holds_alternative<double>(p.value)) a.percentile = std::get<double>(p.value);
      if (std::holds_alternative<int64_t>(p.value)) a.percentile = static_cast<double>(std::get<int64_t>(p.value));
    }
    a.text = e.exprText(call);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<StructField> accumulatorStateFields(Emitter& e, const Node& n) {
  std::vector<StructField> out;
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  for (size_t j = 0; j < specs.size(); ++j) {
    for (const StructField& f : accumulatorFields(specs[j], j)) out.push_back(f);
  }
  if (isSession(n)) {
    out.push_back({"int64_t", "ss", "the session's start: its first record's time"});
    out.push_back({"int64_t", "se", "its end: the last record's time + the gap"});
  }
  if (isCascade(e, n)) out.push_back({"bool", "pin", "some input row had window_complete = false"});
  return out;
}

std::vector<StructField> accumulatorFields(const AggregateSpec& a, size_t j) {
  auto f = [&](std::string type, const char* name, std::string comment = "") {
    return StructField{std::move(type), fmt::format("{}_{}", name, j), std::move(comment)};
  };
  std::string c = a.text;
  switch (a.kind) {
    case AggKind::CountStar:
    case AggKind::Count:
    case AggKind::CountDistinct: return {f("int64_t", "n", c)};
    case AggKind::Sum:
      return {f(a.argType.base == BaseType::Float ? "double" : "int64_t", "s", c), f("bool", "any")};
    case AggKind::Avg:
      return {f(a.argType.base == BaseType::Float ? "double" : "__int128", "s", c), f("int64_t", "n")};
    case AggKind::Min:
    case AggKind::Max: return {f(storedType(a.argType.base), "v", c), f("bool", "any")};
    case AggKind::First:
    case AggKind::Last: return {f(storedType(a.argType.base), "v", c), f("bool", "any"), f("uint64_t", "seq")};
    case AggKind::Stddev: return {f("flow::agg::Variance", "v", c)};
    case AggKind::Percentile: return {f("flow::QuantileSketch", "q", c)};
  }
  return {};
}

// ------------------------------------------------------------------ types

std::vector<StructField> keyFieldsOf(const Node& n) {
  std::vector<StructField> keyFields;
  for (size_t k = 0; k < n.groupKeys.size(); ++k) {
    keyFields.push_back({cppTypeOf(n.schema[k].type), fmt::format("k{}", k), n.schema[k].name});
  }
  if (isSession(n)) {
    keyFields.push_back({"int64_t", "sid", "the session's id"});
  } else if (isEventTime(n)) {
    keyFields.push_back({"int64_t", "ws", "the start of the window's pane (epoch ms)"});
  }
  return keyFields;
}

void emitAggregateTypes(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  out.note(fmt::format("{}: group by, stream {}", e.nodeTitle(n), n.stream));

  std::vector<StructField> keyFields = keyFieldsOf(n);
  emitKeyStruct(out, fmt::format("Key_{}", N), keyFields);
  emitKeyOps(out, fmt::format("KeyOps_{}", N), fmt::format("Key_{}", N), keyFields);

  out.open(fmt::format("struct Acc_{}", N));
  std::vector<StructField> accFields = accumulatorStateFields(e, n);
  if (isSession(n)) accFields.push_back({"bool", "dead", "merged into another session (not in the state)"});
  for (const StructField& f : accFields) {
    if (f.comment.empty()) {
      out.line(fmt::format("{} {}{{}};", f.type, f.name));
    } else {
      out.line(fmt::format("{} {}{{}};  // {}", f.type, f.name, cppCommentText(f.comment)));
    }
  }
  if (windowed(n)) out.line("bool changed = false;  // updated in this invocation (emit changes); not in the state");
  if (isEventTime(n)) out.line("std::string_view mergeError;  // a window's panes did not merge (an overflow)");
  out.open("void reset()");
  if (windowed(n)) out.line("changed = false;");
  if (isEventTime(n)) out.line("mergeError = {};");
  for (const StructField& f : accFields) {
    if (f.type == "std::string" || f.type == "flow::QuantileSketch") {
      out.line(fmt::format("{}.clear();", f.name));
    } else {
      out.line(fmt::format("{} = {}{{}};", f.name, f.type));
    }
  }
  out.close();
  out.close(";");
  out.line(fmt::format("using Table_{0} = flow::agg::GroupTable<Key_{0}, Acc_{0}, KeyOps_{0}>;", N));
  for (size_t j = 0; j < specs.size(); ++j) {
    if (specs[j].kind != AggKind::CountDistinct) continue;
    std::vector<StructField> dk = {{"uint32_t", "group", "the group's index in agg_" + std::to_string(N)},
                                   {cppTypeOf(ast::Type{specs[j].argType.base, false}), "value", specs[j].text}};
    std::string name = fmt::format("DKey_{}_{}", N, j);
    emitKeyStruct(out, name, dk);
    emitKeyOps(out, fmt::format("DKeyOps_{}_{}", N, j), name, dk);
    out.line(fmt::format("using DSet_{0}_{1} = flow::agg::GroupTable<DKey_{0}_{1}, flow::agg::NoAcc, DKeyOps_{0}_{1}>;",
                         N, j));
  }
  if (windowed(n)) emitWindowedAggregateExtras(e, out, n);
  std::vector<StructField> keyJsonFields = keyFields;
  std::vector<ast::Column> keyColumns(n.schema.begin(), n.schema.begin() + static_cast<long>(n.groupKeys.size()));
  emitKeyJson(out, fmt::format("keyJson_{}", N), fmt::format("Key_{}", N), keyJsonFields, keyColumns);
  out.blank();
}

void emitAggregateInputStruct(Emitter& e, CodeWriter& out, const Node& n) {
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  out.comment(fmt::format("{}: a row's key and arguments", e.nodeTitle(n)));
  out.open(fmt::format("struct In_{}", n.id));
  out.line("bool present = false;");
  out.line(fmt::format("Key_{} key;", n.id));
  for (size_t j = 0; j < specs.size(); ++j) {
    if (specs[j].kind == AggKind::CountStar) continue;
    out.line(fmt::format("{} arg_{}{{}};  // {}", cppTypeOf(specs[j].argType), j, cppCommentText(specs[j].text)));
  }
  if (windowed(n)) out.line("flow::sql::Timestamp time = 0;  // the window's time column");
  if (isCascade(e, n)) {
    out.line("bool partialIn = false;  // the upstream row's window_complete was false");
    out.line("std::string lateRow;     // the row as JSON when it is late (its dead letter's record)");
  }
  out.close(fmt::format(" in_{};", n.id));
}

void emitAggregateMembers(Emitter& e, CodeWriter& out, const Node& n) {
  out.line(fmt::format("Table_{0} agg_{0};  // {1}", n.id, e.nodeTitle(n)));
  if (windowed(n)) emitWindowedMembers(e, out, n);
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  for (size_t j = 0; j < specs.size(); ++j) {
    if (specs[j].kind == AggKind::CountDistinct)
      out.line(fmt::format("DSet_{0}_{1} dset_{0}_{1};  // {2}", n.id, j, cppCommentText(specs[j].text)));
  }
}

// ------------------------------------------------------------------ a record's row

void Emitter::emitAggregateInput(const Node& n, const Row& input) {
  const int N = n.id;
  std::string keys;
  for (const plan::ProjectItem& k : n.groupKeys) keys += (keys.empty() ? "" : ", ") + exprText(*k.expr);
  code().comment(fmt::format("{}: group by {}", nodeTitle(n), keys));
  code().line(fmt::format("rows.in_{}.present = true;", N));
  for (size_t k = 0; k < n.groupKeys.size(); ++k) {
    CValue v = emitExpr(*n.groupKeys[k].expr, input);
    code().line(fmt::format("rows.in_{}.key.k{} = {};", N, k, coerce(use(v), n.schema[k].type)));
  }
  std::vector<AggregateSpec> specs = aggregateSpecs(*this, n);
  for (size_t j = 0; j < specs.size(); ++j) {
    if (specs[j].kind == AggKind::CountStar) continue;
    CValue v = emitExpr(*specs[j].call->args[0], input);
    code().line(fmt::format("{} = {};", argCode(static_cast<size_t>(N), j), coerce(use(v), specs[j].argType)));
  }
  if (isCascade(*this, n)) {
    // A window over a window: the row counts at its window's last instant;
    // `w` is the nearest upstream window's row (this code is in its groupRow).
    const CValue& t = use(input.at(static_cast<size_t>(n.window.time.column)));
    code().line(fmt::format("rows.in_{}.time = {} - 1;", N, t.type.nullable ? t.code + ".value" : t.code));
    code().line(fmt::format("rows.in_{}.partialIn = !w.complete;", N));
    code().open(fmt::format("if ({})", cascadeLateCondition(n, fmt::format("rows.in_{}.time", N))));
    code().line(fmt::format("std::string& o = rows.in_{}.lateRow;", N));
    const plan::Node& in = plan_.node(n.inputs.at(0));
    for (size_t c = 0; c < in.schema.size() && c < input.size(); ++c) {
      std::string key = fmt::format("{}\"{}\":", c == 0 ? "{" : ",", jsonEscape(in.schema[c].name));
      code().line(fmt::format("o += {};", cppStringLiteral(key)));
      const CValue& v = use(input[c]);
      if (v.type.base == BaseType::Null) {
        code().line("flow::appendJsonNull(o);");
      } else {
        code().line(appendJsonCode(v.code, v.type));
      }
    }
    code().line(in.schema.empty() ? "o += \"{}\";" : "o += '}';");
    code().close();
    if (!isSession(n)) {
      code().line(fmt::format("rows.in_{0}.key.ws = flow::agg::floorTo(rows.in_{0}.time, {1});", N, paneMs(n)));
    }
  } else if (isEventTime(n)) {
    const CValue& t = use(input.at(static_cast<size_t>(n.window.time.column)));
    code().line(fmt::format("rows.in_{}.time = {};", N, t.type.nullable ? t.code + ".value" : t.code));
    if (!isSession(n)) {
      code().line(fmt::format("rows.in_{0}.key.ws = flow::agg::floorTo(rows.in_{0}.time, {1});", N, paneMs(n)));
    }
  }
}

// ------------------------------------------------------------------ commit

namespace {

// `body` with the argument's plain value as `x`, skipped when it is null.
void withValue(CodeWriter& out, const AggregateSpec& a, const std::string& arg, const std::string& body) {
  if (a.argType.nullable) {
    out.line(fmt::format("if (!{0}.null) {{ const auto& x = {0}.value; {1} }}", arg, body));
  } else {
    out.line(fmt::format("{{ const auto& x = {}; {} }}", arg, body));
  }
}

}  // namespace

void emitAggregateCheck(Emitter& e, CodeWriter& out, const Node& n) {
  const size_t N = static_cast<size_t>(n.id);
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  out.line(fmt::format("[[maybe_unused]] Table_{0}::Entry* g_{0} = nullptr;", N));
  out.line(fmt::format("[[maybe_unused]] uint64_t hash_{} = 0;", N));
  out.open(fmt::format("if (rows.in_{}.present)", N));
  if (isCascade(e, n)) {
    out.line(fmt::format("if (!rows.in_{}.lateRow.empty()) return flow::agg::kLateReason;", N));
  } else if (isEventTime(n)) {
    out.line(fmt::format("if (h.wmHas_{0} && rows.in_{0}.time < h.wmMax_{0} - {1}) return flow::agg::kLateReason;", N,
                         lateBoundMs(e, n)));
  }
  if (isSession(n)) {
    emitSessionCheck(e, out, n);
  } else {
    out.line(fmt::format("hash_{0} = KeyOps_{0}::hash(rows.in_{0}.key);", N));
    out.line(fmt::format("g_{0} = h.agg_{0}.find(rows.in_{0}.key, hash_{0});", N));
  }
  // A new group starts from zero, where one finite value cannot overflow.
  CodeWriter checks;
  for (size_t j = 0; j < specs.size(); ++j) {
    const AggregateSpec& a = specs[j];
    std::string reason = [&](const char* what) { return cppStringView(fmt::format("{} in {}", what, a.text)); }(
        a.argType.base == BaseType::Int && a.kind == AggKind::Sum ? "integer overflow" : "float overflow");
    std::string arg = argCode(N, j);
    switch (a.kind) {
      case AggKind::Sum:
        if (a.argType.base == BaseType::Int) {
          withValue(checks, a, arg,
                    fmt::format("if (int64_t s; !flow::agg::addInt(a.s_{}, x, s)) return {};", j, reason));
        } else {
          withValue(checks, a, arg, fmt::format("if (!std::isfinite(a.s_{} + x)) return {};", j, reason));
        }
        break;
      case AggKind::Avg:
        if (a.argType.base == BaseType::Float)
          withValue(checks, a, arg, fmt::format("if (!std::isfinite(a.s_{} + x)) return {};", j, reason));
        break;
      case AggKind::Stddev:
        withValue(checks, a, arg,
                  fmt::format("if (flow::agg::Variance v = a.v_{}; v.add(static_cast<double>(x)), "
                              "!std::isfinite(v.m2)) return {};",
                              j, reason));
        break;
      default: break;
    }
  }
  if (!checks.empty() && isSession(n)) {
    out.open(fmt::format("if (base_{})", N));
    out.line(fmt::format("const Acc_{0}& a = *base_{0};", N));
    out.append(checks);
    out.close();
  } else if (!checks.empty()) {
    out.open(fmt::format("if (g_{})", N));
    out.line(fmt::format("const Acc_{0}& a = g_{0}->acc;", N));
    out.append(checks);
    out.close();
  }
  out.close();
}

void emitAggregateApply(Emitter& e, CodeWriter& out, const Node& n) {
  const size_t N = static_cast<size_t>(n.id);
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  out.open(fmt::format("if (rows.in_{}.present)", N));
  if (isSession(n)) {
    emitSessionApply(e, out, n);
  } else {
    out.line(fmt::format("if (!g_{0}) g_{0} = &h.agg_{0}.insert(rows.in_{0}.key, hash_{0});", N));
  }
  out.line(fmt::format("Acc_{0}& a = g_{0}->acc;", N));
  if (windowed(n)) out.line("a.changed = true;");
  if (isCascade(e, n)) {
    out.line(fmt::format("if (rows.in_{}.partialIn) a.pin = true;", N));
  } else if (isEventTime(n)) {
    out.line(fmt::format("if (!h.wmHas_{0} || rows.in_{0}.time > h.wmMax_{0}) {{ h.wmMax_{0} = rows.in_{0}.time; h.wmHas_{0} = true; }}",
                         N));
  }
  bool needsIndex = false, needsSeq = false;
  for (const AggregateSpec& a : specs) {
    needsIndex |= a.kind == AggKind::CountDistinct;
    needsSeq |= a.kind == AggKind::First || a.kind == AggKind::Last;
  }
  if (needsIndex) out.line(fmt::format("const auto gi = static_cast<uint32_t>(h.agg_{0}.indexOf(*g_{0}));", N));
  if (needsSeq) out.line("const uint64_t seq = ++h.sequence;");
  for (size_t j = 0; j < specs.size(); ++j) {
    const AggregateSpec& a = specs[j];
    std::string arg = argCode(N, j);
    bool str = a.argType.base == BaseType::String;
    std::string assign = str ? fmt::format("a.v_{}.assign(x);", j) : fmt::format("a.v_{} = x;", j);
    out.comment(a.text);
    switch (a.kind) {
      case AggKind::CountStar: out.line(fmt::format("++a.n_{};", j)); break;
      case AggKind::Count: withValue(out, a, arg, fmt::format("++a.n_{};", j)); break;
      case AggKind::CountDistinct:
        withValue(out, a, arg,
                  fmt::format("DKey_{0}_{1} dk{{gi, x}}; const uint64_t dh = DKeyOps_{0}_{1}::hash(dk); "
                              "if (!h.dset_{0}_{1}.find(dk, dh)) {{ h.dset_{0}_{1}.insert(dk, dh); ++a.n_{1}; }}",
                              N, j));
        break;
      case AggKind::Sum: withValue(out, a, arg, fmt::format("a.s_{0} += x; a.any_{0} = true;", j)); break;
      case AggKind::Avg: withValue(out, a, arg, fmt::format("a.s_{0} += x; ++a.n_{0};", j)); break;
      case AggKind::Min:
        withValue(out, a, arg,
                  fmt::format("if (!a.any_{0} || x < {1}) {{ {2} a.any_{0} = true; }}", j,
                              str ? fmt::format("std::string_view(a.v_{})", j) : fmt::format("a.v_{}", j), assign));
        break;
      case AggKind::Max:
        withValue(out, a, arg,
                  fmt::format("if (!a.any_{0} || x > {1}) {{ {2} a.any_{0} = true; }}", j,
                              str ? fmt::format("std::string_view(a.v_{})", j) : fmt::format("a.v_{}", j), assign));
        break;
      case AggKind::First:
        withValue(out, a, arg, fmt::format("if (!a.any_{0}) {{ {1} a.any_{0} = true; a.seq_{0} = seq; }}", j, assign));
        break;
      case AggKind::Last:
        withValue(out, a, arg, fmt::format("{1} a.any_{0} = true; a.seq_{0} = seq;", j, assign));
        break;
      case AggKind::Stddev: withValue(out, a, arg, fmt::format("a.v_{}.add(static_cast<double>(x));", j)); break;
      case AggKind::Percentile:
        withValue(out, a, arg, fmt::format("a.q_{}.add(static_cast<double>(x));", j));
        break;
    }
  }
  out.close();
}

// ------------------------------------------------------------------ output rows

namespace {

// The final value of aggregate j from accumulator `a` (an expression of
// exactly the column's C++ type).
std::string finalValue(const AggregateSpec& a, size_t j, const std::string& acc) {
  ast::Type t = a.outType;
  auto maybe = [&](const std::string& value, const std::string& present) {
    if (!t.nullable) return value;
    return fmt::format("{}{{{}, !({})}}", cppTypeOf(t), value, present);
  };
  switch (a.kind) {
    case AggKind::CountStar:
    case AggKind::Count:
    case AggKind::CountDistinct: return fmt::format("{}.n_{}", acc, j);
    case AggKind::Sum: return maybe(fmt::format("{}.s_{}", acc, j), fmt::format("{}.any_{}", acc, j));
    case AggKind::Avg: {
      std::string value = a.argType.base == BaseType::Float
                              ? fmt::format("{0}.n_{1} ? {0}.s_{1} / static_cast<double>({0}.n_{1}) : 0.0", acc, j)
                              : fmt::format("{0}.n_{1} ? flow::agg::averageOf({0}.s_{1}, {0}.n_{1}) : 0.0", acc, j);
      return maybe("(" + value + ")", fmt::format("{}.n_{} > 0", acc, j));
    }
    case AggKind::Min:
    case AggKind::Max:
    case AggKind::First:
    case AggKind::Last: {
      std::string value = a.argType.base == BaseType::String ? fmt::format("std::string_view({}.v_{})", acc, j)
                                                             : fmt::format("{}.v_{}", acc, j);
      return maybe(value, fmt::format("{}.any_{}", acc, j));
    }
    case AggKind::Stddev: return fmt::format("{}.v_{}.stddev()", acc, j);
    case AggKind::Percentile: {
      std::string value = fmt::format("{}.q_{}.quantile({})", acc, j, a.percentile);
      return maybe(fmt::format("({}.q_{}.count() ? {} : 0.0)", acc, j, value), fmt::format("{}.q_{}.count() > 0", acc, j));
    }
  }
  return {};
}

}  // namespace

// The group row: key columns, window columns (windowed), then aggregates.
Row aggregateOutputRow(Emitter& e, const Node& n, CodeWriter& out, const std::string& entry,
                       const std::string& acc) {
  Row row;
  for (size_t k = 0; k < n.groupKeys.size(); ++k) row.push_back({fmt::format("{}.key.k{}", entry, k), n.schema[k].type});
  if (windowed(n)) {
    ast::Type ts{BaseType::Timestamp, false};
    row.push_back({"w.start", ts});
    row.push_back({"w.end", ts});
    // a window over a window is complete only if every input row was (Acc_N::pin)
    row.push_back({isCascade(e, n) ? fmt::format("(w.complete && !{}.pin)", acc) : "w.complete", {BaseType::Bool, false}});
  }
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  for (size_t j = 0; j < specs.size(); ++j) {
    std::string name = fmt::format("v_{}", j);
    out.line(fmt::format("const {} {} = {};  // {}", cppTypeOf(specs[j].outType), name, finalValue(specs[j], j, acc),
                         cppCommentText(specs[j].text)));
    row.push_back({name, specs[j].outType});
  }
  return row;
}

void emitAggregateRowFunction(Emitter& e, const Node& n) {
  Emitter::BreakerSlot& slot = e.breaker(n.id);
  CodeWriter& out = slot.rowFunction;
  out.note(fmt::format("One group of {} through the operators after it.", e.nodeTitle(n)));
  out.open(fmt::format(
      "std::string_view groupRow_{0}([[maybe_unused]] Handler& h, const Table_{0}::Entry& g, {1}Rows& rows)", n.id,
      windowed(n) ? "[[maybe_unused]] const flow::agg::WindowRow& w, " : ""));
  out.line(fmt::format("[[maybe_unused]] const Acc_{}& a = g.acc;", n.id));
  Row row = aggregateOutputRow(e, n, out, "g", "a");
  emitRowFunctionBody(e, out, n, row);
}

void emitAggregateClear(Emitter& e, CodeWriter& out, const Node& n) {
  out.line(fmt::format("h.agg_{}.clear();", n.id));
  if (isSession(n)) out.line(fmt::format("h.sess_{}.clear();", n.id));
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  for (size_t j = 0; j < specs.size(); ++j) {
    if (specs[j].kind == AggKind::CountDistinct) out.line(fmt::format("h.dset_{}_{}.clear();", n.id, j));
  }
}

void emitAggregateFlush(Emitter& e, CodeWriter& out, const Node& n) {
  if (windowed(n)) {
    emitWindowedAggregateFlush(e, out, n);
    return;
  }
  out.note(fmt::format("Every group of {}, in first-seen order, then a fresh table (per batch).", e.nodeTitle(n)));
  out.open(fmt::format("void flush_{}(Handler& h, flow::Reply& reply)", n.id));
  out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", n.id));
  emitFlushRow(e, out, fmt::format("groupRow_{0}(h, h.agg_{0}[i], rows)", n.id), n.stream,
               fmt::format("keyJson_{0}(key, h.agg_{0}[i].key)", n.id));
  out.close();
  emitFlushChildren(e, out, n.id);
  emitAggregateClear(e, out, n);
  out.close();
  out.blank();
}

}  // namespace flowc::codegen::detail
