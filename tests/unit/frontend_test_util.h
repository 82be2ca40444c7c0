// Runs the front end (parse → analyze → plan) on .flow text for the unit
// tests of sema, plan and graph, and keeps every stage's result together so a
// test can look at the AST, the catalog, the plan and the diagnostics side by
// side. One definition here so the three suites build programs the same way.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "diagnostics/source_file.h"
#include "plan/plan.h"
#include "sema/sema.h"
#include "syntax/ast.h"
#include "syntax/parse.h"

namespace flowc::test {

struct Compiled {
  std::unique_ptr<SourceFile> file;
  ast::Program program;
  Diagnostics diags;
  sema::Catalog catalog;
  plan::Plan plan;
  bool parsed = false;  // no syntax errors (sema ran)
  bool ok = false;      // planOf(): compiled without errors and planned

  // The source text of a range.
  std::string text(SourceRange r) const { return file->text().substr(r.begin, r.end - r.begin); }
  const plan::Node& node(int id) const { return plan.node(id); }

  std::vector<const Diagnostic*> of(Severity s) const {
    std::vector<const Diagnostic*> out;
    for (const Diagnostic& d : diags.all()) {
      if (d.severity == s) out.push_back(&d);
    }
    return out;
  }
  std::vector<const Diagnostic*> errors() const { return of(Severity::Error); }
  std::vector<const Diagnostic*> warnings() const { return of(Severity::Warning); }

  // The first diagnostic of severity `s` whose message contains `text`.
  const Diagnostic* find(Severity s, const std::string& text) const {
    for (const Diagnostic& d : diags.all()) {
      if (d.severity == s && d.message.find(text) != std::string::npos) return &d;
    }
    return nullptr;
  }
  const Diagnostic* error(const std::string& text) const { return find(Severity::Error, text); }
  const Diagnostic* warning(const std::string& text) const { return find(Severity::Warning, text); }

  // The text a diagnostic points at.
  std::string at(const Diagnostic* d) const { return text(d->range); }

  // Every diagnostic, one a line, with its hint (shorter than the printer's
  // output, for failure messages).
  std::string dump() const {
    std::string s;
    for (const Diagnostic& d : diags.all()) {
      s += (d.severity == Severity::Error     ? "error: "
            : d.severity == Severity::Warning ? "warning: "
                                              : "note: ") +
           d.message + (d.hint.empty() ? "" : "  [" + d.hint + "]") + "\n";
    }
    return s;
  }

  const ast::StreamDecl& stream(const std::string& name) const {
    for (const ast::Decl& d : program.decls) {
      if (auto* s = std::get_if<ast::StreamDecl>(&d); s && s->name == name) return *s;
    }
    throw std::runtime_error("no stream " + name);
  }
  const ast::SourceDecl& source(const std::string& name) const {
    for (const ast::Decl& d : program.decls) {
      if (auto* s = std::get_if<ast::SourceDecl>(&d); s && s->name == name) return *s;
    }
    throw std::runtime_error("no source " + name);
  }
  const sema::Relation& relation(const std::string& name) const {
    const sema::Relation* r = catalog.find(name);
    if (!r) throw std::runtime_error("no relation " + name);
    return *r;
  }
  ast::Type columnType(const std::string& rel, const std::string& column) const {
    const sema::Relation& r = relation(rel);
    int i = r.findColumn(column);
    if (i < 0) throw std::runtime_error("no column " + column + " in " + rel);
    return r.columns[i].type;
  }
};

// Parses `text` and, when it parses, analyzes it with table files looked up
// in `baseDir`. Errors stay in `diags` for the test to look at.
inline std::unique_ptr<Compiled> analyzeText(const std::string& text, const std::string& baseDir = ".") {
  auto c = std::make_unique<Compiled>();
  c->file = std::make_unique<SourceFile>("test.flow", text);
  c->program = syntax::parseProgram(*c->file, c->diags);
  c->parsed = !c->diags.hasErrors();
  if (!c->parsed) return c;
  sema::Options options;
  options.baseDir = baseDir;
  c->catalog = sema::analyze(c->program, c->diags, options);
  return c;
}

// Parses, analyzes (tables next to samples/) and plans `text`, then checks
// the plan's invariants; reports the diagnostics as a test failure when there
// are errors (and leaves `ok` false).
inline std::unique_ptr<Compiled> planOf(const std::string& text) {
  auto c = analyzeText(text, std::string(FLOWC_SOURCE_DIR) + "/samples");
  if (c->diags.hasErrors()) {
    std::ostringstream out;
    printDiagnosticsText(*c->file, c->diags, out);
    ADD_FAILURE() << "the program does not compile:\n" << out.str();
    return c;
  }
  c->plan = plan::buildLogicalPlan(c->program, c->catalog);
  plan::verifyPlan(c->plan);
  c->ok = true;
  return c;
}

}  // namespace flowc::test
