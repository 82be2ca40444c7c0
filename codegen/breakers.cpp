// The pipeline breakers' core (see emitter.h): which breakers the handler
// materializes and who flushes whom, the input slots in Rows, commit() (all
// checks, then all updates: record atomicity), the flush order at the end
// of the invocation, and the structs and ops shared by the families.
//
// Units. A stream's first breaker leads it; the stream's later breakers
// (a Distinct, then a TopN) are its children and are flushed after each
// unit the leader emits: the whole batch for a per-batch leader, one window
// for a windowed Aggregate — so `select distinct` and `order by … limit n`
// work per batch or per window (LANGUAGE.md §5). Leaders are flushed by
// endInvocation() in node id order, which is the program's order, so a
// stream reading an aggregated stream sees all of that stream's rows of the
// invocation before it is flushed itself.
#include <fmt/format.h>

#include "breakers.h"

namespace flowc::codegen::detail {

using ast::BaseType;
using plan::Node;
using plan::OpKind;

namespace {

bool isBreaker(OpKind k) {
  return k == OpKind::Aggregate || k == OpKind::Distinct || k == OpKind::TopN;
}

// The windows over windows the handler materializes, in node order.
std::vector<const Node*> cascades(const Emitter& e) {
  std::vector<const Node*> out;
  for (const Emitter::BreakerSlot& b : e.breakers_) {
    if (isCascade(e, *b.node)) out.push_back(b.node);
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------------ shared structs

void emitKeyStruct(CodeWriter& out, const std::string& name, const std::vector<StructField>& fields) {
  out.open("struct " + name);
  for (const StructField& f : fields) {
    if (f.comment.empty()) {
      out.line(fmt::format("{} {}{{}};", f.type, f.name));
    } else {
      out.line(fmt::format("{} {}{{}};  // {}", f.type, f.name, cppCommentText(f.comment)));
    }
  }
  out.close(";");
}

void emitKeyOps(CodeWriter& out, const std::string& ops, const std::string& key,
                const std::vector<StructField>& fields) {
  out.open("struct " + ops);
  out.open(fmt::format("static uint64_t hash([[maybe_unused]] const {}& k)", key));
  out.line("uint64_t x = 0x2545f4914f6cdd1dULL;");
  for (const StructField& f : fields) {
    out.line(fmt::format("x = flow::agg::hashCombine(x, flow::agg::hashValue(k.{}));", f.name));
  }
  out.line("return x;");
  out.close();
  out.open(fmt::format("static bool equal([[maybe_unused]] const {0}& a, [[maybe_unused]] const {0}& b)", key));
  std::string cond;
  for (const StructField& f : fields) {
    if (!cond.empty()) cond += " && ";
    cond += fmt::format("flow::agg::sameValue(a.{0}, b.{0})", f.name);
  }
  out.line(fmt::format("return {};", cond.empty() ? "true" : cond));
  out.close();
  out.open(fmt::format("static void own([[maybe_unused]] {}& k, [[maybe_unused]] flow::Arena& arena)", key));
  for (const StructField& f : fields) out.line(fmt::format("flow::agg::ownValue(k.{}, arena);", f.name));
  out.close();
  out.close(";");
}

void emitKeyJson(CodeWriter& out, const std::string& fn, const std::string& type,
                 const std::vector<StructField>& fields, const std::vector<ast::Column>& columns) {
  out.open(fmt::format("[[maybe_unused]] void {}(std::string& o, [[maybe_unused]] const {}& k)", fn, type));
  out.line("o += '{';");
  for (size_t i = 0; i < fields.size() && i < columns.size(); ++i) {
    std::string key = fmt::format("{}\"{}\":", i == 0 ? "" : ",", jsonEscape(columns[i].name));
    out.line(fmt::format("o += {};", cppStringLiteral(key)));
    std::string v = "k." + fields[i].name;
    out.line(appendJsonCode(v, columns[i].type));
  }
  out.line("o += '}';");
  out.close();
}

void emitFlushRow(Emitter& e, CodeWriter& out, const std::string& call, const std::string& stream,
                  const std::string& keyJsonCall) {
  if (e.usesArena_) out.line("h.arena.reset();");
  out.line("Rows rows;");
  out.line(fmt::format("std::string_view why = {};", call));
  out.line("if (why.empty()) why = commit(h, rows);");
  out.open("if (!why.empty())");
  out.line("std::string key;");
  if (!cascades(e).empty()) {
    // a row late for a window over a window: its dead letter holds the row itself
    out.line("if (why.data() == flow::agg::kLateReason.data()) key = lateRowOf(rows);");
    out.line("if (key.empty()) " + keyJsonCall + ";");
  } else {
    out.line(keyJsonCall + ";");
  }
  out.line(fmt::format("flow::agg::writeFailedGroupRow(reply.stdoutText, {}, why, key);", cppStringView(stream)));
  out.line("continue;");
  out.close();
  out.line("writeRows(h.out, rows);");
}

void emitRowFunctionBody(Emitter& e, CodeWriter& out, const Node& n, const Row& row) {
  CodeWriter* saved = e.code_;
  e.code_ = &out;
  e.consume(n.id, row);
  e.code_ = saved;
  out.line("return {};");
  out.close();
  out.blank();
}

Row storedRow(const Node& n, const std::string& var) {
  Row row;
  for (size_t c = 0; c < n.schema.size(); ++c) row.push_back({fmt::format("{}.c{}", var, c), n.schema[c].type});
  return row;
}

void emitStoredRowSlot(CodeWriter& out, const Node& n, const std::string& rowType, const std::string& comment) {
  out.comment(comment);
  out.open(fmt::format("struct In_{}", n.id));
  out.line("bool present = false;");
  out.line(fmt::format("{} row;", rowType));
  out.close(fmt::format(" in_{};", n.id));
}

void Emitter::emitStoredRowInput(const Node& n, const Row& input) {
  code().line(fmt::format("rows.in_{}.present = true;", n.id));
  for (size_t c = 0; c < n.schema.size(); ++c) {
    code().line(fmt::format("rows.in_{}.row.c{} = {};", n.id, c, coerce(use(input.at(c)), n.schema[c].type)));
  }
}

void emitFlushChildren(Emitter& e, CodeWriter& out, int leader) {
  for (int child : e.breaker(leader).children) out.line(fmt::format("flush_{}(h, reply);", child));
}

// ------------------------------------------------------------------ the emitter's part

bool Emitter::hasState() const {
  for (const BreakerSlot& b : breakers_) {
    const Node& n = *b.node;
    if (n.kind == OpKind::Aggregate && n.window.kind != ast::WindowKind::None) return true;
  }
  return false;
}

bool Emitter::hasLateRecords() const {
  for (const BreakerSlot& b : breakers_) {
    if (isWindowed(*b.node) && b.node->stateModel == ast::StateModel::EventTimeInState) return true;
  }
  return false;
}

bool Emitter::usesSketch() const {
  for (const BreakerSlot& b : breakers_) {
    for (const plan::ProjectItem& a : b.node->aggregates) {
      if (a.expr->function == "approx_percentile") return true;
    }
  }
  return false;
}

void Emitter::planBreakers() {
  std::map<std::string, int> leaderOfStream;
  for (const auto& np : plan_.nodes) {
    const Node& n = *np;
    if (!isBreaker(n.kind) || !feedsSink_.count(n.id)) continue;
    BreakerSlot slot;
    slot.node = &n;
    auto it = leaderOfStream.find(n.stream);
    if (it == leaderOfStream.end()) {
      leaderOfStream[n.stream] = n.id;
    } else {
      slot.leader = it->second;
    }
    breakerOfNode_[n.id] = breakers_.size();
    breakers_.push_back(std::move(slot));
  }
  for (const BreakerSlot& b : breakers_) {
    if (b.leader != 0) breaker(b.leader).children.push_back(b.node->id);
  }
}

void Emitter::emitBreakerRowFunctions() {
  for (const BreakerSlot& b : breakers_) {
    const Node& n = *b.node;
    switch (n.kind) {
      case OpKind::Aggregate: emitAggregateRowFunction(*this, n); break;
      case OpKind::Distinct: emitDistinctRowFunction(*this, n); break;
      case OpKind::TopN: emitTopNRowFunction(*this, n); break;
      default: break;
    }
  }
}

void Emitter::emitBreakerTypes(CodeWriter& out) {
  for (const BreakerSlot& b : breakers_) {
    const Node& n = *b.node;
    switch (n.kind) {
      case OpKind::Aggregate: emitAggregateTypes(*this, out, n); break;
      case OpKind::Distinct: emitDistinctTypes(*this, out, n); break;
      case OpKind::TopN: emitTopNTypes(*this, out, n); break;
      default: break;
    }
  }
}

void Emitter::emitBreakerInputs(CodeWriter& out) {
  for (const BreakerSlot& b : breakers_) {
    const Node& n = *b.node;
    switch (n.kind) {
      case OpKind::Aggregate: emitAggregateInputStruct(*this, out, n); break;
      case OpKind::Distinct: emitDistinctInputStruct(*this, out, n); break;
      case OpKind::TopN: emitTopNInputStruct(*this, out, n); break;
      default: break;
    }
  }
}

void Emitter::emitBreakerMembers(CodeWriter& out) {
  if (breakers_.empty()) return;
  out.line("uint64_t sequence = 0;  // records applied to the breakers: first() and last() compare it");
  emitStateMembers(*this, out);
  for (const BreakerSlot& b : breakers_) {
    const Node& n = *b.node;
    switch (n.kind) {
      case OpKind::Aggregate: emitAggregateMembers(*this, out, n); break;
      case OpKind::Distinct: emitDistinctMembers(*this, out, n); break;
      case OpKind::TopN: emitTopNMembers(*this, out, n); break;
      default: break;
    }
  }
}

void Emitter::emitCommit(CodeWriter& out) {
  out.note("Applies what one record (or one breaker's row) gave the breakers, after checking all");
  out.note("of it: returns why it fails — then nothing was applied — or \"\".");
  out.open("std::string_view commit([[maybe_unused]] Handler& h, [[maybe_unused]] const Rows& rows)");
  for (const BreakerSlot& b : breakers_) {
    if (b.node->kind == OpKind::Aggregate) {
      out.comment(fmt::format("{}: check", nodeTitle(*b.node)));
      emitAggregateCheck(*this, out, *b.node);
    }
  }
  for (const BreakerSlot& b : breakers_) {
    const Node& n = *b.node;
    out.comment(fmt::format("{}: apply", nodeTitle(n)));
    switch (n.kind) {
      case OpKind::Aggregate: emitAggregateApply(*this, out, n); break;
      case OpKind::Distinct: emitDistinctApply(*this, out, n); break;
      case OpKind::TopN: emitTopNApply(*this, out, n); break;
      default: break;
    }
  }
  out.line("return {};");
  out.close();
  out.blank();
}

void Emitter::emitBreakerFunctions(CodeWriter& out) {
  for (const BreakerSlot& b : breakers_) out.append(b.rowFunction);
}

void Emitter::emitInvocationHooks(CodeWriter& out) {
  if (std::vector<const Node*> late = cascades(*this); !late.empty()) {
    out.note("The row (as JSON) that a window over a window found late, or \"\".");
    out.open("std::string lateRowOf(const Rows& rows)");
    for (const Node* n : late) out.line(fmt::format("if (!rows.in_{0}.lateRow.empty()) return rows.in_{0}.lateRow;", n->id));
    out.line("return {};");
    out.close();
    out.blank();
  }
  // Children first: a leader's flush calls its children's.
  for (auto it = breakers_.rbegin(); it != breakers_.rend(); ++it) {
    const Node& n = *it->node;
    switch (n.kind) {
      case OpKind::Aggregate: emitAggregateFlush(*this, out, n); break;
      case OpKind::Distinct: emitDistinctFlush(*this, out, n); break;
      case OpKind::TopN: emitTopNFlush(*this, out, n); break;
      default: break;
    }
  }
  emitStateFunctions(*this, out);
  out.note("Before the invocation's records: every breaker starts empty; the window state is decoded.");
  out.open("flow::Status beginInvocation([[maybe_unused]] Handler& h)");
  for (const BreakerSlot& b : breakers_) {
    const Node& n = *b.node;
    switch (n.kind) {
      case OpKind::Aggregate: emitAggregateClear(*this, out, n); break;
      case OpKind::Distinct: out.line(fmt::format("h.distinct_{}.clear();", n.id)); break;
      case OpKind::TopN: out.line(fmt::format("h.top_{}.clear();", n.id)); break;
      default: break;
    }
  }
  emitWindowedReset(*this, out);
  emitStateDecode(*this, out);
  out.line("return std::nullopt;");
  out.close();
  out.blank();
  out.note("After the invocation's records: each stream's breakers emit their rows, in program order;");
  out.note("then the open windows go into the response's state.");
  out.open("void endInvocation([[maybe_unused]] Handler& h, [[maybe_unused]] flow::Reply& reply)");
  for (const BreakerSlot& b : breakers_) {
    if (b.leader == 0) out.line(fmt::format("flush_{}(h, reply);", b.node->id));
  }
  emitStateEncode(*this, out);
  out.close();
  out.blank();
}

}  // namespace flowc::codegen::detail
