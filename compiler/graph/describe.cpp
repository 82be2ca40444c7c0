// Node descriptions shared by the text and DOT renderers (describe.h).
#include "graph/describe.h"

#include <fmt/format.h>

#include <algorithm>

#include "support/json_writer.h"
#include "syntax/ast_print.h"

namespace flowc::graph::detail {

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  appendEscapedText(out, s, false);
  return out;
}

std::string quoteName(std::string_view name) { return printable(ast::printName(name)); }

std::string exprText(const ast::Expr& e) {
  return printable(ast::printExpr(e));
}

std::string schemaText(const std::vector<ast::Column>& columns) {
  std::string s = "(";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) s += ", ";
    s += quoteName(columns[i].name) + " " + ast::typeName(columns[i].type);
  }
  return s + ")";
}

std::string windowText(const ast::WindowSpec& w) {
  std::string s = fmt::format("{}({}, {}", ast::windowKindName(w.kind), quoteName(w.timeColumn),
                              ast::printDuration(w.size));
  if (w.kind == ast::WindowKind::Hop) s += ", " + ast::printDuration(w.slide);
  return s + ")";
}

std::string sinkTargetText(const ast::SinkTarget& t) {
  std::string s = ast::sinkKindName(t.kind);
  if (t.target) s += " " + printable(ast::printValue(*t.target));
  for (const ast::SinkOption& o : t.options) {
    s += " " + o.name;
    if (!o.list.empty() || o.name == "dimensions") {
      s += " (";
      for (size_t i = 0; i < o.list.size(); ++i) s += (i ? ", " : "") + quoteName(o.list[i]);
      s += ")";
    } else if (o.name == "partition key" || o.name == "message group") {
      s += " " + quoteName(o.text);  // a column of the stream
    } else {
      s += " " + printable(ast::printValue(o.text));
    }
  }
  return s;
}

namespace {

std::string itemText(const ast::Expr& e, const std::string& name) {
  std::string text = exprText(e);
  // `c.page` output as `page`, or `count(*)` as `count(*)`, needs no alias
  // to be read right.
  if (e.kind == ast::ExprKind::ColumnRef && e.name == name) return text;
  if (text == printable(name)) return text;
  std::string quoted = quoteName(name);
  return text == quoted ? text : text + " as " + quoted;
}

std::string itemsText(const std::vector<plan::ProjectItem>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + itemText(*items[i].expr, items[i].name);
  return s;
}

std::string sourceFieldsText(const plan::Node& n) {
  const ast::SourceDecl& src = *n.source;
  std::string s = "(";
  for (size_t i = 0; i < n.schema.size(); ++i) {
    const ast::Column& c = n.schema[i];
    if (i) s += ", ";
    s += quoteName(c.name) + " " + ast::baseTypeName(c.type.base);
    const ast::FieldDecl* field =
        i < src.fields.size() && src.fields[i].name == c.name ? &src.fields[i] : nullptr;
    if (field && c.type.base == ast::BaseType::Timestamp && field->type.unit == ast::TimestampUnit::Seconds) {
      s += "(seconds)";
    }
    if (c.type.nullable) s += "?";
    if (field && field->path) s += " = " + printable(field->path->text);
  }
  return s + ")";
}

std::string sourceDetail(const plan::Node& n) {
  const ast::SourceDecl& src = *n.source;
  std::string s = fmt::format("{} {} {} {}", quoteName(src.name), ast::sourceKindName(src.kind),
                              src.format == ast::Format::Json ? "json" : "text", sourceFieldsText(n));
  if (src.eventTime) {
    s += fmt::format(" event time {} watermark {}", quoteName(src.eventTime->field),
                     ast::printDuration(src.eventTime->watermark));
    if (src.eventTime->allowedLateness) {
      s += " allowed lateness " + ast::printDuration(*src.eventTime->allowedLateness);
    }
  }
  s += fmt::format(" on error {}", ast::onErrorName(src.onError));
  if (n.fieldsRead.size() != n.schema.size()) {
    s += " reads (";
    for (size_t i = 0; i < n.fieldsRead.size(); ++i) {
      int f = n.fieldsRead[i];
      s += (i ? ", " : "") + (f >= 0 && static_cast<size_t>(f) < n.schema.size()
                                  ? quoteName(n.schema[static_cast<size_t>(f)].name)
                                  : fmt::format("#{}", f));
    }
    s += ")";
  }
  return s;
}

bool windowed(const plan::Node& n) {
  return n.window.kind != ast::WindowKind::None;
}

}  // namespace

std::string nodeDetail(const plan::Node& n) {
  switch (n.kind) {
    case plan::OpKind::Source: return n.source ? sourceDetail(n) : quoteName(n.stream);
    case plan::OpKind::Filter: {
      std::string s = n.predicate ? exprText(*n.predicate) : "";
      // compiler/optimize's marks: merged filters keep their order; the
      // decoder tests the predicate while it reads the record.
      if (n.filterParts > 1) s += fmt::format("  (in order: {} parts)", n.filterParts);
      if (n.inDecoder) s += "  (tested while decoding)";
      return s;
    }
    case plan::OpKind::Project: return itemsText(n.projections);
    case plan::OpKind::Join: {
      std::string s = n.leftJoin ? "left " : "";
      s += n.table ? quoteName(n.table->name) : "?";
      if (n.predicate) s += " on " + exprText(*n.predicate);
      if (n.lookupKey) s += " lookup " + exprText(*n.lookupKey);
      return s;
    }
    case plan::OpKind::Aggregate: {
      std::string s = "keys (" + itemsText(n.groupKeys) + ")";
      if (windowed(n)) s += " window " + windowText(n.window);
      s += fmt::format(" state {}", ast::stateModelName(n.stateModel));
      if (windowed(n)) s += n.emit == ast::EmitMode::Final ? " emit final" : " emit changes";
      return s + " aggs (" + itemsText(n.aggregates) + ")";
    }
    case plan::OpKind::TopN: {
      std::string s;
      if (!n.order.empty()) {
        s = "order by ";
        for (size_t i = 0; i < n.order.size(); ++i) {
          s += (i ? ", " : "") + exprText(*n.order[i].expr) + (n.order[i].desc ? " desc" : "");
        }
      }
      if (n.limit >= 0) s += fmt::format("{}limit {}", s.empty() ? "" : " ", n.limit);
      if (windowed(n)) s += " per window";
      return s;
    }
    case plan::OpKind::Distinct: return windowed(n) ? "per window" : "";
    case plan::OpKind::Sink: {
      std::string s = quoteName(n.stream);
      if (!n.deadLetterOf.empty()) s += " of " + quoteName(n.deadLetterOf);
      return s + " -> " + sinkTargetText(n.sink);
    }
  }
  return "";
}

std::string nodeLine(const plan::Node& n) {
  std::string s = fmt::format("#{} {}", n.id, plan::opKindName(n.kind));
  std::string detail = nodeDetail(n);
  if (!detail.empty()) s += " " + detail;
  if (!n.inputs.empty()) {
    s += "  <-";
    for (size_t i = 0; i < n.inputs.size(); ++i) s += fmt::format("{} #{}", i ? "," : "", n.inputs[i]);
  }
  if (n.kind != plan::OpKind::Source && n.kind != plan::OpKind::Sink) s += "  [" + quoteName(n.stream) + "]";
  return s;
}

std::string pipelineText(const plan::Plan& plan, const Pipeline& p) {
  auto inPipeline = [&](int id) { return std::find(p.nodes.begin(), p.nodes.end(), id) != p.nodes.end(); };
  auto children = [&](int id) {
    std::vector<int> out;
    for (int c : p.nodes) {
      const plan::Node& n = plan.node(c);
      if (std::find(n.inputs.begin(), n.inputs.end(), id) != n.inputs.end()) out.push_back(c);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  auto branches = [](const std::vector<std::string>& parts) {
    if (parts.size() == 1) return parts[0];
    std::string s = "[";
    for (size_t i = 0; i < parts.size(); ++i) s += (i ? " | " : "") + parts[i];
    return s + "]";
  };
  // Each node has at most one input, so a pipeline is a forest: print it
  // from its roots, a branch per reader.
  auto chain = [&](auto& self, int id, int depth) -> std::string {
    std::string s = fmt::format("#{}", id);
    std::vector<int> kids = children(id);
    if (kids.empty() || depth > 10000) return s;
    std::vector<std::string> parts;
    for (int k : kids) parts.push_back(self(self, k, depth + 1));
    return s + " -> " + branches(parts);
  };
  std::vector<std::string> roots;
  for (int id : p.nodes) {
    const plan::Node& n = plan.node(id);
    bool root = true;
    for (int in : n.inputs) {
      if (inPipeline(in)) root = false;
    }
    if (root) roots.push_back(chain(chain, id, 0));
  }
  return roots.empty() ? "" : branches(roots);
}

}  // namespace flowc::graph::detail
