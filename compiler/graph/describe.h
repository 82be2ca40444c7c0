// Internal to compiler/graph: the one-line descriptions of plan nodes that
// the text and DOT renderers share, and the renderers themselves. Every
// string made here is printable: user names may hold spaces, quotes or
// newlines, and a newline must never break a text line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace flowc::graph::detail {

// Control characters as escapes (\n, \t, \r, \u001b…), invalid UTF-8 as U+FFFD.
std::string printable(std::string_view s);
// A name as .flow would spell it: bare when it is an identifier, else back-quoted.
std::string quoteName(std::string_view name);
std::string exprText(const ast::Expr& e);
std::string schemaText(const std::vector<ast::Column>& columns);  // "(a int, b string?)"
std::string windowText(const ast::WindowSpec& w);                 // "tumble(ts, 1 min)"
std::string sinkTargetText(const ast::SinkTarget& t);             // "kinesis 'out' partition key page"

// What follows `#3 Project ` in the text format: the operator's arguments.
std::string nodeDetail(const plan::Node& n);
// `#3 Project user_id, page  <- #2  [slow]`
std::string nodeLine(const plan::Node& n);
// `#1 -> #2 -> [#3 | #4]`: the pipeline's tree of nodes.
std::string pipelineText(const plan::Plan& plan, const Pipeline& p);

std::string renderText(const plan::Plan& plan, Stage stage, const std::string& fileName);
std::string renderDot(const plan::Plan& plan, Stage stage, const std::string& fileName);
std::string renderJson(const plan::Plan& plan, Stage stage, const std::string& fileName);

}  // namespace flowc::graph::detail
