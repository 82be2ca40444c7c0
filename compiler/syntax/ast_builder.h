// Parse tree → AST for one statement. The parser has already accepted the
// statement's shape; this is where names of kinds, formats, types, units and
// actions are mapped (with "did you mean" hints), literals are decoded and
// range-checked, clauses written twice are refused, and every node gets the
// byte range of its text. Internal to compiler/syntax (it includes ANTLR's
// generated parser).
#pragma once

#include <optional>
#include <unordered_map>

#include "FlowParser.h"
#include "diagnostics/diagnostics.h"
#include "syntax/ast.h"
#include "syntax/parse.h"
#include "syntax/parse_errors.h"

namespace flowc::syntax {

class AstBuilder {
 public:
  AstBuilder(const SourceFile& file, const OffsetMap& offsets, Diagnostics& diags, const ParseLimits& limits)
      : file_(file), offsets_(offsets), diags_(diags), limits_(limits) {}

  // The declaration, or nullopt when it had errors (already reported).
  std::optional<ast::Decl> build(grammar::FlowParser::StatementContext* ctx);

 private:
  using FP = grammar::FlowParser;
  struct Abandon {};  // an expression too deep to keep; already reported

  ast::SourceDecl source(FP::SourceDeclContext* ctx);
  ast::TableDecl table(FP::TableDeclContext* ctx);
  ast::StreamDecl stream(FP::StreamDeclContext* ctx);
  ast::SinkDecl sink(FP::SinkDeclContext* ctx);
  ast::DeadLetterDecl deadLetter(FP::DeadLetterDeclContext* ctx);

  std::vector<ast::FieldDecl> fields(FP::FieldListContext* ctx);
  ast::FieldDecl field(FP::FieldDeclContext* ctx);
  ast::TypeName typeName(FP::TypeNameContext* ctx);
  ast::JsonPath jsonPath(FP::JsonPathContext* ctx);
  ast::SinkTarget sinkTarget(FP::SinkTargetContext* ctx);
  ast::SelectStmt select(FP::SelectStmtContext* ctx);
  ast::TableRef tableRef(FP::TableRefContext* ctx);
  ast::Duration duration(FP::DurationContext* ctx);

  ast::ExprPtr expr(FP::ExprContext* ctx);
  ast::ExprPtr andExpr(FP::AndExprContext* ctx);
  ast::ExprPtr notExpr(FP::NotExprContext* ctx);
  ast::ExprPtr predicate(FP::PredicateExprContext* ctx);
  ast::ExprPtr additive(FP::AdditiveContext* ctx);
  ast::ExprPtr multiplicative(FP::MultiplicativeContext* ctx);
  ast::ExprPtr unary(FP::UnaryContext* ctx);
  ast::ExprPtr primary(FP::PrimaryContext* ctx);
  ast::ExprPtr literal(ast::Value v, SourceRange range);
  ast::ExprPtr node(ast::ExprKind kind, SourceRange range, std::vector<ast::ExprPtr> args);
  ast::ExprPtr binary(ast::Op op, ast::ExprPtr lhs, ast::ExprPtr rhs, SourceRange range);

  std::string name(FP::IdentifierContext* ctx);
  std::string anyName(FP::AnyNameContext* ctx);
  std::string stringValue(antlr4::Token* t);
  std::optional<int64_t> intValue(antlr4::Token* t);
  std::string text(SourceRange r) const { return file_.text().substr(r.begin, r.end - r.begin); }
  SourceRange range(antlr4::Token* t) const { return offsets_.range(t); }
  SourceRange range(antlr4::ParserRuleContext* ctx) const { return offsets_.range(ctx); }
  void error(SourceRange r, std::string message, std::string hint = {});
  std::string unknownHint(const std::string& word, const std::vector<std::string>& known, const char* what);

  const SourceFile& file_;
  const OffsetMap& offsets_;
  Diagnostics& diags_;
  const ParseLimits& limits_;
  size_t errors_ = 0;
  std::unordered_map<const ast::Expr*, size_t> depth_;  // expression tree depth, to bound operator chains
};

}  // namespace flowc::syntax
