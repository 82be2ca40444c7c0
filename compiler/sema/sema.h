// compiler/sema: AST → typed, resolved AST plus a Catalog of every relation.
// Resolves names (sources, tables, streams, aliases, the `_` metadata
// columns of each source kind), types expressions with SQL nullability,
// checks functions, aggregates, group by, windows and the state model of
// LANGUAGE.md §5, reads table files, checks sinks, and warns about unused
// streams. It annotates the AST in place (the fields marked "sema:").
#pragma once

#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "syntax/ast.h"

namespace flowc::sema {

struct Relation {
  ast::RelationKind kind = ast::RelationKind::Source;
  std::string name;
  std::vector<ast::Column> columns;  // declared fields first, then metadata (sources)
  const ast::SourceDecl* source = nullptr;
  const ast::TableDecl* table = nullptr;
  const ast::StreamDecl* stream = nullptr;
  // The source every row of this relation comes from (itself for a source).
  const ast::SourceDecl* origin = nullptr;
  int findColumn(const std::string& name) const;  // -1 when absent
};

struct Catalog {
  std::vector<Relation> relations;  // in declaration order
  std::vector<const ast::SinkDecl*> sinks;
  std::vector<const ast::DeadLetterDecl*> deadLetters;
  const Relation* find(const std::string& name) const;
};

struct Options {
  std::string baseDir = ".";                   // table files are read relative to it
  size_t maxTableFileBytes = 64 * 1024 * 1024;  // compiled into the handler: keep it small
};

// The metadata columns a source of `kind` exposes (LANGUAGE.md §3), in the
// order they are listed there.
std::vector<ast::Column> metadataColumns(ast::SourceKind kind);

Catalog analyze(ast::Program& program, Diagnostics& diags, const Options& options = {});

}  // namespace flowc::sema
