// compiler/sema: AST → typed, resolved AST plus a Catalog of every relation.
// Resolves names (sources, tables, streams, aliases, the `_` metadata
// columns of each source kind), types expressions with SQL nullability,
// checks functions, aggregates, group by, windows and the state model of
// LANGUAGE.md §5, reads table files, checks sinks, and warns about unused
// streams. It annotates the AST in place (the fields marked "sema:").
//
// Conventions sema establishes for the stages after it:
// - A ColumnRef's binding reads input `input` (0 = FROM, 1 + i = joins[i])
//   at `column`, except for the two pseudo inputs below.
// - Expr::groupKeySlot k names the k-th group-by item that is NOT the window
//   (see groupKeys()), i.e. the Aggregate's key column k.
// - Identical aggregate calls (ast::sameExpr) share one aggregateSlot;
//   SelectStmt::aggregates[slot] is the first of them.
// - An order-by item that names an output column (by name, by position, or by
//   being the same expression as a select item) is replaced by a ColumnRef
//   with binding {kOutputInput, output column index}.
// - For `format text` sources sema appends the field `line string`.
// - Extract's field (Expr::name) is lower-cased.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "syntax/ast.h"

namespace flowc::sema {

// ColumnBinding::input of window_start / window_end / window_complete in a
// windowed stream's select, having and order by; column is a WindowColumn.
constexpr int kWindowInput = -2;
enum WindowColumn : int { kWindowStart = 0, kWindowEnd = 1, kWindowComplete = 2 };
// ColumnBinding::input of an order-by ColumnRef that names output column `column`.
constexpr int kOutputInput = -3;

// Where a relation's column comes from, as far as windows care: a window's
// time must trace back to the origin source's `_arrival_time` or event-time
// field (or an upstream window's end); kinesis results are per shard unless
// grouped by `_partition_key`.
enum class ColumnOrigin : uint8_t { Other, ArrivalTime, EventTime, WindowEnd, PartitionKey };

struct Relation {
  ast::RelationKind kind = ast::RelationKind::Source;
  std::string name;
  std::vector<ast::Column> columns;   // declared fields first, then metadata (sources)
  std::vector<ColumnOrigin> origins;  // parallel to columns
  const ast::SourceDecl* source = nullptr;
  const ast::TableDecl* table = nullptr;
  const ast::StreamDecl* stream = nullptr;
  // The source every row of this relation comes from (itself for a source).
  const ast::SourceDecl* origin = nullptr;
  // False when errors left the column list partial (an unresolved FROM, a
  // cycle, a `*` that could not be expanded): references to missing columns
  // are then not reported again.
  bool complete = true;
  int keyColumn = -1;  // tables: the key's column index

  // The first column of that name, -1 when absent.
  int findColumn(const std::string& name) const;
  // Appends a column (and its origin), keeping findColumn's index current.
  void addColumn(ast::Column column, ColumnOrigin origin = ColumnOrigin::Other);

  // name → first index, filled by addColumn (findColumn scans `columns` when
  // it is empty, e.g. for a Relation built by hand in a test).
  std::map<std::string, int> columnIndex;
};

struct Catalog {
  std::vector<Relation> relations;  // in declaration order (a duplicate name is left out)
  std::vector<const ast::SinkDecl*> sinks;
  std::vector<const ast::DeadLetterDecl*> deadLetters;
  const Relation* find(const std::string& name) const;
};

struct Options {
  std::string baseDir = ".";                    // table files are read relative to it
  size_t maxTableFileBytes = 64 * 1024 * 1024;  // compiled into the handler: keep it small
};

// The metadata columns a source of `kind` exposes (LANGUAGE.md §3), in the
// order they are listed there, plus `_arrival_time` for every kind.
std::vector<ast::Column> metadataColumns(ast::SourceKind kind);

// The columns of `sink _dead_letter` (LANGUAGE.md §7): source, reason, record, id.
std::vector<ast::Column> deadLetterColumns();

// The group-by items that are keys (every item but the window), in order:
// groupKeys(s)[k] is what groupKeySlot k refers to.
std::vector<const ast::Expr*> groupKeys(const ast::SelectStmt& select);

Catalog analyze(ast::Program& program, Diagnostics& diags, const Options& options = {});

}  // namespace flowc::sema
