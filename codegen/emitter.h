// codegen/emitter.h — internal to codegen/: the emitter core that the
// operator families (scan.cpp, filter.cpp, project.cpp, join.cpp, sink.cpp,
// and the breakers: aggregate.cpp, window.cpp, distinct.cpp, topn.cpp) and
// expressions (expr.cpp) contribute their fragments to.
//
// Produce/consume: the scan produces the source's row (one CValue per
// column) and hands it to consume(), which emits, for every operator reading
// that row, the operator's code followed by its own consumers' code, nested
// inside it (a Filter's consumers sit inside its `if`). Everything lands in
// ONE function per pipeline, processRecord(), evaluated per record.
//
// Record atomicity (decided here, see also the generated file's header):
// processRecord() only computes; the rows a record yields are collected in a
// `Rows` struct on the stack and written by writeRows() after the record
// succeeded. A record that fails anywhere — decoding, an overflow in one
// branch of a fan-out — writes no row to any sink: its outcome is exactly one
// of processed (all its rows) or dead-lettered / retried / skipped (none).
// Stateless operators give each sink at most one row per record, so Rows has
// one slot per sink. The same holds for the breakers' inputs (one slot per
// Aggregate, Distinct, TopN), which commit() applies only once the record
// succeeded; and a breaker's output rows run through the same Rows /
// commit / writeRows steps, one row at a time, at the end of the invocation.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "codegen.h"
#include "cpp_text.h"

namespace flowc::codegen::detail {

// A value in generated code.
struct CValue {
  std::string code;       // a C++ name or literal: cheap and side-effect free, so it may be repeated
  ast::Type type;         // its SQL type: nullable ⇔ code is a flow::sql::Nullable<…>;
                          // base Null ⇔ the constant null (code is empty)
  int sourceColumn = -1;  // the source column it is, if any (what the scan must decode)
};

// One CValue per column of an operator's output.
using Row = std::vector<CValue>;

std::string cppTypeOf(ast::BaseType base);  // "int64_t", "std::string_view", …
std::string cppTypeOf(ast::Type type);      // with flow::sql::Nullable<…> when nullable
// sink.cpp: the statement appending value `v` of SQL type `type` to the
// std::string `o` as JSON (`null` when a nullable value is null).
std::string appendJsonCode(const std::string& v, ast::Type type);
// A constant of type `type` (a table cell): `int64_t{42}`, `Nullable<…>{}`.
std::string constantCode(const ast::Value& value, ast::Type type);

// A sink that writes rows (dead-letter sinks are the runtime's).
struct SinkSlot {
  const plan::Node* node = nullptr;
  size_t index = 0;          // in the SinkSpec array and in Rows
  std::vector<int> columns;  // the schema columns it writes, in order
};

// regexp_like's literal patterns and json_extract's literal paths, compiled
// once per handler.
struct RegexSlot {
  std::string pattern;
  std::string text;  // the call, for the comment
};
struct JsonPathSlot {
  std::vector<ast::JsonPathStep> steps;
  std::string text;
};

// The JSON paths of the fields the scan decodes, merged into a tree so each
// object of the record is walked once: `$.payment.amount` and
// `$.payment.currency` share the walk into "payment".
struct PathNode {
  struct Child;
  std::vector<Child> children;  // in order of first use
  int leaf = -1;                // the source column read from this value
};
struct PathNode::Child {
  ast::JsonPathStep step;
  PathNode node;
};

class Emitter {
 public:
  Emitter(const plan::Plan& plan, const sema::Catalog& catalog, const ast::Program& program,
          Diagnostics& diags, std::string fileName, const SourceFile* source);

  GeneratedUnit run();

  // ---------------------------------------------------------------- shared

  // "clicks.flow:14" for a range, or the file name alone without the text.
  std::string where(SourceRange range) const;
  // "#3 Filter (clicks.flow:14)": how a block's comment names its operator.
  std::string nodeTitle(const plan::Node& n) const;
  std::string newTemp();  // t1, t2, … (unique in the record function)
  CodeWriter& code() { return *code_; }
  // `return std::string_view("reason", n);` — the record fails.
  void failWith(const std::string& reason);
  // An expression's text for messages and comments, cut to a readable size.
  std::string exprText(const ast::Expr& e) const;
  const ast::SourceDecl& source() const { return *sourceDecl_; }

  // ---------------------------------------------------------------- produce/consume

  // The code of every operator that reads node `id`'s rows, given `row`.
  void consume(int id, const Row& row);

  // scan.cpp
  Row scanRow();
  void emitScanPrologue(CodeWriter& out);  // nullable metadata locals, then decoding
  void emitFieldsStruct(CodeWriter& out);
  void emitDecodeFunction(CodeWriter& out);
  // The fast path beside decodeFields (flow/record_scan.h): when every
  // declared field is a member of the record or of an object in it.
  bool fastDecodable() const;
  void emitFastDecodeFunction(CodeWriter& out);
  bool decodesJson() const;
  bool planDecoding();  // after the body: builds decodeTree_ (false: reported an error)
  void planDecoderFilter();  // decoderFilter_ & co.
  // filter.cpp, project.cpp, join.cpp, sink.cpp
  void emitFilter(const plan::Node& n, const Row& input);
  void emitProject(const plan::Node& n, const Row& input);
  void emitJoin(const plan::Node& n, const Row& input);
  void emitTables(CodeWriter& out);
  void emitSink(const plan::Node& n, const Row& input);
  void emitRowsStruct(CodeWriter& out);
  void emitWriteRows(CodeWriter& out);

  // aggregate.cpp, distinct.cpp, topn.cpp, window.cpp: the pipeline breakers.
  // A record (or a breaker's output row) reaching a breaker fills the
  // breaker's input slot in Rows (emit*Input); commit() then checks every
  // filled slot (an int sum that would overflow, a late record) before
  // applying any, so a record that fails leaves no trace in any breaker.
  // At the end of the invocation flushAll() emits the breakers' rows through
  // their consumers (the breakers' row functions), in node id order.
  void planBreakers();
  void emitAggregateInput(const plan::Node& n, const Row& input);
  void emitDistinctInput(const plan::Node& n, const Row& input);
  void emitTopNInput(const plan::Node& n, const Row& input);
  // A Distinct's or TopN's input row, column by column, into its slot (breakers.cpp).
  void emitStoredRowInput(const plan::Node& n, const Row& input);
  void emitBreakerRowFunctions();  // the code behind each breaker (into its BreakerSlot)
  void emitBreakerTypes(CodeWriter& out);
  void emitBreakerInputs(CodeWriter& out);   // members of Rows
  void emitBreakerMembers(CodeWriter& out);  // members of Handler
  void emitBreakerFunctions(CodeWriter& out);
  void emitCommit(CodeWriter& out);
  void emitInvocationHooks(CodeWriter& out);  // beginInvocation / endInvocation
  bool hasBreakers() const { return !breakers_.empty(); }
  bool hasState() const;  // some breaker keeps state between invocations (windows)
  bool usesSketch() const;      // some aggregate is approx_percentile
  bool hasLateRecords() const;  // some window is on event time: its late records are dead-lettered
  std::string unsupportedAggregate(const plan::Node& n) const;

  // expr.cpp
  // Emits the statements computing `e` over `row` and returns its value,
  // whose type is e.type.
  CValue emitExpr(const ast::Expr& e, const Row& row);
  // `v` as code of C++ type cppTypeOf(target) (int → float, non-null →
  // Nullable, null → an empty Nullable).
  std::string coerce(const CValue& v, ast::Type target);
  // Marks the source columns a value reads, so the scan decodes them.
  const CValue& use(const CValue& v);
  // `v` with exactly type `t`, through a local when it needs converting.
  CValue fitTo(const CValue& v, ast::Type t);

 private:
  bool checkSupported();
  void planSinks();
  std::string pipelineText() const;
  void emitHandlerStruct(CodeWriter& out);
  void emitProcessFunction(CodeWriter& out, const CodeWriter& body);
  void emitInit(CodeWriter& out);
  void emitHandle(CodeWriter& out);

 public:
  // ---------------------------------------------------------------- state the families share
  // (plain data, read and written by the operator files and expr.cpp)

  const plan::Plan& plan_;
  const sema::Catalog& catalog_;
  const ast::Program& program_;
  Diagnostics& diags_;
  std::string fileName_;
  const SourceFile* sourceFile_;

  const plan::Node* sourceNode_ = nullptr;
  const ast::SourceDecl* sourceDecl_ = nullptr;
  std::vector<bool> columnRead_;               // per source column: some operator or sink reads it
  std::vector<SinkSlot> sinks_;                // in node id order
  std::map<int, size_t> sinkOfNode_;           // Sink node id → index in sinks_
  std::set<int> feedsSink_;                    // nodes some sink reads, directly or not
  std::vector<const ast::TableDecl*> tables_;  // joined tables, in order of first join
  std::vector<RegexSlot> regexes_;
  std::vector<JsonPathSlot> jsonPaths_;
  PathNode decodeTree_;
  // The filter whose first part the decoder tests (plan::Node::inDecoder),
  // its part, and the source columns that part reads; null when none.
  const plan::Node* decoderFilter_ = nullptr;
  const ast::Expr* decoderTest_ = nullptr;
  std::vector<int> decoderColumns_;
  bool usesArena_ = false;  // some expression computes strings
  bool usesJsonExtractor_ = false;

  CodeWriter* code_ = nullptr;
  int temps_ = 0;

  // share-subexpressions (plan::Plan::shareSubexpressions): the values
  // computed so far in this record, by the expression's shape over its
  // row's values; one is reused while the block that computed it is open,
  // i.e. only where it has certainly been computed — so a reuse never
  // changes which records fail or why.
  struct SharedValue {
    std::string key;
    CValue value;
    uint64_t scope = 0;
  };
  std::vector<SharedValue> shared_;

  // A breaker the handler materializes (aggregate.cpp & co.).
  struct BreakerSlot {
    const plan::Node* node = nullptr;
    int leader = 0;             // the breaker of its stream whose units flush it (0: flushed by flushAll)
    std::vector<int> children;  // breakers of the same stream flushed after each unit of this one
    CodeWriter rowFunction;     // emits one of its output rows through its consumers
  };
  std::vector<BreakerSlot> breakers_;  // in node id order
  std::map<int, size_t> breakerOfNode_;
  BreakerSlot& breaker(int id) { return breakers_.at(breakerOfNode_.at(id)); }
};

}  // namespace flowc::codegen::detail
