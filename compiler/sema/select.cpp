// One stream's select, clause by clause in the order SQL evaluates them:
// FROM and joins (names, aliases, the key equality of a lookup join), where,
// group by (keys and the window), the select list (`*` expansion, output
// names), having, order by; then aggregate slots, the group-by rule for
// columns, and the state model (window.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "sema/analyzer.h"
#include "sema/functions.h"
#include "syntax/ast_print.h"

namespace flowc::sema::detail {

using ast::BaseType;
using ast::Expr;
using ast::ExprKind;

namespace {

std::string qualifierOf(const ast::TableRef& ref) {
  return ref.alias.empty() ? ref.name : ref.alias;
}
SourceRange qualifierRange(const ast::TableRef& ref) {
  return ref.alias.empty() ? ref.range : ref.aliasRange;
}

std::vector<std::string> relationNames(const std::map<std::string, Relation*>& relations,
                                       std::initializer_list<ast::RelationKind> kinds) {
  std::vector<std::string> names;
  for (const auto& [name, rel] : relations) {
    if (std::find(kinds.begin(), kinds.end(), rel->kind) != kinds.end()) names.push_back(name);
  }
  return names;
}

std::string didYouMean(const std::string& name, const std::vector<std::string>& candidates) {
  std::string close = closestName(name, candidates);
  return close.empty() ? std::string() : fmt::format("did you mean '{}'?", close);
}

void resolveFrom(ast::SelectStmt& s, Relation& self, const std::map<std::string, Relation*>& relations,
                 SelectScope& scope, Diagnostics& diags) {
  Input from;
  from.qualifier = qualifierOf(s.from);
  from.range = s.from.range;
  auto it = relations.find(s.from.name);
  if (it == relations.end()) {
    diags.error(s.from.range, fmt::format("unknown source or stream {}", quoted(s.from.name)),
                didYouMean(s.from.name,
                           relationNames(relations, {ast::RelationKind::Source, ast::RelationKind::Stream})));
  } else if (it->second->kind == ast::RelationKind::Table) {
    diags.error(
        s.from.range, fmt::format("cannot select from table {}; join it instead", quoted(s.from.name)),
        fmt::format("e.g. select … from clicks c join {} k on c.country = k.{}", s.from.name,
                    it->second->table && !it->second->table->key.empty() ? it->second->table->key : "code"));
    // Its columns are known: keep resolving names against them (the plan never runs).
    from.relation = it->second;
    from.rejected = true;
    self.complete = false;
  } else if (it->second != &self) {  // reading itself is a cycle, reported with the others
    from.relation = it->second;
  }
  if (!from.relation) scope.suppressUnknown = true;
  self.origin = from.relation ? from.relation->origin : nullptr;
  if (!from.relation || !from.relation->complete) self.complete = false;
  scope.inputs.push_back(from);
}

void resolveJoinTables(ast::SelectStmt& s, const std::map<std::string, Relation*>& relations,
                       SelectScope& scope, Diagnostics& diags) {
  for (ast::JoinClause& j : s.joins) {
    Input in;
    in.qualifier = qualifierOf(j.table);
    in.range = j.table.range;
    in.nullable = j.left;
    auto it = relations.find(j.table.name);
    if (it == relations.end()) {
      diags.error(j.table.range, fmt::format("unknown table {}", quoted(j.table.name)),
                  didYouMean(j.table.name, relationNames(relations, {ast::RelationKind::Table})));
    } else if (it->second->kind != ast::RelationKind::Table) {
      diags.error(j.table.range,
                  fmt::format("cannot join {} {}: joining two streams needs state flowc does not carry; only "
                              "lookup joins with a table are supported",
                              it->second->kind == ast::RelationKind::Source ? "source" : "stream",
                              quoted(j.table.name)),
                  "declare reference data as `table t from file 'data.csv' (…) key k` and join that");
      in.relation = it->second;  // its columns are known, so names still resolve
      in.rejected = true;
    } else {
      in.relation = it->second;
    }
    for (const Input& prev : scope.inputs) {
      if (prev.qualifier == in.qualifier) {
        diags.error(qualifierRange(j.table),
                    fmt::format("{} names two inputs of this select", quoted(in.qualifier)),
                    fmt::format("give one of them an alias, e.g. join {} {}2", j.table.name, in.qualifier));
        in.duplicateQualifier = true;
        break;
      }
    }
    scope.inputs.push_back(in);
  }
}

// True when every column `e` reads is an input before `limit` (and it reads no window column).
bool readsOnlyInputsBefore(const Expr& e, int limit) {
  if (e.kind == ExprKind::ColumnRef && (e.binding.input < 0 || e.binding.input >= limit)) return false;
  for (const ast::ExprPtr& a : e.args) {
    if (!readsOnlyInputsBefore(*a, limit)) return false;
  }
  return true;
}

// A lookup join matches the table's key with one value per row:
// `on <expr over the FROM side> = k.key`, in either order. The equality's
// operands are typed here rather than as a comparison, so that a type
// mismatch is reported in terms of the join.
void resolveJoinCondition(ast::JoinClause& j, int joinIndex, SelectScope& scope, Diagnostics& diags) {
  Expr& on = *j.on;
  ExprContext ctx;
  ctx.clause = Clause::JoinOn;
  ctx.visibleInputs = joinIndex + 2;
  const bool equality = on.kind == ExprKind::Binary && on.op == ast::Op::Eq;
  if (!equality) {
    resolveExpr(on, scope, ctx, diags);
  } else {
    on.type = {BaseType::Error, false};
    for (ast::ExprPtr& a : on.args) resolveExpr(*a, scope, ctx, diags);
    if (!isError(*on.args[0]) && !isError(*on.args[1])) {
      on.type = {BaseType::Bool, on.args[0]->type.nullable || on.args[1]->type.nullable};
    }
  }
  const Input& table = scope.inputs[joinIndex + 1];
  if (isError(on) || !table.relation || table.relation->keyColumn < 0 || table.duplicateQualifier) return;
  const int tableInput = joinIndex + 1;
  const int key = table.relation->keyColumn;
  const std::string keyName = table.qualifier + "." + table.relation->columns[key].name;
  auto isKey = [&](const Expr& x) {
    return x.kind == ExprKind::ColumnRef && x.binding.input == tableInput && x.binding.column == key;
  };
  const Expr* other = nullptr;
  const Expr* keySide = nullptr;
  if (equality) {
    for (int side = 0; side < 2; ++side) {
      const Expr& a = *on.args[side];
      const Expr& b = *on.args[1 - side];
      if (isKey(a) && readsOnlyInputsBefore(b, 1)) {
        keySide = &a;
        other = &b;
        break;
      }
    }
  }
  if (!other) {
    diags.error(
        on.range,
        fmt::format("a join with table '{}' must match its key {} with an expression over {}",
                    table.relation->name, quoted(keyName), quoted(scope.inputs[0].qualifier)),
        fmt::format("a table join matches on its key: write on <expr> = {}; move other conditions to where",
                    keyName));
    return;
  }
  if (other->type.base != keySide->type.base) {
    diags.error(
        on.range,
        fmt::format("join key types differ: {} is {}, {} is {}", ast::printExpr(*other),
                    ast::baseTypeName(other->type.base), keyName, ast::baseTypeName(keySide->type.base)),
        fmt::format("convert one side, e.g. cast({} as {})", ast::printExpr(*other),
                    ast::baseTypeName(keySide->type.base)));
    on.type = {BaseType::Error, false};
  }
}

void checkCondition(const Expr& e, const char* clause, Diagnostics& diags) {
  if (isError(e) || e.type.base == BaseType::Bool || e.type.base == BaseType::Null) return;
  diags.error(e.range, fmt::format("{} needs a bool condition, got {}", clause, ast::typeName(e.type)));
}

bool isInputColumn(const SelectScope& scope, const std::string& name) {
  for (const Input& in : scope.inputs) {
    if (in.relation && in.relation->findColumn(name) >= 0) return true;
  }
  return false;
}

bool containsAggregate(const Expr& e) {
  if (e.kind == ExprKind::Call && functionKind(lower(e.name)) == FunctionKind::Aggregate) return true;
  for (const ast::ExprPtr& a : e.args) {
    if (containsAggregate(*a)) return true;
  }
  return false;
}

// `group by 1` and `group by alias` name a select item, as in PostgreSQL:
// the item's expression replaces the group-by item (resolved on its own).
void substituteGroupByItem(ast::ExprPtr& item, const ast::SelectStmt& s, const SelectScope& scope,
                           Diagnostics& diags, bool& substituted) {
  substituted = false;
  const Expr& g = *item;
  const ast::SelectItem* target = nullptr;
  if (g.kind == ExprKind::Literal && std::holds_alternative<int64_t>(g.value)) {
    int64_t n = std::get<int64_t>(g.value);
    if (n < 1 || n > static_cast<int64_t>(s.items.size()) || s.items[n - 1].star) {
      diags.error(g.range, fmt::format("group by {} does not name a select item", n),
                  "a number in group by is the position of an expression in the select list");
      item->type = {BaseType::Error, false};
      substituted = true;
      return;
    }
    target = &s.items[n - 1];
  } else if (g.kind == ExprKind::ColumnRef && g.qualifier.empty() && !isInputColumn(scope, g.name)) {
    for (const ast::SelectItem& it : s.items) {
      if (!it.star && it.alias == g.name) {
        target = &it;
        break;
      }
    }
  }
  if (!target) return;
  substituted = true;
  SourceRange range = g.range;
  item = ast::cloneExpr(*target->expr);
  item->range = range;
}

// ---------------------------------------------------------------- the select list

// `*` multiplies columns (`select *, *` over `select *, *` …), so a stream's
// width is bounded before it can grow without end; real events are far narrower.
constexpr size_t kMaxColumns = 2000;

struct Output {
  Expr* expr = nullptr;
  std::string name;
  SourceRange range;
  bool fromStar = false;
  bool fromComplete = true;  // a `*` column from an input known in full
  bool aliased = false;
  size_t item = 0;
};

void expandStar(ast::SelectItem& item, size_t itemIndex, ast::SelectStmt& s, SelectScope& scope,
                Relation& self, std::vector<Output>& outputs, Diagnostics& diags) {
  std::vector<int> chosen;
  if (item.starQualifier.empty()) {
    for (int i = 0; i < static_cast<int>(scope.inputs.size()); ++i) chosen.push_back(i);
  } else {
    for (int i = 0; i < static_cast<int>(scope.inputs.size()); ++i) {
      if (scope.inputs[i].qualifier == item.starQualifier) chosen.push_back(i);
    }
    if (chosen.empty()) {
      std::vector<std::string> qualifiers;
      for (const Input& in : scope.inputs) qualifiers.push_back(in.qualifier);
      diags.error(
          item.range,
          fmt::format("unknown qualifier {} in '{}.*'", quoted(item.starQualifier), item.starQualifier),
          didYouMean(item.starQualifier, qualifiers));
      self.complete = false;
      return;
    }
    chosen.resize(1);
  }
  bool qualify = scope.inputs.size() > 1;
  for (int i : chosen) {
    const Input& in = scope.inputs[i];
    if (!in.relation || !in.relation->complete) self.complete = false;
    if (!in.relation) continue;
    for (int c = 0; c < static_cast<int>(in.relation->columns.size()); ++c) {
      const ast::Column& col = in.relation->columns[c];
      if (col.metadata) continue;  // `_arrival_time` and friends are read by name only
      if (outputs.size() >= kMaxColumns) {
        if (in.relation->complete) {
          diags.error(
              item.range,
              fmt::format("'*' makes stream '{}' wider than {} columns", scope.streamName, kMaxColumns),
              "name the columns you need");
        }
        self.complete = false;
        return;
      }
      auto ref = std::make_unique<Expr>();
      ref->kind = ExprKind::ColumnRef;
      ref->range = item.range;
      ref->name = col.name;
      if (qualify) ref->qualifier = in.qualifier;
      ref->binding = {i, c};
      ref->type = col.type;
      if (in.nullable) ref->type.nullable = true;
      Output out;
      out.expr = ref.get();
      out.name = col.name;
      out.range = item.range;
      out.fromStar = true;
      out.fromComplete = in.relation->complete;
      out.item = itemIndex;
      outputs.push_back(out);
      s.expandedStar.push_back(std::move(ref));
    }
  }
}

std::string outputName(const Expr& e, size_t position) {
  if (e.kind == ExprKind::ColumnRef) return e.name;
  if (e.kind == ExprKind::Call) return e.function.empty() ? lower(e.name) : e.function;
  return fmt::format("col_{}", position + 1);
}

ColumnOrigin originOf(const Expr& e, const SelectScope& scope) {
  if (e.kind != ExprKind::ColumnRef) return ColumnOrigin::Other;
  if (e.binding.input == kWindowInput && e.binding.column == kWindowEnd) return ColumnOrigin::WindowEnd;
  if (e.binding.input != 0) return ColumnOrigin::Other;
  const Relation* from = scope.inputs[0].relation;
  if (!from || e.binding.column < 0 || e.binding.column >= static_cast<int>(from->origins.size())) {
    return ColumnOrigin::Other;
  }
  return from->origins[e.binding.column];
}

bool isMetadataRef(const Expr& e, const SelectScope& scope) {
  if (e.kind != ExprKind::ColumnRef || e.binding.input < 0) return false;
  const Relation* r = scope.inputs[e.binding.input].relation;
  return r && e.binding.column < static_cast<int>(r->columns.size()) && r->columns[e.binding.column].metadata;
}

ast::ExprPtr outputRef(const Output& out, int index, SourceRange range) {
  auto ref = std::make_unique<Expr>();
  ref->kind = ExprKind::ColumnRef;
  ref->range = range;
  ref->name = out.name;
  ref->binding = {kOutputInput, index};
  ref->type = out.expr->type;
  return ref;
}

// ---------------------------------------------------------------- aggregates and group by

void collectAggregates(Expr& e, ast::SelectStmt& s) {
  if (e.kind == ExprKind::Call && e.callKind == ast::CallKind::Aggregate) {
    for (size_t i = 0; i < s.aggregates.size(); ++i) {
      if (ast::sameExpr(*s.aggregates[i], e)) {
        e.aggregateSlot = static_cast<int>(i);
        return;
      }
    }
    e.aggregateSlot = static_cast<int>(s.aggregates.size());
    s.aggregates.push_back(&e);
    return;  // an aggregate inside an aggregate was reported when resolving
  }
  for (ast::ExprPtr& a : e.args) collectAggregates(*a, s);
}

// The first column or aggregate an order-by item reads that is not an
// output column (null when it reads outputs only). `select distinct` sorts
// its distinct output rows, so nothing else is there to sort by: the same
// rule as the planner's TopN over the output row (plan/build_stream.cpp,
// overOutput), and PostgreSQL's.
const Expr* firstNotOutput(const Expr& e, const std::vector<Expr*>& outputExprs) {
  if (e.kind == ExprKind::ColumnRef && e.binding.input == kOutputInput) return nullptr;
  if (e.kind != ExprKind::Literal) {
    for (const Expr* out : outputExprs) {
      if (ast::sameExpr(e, *out)) return nullptr;
    }
  }
  if (e.kind == ExprKind::ColumnRef || (e.kind == ExprKind::Call && e.callKind == ast::CallKind::Aggregate)) return &e;
  for (const ast::ExprPtr& a : e.args) {
    if (const Expr* f = firstNotOutput(*a, outputExprs)) return f;
  }
  return nullptr;
}

const Expr* firstAggregate(const Expr& e) {
  if (e.kind == ExprKind::Call && e.callKind == ast::CallKind::Aggregate) return &e;
  for (const ast::ExprPtr& a : e.args) {
    if (const Expr* f = firstAggregate(*a)) return f;
  }
  return nullptr;
}

// Marks sub-expressions equal to a group key (outermost match) and reports a
// column read outside an aggregate that is not grouped. Returns false after
// an error, so that one `*` reports once.
bool checkGrouped(Expr& e, const std::vector<const Expr*>& keys, Diagnostics& diags) {
  if (isError(e)) return true;
  for (size_t k = 0; k < keys.size(); ++k) {
    if (!isError(*keys[k]) && ast::sameExpr(e, *keys[k])) {
      e.groupKeySlot = static_cast<int>(k);
      return true;
    }
  }
  if (e.kind == ExprKind::Call && e.callKind == ast::CallKind::Aggregate) return true;
  if (e.kind == ExprKind::ColumnRef) {
    if (e.binding.input < 0) return true;  // window columns and output columns
    diags.error(e.range,
                fmt::format("column {} must appear in group by or be used in an aggregate", quoted(e.name)),
                fmt::format("add {} to group by, or aggregate it, e.g. first({})", e.name, e.name));
    return false;
  }
  bool ok = true;
  for (ast::ExprPtr& a : e.args) ok = checkGrouped(*a, keys, diags) && ok;
  return ok;
}

}  // namespace

void analyzeSelect(ast::StreamDecl& stream, Relation& rel, const std::map<std::string, Relation*>& relations,
                   Diagnostics& diags) {
  ast::SelectStmt& s = stream.select;
  s.aggregates.clear();
  s.window = {};
  s.stateModel = ast::StateModel::Stateless;
  s.expandedStar.clear();
  s.outputExprs.clear();
  rel.columns.clear();
  rel.origins.clear();
  rel.columnIndex.clear();

  SelectScope scope;
  scope.select = &s;
  scope.streamName = stream.name;
  resolveFrom(s, rel, relations, scope, diags);
  resolveJoinTables(s, relations, scope, diags);
  const int allInputs = static_cast<int>(scope.inputs.size());
  for (const ast::SelectItem& item : s.items) {
    if (!item.alias.empty()) scope.outputNames.push_back(item.alias);
  }

  // Join conditions see the FROM side and the tables joined so far.
  for (size_t i = 0; i < s.joins.size(); ++i) {
    if (s.joins[i].on) resolveJoinCondition(s.joins[i], static_cast<int>(i), scope, diags);
  }

  if (s.where) {
    ExprContext ctx;
    ctx.clause = Clause::Where;
    ctx.visibleInputs = allInputs;
    resolveExpr(*s.where, scope, ctx, diags);
    checkCondition(*s.where, "where", diags);
  }

  // Group by: keys, and at most one window.
  for (size_t i = 0; i < s.groupBy.size(); ++i) {
    ast::ExprPtr& item = s.groupBy[i];
    bool substituted = false;
    substituteGroupByItem(item, s, scope, diags, substituted);
    if (substituted && isError(*item) && item->kind == ExprKind::Literal) continue;
    if (item->kind == ExprKind::Call && functionKind(lower(item->name)) == FunctionKind::Window) {
      if (scope.windowed) {
        item->callKind = ast::CallKind::Window;
        item->function = lower(item->name);
        item->type = {BaseType::Error, false};
        diags.error(item->range, "a group by takes at most one window");
        continue;
      }
      scope.windowed = true;
      analyzeWindowCall(*item, static_cast<int>(i), scope, diags);
      continue;
    }
    ExprContext ctx;
    ctx.clause = Clause::GroupBy;
    ctx.visibleInputs = allInputs;
    if (substituted) {
      // The select item reports its own errors; here only what group by adds.
      Diagnostics scratch;
      resolveExpr(*item, scope, ctx, scratch);
      if (scratch.hasErrors() && containsAggregate(*item)) {
        diags.error(item->range,
                    fmt::format("group by names {}, which is an aggregate", ast::printExpr(*item)));
      }
    } else {
      resolveExpr(*item, scope, ctx, diags);
    }
  }

  // The select list.
  std::vector<Output> outputs;
  {
    ExprContext ctx;
    ctx.clause = Clause::Select;
    ctx.aggregatesAllowed = true;
    ctx.windowColumns = scope.windowed;
    ctx.visibleInputs = allInputs;
    for (size_t i = 0; i < s.items.size(); ++i) {
      ast::SelectItem& item = s.items[i];
      if (item.star) {
        expandStar(item, i, s, scope, rel, outputs, diags);
        continue;
      }
      if (!item.expr) throw InternalError("select item without an expression");
      resolveExpr(*item.expr, scope, ctx, diags);
      Output out;
      out.expr = item.expr.get();
      out.range = item.range;
      out.item = i;
      out.aliased = !item.alias.empty();
      out.name = out.aliased ? item.alias : outputName(*item.expr, outputs.size());
      outputs.push_back(out);
    }
  }
  for (const Output& out : outputs) {
    if (out.aliased) scope.aliases.emplace_back(out.name, out.expr);
  }
  std::vector<size_t> starsWithDuplicates;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Output& out = outputs[i];
    s.outputExprs.push_back(out.expr);
    const ast::SelectItem& item = s.items[out.item];
    if (out.aliased && !out.name.empty() && out.name[0] == '_') {
      diags.error(item.aliasRange, fmt::format("names starting with '_' are reserved: {}", quoted(out.name)),
                  fmt::format("name it without the underscore, e.g. as {}",
                              out.name.substr(1).empty() ? std::string("value") : out.name.substr(1)));
    }
    if (rel.findColumn(out.name) >= 0) {
      // Once per `*` item, and not again for what an incomplete input repeats.
      bool report = !out.fromStar ||
                    (out.fromComplete && std::find(starsWithDuplicates.begin(), starsWithDuplicates.end(),
                                                   out.item) == starsWithDuplicates.end());
      if (report) {
        diags.error(
            out.aliased ? item.aliasRange : out.range,
            fmt::format("duplicate column {} in the select list; name it with `as`", quoted(out.name)));
      }
      if (out.fromStar) starsWithDuplicates.push_back(out.item);
      rel.complete = false;  // later streams would repeat the duplicate
    }
    if (out.expr->type.base == BaseType::Null) {
      // A column must have a type for its sinks and for later streams; a bare
      // null has none.
      diags.error(out.range, fmt::format("the type of column {} is unknown: it is always null", quoted(out.name)),
                  "give it a type, e.g. cast(null as string)");
    }
    ast::Column col;
    col.name = out.name;
    col.type = out.expr->type;
    col.metadata = !out.aliased && isMetadataRef(*out.expr, scope);
    col.range = out.range;
    rel.addColumn(col, originOf(*out.expr, scope));
  }

  if (s.having) {
    if (s.groupBy.empty()) {
      diags.error(s.having->range, "having needs a group by", "use where to filter rows");
    }
    ExprContext ctx;
    ctx.clause = Clause::Having;
    ctx.aggregatesAllowed = true;
    ctx.windowColumns = scope.windowed;
    ctx.visibleInputs = allInputs;
    resolveExpr(*s.having, scope, ctx, diags);
    checkCondition(*s.having, "having", diags);
  }

  // Order by: a bare name or a position names an output column; otherwise
  // an expression like a select item's (replaced by the output it equals).
  for (ast::OrderItem& o : s.orderBy) {
    if (!o.expr) continue;
    Expr& e = *o.expr;
    int named = -1;
    if (e.kind == ExprKind::ColumnRef && e.qualifier.empty()) {
      for (size_t i = 0; i < outputs.size(); ++i) {
        if (outputs[i].name == e.name) {
          named = static_cast<int>(i);
          break;
        }
      }
    } else if (e.kind == ExprKind::Literal && std::holds_alternative<int64_t>(e.value)) {
      int64_t n = std::get<int64_t>(e.value);
      if (n < 1 || n > static_cast<int64_t>(outputs.size())) {
        diags.error(e.range,
                    fmt::format("order by {} does not name an output column: the select list has {}", n,
                                outputs.size()),
                    "a number in order by is the position of a column in the select list");
        e.type = {BaseType::Error, false};
        continue;
      }
      named = static_cast<int>(n - 1);
    }
    if (named < 0) {
      ExprContext ctx;
      ctx.clause = Clause::OrderBy;
      ctx.aggregatesAllowed = true;
      ctx.windowColumns = scope.windowed;
      ctx.visibleInputs = allInputs;
      resolveExpr(e, scope, ctx, diags);
      if (!isError(e)) {
        for (size_t i = 0; i < outputs.size(); ++i) {
          if (ast::sameExpr(e, *outputs[i].expr)) {
            named = static_cast<int>(i);
            break;
          }
        }
      }
    }
    if (named >= 0) {
      o.expr = outputRef(outputs[named], named, e.range);
    } else if (s.distinct && !isError(e)) {
      if (const Expr* missing = firstNotOutput(e, s.outputExprs)) {
        diags.error(missing->range,
                    fmt::format("order by reads {}, which select distinct does not output",
                                quoted(ast::printExpr(*missing))),
                    "add it to the select list, or sort by an output column");
        e.type = {BaseType::Error, false};
      }
    }
  }

  // Aggregates, numbered in the order they appear (select, having, order by).
  std::vector<Expr*> postAggregate(s.outputExprs.begin(), s.outputExprs.end());
  if (s.having) postAggregate.push_back(s.having.get());
  for (ast::OrderItem& o : s.orderBy) {
    if (o.expr) postAggregate.push_back(o.expr.get());
  }
  for (Expr* e : postAggregate) collectAggregates(*e, s);

  if (s.groupBy.empty()) {
    for (Expr* e : postAggregate) {
      if (const Expr* agg = firstAggregate(*e); agg && !isError(*agg)) {
        diags.error(agg->range, fmt::format("aggregate {} needs a group by", quoted(agg->function)),
                    "add `group by` keys (per-batch) or a window such as tumble(_arrival_time, 1 minute)");
        break;
      }
    }
  } else if (std::none_of(s.groupBy.begin(), s.groupBy.end(), [](const ast::ExprPtr& g) {
               return isError(*g) && g->callKind != ast::CallKind::Window;
             })) {
    // (A key that did not resolve would make every use of it look ungrouped.)
    std::vector<const Expr*> keys = groupKeys(s);
    std::vector<size_t> reportedStars;
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i].fromStar &&
          std::find(reportedStars.begin(), reportedStars.end(), outputs[i].item) != reportedStars.end()) {
        continue;
      }
      if (!checkGrouped(*outputs[i].expr, keys, diags) && outputs[i].fromStar) {
        reportedStars.push_back(outputs[i].item);
      }
    }
    if (s.having) checkGrouped(*s.having, keys, diags);
    for (ast::OrderItem& o : s.orderBy) {
      if (o.expr) checkGrouped(*o.expr, keys, diags);
    }
  }

  decideStateModel(stream, scope, diags);
}

}  // namespace flowc::sema::detail
