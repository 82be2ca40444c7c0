// The error strategy and the wording of syntax errors; see parse_errors.h.
//
// Why the strategy checks every sync point against the FULL follow set: ANTLR
// only checks what may come next within the current rule, so after an
// optional clause it often notices an error several decisions later, where
// it can only say "expected ';'". With the full set (the exact tokens that
// may follow, given the rules being parsed) the first token that cannot
// continue the statement is caught where it stands, and the message can list
// everything that could have come there.
#include "syntax/parse_errors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "support/utf8.h"

namespace flowc::syntax {

using antlr4::Token;
using antlr4::misc::IntervalSet;
using P = grammar::FlowParser;

// ------------------------------------------------------------ strategy

void FlowErrorStrategy::fail(antlr4::Parser* parser, Token* offending, IntervalSet expected,
                             antlr4::ParserRuleContext* ctx) {
  if (!failed_) {
    failed_ = true;
    error_.offending = offending;
    error_.expected = std::move(expected);
    error_.context = ctx;
  }
  throw StatementFailed{};
}

namespace {

// The tokens the parser could have taken at the point where prediction
// stopped: the non-epsilon transitions of the configurations still alive.
IntervalSet tokensFromConfigs(const antlr4::atn::ATNConfigSet* configs) {
  IntervalSet out;
  if (configs == nullptr) return out;
  for (const auto& c : configs->configs) {
    if (!c || c->state == nullptr) continue;
    for (const antlr4::atn::Transition* t : c->state->transitions) {
      if (t == nullptr || t->isEpsilon()) continue;
      auto type = t->getSerializationType();
      if (type == antlr4::atn::Transition::WILDCARD || type == antlr4::atn::Transition::NOT_SET) continue;
      out.addAll(t->label());
    }
  }
  return out;
}

}  // namespace

void FlowErrorStrategy::reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) {
  if (failed_) return;
  Token* offending = e.getOffendingToken();
  if (offending == nullptr) offending = parser->getCurrentToken();
  IntervalSet expected;
  if (auto* nva = dynamic_cast<const antlr4::NoViableAltException*>(&e)) {
    Token* start = nva->getStartToken();
    if (start != nullptr && start->getTokenIndex() != offending->getTokenIndex()) {
      // Prediction read past the decision's first token; what was expected
      // is what the surviving alternatives could take at the offending one.
      expected = tokensFromConfigs(nva->getDeadEndConfigs());
    }
  }
  if (expected.isEmpty()) expected = e.getExpectedTokens();
  auto* ctx = dynamic_cast<antlr4::ParserRuleContext*>(e.getCtx());
  failed_ = true;
  error_.offending = offending;
  error_.expected = std::move(expected);
  error_.context = ctx != nullptr ? ctx : parser->getContext();
}

void FlowErrorStrategy::recover(antlr4::Parser*, std::exception_ptr) {
  throw StatementFailed{};
}

Token* FlowErrorStrategy::recoverInline(antlr4::Parser* parser) {
  fail(parser, parser->getCurrentToken(), parser->getExpectedTokens(), parser->getContext());
}

void FlowErrorStrategy::sync(antlr4::Parser* parser) {
  const antlr4::atn::ATN& atn = parser->getATN();
  size_t state = parser->getState();
  if (state >= atn.states.size()) return;
  size_t la = parser->getTokenStream()->LA(1);
  if (atn.nextTokens(atn.states[state]).contains(la)) return;
  IntervalSet full = parser->getExpectedTokens();
  if (full.contains(la)) return;
  fail(parser, parser->getCurrentToken(), std::move(full), parser->getContext());
}

// ------------------------------------------------------------ offsets

OffsetMap::OffsetMap(const std::string& text) {
  bytes_.reserve(text.size() + 1);
  size_t i = 0;
  while (i < text.size()) {
    bytes_.push_back(static_cast<uint32_t>(i));
    size_t len = utf8SequenceLength(text, i);
    i += len == 0 ? 1 : len;
  }
  bytes_.push_back(static_cast<uint32_t>(text.size()));
}

uint32_t OffsetMap::byteOf(size_t codePoint) const {
  if (codePoint >= bytes_.size()) return bytes_.back();
  return bytes_[codePoint];
}

SourceRange OffsetMap::range(const Token* t) const {
  if (t == nullptr) return {};
  if (t->getType() == Token::EOF) {
    uint32_t end = bytes_.back();
    return {end, end};
  }
  size_t start = t->getStartIndex(), stop = t->getStopIndex();
  if (stop == static_cast<size_t>(-1) || stop < start) return {byteOf(start), byteOf(start)};
  return {byteOf(start), byteOf(stop + 1)};
}

SourceRange OffsetMap::range(const Token* first, const Token* last) const {
  SourceRange a = range(first);
  if (last == nullptr || last->getType() == Token::EOF) return a;
  SourceRange b = range(last);
  return b.end > a.begin ? SourceRange{a.begin, b.end} : a;
}

SourceRange OffsetMap::range(const antlr4::ParserRuleContext* ctx) const {
  if (ctx == nullptr) return {};
  auto* c = const_cast<antlr4::ParserRuleContext*>(ctx);  // ANTLR's getters are not const
  return range(c->getStart(), c->getStop());
}

// ------------------------------------------------------------ token classes

bool isLexicalErrorToken(size_t type) {
  return type == P::ERROR_CHAR || type == P::UNTERMINATED_STRING || type == P::UNTERMINATED_BLOCK_COMMENT ||
         type == P::UNTERMINATED_QUOTED_IDENT;
}

bool isStatementKeyword(size_t type) {
  return type == P::SOURCE || type == P::STREAM || type == P::TABLE || type == P::SINK;
}

namespace {

bool isSoftKeyword(size_t type) {
  return type >= P::FORMAT && type <= P::DAYS;
}
bool isReservedWord(size_t type) {
  return type >= P::SELECT && type <= P::EMIT;
}
bool isNameToken(size_t type) {
  return type == P::IDENT || type == P::QUOTED_IDENT || isSoftKeyword(type);
}

IntervalSet nameSet() {
  IntervalSet s;
  s.add(P::IDENT);
  s.add(P::QUOTED_IDENT);
  s.add(P::FORMAT, P::DAYS);
  return s;
}

IntervalSet operandStartSet() {
  IntervalSet s = nameSet();
  for (size_t t : {P::INT, P::FLOAT, P::STRING, P::TRUE_, P::FALSE_, P::NULL_, P::LPAREN, P::MINUS, P::PLUS,
                   P::CASE, P::CAST, P::EXTRACT, P::INTERVAL}) {
    s.add(t);
  }
  return s;
}

IntervalSet operatorSet() {
  IntervalSet s;
  for (size_t t : {P::STAR, P::SLASH, P::PERCENT, P::PLUS, P::MINUS, P::CONCAT, P::EQ, P::NE, P::LT, P::LE,
                   P::GT, P::GE, P::IS, P::NOT, P::BETWEEN, P::IN, P::LIKE, P::AND, P::OR}) {
    s.add(t);
  }
  return s;
}

IntervalSet unitSet() {
  IntervalSet s;
  s.add(P::MS, P::DAYS);
  return s;
}

bool containsAll(const IntervalSet& set, const IntervalSet& part) {
  return part.subtract(set).isEmpty();
}

// The order in which expected tokens are listed, roughly the order in which
// they appear in a statement, punctuation last and ';' at the very end.
const std::vector<size_t>& displayOrder() {
  static const std::vector<size_t> order = {
      P::SOURCE,    P::TABLE,    P::STREAM,    P::SINK,         P::DEAD_LETTER,  P::SELECT,
      P::DISTINCT,  P::AS,       P::FORMAT,    P::FILE,         P::EVENT,        P::TIME,
      P::WATERMARK, P::ALLOWED,  P::LATENESS,  P::ON,           P::ERROR,        P::KEY,
      P::TO,        P::LEFT,     P::OUTER,     P::JOIN,         P::FROM,         P::WHERE,
      P::GROUP,     P::BY,       P::HAVING,    P::ORDER,        P::ASC,          P::DESC,
      P::LIMIT,     P::EMIT,     P::NAMESPACE, P::DIMENSIONS,   P::PARTITION,    P::REGION,
      P::PREFIX,    P::MESSAGE,  P::CASE,      P::WHEN,         P::THEN,         P::ELSE,
      P::END,       P::CAST,     P::EXTRACT,   P::INTERVAL,     P::AND,          P::OR,
      P::NOT,       P::IS,       P::NULL_,     P::TRUE_,        P::FALSE_,       P::BETWEEN,
      P::IN,        P::LIKE,     P::MS,        P::MILLISECOND,  P::MILLISECONDS, P::S,
      P::SECOND,    P::SECONDS,  P::M,         P::MINUTE,       P::MINUTES,      P::H,
      P::HOUR,      P::HOURS,    P::D,         P::DAY,          P::DAYS,         P::INT,
      P::FLOAT,     P::STRING,   P::IDENT,     P::QUOTED_IDENT, P::DOLLAR,       P::DOT,
      P::LBRACKET,  P::RBRACKET, P::STAR,      P::SLASH,        P::PERCENT,      P::PLUS,
      P::MINUS,     P::CONCAT,   P::EQ,        P::NE,           P::LT,           P::LE,
      P::GT,        P::GE,       P::QUESTION,  P::COMMA,        P::LPAREN,       P::RPAREN,
      P::SEMI,      Token::EOF};
  return order;
}

// The word a keyword token stands for, lower case ("" for other tokens).
std::string keywordWord(size_t type) {
  static const std::vector<std::pair<size_t, const char*>> words = {{P::SELECT, "select"},
                                                                    {P::FROM, "from"},
                                                                    {P::WHERE, "where"},
                                                                    {P::GROUP, "group"},
                                                                    {P::BY, "by"},
                                                                    {P::HAVING, "having"},
                                                                    {P::ORDER, "order"},
                                                                    {P::LIMIT, "limit"},
                                                                    {P::JOIN, "join"},
                                                                    {P::LEFT, "left"},
                                                                    {P::ON, "on"},
                                                                    {P::AND, "and"},
                                                                    {P::OR, "or"},
                                                                    {P::NOT, "not"},
                                                                    {P::IS, "is"},
                                                                    {P::NULL_, "null"},
                                                                    {P::TRUE_, "true"},
                                                                    {P::FALSE_, "false"},
                                                                    {P::CASE, "case"},
                                                                    {P::WHEN, "when"},
                                                                    {P::THEN, "then"},
                                                                    {P::ELSE, "else"},
                                                                    {P::END, "end"},
                                                                    {P::AS, "as"},
                                                                    {P::IN, "in"},
                                                                    {P::BETWEEN, "between"},
                                                                    {P::LIKE, "like"},
                                                                    {P::CAST, "cast"},
                                                                    {P::EXTRACT, "extract"},
                                                                    {P::INTERVAL, "interval"},
                                                                    {P::DISTINCT, "distinct"},
                                                                    {P::SOURCE, "source"},
                                                                    {P::STREAM, "stream"},
                                                                    {P::SINK, "sink"},
                                                                    {P::TABLE, "table"},
                                                                    {P::EMIT, "emit"},
                                                                    {P::FORMAT, "format"},
                                                                    {P::EVENT, "event"},
                                                                    {P::TIME, "time"},
                                                                    {P::WATERMARK, "watermark"},
                                                                    {P::ALLOWED, "allowed"},
                                                                    {P::LATENESS, "lateness"},
                                                                    {P::ERROR, "error"},
                                                                    {P::DEAD_LETTER, "dead_letter"},
                                                                    {P::TO, "to"},
                                                                    {P::FILE, "file"},
                                                                    {P::KEY, "key"},
                                                                    {P::OUTER, "outer"},
                                                                    {P::ASC, "asc"},
                                                                    {P::DESC, "desc"},
                                                                    {P::NAMESPACE, "namespace"},
                                                                    {P::DIMENSIONS, "dimensions"},
                                                                    {P::PARTITION, "partition"},
                                                                    {P::REGION, "region"},
                                                                    {P::PREFIX, "prefix"},
                                                                    {P::MESSAGE, "message"},
                                                                    {P::MS, "ms"},
                                                                    {P::MILLISECOND, "millisecond"},
                                                                    {P::MILLISECONDS, "milliseconds"},
                                                                    {P::S, "s"},
                                                                    {P::SECOND, "second"},
                                                                    {P::SECONDS, "seconds"},
                                                                    {P::M, "m"},
                                                                    {P::MINUTE, "minute"},
                                                                    {P::MINUTES, "minutes"},
                                                                    {P::H, "h"},
                                                                    {P::HOUR, "hour"},
                                                                    {P::HOURS, "hours"},
                                                                    {P::D, "d"},
                                                                    {P::DAY, "day"},
                                                                    {P::DAYS, "days"}};
  for (const auto& [t, w] : words) {
    if (t == type) return w;
  }
  return "";
}

// Punctuation as written, quoted.
std::string punctuation(size_t type) {
  switch (type) {
    case P::SEMI: return "';'";
    case P::COMMA: return "','";
    case P::DOT: return "'.'";
    case P::LPAREN: return "'('";
    case P::RPAREN: return "')'";
    case P::LBRACKET: return "'['";
    case P::RBRACKET: return "']'";
    case P::STAR: return "'*'";
    case P::SLASH: return "'/'";
    case P::PERCENT: return "'%'";
    case P::PLUS: return "'+'";
    case P::MINUS: return "'-'";
    case P::CONCAT: return "'||'";
    case P::EQ: return "'='";
    case P::NE: return "'!='";
    case P::LE: return "'<='";
    case P::LT: return "'<'";
    case P::GE: return "'>='";
    case P::GT: return "'>'";
    case P::QUESTION: return "'?'";
    case P::DOLLAR: return "'$'";
    default: return "";
  }
}

bool hasRule(antlr4::ParserRuleContext* ctx, size_t rule) {
  for (antlr4::RuleContext* c = ctx; c != nullptr; c = dynamic_cast<antlr4::RuleContext*>(c->parent)) {
    if (c->getRuleIndex() == rule) return true;
  }
  return false;
}

size_t innermostRule(antlr4::ParserRuleContext* ctx) {
  // `identifier` and `softKeyword` say nothing about what the name is for.
  for (antlr4::RuleContext* c = ctx; c != nullptr; c = dynamic_cast<antlr4::RuleContext*>(c->parent)) {
    size_t r = c->getRuleIndex();
    if (r != P::RuleIdentifier && r != P::RuleSoftKeyword && r != P::RuleAnyName) return r;
  }
  return static_cast<size_t>(-1);
}

// How a token is named in a list of what was expected.
std::string tokenPhrase(size_t type, antlr4::ParserRuleContext* ctx) {
  switch (type) {
    case Token::EOF: return "end of file";
    case P::GROUP: return "'group by'";
    case P::ORDER: return "'order by'";
    case P::LEFT: return "'left join'";
    case P::EVENT: return "'event time'";
    case P::ALLOWED: return "'allowed lateness'";
    case P::PARTITION: return "'partition key'";
    case P::MESSAGE: return "'message group'";
    case P::ON: return hasRule(ctx, P::RuleSourceDecl) ? "'on error'" : "'on'";
    case P::INT: return "an integer";
    case P::FLOAT: return "a number";
    case P::STRING: return "a string";
    case P::IDENT:
    case P::QUOTED_IDENT: return "a name";
    default: break;
  }
  std::string word = keywordWord(type);
  if (!word.empty()) return "'" + word + "'";
  return punctuation(type);
}

std::string truncated(const std::string& s, size_t max = 30) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return s.substr(0, cut) + "…";
}

// Quotes user text for a message, with control characters made visible.
std::string quoted(const std::string& text) {
  std::string out;
  for (char c : truncated(text)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (u < 0x20 || u == 0x7f)
      out += fmt::format("\\x{:02x}", u);
    else
      out.push_back(c);
  }
  return "'" + out + "'";
}

// What kind of name is wanted, from the rule and the token before.
std::string nameNoun(antlr4::ParserRuleContext* ctx, const Token* prev) {
  size_t rule = innermostRule(ctx);
  size_t p = prev != nullptr ? prev->getType() : Token::INVALID_TYPE;
  if (rule == P::RuleTypeName) {
    return p == P::LPAREN ? "a timestamp unit ('seconds' or 'milliseconds')" : "a type";
  }
  switch (p) {
    case P::SOURCE: return "a name for the source";
    case P::TABLE: return "a name for the table";
    case P::STREAM: return "a name for the stream";
    case P::SINK: return "the name of the stream the sink reads";
    case P::FORMAT: return "a format ('json' or 'text')";
    case P::TIME: return "the event-time field";
    case P::ERROR: return "'dead_letter', 'retry' or 'skip'";
    case P::EMIT: return "'final' or 'changes'";
    case P::JOIN: return "a table name";
    case P::AS: return "an alias";
    case P::KEY: return "a column name";
    default: break;
  }
  if (p == P::FROM && rule == P::RuleSourceDecl) return "a source kind";
  if (p == P::FROM && rule == P::RuleSelectStmt) return "the name of a source or stream";
  if (p == P::TO) return "a sink kind";
  if (rule == P::RuleFieldList || rule == P::RuleFieldDecl) return "a field name";
  if (rule == P::RuleSinkOption) return "a column name";
  if (rule == P::RuleJsonStep || rule == P::RuleJsonPath) return "a member name";
  if (p == P::DOT) return "a column name";
  return "a name";
}

bool isGenericNoun(const std::string& noun) {
  return noun == "a name" || noun == "an alias";
}

std::string joinPhrases(const std::vector<std::string>& phrases) {
  std::string out;
  for (size_t i = 0; i < phrases.size(); ++i) {
    if (i > 0) out += i + 1 == phrases.size() ? " or " : ", ";
    out += phrases[i];
  }
  return out;
}

struct Expectation {
  std::vector<std::string> phrases;
  std::vector<std::string> keywords;  // words a misspelt name may have meant
  bool wantsName = false;
  bool wantsExpression = false;
};

Expectation describeExpected(IntervalSet expected, antlr4::ParserRuleContext* ctx, const Token* prev) {
  Expectation out;
  const IntervalSet names = nameSet();
  const IntervalSet operands = operandStartSet();
  const IntervalSet operators = operatorSet();
  std::string leadNoun;
  for (size_t t : displayOrder()) {
    if (!expected.contains(t)) continue;
    std::string w = keywordWord(t);
    if (!w.empty()) out.keywords.push_back(w);
  }
  if (containsAll(expected, operands)) {
    out.wantsExpression = true;
    leadNoun = "an expression";
    expected = expected.subtract(operands);
    expected.remove(static_cast<size_t>(P::NOT));
  } else if (containsAll(expected, names)) {
    out.wantsName = true;
    std::string noun = nameNoun(ctx, prev);
    expected = expected.subtract(names);
    IntervalSet reserved;
    reserved.add(P::SELECT, P::EMIT);
    if (containsAll(expected, reserved)) expected = expected.subtract(reserved);  // `$.from`: any word
    // An optional alias is always possible after a name or an expression;
    // listing it beside the clauses that may follow would only add noise.
    if (!isGenericNoun(noun) || expected.isEmpty()) leadNoun = noun;
  } else if (expected.contains(static_cast<size_t>(P::INTERVAL)) &&
             expected.contains(static_cast<size_t>(P::INT))) {
    leadNoun = "a duration such as '10 seconds'";
    for (size_t t : {P::INT, P::FLOAT, P::INTERVAL}) expected.remove(t);
  } else if (containsAll(expected, unitSet())) {
    leadNoun = "a duration unit ('ms', 's', 'm', 'h' or 'd')";
    expected = expected.subtract(unitSet());
  }
  if (operators.And(expected).size() >= 3) {
    out.phrases.push_back("an operator");
    expected = expected.subtract(operators);
  }
  if (!leadNoun.empty()) out.phrases.insert(out.phrases.begin(), leadNoun);
  for (size_t t : displayOrder()) {
    if (!expected.contains(t)) continue;
    std::string phrase = tokenPhrase(t, ctx);
    if (!phrase.empty() && std::find(out.phrases.begin(), out.phrases.end(), phrase) == out.phrases.end()) {
      out.phrases.push_back(phrase);
    }
  }
  return out;
}

const char* statementNoun(size_t firstTokenType) {
  switch (firstTokenType) {
    case P::SOURCE: return "the source definition";
    case P::TABLE: return "the table definition";
    case P::STREAM: return "the stream definition";
    case P::SINK: return "the sink definition";
    case P::DEAD_LETTER: return "the dead_letter declaration";
    default: return "the statement";
  }
}

std::string lowerCase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string describeToken(const Token* t, const std::string& text) {
  if (t == nullptr || t->getType() == Token::EOF) return "end of file";
  switch (t->getType()) {
    case P::STRING: return "string " + truncated(text);
    case P::INT:
    case P::FLOAT: return "number " + truncated(text);
    default: return quoted(text);
  }
}

void reportSyntaxError(const CapturedError& error, antlr4::TokenStream& tokens, size_t statementStart,
                       const SourceFile& file, const OffsetMap& offsets, Diagnostics& diags) {
  const Token* t = error.offending;
  if (t == nullptr) return;
  const size_t type = t->getType();
  if (isLexicalErrorToken(type)) return;  // reported with its own words already

  auto textOf = [&](const Token* tok) -> std::string {
    SourceRange r = offsets.range(tok);
    return file.text().substr(r.begin, r.end - r.begin);
  };
  const size_t index = t->getTokenIndex();
  const Token* prev = index > statementStart ? tokens.get(index - 1) : nullptr;
  const SourceRange at = offsets.range(t);
  const SourceRange afterPrev =
      prev != nullptr ? SourceRange{offsets.range(prev).end, offsets.range(prev).end} : at;
  const bool eof = type == Token::EOF;
  const bool newLine = prev != nullptr && file.locate(at.begin).line > file.locate(afterPrev.begin).line;
  const std::string tDesc = describeToken(t, eof ? "" : textOf(t));
  std::string prevDesc = prev != nullptr ? describeToken(prev, textOf(prev)) : "";
  if (prev != nullptr &&
      (prev->getType() == P::STRING || prev->getType() == P::INT || prev->getType() == P::FLOAT)) {
    prevDesc = "the " + prevDesc;
  }
  const IntervalSet& expected = error.expected;
  antlr4::ParserRuleContext* ctx = error.context;

  // A closing bracket is missing when the parser wanted one and got a word
  // that can only start a later clause (or the end).
  auto endsClause = [&](size_t k) {
    return k == Token::EOF || k == P::SEMI || isStatementKeyword(k) || k == P::FROM || k == P::WHERE ||
           k == P::GROUP || k == P::HAVING || k == P::ORDER || k == P::LIMIT || k == P::EMIT ||
           k == P::JOIN || k == P::LEFT || k == P::ON || k == P::WHEN || k == P::THEN || k == P::ELSE ||
           k == P::END || k == P::EVENT;
  };
  for (auto [open, close, closeText] :
       {std::tuple{P::LPAREN, P::RPAREN, "')'"}, std::tuple{P::LBRACKET, P::RBRACKET, "']'"}}) {
    if (!expected.contains(static_cast<size_t>(close)) || !endsClause(type)) continue;
    // `(id string, from string)`: after `(` or `,` a reserved word is a name
    // that needs back-quotes, not the end of the list.
    if (prev != nullptr && (prev->getType() == P::COMMA || prev->getType() == P::LPAREN) &&
        isReservedWord(type))
      continue;
    std::vector<size_t> stack;
    for (size_t i = statementStart; i < index; ++i) {
      size_t k = tokens.get(i)->getType();
      if (k == P::LPAREN || k == P::LBRACKET)
        stack.push_back(i);
      else if ((k == P::RPAREN || k == P::RBRACKET) && !stack.empty())
        stack.pop_back();
    }
    if (stack.empty() || tokens.get(stack.back())->getType() != open) continue;
    LineCol lc = file.locate(offsets.range(tokens.get(stack.back())).begin);
    diags.error(eof || newLine ? afterPrev : at, fmt::format("missing {} to close '{}' at {}:{}", closeText,
                                                             open == P::LPAREN ? "(" : "[", lc.line, lc.col));
    return;
  }

  // A statement that could end here but is followed by the next one (or
  // by the end of the file, or by a new line) is missing its `;`.
  const size_t firstType = tokens.get(statementStart)->getType();
  if (expected.contains(static_cast<size_t>(P::SEMI)) && (eof || isStatementKeyword(type) || newLine)) {
    if (eof) {
      diags.error(afterPrev, "unexpected end of file; expected ';'");
    } else {
      diags.error(afterPrev, fmt::format("expected ';' after {}", statementNoun(firstType)));
    }
    return;
  }

  Expectation e = describeExpected(expected, ctx, prev);

  std::string hint;
  // A word that looks like one that was expected (`wher`), or a name just
  // read as an alias that looks like one (`select a form t`).
  if (type == P::IDENT || isSoftKeyword(type)) {
    std::string guess = closestName(lowerCase(textOf(t)), e.keywords);
    if (!guess.empty()) hint = fmt::format("did you mean '{}'?", guess);
  }
  bool misspeltKeyword = false;
  if (hint.empty() && prev != nullptr && prev->getType() == P::IDENT && textOf(prev).size() >= 3) {
    // `from t wher x`: `wher` was taken for an alias and the parser only
    // stopped at `x`. The mistake is the misspelt keyword, so say so there.
    // Only reserved words: a soft keyword is a name wherever a name fits.
    std::vector<std::string> reserved;
    for (size_t k = P::SELECT; k <= P::EMIT; ++k) {
      if (expected.contains(k)) reserved.push_back(keywordWord(k));
    }
    std::string guess = closestName(lowerCase(textOf(prev)), reserved);
    if (!guess.empty()) {
      hint = fmt::format("did you mean '{}'?", guess);
      misspeltKeyword = true;
    }
  }
  const size_t prevType = prev != nullptr ? prev->getType() : Token::INVALID_TYPE;
  const bool declaresName = prevType == P::SOURCE || prevType == P::TABLE || prevType == P::STREAM ||
                            prevType == P::SINK || prevType == P::AS || prevType == P::DOT ||
                            prevType == P::JOIN || prevType == P::KEY || prevType == P::LPAREN ||
                            prevType == P::COMMA;
  if (hint.empty() && isReservedWord(type) &&
      ((e.wantsName && declaresName) ||
       (e.wantsExpression && (!endsClause(type) || (isStatementKeyword(type) && !newLine))))) {
    hint = fmt::format("'{}' is a reserved word; write `{}` to use it as a name", lowerCase(textOf(t)),
                       textOf(t));
  }
  if (hint.empty() && isNameToken(type) && containsAll(expected, unitSet())) {
    static const std::vector<std::pair<const char*, const char*>> unitAliases = {
        {"sec", "seconds"}, {"secs", "seconds"}, {"min", "minutes"}, {"mins", "minutes"},
        {"hr", "hours"},    {"hrs", "hours"},    {"msec", "ms"},     {"msecs", "ms"},
        {"millis", "ms"},   {"week", "days"},    {"weeks", "days"}};
    for (const auto& [alias, unit] : unitAliases) {
      if (lowerCase(textOf(t)) == alias) hint = fmt::format("did you mean '{}'?", unit);
    }
  }
  if (hint.empty() && type == P::SELECT && prev == nullptr) {
    hint = "a query needs a name: stream NAME as select …";
  }

  if (hint.empty()) {
    // A string that runs over lines has usually swallowed code up to the
    // next quote; that is the mistake to point at.
    for (size_t i = statementStart; i < index; ++i) {
      const Token* k = tokens.get(i);
      if (k->getType() != P::STRING) continue;
      SourceRange r = offsets.range(k);
      if (file.text().find('\n', r.begin) >= r.end) continue;
      LineCol lc = file.locate(r.begin);
      hint = fmt::format("the string at {}:{} runs over several lines; is its closing quote missing?",
                         lc.line, lc.col);
      break;
    }
  }

  // In the select list, after an item, `from` is what is usually missing.
  size_t rule = innermostRule(ctx);
  if (expected.contains(static_cast<size_t>(P::FROM)) && hasRule(ctx, P::RuleSelectStmt) &&
      !hasRule(ctx, P::RulePrimary)) {
    bool missingComma = isNameToken(type) || type == P::INT || type == P::FLOAT || type == P::STRING;
    if (misspeltKeyword) {
      diags.error(offsets.range(prev), "expected 'from' after the select list", hint);
    } else {
      diags.error(eof ? afterPrev : at,
                  missingComma ? "expected ',' or 'from' after the select list"
                               : "expected 'from' after the select list",
                  hint);
    }
    return;
  }
  if (misspeltKeyword && !e.phrases.empty()) {
    diags.error(
        offsets.range(prev),
        fmt::format("unexpected {}; expected {}", describeToken(prev, textOf(prev)), joinPhrases(e.phrases)),
        hint);
    return;
  }

  if (e.phrases.empty()) {
    diags.error(at, fmt::format("unexpected {}", tDesc), hint);
    return;
  }
  std::string list = joinPhrases(e.phrases);
  if (eof) {
    diags.error(afterPrev, fmt::format("unexpected end of file; expected {}", list), hint);
    return;
  }
  if (e.phrases.size() <= 3 && prev != nullptr) {
    std::string after = prevDesc;
    if (rule == P::RuleTypeName && prev->getType() != P::LPAREN && hasRule(ctx, P::RuleFieldDecl)) {
      after = fmt::format("field name {}", quoted(textOf(prev)));
    }
    if (isNameToken(type) || isReservedWord(type)) {
      diags.error(at, fmt::format("unexpected {}; expected {} after {}", tDesc, list, after), hint);
    } else {
      diags.error(at, fmt::format("expected {} after {}", list, after), hint);
    }
    return;
  }
  diags.error(at, fmt::format("unexpected {}; expected {}", tDesc, list), hint);
}

}  // namespace flowc::syntax
