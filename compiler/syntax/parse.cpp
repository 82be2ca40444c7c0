// parseProgram: bounds and UTF-8 checks, lexing (lexical errors are reported
// here, once), a nesting pre-scan (ANTLR's parser is recursive descent, so a
// program nested thousands deep must be refused before it is parsed), then
// one statement at a time: parse, build its AST, or report its first syntax
// error and skip to the next `;`. Nothing escapes as an exception and ANTLR
// never prints anything.
#include "syntax/parse.h"

#include <fmt/format.h>

#include <memory>
#include <new>

#include "FlowLexer.h"
#include "FlowParser.h"
#include "antlr4-runtime.h"
#include "support/utf8.h"
#include "syntax/ast_builder.h"
#include "syntax/parse_errors.h"

namespace flowc::syntax {

namespace {

using grammar::FlowLexer;
using grammar::FlowParser;

std::string sizeText(size_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return fmt::format("{} MiB", bytes / (1024 * 1024));
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

// `'#'`, or `U+00A0` for what would not show (or show misleadingly).
std::string characterText(const std::string& ch) {
  uint32_t cp = 0;
  unsigned char c0 = static_cast<unsigned char>(ch[0]);
  if (c0 < 0x80) {
    cp = c0;
  } else {
    size_t n = ch.size();
    cp = n == 2 ? (c0 & 0x1F) : n == 3 ? (c0 & 0x0F) : (c0 & 0x07);
    for (size_t i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<unsigned char>(ch[i]) & 0x3F);
  }
  if (cp < 0x20 || cp == 0x7f) return fmt::format("U+{:04X}", cp);
  if (cp < 0x80) return fmt::format("'{}'", ch);
  // Invisible and look-alike characters are better named by number.
  if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF)
    return fmt::format("U+{:04X}", cp);
  return fmt::format("'{}' (U+{:04X})", ch, cp);
}

std::string characterHint(const std::string& ch) {
  if (ch == "\"") return "strings are written in single quotes: 'text'";
  if (ch == "&") return "the logical operators are 'and', 'or' and 'not'";
  if (ch == "|") return "the logical operators are 'and', 'or' and 'not'; '||' joins strings";
  if (ch == "!") return "write '!=' or '<>' for 'not equal', and 'not' for negation";
  if (ch == "#") return "comments start with '--' or are written /* like this */";
  if (ch == ":") return "a JSON path is written '= $.a.b' after the field's type";
  if (ch == "\xC2\xA0") return "a no-break space; replace it with an ordinary space";
  if (ch == "\xE2\x80\x98" || ch == "\xE2\x80\x99")
    return "strings are written in straight single quotes: 'text'";
  if (ch == "\xE2\x80\x9C" || ch == "\xE2\x80\x9D")
    return "strings are written in straight single quotes: 'text'";
  return {};
}

// Tokens point back into their input stream (and lexer), so all three
// live together until the parse is over.
struct Lexed {
  std::unique_ptr<antlr4::ANTLRInputStream> input;
  std::unique_ptr<FlowLexer> lexer;
  std::vector<std::unique_ptr<antlr4::Token>> tokens;  // EOF last
};

Lexed lex(const std::string& text) {
  Lexed out;
  out.input = std::make_unique<antlr4::ANTLRInputStream>(text);
  out.lexer = std::make_unique<FlowLexer>(out.input.get());
  out.lexer->removeErrorListeners();
  for (;;) {
    std::unique_ptr<antlr4::Token> t = out.lexer->nextToken();
    bool eof = t->getType() == antlr4::Token::EOF;
    out.tokens.push_back(std::move(t));
    if (eof) break;
  }
  return out;
}

void reportLexicalErrors(const Lexed& lexed, const SourceFile& file, const OffsetMap& offsets,
                         Diagnostics& diags) {
  const std::string& text = file.text();
  const auto& tokens = lexed.tokens;
  const antlr4::Token* lastMultiLineString = nullptr;
  for (size_t i = 0; i < tokens.size() && !diags.full(); ++i) {
    const antlr4::Token* t = tokens[i].get();
    SourceRange r = offsets.range(t);
    switch (t->getType()) {
      case FlowLexer::ERROR_CHAR: {
        // A run of stray characters is one error, named by its first.
        SourceRange all = r;
        while (i + 1 < tokens.size() && tokens[i + 1]->getType() == FlowLexer::ERROR_CHAR &&
               offsets.range(tokens[i + 1].get()).begin == all.end) {
          all.end = offsets.range(tokens[++i].get()).end;
        }
        std::string ch = text.substr(r.begin, r.end - r.begin);
        std::string hint = characterHint(ch);
        if (ch == "\"") {
          // "text" in double quotes: one error for the pair, not one per quote.
          size_t close = i + 1;
          while (close < tokens.size() && tokens[close]->getType() != antlr4::Token::EOF &&
                 tokens[close]->getLine() == t->getLine() &&
                 !(tokens[close]->getType() == FlowLexer::ERROR_CHAR && tokens[close]->getText() == "\"")) {
            ++close;
          }
          if (close < tokens.size() && tokens[close]->getType() == FlowLexer::ERROR_CHAR && close > i) {
            SourceRange closeRange = offsets.range(tokens[close].get());
            std::string inside = text.substr(all.end, closeRange.begin - all.end);
            if (inside.size() <= 40 && inside.find('\'') == std::string::npos) {
              hint = fmt::format("strings are written in single quotes: '{}'", inside);
            }
            all.end = closeRange.end;
            i = close;
          }
        }
        diags.error(all, fmt::format("unexpected character {}", characterText(ch)), hint);
        break;
      }
      case FlowLexer::UNTERMINATED_STRING: {
        // A string may span lines, so a quote missing earlier shows up
        // here, at the last quote of the file: point back to the suspect.
        std::string hint = "a string ends with a single quote; write '' for a quote inside it";
        if (lastMultiLineString != nullptr) {
          LineCol at = file.locate(offsets.range(lastMultiLineString).begin);
          hint = fmt::format("the string at {}:{} runs over several lines; is its closing quote missing?",
                             at.line, at.col);
        }
        diags.error({r.begin, r.begin + 1}, "unterminated string literal", hint);
        break;
      }
      case FlowLexer::STRING: {
        SourceRange sr = offsets.range(t);
        if (text.find('\n', sr.begin) < sr.end) lastMultiLineString = t;
        break;
      }
      case FlowLexer::UNTERMINATED_BLOCK_COMMENT:
        diags.error({r.begin, r.begin + 2}, "unterminated comment", "a block comment ends with '*/'");
        break;
      case FlowLexer::UNTERMINATED_QUOTED_IDENT:
        diags.error({r.begin, r.begin + 1}, "unterminated quoted name",
                    "a quoted name ends with a backtick; write `` for a backtick inside it");
        break;
      default: break;
    }
  }
}

// Marks the statements whose brackets, `case`s and prefix operators nest
// deeper than the limit (reported at the token that goes too deep). Depth
// here follows the parser's recursion: an opening bracket adds one level on
// top of whatever prefix operators (`not`, `-`) are pending before it.
std::vector<bool> findTooDeep(const Lexed& lexed, const ParseLimits& limits, const OffsetMap& offsets,
                              Diagnostics& diags) {
  const auto& tokens = lexed.tokens;
  std::vector<bool> drop(tokens.size(), false);
  std::vector<size_t> bases;
  size_t base = 0, run = 0, statementStart = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    size_t type = tokens[i]->getType();
    if (type == FlowLexer::SEMI || type == antlr4::Token::EOF) {
      bases.clear();
      base = run = 0;
      statementStart = i + 1;
      continue;
    }
    size_t depth = base;
    switch (type) {
      case FlowLexer::NOT:
      case FlowLexer::MINUS:
      case FlowLexer::PLUS: depth = base + ++run; break;
      case FlowLexer::LPAREN:
      case FlowLexer::LBRACKET:
      case FlowLexer::CASE:
        depth = base + run + 1;
        bases.push_back(base);
        base = depth;
        run = 0;
        break;
      case FlowLexer::RPAREN:
      case FlowLexer::RBRACKET:
      case FlowLexer::END:
        if (!bases.empty()) {
          base = bases.back();
          bases.pop_back();
        }
        run = 0;
        break;
      default: run = 0; break;
    }
    if (depth <= limits.maxNestingDepth) continue;
    diags.error(
        offsets.range(tokens[i].get()),
        fmt::format("expression is nested too deeply (more than {} levels)", limits.maxNestingDepth),
        "brackets, 'case' and prefix 'not' or '-' each add a level; split it into simpler expressions");
    size_t j = statementStart;
    for (; j < tokens.size() && tokens[j]->getType() != FlowLexer::SEMI &&
           tokens[j]->getType() != antlr4::Token::EOF;
         ++j) {
      drop[j] = true;
    }
    if (j < tokens.size() && tokens[j]->getType() == FlowLexer::SEMI) drop[j] = true;
    bases.clear();
    base = run = 0;
    statementStart = j + 1;
    i = j;
  }
  return drop;
}

// Where to go on after a statement failed at token `failedAt`: just after
// the next `;`, or at a statement keyword that begins a line (the previous
// statement lacks its `;`). A keyword within a line is more likely a
// reserved word used as a name (`where source = 'x'`), and starting a
// statement there would only add a second, confusing error.
size_t resyncIndex(antlr4::TokenStream& tokens, size_t start, size_t failedAt, bool couldEnd) {
  size_t i = std::max(failedAt, start);
  for (;; ++i) {
    const antlr4::Token* t = tokens.get(i);
    size_t type = t->getType();
    if (type == antlr4::Token::EOF) return i;
    if (type == FlowParser::SEMI) return i + 1;
    if (i <= start) continue;
    bool startsLine = tokens.get(i - 1)->getLine() < t->getLine();
    bool keyword = isStatementKeyword(type) ||
                   (type == FlowParser::DEAD_LETTER && tokens.get(i + 1)->getType() == FlowParser::TO);
    if (keyword && (startsLine || (i == failedAt && couldEnd))) return i;
  }
}

void parseInto(const SourceFile& file, Diagnostics& diags, const ParseLimits& limits, ast::Program& program) {
  const std::string& text = file.text();
  if (text.size() > limits.maxFileBytes) {
    // The driver reads at most one byte more than the limit, so "more than"
    // is all that is known at exactly that size.
    std::string size = text.size() == limits.maxFileBytes + 1
                           ? fmt::format("more than {}", sizeText(limits.maxFileBytes))
                           : fmt::format("{} bytes", text.size());
    diags.error({0, 0}, fmt::format("file is {}; a .flow file may be at most {}", size,
                                    sizeText(limits.maxFileBytes)));
    return;
  }
  // ANTLR's input stream cannot take malformed UTF-8; report every bad byte.
  if (findInvalidUtf8(text) != std::string::npos) {
    for (size_t i = 0; i < text.size() && !diags.full();) {
      size_t len = utf8SequenceLength(text, i);
      if (len != 0) {
        i += len;
        continue;
      }
      // A run of bad bytes (a truncated sequence, a Latin-1 word) is one error.
      size_t end = i + 1;
      while (end < text.size() && utf8SequenceLength(text, end) == 0) ++end;
      std::string bytes;
      for (size_t k = i; k < end && k < i + 4; ++k) {
        bytes += fmt::format("{}0x{:02x}", k > i ? " " : "", static_cast<unsigned char>(text[k]));
      }
      if (end - i > 4) bytes += " …";
      diags.error({static_cast<uint32_t>(i), static_cast<uint32_t>(end)},
                  fmt::format("invalid UTF-8 byte{} {}", end - i > 1 ? "s" : "", bytes),
                  "a .flow file must be UTF-8 text");
      i = end;
    }
    return;
  }

  OffsetMap offsets(text);
  Lexed lexed = lex(text);
  reportLexicalErrors(lexed, file, offsets, diags);
  std::vector<bool> drop = findTooDeep(lexed, limits, offsets, diags);

  std::vector<std::unique_ptr<antlr4::Token>> kept;
  kept.reserve(lexed.tokens.size());
  for (size_t i = 0; i < lexed.tokens.size(); ++i) {
    if (!drop[i]) kept.push_back(std::move(lexed.tokens[i]));
  }
  antlr4::ListTokenSource source(std::move(kept));
  antlr4::CommonTokenStream tokens(&source);
  tokens.fill();

  AstBuilder builder(file, offsets, diags, limits);
  while (!diags.full()) {
    size_t la = tokens.LA(1);
    if (la == antlr4::Token::EOF) break;
    if (la == FlowParser::SEMI) {  // an empty statement
      tokens.consume();
      continue;
    }
    const size_t start = tokens.index();
    FlowParser parser(&tokens);
    parser.removeErrorListeners();
    auto strategy = std::make_shared<FlowErrorStrategy>();
    parser.setErrorHandler(strategy);
    FlowParser::StatementContext* statement = nullptr;
    try {
      statement = parser.statement();
    } catch (const StatementFailed&) {
    }
    if (!strategy->failed() && statement != nullptr) {
      if (auto decl = builder.build(statement)) program.decls.push_back(std::move(*decl));
      if (tokens.index() <= start) tokens.seek(start + 1);  // cannot happen; never loop forever
      continue;
    }
    const CapturedError& error = strategy->error();
    reportSyntaxError(error, tokens, start, file, offsets, diags);
    size_t failedAt = error.offending != nullptr ? error.offending->getTokenIndex() : start;
    tokens.seek(
        resyncIndex(tokens, start, failedAt, error.expected.contains(static_cast<size_t>(FlowParser::SEMI))));
  }
}

}  // namespace

ast::Program parseProgram(const SourceFile& file, Diagnostics& diags, const ParseLimits& limits) {
  ast::Program program;
  try {
    parseInto(file, diags, limits, program);
  } catch (const std::bad_alloc&) {
    program.decls.clear();
    diags.error({0, 0}, "out of memory while parsing the file");
  } catch (const std::exception& e) {
    program.decls.clear();
    diags.error(
        {0, 0},
        fmt::format("internal error while parsing (this is a bug in flowc, please report it): {}", e.what()));
  } catch (...) {
    program.decls.clear();
    diags.error({0, 0}, "internal error while parsing (this is a bug in flowc, please report it)");
  }
  diags.sortByPosition();
  return program;
}

}  // namespace flowc::syntax
