// The emitter core: what the back end can generate (one diagnostic per
// construct it cannot), the layout of the translation unit, the
// produce/consume dispatch, and the parts of the handler that are not an
// operator's: the Handler struct, init(), handle() and its record loop.
#include "emitter.h"

#include "breakers.h"

#include <fmt/format.h>

#include <algorithm>

#include "graph/graph.h"
#include "syntax/ast_print.h"

namespace flowc::codegen {

namespace detail {

using ast::BaseType;
using plan::Node;
using plan::OpKind;

std::string cppTypeOf(BaseType base) {
  switch (base) {
    case BaseType::Bool: return "bool";
    case BaseType::Int: return "int64_t";
    case BaseType::Float: return "double";
    case BaseType::String: return "std::string_view";
    case BaseType::Timestamp: return "flow::sql::Timestamp";
    case BaseType::Duration: return "flow::sql::Duration";
    case BaseType::Null:
    case BaseType::Error: break;
  }
  throw InternalError(fmt::format("codegen: no C++ type for '{}'", ast::baseTypeName(base)));
}

std::string cppTypeOf(ast::Type type) {
  std::string base = cppTypeOf(type.base);
  return type.nullable ? "Nullable<" + base + ">" : base;
}

Emitter::Emitter(const plan::Plan& plan, const sema::Catalog& catalog, const ast::Program& program,
                 Diagnostics& diags, std::string fileName, const SourceFile* source)
    : plan_(plan),
      catalog_(catalog),
      program_(program),
      diags_(diags),
      fileName_(std::move(fileName)),
      sourceFile_(source) {}

std::string Emitter::where(SourceRange range) const {
  if (!sourceFile_ || range.empty()) return fileName_;
  return fmt::format("{}:{}", fileName_, sourceFile_->locate(range.begin).line);
}

std::string Emitter::nodeTitle(const Node& n) const {
  return fmt::format("#{} {} ({})", n.id, plan::opKindName(n.kind), where(n.range));
}

std::string Emitter::newTemp() {
  return fmt::format("t{}", ++temps_);
}

void Emitter::failWith(const std::string& reason) {
  code().line(fmt::format("return {};", cppStringView(reason)));
}

std::string Emitter::exprText(const ast::Expr& e) const {
  std::string text = ast::printExpr(e);
  constexpr size_t kMax = 120;
  if (text.size() <= kMax) return text;
  // Cut on a UTF-8 character boundary.
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

// ------------------------------------------------------------------ what is generated

namespace {

const char* unsupportedSinkKind(ast::SinkKind k) {
  switch (k) {
    case ast::SinkKind::Log:
    case ast::SinkKind::Response: return nullptr;
    default: return ast::sinkKindName(k);
  }
}

}  // namespace

// What of an Aggregate the back end cannot generate ("" when it can).
std::string Emitter::unsupportedAggregate(const Node& n) const {
  for (const plan::ProjectItem& a : n.aggregates) {
    const ast::Expr& call = *a.expr;
    if (!call.star && !call.args.empty() && call.args[0]->type.base == ast::BaseType::Null)
      return fmt::format("'{}' of the constant null", exprText(call));
  }
  for (const plan::ProjectItem& k : n.groupKeys) {
    if (k.expr->type.base == ast::BaseType::Null) return "a group key that is the constant null";
  }
  if (n.window.kind == ast::WindowKind::None) return {};
  // A window over windowed streams (a cascade) is checked by cascadeError.
  if (isCascade(*this, n)) return {};
  if (n.stateModel == ast::StateModel::LambdaTumbling) return {};
  if (n.window.time.input != 0 || n.window.time.column < 0) return "a window over a computed time";
  return {};
}

bool Emitter::checkSupported() {
  size_t errorsBefore = diags_.errorCount();
  std::set<std::string> streamsReported;  // one diagnostic per stream
  const Node* firstSource = nullptr;
  for (const auto& np : plan_.nodes) {
    const Node& n = *np;
    switch (n.kind) {
      case OpKind::Source:
        if (firstSource) {
          diags_.error(
              n.source->nameRange,
              fmt::format("the back end generates one source per function yet; '{}' is the second",
                          n.source->name),
              fmt::format("a Lambda function reads one event source: put '{}' in a .flow file of its own",
                          n.source->name));
        } else {
          firstSource = &n;
        }
        break;
      case OpKind::Aggregate:
        if (std::string hint, why = cascadeError(*this, n, hint);
            !why.empty() && streamsReported.insert(n.stream).second) {
          diags_.error(n.range, fmt::format("stream '{}' cannot be built: {}", n.stream, why), hint);
        } else if (std::string why = unsupportedAggregate(n); !why.empty() && streamsReported.insert(n.stream).second) {
          diags_.error(n.range, fmt::format("the back end does not generate {} yet (stream '{}')", why, n.stream),
                       "flowc check and flowc graph accept this program; group by, windows over a "
                       "source's records, distinct and order by/limit can be built today");
        }
        break;
      case OpKind::Distinct:
      case OpKind::TopN: break;
      case OpKind::Sink: {
        const char* kind = unsupportedSinkKind(n.sink.kind);
        if (!n.inputs.empty()) {
          if (kind) {
            diags_.error(n.sink.kindRange, fmt::format("the back end does not generate {} sinks yet", kind),
                         "log and response sinks can be built today");
          }
        } else if (n.sink.kind != ast::SinkKind::Log) {
          diags_.error(n.sink.kindRange.empty() ? n.range : n.sink.kindRange,
                       fmt::format("the back end writes dead letters only to the log yet, not to {}",
                                   ast::sinkKindName(n.sink.kind)),
                       "leave out `to …`: dead letters then go to the log");
        }
        break;
      }
      case OpKind::Filter:
      case OpKind::Project:
      case OpKind::Join: break;
    }
  }
  if (!firstSource && diags_.errorCount() == errorsBefore) {
    throw InternalError("codegen: a checked program without a source");
  }
  sourceNode_ = firstSource;
  sourceDecl_ = firstSource ? firstSource->source : nullptr;
  return diags_.errorCount() == errorsBefore;
}

void Emitter::planSinks() {
  for (const auto& np : plan_.nodes) {
    const Node& n = *np;
    if (n.kind != OpKind::Sink || n.inputs.empty()) continue;
    SinkSlot slot;
    slot.node = &n;
    slot.index = sinks_.size();
    // A sink of a source writes its fields, not its metadata (as `select *`
    // does); a stream's sink writes every column the stream selected.
    bool ofSource = plan_.node(n.inputs[0]).kind == OpKind::Source;
    for (size_t c = 0; c < n.schema.size(); ++c) {
      if (ofSource && n.schema[c].metadata) continue;
      slot.columns.push_back(static_cast<int>(c));
    }
    sinkOfNode_[n.id] = slot.index;
    sinks_.push_back(std::move(slot));
  }
  // A stream no sink reads (flowc check warns about it) is not computed: it
  // could only cost time, and fail records over rows nobody sees.
  std::vector<int> work;
  for (const SinkSlot& s : sinks_) work.push_back(s.node->id);
  while (!work.empty()) {
    int id = work.back();
    work.pop_back();
    if (!feedsSink_.insert(id).second) continue;
    for (int in : plan_.node(id).inputs) work.push_back(in);
  }
}

std::string Emitter::pipelineText() const {
  std::string out;
  for (const graph::Pipeline& p : graph::splitPipelines(plan_)) {
    if (p.nodes.empty() || plan_.node(p.nodes[0]).kind != OpKind::Source) continue;
    out += fmt::format("pipeline {}:", p.id);
    for (size_t i = 0; i < p.nodes.size(); ++i)
      out += fmt::format("{}#{}", i == 0 ? " " : " -> ", p.nodes[i]);
  }
  return out;
}

// ------------------------------------------------------------------ produce/consume

void Emitter::consume(int id, const Row& row) {
  for (int reader : plan::consumersOf(plan_, id)) {
    if (!feedsSink_.count(reader)) continue;
    const Node& n = plan_.node(reader);
    switch (n.kind) {
      case OpKind::Filter: emitFilter(n, row); break;
      case OpKind::Project: emitProject(n, row); break;
      case OpKind::Join: emitJoin(n, row); break;
      case OpKind::Sink: emitSink(n, row); break;
      case OpKind::Aggregate: emitAggregateInput(n, row); break;
      case OpKind::Distinct: emitDistinctInput(n, row); break;
      case OpKind::TopN: emitTopNInput(n, row); break;
      default: throw InternalError(fmt::format("codegen: operator {} reached the record loop", nodeTitle(n)));
    }
  }
}

// ------------------------------------------------------------------ the translation unit

void Emitter::emitHandlerStruct(CodeWriter& out) {
  const ast::SourceDecl& src = source();
  out.note("Everything that lives as long as the function: built once by init().");
  out.open("struct Handler");
  out.line("flow::EventDecoder decoder;");
  out.line("flow::Batch batch;");
  out.line(fmt::format("flow::Output out{{{}, {}, flow::functionNameFromEnvironment()}};",
                       cppStringView(src.name),
                       sinks_.empty() ? "std::span<const flow::SinkSpec>()" : "kSinks"));
  if (decodesJson()) out.line("simdjson::ondemand::parser parser;  // the records' JSON");
  if (usesArena_) out.line("flow::sql::Arena arena;  // strings computed for one record, reset per record");
  if (usesJsonExtractor_) out.line("flow::sql::JsonExtractor json;  // json_extract()");
  emitBreakerMembers(out);
  for (size_t i = 0; i < regexes_.size(); ++i) {
    out.line(fmt::format("flow::sql::Regex regex_{};  // {}", i, cppCommentText(regexes_[i].text)));
  }
  out.close(";");
  out.blank();
  out.line("Handler* handler = nullptr;");
  out.blank();
}

void Emitter::emitProcessFunction(CodeWriter& out, const CodeWriter& body) {
  out.note("Runs every operator of the pipeline on record `rec`, collecting its rows in `rows`;");
  out.note("returns why the record fails, or \"\" (then, and only then, its rows are written).");
  out.open(
      "std::string_view processRecord([[maybe_unused]] Handler& h, [[maybe_unused]] const flow::Batch& "
      "batch, "
      "const flow::Record& rec, [[maybe_unused]] Rows& rows)");
  out.line("if (!rec.decodeError.empty()) return rec.decodeError;");
  emitScanPrologue(out);
  out.append(body);
  out.line("return {};");
  out.close();
  out.blank();
}

void Emitter::emitInit(CodeWriter& out) {
  out.note("Once per execution environment, before the first invocation.");
  out.open("flow::Status init(void*)");
  out.open("try");
  out.line("handler = new Handler();");
  if (source().kind == ast::SourceKind::Kinesis) {
    // Projection pruning into the envelope: metadata no operator reads is
    // checked but not converted (flow::EventDecoder::setKinesisMetadataRead).
    bool arrival = false, shard = false;
    for (size_t c = 0; c < sourceNode_->schema.size() && c < columnRead_.size(); ++c) {
      const ast::Column& col = sourceNode_->schema[c];
      if (!col.metadata || !columnRead_[c]) continue;
      arrival = arrival || col.name == "_arrival_time";
      shard = shard || col.name == "_shard_id";
    }
    if (!arrival || !shard) {
      out.comment("Kinesis metadata no operator reads: checked, not converted.");
      out.line(fmt::format("handler->decoder.setKinesisMetadataRead({{.arrivalTime = {}, .shardId = {}}});",
                           arrival ? "true" : "false", shard ? "true" : "false"));
    }
  }
  if (!regexes_.empty()) out.line("std::string error;");
  for (size_t i = 0; i < regexes_.size(); ++i) {
    out.comment(regexes_[i].text);
    out.open(
        fmt::format("if (!handler->regex_{}.compile({}, error))", i, cppStringView(regexes_[i].pattern)));
    out.line("return flow::functionError(\"InitError\", \"invalid regular expression: \" + error);");
    out.close();
  }
  out.reopen("catch (const std::exception& e)");
  out.line("return flow::functionError(\"InitError\", e.what());");
  out.close();
  out.line("return std::nullopt;");
  out.close();
  out.blank();
}

void Emitter::emitHandle(CodeWriter& out) {
  const ast::SourceDecl& src = source();
  const char* kind = "";
  switch (src.kind) {
    case ast::SourceKind::Kinesis: kind = "Kinesis"; break;
    case ast::SourceKind::DynamoDB: kind = "DynamoDb"; break;
    case ast::SourceKind::Sqs: kind = "Sqs"; break;
    case ast::SourceKind::Kafka: kind = "Kafka"; break;
    case ast::SourceKind::Http: kind = "Http"; break;
  }
  out.note("Once per invocation: the event's records, in order, through the pipeline.");
  out.open("void handle(const flow::Invocation& invocation, flow::Reply& reply, void*)");
  out.line("Handler& h = *handler;");
  out.open(
      fmt::format("if (flow::Status status = h.decoder.decode(flow::SourceKind::{}, flow::PayloadFormat::{}, "
                  "invocation.body, h.batch, invocation.arriving))",
                  kind, src.format == ast::Format::Text ? "Text" : "Json"));
  out.line("reply.error = std::move(*status);");
  out.line("return;");
  out.close();
  if (hasBreakers()) {
    out.open("if (flow::Status status = beginInvocation(h))");
    out.line("reply.error = std::move(*status);");
    out.line("return;");
    out.close();
  }
  out.line("h.out.begin(h.batch, reply);");
  out.open("for (size_t i = 0; i < h.batch.records.size() && !h.out.stopped(); ++i)");
  if (usesArena_) out.line("h.arena.reset();");
  out.line("Rows rows;");
  out.line("std::string_view why = processRecord(h, h.batch, h.batch.records[i], rows);");
  if (hasBreakers()) out.line("if (why.empty()) why = commit(h, rows);");
  out.open("if (!why.empty())");
  if (hasLateRecords()) {
    out.open("if (why.data() == flow::agg::kLateReason.data())");
    out.line("h.out.deadLetter(i, why);  // late: dead-lettered whatever the on error policy");
    out.line("continue;");
    out.close();
  }
  switch (src.onError) {
    case ast::OnError::DeadLetter: out.line("h.out.deadLetter(i, why);  // on error dead_letter"); break;
    case ast::OnError::Retry: out.line("h.out.retry(i);  // on error retry"); break;
    case ast::OnError::Skip: out.line("h.out.skip(i);  // on error skip"); break;
  }
  out.line("continue;");
  out.close();
  out.line("writeRows(h.out, rows);");
  out.line("h.out.processed(i);");
  out.close();
  if (hasBreakers()) out.line("endInvocation(h, reply);");
  out.line("h.out.finish();");
  out.close();
  out.blank();
}

GeneratedUnit Emitter::run() {
  size_t errorsBefore = diags_.errorCount();
  if (!checkSupported()) return {};
  planSinks();
  planBreakers();
  columnRead_.assign(sourceNode_->schema.size(), false);

  // The record function's body first: it decides which fields are decoded,
  // which tables, patterns and paths the handler holds.
  CodeWriter body;
  code_ = &body;
  consume(sourceNode_->id, scanRow());
  code_ = nullptr;
  emitBreakerRowFunctions();
  if (!planDecoding() || diags_.errorCount() > errorsBefore) return {};

  const ast::SourceDecl& src = source();
  CodeWriter out;
  out.note(fmt::format("Generated by flowc from {}: the AWS Lambda handler (`bootstrap`) of this program.",
                       cppCommentText(fileName_)));
  out.note("Do not edit: `flowc emit-cpp` writes it again.");
  out.note("");
  out.note(fmt::format("Source '{}': {}, format {}, on error {}.", cppCommentText(src.name),
                       ast::sourceKindName(src.kind), src.format == ast::Format::Text ? "text" : "json",
                       ast::onErrorName(src.onError)));
  std::string pipelines = pipelineText();
  if (!pipelines.empty()) out.note(pipelines);
  out.note("");
  out.note("Each record is decoded (only the fields some operator reads), runs through every");
  out.note("operator inline, and only when nothing failed are its rows written: a record that");
  out.note("fails (bad JSON, a missing field, an overflow…) writes no row anywhere and goes where");
  out.note("its source's `on error` says.");
  out.line("#include <algorithm>");
  out.line("#include <cmath>");
  out.line("#include <cstddef>");
  out.line("#include <cstdint>");
  out.line("#include <exception>");
  out.line("#include <span>");
  out.line("#include <string>");
  out.line("#include <string_view>");
  out.line("#include <utility>");
  out.blank();
  out.line("#include <simdjson.h>");
  out.blank();
  if (hasBreakers()) out.line("#include \"flow/aggregate.h\"");
  if (hasState()) out.line("#include \"flow/state.h\"");
  out.line("#include \"flow/events.h\"");
  out.line("#include \"flow/json_check.h\"");
  out.line("#include \"flow/json_writer.h\"");
  out.line("#include \"flow/output.h\"");
  out.line("#include \"flow/runtime.h\"");
  if (usesSketch()) out.line("#include \"flow/sketch.h\"");
  out.line("#include \"flow/sql.h\"");
  // Both JSON decoders use it: the fast path (scan.cpp) and decode::checkedTimestamp.
  if (decodesJson()) out.line("#include \"flow/record_scan.h\"");
  out.blank();
  out.line("namespace {");
  out.blank();
  out.line("using flow::sql::Nullable;");
  out.blank();

  if (!sinks_.empty()) {
    out.note("The sinks, in the order of their rows' slots and of their RecordsOut metrics.");
    out.open("constexpr flow::SinkSpec kSinks[] =");
    for (const SinkSlot& s : sinks_) {
      out.line(fmt::format("{{{}, flow::SinkKind::{}}},  // {}", cppStringView(s.node->stream),
                           s.node->sink.kind == ast::SinkKind::Response ? "Response" : "Log",
                           nodeTitle(*s.node)));
    }
    out.close(";");
    out.blank();
  }
  emitTables(out);
  for (size_t i = 0; i < jsonPaths_.size(); ++i) {
    out.comment(fmt::format("json_extract path '{}'", jsonPaths_[i].text));
    std::string steps;
    for (const ast::JsonPathStep& st : jsonPaths_[i].steps) {
      if (!steps.empty()) steps += ", ";
      steps += st.index >= 0 ? fmt::format("{{std::string_view(), {}}}", st.index)
                             : fmt::format("{{{}, -1}}", cppStringView(st.member));
    }
    if (jsonPaths_[i].steps.empty()) {
      out.line(fmt::format("constexpr std::span<const flow::sql::JsonStep> kJsonPath_{};", i));
    } else {
      out.line(fmt::format("constexpr flow::sql::JsonStep kJsonPath_{}[] = {{{}}};", i, steps));
    }
    out.blank();
  }
  emitFieldsStruct(out);
  emitBreakerTypes(out);
  emitRowsStruct(out);
  emitHandlerStruct(out);
  emitDecodeFunction(out);
  emitProcessFunction(out, body);
  emitBreakerFunctions(out);
  emitWriteRows(out);
  if (hasBreakers()) {
    emitCommit(out);
    emitInvocationHooks(out);
  }
  emitInit(out);
  emitHandle(out);
  out.line("}  // namespace");
  out.blank();
  // The body is decoded as it arrives (EventDecoder reads Kinesis records
  // while the rest is on its way).
  out.line("int main() { return flow::run(&init, &handle, nullptr, {.streamBody = true}); }");
  return GeneratedUnit{out.text()};
}

}  // namespace detail

GeneratedUnit emitHandler(const plan::Plan& plan, const sema::Catalog& catalog, const ast::Program& program,
                          Diagnostics& diags, const std::string& flowFileName, const EmitOptions& options) {
  detail::Emitter emitter(plan, catalog, program, diags, flowFileName, options.source);
  return emitter.run();
}

}  // namespace flowc::codegen
