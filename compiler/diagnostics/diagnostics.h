// Diagnostics: user errors and warnings are values with a source range,
// collected per stage and printed together (clang's format), never thrown.
// An internal error (a bug in flowc) is kept apart: see InternalError.
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "diagnostics/source_file.h"

namespace flowc {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  SourceRange range;
  std::string message;
  std::string hint;  // e.g. "did you mean 'latency_ms'?"; printed as a note line
};

class Diagnostics {
 public:
  // Past this many errors the rest of the file is not worth reading: the
  // cap keeps a pathological input from printing megabytes.
  static constexpr size_t kMaxErrors = 100;

  void error(SourceRange range, std::string message, std::string hint = {});
  void warning(SourceRange range, std::string message, std::string hint = {});
  void note(SourceRange range, std::string message);

  bool hasErrors() const { return errorCount_ > 0; }
  size_t errorCount() const { return errorCount_; }
  bool full() const { return errorCount_ >= kMaxErrors; }
  const std::vector<Diagnostic>& all() const { return diags_; }
  // Orders by position (stable), so that stages reporting in different orders
  // still print the file top to bottom.
  void sortByPosition();

 private:
  std::vector<Diagnostic> diags_;
  size_t errorCount_ = 0;
  bool truncated_ = false;
};

// `path:line:col: error: message`, the line, a caret and tildes, the hint.
void printDiagnosticsText(const SourceFile& file, const Diagnostics& diags, std::ostream& out,
                          bool color = false);
// One JSON document: {"diagnostics":[{"file","line","column","endLine","endColumn",
// "severity","message","hint"}...]}.
void printDiagnosticsJson(const SourceFile& file, const Diagnostics& diags, std::ostream& out);

// A broken invariant inside flowc. main() catches it and prints
// "internal error: … (this is a bug in flowc, please report it)", exit 3.
struct InternalError : std::logic_error {
  using std::logic_error::logic_error;
};

// Levenshtein-closest candidate within a small distance, or "" (for hints).
std::string closestName(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace flowc
