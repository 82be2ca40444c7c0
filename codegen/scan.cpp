// The scan: a record of the event → the source's row. Metadata columns come
// from flow::Record / flow::Batch; `format text` makes the payload the
// `line`; `format json` decodes the payload with simdjson On-Demand into a
// `Fields` struct that holds only the fields some operator or sink reads.
//
// Why only those: decoding is most of a stateless handler's work, and a
// field no one reads cannot change a row. The consequence, by design: a
// record is checked (present, not null, of its type) only for the fields the
// program reads — a record with a bad value in a field nothing reads is
// processed, not dead-lettered. It must still be a JSON object.
//
// The decoder walks each JSON object of the record once, member by member,
// and switches on the key (Lambda producers promise no member order), so a
// record costs one pass whatever the order of its members. With duplicate
// members the last one wins.
#include <fmt/format.h>

#include "emitter.h"

namespace flowc::codegen::detail {

using ast::BaseType;

namespace {

// The code of metadata column `name` of a record, and whether it needs a
// local (the nullable ones are built from two members).
struct Metadata {
  std::string code;
  std::string nullableInit;  // when set: `Nullable<T> name{…}` is declared first
};

Metadata metadataCode(ast::SourceKind kind, const std::string& name) {
  if (name == "_arrival_time") return {"rec.arrivalMs", ""};
  switch (kind) {
    case ast::SourceKind::Kinesis:
      if (name == "_partition_key") return {"rec.partitionKey", ""};
      if (name == "_sequence_number") return {"rec.id", ""};
      if (name == "_shard_id") return {"rec.shardId", ""};
      break;
    case ast::SourceKind::Sqs:
      if (name == "_message_id") return {"rec.id", ""};
      if (name == "_sent_time") return {"rec.sentMs", ""};
      if (name == "_group_id") return {"", "rec.groupId, !rec.hasGroupId"};
      break;
    case ast::SourceKind::Kafka:
      if (name == "_topic") return {"rec.topic", ""};
      if (name == "_partition") return {"rec.partition", ""};
      if (name == "_offset") return {"rec.offset", ""};
      if (name == "_key") return {"", "rec.key, !rec.hasKey"};
      if (name == "_kafka_time") return {"rec.kafkaTimeMs", ""};
      break;
    case ast::SourceKind::Http:
      if (name == "_method") return {"batch.method", ""};
      if (name == "_path") return {"batch.path", ""};
      if (name == "_source_ip") return {"batch.sourceIp", ""};
      break;
    case ast::SourceKind::DynamoDB:
      if (name == "_event_name") return {"rec.eventName", ""};
      if (name == "_sequence_number") return {"rec.id", ""};
      break;
  }
  throw InternalError(
      fmt::format("codegen: no metadata column '{}' for {} sources", name, ast::sourceKindName(kind)));
}

std::string fieldDescription(const ast::FieldDecl& f) {
  std::string text = f.name + " " + ast::typeName(f.type.type);
  if (f.type.unit == ast::TimestampUnit::Seconds) text += " (seconds)";
  if (f.path) text += " = " + f.path->text;
  return text;
}

// The reader of a field's type (flow/sql.h) and what a wrong value is told.
struct FieldReader {
  const char* function;
  std::string expected;
};

FieldReader readerOf(const ast::FieldDecl& f) {
  switch (f.type.type.base) {
    case BaseType::String: return {"flow::sql::readString", "a JSON string"};
    case BaseType::Int: return {"flow::sql::readInt", "an integer within 64 bits"};
    case BaseType::Float: return {"flow::sql::readFloat", "a JSON number"};
    case BaseType::Bool: return {"flow::sql::readBool", "true or false"};
    case BaseType::Timestamp:
      if (f.type.unit == ast::TimestampUnit::Seconds) {
        return {"flow::sql::readTimestampSeconds", "a number of epoch seconds or an RFC 3339 string"};
      }
      return {"flow::sql::readTimestamp", "an RFC 3339 string or a number of epoch milliseconds"};
    default: break;
  }
  throw InternalError(fmt::format("codegen: field '{}' of type {}", f.name, ast::typeName(f.type.type)));
}

// Writes the decoding of one JSON object / array / value of the tree. `n`
// numbers the generated locals of one decode function.
class DecodeWriter {
 public:
  DecodeWriter(Emitter& e, CodeWriter& out) : e_(e), out_(out) {}

  void objectLoop(const PathNode& node, const std::string& obj) {
    int k = ++n_;
    std::string member = fmt::format("member_{}", k), key = fmt::format("key_{}", k);
    out_.open(fmt::format("for (auto {} : {})", member, obj));
    out_.line(fmt::format("std::string_view {};", key));
    out_.line(fmt::format(
        "if (auto error = {}.unescaped_key().get({})) return flow::sql::invalidJson(error);", member, key));
    bool first = true;
    for (const PathNode::Child& c : node.children) {
      if (c.step.index >= 0) continue;
      std::string test = fmt::format("if ({} == {})", key, cppStringView(c.step.member));
      if (first) {
        out_.open(test);
      } else {
        out_.reopen("else " + test);
      }
      first = false;
      std::string v = fmt::format("v_{}", ++n_);
      out_.line(fmt::format("simdjson::ondemand::value {};", v));
      out_.line(fmt::format("if (auto error = {}.value().get({})) return flow::sql::invalidJson(error);",
                            member, v));
      value(c.node, v);
    }
    if (!first) out_.close();
    out_.close();
  }

  void arrayLoop(const PathNode& node, const std::string& arr) {
    int k = ++n_;
    std::string element = fmt::format("element_{}", k), index = fmt::format("index_{}", k);
    int64_t last = -1;
    for (const PathNode::Child& c : node.children) last = std::max(last, c.step.index);
    out_.line(fmt::format("int64_t {} = 0;", index));
    out_.open(fmt::format("for (auto {} : {})", element, arr));
    bool first = true;
    for (const PathNode::Child& c : node.children) {
      if (c.step.index < 0) continue;
      std::string test = fmt::format("if ({} == {})", index, c.step.index);
      if (first) {
        out_.open(test);
      } else {
        out_.reopen("else " + test);
      }
      first = false;
      std::string v = fmt::format("v_{}", ++n_);
      out_.line(fmt::format("simdjson::ondemand::value {};", v));
      out_.line(fmt::format("if (auto error = std::move({}).get({})) return flow::sql::invalidJson(error);",
                            element, v));
      value(c.node, v);
    }
    if (!first) out_.close();
    out_.line(fmt::format("if (++{} > {}) break;  // past the last element read", index, last));
    out_.close();
  }

  // The value `v` of a path: a field read here, or objects / arrays to walk.
  void value(const PathNode& node, const std::string& v) {
    if (node.leaf >= 0) {
      leaf(node.leaf, v);
      return;
    }
    bool members = false, elements = false;
    for (const PathNode::Child& c : node.children) (c.step.index >= 0 ? elements : members) = true;
    // A value of another shape leads nowhere: its fields stay missing.
    if (members) {
      std::string obj = fmt::format("obj_{}", ++n_);
      out_.line(fmt::format("simdjson::ondemand::object {};", obj));
      out_.open(fmt::format("if ({}.get_object().get({}) == simdjson::SUCCESS)", v, obj));
      objectLoop(node, obj);
      out_.close();
    }
    if (elements) {
      std::string arr = fmt::format("arr_{}", ++n_);
      out_.line(fmt::format("simdjson::ondemand::array {};", arr));
      out_.open(fmt::format("{}if ({}.get_array().get({}) == simdjson::SUCCESS)", "", v, arr));
      arrayLoop(node, arr);
      out_.close();
    }
  }

  void leaf(int column, const std::string& v) {
    const ast::FieldDecl& f = e_.source().fields[static_cast<size_t>(column)];
    FieldReader r = readerOf(f);
    std::string wrong = fmt::format("field '{}' must be {}", f.name, r.expected);
    out_.comment(fieldDescription(f));
    if (f.type.type.nullable) {
      out_.open(fmt::format("if (flow::sql::readNullable({}, f.field_{}, {}) != flow::sql::ReadResult::Ok)",
                            v, column, r.function));
      out_.line(fmt::format("return {};", cppStringView(wrong)));
      out_.close();
      return;
    }
    out_.open(fmt::format("if (auto r = {}({}, f.field_{}); r != flow::sql::ReadResult::Ok)", r.function, v,
                          column));
    out_.line(fmt::format("return r == flow::sql::ReadResult::Null ? {} : {};",
                          cppStringView(fmt::format("missing required field '{}'", f.name)),
                          cppStringView(wrong)));
    out_.close();
    out_.line(fmt::format("seen_{} = true;", column));
  }

 private:
  Emitter& e_;
  CodeWriter& out_;
  int n_ = 0;
};

}  // namespace

bool Emitter::decodesJson() const {
  return source().format == ast::Format::Json;
}

Row Emitter::scanRow() {
  const ast::SourceDecl& src = source();
  Row row;
  for (size_t c = 0; c < sourceNode_->schema.size(); ++c) {
    const ast::Column& col = sourceNode_->schema[c];
    CValue v;
    v.type = col.type;
    v.sourceColumn = static_cast<int>(c);
    if (col.metadata) {
      Metadata m = metadataCode(src.kind, col.name);
      v.code = m.code.empty() ? fmt::format("meta_{}", c) : m.code;
    } else if (src.format == ast::Format::Text) {
      v.code = "rec.payload";
    } else {
      v.code = fmt::format("f.field_{}", c);
    }
    row.push_back(std::move(v));
  }
  return row;
}

bool Emitter::planDecoding() {
  if (!decodesJson()) return true;
  const ast::SourceDecl& src = source();
  bool ok = true;
  for (size_t c = 0; c < src.fields.size() && c < columnRead_.size(); ++c) {
    if (!columnRead_[c] || sourceNode_->schema[c].metadata) continue;
    const ast::FieldDecl& f = src.fields[c];
    std::vector<ast::JsonPathStep> steps;
    if (f.path) {
      steps = f.path->steps;
    } else {
      steps.push_back({f.name, -1});
    }
    PathNode* node = &decodeTree_;
    for (const ast::JsonPathStep& st : steps) {
      PathNode* next = nullptr;
      for (PathNode::Child& ch : node->children) {
        if (ch.step.index == st.index && (st.index >= 0 || ch.step.member == st.member)) next = &ch.node;
      }
      if (!next) {
        node->children.push_back({st, PathNode{}});
        next = &node->children.back().node;
      }
      node = next;
    }
    if (node == &decodeTree_) {
      diags_.error(f.path ? f.path->range : f.range,
                   fmt::format("the back end cannot read the whole record as field '{}' yet", f.name),
                   "map the field to a member, e.g. $.name");
      ok = false;
    } else if (node->leaf >= 0 || !node->children.empty()) {
      const ast::FieldDecl& other = src.fields[static_cast<size_t>(node->leaf >= 0 ? node->leaf : 0)];
      diags_.error(
          f.path ? f.path->range : f.nameRange,
          node->leaf >= 0
              ? fmt::format(
                    "fields '{}' and '{}' read the same JSON value; the back end reads each value once",
                    other.name, f.name)
              : fmt::format("field '{}' reads a JSON value that other fields' paths go into; the back end "
                            "reads each value once",
                            f.name),
          "read it once and derive the other column in a stream");
      ok = false;
    } else {
      node->leaf = static_cast<int>(c);
    }
  }
  // A field read at a value that other paths walk into (declared before them).
  std::vector<const PathNode*> stack{&decodeTree_};
  while (!stack.empty()) {
    const PathNode* n = stack.back();
    stack.pop_back();
    if (n->leaf >= 0 && !n->children.empty()) {
      const ast::FieldDecl& f = src.fields[static_cast<size_t>(n->leaf)];
      diags_.error(
          f.path ? f.path->range : f.nameRange,
          fmt::format("field '{}' reads a JSON value that other fields' paths go into; the back end reads "
                      "each value once",
                      f.name),
          "read it once and derive the other column in a stream");
      ok = false;
    }
    for (const PathNode::Child& ch : n->children) stack.push_back(&ch.node);
  }
  return ok;
}

void Emitter::emitScanPrologue(CodeWriter& out) {
  const ast::SourceDecl& src = source();
  for (size_t c = 0; c < sourceNode_->schema.size(); ++c) {
    const ast::Column& col = sourceNode_->schema[c];
    if (!col.metadata || !columnRead_[c]) continue;
    Metadata m = metadataCode(src.kind, col.name);
    if (m.nullableInit.empty()) continue;
    out.line(fmt::format("const {} meta_{}{{{}}};  // {}", cppTypeOf(col.type), c, m.nullableInit,
                         cppCommentText(col.name)));
  }
  if (!decodesJson()) return;
  out.line("Fields f;");
  out.line("if (std::string_view why = decodeFields(h, rec, f); !why.empty()) return why;");
}

void Emitter::emitFieldsStruct(CodeWriter& out) {
  if (!decodesJson()) return;
  const ast::SourceDecl& src = source();
  out.note(fmt::format("The fields of '{}' that some operator reads ({}); the others are skipped unread.",
                       cppCommentText(src.name), where(src.range)));
  out.open("struct Fields");
  for (size_t c = 0; c < src.fields.size() && c < columnRead_.size(); ++c) {
    if (!columnRead_[c]) continue;
    out.line(fmt::format("{} field_{}{{}};  // {}", cppTypeOf(src.fields[c].type.type), c,
                         cppCommentText(fieldDescription(src.fields[c]))));
  }
  out.close(";");
  out.blank();
}

void Emitter::emitDecodeFunction(CodeWriter& out) {
  if (!decodesJson()) return;
  const ast::SourceDecl& src = source();
  out.note("Decodes the record's JSON into `f`; returns why it cannot, or \"\".");
  out.open(fmt::format("std::string_view decodeFields(Handler& h, const flow::Record& rec, {}Fields& f)",
                       decodeTree_.children.empty() ? "[[maybe_unused]] " : ""));
  out.line("simdjson::ondemand::document doc;");
  out.open(
      "if (auto error = h.parser.iterate(rec.payload.data(), rec.payload.size(), rec.payload.size() + "
      "flow::kPayloadPadding).get(doc))");
  out.line("return flow::sql::invalidJson(error);");
  out.close();
  out.line("simdjson::ondemand::object obj_0;");
  out.open("if (auto error = doc.get_object().get(obj_0))");
  out.line(
      "return error == simdjson::INCORRECT_TYPE ? std::string_view(\"the record is not a JSON object\")");
  out.line("                                         : flow::sql::invalidJson(error);");
  out.close();
  std::vector<size_t> required;
  for (size_t c = 0; c < src.fields.size() && c < columnRead_.size(); ++c) {
    if (columnRead_[c] && !src.fields[c].type.type.nullable) required.push_back(c);
  }
  for (size_t c : required) out.line(fmt::format("bool seen_{} = false;", c));
  DecodeWriter writer(*this, out);
  if (decodeTree_.children.empty()) {
    // No field is read: the record must still be a JSON object.
    out.open("for (auto member : obj_0)");
    out.line("if (auto error = member.error()) return flow::sql::invalidJson(error);");
    out.close();
  } else {
    writer.objectLoop(decodeTree_, "obj_0");
  }
  for (size_t c : required) {
    out.open(fmt::format("if (!seen_{})", c));
    code_ = &out;
    failWith(fmt::format("missing required field '{}'", src.fields[c].name));
    code_ = nullptr;
    out.close();
  }
  out.line("return {};");
  out.close();
  out.blank();
}

}  // namespace flowc::codegen::detail
