// Parse tree → AST; see ast_builder.h. Words that name a kind, format, type,
// unit or action are matched case-insensitively, as keywords are.
#include "syntax/ast_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "syntax/literals.h"

namespace flowc::syntax {

using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Op;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <typename T>
struct Named {
  const char* word;
  T value;
};

template <typename T>
std::optional<T> lookup(const std::vector<Named<T>>& table, const std::string& word) {
  std::string w = lower(word);
  for (const auto& n : table) {
    if (w == n.word) return n.value;
  }
  return std::nullopt;
}

template <typename T>
std::vector<std::string> words(const std::vector<Named<T>>& table) {
  std::vector<std::string> out;
  for (const auto& n : table) out.push_back(n.word);
  return out;
}

const std::vector<Named<ast::SourceKind>> kSourceKinds = {{"kinesis", ast::SourceKind::Kinesis},
                                                          {"dynamodb", ast::SourceKind::DynamoDB},
                                                          {"sqs", ast::SourceKind::Sqs},
                                                          {"kafka", ast::SourceKind::Kafka},
                                                          {"http", ast::SourceKind::Http}};
const std::vector<Named<ast::Format>> kFormats = {{"json", ast::Format::Json}, {"text", ast::Format::Text}};
const std::vector<Named<ast::OnError>> kOnErrors = {
    {"dead_letter", ast::OnError::DeadLetter}, {"retry", ast::OnError::Retry}, {"skip", ast::OnError::Skip}};
const std::vector<Named<ast::SinkKind>> kSinkKinds = {
    {"log", ast::SinkKind::Log},           {"metrics", ast::SinkKind::Metrics},
    {"response", ast::SinkKind::Response}, {"kinesis", ast::SinkKind::Kinesis},
    {"firehose", ast::SinkKind::Firehose}, {"sqs", ast::SinkKind::Sqs},
    {"sns", ast::SinkKind::Sns},           {"s3", ast::SinkKind::S3},
    {"dynamodb", ast::SinkKind::DynamoDB}};
const std::vector<Named<ast::EmitMode>> kEmitModes = {{"final", ast::EmitMode::Final},
                                                      {"changes", ast::EmitMode::Changes}};
// Type names and their SQL synonyms; the first of each base type is canonical.
const std::vector<Named<ast::BaseType>> kTypes = {{"bool", ast::BaseType::Bool},
                                                  {"boolean", ast::BaseType::Bool},
                                                  {"int", ast::BaseType::Int},
                                                  {"integer", ast::BaseType::Int},
                                                  {"bigint", ast::BaseType::Int},
                                                  {"long", ast::BaseType::Int},
                                                  {"float", ast::BaseType::Float},
                                                  {"double", ast::BaseType::Float},
                                                  {"real", ast::BaseType::Float},
                                                  {"string", ast::BaseType::String},
                                                  {"varchar", ast::BaseType::String},
                                                  {"text", ast::BaseType::String},
                                                  {"timestamp", ast::BaseType::Timestamp},
                                                  {"duration", ast::BaseType::Duration}};
const std::vector<Named<ast::TimestampUnit>> kTimestampUnits = {
    {"seconds", ast::TimestampUnit::Seconds},  {"second", ast::TimestampUnit::Seconds},
    {"s", ast::TimestampUnit::Seconds},        {"milliseconds", ast::TimestampUnit::Auto},
    {"millisecond", ast::TimestampUnit::Auto}, {"ms", ast::TimestampUnit::Auto}};

std::string listWords(const std::vector<std::string>& ws) {
  std::string out;
  for (size_t i = 0; i < ws.size(); ++i) {
    if (i > 0) out += i + 1 == ws.size() ? " and " : ", ";
    out += ws[i];
  }
  return out;
}

}  // namespace

void AstBuilder::error(SourceRange r, std::string message, std::string hint) {
  ++errors_;
  diags_.error(r, std::move(message), std::move(hint));
}

std::string AstBuilder::unknownHint(const std::string& word, const std::vector<std::string>& known,
                                    const char* what) {
  std::string guess = closestName(lower(word), known);
  if (!guess.empty()) return fmt::format("did you mean '{}'?", guess);
  return fmt::format("{} are {}", what, listWords(known));
}

std::optional<ast::Decl> AstBuilder::build(FP::StatementContext* ctx) {
  errors_ = 0;
  depth_.clear();
  std::optional<ast::Decl> decl;
  try {
    if (auto* c = ctx->sourceDecl())
      decl = source(c);
    else if (auto* c = ctx->tableDecl())
      decl = table(c);
    else if (auto* c = ctx->streamDecl())
      decl = stream(c);
    else if (auto* c = ctx->sinkDecl())
      decl = sink(c);
    else if (auto* c = ctx->deadLetterDecl())
      decl = deadLetter(c);
  } catch (const Abandon&) {
    decl.reset();
  }
  depth_.clear();
  if (errors_ > 0) return std::nullopt;
  return decl;
}

// ------------------------------------------------------------ names and literals

std::string AstBuilder::name(FP::IdentifierContext* ctx) {
  if (ctx == nullptr) return "";
  if (auto* q = ctx->QUOTED_IDENT()) {
    SourceRange r = range(q->getSymbol());
    std::string n = decodeQuotedName(text(r));
    if (n.empty()) error(r, "a quoted name cannot be empty");
    return n;
  }
  return text(range(ctx));
}

std::string AstBuilder::anyName(FP::AnyNameContext* ctx) {
  if (auto* id = ctx->identifier()) return name(id);
  return text(range(ctx));
}

std::string AstBuilder::stringValue(antlr4::Token* t) {
  SourceRange r = range(t);
  std::vector<LiteralError> errs;
  std::string out = decodeString(text(r), errs);
  for (const LiteralError& e : errs) {
    uint32_t begin = r.begin + static_cast<uint32_t>(e.offset);
    error({begin, begin + static_cast<uint32_t>(e.length)}, e.message, e.hint);
  }
  return out;
}

std::optional<int64_t> AstBuilder::intValue(antlr4::Token* t) {
  SourceRange r = range(t);
  auto v = parseInt64(text(r));
  if (!v) {
    error(r, fmt::format("integer literal {} does not fit in 64 bits", text(r)),
          "the largest int is 9223372036854775807");
  }
  return v;
}

ast::Duration AstBuilder::duration(FP::DurationContext* ctx) {
  SourceRange r = range(ctx);
  if (auto* a = dynamic_cast<FP::AmountDurationContext*>(ctx)) {
    int64_t unit = unitMillis(text(range(a->timeUnit())));
    DurationResult d = durationFromAmount(text(range(a->amount)), unit);
    if (!d.error.empty()) error(r, fmt::format("{}: '{}'", d.error, text(r)));
    return {d.ms};
  }
  auto* iv = dynamic_cast<FP::IntervalDurationContext*>(ctx);
  if (iv == nullptr) return {};
  SourceRange sr = range(iv->amount);
  std::string body = stringValue(iv->amount);
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  body = trim(body);
  int64_t unit = 0;
  std::string amount = body;
  if (iv->timeUnit() != nullptr) {
    unit = unitMillis(text(range(iv->timeUnit())));
  } else {
    // `interval '10 seconds'`: the unit inside the string.
    size_t split = body.find_first_of(" \t");
    std::string word = split == std::string::npos ? "" : trim(body.substr(split));
    amount = split == std::string::npos ? body : body.substr(0, split);
    unit = unitMillis(word);
    if (unit == 0) {
      std::string hint = "write the unit after the string, as in interval '10' second";
      if (!word.empty()) {
        std::string guess = closestName(lower(word), unitWords());
        if (!guess.empty()) hint = fmt::format("did you mean '{}'?", guess);
      }
      error(word.empty() ? SourceRange{sr.end, sr.end} : sr,
            word.empty() ? "expected a unit after the interval, as in interval '10' second"
                         : fmt::format("unknown duration unit '{}'", word),
            hint);
      return {};
    }
  }
  DurationResult d = durationFromAmount(amount, unit);
  if (!d.error.empty()) {
    if (d.error == "expected a number") {
      error(sr, fmt::format("expected a number in the interval string, not '{}'", body),
            "as in interval '10' second");
    } else {
      error(r, fmt::format("{}: '{}'", d.error, text(r)));
    }
  }
  return {d.ms};
}

// ------------------------------------------------------------ declarations

ast::SourceDecl AstBuilder::source(FP::SourceDeclContext* ctx) {
  ast::SourceDecl d;
  d.range = range(ctx);
  d.name = name(ctx->name);
  d.nameRange = range(ctx->name);
  d.kindRange = range(ctx->kind);
  std::string kind = name(ctx->kind);
  if (auto k = lookup(kSourceKinds, kind)) {
    d.kind = *k;
  } else {
    error(d.kindRange, fmt::format("unknown source kind '{}'", kind),
          unknownHint(kind, words(kSourceKinds), "source kinds"));
  }
  if (ctx->format != nullptr) {
    d.formatWritten = true;
    d.formatRange = range(ctx->format);
    std::string f = name(ctx->format);
    if (auto v = lookup(kFormats, f)) {
      d.format = *v;
    } else {
      error(d.formatRange, fmt::format("unknown format '{}'", f), unknownHint(f, words(kFormats), "formats"));
    }
  }
  if (ctx->fieldList() != nullptr) d.fields = fields(ctx->fieldList());

  for (FP::SourceClauseContext* clause : ctx->sourceClause()) {
    if (auto* et = dynamic_cast<FP::EventTimeClauseContext*>(clause)) {
      if (d.eventTime) {
        error(range(clause), "the source already has an 'event time' clause");
        continue;
      }
      ast::EventTime e;
      e.field = name(et->field);
      e.fieldRange = range(et->field);
      e.watermark = duration(et->watermark);
      e.watermarkRange = range(et->watermark);
      if (et->lateness != nullptr) {
        e.allowedLateness = duration(et->lateness);
        e.latenessRange = range(et->lateness);
      }
      d.eventTime = std::move(e);
    } else if (auto* oe = dynamic_cast<FP::OnErrorClauseContext*>(clause)) {
      if (d.onErrorWritten) {
        error(range(clause), "the source already has an 'on error' clause");
        continue;
      }
      d.onErrorWritten = true;
      d.onErrorRange = range(clause);
      std::string action = name(oe->action);
      if (auto a = lookup(kOnErrors, action)) {
        d.onError = *a;
      } else {
        error(range(oe->action), fmt::format("unknown on-error action '{}'", action),
              unknownHint(action, words(kOnErrors), "the actions"));
      }
      if (oe->target != nullptr) {
        if (d.onError != ast::OnError::DeadLetter) {
          error(range(oe->TO()->getSymbol()), fmt::format("only 'on error dead_letter' takes a 'to' target"));
        } else {
          d.deadLetterTo = sinkTarget(oe->target);
        }
      }
    }
  }
  return d;
}

std::vector<ast::FieldDecl> AstBuilder::fields(FP::FieldListContext* ctx) {
  std::vector<ast::FieldDecl> out;
  for (FP::FieldDeclContext* f : ctx->fieldDecl()) out.push_back(field(f));
  return out;
}

ast::FieldDecl AstBuilder::field(FP::FieldDeclContext* ctx) {
  ast::FieldDecl f;
  f.range = range(ctx);
  f.name = name(ctx->name);
  f.nameRange = range(ctx->name);
  f.type = typeName(ctx->typeName());
  if (ctx->path != nullptr) f.path = jsonPath(ctx->path);
  return f;
}

ast::TypeName AstBuilder::typeName(FP::TypeNameContext* ctx) {
  ast::TypeName t;
  t.range = range(ctx);
  std::string base = name(ctx->base);
  if (auto b = lookup(kTypes, base)) {
    t.type.base = *b;
  } else {
    std::string guess = closestName(lower(base), words(kTypes));
    error(range(ctx->base), fmt::format("unknown type '{}'", base),
          guess.empty() ? "the types are bool, int, float, string, timestamp and duration"
                        : fmt::format("did you mean '{}'?", guess));
  }
  t.type.nullable = ctx->QUESTION() != nullptr;
  if (ctx->tsUnit != nullptr) {
    std::string unit = name(ctx->tsUnit);
    if (t.type.base != ast::BaseType::Timestamp && t.type.base != ast::BaseType::Error) {
      error(range(ctx->tsUnit), fmt::format("only 'timestamp' takes a unit, as in timestamp(seconds)"));
    } else if (auto u = lookup(kTimestampUnits, unit)) {
      t.unit = *u;
    } else {
      error(range(ctx->tsUnit), fmt::format("unknown timestamp unit '{}'", unit),
            "a timestamp is read as 'seconds' or 'milliseconds' since the epoch");
    }
  }
  return t;
}

ast::JsonPath AstBuilder::jsonPath(FP::JsonPathContext* ctx) {
  ast::JsonPath p;
  p.range = range(ctx);
  p.text = text(p.range);
  for (FP::JsonStepContext* step : ctx->jsonStep()) {
    ast::JsonPathStep s;
    if (auto* m = dynamic_cast<FP::MemberStepContext*>(step)) {
      s.member = anyName(m->anyName());
    } else if (auto* i = dynamic_cast<FP::IndexStepContext*>(step)) {
      auto v = intValue(i->INT()->getSymbol());
      s.index = v.value_or(0);
    } else if (auto* q = dynamic_cast<FP::QuotedMemberStepContext*>(step)) {
      s.member = stringValue(q->STRING()->getSymbol());
    }
    p.steps.push_back(std::move(s));
  }
  return p;
}

ast::TableDecl AstBuilder::table(FP::TableDeclContext* ctx) {
  ast::TableDecl d;
  d.range = range(ctx);
  d.name = name(ctx->name);
  d.nameRange = range(ctx->name);
  d.file = stringValue(ctx->file);
  d.fileRange = range(ctx->file);
  if (d.file.empty()) error(d.fileRange, "the table's file name is empty");
  d.columns = fields(ctx->fieldList());
  d.key = name(ctx->key);
  d.keyRange = range(ctx->key);
  return d;
}

ast::StreamDecl AstBuilder::stream(FP::StreamDeclContext* ctx) {
  ast::StreamDecl d;
  d.range = range(ctx);
  d.name = name(ctx->name);
  d.nameRange = range(ctx->name);
  d.select = select(ctx->selectStmt());
  return d;
}

ast::SinkDecl AstBuilder::sink(FP::SinkDeclContext* ctx) {
  ast::SinkDecl d;
  d.range = range(ctx);
  d.stream = name(ctx->name);
  d.streamRange = range(ctx->name);
  d.to = sinkTarget(ctx->sinkTarget());
  return d;
}

ast::DeadLetterDecl AstBuilder::deadLetter(FP::DeadLetterDeclContext* ctx) {
  ast::DeadLetterDecl d;
  d.range = range(ctx);
  d.to = sinkTarget(ctx->sinkTarget());
  return d;
}

ast::SinkTarget AstBuilder::sinkTarget(FP::SinkTargetContext* ctx) {
  ast::SinkTarget t;
  t.kindRange = range(ctx->kind);
  std::string kind = name(ctx->kind);
  if (auto k = lookup(kSinkKinds, kind)) {
    t.kind = *k;
  } else {
    error(t.kindRange, fmt::format("unknown sink kind '{}'", kind),
          unknownHint(kind, words(kSinkKinds), "sink kinds"));
  }
  if (ctx->target != nullptr) {
    t.target = stringValue(ctx->target);
    t.targetRange = range(ctx->target);
  }
  for (FP::SinkOptionContext* o : ctx->sinkOption()) {
    ast::SinkOption opt;
    opt.range = range(o);
    if (auto* n = dynamic_cast<FP::NamespaceOptionContext*>(o)) {
      opt.name = "namespace";
      opt.text = stringValue(n->value);
      opt.valueRange = range(n->value);
    } else if (auto* dm = dynamic_cast<FP::DimensionsOptionContext*>(o)) {
      opt.name = "dimensions";
      for (FP::IdentifierContext* id : dm->identifier()) opt.list.push_back(name(id));
      opt.valueRange = offsets_.range(dm->LPAREN()->getSymbol(), dm->RPAREN()->getSymbol());
    } else if (auto* pk = dynamic_cast<FP::PartitionKeyOptionContext*>(o)) {
      opt.name = "partition key";
      opt.text = name(pk->column);
      opt.valueRange = range(pk->column);
    } else if (auto* rg = dynamic_cast<FP::RegionOptionContext*>(o)) {
      opt.name = "region";
      opt.text = stringValue(rg->value);
      opt.valueRange = range(rg->value);
    } else if (auto* pf = dynamic_cast<FP::PrefixOptionContext*>(o)) {
      opt.name = "prefix";
      opt.text = stringValue(pf->value);
      opt.valueRange = range(pf->value);
    } else if (auto* mg = dynamic_cast<FP::MessageGroupOptionContext*>(o)) {
      opt.name = "message group";
      opt.text = name(mg->column);
      opt.valueRange = range(mg->column);
    }
    bool duplicate = std::any_of(t.options.begin(), t.options.end(),
                                 [&](const ast::SinkOption& other) { return other.name == opt.name; });
    if (duplicate) {
      error(opt.range, fmt::format("the sink already has a '{}' option", opt.name));
      continue;
    }
    t.options.push_back(std::move(opt));
  }
  return t;
}

// ------------------------------------------------------------ select

ast::TableRef AstBuilder::tableRef(FP::TableRefContext* ctx) {
  ast::TableRef r;
  r.name = name(ctx->name);
  r.range = range(ctx->name);
  if (ctx->alias != nullptr) {
    r.alias = name(ctx->alias);
    r.aliasRange = range(ctx->alias);
  }
  return r;
}

ast::SelectStmt AstBuilder::select(FP::SelectStmtContext* ctx) {
  ast::SelectStmt s;
  s.range = range(ctx);
  if (auto* d = ctx->DISTINCT()) {
    s.distinct = true;
    s.distinctRange = range(d->getSymbol());
  }
  for (FP::SelectItemContext* item : ctx->selectItem()) {
    ast::SelectItem it;
    it.range = range(item);
    if (dynamic_cast<FP::StarItemContext*>(item) != nullptr) {
      it.star = true;
    } else if (auto* qs = dynamic_cast<FP::QualifiedStarItemContext*>(item)) {
      it.star = true;
      it.starQualifier = name(qs->qual);
    } else if (auto* ei = dynamic_cast<FP::ExprItemContext*>(item)) {
      it.expr = expr(ei->expr());
      if (ei->alias != nullptr) {
        it.alias = name(ei->alias);
        it.aliasRange = range(ei->alias);
      }
    }
    s.items.push_back(std::move(it));
  }
  s.from = tableRef(ctx->from);
  for (FP::JoinClauseContext* j : ctx->joinClause()) {
    ast::JoinClause jc;
    jc.left = j->LEFT() != nullptr;
    jc.table = tableRef(j->tableRef());
    jc.on = expr(j->cond);
    jc.range = range(j);
    s.joins.push_back(std::move(jc));
  }
  if (ctx->where != nullptr) s.where = expr(ctx->where);
  if (!ctx->groupKeys.empty()) {
    for (FP::ExprContext* k : ctx->groupKeys) s.groupBy.push_back(expr(k));
    s.groupByRange = offsets_.range(ctx->GROUP()->getSymbol(), ctx->groupKeys.back()->getStop());
  }
  if (ctx->having != nullptr) s.having = expr(ctx->having);
  for (FP::OrderItemContext* o : ctx->orderItem()) {
    ast::OrderItem oi;
    oi.expr = expr(o->expr());
    oi.desc = o->DESC() != nullptr;
    oi.range = range(o);
    s.orderBy.push_back(std::move(oi));
  }
  if (ctx->limit != nullptr) {
    s.limitRange = offsets_.range(ctx->LIMIT()->getSymbol(), ctx->limit);
    if (auto v = intValue(ctx->limit)) s.limit = *v;
  }
  if (ctx->emitMode != nullptr) {
    s.emitWritten = true;
    s.emitRange = offsets_.range(ctx->EMIT()->getSymbol(), ctx->emitMode->getStop());
    std::string mode = name(ctx->emitMode);
    if (auto m = lookup(kEmitModes, mode)) {
      s.emit = *m;
    } else {
      error(range(ctx->emitMode), fmt::format("unknown emit mode '{}'", mode),
            unknownHint(mode, words(kEmitModes), "the modes"));
    }
  }
  return s;
}

// ------------------------------------------------------------ expressions

ExprPtr AstBuilder::node(ExprKind kind, SourceRange range, std::vector<ExprPtr> args) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->range = range;
  size_t depth = 0;
  for (const ExprPtr& a : args) {
    auto it = depth_.find(a.get());
    depth = std::max(depth, it == depth_.end() ? size_t{1} : it->second);
  }
  e->args = std::move(args);
  depth_[e.get()] = depth + 1;
  if (depth + 1 > limits_.maxExpressionDepth) {
    // Later stages walk expressions recursively; a chain of thousands of
    // operators would exhaust their stack, so it is refused here.
    error(range,
          fmt::format("expression is too deep: more than {} nested operations", limits_.maxExpressionDepth),
          "split it into several streams, or use 'in (…)' instead of a long chain of 'or'");
    throw Abandon{};
  }
  return e;
}

ExprPtr AstBuilder::literal(ast::Value v, SourceRange r) {
  ExprPtr e = node(ExprKind::Literal, r, {});
  e->value = std::move(v);
  return e;
}

ExprPtr AstBuilder::binary(Op op, ExprPtr lhs, ExprPtr rhs, SourceRange r) {
  std::vector<ExprPtr> args;
  args.push_back(std::move(lhs));
  args.push_back(std::move(rhs));
  ExprPtr e = node(ExprKind::Binary, r, std::move(args));
  e->op = op;
  return e;
}

ExprPtr AstBuilder::expr(FP::ExprContext* ctx) {
  auto parts = ctx->andExpr();
  ExprPtr e = andExpr(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    SourceRange r = offsets_.range(ctx->getStart(), parts[i]->getStop());
    e = binary(Op::Or, std::move(e), andExpr(parts[i]), r);
  }
  return e;
}

ExprPtr AstBuilder::andExpr(FP::AndExprContext* ctx) {
  auto parts = ctx->notExpr();
  ExprPtr e = notExpr(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    SourceRange r = offsets_.range(ctx->getStart(), parts[i]->getStop());
    e = binary(Op::And, std::move(e), notExpr(parts[i]), r);
  }
  return e;
}

ExprPtr AstBuilder::notExpr(FP::NotExprContext* ctx) {
  if (auto* n = dynamic_cast<FP::NotOpContext*>(ctx)) {
    std::vector<ExprPtr> args;
    args.push_back(notExpr(n->notExpr()));
    ExprPtr e = node(ExprKind::Unary, range(ctx), std::move(args));
    e->op = Op::Not;
    return e;
  }
  return predicate(dynamic_cast<FP::NotOperandContext*>(ctx)->predicateExpr());
}

ExprPtr AstBuilder::predicate(FP::PredicateExprContext* ctx) {
  ExprPtr lhs = additive(ctx->additive());
  FP::PredicateSuffixContext* suffix = ctx->predicateSuffix();
  if (suffix == nullptr) return lhs;
  SourceRange r = range(ctx);
  std::vector<ExprPtr> args;
  args.push_back(std::move(lhs));
  if (auto* c = dynamic_cast<FP::ComparisonContext*>(suffix)) {
    FP::CompareOpContext* op = c->compareOp();
    Op o = op->EQ()   ? Op::Eq
           : op->NE() ? Op::Ne
           : op->LT() ? Op::Lt
           : op->LE() ? Op::Le
           : op->GT() ? Op::Gt
                      : Op::Ge;
    return binary(o, std::move(args[0]), additive(c->additive()), r);
  }
  if (auto* n = dynamic_cast<FP::IsNullContext*>(suffix)) {
    ExprPtr e = node(ExprKind::IsNull, r, std::move(args));
    e->negated = n->NOT() != nullptr;
    return e;
  }
  if (auto* b = dynamic_cast<FP::BetweenContext*>(suffix)) {
    args.push_back(additive(b->low));
    args.push_back(additive(b->high));
    ExprPtr e = node(ExprKind::Between, r, std::move(args));
    e->negated = b->NOT() != nullptr;
    return e;
  }
  if (auto* in = dynamic_cast<FP::InListContext*>(suffix)) {
    for (FP::ExprContext* item : in->expr()) args.push_back(expr(item));
    ExprPtr e = node(ExprKind::InList, r, std::move(args));
    e->negated = in->NOT() != nullptr;
    return e;
  }
  auto* like = dynamic_cast<FP::LikeContext*>(suffix);
  args.push_back(additive(like->additive()));
  ExprPtr e = node(ExprKind::Like, r, std::move(args));
  e->negated = like->NOT() != nullptr;
  return e;
}

// `a + b - c`: children alternate operand, operator token, operand.
ExprPtr AstBuilder::additive(FP::AdditiveContext* ctx) {
  auto operands = ctx->multiplicative();
  ExprPtr e = multiplicative(operands[0]);
  size_t k = 1;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    auto* term = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (term == nullptr || k >= operands.size()) continue;
    size_t type = term->getSymbol()->getType();
    Op op = type == FP::PLUS ? Op::Add : type == FP::MINUS ? Op::Sub : Op::Concat;
    SourceRange r = offsets_.range(ctx->getStart(), operands[k]->getStop());
    e = binary(op, std::move(e), multiplicative(operands[k]), r);
    ++k;
  }
  return e;
}

ExprPtr AstBuilder::multiplicative(FP::MultiplicativeContext* ctx) {
  auto operands = ctx->unary();
  ExprPtr e = unary(operands[0]);
  size_t k = 1;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    auto* term = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (term == nullptr || k >= operands.size()) continue;
    size_t type = term->getSymbol()->getType();
    Op op = type == FP::STAR ? Op::Mul : type == FP::SLASH ? Op::Div : Op::Mod;
    SourceRange r = offsets_.range(ctx->getStart(), operands[k]->getStop());
    e = binary(op, std::move(e), unary(operands[k]), r);
    ++k;
  }
  return e;
}

ExprPtr AstBuilder::unary(FP::UnaryContext* ctx) {
  if (auto* u = dynamic_cast<FP::UnaryOperandContext*>(ctx)) return primary(u->primary());
  auto* sign = dynamic_cast<FP::SignOpContext*>(ctx);
  const bool minus = sign->MINUS() != nullptr;
  SourceRange r = range(ctx);
  // A minus sign is an operator, not part of a literal: `-7` is -(7)
  // (docs/language.md §2), so -9223372036854775808 does not fit.
  ExprPtr operand = unary(sign->unary());
  if (!minus) {
    operand->range = r;
    return operand;
  }
  std::vector<ExprPtr> args;
  args.push_back(std::move(operand));
  ExprPtr e = node(ExprKind::Unary, r, std::move(args));
  e->op = Op::Neg;
  return e;
}

ExprPtr AstBuilder::primary(FP::PrimaryContext* ctx) {
  SourceRange r = range(ctx);
  if (auto* d = dynamic_cast<FP::DurationLiteralContext*>(ctx)) return literal(duration(d->duration()), r);
  if (auto* i = dynamic_cast<FP::IntLiteralContext*>(ctx)) {
    return literal(intValue(i->INT()->getSymbol()).value_or(0), r);
  }
  if (dynamic_cast<FP::FloatLiteralContext*>(ctx) != nullptr) {
    auto v = parseDouble(text(r));
    if (!v)
      error(r, fmt::format("float literal {} is out of range", text(r)), "floats are 64-bit IEEE numbers");
    return literal(v.value_or(0.0), r);
  }
  if (auto* s = dynamic_cast<FP::StringLiteralContext*>(ctx))
    return literal(stringValue(s->STRING()->getSymbol()), r);
  if (auto* b = dynamic_cast<FP::BoolLiteralContext*>(ctx)) return literal(b->TRUE_() != nullptr, r);
  if (dynamic_cast<FP::NullLiteralContext*>(ctx) != nullptr) return literal(std::monostate{}, r);
  if (auto* c = dynamic_cast<FP::CastExprContext*>(ctx)) {
    std::vector<ExprPtr> args;
    args.push_back(expr(c->expr()));
    ExprPtr e = node(ExprKind::Cast, r, std::move(args));
    e->castType = typeName(c->typeName());
    return e;
  }
  if (auto* x = dynamic_cast<FP::ExtractExprContext*>(ctx)) {
    std::vector<ExprPtr> args;
    args.push_back(expr(x->expr()));
    ExprPtr e = node(ExprKind::Extract, r, std::move(args));
    e->name = lower(name(x->field));
    return e;
  }
  if (auto* c = dynamic_cast<FP::CaseExprContext*>(ctx)) {
    std::vector<ExprPtr> args;
    if (c->operand != nullptr) args.push_back(expr(c->operand));
    for (size_t i = 0; i < c->conds.size() && i < c->results.size(); ++i) {
      args.push_back(expr(c->conds[i]));
      args.push_back(expr(c->results[i]));
    }
    if (c->otherwise != nullptr) args.push_back(expr(c->otherwise));
    ExprPtr e = node(ExprKind::Case, r, std::move(args));
    e->hasOperand = c->operand != nullptr;
    e->hasElse = c->otherwise != nullptr;
    return e;
  }
  if (auto* call = dynamic_cast<FP::CallExprContext*>(ctx)) {
    std::vector<ExprPtr> args;
    for (FP::ExprContext* a : call->expr()) args.push_back(expr(a));
    ExprPtr e = node(ExprKind::Call, r, std::move(args));
    e->name = name(call->fn);
    e->star = call->STAR() != nullptr;
    e->distinct = call->DISTINCT() != nullptr;
    return e;
  }
  if (auto* q = dynamic_cast<FP::QualifiedColumnContext*>(ctx)) {
    ExprPtr e = node(ExprKind::ColumnRef, r, {});
    e->qualifier = name(q->qual);
    e->name = name(q->col);
    return e;
  }
  if (auto* col = dynamic_cast<FP::ColumnContext*>(ctx)) {
    ExprPtr e = node(ExprKind::ColumnRef, r, {});
    e->name = name(col->col);
    return e;
  }
  if (auto* p = dynamic_cast<FP::ParenExprContext*>(ctx)) return expr(p->expr());
  throw InternalError("syntax: a primary expression of an unknown form");
}

}  // namespace flowc::syntax
