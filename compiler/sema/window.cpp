// Windows and the state model (LANGUAGE.md §5). A handler keeps nothing
// between invocations except the `state` that Lambda's tumbling-window
// feature carries for Kinesis and DynamoDB Streams, so every windowed stream
// must map onto it: tumble(_arrival_time, D) is Lambda's own window;
// event-time windows ride in `state` under a 900-second Lambda window and may
// be emitted early. Everything else is an error that says why, or a warning
// about batch / per-shard semantics.
#include <fmt/format.h>

#include "sema/analyzer.h"
#include "syntax/ast_print.h"

namespace flowc::sema::detail {

using ast::BaseType;
using ast::Expr;
using ast::ExprKind;

namespace {

constexpr int64_t kLambdaWindowMaxMs = 900 * 1000;
// Top-n rows per window live in the 1 MB `state`.
constexpr int64_t kMaxWindowLimit = 10000;

ast::WindowKind windowKind(const std::string& name) {
  if (name == "tumble") return ast::WindowKind::Tumble;
  if (name == "hop") return ast::WindowKind::Hop;
  return ast::WindowKind::Session;
}

const char* windowArgs(ast::WindowKind k) {
  switch (k) {
    case ast::WindowKind::Hop: return "3 arguments (time, size, slide)";
    case ast::WindowKind::Session: return "2 arguments (time, gap)";
    default: return "2 arguments (time, size)";
  }
}

bool durationArg(Expr& a, const char* what, ast::Duration& out, Diagnostics& diags) {
  if (isError(a)) return false;
  if (a.kind == ExprKind::Literal && std::holds_alternative<ast::Duration>(a.value)) {
    out = std::get<ast::Duration>(a.value);
    if (out.ms <= 0) {
      diags.error(a.range, fmt::format("the window {} must be positive", what));
      return false;
    }
    return true;
  }
  diags.error(a.range,
              fmt::format("the window {} must be a duration literal, got {}", what,
                          a.kind == ExprKind::Literal ? ast::typeName(a.type) : "an expression"),
              "e.g. 1 minute, 30 seconds or interval '5' minute");
  return false;
}

// Checks the window's time column; true when it is _arrival_time, the origin
// source's event time, or an upstream window's end.
bool checkTimeColumn(const Expr& t, SelectScope& scope, bool& onArrivalTime, Diagnostics& diags) {
  if (isError(t)) return false;
  if (t.kind != ExprKind::ColumnRef || t.binding.input < 0) {
    diags.error(t.range, "a window's time must be a timestamp column",
                "window on _arrival_time or on the source's event-time field");
    return false;
  }
  if (t.type.base != BaseType::Timestamp) {
    diags.error(t.range,
                fmt::format("window on a non-timestamp: {} is {}", quoted(t.name), ast::typeName(t.type)));
    return false;
  }
  const Input& from = scope.inputs[0];
  if (t.binding.input != 0) {
    diags.error(t.range,
                fmt::format("a window's time must come from {}, not from table {}", quoted(from.qualifier),
                            quoted(scope.inputs[t.binding.input].qualifier)));
    return false;
  }
  const Relation* rel = from.relation;
  if (!rel || !rel->origin) return false;  // unknown input: already reported
  ColumnOrigin origin = ColumnOrigin::Other;
  if (t.binding.column < static_cast<int>(rel->origins.size())) origin = rel->origins[t.binding.column];
  switch (origin) {
    case ColumnOrigin::ArrivalTime: onArrivalTime = true; return true;
    case ColumnOrigin::EventTime:
    case ColumnOrigin::WindowEnd: return true;
    default: break;
  }
  const ast::SourceDecl& src = *rel->origin;
  std::string hint =
      src.eventTime
          ? fmt::format("source '{}' has event time '{}'; window on it or on _arrival_time", src.name,
                        src.eventTime->field)
          : fmt::format("declare `event time {} watermark 10 seconds` on source '{}'", t.name, src.name);
  diags.error(t.range,
              fmt::format("window on {}, which is neither _arrival_time nor the event time of source '{}'",
                          quoted(t.name), src.name),
              hint);
  return false;
}

}  // namespace

void analyzeWindowCall(Expr& call, int index, SelectScope& scope, Diagnostics& diags) {
  ast::SelectStmt& s = *scope.select;
  call.callKind = ast::CallKind::Window;
  call.function = lower(call.name);
  call.type = {BaseType::Timestamp, false};
  ast::WindowKind kind = windowKind(call.function);

  ExprContext ctx;
  ctx.clause = Clause::Window;
  ctx.visibleInputs = static_cast<int>(scope.inputs.size());
  for (ast::ExprPtr& a : call.args) resolveExpr(*a, scope, ctx, diags);

  if (call.distinct || call.star) {
    diags.error(call.range,
                fmt::format("window '{}' takes no '{}'", call.function, call.star ? "*" : "distinct"));
    return;
  }
  size_t want = kind == ast::WindowKind::Hop ? 3 : 2;
  if (call.args.size() != want) {
    diags.error(call.range, fmt::format("window '{}' takes {}, got {}", call.function, windowArgs(kind),
                                        call.args.size()));
    return;
  }
  bool ok = true;
  bool onArrivalTime = false;
  ok = checkTimeColumn(*call.args[0], scope, onArrivalTime, diags) && ok;
  ast::Duration size;
  ast::Duration slide;
  ok = durationArg(*call.args[1], kind == ast::WindowKind::Session ? "gap" : "size", size, diags) && ok;
  if (kind == ast::WindowKind::Hop) {
    bool slideOk = durationArg(*call.args[2], "slide", slide, diags);
    if (slideOk && size.ms > 0) {
      if (slide.ms > size.ms) {
        diags.error(
            call.args[2]->range,
            fmt::format("hop slide {} is longer than its size {}: rows between windows would fall in none",
                        ast::printDuration(slide), ast::printDuration(size)),
            "use tumble when size and slide are equal");
        slideOk = false;
      } else if (size.ms % slide.ms != 0) {
        diags.error(
            call.args[2]->range,
            fmt::format("hop size {} is not a multiple of its slide {}: each row must fall in the same "
                        "number of windows, which are kept as slide-long panes",
                        ast::printDuration(size), ast::printDuration(slide)));
        slideOk = false;
      }
    }
    ok = slideOk && ok;
  }
  if (!ok) return;

  const Expr& t = *call.args[0];
  s.window.kind = kind;
  s.window.groupByIndex = index;
  s.window.time = t.binding;
  s.window.timeColumn = t.name;
  s.window.onArrivalTime = onArrivalTime;
  s.window.size = size;
  s.window.slide = kind == ast::WindowKind::Hop ? slide : ast::Duration{};
  s.window.range = call.range;
}

void decideStateModel(ast::StreamDecl& stream, SelectScope& scope, Diagnostics& diags) {
  ast::SelectStmt& s = stream.select;
  s.stateModel = ast::StateModel::Stateless;

  if (s.limit) {
    if (*s.limit <= 0) {
      diags.error(s.limitRange, fmt::format("limit must be positive, got {}", *s.limit));
    } else if (scope.windowed && *s.limit > kMaxWindowLimit) {
      diags.error(s.limitRange,
                  fmt::format("limit {} is too large for a window: the top rows of every open window live in "
                              "Lambda's 1 MB state; at most {}",
                              *s.limit, kMaxWindowLimit));
    }
  }
  if (!scope.windowed) {
    if (s.emitWritten) {
      diags.error(
          s.emitRange,
          fmt::format("emit applies only to windows; stream '{}' has no window in its group by", stream.name),
          "add a window to group by, e.g. tumble(_arrival_time, 1 minute)");
    }
    if (s.distinct) {
      diags.warning(s.distinctRange.empty() ? s.range : s.distinctRange,
                    "select distinct without a window removes duplicates within each invocation's batch only",
                    "add a window to group by to remove duplicates per window");
    }
    if (!s.orderBy.empty() || s.limit) {
      SourceRange r = !s.orderBy.empty() ? s.orderBy.front().range : s.limitRange;
      const char* what = s.orderBy.empty()
                             ? "limit without a window keeps the first rows of each invocation's "
                               "batch only"
                         : s.limit ? "order by … limit without a window keeps the top rows of each "
                                     "invocation's batch only"
                                   : "order by without a window sorts each invocation's batch only";
      diags.warning(r, what, "add a window to group by for the top rows per window");
    }
  }

  if (s.groupBy.empty()) return;
  if (!scope.windowed) {
    s.stateModel = ast::StateModel::PerBatch;
    diags.warning(s.groupByRange,
                  "group by without a window aggregates each invocation's batch on its own (batch semantics)",
                  "add a window such as tumble(_arrival_time, 1 minute) to aggregate across invocations");
    return;
  }
  if (s.window.kind == ast::WindowKind::None) return;  // an invalid window, already reported
  const Relation* from = scope.inputs[0].relation;
  if (!from || !from->origin) return;
  const ast::SourceDecl& origin = *from->origin;
  if (origin.kind != ast::SourceKind::Kinesis && origin.kind != ast::SourceKind::DynamoDB) {
    diags.error(
        s.window.range,
        fmt::format("windows need state carried between invocations; Lambda carries it only for kinesis "
                    "and dynamodb sources, not for {} '{}'",
                    ast::sourceKindName(origin.kind), origin.name),
        "group by without a window aggregates each batch on its own");
    return;
  }
  if (s.window.kind == ast::WindowKind::Tumble && s.window.onArrivalTime) {
    int64_t ms = s.window.size.ms;
    if (ms % 1000 != 0 || ms > kLambdaWindowMaxMs) {
      diags.error(
          s.window.range,
          fmt::format("tumble(_arrival_time, {}) cannot be one of Lambda's tumbling windows: Lambda's "
                      "tumbling windows are whole seconds up to 900 (15 minutes)",
                      ast::printDuration(s.window.size)),
          "use a whole number of seconds up to 900, or window on an event-time field");
      return;
    }
    s.stateModel = ast::StateModel::LambdaTumbling;
  } else {
    s.stateModel = ast::StateModel::EventTimeInState;
    diags.warning(
        s.window.range,
        "open windows are emitted early with window_complete = false when Lambda ends its 900-second "
        "window or the state reaches 1 MB");
  }

  // Lambda hands each shard's records to its own invocations, so a group
  // spread over shards yields one partial row per shard.
  bool byPartitionKey = false;
  if (origin.kind == ast::SourceKind::Kinesis) {
    for (size_t i = 0; i < s.groupBy.size(); ++i) {
      const Expr& k = *s.groupBy[i];
      if (static_cast<int>(i) == s.window.groupByIndex || k.kind != ExprKind::ColumnRef ||
          k.binding.input != 0) {
        continue;
      }
      if (k.binding.column < static_cast<int>(from->origins.size()) &&
          from->origins[k.binding.column] == ColumnOrigin::PartitionKey) {
        byPartitionKey = true;
      }
    }
  }
  if (!byPartitionKey) {
    diags.warning(
        s.groupByRange, "rows are per-shard partials: the group key is not the stream's partition key",
        origin.kind == ast::SourceKind::Kinesis
            ? "group by _partition_key too (a key's records share a shard), or merge the rows downstream"
            : std::string());
  }
}

}  // namespace flowc::sema::detail
