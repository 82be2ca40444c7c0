#include "diagnostics/diagnostics.h"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "support/json_writer.h"

namespace flowc {

void Diagnostics::error(SourceRange range, std::string message, std::string hint) {
  if (full()) {
    truncated_ = true;
    return;
  }
  diags_.push_back({Severity::Error, range, std::move(message), std::move(hint)});
  if (++errorCount_ == kMaxErrors) {
    diags_.push_back({Severity::Note, range,
                      fmt::format("too many errors ({}); stopping here", kMaxErrors), {}});
  }
}

void Diagnostics::warning(SourceRange range, std::string message, std::string hint) {
  if (full()) return;
  diags_.push_back({Severity::Warning, range, std::move(message), std::move(hint)});
}

void Diagnostics::note(SourceRange range, std::string message) {
  if (full()) return;
  diags_.push_back({Severity::Note, range, std::move(message), {}});
}

void Diagnostics::sortByPosition() {
  // A note belongs to the error or warning before it ("'x' was first declared
  // here"), so each one moves with its notes and only the groups are sorted.
  std::vector<std::vector<Diagnostic>> groups;
  for (Diagnostic& d : diags_) {
    if (d.severity != Severity::Note || groups.empty()) groups.emplace_back();
    groups.back().push_back(std::move(d));
  }
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    return a.front().range.begin < b.front().range.begin;
  });
  diags_.clear();
  for (auto& group : groups) {
    for (Diagnostic& d : group) diags_.push_back(std::move(d));
  }
}

static const char* severityName(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

// Replaces control bytes (other than tab) by spaces so a hostile line cannot
// move the terminal's cursor; the caret line mirrors tabs to stay aligned.
static std::string printableLine(std::string_view line) {
  std::string out(line);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) c = ' ';
  }
  return out;
}

void printDiagnosticsText(const SourceFile& file, const Diagnostics& diags, std::ostream& out,
                          bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  for (const Diagnostic& d : diags.all()) {
    LineCol at = file.locate(d.range.begin);
    const char* sevColor = "";
    if (color) sevColor = d.severity == Severity::Error ? "\033[1;31m" : d.severity == Severity::Warning ? "\033[1;35m" : "\033[1;36m";
    out << bold << file.path() << ':' << at.line << ':' << at.col << ": " << reset << sevColor
        << severityName(d.severity) << ": " << reset << bold << d.message << reset << '\n';
    std::string_view line = file.lineText(at.line);
    if (line.size() > 400) {
      // A caret under column 50,000 helps nobody; say where instead.
    } else {
      out << printableLine(line) << '\n';
      std::string marker;
      uint32_t startCol = at.col - 1;
      for (uint32_t i = 0; i < startCol && i < line.size(); ++i) marker.push_back(line[i] == '\t' ? '\t' : ' ');
      marker.push_back('^');
      LineCol endAt = file.locate(d.range.end > d.range.begin ? d.range.end : d.range.begin);
      uint32_t endCol = endAt.line == at.line ? endAt.col - 1 : static_cast<uint32_t>(line.size());
      for (uint32_t i = startCol + 1; i < endCol && i < line.size(); ++i) marker.push_back('~');
      out << (color ? "\033[1;32m" : "") << marker << reset << '\n';
    }
    if (!d.hint.empty()) out << file.path() << ':' << at.line << ':' << at.col << ": note: " << d.hint << '\n';
  }
  size_t warnings = std::count_if(diags.all().begin(), diags.all().end(),
                                  [](const Diagnostic& d) { return d.severity == Severity::Warning; });
  if (diags.errorCount() > 0 || warnings > 0) {
    out << fmt::format("{} error{}, {} warning{} in {}\n", diags.errorCount(),
                       diags.errorCount() == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                       file.path());
  }
}

void printDiagnosticsJson(const SourceFile& file, const Diagnostics& diags, std::ostream& out) {
  JsonWriter w;
  w.beginObject().key("file").value(file.path()).key("diagnostics").beginArray();
  for (const Diagnostic& d : diags.all()) {
    LineCol at = file.locate(d.range.begin);
    LineCol endAt = file.locate(d.range.end > d.range.begin ? d.range.end : d.range.begin);
    w.beginObject();
    w.key("severity").value(severityName(d.severity));
    w.key("line").value(at.line).key("column").value(at.col);
    w.key("endLine").value(endAt.line).key("endColumn").value(endAt.col);
    w.key("message").value(d.message);
    if (!d.hint.empty()) w.key("hint").value(d.hint);
    w.endObject();
  }
  w.endArray().key("errors").value(static_cast<int64_t>(diags.errorCount())).endObject();
  out << w.str();
}

static size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closestName(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  // About one typo per three characters, at most three; a name of one or two
  // characters matches only with other capitalisation (any other one-letter
  // name would be "close").
  size_t bestDist = name.size() <= 2 ? 0 : std::min<size_t>(3, name.size() / 3 + (name.size() >= 4));
  for (const std::string& c : candidates) {
    if (c == name || c.size() > 256) continue;
    size_t d = editDistance(name, c);
    if (d <= bestDist && (best.empty() || d < editDistance(name, best))) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

}  // namespace flowc
