// Windowed Aggregates and their state (LANGUAGE.md §5, docs/language.md §15,
// docs/runtime.md "Window state"): Lambda's own tumbling windows (below), and
// the event-time-in-state model — tumble and hop as panes, sessions with
// merging (their comments further down).
//
// lambda-tumbling-window (`tumble(_arrival_time, D)`, D whole seconds ≤ 900):
// the window IS Lambda's — every event of one window and shard carries the
// state the previous response returned. The groups (Table_N, with their
// count(distinct) sets) are decoded from the event's `state` before the
// records, updated by them, and encoded into the response's `state` after
// them. At the window's final invoke (isFinalInvokeForWindow) every group is
// emitted with window_start/window_end = Lambda's window and the table starts
// afresh; `emit changes` also emits, after every other invocation, the
// groups it changed (window_complete = false).
//
// The bound (flow::state::kBudgetBytes, under Lambda's 1 MB): when the
// encoded state would pass it, every group of every window still open is
// emitted early with window_complete = false and dropped from the state —
// nothing is lost, the rows are partial aggregates to add up downstream — and
// the window remembers it (partial_N), so its later rows say
// window_complete = false too. Lambda's own early end (isWindowTerminatedEarly)
// is handled the same way.
//
// Windows over windows (cascades, docs/language.md §15 "Windows over windows"):
// a window whose input chain holds windowed Aggregates (any number of levels)
// is an event-time window on an upstream row's window_end. Its rows count at
// window_end - 1 ms, the window's last instant (so the minutes 10:00-10:01 …
// 10:59-11:00 make up the hour 10:00-11:00). They arrive while the upstream
// flushes (endInvocation flushes in node order, so every level of one
// invocation runs before the next, and one invocation can close them all),
// through commit() like any row. Its watermark is the first level's (the
// cascade's root): the bound that closes the root's windows (wmMax - delay -
// allowed lateness; for a root that is Lambda's own window, Lambda's window
// end at its final invoke). flush_N first closes the windows that bound
// reaches, then, at Lambda's window end, emits the rest early. A row whose
// window was already emitted is late: it is dead-lettered as a row of its
// stream (the row as JSON, Rows::in_N.lateRow), never dropped. An input row
// with window_complete = false marks its group (Acc_N::pin, kept in the
// state and merged with the panes): the group's row is then incomplete too.
// Per-batch aggregates, distinct, order by/limit and `emit changes` upstream
// are refused (cascadeError).
#include <fmt/format.h>

#include "breakers.h"

namespace flowc::codegen::detail {

using plan::Node;

bool isWindowed(const Node& n) {
  return n.kind == plan::OpKind::Aggregate && n.window.kind != ast::WindowKind::None;
}

bool isEventTime(const Node& n) {
  return isWindowed(n) && n.stateModel == ast::StateModel::EventTimeInState;
}

bool isSession(const Node& n) {
  return isEventTime(n) && n.window.kind == ast::WindowKind::Session;
}

int64_t paneMs(const Node& n) {
  return n.window.kind == ast::WindowKind::Hop ? n.window.slide.ms : n.window.size.ms;
}

int64_t lateBoundMs(const Emitter& e, const Node& n) {
  const ast::SourceDecl& src = e.source();
  if (n.window.onArrivalTime || !src.eventTime) return 0;
  return src.eventTime->watermark.ms + (src.eventTime->allowedLateness ? src.eventTime->allowedLateness->ms : 0);
}

// ------------------------------------------------------------------ cascades

const Node* cascadeRoot(const plan::Plan& plan, const Node& n) {
  if (!isWindowed(n)) return nullptr;
  const Node* root = nullptr;
  std::vector<int> work(n.inputs);
  while (!work.empty()) {
    const Node& up = plan.node(work.back());
    work.pop_back();
    if (isWindowed(up)) root = &up;  // the chain is linear: the last one found is the first level
    for (int in : up.inputs) work.push_back(in);
  }
  return root;
}

bool isCascade(const Emitter& e, const Node& n) {
  return cascadeRoot(e.plan_, n) != nullptr;
}

std::string cascadeError(const Emitter& e, const Node& n, std::string& hint) {
  if (!isWindowed(n)) return {};
  bool aggregated = false;
  std::vector<int> work(n.inputs);
  while (!work.empty()) {
    const Node& up = e.plan_.node(work.back());
    work.pop_back();
    for (int in : up.inputs) work.push_back(in);
    switch (up.kind) {
      case plan::OpKind::Aggregate:
        if (!isWindowed(up)) {
          hint = fmt::format("give stream '{}' a window too, e.g. tumble(_arrival_time, 1 minute)", up.stream);
          return fmt::format("a window over a per-batch aggregate ('{}'): its rows have no window_end", up.stream);
        }
        if (up.emit == ast::EmitMode::Changes) {
          hint = fmt::format("give stream '{}' emit final (the default)", up.stream);
          return fmt::format("a window over an `emit changes` stream ('{}') would count every update again",
                             up.stream);
        }
        aggregated = true;
        break;
      case plan::OpKind::Distinct:
        hint = "window over the stream it reads instead";
        return fmt::format("a window over the `select distinct` stream '{}': its rows are what is left of each "
                           "window, not an aggregate to add up",
                           up.stream);
      case plan::OpKind::TopN:
        hint = "window over the stream it reads instead";
        return fmt::format("a window over the `order by`/`limit` stream '{}': its rows are a selection of each "
                           "window, not an aggregate to add up",
                           up.stream);
      default: break;
    }
  }
  if (!aggregated) return {};
  // The time must be an upstream window's end: the only time its rows have.
  // Followed back through the plan (the optimizer may have pruned columns).
  bool windowEnd = false;
  int c = n.window.time.input == 0 ? n.window.time.column : -1;
  for (const Node* x = &e.plan_.node(n.inputs.at(0)); x && c >= 0;) {
    switch (x->kind) {
      case plan::OpKind::Aggregate:
        windowEnd = isWindowed(*x) && c == static_cast<int>(x->groupKeys.size()) + 1;
        x = nullptr;
        break;
      case plan::OpKind::Project: {
        const ast::Expr* p = static_cast<size_t>(c) < x->projections.size() ? x->projections[c].expr.get() : nullptr;
        c = p && p->kind == ast::ExprKind::ColumnRef && p->binding.input == 0 ? p->binding.column : -1;
        x = &e.plan_.node(x->inputs.at(0));
        break;
      }
      case plan::OpKind::Join:
        if (c >= static_cast<int>(e.plan_.node(x->inputs.at(0)).schema.size())) c = -1;
        x = &e.plan_.node(x->inputs.at(0));
        break;
      case plan::OpKind::Filter:
      case plan::OpKind::Distinct:
      case plan::OpKind::TopN: x = &e.plan_.node(x->inputs.at(0)); break;
      default: x = nullptr; break;
    }
  }
  if (!windowEnd) {
    hint = "window on the upstream stream's window_end";
    return fmt::format("a window over an aggregated stream on '{}', which is not an upstream window_end",
                       n.window.timeColumn);
  }
  return {};
}

std::string cascadeLateCondition(const Node& n, const std::string& time) {
  const int N = n.id;
  if (isSession(n)) {
    // a session it could join may have been emitted and dropped
    return fmt::format("{} < h.closedThrough_{}", time, N);
  }
  // the first window holding its pane ends at the pane's end
  return fmt::format("flow::agg::floorTo({0}, {1}) + {1} <= h.closedThrough_{2}", time, paneMs(n), N);
}

namespace {

std::vector<const Node*> statefulAggregates(Emitter& e) {
  std::vector<const Node*> out;
  for (const Emitter::BreakerSlot& b : e.breakers_) {
    if (isWindowed(*b.node)) out.push_back(b.node);
  }
  return out;
}

// What the state of `nodes` holds, as text: its hash is the layout a handler
// checks before reading a state (a program whose stateful streams changed
// cannot misread an older program's state).
uint64_t stateLayout(Emitter& e, const std::vector<const Node*>& nodes) {
  std::string text = "flowc-state-1";
  for (const Node* n : nodes) {
    text += fmt::format("|{}|{}|{}|", n->stream, ast::stateModelName(n->stateModel), ast::windowKindName(n->window.kind));
    for (const StructField& f : keyFieldsOf(*n)) text += f.type + ";";
    std::vector<AggregateSpec> specs = aggregateSpecs(e, *n);
    for (size_t j = 0; j < specs.size(); ++j) {
      for (const StructField& f : accumulatorFields(specs[j], j)) text += f.type + " " + f.name + ";";
    }
    // a window over a window: its root, and the pin field it keeps per group
    if (const Node* root = cascadeRoot(e.plan_, *n)) text += fmt::format("cascade-over:{};bool pin;", root->stream);
  }
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::vector<size_t> distinctSlots(Emitter& e, const Node& n) {
  std::vector<size_t> out;
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  for (size_t j = 0; j < specs.size(); ++j) {
    if (specs[j].kind == AggKind::CountDistinct) out.push_back(j);
  }
  return out;
}

}  // namespace

namespace {

// The group keys alone (a session's key without its id), from `key`.
std::string sessionKeyOf(const Node& n, const std::string& key) {
  std::string fields;
  for (size_t k = 0; k < n.groupKeys.size(); ++k) fields += fmt::format("{}{}.k{}", k ? ", " : "", key, k);
  return fmt::format("SKey_{}{{{}}}", n.id, fields);
}

}  // namespace

void emitWindowedMembers(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  if (!isEventTime(n)) {
    out.line(fmt::format("bool partial_{} = false;  // rows of this window were emitted early: later ones are partial", N));
    return;
  }
  out.line(fmt::format("bool wmHas_{} = false;  // some record was seen: the watermark is wmMax - delay", N));
  out.line(fmt::format("int64_t wmMax_{} = 0;  // the largest event time seen", N));
  out.line(fmt::format("int64_t closedThrough_{} = INT64_MIN;  // every window ending at or before it was emitted", N));
  out.line(fmt::format("int64_t partialUntil_{} = INT64_MIN;  // windows ending at or before it were emitted early", N));
  out.line(fmt::format("Table_{0} win_{0};  // one window's groups, merged from its panes when it is emitted", N));
  for (size_t j : distinctSlots(e, n)) out.line(fmt::format("DSet_{0}_{1} wdset_{0}_{1};", N, j));
  out.line(fmt::format("std::vector<int64_t> starts_{};", N));
  out.line(fmt::format("std::vector<uint32_t> index_{};", N));
  if (isSession(n)) {
    out.line(fmt::format("SessIndex_{0} sess_{0};  // each key's open sessions", N));
    out.line(fmt::format("std::vector<uint32_t> touch_{};  // the sessions a record reaches", N));
    out.line(fmt::format("Acc_{0} trial_{0};  // sessions a record bridges, merged to check the record", N));
  }
}

void emitWindowedReset(Emitter& e, CodeWriter& out) {
  if (!e.hasState()) return;
  out.line("h.sequence = 0;");
  for (const Node* np : statefulAggregates(e)) {
    const int N = np->id;
    if (!isEventTime(*np)) {
      out.line(fmt::format("h.partial_{} = false;", N));
      continue;
    }
    out.line(fmt::format("h.wmHas_{0} = false; h.wmMax_{0} = 0; h.closedThrough_{0} = INT64_MIN; "
                         "h.partialUntil_{0} = INT64_MIN;",
                         N));
  }
}

// Event time: mergeAcc_N adds one pane's accumulator into a window's (all
// but count(distinct), which the window recounts from its panes' values);
// sessions: the index of each key's open sessions.
void emitWindowedAggregateExtras(Emitter& e, CodeWriter& out, const Node& n) {
  if (!isEventTime(n)) return;
  const int N = n.id;
  if (isSession(n)) {
    std::vector<StructField> fields = keyFieldsOf(n);
    fields.pop_back();  // the session id
    emitKeyStruct(out, fmt::format("SKey_{}", N), fields);
    emitKeyOps(out, fmt::format("SKeyOps_{}", N), fmt::format("SKey_{}", N), fields);
    out.open(fmt::format("struct SessList_{}", N));
    out.line("std::vector<int64_t> sids;  // the ids of the key's open sessions");
    out.line("void reset() { sids.clear(); }");
    out.close(";");
    out.line(fmt::format("using SessIndex_{0} = flow::agg::GroupTable<SKey_{0}, SessList_{0}, SKeyOps_{0}>;", N));
  }
  std::vector<AggregateSpec> specs = aggregateSpecs(e, n);
  out.open(fmt::format("std::string_view mergeAcc_{0}([[maybe_unused]] Acc_{0}& a, [[maybe_unused]] const Acc_{0}& b)", N));
  for (size_t j = 0; j < specs.size(); ++j) {
    const AggregateSpec& a = specs[j];
    std::string reason = cppStringView(fmt::format("{} in {}",
        a.kind == AggKind::Sum && a.argType.base == ast::BaseType::Int ? "integer overflow" : "float overflow", a.text));
    bool str = a.argType.base == ast::BaseType::String;
    std::string take = str ? fmt::format("a.v_{0}.assign(b.v_{0});", j) : fmt::format("a.v_{0} = b.v_{0};", j);
    switch (a.kind) {
      case AggKind::CountStar:
      case AggKind::Count: out.line(fmt::format("a.n_{0} += b.n_{0};", j)); break;
      case AggKind::CountDistinct: break;
      case AggKind::Sum:
        if (a.argType.base == ast::BaseType::Int) {
          out.line(fmt::format("if (b.any_{0}) {{ if (!flow::agg::addInt(a.s_{0}, b.s_{0}, a.s_{0})) return {1}; a.any_{0} = true; }}",
                               j, reason));
        } else {
          out.line(fmt::format("if (b.any_{0}) {{ a.s_{0} += b.s_{0}; a.any_{0} = true; if (!std::isfinite(a.s_{0})) return {1}; }}",
                               j, reason));
        }
        break;
      case AggKind::Avg:
        out.line(fmt::format("a.s_{0} += b.s_{0}; a.n_{0} += b.n_{0};", j));
        if (a.argType.base == ast::BaseType::Float) out.line(fmt::format("if (!std::isfinite(a.s_{}) ) return {};", j, reason));
        break;
      case AggKind::Min:
        out.line(fmt::format("if (b.any_{0} && (!a.any_{0} || b.v_{0} < a.v_{0})) {{ {1} a.any_{0} = true; }}", j, take));
        break;
      case AggKind::Max:
        out.line(fmt::format("if (b.any_{0} && (!a.any_{0} || b.v_{0} > a.v_{0})) {{ {1} a.any_{0} = true; }}", j, take));
        break;
      case AggKind::First:
        out.line(fmt::format("if (b.any_{0} && (!a.any_{0} || b.seq_{0} < a.seq_{0})) {{ {1} a.seq_{0} = b.seq_{0}; a.any_{0} = true; }}",
                             j, take));
        break;
      case AggKind::Last:
        out.line(fmt::format("if (b.any_{0} && (!a.any_{0} || b.seq_{0} > a.seq_{0})) {{ {1} a.seq_{0} = b.seq_{0}; a.any_{0} = true; }}",
                             j, take));
        break;
      case AggKind::Stddev:
        out.line(fmt::format("a.v_{0}.merge(b.v_{0}); if (!std::isfinite(a.v_{0}.m2)) return {1};", j, reason));
        break;
      case AggKind::Percentile: out.line(fmt::format("a.q_{0}.merge(b.q_{0});", j)); break;
    }
  }
  if (isCascade(e, n)) out.line("a.pin = a.pin || b.pin;");
  out.line("return {};");
  out.close();
}

void emitSessionCheck(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  const int64_t gap = n.window.size.ms;
  out.comment(fmt::format("the sessions of this key that [time, time + {} ms) overlaps", gap));
  out.line(fmt::format("h.touch_{}.clear();", N));
  out.line(fmt::format("const SKey_{} sk = {};", N, sessionKeyOf(n, fmt::format("rows.in_{}.key", N))));
  out.open(fmt::format("if (const SessIndex_{0}::Entry* si = h.sess_{0}.find(sk, SKeyOps_{0}::hash(sk)))", N));
  out.open("for (const int64_t sid : si->acc.sids)");
  out.line(fmt::format("Key_{0} k = rows.in_{0}.key;", N));
  out.line("k.sid = sid;");
  out.line(fmt::format("const Table_{0}::Entry* s = h.agg_{0}.find(k, KeyOps_{0}::hash(k));", N));
  out.line(fmt::format("if (s && rows.in_{0}.time < s->acc.se && s->acc.ss < rows.in_{0}.time + {1}) "
                       "h.touch_{0}.push_back(static_cast<uint32_t>(h.agg_{0}.indexOf(*s)));",
                       N, gap));
  out.close();
  out.close();
  out.line(fmt::format("[[maybe_unused]] const Acc_{0}* base_{0} = nullptr;", N));
  out.open(fmt::format("if (h.touch_{}.size() == 1)", N));
  out.line(fmt::format("base_{0} = &h.agg_{0}[h.touch_{0}[0]].acc;", N));
  out.reopen(fmt::format("else if (h.touch_{}.size() > 1)", N));
  out.comment("the record bridges sessions: they merge, and the merge must not overflow either");
  out.line(fmt::format("h.trial_{0} = h.agg_{0}[h.touch_{0}[0]].acc;", N));
  out.open(fmt::format("for (size_t m = 1; m < h.touch_{}.size(); ++m)", N));
  out.line(fmt::format("if (std::string_view why = mergeAcc_{0}(h.trial_{0}, h.agg_{0}[h.touch_{0}[m]].acc); !why.empty()) return why;",
                       N));
  out.close();
  out.line(fmt::format("base_{0} = &h.trial_{0};", N));
  out.close();
}

void emitSessionApply(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  const int64_t gap = n.window.size.ms;
  out.line(fmt::format("const int64_t t = rows.in_{}.time;", N));
  out.line(fmt::format("const SKey_{} sk = {};", N, sessionKeyOf(n, fmt::format("rows.in_{}.key", N))));
  out.open(fmt::format("if (h.touch_{}.empty())", N));
  out.comment("a new session");
  out.line(fmt::format("Key_{0} k = rows.in_{0}.key;", N));
  out.line("k.sid = static_cast<int64_t>(++h.sequence);");
  out.line(fmt::format("g_{0} = &h.agg_{0}.insert(k, KeyOps_{0}::hash(k));", N));
  out.line(fmt::format("g_{0}->acc.ss = t;", N));
  out.line(fmt::format("g_{}->acc.se = t + {};", N, gap));
  out.line(fmt::format("h.sess_{0}.findOrInsert(sk, SKeyOps_{0}::hash(sk)).acc.sids.push_back(k.sid);", N));
  out.reopen("else");
  out.line(fmt::format("g_{0} = &h.agg_{0}[h.touch_{0}[0]];", N));
  out.open(fmt::format("for (size_t m = 1; m < h.touch_{}.size(); ++m)", N));
  out.comment("merged into the first session the record reaches");
  out.line(fmt::format("Table_{0}::Entry& d = h.agg_{0}[h.touch_{0}[m]];", N));
  out.line(fmt::format("(void)mergeAcc_{}(g_{}->acc, d.acc);  // checked above", N, N));
  out.line(fmt::format("g_{0}->acc.ss = std::min(g_{0}->acc.ss, d.acc.ss);", N));
  out.line(fmt::format("g_{0}->acc.se = std::max(g_{0}->acc.se, d.acc.se);", N));
  for (size_t j : distinctSlots(e, n)) {
    out.open(fmt::format("for (size_t v = 0, count = h.dset_{}_{}.size(); v < count; ++v)", N, j));
    out.line(fmt::format("DKey_{0}_{1} k = h.dset_{0}_{1}[v].key;", N, j));
    out.line(fmt::format("if (k.group != h.touch_{}[m]) continue;", N));
    out.line(fmt::format("k.group = h.touch_{}[0];", N));
    out.line(fmt::format("const uint64_t dh = DKeyOps_{}_{}::hash(k);", N, j));
    out.line(fmt::format("if (!h.dset_{0}_{1}.find(k, dh)) {{ h.dset_{0}_{1}.insert(k, dh); ++g_{0}->acc.n_{1}; }}", N, j));
    out.close();
  }
  out.line("d.acc.dead = true;");
  out.line(fmt::format("std::vector<int64_t>& sids = h.sess_{0}.find(sk, SKeyOps_{0}::hash(sk))->acc.sids;", N));
  out.line("sids.erase(std::remove(sids.begin(), sids.end(), d.key.sid), sids.end());");
  out.close();
  out.line(fmt::format("g_{0}->acc.ss = std::min(g_{0}->acc.ss, t);", N));
  out.line(fmt::format("g_{0}->acc.se = std::max(g_{0}->acc.se, t + {1});", N, gap));
  out.close();
}

namespace {

// Session windows: each open session is an entry of Table_N keyed by the
// group keys and a session id, holding its start (ss) and end (se: the last
// record's time + the gap); a record reaching one or more of its key's
// sessions joins (and merges) them, else starts one. A session is emitted
// when the watermark minus the allowed lateness passes its end; sessions
// emitted together are grouped by (start, end) into windows for distinct
// and order by.
// After groups were dropped (index: old position → new, UINT32_MAX when
// dropped): each count(distinct) value set keeps the values of kept groups,
// renumbered.
void emitDistinctSetRemap(CodeWriter& out, int N, const std::vector<size_t>& dsets) {
  for (size_t j : dsets) {
    out.line(fmt::format("h.wdset_{}_{}.clear();", N, j));
    out.open(fmt::format("for (size_t d = 0; d < h.dset_{}_{}.size(); ++d)", N, j));
    out.line(fmt::format("DKey_{0}_{1} k = h.dset_{0}_{1}[d].key;", N, j));
    out.line("if (index[k.group] == UINT32_MAX) continue;");
    out.line("k.group = index[k.group];");
    out.line(fmt::format("h.wdset_{0}_{1}.insert(k, DKeyOps_{0}_{1}::hash(k));", N, j));
    out.close();
    out.line(fmt::format("std::swap(h.dset_{0}_{1}, h.wdset_{0}_{1});", N, j));
  }
}

// Keeps the groups of h.agg_N for which `keep` (C++ over `g`, a
// Table_N::Entry) holds, in their order, and renumbers what refers to them:
// h.index_N (old position → new, UINT32_MAX when dropped) and the
// count(distinct) value sets. Returns early when every group is kept.
void emitRetainGroups(CodeWriter& out, int N, const std::string& keep, const std::vector<size_t>& dsets) {
  out.line(fmt::format("std::vector<uint32_t>& index = h.index_{};", N));
  out.line(fmt::format("index.assign(h.agg_{}.size(), UINT32_MAX);", N));
  out.line("uint32_t kept = 0;");
  out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", N));
  out.line(fmt::format("const Table_{0}::Entry& g = h.agg_{0}[i];", N));
  out.line(fmt::format("if ({}) index[i] = kept++;", keep));
  out.close();
  out.line(fmt::format("if (kept == h.agg_{}.size()) return;", N));
  out.line(fmt::format("h.agg_{0}.retain([&](const Table_{0}::Entry& g) {{ return {1}; }});", N, keep));
  emitDistinctSetRemap(out, N, dsets);
}

// What the session and the tumble/hop flushes of the event-time model differ in.
struct EventTimeFlushParts {
  const char* what;     // "session", "window": the comment in the generated code
  const char* windows;  // "live session", "open window"
  const char* kind;     // "session windows", "event-time windows"
  std::string emit;     // the generated emitter: emit<Kind>_N(h, reply, bound, all, changedOnly, complete)
  std::string partialUntil;    // the statement recording how far early rows reach (per group i)
  std::string dropWhenClosed;  // a statement run when the bound moves (may be empty)
  std::string dropAfterBound;  // a statement run after the bound check (may be empty)
};

// flushEarly_N (the state bound was reached) and flush_N (after each
// invocation: Lambda's window end, the watermark, emit changes) of an
// event-time aggregate.
void emitEventTimeFlushFunctions(Emitter& e, CodeWriter& out, const Node& n, const EventTimeFlushParts& p) {
  const int N = n.id;
  out.note(fmt::format("{}: the state bound was reached — every {} now, window_complete = false.", e.nodeTitle(n),
                       p.windows));
  out.open(fmt::format("void flushEarly_{}(Handler& h, flow::Reply& reply)", N));
  out.line(fmt::format("{}(h, reply, 0, true, false, false);", p.emit));
  out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", N));
  out.line(p.partialUntil);
  out.close();
  emitAggregateClear(e, out, n);
  out.close();
  out.blank();

  out.note(fmt::format("{}: {} (event-time-in-state){}.", e.nodeTitle(n), p.kind,
                       n.emit == ast::EmitMode::Changes ? ", and the changed ones after every invocation" : ""));
  out.open(fmt::format("void flush_{}(Handler& h, flow::Reply& reply)", N));
  out.line("const flow::TumblingWindow& lw = h.batch.window;");
  const Node* root = cascadeRoot(e.plan_, n);
  // The closing bound: this window's own watermark, or a cascade's root's.
  std::string has = fmt::format("h.wmHas_{}", N);
  std::string bound = fmt::format("h.wmMax_{} - {}", N, lateBoundMs(e, n));
  if (root && isEventTime(*root)) {
    has = fmt::format("h.wmHas_{}", root->id);
    bound = fmt::format("h.wmMax_{} - {}", root->id, lateBoundMs(e, *root));
  } else if (root) {
    has = "lw.isFinalInvokeForWindow || lw.isWindowTerminatedEarly";
    bound = "lw.endMs";
  }
  auto closeByBound = [&] {
    out.open(fmt::format("if ({})", has));
    out.line(fmt::format("const int64_t bound = {};", bound));
    out.open(fmt::format("if (bound > h.closedThrough_{})", N));
    out.line(fmt::format("{}(h, reply, bound, false, false, true);", p.emit));
    out.line(fmt::format("h.closedThrough_{} = bound;", N));
    if (!p.dropWhenClosed.empty()) out.line(p.dropWhenClosed);
    out.close();
    out.close();
    if (!p.dropAfterBound.empty()) out.line(p.dropAfterBound);
  };
  if (root) {
    out.comment(fmt::format("a window over stream '{}': the windows its watermark closes, with the rows of this "
                            "invocation's upstream flushes in them",
                            root->stream));
    closeByBound();
  }
  out.open("if (lw.isFinalInvokeForWindow || lw.isWindowTerminatedEarly)");
  out.comment(fmt::format("Lambda's window ends: every {} still open, early; the next Lambda window starts afresh",
                          p.what));
  out.line(fmt::format("{}(h, reply, 0, true, false, false);", p.emit));
  emitAggregateClear(e, out, n);
  out.line("return;");
  out.close();
  if (!root) closeByBound();
  if (n.emit == ast::EmitMode::Changes) out.line(fmt::format("{}(h, reply, 0, true, true, false);", p.emit));
  out.line(fmt::format("for (size_t i = 0; i < h.agg_{0}.size(); ++i) h.agg_{0}[i].acc.changed = false;", N));
  out.close();
  out.blank();
}

void emitSessionFlush(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  std::vector<size_t> dsets = distinctSlots(e, n);
  out.note(fmt::format("{}: the sessions that end by `upTo` (all live ones when `all`; only changed ones", e.nodeTitle(n)));
  out.note("when `onlyChanged`), by end then start, each (start, end) a window.");
  out.open(fmt::format("void emitSessions_{}(Handler& h, flow::Reply& reply, int64_t upTo, bool all, bool onlyChanged, bool complete)",
                       N));
  out.line(fmt::format("std::vector<uint32_t>& index = h.index_{};", N));
  out.line("index.clear();");
  out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", N));
  out.line(fmt::format("const Acc_{0}& a = h.agg_{0}[i].acc;", N));
  out.line("if (a.dead || (onlyChanged && !a.changed) || (!all && a.se > upTo)) continue;");
  out.line("index.push_back(static_cast<uint32_t>(i));");
  out.close();
  out.open("std::stable_sort(index.begin(), index.end(), [&](uint32_t x, uint32_t y)");
  out.line(fmt::format("const Acc_{0}& p = h.agg_{0}[x].acc;", N));
  out.line(fmt::format("const Acc_{0}& q = h.agg_{0}[y].acc;", N));
  out.line("return p.se != q.se ? p.se < q.se : p.ss < q.ss;");
  out.close(");");
  out.open("for (size_t b = 0; b < index.size();)");
  out.line(fmt::format("const Acc_{0}& first = h.agg_{0}[index[b]].acc;", N));
  out.line(fmt::format("const flow::agg::WindowRow w{{first.ss, first.se, complete && first.se > h.partialUntil_{}}};", N));
  out.line("size_t end = b;");
  out.line(fmt::format("while (end < index.size() && h.agg_{0}[index[end]].acc.ss == w.start && h.agg_{0}[index[end]].acc.se == w.end) ++end;", N));
  out.open("for (size_t k = b; k < end; ++k)");
  out.line(fmt::format("h.agg_{}[index[k]].acc.changed = false;", N));
  emitFlushRow(e, out, fmt::format("groupRow_{0}(h, h.agg_{0}[index[k]], w, rows)", N), n.stream,
               fmt::format("keyJson_{0}(key, h.agg_{0}[index[k]].key)", N));
  out.close();
  out.line("b = end;");
  emitFlushChildren(e, out, N);
  out.close();
  out.close();
  out.blank();

  out.note(fmt::format("{}: drops merged sessions and those ending by `through`; rebuilds the index.", e.nodeTitle(n)));
  out.open(fmt::format("void dropSessions_{}(Handler& h, int64_t through)", N));
  emitRetainGroups(out, N, "!g.acc.dead && g.acc.se > through", dsets);
  out.line(fmt::format("rebuildSessions_{}(h);", N));
  out.close();
  out.blank();

  emitEventTimeFlushFunctions(
      e, out, n,
      {.what = "session", .windows = "live session", .kind = "session windows", .emit = fmt::format("emitSessions_{}", N),
       .partialUntil = fmt::format(
           "if (!h.agg_{0}[i].acc.dead) h.partialUntil_{0} = std::max(h.partialUntil_{0}, h.agg_{0}[i].acc.se);", N),
       .dropWhenClosed = "", .dropAfterBound = fmt::format("dropSessions_{0}(h, h.closedThrough_{0});", N)});
}

// Event time (tumble and hop on an event-time field, hop on _arrival_time):
// Table_N holds panes, keyed by the group keys and the pane's start (a
// tumble's pane is its window; a hop's is one slide), each record in exactly
// one. A window [s, s + size) is the merge of its panes, built in win_N when
// it is emitted. The watermark is the largest time seen minus the source's
// delay; a window is emitted (complete) once the watermark minus the allowed
// lateness reaches its end, and a pane is dropped once every window holding
// it was emitted. A record older than that bound is late.
void emitEventTimeFlush(Emitter& e, CodeWriter& out, const Node& n) {
  const int N = n.id;
  const int64_t size = n.window.size.ms, pane = paneMs(n);
  std::vector<size_t> dsets = distinctSlots(e, n);

  out.note(fmt::format("{}: the windows that end by `upTo` (all open ones when `all`; only those with a", e.nodeTitle(n)));
  out.note("pane changed in this invocation when `onlyChanged`), merged from their panes, by window end,");
  out.note("each window's groups in first-seen order, then the stream's distinct / order by for that window.");
  out.open(fmt::format("void emitWindows_{}(Handler& h, flow::Reply& reply, int64_t upTo, bool all, bool onlyChanged, bool complete)",
                       N));
  out.line(fmt::format("constexpr int64_t kSize = {}, kPane = {};", size, pane));
  out.line(fmt::format("std::vector<int64_t>& starts = h.starts_{};", N));
  out.line("starts.clear();");
  out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", N));
  out.line(fmt::format("const Table_{0}::Entry& p = h.agg_{0}[i];", N));
  out.line("if (onlyChanged && !p.acc.changed) continue;");
  out.open("for (int64_t s = p.key.ws - kSize + kPane; s <= p.key.ws; s += kPane)");
  out.line(fmt::format("if (s + kSize <= h.closedThrough_{} || (!all && s + kSize > upTo)) continue;", N));
  out.line("starts.push_back(s);");
  out.close();
  out.close();
  out.line("std::sort(starts.begin(), starts.end());");
  out.line("starts.erase(std::unique(starts.begin(), starts.end()), starts.end());");
  out.open("for (const int64_t s : starts)");
  out.line(fmt::format("h.win_{}.clear();", N));
  for (size_t j : dsets) out.line(fmt::format("h.wdset_{}_{}.clear();", N, j));
  out.line(fmt::format("std::vector<uint32_t>& index = h.index_{};", N));
  out.line(fmt::format("index.assign(h.agg_{}.size(), UINT32_MAX);", N));
  out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", N));
  out.line(fmt::format("const Table_{0}::Entry& p = h.agg_{0}[i];", N));
  out.line("if (p.key.ws < s || p.key.ws >= s + kSize) continue;");
  out.line(fmt::format("Key_{} k = p.key;", N));
  out.line("k.ws = s;");
  out.line(fmt::format("Table_{0}::Entry& g = h.win_{0}.findOrInsert(k, KeyOps_{0}::hash(k));", N));
  out.line(fmt::format("index[i] = static_cast<uint32_t>(h.win_{}.indexOf(g));", N));
  out.line(fmt::format("if (std::string_view why = mergeAcc_{}(g.acc, p.acc); !why.empty() && g.acc.mergeError.empty()) "
                       "g.acc.mergeError = why;",
                       N));
  out.close();
  for (size_t j : dsets) {
    out.comment("count(distinct): the window's values are the union of its panes'");
    out.open(fmt::format("for (size_t d = 0; d < h.dset_{}_{}.size(); ++d)", N, j));
    out.line(fmt::format("DKey_{0}_{1} k = h.dset_{0}_{1}[d].key;", N, j));
    out.line("if (index[k.group] == UINT32_MAX) continue;");
    out.line("k.group = index[k.group];");
    out.line(fmt::format("const uint64_t hash = DKeyOps_{}_{}::hash(k);", N, j));
    out.line(fmt::format("if (!h.wdset_{0}_{1}.find(k, hash)) {{ h.wdset_{0}_{1}.insert(k, hash); ++h.win_{0}[k.group].acc.n_{1}; }}",
                         N, j));
    out.close();
  }
  out.line(fmt::format("const flow::agg::WindowRow w{{s, s + kSize, complete && s + kSize > h.partialUntil_{}}};", N));
  out.open(fmt::format("for (size_t i = 0; i < h.win_{}.size(); ++i)", N));
  emitFlushRow(e, out,
               fmt::format("h.win_{0}[i].acc.mergeError.empty() ? groupRow_{0}(h, h.win_{0}[i], w, rows) : "
                           "h.win_{0}[i].acc.mergeError",
                           N),
               n.stream, fmt::format("keyJson_{0}(key, h.win_{0}[i].key)", N));
  out.close();
  emitFlushChildren(e, out, N);
  out.close();
  out.close();
  out.blank();

  out.note(fmt::format("{}: drops the panes every window of which was emitted.", e.nodeTitle(n)));
  out.open(fmt::format("void dropPanes_{}(Handler& h)", N));
  out.line(fmt::format("constexpr int64_t kSize = {};", size));
  out.line(fmt::format("const int64_t through = h.closedThrough_{};", N));
  emitRetainGroups(out, N, "g.key.ws + kSize > through", dsets);
  out.close();
  out.blank();

  emitEventTimeFlushFunctions(
      e, out, n,
      {.what = "window", .windows = "open window", .kind = "event-time windows", .emit = fmt::format("emitWindows_{}", N),
       .partialUntil =
           fmt::format("h.partialUntil_{0} = std::max(h.partialUntil_{0}, h.agg_{0}[i].key.ws + {1});", N, size),
       .dropWhenClosed = fmt::format("dropPanes_{}(h);", N), .dropAfterBound = ""});
}

}  // namespace

void emitWindowedAggregateFlush(Emitter& e, CodeWriter& out, const Node& n) {
  if (isSession(n)) {
    const int N = n.id;
    out.note(fmt::format("{}: each key's open sessions, from the table.", e.nodeTitle(n)));
    out.open(fmt::format("void rebuildSessions_{}(Handler& h)", N));
    out.line(fmt::format("h.sess_{}.clear();", N));
    out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", N));
    out.line(fmt::format("const Table_{0}::Entry& s = h.agg_{0}[i];", N));
    out.line("if (s.acc.dead) continue;");
    out.line(fmt::format("const SKey_{} sk = {};", N, sessionKeyOf(n, "s.key")));
    out.line(fmt::format("h.sess_{0}.findOrInsert(sk, SKeyOps_{0}::hash(sk)).acc.sids.push_back(s.key.sid);", N));
    out.close();
    out.close();
    out.blank();
    emitSessionFlush(e, out, n);
    return;
  }
  if (isEventTime(n)) {
    emitEventTimeFlush(e, out, n);
    return;
  }
  const int N = n.id;
  out.note(fmt::format("{}: one window's groups (all, or those this invocation changed) through the", e.nodeTitle(n)));
  out.note("operators after it, in first-seen order; then the stream's distinct / order by for that window.");
  out.open(fmt::format(
      "void emitGroups_{}(Handler& h, flow::Reply& reply, const flow::agg::WindowRow& w, bool onlyChanged)", N));
  out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", N));
  out.line(fmt::format("if (onlyChanged && !h.agg_{}[i].acc.changed) continue;", N));
  out.line(fmt::format("h.agg_{}[i].acc.changed = false;", N));
  emitFlushRow(e, out, fmt::format("groupRow_{0}(h, h.agg_{0}[i], w, rows)", N), n.stream,
               fmt::format("keyJson_{0}(key, h.agg_{0}[i].key)", N));
  out.close();
  emitFlushChildren(e, out, N);
  out.close();
  out.blank();

  out.note(fmt::format("{}: the state bound was reached — every group now, window_complete = false.",
                       e.nodeTitle(n)));
  out.open(fmt::format("void flushEarly_{}(Handler& h, flow::Reply& reply)", N));
  out.line("const flow::TumblingWindow& lw = h.batch.window;");
  out.line(fmt::format("emitGroups_{}(h, reply, {{lw.startMs, lw.endMs, false}}, false);", N));
  emitAggregateClear(e, out, n);
  out.line(fmt::format("h.partial_{} = true;", N));
  out.close();
  out.blank();

  out.note(fmt::format("{}: Lambda's window (lambda-tumbling-window): its rows at the final invoke{}.",
                       e.nodeTitle(n), n.emit == ast::EmitMode::Changes ? ", changed groups after every other" : ""));
  out.open(fmt::format("void flush_{}(Handler& h, flow::Reply& reply)", N));
  out.line("const flow::TumblingWindow& lw = h.batch.window;");
  out.open("if (lw.isFinalInvokeForWindow || lw.isWindowTerminatedEarly)");
  out.line(fmt::format("const bool complete = !lw.isWindowTerminatedEarly && !h.partial_{};", N));
  out.line(fmt::format("emitGroups_{}(h, reply, {{lw.startMs, lw.endMs, complete}}, false);", N));
  emitAggregateClear(e, out, n);
  out.line(fmt::format("h.partial_{} = false;", N));
  if (n.emit == ast::EmitMode::Changes) {
    out.reopen("else");
    out.line(fmt::format("emitGroups_{}(h, reply, {{lw.startMs, lw.endMs, false}}, true);", N));
  }
  out.close();
  out.close();
  out.blank();
}

void emitStateMembers(Emitter& e, CodeWriter& out) {
  if (!e.hasState()) return;
  out.line("std::string stateBinary;  // the window state, decoded from base64 / to encode");
  out.line("std::string stateJson;    // the response's \"state\"");
}

void emitStateDecode(Emitter& e, CodeWriter& out) {
  std::vector<const Node*> nodes = statefulAggregates(e);
  if (nodes.empty()) return;
  const Node& first = *nodes.front();
  out.open("if (!h.batch.window.present)");
  out.line(fmt::format(
      "return flow::functionError(\"InvalidEvent\", {});",
      cppStringLiteral(fmt::format(
          "stream '{}' keeps its windows in the state of Lambda's tumbling windows, but the event has no "
          "'window': set TumblingWindowInSeconds on the event source mapping (flowc build's template does)",
          first.stream))));
  out.close();
  out.line("if (flow::Status status = flow::state::unwrap(h.batch.window.stateJson, h.stateBinary)) return status;");
  out.line("if (h.stateBinary.empty()) return std::nullopt;  // the window's first invoke");
  out.line("flow::state::Reader r(h.stateBinary);");
  out.line("if (flow::Status status = flow::state::checkHeader(r, kStateLayout)) return status;");
  out.line("r.get(h.sequence);");
  for (const Node* np : nodes) {
    const Node& n = *np;
    const int N = n.id;
    out.comment(fmt::format("{}", e.nodeTitle(n)));
    if (isEventTime(n)) {
      out.line(fmt::format("r.get(h.wmHas_{0}); r.get(h.wmMax_{0}); r.get(h.closedThrough_{0}); r.get(h.partialUntil_{0});", N));
    } else {
      out.line(fmt::format("r.get(h.partial_{});", N));
    }
    out.open("for (uint64_t i = 0, count = r.count(); i < count && !r.failed(); ++i)");
    out.line(fmt::format("Key_{} k;", N));
    for (const StructField& f : keyFieldsOf(n)) out.line(fmt::format("r.get(k.{});", f.name));
    out.line(fmt::format("const uint64_t hash = KeyOps_{}::hash(k);", N));
    out.line(fmt::format("if (r.failed() || h.agg_{}.find(k, hash)) {{ r.fail(); break; }}", N));
    out.line(fmt::format("[[maybe_unused]] Acc_{0}& a = h.agg_{0}.insert(k, hash).acc;", N));
    for (const StructField& f : accumulatorStateFields(e, n)) out.line(fmt::format("r.get(a.{});", f.name));
    out.close();
    for (size_t j : distinctSlots(e, n)) {
      out.open("for (uint64_t i = 0, count = r.count(); i < count && !r.failed(); ++i)");
      out.line(fmt::format("DKey_{}_{} k;", N, j));
      out.line("r.get(k.group);");
      out.line("r.get(k.value);");
      out.line(fmt::format("const uint64_t hash = DKeyOps_{}_{}::hash(k);", N, j));
      out.line(fmt::format("if (r.failed() || k.group >= h.agg_{0}.size() || h.dset_{0}_{1}.find(k, hash)) r.fail();", N,
                           j));
      out.line(fmt::format("else h.dset_{}_{}.insert(k, hash);", N, j));
      out.close();
    }
    out.line(fmt::format("if (r.failed()) return flow::state::corrupt({});", cppStringView(n.stream)));
    if (isSession(n)) out.line(fmt::format("rebuildSessions_{}(h);", N));
  }
  out.line(fmt::format("if (!r.atEnd()) return flow::state::corrupt({});", cppStringView(nodes.back()->stream)));
}

void emitStateEncode(Emitter& e, CodeWriter& out) {
  std::vector<const Node*> nodes = statefulAggregates(e);
  if (nodes.empty()) return;
  out.line("encodeState(h);");
  out.open("if (h.stateJson.size() > flow::state::kBudgetBytes)");
  out.comment("the bound: emit the open windows early rather than lose anything");
  for (const Node* n : nodes) out.line(fmt::format("flushEarly_{}(h, reply);", n->id));
  out.line("encodeState(h);");
  out.close();
  out.line("h.out.setState(h.stateJson);");
}

// The layout constant and encodeState(): called by the hooks.
void emitStateFunctions(Emitter& e, CodeWriter& out) {
  std::vector<const Node*> nodes = statefulAggregates(e);
  if (nodes.empty()) return;
  out.note("The layout of this program's window state (a hash of its windowed streams' keys and aggregates).");
  out.line(fmt::format("constexpr uint64_t kStateLayout = 0x{:016x}ULL;", stateLayout(e, nodes)));
  out.blank();
  out.note("The open windows into h.stateJson: {\"flowc\":\"<base64>\"} (flow/state.h).");
  out.open("void encodeState(Handler& h)");
  out.line("h.stateBinary.clear();");
  out.line("flow::state::Writer w(h.stateBinary);");
  out.line("flow::state::writeHeader(w, kStateLayout);");
  out.line("w.put(h.sequence);");
  for (const Node* np : nodes) {
    const Node& n = *np;
    const int N = n.id;
    out.comment(e.nodeTitle(n));
    if (isEventTime(n)) {
      out.line(fmt::format("w.put(h.wmHas_{0}); w.put(h.wmMax_{0}); w.put(h.closedThrough_{0}); w.put(h.partialUntil_{0});", N));
    } else {
      out.line(fmt::format("w.put(h.partial_{});", N));
    }
    out.line(fmt::format("w.u64(h.agg_{}.size());", N));
    out.open(fmt::format("for (size_t i = 0; i < h.agg_{}.size(); ++i)", N));
    out.line(fmt::format("const Table_{0}::Entry& g = h.agg_{0}[i];", N));
    for (const StructField& f : keyFieldsOf(n)) out.line(fmt::format("w.put(g.key.{});", f.name));
    for (const StructField& f : accumulatorStateFields(e, n)) out.line(fmt::format("w.put(g.acc.{});", f.name));
    out.close();
    for (size_t j : distinctSlots(e, n)) {
      out.line(fmt::format("w.u64(h.dset_{}_{}.size());", N, j));
      out.open(fmt::format("for (size_t i = 0; i < h.dset_{}_{}.size(); ++i)", N, j));
      out.line(fmt::format("w.put(h.dset_{}_{}[i].key.group);", N, j));
      out.line(fmt::format("w.put(h.dset_{}_{}[i].key.value);", N, j));
      out.close();
    }
  }
  out.line("flow::state::wrap(h.stateBinary, h.stateJson);");
  out.close();
  out.blank();
}

}  // namespace flowc::codegen::detail
