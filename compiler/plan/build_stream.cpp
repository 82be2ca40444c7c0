// Plans one `stream NAME as select …`: the chain of operators described at
// the top of plan.h, each expression copied so that its ColumnRefs read the
// operator's own input row.
//
// Sema binds a ColumnRef to {input, column} of the statement's inputs (0 =
// FROM, 1 + i = joins[i]'s table). The planner turns that into positions in
// the rows the operators actually see:
//   - below the Aggregate, the row is FROM's columns then each joined
//     table's, so {1 + i, c} becomes {0, offset(i) + c};
//   - a Join reads that row as input 0 and its own table as input 1;
//   - above the Aggregate, the row is the Aggregate's output: a group key,
//     an aggregate call or a window column ({sema::kWindowInput, k}) becomes
//     a ColumnRef to its column;
//   - an order-by ColumnRef {sema::kOutputInput, i} names output column i.
#include <fmt/format.h>

#include <algorithm>

#include "plan/builder.h"
#include "syntax/ast_print.h"

namespace flowc::plan::detail {

namespace {

using ast::ColumnBinding;
using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;

constexpr const char* kWindowColumnNames[] = {"window_start", "window_end", "window_complete"};

// The smallest range holding every non-empty one (empty ones say "unknown").
SourceRange coverRanges(const std::vector<SourceRange>& ranges) {
  SourceRange out;
  bool any = false;
  for (SourceRange r : ranges) {
    if (r.empty()) continue;
    out = any ? SourceRange::cover(out, r) : r;
    any = true;
  }
  return out;
}

bool readsInput(const Expr& e, int input) {
  if (e.kind == ExprKind::ColumnRef && e.binding.input == input) return true;
  for (const ExprPtr& a : e.args) {
    if (readsInput(*a, input)) return true;
  }
  return false;
}

ast::Column makeColumn(const std::string& name, ast::Type type, SourceRange range) {
  ast::Column c;
  c.name = name;
  c.type = type;
  c.range = range;
  return c;
}

class StreamPlanner {
 public:
  StreamPlanner(Builder& b, const ast::StreamDecl& decl)
      : b_(b), decl_(decl), sel_(decl.select), out_(b.relation(decl.name)) {}

  void run() {
    if (sel_.outputExprs.size() != out_.columns.size()) {
      throw InternalError(fmt::format("plan: stream '{}' has {} output expressions for {} columns",
                                      decl_.name, sel_.outputExprs.size(), out_.columns.size()));
    }
    const sema::Relation& from = b_.relation(sel_.from.name);
    row_ = from.columns;
    offsets_.push_back(0);
    for (size_t j = 0; j < sel_.joins.size(); ++j) planJoin(j);

    if (sel_.where) {
      Node& n = addOp(OpKind::Filter, sel_.where->range);
      n.predicate = copyExpr(*sel_.where, rebindRow());
      finish(n, row_);
    }

    grouped_ = !sel_.groupBy.empty();
    if (grouped_) {
      planAggregate();
      if (sel_.having) {
        Node& n = addOp(OpKind::Filter, sel_.having->range);
        n.predicate = copyExpr(*sel_.having, aboveAggregate(), unreachableRebind());
        finish(n, row_);
      }
    }

    // The sort keys read the Project's output when they can (the usual case,
    // and the only one SQL allows with `distinct`); otherwise the TopN runs
    // under the Project, where every input column is still there.
    bool hasTopN = !sel_.orderBy.empty() || sel_.limit.has_value();
    bool sortAboveProject = true;
    if (hasTopN && !sel_.distinct) sortAboveProject = sortableOverOutput();
    if (hasTopN && !sortAboveProject) planTopN(/*overOutput=*/false);
    planProject();
    if (sel_.distinct) {
      Node& n = addOp(OpKind::Distinct, sel_.distinctRange.empty() ? sel_.range : sel_.distinctRange);
      copyWindow(n);
      finish(n, row_);
    }
    if (hasTopN && sortAboveProject) planTopN(/*overOutput=*/true);
    b_.producer[decl_.name] = last_;
  }

 private:
  Node& addOp(OpKind kind, SourceRange range) {
    Node& n = b_.add(kind, decl_.name, range);
    if (last_ == 0) {
      b_.pendingInputs.emplace_back(n.id, sel_.from.name);
    } else {
      n.inputs.push_back(last_);
    }
    return n;
  }

  void finish(Node& n, std::vector<ast::Column> schema) {
    n.schema = std::move(schema);
    row_ = n.schema;
    last_ = n.id;
  }

  void copyWindow(Node& n) const {
    if (!grouped_) return;
    n.window = window_;
    n.stateModel = sel_.stateModel;
    n.emit = sel_.emit;
  }

  // ------------------------------------------------------------ joins

  ColumnBinding joinedBinding(const Expr& e, size_t inputsVisible) const {
    const ColumnBinding b = e.binding;
    if (b.input < 0 || static_cast<size_t>(b.input) >= inputsVisible || b.column < 0) {
      throw InternalError(fmt::format("plan: column '{}' in stream '{}' has no valid binding ({}, {})",
                                      e.name, decl_.name, b.input, b.column));
    }
    return {0, offsets_[static_cast<size_t>(b.input)] + b.column};
  }

  // Below the Aggregate, after every join.
  Rebind rebindRow() const {
    return [this](const Expr& e) { return joinedBinding(e, offsets_.size()); };
  }

  void planJoin(size_t j) {
    const ast::JoinClause& join = sel_.joins[j];
    const sema::Relation& table = b_.relation(join.table.name);
    if (!table.table)
      throw InternalError(fmt::format("plan: '{}' is joined but is no table", join.table.name));
    const int own = static_cast<int>(j) + 1;  // sema's input number for this table

    Node& n = addOp(OpKind::Join, join.range);
    n.table = table.table;
    n.leftJoin = join.left;
    Rebind rebind = [&](const Expr& e) -> ColumnBinding {
      if (e.binding.input == own) return {1, e.binding.column};
      return joinedBinding(e, j + 1);  // the FROM relation and the tables joined before this one
    };
    const Expr& on = *join.on;
    if (on.kind != ExprKind::Binary || on.op != ast::Op::Eq || on.args.size() != 2) {
      throw InternalError(fmt::format("plan: join with '{}' is not a key equality", join.table.name));
    }
    bool leftReadsTable = readsInput(*on.args[0], own);
    bool rightReadsTable = readsInput(*on.args[1], own);
    if (leftReadsTable == rightReadsTable) {
      throw InternalError(fmt::format("plan: join with '{}' has no side over the stream", join.table.name));
    }
    n.predicate = copyExpr(on, rebind);
    n.lookupKey = copyExpr(leftReadsTable ? *on.args[1] : *on.args[0], rebind);

    std::vector<ast::Column> schema = row_;
    offsets_.push_back(static_cast<int>(schema.size()));
    for (ast::Column c : table.columns) {
      if (join.left) c.type.nullable = true;  // a row without a match keeps nulls here
      schema.push_back(std::move(c));
    }
    finish(n, std::move(schema));
  }

  // ------------------------------------------------------------ aggregate

  bool windowed() const { return sel_.window.kind != ast::WindowKind::None; }

  // Key k (sema's groupKeySlot k) is named like the output column that
  // selects it, else like what it is.
  std::string keyName(size_t k) const {
    const Expr& key = *keys_[k];
    for (size_t i = 0; i < sel_.outputExprs.size(); ++i) {
      const Expr& oe = *sel_.outputExprs[i];
      if (oe.groupKeySlot == static_cast<int>(k) || ast::sameExpr(oe, key)) return out_.columns[i].name;
    }
    if (key.kind == ExprKind::ColumnRef) return key.name;
    return ast::printExpr(key);
  }

  std::string aggregateName(size_t slot) const {
    const Expr* agg = sel_.aggregates[slot];
    for (size_t i = 0; i < sel_.outputExprs.size(); ++i) {
      if (sel_.outputExprs[i] == agg) return out_.columns[i].name;
    }
    for (size_t i = 0; i < sel_.outputExprs.size(); ++i) {
      if (ast::sameExpr(*sel_.outputExprs[i], *agg)) return out_.columns[i].name;
    }
    return ast::printExpr(*agg);
  }

  void planAggregate() {
    SourceRange range = sel_.groupByRange;
    if (range.empty()) {
      std::vector<SourceRange> rs;
      for (const ExprPtr& g : sel_.groupBy) rs.push_back(g->range);
      range = coverRanges(rs);
    }
    Node& n = addOp(OpKind::Aggregate, range);
    Rebind rebind = rebindRow();
    std::vector<std::string> taken;
    if (windowed()) taken.assign(std::begin(kWindowColumnNames), std::end(kWindowColumnNames));

    // The keys come first, so key k is column k.
    std::vector<ast::Column> schema;
    keys_ = sema::groupKeys(sel_);
    for (size_t k = 0; k < keys_.size(); ++k) {
      const Expr& key = *keys_[k];
      std::string name = uniqueName(keyName(k), taken);
      schema.push_back(makeColumn(name, key.type, key.range));
      n.groupKeys.push_back({copyExpr(key, rebind), name});
    }
    if (windowed()) {
      window_ = sel_.window;
      if (window_.time.input >= 0) {
        Expr timeRef;
        timeRef.name = window_.timeColumn;
        timeRef.binding = window_.time;
        window_.time = joinedBinding(timeRef, offsets_.size());
      }
      const ast::Type ts{ast::BaseType::Timestamp, false};
      windowStart_ = static_cast<int>(schema.size());
      schema.push_back(makeColumn(kWindowColumnNames[sema::kWindowStart], ts, sel_.window.range));
      schema.push_back(makeColumn(kWindowColumnNames[sema::kWindowEnd], ts, sel_.window.range));
      schema.push_back(makeColumn(kWindowColumnNames[sema::kWindowComplete], {ast::BaseType::Bool, false},
                                  sel_.window.range));
    }
    for (size_t slot = 0; slot < sel_.aggregates.size(); ++slot) {
      const Expr* agg = sel_.aggregates[slot];
      if (!agg || agg->kind != ExprKind::Call || agg->callKind != ast::CallKind::Aggregate) {
        throw InternalError(
            fmt::format("plan: aggregate slot {} of stream '{}' is no aggregate call", slot, decl_.name));
      }
      std::string name = uniqueName(aggregateName(slot), taken);
      aggColumn_.push_back(static_cast<int>(schema.size()));
      schema.push_back(makeColumn(name, agg->type, agg->range));
      ExprPtr copy = copyExpr(*agg, rebind);
      copy->aggregateSlot = static_cast<int>(slot);
      n.aggregates.push_back({std::move(copy), name});
    }
    n.window = window_;
    n.stateModel = sel_.stateModel;
    n.emit = sel_.emit;
    finish(n, std::move(schema));
    aggregateSchema_ = row_;
  }

  ExprPtr aggregateColumn(int column, SourceRange range) const {
    return columnRef(column, aggregateSchema_[static_cast<size_t>(column)], range);
  }

  // Above the Aggregate every column read must be a key, an aggregate or a
  // window column; sema has checked that, so anything else is a bug.
  Replace aboveAggregate() const {
    return [this](const Expr& e) -> ExprPtr {
      const int keyCount = static_cast<int>(keys_.size());
      if (e.groupKeySlot >= 0 && e.groupKeySlot < keyCount) return aggregateColumn(e.groupKeySlot, e.range);
      if (e.kind == ExprKind::Call && e.callKind == ast::CallKind::Aggregate) {
        int slot = e.aggregateSlot;
        if (slot < 0 || slot >= static_cast<int>(sel_.aggregates.size())) {
          slot = -1;
          for (size_t s = 0; s < sel_.aggregates.size() && slot < 0; ++s) {
            if (ast::sameExpr(e, *sel_.aggregates[s])) slot = static_cast<int>(s);
          }
        }
        if (slot < 0) throw InternalError(fmt::format("plan: aggregate '{}' has no slot", ast::printExpr(e)));
        return aggregateColumn(aggColumn_[static_cast<size_t>(slot)], e.range);
      }
      if (e.kind == ExprKind::ColumnRef && e.binding.input == sema::kWindowInput) {
        if (windowStart_ < 0 || e.binding.column < 0 || e.binding.column > 2) {
          throw InternalError(
              fmt::format("plan: '{}' of stream '{}' names no window column", e.name, decl_.name));
        }
        return aggregateColumn(windowStart_ + e.binding.column, e.range);
      }
      // Sema marks group keys; matching them again keeps the plan right if
      // a key expression was left unmarked somewhere.
      if (e.kind != ExprKind::Literal) {
        for (int k = 0; k < keyCount; ++k) {
          const Expr& key = *keys_[static_cast<size_t>(k)];
          if (key.kind != ExprKind::Literal && ast::sameExpr(e, key)) return aggregateColumn(k, e.range);
        }
      }
      if (e.kind == ExprKind::ColumnRef) {
        throw InternalError(fmt::format("plan: column '{}' of stream '{}' is neither grouped nor aggregated",
                                        e.name, decl_.name));
      }
      return nullptr;
    };
  }

  static Rebind unreachableRebind() {
    return [](const Expr& e) -> ColumnBinding {
      throw InternalError(fmt::format("plan: column '{}' left unmapped above an aggregate", e.name));
    };
  }

  // ------------------------------------------------------------ project

  // An output expression over the Project's input.
  ExprPtr outputOverInput(size_t i) const {
    const Expr& oe = *sel_.outputExprs[i];
    if (grouped_) return copyExpr(oe, aboveAggregate(), unreachableRebind());
    return copyExpr(oe, rebindRow());
  }

  void planProject() {
    std::vector<SourceRange> ranges;
    for (const ast::SelectItem& item : sel_.items) ranges.push_back(item.range);
    SourceRange range = coverRanges(ranges);
    Node& n = addOp(OpKind::Project, range.empty() ? sel_.range : range);
    for (size_t i = 0; i < sel_.outputExprs.size(); ++i) {
      n.projections.push_back({outputOverInput(i), out_.columns[i].name});
    }
    finish(n, out_.columns);
  }

  // ------------------------------------------------------------ order by / limit

  // Sema turns an order-by item that names an output column (by name, by
  // position, or by repeating its expression) into {kOutputInput, column}.
  int outputNamed(const Expr& e) const {
    if (e.kind != ExprKind::ColumnRef || e.binding.input != sema::kOutputInput) return -1;
    if (e.binding.column < 0 || static_cast<size_t>(e.binding.column) >= out_.columns.size()) {
      throw InternalError(fmt::format("plan: order by '{}' of stream '{}' names output column {}", e.name,
                                      decl_.name, e.binding.column));
    }
    return e.binding.column;
  }

  Replace overOutput(bool* ok) const {
    return [this, ok](const Expr& e) -> ExprPtr {
      int i = outputNamed(e);
      if (i >= 0) return columnRef(i, out_.columns[static_cast<size_t>(i)], e.range);
      if (e.kind != ExprKind::Literal) {
        for (size_t k = 0; k < sel_.outputExprs.size(); ++k) {
          if (ast::sameExpr(e, *sel_.outputExprs[k]))
            return columnRef(static_cast<int>(k), out_.columns[k], e.range);
        }
      }
      if (e.kind == ExprKind::ColumnRef ||
          (e.kind == ExprKind::Call && e.callKind == ast::CallKind::Aggregate)) {
        *ok = false;  // not in the select list
        return ast::cloneExpr(e);
      }
      return nullptr;
    };
  }

  bool sortableOverOutput() const {
    bool ok = true;
    for (const ast::OrderItem& item : sel_.orderBy)
      copyExpr(*item.expr, overOutput(&ok), unreachableRebind());
    return ok;
  }

  void planTopN(bool overOutputRow) {
    std::vector<SourceRange> ranges;
    for (const ast::OrderItem& item : sel_.orderBy) ranges.push_back(item.range);
    ranges.push_back(sel_.limitRange);
    SourceRange range = coverRanges(ranges);
    Node& n = addOp(OpKind::TopN, range.empty() ? sel_.range : range);
    for (const ast::OrderItem& item : sel_.orderBy) {
      ExprPtr key;
      if (overOutputRow) {
        bool ok = true;
        key = copyExpr(*item.expr, overOutput(&ok), unreachableRebind());
        if (!ok) {
          throw InternalError(
              fmt::format("plan: order by '{}' of stream '{}' reads a column the select list "
                          "does not output",
                          ast::printExpr(*item.expr), decl_.name));
        }
      } else {
        // Under the Project: an output name stands for its expression.
        Replace underProject = [this](const Expr& e) -> ExprPtr {
          int i = outputNamed(e);
          if (i >= 0) return outputOverInput(static_cast<size_t>(i));
          return grouped_ ? aboveAggregate()(e) : nullptr;
        };
        key = copyExpr(*item.expr, underProject, grouped_ ? unreachableRebind() : rebindRow());
      }
      n.order.push_back({std::move(key), item.desc});
    }
    n.limit = sel_.limit.value_or(-1);
    copyWindow(n);
    finish(n, row_);
  }

  Builder& b_;
  const ast::StreamDecl& decl_;
  const ast::SelectStmt& sel_;
  const sema::Relation& out_;

  int last_ = 0;                  // the node the next operator reads; 0 = the FROM relation
  std::vector<ast::Column> row_;  // the schema of last_
  std::vector<int> offsets_;      // first column of each sema input in the joined row
  bool grouped_ = false;
  ast::WindowSpec window_;         // with `time` over the joined row
  std::vector<const Expr*> keys_;  // the group-by items but the window: key k is Aggregate column k
  std::vector<int> aggColumn_;     // per aggregate slot: its Aggregate column
  int windowStart_ = -1;           // window_start; window_end and window_complete follow
  std::vector<ast::Column> aggregateSchema_;
};

}  // namespace

void buildStream(Builder& b, const ast::StreamDecl& stream) {
  StreamPlanner(b, stream).run();
}

}  // namespace flowc::plan::detail
