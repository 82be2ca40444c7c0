// The JSON format of `flowc graph`, for tools: one document, members in a
// fixed order, documented member by member in docs/graph-json.md (keep the
// two in step). Expressions are given in flowc's canonical text
// (ast::printExpr); user text is written raw and escaped by JsonWriter.
#include <fmt/format.h>

#include "graph/describe.h"
#include "support/json_writer.h"
#include "syntax/ast_print.h"

namespace flowc::graph::detail {

namespace {

void writeType(JsonWriter& w, ast::Type t) {
  w.key("type").value(ast::baseTypeName(t.base));
  w.key("nullable").value(t.nullable);
}

void writeColumns(JsonWriter& w, const std::vector<ast::Column>& columns) {
  w.beginArray();
  for (const ast::Column& c : columns) {
    w.beginObject();
    w.key("name").value(c.name);
    writeType(w, c.type);
    w.key("metadata").value(c.metadata);
    w.endObject();
  }
  w.endArray();
}

void writeItems(JsonWriter& w, const std::vector<plan::ProjectItem>& items) {
  w.beginArray();
  for (const plan::ProjectItem& item : items) {
    w.beginObject();
    w.key("name").value(item.name);
    w.key("expr").value(ast::printExpr(*item.expr));
    w.endObject();
  }
  w.endArray();
}

void writeExprOrNull(JsonWriter& w, const ast::ExprPtr& e) {
  if (e) {
    w.value(ast::printExpr(*e));
  } else {
    w.null();
  }
}

void writeSinkTarget(JsonWriter& w, const ast::SinkTarget& t) {
  w.beginObject();
  w.key("kind").value(ast::sinkKindName(t.kind));
  w.key("target");
  if (t.target) {
    w.value(*t.target);
  } else {
    w.null();
  }
  w.key("options").beginArray();
  for (const ast::SinkOption& o : t.options) {
    w.beginObject();
    w.key("name").value(o.name);
    if (!o.list.empty() || o.name == "dimensions") {
      w.key("list").beginArray();
      for (const std::string& v : o.list) w.value(v);
      w.endArray();
    } else {
      w.key("value").value(o.text);
    }
    w.endObject();
  }
  w.endArray();
  w.endObject();
}

void writeWindow(JsonWriter& w, const plan::Node& n) {
  if (n.window.kind == ast::WindowKind::None) {
    w.null();
    return;
  }
  w.beginObject();
  w.key("kind").value(ast::windowKindName(n.window.kind));
  w.key("timeColumn").value(n.window.timeColumn);
  w.key("timeIndex").value(n.window.time.column);
  w.key("onArrivalTime").value(n.window.onArrivalTime);
  w.key("sizeMs").value(n.window.size.ms);
  w.key("slideMs");
  if (n.window.kind == ast::WindowKind::Hop) {
    w.value(n.window.slide.ms);
  } else {
    w.null();
  }
  w.endObject();
}

void writeSource(JsonWriter& w, const plan::Node& n) {
  const ast::SourceDecl& src = *n.source;
  w.key("sourceKind").value(ast::sourceKindName(src.kind));
  w.key("format").value(src.format == ast::Format::Json ? "json" : "text");
  w.key("fields").beginArray();
  for (const ast::FieldDecl& f : src.fields) {
    w.beginObject();
    w.key("name").value(f.name);
    writeType(w, f.type.type);
    w.key("path");
    if (f.path) {
      w.value(f.path->text);
    } else {
      w.null();
    }
    w.key("timestampUnit").value(f.type.unit == ast::TimestampUnit::Seconds ? "seconds" : "auto");
    w.endObject();
  }
  w.endArray();
  w.key("eventTime");
  if (src.eventTime) {
    w.beginObject();
    w.key("field").value(src.eventTime->field);
    w.key("watermarkMs").value(src.eventTime->watermark.ms);
    w.key("allowedLatenessMs");
    if (src.eventTime->allowedLateness) {
      w.value(src.eventTime->allowedLateness->ms);
    } else {
      w.null();
    }
    w.endObject();
  } else {
    w.null();
  }
  w.key("onError").value(ast::onErrorName(src.onError));
  w.key("fieldsRead").beginArray();
  for (int f : n.fieldsRead) w.value(f);
  w.endArray();
}

void writeNode(JsonWriter& w, const plan::Node& n) {
  w.beginObject();
  w.key("id").value(n.id);
  w.key("op").value(plan::opKindName(n.kind));
  w.key("stream").value(n.stream);
  w.key("inputs").beginArray();
  for (int in : n.inputs) w.value(in);
  w.endArray();
  w.key("schema");
  writeColumns(w, n.schema);
  w.key("range").beginObject();
  w.key("begin").value(static_cast<int64_t>(n.range.begin));
  w.key("end").value(static_cast<int64_t>(n.range.end));
  w.endObject();
  switch (n.kind) {
    case plan::OpKind::Source:
      if (n.source) writeSource(w, n);
      break;
    case plan::OpKind::Filter:
      w.key("predicate");
      writeExprOrNull(w, n.predicate);
      w.key("parts").value(static_cast<int64_t>(n.filterParts > 1 ? n.filterParts : 1));
      w.key("testedWhileDecoding").value(n.inDecoder);
      break;
    case plan::OpKind::Project:
      w.key("projections");
      writeItems(w, n.projections);
      break;
    case plan::OpKind::Join:
      w.key("table").value(n.table ? n.table->name : std::string());
      w.key("tableKey").value(n.table ? n.table->key : std::string());
      w.key("tableRows").value(static_cast<int64_t>(n.table ? n.table->rows.size() : 0));
      w.key("leftJoin").value(n.leftJoin);
      w.key("predicate");
      writeExprOrNull(w, n.predicate);
      w.key("lookupKey");
      writeExprOrNull(w, n.lookupKey);
      break;
    case plan::OpKind::Aggregate:
      w.key("groupKeys");
      writeItems(w, n.groupKeys);
      w.key("window");
      writeWindow(w, n);
      w.key("stateModel").value(ast::stateModelName(n.stateModel));
      w.key("emit").value(n.emit == ast::EmitMode::Final ? "final" : "changes");
      w.key("aggregates");
      writeItems(w, n.aggregates);
      break;
    case plan::OpKind::TopN:
      w.key("order").beginArray();
      for (const plan::SortKey& k : n.order) {
        w.beginObject();
        w.key("expr").value(ast::printExpr(*k.expr));
        w.key("desc").value(k.desc);
        w.endObject();
      }
      w.endArray();
      w.key("limit");
      if (n.limit >= 0) {
        w.value(n.limit);
      } else {
        w.null();
      }
      w.key("window");
      writeWindow(w, n);
      break;
    case plan::OpKind::Distinct:
      w.key("window");
      writeWindow(w, n);
      break;
    case plan::OpKind::Sink:
      w.key("sink");
      writeSinkTarget(w, n.sink);
      w.key("deadLetter").value(n.inputs.empty());
      w.key("deadLetterOf");
      if (n.deadLetterOf.empty()) {
        w.null();
      } else {
        w.value(n.deadLetterOf);
      }
      break;
  }
  w.endObject();
}

}  // namespace

std::string renderJson(const plan::Plan& plan, Stage stage, const std::string& fileName) {
  JsonWriter w;
  w.beginObject();
  w.key("file").value(fileName);
  w.key("stage").value(stageName(stage));
  w.key("nodes").beginArray();
  for (const auto& n : plan.nodes) writeNode(w, *n);
  w.endArray();
  w.key("edges").beginArray();
  for (const auto& n : plan.nodes) {
    for (int in : n->inputs) {
      w.beginObject();
      w.key("from").value(in);
      w.key("to").value(n->id);
      w.endObject();
    }
  }
  w.endArray();
  if (stage == Stage::Physical) {
    w.key("pipelines").beginArray();
    for (const Pipeline& p : splitPipelines(plan)) {
      w.beginObject();
      w.key("id").value(p.id);
      w.key("from");
      if (p.from) {
        w.value(p.from);
      } else {
        w.null();
      }
      w.key("nodes").beginArray();
      for (int id : p.nodes) w.value(id);
      w.endArray();
      w.key("breakers").beginArray();
      for (int id : p.breakers) w.value(id);
      w.endArray();
      w.endObject();
    }
    w.endArray();
  }
  w.endObject();
  return w.str();
}

}  // namespace flowc::graph::detail
