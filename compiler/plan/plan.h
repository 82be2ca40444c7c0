// compiler/plan: the typed AST → a logical plan, a DAG of operators in which
// every expression reads the columns of its operator's input(s) by
// ColumnBinding (input 0; a Join's table is input 1). The plan owns its
// expressions (deep copies of the AST's), so later passes may rewrite them.
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
  int id = 0;                  // stable: assigned in program order, printed as `Filter#3`
  OpKind kind = OpKind::Source;
  std::vector<int> inputs;     // node ids
  std::vector<ast::Column> schema;  // the columns this operator outputs
  std::string stream;          // the source/stream declaration it belongs to
  SourceRange range;           // the .flow text it comes from

  // Source
  const ast::SourceDecl* source = nullptr;
  std::vector<int> fieldsRead;  // indexes into schema that some operator reads (all, until the optimizer prunes)
  // Filter (predicate), Join (on)
  ast::ExprPtr predicate;
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
  ast::WindowSpec window;
  ast::StateModel stateModel = ast::StateModel::Stateless;
  ast::EmitMode emit = ast::EmitMode::Final;
  // TopN
  std::vector<SortKey> order;
  int64_t limit = -1;  // TopN; -1 = none
  // Sink
  ast::SinkTarget sink;
};

struct Plan {
  std::vector<std::unique_ptr<Node>> nodes;  // by id order; nodes[i]->id == i + 1
  const Node& node(int id) const { return *nodes.at(id - 1); }
  Node& node(int id) { return *nodes.at(id - 1); }
};

Plan buildLogicalPlan(const ast::Program& program, const sema::Catalog& catalog);

}  // namespace flowc::plan
