// codegen/breakers.h — internal to codegen/: what the pipeline breakers'
// files (aggregate.cpp, window.cpp, distinct.cpp, topn.cpp) share with the
// breaker core (breakers.cpp): the aggregates' specs, and each family's
// fragments of the translation unit.
//
// Names in the generated code, by the breaker's node id N: Key_N / Acc_N /
// Table_N (an Aggregate's groups), DRow_N / DTable_N (a Distinct's rows),
// TRow_N / TBuffer_N (a TopN's rows); Rows::in_N, its input slot; Handler
// members agg_N, distinct_N, top_N; functions groupRow_N / distinctRow_N /
// topRow_N (one output row through the operators after the breaker) and
// flush_N (every row of one unit: the batch, or one window).
#pragma once

#include <string>
#include <vector>

#include "emitter.h"

namespace flowc::codegen::detail {

enum class AggKind { CountStar, Count, CountDistinct, Sum, Avg, Min, Max, First, Last, Stddev, Percentile };

struct AggregateSpec {
  AggKind kind = AggKind::CountStar;
  const ast::Expr* call = nullptr;
  ast::Type argType;  // of args[0] (none for count(*))
  ast::Type outType;  // the Aggregate's column
  double percentile = 0;
  std::string text;   // sum(latency_ms), for reasons and comments
};

std::vector<AggregateSpec> aggregateSpecs(const Emitter& e, const plan::Node& n);

// A plain struct of `fields` (C++ type, name) and its hash/equal/own ops
// for flow::agg::GroupTable.
struct StructField {
  std::string type;
  std::string name;
  std::string comment;
};
void emitKeyStruct(CodeWriter& out, const std::string& name, const std::vector<StructField>& fields);
void emitKeyOps(CodeWriter& out, const std::string& ops, const std::string& key,
                const std::vector<StructField>& fields);
// `void <fn>(std::string& out, const <type>& k)`: the fields as a JSON object.
void emitKeyJson(CodeWriter& out, const std::string& fn, const std::string& type,
                 const std::vector<StructField>& fields, const std::vector<ast::Column>& columns);

// The "for each row of the unit: row function, commit, writeRows" loop body
// shared by the flush functions. `call` is the row function call without the
// trailing `rows` argument's closing, e.g. "groupRow_4(h, h.agg_4[i], ".
void emitFlushRow(Emitter& e, CodeWriter& out, const std::string& call, const std::string& stream,
                  const std::string& keyJsonCall);
// The children's flushes after one unit of `leader`.
void emitFlushChildren(Emitter& e, CodeWriter& out, int leader);
// The rest of a breaker's row function (groupRow_N, distinctRow_N, topRow_N):
// `row` through the operators after breaker `n`, then `return {};`.
void emitRowFunctionBody(Emitter& e, CodeWriter& out, const plan::Node& n, const Row& row);
// The columns of a stored row `var` of a Distinct or TopN: var.c0, var.c1, …
Row storedRow(const plan::Node& n, const std::string& var);
// Rows::in_N of a Distinct or TopN: `present` and its stored row of type
// `rowType` (DRow_N, TRow_N), under `comment`.
void emitStoredRowSlot(CodeWriter& out, const plan::Node& n, const std::string& rowType, const std::string& comment);

// aggregate.cpp
void emitAggregateTypes(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitAggregateInputStruct(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitAggregateMembers(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitAggregateCheck(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitAggregateApply(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitAggregateRowFunction(Emitter& e, const plan::Node& n);
void emitAggregateFlush(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitAggregateClear(Emitter& e, CodeWriter& out, const plan::Node& n);
// The accumulator's fields, its update by one value, and its final value.
std::vector<StructField> accumulatorFields(const AggregateSpec& a, size_t j);
// Every field of an Aggregate's accumulator that a window's state keeps:
// each aggregate's (accumulatorFields), a session's bounds, a cascade's pin.
// Acc_N declares these (and a session's `dead` flag); the state writes and
// reads them in this order.
std::vector<StructField> accumulatorStateFields(Emitter& e, const plan::Node& n);

// window.cpp: windowed Aggregates and the state they keep in Lambda's
// tumbling-window `state`.
bool isWindowed(const plan::Node& n);
bool isEventTime(const plan::Node& n);  // a windowed Aggregate of the event-time-in-state model
bool isSession(const plan::Node& n);
// Session windows: the record's session lookup and merge (commit's check and apply).
void emitSessionCheck(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitSessionApply(Emitter& e, CodeWriter& out, const plan::Node& n);
int64_t paneMs(const plan::Node& n);      // tumble: the size; hop: the slide
int64_t lateBoundMs(const Emitter& e, const plan::Node& n);  // watermark delay + allowed lateness (0 on _arrival_time)
void emitWindowedMembers(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitWindowedReset(Emitter& e, CodeWriter& out);  // in beginInvocation
void emitWindowedAggregateExtras(Emitter& e, CodeWriter& out, const plan::Node& n);  // after Table_N
void emitWindowedAggregateFlush(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitStateMembers(Emitter& e, CodeWriter& out);
void emitStateDecode(Emitter& e, CodeWriter& out);  // in beginInvocation
void emitStateEncode(Emitter& e, CodeWriter& out);  // at the end of endInvocation
void emitStateFunctions(Emitter& e, CodeWriter& out);
std::vector<StructField> keyFieldsOf(const plan::Node& n);

// Windows over windows (window.cpp's "Cascades"): a windowed Aggregate whose
// input chain holds windowed Aggregates. cascadeRoot is the chain's first
// level (the window over the source's records), null when `n` is no cascade.
const plan::Node* cascadeRoot(const plan::Plan& plan, const plan::Node& n);
bool isCascade(const Emitter& e, const plan::Node& n);
// Why the back end refuses a window over `n`'s input chain ("" when it
// does not), with a hint (emitter.cpp reports it).
std::string cascadeError(const Emitter& e, const plan::Node& n, std::string& hint);
// The C++ condition "a row at `time` (its window_end - 1 ms) falls in a
// window already emitted" of cascade `n`.
std::string cascadeLateCondition(const plan::Node& n, const std::string& time);

// distinct.cpp
void emitDistinctTypes(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitDistinctInputStruct(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitDistinctMembers(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitDistinctApply(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitDistinctRowFunction(Emitter& e, const plan::Node& n);
void emitDistinctFlush(Emitter& e, CodeWriter& out, const plan::Node& n);

// topn.cpp
void emitTopNTypes(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitTopNInputStruct(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitTopNMembers(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitTopNApply(Emitter& e, CodeWriter& out, const plan::Node& n);
void emitTopNRowFunction(Emitter& e, const plan::Node& n);
void emitTopNFlush(Emitter& e, CodeWriter& out, const plan::Node& n);

}  // namespace flowc::codegen::detail
