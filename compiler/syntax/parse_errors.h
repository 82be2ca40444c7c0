// Syntax errors in flowc's words. ANTLR's own recovery and console messages
// are replaced: the strategy below records the FIRST error of a statement
// (offending token, the exact set of tokens that could have come instead,
// and the rule stack) and abandons the statement by throwing
// StatementFailed; parse.cpp then skips to the next `;` and goes on.
// describeSyntaxError() turns the record into a message positioned at the
// offending token, using tables of friendly names for tokens and rules, so
// that no ANTLR jargon or token name ever reaches a user.
// Internal to compiler/syntax (it includes ANTLR headers).
#pragma once

#include <string>
#include <vector>

#include "FlowParser.h"
#include "antlr4-runtime.h"
#include "diagnostics/diagnostics.h"
#include "diagnostics/source_file.h"

namespace flowc::syntax {

// Thrown through the generated rule functions (they only catch
// RecognitionException) to abandon the current statement.
struct StatementFailed {};

struct CapturedError {
  antlr4::Token* offending = nullptr;
  antlr4::misc::IntervalSet expected;
  antlr4::ParserRuleContext* context = nullptr;  // innermost rule when it failed
};

class FlowErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  bool failed() const { return failed_; }
  const CapturedError& error() const { return error_; }
  void clear() {
    failed_ = false;
    error_ = {};
  }

  void reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) override;
  void recover(antlr4::Parser* parser, std::exception_ptr e) override;
  antlr4::Token* recoverInline(antlr4::Parser* parser) override;
  void sync(antlr4::Parser* parser) override;

 private:
  [[noreturn]] void fail(antlr4::Parser* parser, antlr4::Token* offending, antlr4::misc::IntervalSet expected,
                         antlr4::ParserRuleContext* ctx);
  bool failed_ = false;
  CapturedError error_;
};

// Byte offsets of tokens: ANTLR counts code points, SourceRange counts bytes.
class OffsetMap {
 public:
  OffsetMap(const std::string& text);
  uint32_t byteOf(size_t codePoint) const;
  SourceRange range(const antlr4::Token* t) const;                                 // a token's bytes
  SourceRange range(const antlr4::Token* first, const antlr4::Token* last) const;  // first..last inclusive
  SourceRange range(const antlr4::ParserRuleContext* ctx) const;

 private:
  std::vector<uint32_t> bytes_;  // code point index → byte offset; one past the end included
};

// Token classes, shared with parse.cpp.
bool isLexicalErrorToken(size_t type);
bool isStatementKeyword(size_t type);

// A description of a token for messages: `'where'`, `end of file`,
// `string 'abc'`, `number 42`.
std::string describeToken(const antlr4::Token* t, const std::string& text);

// Reports `error` (captured while parsing the statement whose first token is
// `statementStart`) to `diags`, unless the offending token is a lexical error
// token (already reported when the file was scanned).
void reportSyntaxError(const CapturedError& error, antlr4::TokenStream& tokens, size_t statementStart,
                       const SourceFile& file, const OffsetMap& offsets, Diagnostics& diags);

}  // namespace flowc::syntax
