// The scan: a record of the event → the source's row. Metadata columns come
// from flow::Record / flow::Batch; `format text` makes the payload the
// `line` (checked to be UTF-8: it is a string); `format json` decodes the
// payload with simdjson On-Demand into a `Fields` struct that holds only the
// fields some operator or sink reads.
//
// Strict decoding (LANGUAGE.md §3): a record that does not match the
// declared schema fails — and goes where its source's `on error` says —
// whether or not an operator reads the offending field. So the decoder walks
// the WHOLE record: every declared field is checked against its type (a
// field nobody reads is checked where it stands: its JSON type, its number's
// range, its timestamp's text, but it is never copied or unescaped), every
// other value is checked to be valid JSON, and nothing may follow the
// object. The walk and the reasons are the generated `decode` namespace
// (decode_support.cpp).
//
// The decoder walks each JSON object of the record once, member by member,
// and switches on the key (Lambda producers promise no member order), so a
// record costs one pass whatever the order of its members. A member that a
// declared field maps to may appear once per object: RFC 8259 leaves
// duplicate names to each parser (JavaScript and Python keep the last one,
// simdjson's lookups the first), so a record that has one means different
// things to different readers of the same stream — it fails rather than
// have flowc silently pick one. Undeclared members are ignored, duplicates
// included.
//
// A schema whose fields are members of the record or of objects in it (no
// array elements) also gets fastDecodeFields, tried first:
// flow/record_scan.h's strict scanner, which decides only records it can
// prove decodeFields would accept, with the same values, and otherwise leaves
// the record to decodeFields (numbers in that header; -DFLOW_NO_FAST_DECODE
// compiles it out, which the differential test
// tests/unit/codegen_fast_decode_test.cpp does).
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "decode_support.h"
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

// How a field is named in reasons: 'amount' ($.payment.amount).
std::string fieldLabel(const ast::FieldDecl& f) {
  std::string text = "'" + f.name + "'";
  if (f.path) text += " (" + f.path->text + ")";
  return text;
}

// The reader of a field's type (flow/sql.h; for strings decode's, which
// does not copy a string without escapes), its decode::Kind and the
// decode::check… function of the type.
struct FieldReader {
  const char* function;
  const char* kind;
  const char* check;
};

FieldReader readerOf(const ast::FieldDecl& f) {
  switch (f.type.type.base) {
    case BaseType::String: return {"decode::readString(in)", "String", "String"};
    case BaseType::Int: return {"flow::sql::readInt", "Int", "Int"};
    case BaseType::Float: return {"flow::sql::readFloat", "Float", "Float"};
    case BaseType::Bool: return {"flow::sql::readBool", "Bool", "Bool"};
    case BaseType::Timestamp:
      if (f.type.unit == ast::TimestampUnit::Seconds) {
        return {"flow::sql::readTimestampSeconds", "TimestampSeconds", "Timestamp"};
      }
      return {"flow::sql::readTimestamp", "Timestamp", "Timestamp"};
    default: break;
  }
  throw InternalError(fmt::format("codegen: field '{}' of type {}", f.name, ast::typeName(f.type.type)));
}

bool isIdentifier(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// One more step of a path as the language writes it: .name, ['odd name'], [0].
std::string stepText(const ast::JsonPathStep& step) {
  if (step.index >= 0) return fmt::format("[{}]", step.index);
  if (isIdentifier(step.member)) return "." + step.member;
  std::string quoted;
  for (char c : step.member) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return "['" + quoted + "']";
}

// The decoder's filter (Emitter::decoderTest_) on the fields decoded so far,
// into `out`: the record is dropped (f.dropped) when it is not true.
void emitDecoderTest(Emitter& e, CodeWriter& out) {
  out.comment("tested while decoding: " + e.exprText(*e.decoderTest_));
  CodeWriter* saved = e.code_;
  e.code_ = &out;
  CValue test = e.emitExpr(*e.decoderTest_, e.scanRow());
  e.code_ = saved;
  out.line(test.type.base == BaseType::Null ? "f.dropped = true;"
                                            : fmt::format("f.dropped = !flow::sql::isTrue({});", test.code));
}

// Writes the walk of the record's JSON: the objects and arrays the declared
// fields' paths go into, the fields' values, and a check of every other
// value. `n_` numbers the generated locals of the decode function.
class DecodeWriter {
 public:
  // `earlyFlags`: the seen_ flag of each field the decoder's filter reads
  // (Emitter::decoderColumns_), by column; empty without one.
  DecodeWriter(Emitter& e, CodeWriter& out, const std::map<const PathNode*, int>& flags,
               std::map<int, int> earlyFlags)
      : e_(e), out_(out), flags_(flags), earlyFlags_(std::move(earlyFlags)) {}

  // The members of object `container` (array = false) or the elements of
  // array `container`, whose value is at `path` and `depth`: each one goes
  // to the child of `node` it is, the others are checked and passed over.
  void loop(const PathNode& node, const std::string& container, bool array, int depth, const std::string& path) {
    int k = ++n_;
    std::string v = fmt::format("v_{}", k);
    if (array) {
      out_.line(fmt::format("int64_t index_{} = 0;", k));
      out_.open(fmt::format("for (auto element_{} : {})", k, container));
      out_.line(fmt::format("simdjson::ondemand::value {};", v));
      out_.line(fmt::format(
          "if (auto error = std::move(element_{}).get({})) return decode::syntaxError(rec.payload, error);", k, v));
    } else {
      out_.open(fmt::format("for (auto member_{} : {})", k, container));
      out_.line(fmt::format("std::string_view key_{};", k));
      out_.line(fmt::format("simdjson::ondemand::value {};", v));
      out_.line(fmt::format(
          "if (auto error = decode::member(member_{}, in, key_{}, {})) return decode::syntaxError(rec.payload, error);",
          k, k, v));
    }
    bool first = true;
    for (const PathNode::Child& c : node.children) {
      if ((c.step.index >= 0) != array) continue;
      std::string test = array ? fmt::format("if (index_{} == {})", k, c.step.index)
                               : fmt::format("if (key_{} == {})", k, cppStringView(c.step.member));
      if (first) {
        out_.open(test);
      } else {
        out_.reopen("else " + test);
      }
      first = false;
      auto flag = flags_.find(&c.node);
      if (flag != flags_.end()) {
        if (!array) {
          std::string duplicate = fmt::format("duplicate member '{}'", c.step.member);
          if (depth > 0) duplicate += " in " + path;
          out_.line(fmt::format("if (seen_{}) return {};", flag->second, cppStringView(duplicate)));
        }
        out_.line(fmt::format("seen_{} = true;", flag->second));
      }
      value(c.node, v, depth + 1, path + stepText(c.step));
    }
    if (first) throw InternalError("codegen: a decode loop without a child to find");
    out_.reopen("else");
    skip(v, depth + 1);
    out_.close();
    if (array) out_.line(fmt::format("++index_{};", k));
    out_.close();
  }

 private:
  // The value `v` of a path: a field's, or an object / array to walk into.
  void value(const PathNode& node, const std::string& v, int depth, const std::string& path) {
    if (node.leaf >= 0) {
      leaf(node.leaf, v);
      return;
    }
    bool members = false, elements = false;
    for (const PathNode::Child& c : node.children) (c.step.index >= 0 ? elements : members) = true;
    // A value of another shape leads nowhere (the fields below it are
    // missing) but must still be valid JSON.
    std::string first = fmt::format("c_{}", ++n_);
    out_.line(fmt::format("const char {} = {}.raw_json_token().front();", first, v));
    bool opened = false;
    if (members) {
      std::string obj = fmt::format("obj_{}", ++n_);
      out_.open(fmt::format("if ({} == '{{')", first));
      opened = true;
      out_.line(fmt::format("simdjson::ondemand::object {};", obj));
      out_.line(fmt::format("if (auto error = {}.get_object().get({})) return decode::syntaxError(rec.payload, error);",
                            v, obj));
      loop(node, obj, false, depth, path);
    }
    if (elements) {
      std::string arr = fmt::format("arr_{}", ++n_);
      std::string test = fmt::format("if ({} == '[')", first);
      if (opened) {
        out_.reopen("else " + test);
      } else {
        out_.open(test);
      }
      out_.line(fmt::format("simdjson::ondemand::array {};", arr));
      out_.line(fmt::format("if (auto error = {}.get_array().get({})) return decode::syntaxError(rec.payload, error);",
                            v, arr));
      loop(node, arr, true, depth, path);
    }
    out_.reopen("else");
    skip(v, depth);
    out_.close();
  }

  void skip(const std::string& v, int depth) {
    out_.line(fmt::format(
        "if (std::string_view why = decode::skip({}, in, {}); !why.empty()) return why;", v, depth));
  }

  // A declared field's value: read into `f` when some operator reads it,
  // checked where it stands when none does.
  void leaf(int column, const std::string& v) {
    const ast::FieldDecl& f = e_.source().fields[static_cast<size_t>(column)];
    out_.comment(fieldDescription(f));
    std::string read = fmt::format(
        "if (std::string_view why = decode::{}({}, f.field_{}, {}, kField_{}, in); !why.empty()) return why;",
        f.type.type.nullable ? "nullable" : "required", v, column, readerOf(f).function, column);
    std::string check =
        fmt::format("if (std::string_view why = decode::check{}({}, kField_{}, {}, in); !why.empty()) return why;",
                    readerOf(f).check, v, column, f.type.type.nullable ? "true" : "false");
    if (!e_.columnRead_[static_cast<size_t>(column)]) {
      out_.line(check);
      return;
    }
    if (earlyFlags_.empty()) {
      out_.line(read);
      return;
    }
    if (!earlyFlags_.count(column)) {
      // Once the filter failed, the record yields no row: check, do not keep.
      out_.open("if (!f.dropped)");
      out_.line(read);
      out_.reopen("else");
      out_.line(check);
      out_.close();
      return;
    }
    out_.line(read);
    // The filter's fields are all here now (each comes once): test it.
    std::string all;
    for (const auto& [col, flag] : earlyFlags_) all += fmt::format("{}seen_{}", all.empty() ? "" : " && ", flag);
    out_.open(fmt::format("if ({})", all));
    emitDecoderTest(e_, out_);
    out_.close();
  }

  Emitter& e_;
  CodeWriter& out_;
  const std::map<const PathNode*, int>& flags_;
  std::map<int, int> earlyFlags_;
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
  // Every declared field, read or not: a record must match them all.
  for (size_t c = 0; c < src.fields.size() && c < sourceNode_->schema.size(); ++c) {
    if (sourceNode_->schema[c].metadata) continue;
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
  if (ok) planDecoderFilter();
  return ok;
}

// The filter the optimizer put into the decoder (push-filter-into-decoder),
// when the shape it relies on holds: the source's only live reader, fields
// only, each a member of an object (so its arrival is flagged).
void Emitter::planDecoderFilter() {
  std::vector<int> readers;
  for (int r : plan::consumersOf(plan_, sourceNode_->id)) {
    if (feedsSink_.count(r)) readers.push_back(r);
  }
  if (readers.size() != 1) return;
  const plan::Node& n = plan_.node(readers[0]);
  if (n.kind != plan::OpKind::Filter || !n.inDecoder) return;
  const ast::Expr* first = n.predicate.get();
  for (int i = n.filterParts; i > 1; --i) {
    if (first->kind != ast::ExprKind::Binary || first->op != ast::Op::And) return;
    first = first->args[0].get();
  }
  std::vector<int> columns;
  bool ok = true;
  std::function<void(const ast::Expr&)> walk = [&](const ast::Expr& e) {
    if (e.kind == ast::ExprKind::ColumnRef) {
      int c = e.binding.column;
      if (e.binding.input != 0 || c < 0 || static_cast<size_t>(c) >= source().fields.size() ||
          sourceNode_->schema[static_cast<size_t>(c)].metadata) {
        ok = false;
        return;
      }
      const ast::FieldDecl& f = source().fields[static_cast<size_t>(c)];
      if (f.path && (f.path->steps.empty() || f.path->steps.back().index >= 0)) ok = false;
      if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
    }
    for (const ast::ExprPtr& a : e.args) walk(*a);
  };
  walk(*first);
  if (!ok || columns.empty()) return;
  decoderFilter_ = &n;
  decoderTest_ = first;
  decoderColumns_ = std::move(columns);
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
  if (!decodesJson()) {
    out.line("if (std::string_view why = decode::checkText(rec.payload); !why.empty()) return why;");
    return;
  }
  out.line("Fields f;");
  std::string slow = "if (std::string_view why = decodeFields(h, rec, f); !why.empty()) return why;";
  if (fastDecodable()) {
    out.note("The fast path first (fastDecodeFields); when it is not sure, decodeFields decides.");
    out.line("#ifndef FLOW_NO_FAST_DECODE");
    out.open("if (std::string_view why; fastDecodeFields(h, rec, f, why)) [[likely]]");
    out.line("if (!why.empty()) return why;");
    out.reopen("else");
    out.line("f = Fields{};");
    out.line(slow);
    out.close();
    out.line("#else");
    out.line(slow);
    out.line("#endif");
  } else {
    out.line(slow);
  }
  if (decoderFilter_) {
    out.line(fmt::format("if (f.dropped) return {{}};  // {} failed while decoding: no row",
                         nodeTitle(*decoderFilter_)));
  }
}

void Emitter::emitFieldsStruct(CodeWriter& out) {
  if (!decodesJson()) return;
  const ast::SourceDecl& src = source();
  out.note(fmt::format("The fields of '{}' that some operator reads ({}); the others are checked, not kept.",
                       cppCommentText(src.name), where(src.range)));
  out.open("struct Fields");
  for (size_t c = 0; c < src.fields.size() && c < columnRead_.size(); ++c) {
    if (!columnRead_[c]) continue;
    out.line(fmt::format("{} field_{}{{}};  // {}", cppTypeOf(src.fields[c].type.type), c,
                         cppCommentText(fieldDescription(src.fields[c]))));
  }
  if (decoderFilter_) {
    out.line(fmt::format("bool dropped = false;  // {} failed while decoding", nodeTitle(*decoderFilter_)));
  }
  out.close(";");
  out.blank();
}

void Emitter::emitDecodeFunction(CodeWriter& out) {
  emitDecodeSupport(out, decodesJson());
  if (!decodesJson()) return;
  const ast::SourceDecl& src = source();

  // The tree's nodes that need a flag: a member (it may come only once), a
  // required field's value (it must come).
  std::map<const PathNode*, int> flags;  // numbered in the order of the walk
  std::vector<const PathNode*> leafNode(src.fields.size(), nullptr);
  auto number = [&](const PathNode& n, auto& self) -> void {
    for (const PathNode::Child& c : n.children) {
      bool required = c.node.leaf >= 0 && !src.fields[static_cast<size_t>(c.node.leaf)].type.type.nullable;
      if (c.step.index < 0 || required) flags.emplace(&c.node, static_cast<int>(flags.size()) + 1);
      if (c.node.leaf >= 0) leafNode[static_cast<size_t>(c.node.leaf)] = &c.node;
      self(c.node, self);
    }
  };
  number(decodeTree_, number);

  out.note("The declared fields as failed records' reasons name them.");
  for (size_t c = 0; c < src.fields.size(); ++c) {
    if (!leafNode[c]) continue;
    const ast::FieldDecl& f = src.fields[c];
    out.line(fmt::format("constexpr decode::Field kField_{}{{{}, {}, decode::Kind::{}}};  // {}", c,
                         cppStringView(f.name), cppStringView(f.path ? f.path->text : ""), readerOf(f).kind,
                         cppCommentText(fieldDescription(f))));
  }
  out.blank();

  bool anyRead = false;
  for (size_t c = 0; c < src.fields.size() && c < columnRead_.size(); ++c) anyRead = anyRead || columnRead_[c];
  out.note("Decodes the record's JSON into `f`, checking all of it; returns why it cannot, or \"\".");
  out.open(fmt::format("std::string_view decodeFields(Handler& h, const flow::Record& rec, {}Fields& f)",
                       anyRead ? "" : "[[maybe_unused]] "));
  out.line("decode::Input in = decode::input(rec.payload);");
  out.line("simdjson::ondemand::document doc;");
  out.open(
      "if (auto error = h.parser.iterate(rec.payload.data(), rec.payload.size(), rec.payload.size() + "
      "flow::kPayloadPadding).get(doc))");
  out.line("return decode::syntaxError(rec.payload, error);");
  out.close();
  out.line("simdjson::ondemand::object obj_0;");
  out.line("if (auto error = doc.get_object().get(obj_0)) return decode::notAnObject(rec.payload, error);");
  std::vector<std::pair<int, const PathNode*>> ordered;
  for (const auto& [node, id] : flags) ordered.emplace_back(id, node);
  std::sort(ordered.begin(), ordered.end());
  for (const auto& [id, node] : ordered) out.line(fmt::format("bool seen_{} = false;", id));
  std::map<int, int> earlyFlags;
  for (int c : decoderColumns_) {
    const PathNode* leaf = leafNode.at(static_cast<size_t>(c));
    auto flag = leaf ? flags.find(leaf) : flags.end();
    if (flag == flags.end()) throw InternalError("codegen: a field the decoder's filter reads has no flag");
    earlyFlags[c] = flag->second;
  }
  DecodeWriter writer(*this, out, flags, std::move(earlyFlags));
  writer.loop(decodeTree_, "obj_0", false, 0, "$");
  out.note("Nothing may follow the object.");
  out.open("if (const char* rest; doc.current_location().get(rest) == simdjson::SUCCESS)");
  out.line("return decode::trailing(rec.payload, rest);");
  out.close();
  for (size_t c = 0; c < src.fields.size(); ++c) {
    const ast::FieldDecl& f = src.fields[c];
    if (!leafNode[c] || f.type.type.nullable) continue;
    out.line(fmt::format("if (!seen_{}) return {};", flags.at(leafNode[c]),
                         cppStringView("missing required field " + fieldLabel(f))));
  }
  out.line("return {};");
  out.close();
  out.blank();
  if (fastDecodable()) emitFastDecodeFunction(out);
}

namespace {

// Whether the fast path can walk `node`'s members: each is a declared field
// (a leaf) or an object holding more of them, never an array element.
// `bits` counts the members: each needs a bit of the walk's `seen` mask.
bool fastWalkable(const PathNode& node, size_t& bits) {
  for (const PathNode::Child& c : node.children) {
    if (c.step.index >= 0) return false;
    bool leaf = c.node.leaf >= 0 && c.node.children.empty();
    bool object = c.node.leaf < 0 && !c.node.children.empty();
    if (!leaf && !object) return false;
    if (++bits > 64) return false;
    if (object && !fastWalkable(c.node, bits)) return false;
  }
  return true;
}

}  // namespace

bool Emitter::fastDecodable() const {
  size_t bits = 0;
  return decodesJson() && !decodeTree_.children.empty() && fastWalkable(decodeTree_, bits);
}

// The fast path: flow/record_scan.h's scanner over the record, the declared
// fields (and the objects that hold them) by their position in their
// object's kFastNames_N. It only says "sure" of what decodeFields would
// accept, with the same `f`; the decoder's filter runs once the record is
// known good, on the same values (so it fails, or drops the record, as it
// does in decodeFields). An object on a field's path is walked when it is
// one ('{'); another value there is checked and passed over, as decodeFields
// does, the fields below it missing.
class FastDecodeWriter {
 public:
  FastDecodeWriter(Emitter& e, CodeWriter& out) : e_(e), out_(out) {}

  void write() {
    const PathNode& root = e_.decodeTree_;
    number(root, "$");
    out_.line("#ifndef FLOW_NO_FAST_DECODE");
    for (size_t index = 0; index < objects_.size(); ++index) {
      const Object& o = objects_[index];
      out_.note(fmt::format("The fast path's names of the members of {}, by member id.",
                            o.path == "$" ? "the record" : o.path));
      out_.open(fmt::format("constexpr std::string_view kFastNames_{}[] =", index));
      for (const PathNode::Child& c : o.node->children) {
        std::string what = c.node.leaf >= 0 ? fieldDescription(e_.source().fields[static_cast<size_t>(c.node.leaf)])
                                            : "an object of declared fields";
        out_.line(fmt::format("{},  // {}", cppStringView(c.step.member), cppCommentText(what)));
      }
      out_.close(";");
      out_.note("The previous record's keys there, by member position (flow/record_scan.h).");
      out_.line(fmt::format("flow::scan::KeyCache fastKeys_{};", index));
    }
    out_.blank();
    out_.note("Decodes a record of printable ASCII into `f` without simdjson (flow/record_scan.h).");
    out_.note("True: `f` is what decodeFields gives and `why` what it returns. False: not sure, ask");
    out_.note("decodeFields.");
    out_.open(
        "bool fastDecodeFields([[maybe_unused]] Handler& h, const flow::Record& rec, [[maybe_unused]] Fields& f, "
        "[[maybe_unused]] std::string_view& why)");
    out_.line("flow::scan::Cursor c(rec.payload);");
    out_.line("uint64_t seen = 0;");
    out_.line("if (!c.open()) return false;");
    members(0, 1);
    out_.line("if (!c.atEnd()) return false;");
    out_.line(fmt::format("if ((seen & {0}u) != {0}u) return false;  // a required field is missing", required_));
    if (e_.decoderFilter_) {
      // decodeFields tests the filter once its fields have all come; not
      // when one (nullable) is missing.
      out_.open(fmt::format("if ((seen & {0}u) == {0}u)", filter_));
      out_.open("why = [&]() -> std::string_view");
      emitDecoderTest(e_, out_);
      out_.line("return {};");
      out_.close("();");
      out_.close();
    }
    out_.line("return true;");
    out_.close();
    out_.line("#endif");
    out_.blank();
  }

 private:
  struct Object {  // kFastNames_N and fastKeys_N, N its index in objects_
    const PathNode* node;
    std::string path;
  };

  // Numbers the objects (0: the record) and gives every member its bit, in
  // the order of the walk.
  void number(const PathNode& node, const std::string& path) {
    objectIndex_[&node] = static_cast<int>(objects_.size());
    objects_.push_back({&node, path});
    for (const PathNode::Child& c : node.children) {
      bit_[&c.node] = bits_++;
      if (c.node.leaf < 0) number(c.node, path + stepText(c.step));
    }
  }

  // The members of object `index`, the cursor just inside its '{' (white
  // space skipped), `depth` the containers its members' values are in (1:
  // the record's members).
  void members(int index, int depth) {
    const Object& o = objects_[static_cast<size_t>(index)];
    out_.open("if (!c.emptyObject())");
    out_.open(fmt::format("for (int position_{} = 0;; ++position_{})", index, index));
    out_.comment("After the first member, memberKey reads the ',' before the key, or the '}'.");
    out_.line(fmt::format("int id_{0} = flow::scan::memberKey(c, fastKeys_{0}, position_{0}, kFastNames_{0});", index));
    out_.line(fmt::format("if (id_{} == flow::scan::kEndOfObject) break;", index));
    out_.open(fmt::format("switch (id_{})", index));
    const std::vector<PathNode::Child>& children = o.node->children;
    for (size_t id = 0; id < children.size(); ++id) {
      const PathNode::Child& c = children[id];
      int bit = bit_.at(&c.node);
      out_.open(fmt::format("case {}:", id));
      out_.line(fmt::format("if (seen & (uint64_t{{1}} << {})) return false;  // a duplicate: decodeFields says so", bit));
      out_.line(fmt::format("seen |= uint64_t{{1}} << {};", bit));
      if (c.node.leaf >= 0) {
        leaf(c.node.leaf, bit);
      } else {
        int inner = objectIndex_.at(&c.node);
        out_.comment(objects_[static_cast<size_t>(inner)].path + ": an object of declared fields");
        out_.open("if (c.p < c.end && *c.p != '{')");
        out_.comment("Another value leads nowhere, as in decodeFields: the fields below are missing.");
        out_.line(fmt::format("if (!c.skipValue({})) return false;", depth));
        out_.line("break;");
        out_.close();
        out_.line("if (!c.open()) return false;");
        members(inner, depth + 1);
      }
      out_.line("break;");
      out_.close();
    }
    out_.open(fmt::format("case {}:", children.size()));
    out_.note("A member no field maps to: valid JSON, not kept.");
    out_.line(fmt::format("if (!c.skipValue({})) return false;", depth));
    out_.line("break;");
    out_.close();
    out_.line("default: return false;");
    out_.close();
    out_.close();
    out_.close();
  }

  // Declared field `column`'s value, read into `f` (or checked, when no
  // operator reads it) as decodeFields would.
  void leaf(int column, int bit) {
    const ast::FieldDecl& f = e_.source().fields[static_cast<size_t>(column)];
    if (!f.type.type.nullable) required_ |= uint64_t{1} << bit;
    const std::vector<int>& early = e_.decoderColumns_;
    if (std::find(early.begin(), early.end(), column) != early.end()) filter_ |= uint64_t{1} << bit;
    out_.comment(fieldDescription(f));
    bool read = e_.columnRead_[static_cast<size_t>(column)];
    std::string target = fmt::format("f.field_{}", column);
    bool seconds = f.type.unit == ast::TimestampUnit::Seconds;
    if (!read && f.type.type.base == BaseType::Timestamp) {
      // decode::checkTimestamp's shortcut, not the value
    } else if (!read) {
      const char* type = "std::string_view";
      switch (f.type.type.base) {
        case BaseType::Int: type = "int64_t"; break;
        case BaseType::Float: type = "double"; break;
        case BaseType::Bool: type = "bool"; break;
        default: break;
      }
      out_.line(fmt::format("{} unused{{}};  // checked, not kept", type));
      target = "unused";
    } else if (f.type.type.nullable) {
      target += ".value";
    }
    std::string reader;
    switch (f.type.type.base) {
      case BaseType::String: reader = fmt::format("c.string({})", target); break;
      case BaseType::Int: reader = fmt::format("c.integer({})", target); break;
      case BaseType::Float: reader = fmt::format("c.float64({})", target); break;
      case BaseType::Bool: reader = fmt::format("c.boolean({})", target); break;
      case BaseType::Timestamp:
        reader = read ? fmt::format("c.timestamp({}, {})", target, seconds ? "true" : "false")
                      : fmt::format("c.checkTimestamp({})", seconds ? "true" : "false");
        break;
      default: throw InternalError(fmt::format("codegen: field '{}' of type {}", f.name, ast::typeName(f.type.type)));
    }
    if (f.type.type.nullable) {
      out_.open("if (c.null())");
      if (read) out_.line(fmt::format("f.field_{}.null = true;", column));
      out_.reopen(fmt::format("else if ({})", reader));
      if (read) out_.line(fmt::format("f.field_{}.null = false;", column));
      out_.reopen("else");
      out_.line("return false;");
      out_.close();
    } else {
      out_.line(fmt::format("if (!{}) return false;", reader));
    }
  }

  Emitter& e_;
  CodeWriter& out_;
  std::vector<Object> objects_;
  std::map<const PathNode*, int> objectIndex_;
  std::map<const PathNode*, int> bit_;
  int bits_ = 0;
  uint64_t required_ = 0, filter_ = 0;
};

void Emitter::emitFastDecodeFunction(CodeWriter& out) { FastDecodeWriter(*this, out).write(); }

}  // namespace flowc::codegen::detail
