// analyze(): the order of sema's passes over a program. Declarations first
// (one namespace for sources, tables and streams), then sources and tables
// (fields, metadata, event time, table files), then streams in dependency
// order (a stream may read one declared later; a cycle is an error), then
// sinks, then the warnings about what nothing reads.
#include "sema/sema.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>

#include "sema/analyzer.h"
#include "sema/table_file.h"
#include "syntax/ast_print.h"

namespace flowc::sema {

using namespace detail;
using ast::BaseType;
using ast::Column;
using ast::RelationKind;

int Relation::findColumn(const std::string& name) const {
  if (!columnIndex.empty()) {
    auto it = columnIndex.find(name);
    return it == columnIndex.end() ? -1 : it->second;
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void Relation::addColumn(Column column, ColumnOrigin origin) {
  columnIndex.emplace(column.name, static_cast<int>(columns.size()));
  columns.push_back(std::move(column));
  origins.push_back(origin);
}

const Relation* Catalog::find(const std::string& name) const {
  for (const Relation& r : relations) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::vector<Column> metadataColumns(ast::SourceKind kind) {
  auto col = [](const char* name, BaseType t, bool nullable = false) {
    Column c;
    c.name = name;
    c.type = {t, nullable};
    c.metadata = true;
    return c;
  };
  const BaseType S = BaseType::String;
  const BaseType T = BaseType::Timestamp;
  const BaseType I = BaseType::Int;
  switch (kind) {
    case ast::SourceKind::Kinesis:
      return {col("_partition_key", S), col("_sequence_number", S), col("_arrival_time", T),
              col("_shard_id", S)};
    case ast::SourceKind::DynamoDB:
      return {col("_event_name", S), col("_sequence_number", S), col("_arrival_time", T)};
    case ast::SourceKind::Sqs:
      return {col("_message_id", S), col("_sent_time", T), col("_group_id", S, true),
              col("_arrival_time", T)};
    case ast::SourceKind::Kafka:
      return {col("_topic", S),     col("_partition", I),  col("_offset", I),
              col("_key", S, true), col("_kafka_time", T), col("_arrival_time", T)};
    case ast::SourceKind::Http:
      return {col("_method", S), col("_path", S), col("_source_ip", S), col("_arrival_time", T)};
  }
  return {};
}

std::vector<Column> deadLetterColumns() {
  std::vector<Column> cols;
  for (const char* name : {"source", "reason", "record", "id"}) {
    Column c;
    c.name = name;
    c.type = {BaseType::String, false};
    cols.push_back(c);
  }
  return cols;
}

std::vector<const ast::Expr*> groupKeys(const ast::SelectStmt& select) {
  std::vector<const ast::Expr*> keys;
  for (size_t i = 0; i < select.groupBy.size(); ++i) {
    const ast::Expr& g = *select.groupBy[i];
    if (static_cast<int>(i) == select.window.groupByIndex) continue;
    if (g.kind == ast::ExprKind::Call && g.callKind == ast::CallKind::Window) continue;
    keys.push_back(&g);
  }
  return keys;
}

namespace {

constexpr const char* kDeadLetter = "_dead_letter";

std::string withoutUnderscores(const std::string& name) {
  size_t i = name.find_first_not_of('_');
  return i == std::string::npos ? std::string() : name.substr(i);
}

struct Analyzer {
  ast::Program& program;
  Diagnostics& diags;
  const Options& options;

  // Every declared relation, in declaration order; `first` says whether it is
  // the one its name refers to (a duplicate is analyzed but never found).
  std::vector<std::unique_ptr<Relation>> relations;
  std::vector<bool> first;
  std::vector<SourceRange> nameRanges;
  std::map<std::string, Relation*> byName;

  void declare(const std::string& name, SourceRange nameRange, RelationKind kind, const char* what) {
    auto rel = std::make_unique<Relation>();
    rel->kind = kind;
    rel->name = name;
    bool isFirst = true;
    if (!name.empty() && name[0] == '_') {
      std::string plain = withoutUnderscores(name);
      diags.error(nameRange, fmt::format("names starting with '_' are reserved: {} {}", what, quoted(name)),
                  plain.empty()
                      ? "'_' names metadata columns and '_dead_letter'"
                      : fmt::format("'_' names metadata columns and '_dead_letter'; call it '{}'", plain));
    }
    auto it = byName.find(name);
    if (it != byName.end()) {
      isFirst = false;
      diags.error(nameRange, fmt::format("a source, table or stream named {} already exists", quoted(name)));
      for (size_t i = 0; i < relations.size(); ++i) {
        if (relations[i].get() == it->second)
          diags.note(nameRanges[i], fmt::format("{} was first declared here", quoted(name)));
      }
    } else {
      byName[name] = rel.get();
    }
    relations.push_back(std::move(rel));
    first.push_back(isFirst);
    nameRanges.push_back(nameRange);
  }

  // Declared fields of a source or columns of a table: names and types.
  void addFields(std::vector<ast::FieldDecl>& fields, Relation& rel, bool isTable) {
    std::vector<size_t> firstField;  // column index → its field
    for (size_t i = 0; i < fields.size(); ++i) {
      ast::FieldDecl& f = fields[i];
      const char* what = isTable ? "column" : "field";
      bool reserved = !f.name.empty() && f.name[0] == '_';
      if (reserved) {
        std::string plain = withoutUnderscores(f.name);
        if (plain.empty()) plain = "value";
        diags.error(
            f.nameRange,
            fmt::format("{} name {} starts with '_', which is reserved for metadata columns", what,
                        quoted(f.name)),
            isTable ? fmt::format("name it '{}' (in a JSON-lines file, map it with a path: `{} {} = $.{}`)",
                                  plain, plain, ast::typeName(f.type.type), f.name)
                    : fmt::format("map it with a path, e.g. `{} {} = $.{}`", plain,
                                  ast::typeName(f.type.type), f.name));
      }
      bool duplicate = false;
      if (int j = rel.findColumn(f.name); j >= 0) {
        diags.error(f.nameRange, fmt::format("duplicate {} {}", what, quoted(f.name)));
        diags.note(fields[firstField[j]].nameRange,
                   fmt::format("{} was first declared here", quoted(f.name)));
        duplicate = true;
      }
      if (f.type.type.base == BaseType::Duration) {
        diags.error(f.type.range,
                    fmt::format("{} {} cannot be a duration: there is nothing in a record to read it "
                                "from",
                                what, quoted(f.name)),
                    fmt::format("read a number of milliseconds, e.g. `{}_ms int`", f.name));
      }
      if (duplicate) continue;
      Column c;
      c.name = f.name;
      c.type = f.type.type;
      c.range = f.range;
      rel.addColumn(c);
      firstField.push_back(i);
    }
  }

  void checkSource(ast::SourceDecl& src, Relation& rel) {
    rel.source = &src;
    rel.origin = &src;
    if (src.format == ast::Format::Text) {
      if (src.kind == ast::SourceKind::DynamoDB) {
        diags.error(src.formatRange,
                    "format text does not apply to dynamodb sources: DynamoDB records are attribute maps",
                    "remove `format text` and declare the item's attributes as fields");
      }
      bool exactlyLine = src.fields.size() == 1 && src.fields[0].name == "line" &&
                         src.fields[0].type.type == ast::Type{BaseType::String, false} && !src.fields[0].path;
      if (!src.fields.empty() && !exactlyLine) {
        bool reported = false;
        for (const ast::FieldDecl& f : src.fields) {
          if (f.path) {
            diags.error(f.path->range, "a text source has no JSON to take a path from",
                        "each record of a text source is one `line string`");
            reported = true;
          }
        }
        if (!reported) {
          diags.error(src.fields.front().range, "a text source has the single field `line string`",
                      "remove the field list: each record is one `line string`");
        }
      }
      if (src.fields.empty()) {
        ast::FieldDecl line;
        line.name = "line";
        line.type.type = {BaseType::String, false};
        line.type.range = src.formatRange;
        line.range = src.formatRange;
        line.nameRange = src.formatRange;
        src.fields.push_back(line);
      }
      Column c;
      c.name = "line";
      c.type = {BaseType::String, false};
      c.range = src.fields.front().range;
      rel.addColumn(c);
    } else {
      if (src.fields.empty()) {
        diags.error(src.nameRange, fmt::format("source {} declares no fields", quoted(src.name)),
                    "list the fields to read, e.g. (user_id string, ts timestamp)");
      }
      addFields(src.fields, rel, false);
    }
    const size_t declared = rel.columns.size();
    for (Column c : metadataColumns(src.kind)) {
      if (rel.findColumn(c.name) >= 0) continue;  // a reserved field name, already reported
      c.range = src.nameRange;
      ColumnOrigin o = c.name == "_arrival_time"    ? ColumnOrigin::ArrivalTime
                       : c.name == "_partition_key" ? ColumnOrigin::PartitionKey
                                                    : ColumnOrigin::Other;
      rel.addColumn(c, o);
    }

    if (src.eventTime) {
      const ast::EventTime& et = *src.eventTime;
      int idx = rel.findColumn(et.field);
      if (idx >= static_cast<int>(declared)) {
        diags.error(
            et.fieldRange,
            fmt::format("event time must be a declared field, not the metadata column {}", quoted(et.field)),
            "without `event time`, windows run on _arrival_time");
      } else if (idx < 0) {
        std::vector<std::string> names;
        for (size_t i = 0; i < declared; ++i) names.push_back(rel.columns[i].name);
        std::string close = closestName(et.field, names);
        diags.error(et.fieldRange, fmt::format("unknown field {} in event time", quoted(et.field)),
                    close.empty() ? std::string() : fmt::format("did you mean '{}'?", close));
      } else if (rel.columns[idx].type.base != BaseType::Timestamp) {
        diags.error(et.fieldRange, fmt::format("event time field {} is {}; it must be a timestamp",
                                               quoted(et.field), ast::typeName(rel.columns[idx].type)));
      } else if (rel.columns[idx].type.nullable) {
        diags.error(
            et.fieldRange,
            fmt::format("event time field {} cannot be nullable: a record without a time cannot be placed "
                        "in a window",
                        quoted(et.field)),
            fmt::format("declare it `{} timestamp`; a record without it then goes to the dead-letter output",
                        et.field));
      } else {
        rel.origins[idx] = ColumnOrigin::EventTime;
      }
      if (et.watermark.ms < 0) diags.error(et.watermarkRange, "the watermark must not be negative");
      if (et.allowedLateness && et.allowedLateness->ms < 0) {
        diags.error(et.latenessRange, "allowed lateness must not be negative");
      }
    }

    if (src.kind == ast::SourceKind::Http && src.onError == ast::OnError::Retry) {
      diags.error(
          src.onErrorRange,
          "on error retry does not apply to http sources: a request has no batchItemFailures to retry",
          "use `on error dead_letter` or `on error skip`");
    }
    if (src.deadLetterTo) {
      std::vector<Column> dl = deadLetterColumns();
      checkSinkTarget(*src.deadLetterTo, kDeadLetter, &dl, diags);
    }
  }

  void checkTable(ast::TableDecl& table, Relation& rel) {
    rel.table = &table;
    size_t errorsBefore = diags.errorCount();
    if (table.columns.empty()) {
      diags.error(table.nameRange, fmt::format("table {} declares no columns", quoted(table.name)),
                  "list the columns to read, e.g. (code string, name string) key code");
    }
    addFields(table.columns, rel, true);
    if (table.key.empty()) {
      diags.error(table.nameRange, fmt::format("table {} has no key", quoted(table.name)),
                  "add `key <column>`: a stream joins a table on its key");
    } else {
      int key = rel.findColumn(table.key);
      if (key < 0) {
        std::string close = closestName(table.key, [&] {
          std::vector<std::string> names;
          for (const Column& c : rel.columns) names.push_back(c.name);
          return names;
        }());
        diags.error(table.keyRange,
                    fmt::format("key {} is not a column of table {}", quoted(table.key), quoted(table.name)),
                    close.empty() ? std::string() : fmt::format("did you mean '{}'?", close));
      } else {
        rel.keyColumn = key;
      }
    }
    if (diags.errorCount() == errorsBefore) {
      readTableFile(table, options.baseDir, options.maxTableFileBytes, diags);
    }
  }

  // Streams in an order where each comes after the stream it reads; a cycle
  // is reported once and its streams marked incomplete.
  std::vector<size_t> streamOrder() {
    enum class State { New, Active, Done };
    std::vector<State> state(relations.size(), State::New);
    std::map<const Relation*, size_t> index;
    for (size_t i = 0; i < relations.size(); ++i) index[relations[i].get()] = i;
    auto upstream = [&](size_t i) -> long {
      const ast::StreamDecl& s = *relations[i]->stream;
      auto it = byName.find(s.select.from.name);
      if (it == byName.end() || it->second->kind != RelationKind::Stream) return -1;
      return static_cast<long>(index[it->second]);
    };
    std::vector<size_t> order;
    for (size_t start = 0; start < relations.size(); ++start) {
      if (relations[start]->kind != RelationKind::Stream || state[start] != State::New) continue;
      // Each stream reads at most one stream, so the walk is a path.
      std::vector<size_t> path;
      size_t cur = start;
      for (;;) {
        state[cur] = State::Active;
        path.push_back(cur);
        long next = upstream(cur);
        if (next < 0 || state[next] == State::Done) break;
        if (state[next] == State::Active) {
          auto from = std::find(path.begin(), path.end(), static_cast<size_t>(next));
          std::string chain;
          for (auto p = from; p != path.end(); ++p) chain += relations[*p]->name + " → ";
          chain += relations[next]->name;
          diags.error(relations[next]->stream->nameRange,
                      fmt::format("stream {} reads itself: {}", quoted(relations[next]->name), chain),
                      "a stream may read only sources and streams that do not read it");
          for (auto p = from; p != path.end(); ++p) relations[*p]->complete = false;
          break;
        }
        cur = static_cast<size_t>(next);
      }
      for (auto p = path.rbegin(); p != path.rend(); ++p) {
        state[*p] = State::Done;
        order.push_back(*p);
      }
    }
    return order;
  }

  Catalog run() {
    Catalog catalog;
    // The declaration of relations[i], which sema may annotate.
    std::vector<ast::Decl*> decls;
    for (ast::Decl& d : program.decls) {
      if (auto* s = std::get_if<ast::SourceDecl>(&d)) {
        declare(s->name, s->nameRange, RelationKind::Source, "source");
        relations.back()->source = s;
      } else if (auto* t = std::get_if<ast::TableDecl>(&d)) {
        declare(t->name, t->nameRange, RelationKind::Table, "table");
        relations.back()->table = t;
      } else if (auto* st = std::get_if<ast::StreamDecl>(&d)) {
        declare(st->name, st->nameRange, RelationKind::Stream, "stream");
        relations.back()->stream = st;
      } else {
        continue;
      }
      decls.push_back(&d);
    }
    for (size_t i = 0; i < relations.size(); ++i) {
      if (auto* s = std::get_if<ast::SourceDecl>(decls[i])) checkSource(*s, *relations[i]);
      if (auto* t = std::get_if<ast::TableDecl>(decls[i])) checkTable(*t, *relations[i]);
    }
    std::vector<size_t> order = streamOrder();
    for (size_t i : order) {
      analyzeSelect(std::get<ast::StreamDecl>(*decls[i]), *relations[i], byName, diags);
    }

    checkLambdaWindows(order);

    // Sinks and the dead-letter output.
    std::vector<Relation*> sunk;
    bool anySink = false;
    const ast::DeadLetterDecl* firstDeadLetter = nullptr;
    for (ast::Decl& d : program.decls) {
      if (auto* sink = std::get_if<ast::SinkDecl>(&d)) {
        anySink = true;
        catalog.sinks.push_back(sink);
        if (sink->stream == kDeadLetter) {
          std::vector<Column> dl = deadLetterColumns();
          checkSinkTarget(sink->to, sink->stream, &dl, diags);
          continue;
        }
        auto it = byName.find(sink->stream);
        if (it == byName.end()) {
          std::vector<std::string> names{kDeadLetter};
          for (const auto& [name, rel] : byName) {
            if (rel->kind != RelationKind::Table) names.push_back(name);
          }
          std::string close = closestName(sink->stream, names);
          diags.error(sink->streamRange, fmt::format("unknown stream or source {}", quoted(sink->stream)),
                      close.empty() ? std::string() : fmt::format("did you mean '{}'?", close));
          checkSinkTarget(sink->to, sink->stream, nullptr, diags);
          continue;
        }
        if (it->second->kind == RelationKind::Table) {
          diags.error(
              sink->streamRange,
              fmt::format("cannot sink table {}: a sink reads a stream or a source", quoted(sink->stream)));
          checkSinkTarget(sink->to, sink->stream, nullptr, diags);
          continue;
        }
        sunk.push_back(it->second);
        checkSinkTarget(sink->to, sink->stream, it->second->complete ? &it->second->columns : nullptr, diags);
      } else if (auto* dl = std::get_if<ast::DeadLetterDecl>(&d)) {
        catalog.deadLetters.push_back(dl);
        if (firstDeadLetter) {
          diags.error(dl->range, "dead letters already have a destination: `dead_letter to` may appear once",
                      "to send them to several places, add `sink _dead_letter to …`");
          diags.note(firstDeadLetter->range, "the first `dead_letter to` is here");
        } else {
          firstDeadLetter = dl;
        }
        std::vector<Column> cols = deadLetterColumns();
        checkSinkTarget(dl->to, kDeadLetter, &cols, diags);
      }
    }

    // After an error, "not read" is usually its echo (the reader failed).
    if (!diags.hasErrors()) warnUnused(order, sunk, anySink);

    for (size_t i = 0; i < relations.size(); ++i) {
      if (first[i]) catalog.relations.push_back(*relations[i]);
    }
    return catalog;
  }

  // An event source mapping has one TumblingWindowInSeconds: every
  // tumble(_arrival_time, D) over one source must agree on D, and event-time
  // windows over that source then live under D-second Lambda windows instead
  // of 900-second ones (emitted early at each boundary, LANGUAGE.md §5).
  void checkLambdaWindows(const std::vector<size_t>& order) {
    std::vector<size_t> declOrder = order;
    std::sort(declOrder.begin(), declOrder.end());
    std::map<const ast::SourceDecl*, const ast::StreamDecl*> lambdaWindow;  // the first stream that sets it
    for (size_t i : declOrder) {
      const Relation& rel = *relations[i];
      const ast::SelectStmt& s = rel.stream->select;
      if (s.stateModel != ast::StateModel::LambdaTumbling || !rel.origin) continue;
      auto [it, inserted] = lambdaWindow.emplace(rel.origin, rel.stream);
      const ast::SelectStmt& firstSel = it->second->select;
      if (inserted || firstSel.window.size == s.window.size) continue;
      diags.error(s.window.range,
                  fmt::format("source '{}' has one Lambda tumbling window: stream '{}' sets it to {}, so "
                              "stream '{}' cannot have {}",
                              rel.origin->name, it->second->name, ast::printDuration(firstSel.window.size),
                              rel.name, ast::printDuration(s.window.size)),
                  "give the tumble(_arrival_time, …) windows over one source the same size, or window on an "
                  "event-time field");
      diags.note(firstSel.window.range,
                 fmt::format("stream '{}' sets the Lambda window here", it->second->name));
    }
    for (size_t i : declOrder) {
      const Relation& rel = *relations[i];
      const ast::SelectStmt& s = rel.stream->select;
      if (s.stateModel != ast::StateModel::EventTimeInState || !rel.origin) continue;
      auto it = lambdaWindow.find(rel.origin);
      if (it == lambdaWindow.end()) continue;
      diags.warning(
          s.window.range,
          fmt::format("open windows of stream '{}' are emitted early every {}: stream '{}' sets the "
                      "Lambda window of source '{}' to tumble(_arrival_time, {})",
                      rel.name, ast::printDuration(it->second->select.window.size), it->second->name,
                      rel.origin->name, ast::printDuration(it->second->select.window.size)));
    }
  }

  void warnUnused(const std::vector<size_t>& order, const std::vector<Relation*>& sunkDirectly,
                  bool anySink) {
    std::map<const Relation*, bool> sunk;
    std::map<const Relation*, bool> read;
    for (Relation* r : sunkDirectly) sunk[r] = read[r] = true;
    for (auto& rel : relations) {
      if (rel->kind != RelationKind::Stream) continue;
      const ast::SelectStmt& s = rel->stream->select;
      for (const std::string* name : {&s.from.name}) {
        auto it = byName.find(*name);
        if (it != byName.end()) read[it->second] = true;
      }
      for (const ast::JoinClause& j : s.joins) {
        auto it = byName.find(j.table.name);
        if (it != byName.end()) read[it->second] = true;
      }
    }
    // Sunk-ness flows upstream: later streams come later in `order`.
    for (auto p = order.rbegin(); p != order.rend(); ++p) {
      const Relation* rel = relations[*p].get();
      if (!sunk[rel]) continue;
      auto it = byName.find(rel->stream->select.from.name);
      if (it != byName.end()) sunk[it->second] = true;
    }

    bool anySource = false;
    for (size_t i = 0; i < relations.size(); ++i) {
      const Relation* rel = relations[i].get();
      if (rel->kind == RelationKind::Source) anySource = true;
      if (!first[i]) continue;
      switch (rel->kind) {
        case RelationKind::Source:
          if (!read[rel]) {
            diags.warning(nameRanges[i],
                          fmt::format("source {} is not read by any stream or sink", quoted(rel->name)));
          }
          break;
        case RelationKind::Table:
          if (!read[rel]) {
            diags.warning(nameRanges[i],
                          fmt::format("table {} is not joined by any stream", quoted(rel->name)));
          }
          break;
        case RelationKind::Stream:
          if (anySink && !sunk[rel]) {
            diags.warning(nameRanges[i], fmt::format("stream {} is not read by any sink", quoted(rel->name)),
                          fmt::format("add `sink {} to log;` or remove the stream", rel->name));
          }
          break;
      }
    }
    if (!anySink && anySource) {
      diags.warning(SourceRange{}, "the program has no sink: its results go nowhere",
                    "add one, e.g. `sink <stream> to log;`");
    }
    if (!anySource) {
      diags.error(SourceRange{}, "the program declares no source",
                  "e.g. source clicks from kinesis format json (user_id string, ts timestamp);");
    }
  }
};

}  // namespace

Catalog analyze(ast::Program& program, Diagnostics& diags, const Options& options) {
  Analyzer a{program, diags, options, {}, {}, {}, {}};
  return a.run();
}

}  // namespace flowc::sema
