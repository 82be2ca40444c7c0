// Internal to compiler/optimize: the rule table and what the rules share —
// which expressions can fail at run time, conjunct splitting, column
// substitution, removing nodes, and the lines a firing shows.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "optimize/optimize.h"

namespace flowc::optimize::detail {

// A rule finds its first match in `plan`, rewrites it and describes the
// firing (where / before / after); false when nothing matches.
struct Rule {
  const char* name;
  const char* rewrite;
  bool (*apply)(plan::Plan& plan, RuleFiring& firing);
};

// The rules, one per file, in the order optimize() tries them.
bool foldConstants(plan::Plan& plan, RuleFiring& firing);          // fold_constants.cpp
bool removeDeadStreams(plan::Plan& plan, RuleFiring& firing);      // remove_dead_streams.cpp
bool shareSourceDecode(plan::Plan& plan, RuleFiring& firing);      // share_source_decode.cpp
bool pushFilterThroughProject(plan::Plan& plan, RuleFiring& firing);  // push_filter_through_project.cpp
bool pushFilterThroughJoin(plan::Plan& plan, RuleFiring& firing);  // push_filter_through_join.cpp
bool mergeFilters(plan::Plan& plan, RuleFiring& firing);           // merge_filters.cpp
bool pruneColumns(plan::Plan& plan, RuleFiring& firing);           // prune_columns.cpp
bool pushFilterIntoDecoder(plan::Plan& plan, RuleFiring& firing);  // push_filter_into_decoder.cpp
bool shareSubexpressions(plan::Plan& plan, RuleFiring& firing);    // share_subexpressions.cpp

// False only when evaluating `e` can never fail a record (no overflow,
// division, cast from text, regexp, …) whatever its inputs. Conservative:
// anything not known safe may raise.
bool mayRaise(const ast::Expr& e);
// The operation of `e` alone (its operands taken as safe): whether a
// failure can name `e` — a failing record's reason quotes the failing
// operation's text ("division by zero in 100 / y"), so a rewrite must not
// change the text of such an operation.
bool selfMayRaise(const ast::Expr& e);

// The parts of a top-level `and` chain, left to right.
void conjuncts(const ast::Expr& e, std::vector<const ast::Expr*>& out);
// `parts[0] and parts[1] and …` (left-deep), typed nullable when a part is.
ast::ExprPtr andOf(std::vector<ast::ExprPtr> parts);
// A Filter's parts as evaluated in order (filterParts; else the whole predicate).
std::vector<ast::ExprPtr> filterPartsOf(const plan::Node& filter);
void setFilterParts(plan::Node& filter, std::vector<ast::ExprPtr> parts);

// Calls `f` on every ColumnRef of `e`.
void forEachColumn(const ast::Expr& e, const std::function<void(const ast::Expr&)>& f);
// `e` with every ColumnRef of input 0 replaced by (a copy of) items[column].expr.
ast::ExprPtr substitute(const ast::Expr& e, const std::vector<plan::ProjectItem>& items);

// Removes the nodes `ids` (consumers must already read elsewhere); later
// ids shift down and every input is renumbered.
void removeNodes(plan::Plan& plan, std::vector<int> ids);
// Consumers of `from` read `to` instead.
void redirectConsumers(plan::Plan& plan, int from, int to);
// graph::detail::nodeLine of each node.
std::vector<std::string> lines(const plan::Plan& plan, const std::vector<int>& ids);
std::string nodeName(const plan::Node& n);  // "Filter#3"

// The output columns of node `id` that some consumer reads (Sinks and
// Distinct read all; pass-through operators what their readers need).
std::vector<bool> neededColumns(const plan::Plan& plan, int id);

}  // namespace flowc::optimize::detail
