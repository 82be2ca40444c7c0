// compiler/plan: the typed AST → a logical plan, a DAG of operators in which
// every expression reads the columns of its operator's input(s) by
// ColumnBinding (input 0; a Join's table is input 1). The plan owns its
// expressions (deep copies of the AST's), so later passes may rewrite them.
//
// Shape of one stream (absent clauses add no node):
//   input → Join* → Filter(where) → [Aggregate → Filter(having)] → Project
//         → Distinct → TopN(order by / limit)
// An `order by` over something the select list does not output puts the
// TopN under the Project instead (only without `distinct`).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sema/sema.h"
#include "syntax/ast.h"

namespace flowc::plan {

enum class OpKind : uint8_t { Source, Filter, Project, Join, Aggregate, TopN, Distinct, Sink };
const char* opKindName(OpKind k);  // "Source", "Filter", …

struct ProjectItem {
  ast::ExprPtr expr;
  std::string name;
};

struct SortKey {
  ast::ExprPtr expr;
  bool desc = false;
};

struct Node {
  int id = 0;  // stable: assigned in program order, printed as `Filter#3`
  OpKind kind = OpKind::Source;
  std::vector<int> inputs;          // node ids
  std::vector<ast::Column> schema;  // the columns this operator outputs
  std::string stream;               // the source/stream declaration it belongs to
  SourceRange range;                // the .flow text it comes from

  // Source
  const ast::SourceDecl* source = nullptr;
  // Indexes into schema that some operator reads (all, until the optimizer prunes).
  std::vector<int> fieldsRead;
  // Filter (predicate), Join (on)
  ast::ExprPtr predicate;
  // Filter (compiler/optimize merge-filters): when > 1, the predicate is a
  // left-deep `and` of this many parts, each evaluated only when the parts
  // before it were true (as the separate filters it merges were).
  int filterParts = 0;
  // Filter over a json Source (compiler/optimize push-filter-into-decoder):
  // its first part is tested while the record is decoded, as soon as the
  // fields it reads are; when it fails the rest is validated, not kept.
  bool inDecoder = false;
  // Project
  std::vector<ProjectItem> projections;
  // Join: a lookup into a compiled-in table
  const ast::TableDecl* table = nullptr;
  bool leftJoin = false;
  ast::ExprPtr lookupKey;  // over input 0: the value looked up in the table's key column
  // Aggregate: output = keys (window excluded) then window_start, window_end,
  // window_complete (windowed only) then one column per aggregate
  std::vector<ProjectItem> groupKeys;
  std::vector<ProjectItem> aggregates;  // each a Call with callKind Aggregate
  // window, stateModel and emit are also copied onto the Distinct and TopN of
  // a windowed stream, which then work per window (LANGUAGE.md §5). The
  // window's `time` binding reads the Aggregate's input.
  ast::WindowSpec window;
  ast::StateModel stateModel = ast::StateModel::Stateless;
  ast::EmitMode emit = ast::EmitMode::Final;
  // TopN
  std::vector<SortKey> order;
  int64_t limit = -1;  // TopN; -1 = none (order by alone: a sort)
  // Sink: schema = the columns it writes. A Sink with stream "_dead_letter"
  // has no inputs: it takes the records every source's decoder rejects
  // (schema: sema::deadLetterColumns()).
  ast::SinkTarget sink;
  std::string deadLetterOf;  // `on error dead_letter to …` of this source only; empty otherwise
};

struct Plan {
  std::vector<std::unique_ptr<Node>> nodes;  // by id order; nodes[i]->id == i + 1
  // compiler/optimize share-subexpressions: codegen computes an expression
  // that an enclosing scope of the same record already computed only once.
  bool shareSubexpressions = false;
  const Node& node(int id) const { return *nodes.at(id - 1); }
  Node& node(int id) { return *nodes.at(id - 1); }
};

// Expects an analyzed program without errors; a broken sema invariant
// throws InternalError.
Plan buildLogicalPlan(const ast::Program& program, const sema::Catalog& catalog);

// Checks the plan's invariants: ids dense and in order, inputs exist, every
// ColumnRef reads a column of its node's input (with the column's type),
// Aggregate/Project outputs match their schemas. Throws InternalError.
// Cheap enough to run after every pass.
void verifyPlan(const Plan& plan);

// The nodes reading node `id`, in id order.
std::vector<int> consumersOf(const Plan& plan, int id);

}  // namespace flowc::plan
