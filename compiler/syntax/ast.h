// The AST of a .flow program (LANGUAGE.md). compiler/syntax builds it from
// ANTLR's parse tree, which never leaves that folder; compiler/sema fills in
// the fields marked "sema:" (types and resolved names) in place. Every node
// carries the byte range of the text it came from.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "diagnostics/source_file.h"

namespace flowc::ast {

// ---------------------------------------------------------------- types

enum class BaseType : uint8_t {
  Error,  // sema: an expression whose type could not be worked out (already reported)
  Null,   // the type of the literal `null`; fits any nullable type
  Bool,
  Int,
  Float,
  String,
  Timestamp,
  Duration,
};

struct Type {
  BaseType base = BaseType::Error;
  bool nullable = false;

  bool operator==(const Type&) const = default;
  bool isNumeric() const { return base == BaseType::Int || base == BaseType::Float; }
};

const char* baseTypeName(BaseType t);  // "int", "string", ...
std::string typeName(Type t);          // "int", "string?"

// How a `timestamp` field is read from JSON (LANGUAGE.md §3).
enum class TimestampUnit : uint8_t { Auto, Seconds };  // Auto: RFC 3339 string or epoch ms

// A type as written in the program: `int`, `string?`, `timestamp(seconds)`.
struct TypeName {
  Type type;
  TimestampUnit unit = TimestampUnit::Auto;
  SourceRange range;
};

// ---------------------------------------------------------------- values

// A duration in milliseconds (`5 seconds`, `interval '5' second`).
struct Duration {
  int64_t ms = 0;
  bool operator==(const Duration&) const = default;
};

// A timestamp in epoch milliseconds, UTC.
struct Timestamp {
  int64_t ms = 0;
  bool operator==(const Timestamp&) const = default;
};

// A constant: a literal in the program or a cell of a table file.
// monostate is SQL null.
using Value = std::variant<std::monostate, bool, int64_t, double, std::string, Timestamp, Duration>;

// ---------------------------------------------------------------- expressions

enum class ExprKind : uint8_t {
  Literal,    // value
  ColumnRef,  // [qualifier.]name
  Unary,      // op args[0]                      (Neg, Not)
  Binary,     // args[0] op args[1]
  IsNull,     // args[0] is [not] null           (negated = "is not null")
  Between,    // args[0] [not] between args[1] and args[2]
  InList,     // args[0] [not] in (args[1..])
  Like,       // args[0] [not] like args[1]
  Case,       // case [args[0] if hasOperand] when/then pairs … [else last]
  Cast,       // cast(args[0] as castType)
  Call,       // name(args...) — functions, aggregates, and windows in group by
  Extract,    // extract(field from args[0]); field in `name`
};

enum class Op : uint8_t {
  None,
  Neg, Not,                         // unary
  Add, Sub, Mul, Div, Mod, Concat,  // arithmetic, ||
  Eq, Ne, Lt, Le, Gt, Ge,           // comparison (`<>` is Ne)
  And, Or,
};

const char* opSpelling(Op op);  // "+", "and", "<>"…

// sema: what a ColumnRef resolves to.
struct ColumnBinding {
  int input = -1;   // 0 = the FROM relation, 1 + i = joins[i]'s table
  int column = -1;  // index in that input's schema
};

// sema: what a Call is.
enum class CallKind : uint8_t { Unresolved, Scalar, Aggregate, Window };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::Literal;
  SourceRange range;

  Value value;            // Literal
  std::string qualifier;  // ColumnRef: `c` in `c.user_id`, else empty
  std::string name;       // ColumnRef: column; Call: function name as written; Extract: field
  Op op = Op::None;       // Unary, Binary
  bool negated = false;   // IsNull/Between/InList/Like: the `not` form
  bool distinct = false;  // Call: count(distinct e)
  bool star = false;      // Call: count(*)
  bool hasOperand = false;  // Case: `case x when …` (args[0] is x)
  bool hasElse = false;     // Case: last arg is the else branch
  TypeName castType;        // Cast
  std::vector<ExprPtr> args;

  // sema:
  Type type;
  ColumnBinding binding;             // ColumnRef
  CallKind callKind = CallKind::Unresolved;
  std::string function;              // Call: canonical lower-case name (e.g. "count")
  int aggregateSlot = -1;            // Call of an aggregate: index into SelectStmt::aggregates
  int groupKeySlot = -1;             // an expression equal to group key #k (outermost match)
};

// ---------------------------------------------------------------- statements

enum class SourceKind : uint8_t { Kinesis, DynamoDB, Sqs, Kafka, Http };
enum class Format : uint8_t { Json, Text };
enum class OnError : uint8_t { DeadLetter, Retry, Skip };

const char* sourceKindName(SourceKind k);  // "kinesis"…
const char* onErrorName(OnError e);        // "dead_letter"…

// A JSON path after `=`: `$.payment.amount`, `$.items[0].id`.
struct JsonPathStep {
  std::string member;  // set for `.name` / `['name']`
  int64_t index = -1;  // set (>= 0) for `[0]`
};
struct JsonPath {
  std::string text;  // as written, for printing
  std::vector<JsonPathStep> steps;
  SourceRange range;
};

struct FieldDecl {
  std::string name;
  TypeName type;
  std::optional<JsonPath> path;  // `= $.a.b`; absent: the member named like the field
  SourceRange range;             // the whole declaration
  SourceRange nameRange;
};

struct EventTime {
  std::string field;
  SourceRange fieldRange;
  Duration watermark;
  SourceRange watermarkRange;
  std::optional<Duration> allowedLateness;
  SourceRange latenessRange;
};

// Where a sink (or the dead-letter output) writes.
enum class SinkKind : uint8_t { Log, Metrics, Response, Kinesis, Firehose, Sqs, Sns, S3, DynamoDB };
const char* sinkKindName(SinkKind k);

// One `name value` option after a sink's target, e.g. `namespace 'Clicks'`,
// `dimensions (page, country)`, `partition key page`. Sema checks which
// options each sink kind takes.
struct SinkOption {
  std::string name;               // canonical: "namespace", "dimensions", "partition key", …
  std::string text;               // string or identifier value
  std::vector<std::string> list;  // `dimensions (a, b)`
  SourceRange range;
  SourceRange valueRange;
};

struct SinkTarget {
  SinkKind kind = SinkKind::Log;
  SourceRange kindRange;
  std::optional<std::string> target;  // `'page-stats'` after the kind
  SourceRange targetRange;
  std::vector<SinkOption> options;
};

struct SourceDecl {
  std::string name;
  SourceRange nameRange;
  SourceKind kind = SourceKind::Kinesis;
  SourceRange kindRange;
  Format format = Format::Json;
  bool formatWritten = false;
  SourceRange formatRange;
  std::vector<FieldDecl> fields;  // for `text`, sema supplies `line string`
  std::optional<EventTime> eventTime;
  OnError onError = OnError::DeadLetter;
  bool onErrorWritten = false;
  SourceRange onErrorRange;
  std::optional<SinkTarget> deadLetterTo;  // `on error dead_letter to sqs 'dlq'`
  SourceRange range;
};

struct TableDecl {
  std::string name;
  SourceRange nameRange;
  std::string file;  // as written, relative to the .flow file's folder
  SourceRange fileRange;
  std::vector<FieldDecl> columns;
  std::string key;
  SourceRange keyRange;
  SourceRange range;

  // sema: the rows read from the file, one Value per column, in file order.
  std::vector<std::vector<Value>> rows;
};

struct TableRef {
  std::string name;
  std::string alias;  // empty when none
  SourceRange range;  // the name
  SourceRange aliasRange;
};

struct JoinClause {
  bool left = false;
  TableRef table;
  ExprPtr on;
  SourceRange range;
};

struct SelectItem {
  ExprPtr expr;             // null for `*` and `x.*`
  bool star = false;        // `*` or `x.*`
  std::string starQualifier;  // `x` of `x.*`
  std::string alias;        // `as name`; empty when none
  SourceRange range;
  SourceRange aliasRange;
};

struct OrderItem {
  ExprPtr expr;
  bool desc = false;
  SourceRange range;
};

enum class EmitMode : uint8_t { Final, Changes };

enum class WindowKind : uint8_t { None, Tumble, Hop, Session };
const char* windowKindName(WindowKind k);

// sema: the window named among the group-by keys.
struct WindowSpec {
  WindowKind kind = WindowKind::None;
  int groupByIndex = -1;    // which group-by item is the window call
  ColumnBinding time;       // the timestamp column it is over
  std::string timeColumn;   // its name ("_arrival_time" or an event-time field)
  bool onArrivalTime = false;
  Duration size;            // tumble/hop size; session gap
  Duration slide;           // hop only
  SourceRange range;
};

// sema: how the stream's state is carried between invocations (§5).
enum class StateModel : uint8_t {
  Stateless,            // no group by
  PerBatch,             // group by without a window: each invocation on its own
  LambdaTumbling,       // tumble(_arrival_time, D ≤ 900 s): Lambda's own windows
  EventTimeInState,     // event-time windows kept in `state` under a 900 s Lambda window
};
const char* stateModelName(StateModel m);

// sema: one output column of a relation.
struct Column {
  std::string name;
  Type type;
  bool metadata = false;  // `_arrival_time` and friends
  SourceRange range;      // where it was declared or computed
};

struct SelectStmt {
  bool distinct = false;
  SourceRange distinctRange;
  std::vector<SelectItem> items;
  TableRef from;
  std::vector<JoinClause> joins;
  ExprPtr where;
  std::vector<ExprPtr> groupBy;
  SourceRange groupByRange;
  ExprPtr having;
  std::vector<OrderItem> orderBy;
  std::optional<int64_t> limit;
  SourceRange limitRange;
  EmitMode emit = EmitMode::Final;
  bool emitWritten = false;
  SourceRange emitRange;
  SourceRange range;

  // sema:
  std::vector<Expr*> aggregates;  // every aggregate call, by aggregateSlot
  WindowSpec window;
  StateModel stateModel = StateModel::Stateless;
  // For each output column, the expressions that produce it (after `*` expansion):
  // selectExprs[i] is either an item's expr or a synthesized ColumnRef.
  std::vector<ExprPtr> expandedStar;    // owns the ColumnRefs made for `*`
  std::vector<Expr*> outputExprs;       // one per output column
};

struct StreamDecl {
  std::string name;
  SourceRange nameRange;
  SelectStmt select;
  SourceRange range;
};

struct SinkDecl {
  std::string stream;  // the stream, source or `_dead_letter` it reads
  SourceRange streamRange;
  SinkTarget to;
  SourceRange range;
};

// `dead_letter to sqs 'failed-clicks';` — where dead letters of every source go.
struct DeadLetterDecl {
  SinkTarget to;
  SourceRange range;
};

using Decl = std::variant<SourceDecl, TableDecl, StreamDecl, SinkDecl, DeadLetterDecl>;

struct Program {
  std::vector<Decl> decls;  // in program order
};

// sema: the schema of a named relation (source, table, stream).
enum class RelationKind : uint8_t { Source, Table, Stream };

}  // namespace flowc::ast
