// Reading a table file: file I/O and limits, the CSV and JSON-lines readers,
// conversion of cells to column types, and the key check. The choices where
// the formats are silent are listed in table_file.h.
#include "sema/table_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>
#include <vector>

#include "support/utf8.h"

namespace flowc::sema {
namespace {

using ast::BaseType;
using ast::Value;

// Epoch milliseconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z:
// every timestamp a table holds can be printed as RFC 3339 with a 4-digit year.
constexpr int64_t kMinTimestampMs = -62167219200000;
constexpr int64_t kMaxTimestampMs = 253402300799999;

// Longest piece of user text quoted back in a message.
constexpr size_t kMaxShownBytes = 40;

// ---------------------------------------------------------------- messages

// User text as it appears inside a message: control bytes escaped so that a
// hostile file cannot drive the terminal, and cut (on a UTF-8 boundary) so a
// megabyte-long cell does not become a megabyte-long message.
std::string shown(std::string_view s, size_t maxBytes = kMaxShownBytes) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (out.size() >= maxBytes) {
      out += "…";
      break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      size_t len = utf8SequenceLength(s, i);
      if (len == 0) {
        out += fmt::format("\\x{:02x}", c);
      } else {
        out.append(s.substr(i, len));
        i += len;
        continue;
      }
    }
    ++i;
  }
  return out;
}

std::string nullableHint(const ast::FieldDecl& column) {
  ast::Type t = column.type.type;
  t.nullable = true;
  return fmt::format("declare the column as '{}' to allow nulls", ast::typeName(t));
}

// Reports the errors of one table file at the file name in the .flow, and
// stops the file after kMaxTableFileErrors of them.
class FileErrors {
 public:
  FileErrors(const ast::TableDecl& table, Diagnostics& diags)
      : range_(table.fileRange), file_(shown(table.file, 200)), diags_(diags) {}

  const std::string& file() const { return file_; }

  void at(uint32_t line, const std::string& message, std::string hint = {}) {
    report(fmt::format("{}:{}: {}", file_, line, message), std::move(hint));
  }
  void whole(const std::string& message, std::string hint = {}) { report(message, std::move(hint)); }

  size_t count() const { return count_; }
  // True once reading further would only produce errors nobody sees.
  bool stopped() const { return stopped_ || diags_.full(); }

 private:
  void report(std::string message, std::string hint) {
    if (stopped_) return;
    if (count_ == kMaxTableFileErrors) {
      diags_.note(range_, fmt::format("more errors in {} not shown", file_));
      stopped_ = true;
      return;
    }
    ++count_;
    diags_.error(range_, std::move(message), std::move(hint));
  }

  SourceRange range_;
  std::string file_;
  Diagnostics& diags_;
  size_t count_ = 0;
  bool stopped_ = false;
};

// ---------------------------------------------------------------- scalars

enum class NumberParse { Ok, Junk, OutOfRange };

std::string_view trimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// from_chars rejects a leading '+', which people do write.
std::string_view skipPlus(std::string_view s) {
  if (s.size() >= 2 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

NumberParse parseInt(std::string_view s, int64_t& out) {
  s = skipPlus(s);
  if (s.empty()) return NumberParse::Junk;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) {
    // Only a well-formed integer is out of range; "99999999999999999999x" is junk.
    size_t i = s[0] == '-' ? 1 : 0;
    if (i == s.size()) return NumberParse::Junk;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return NumberParse::Junk;
    }
    return NumberParse::OutOfRange;
  }
  if (ec != std::errc() || ptr != s.data() + s.size()) return NumberParse::Junk;
  return NumberParse::Ok;
}

// The power of ten of a well-formed decimal's leading digit (1e5 → 5,
// 0.01 → -2), clamped; only its sign matters, to tell underflow from overflow.
int64_t decimalMagnitude(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  int64_t intDigits = 0, leadingFractionZeros = 0;
  bool nonZero = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (s[i] != '0') nonZero = true;
    if (nonZero) ++intDigits;
  }
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (s[i] != '0') nonZero = true;
      if (!nonZero) ++leadingFractionZeros;
    }
  }
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  if (!nonZero) return std::numeric_limits<int64_t>::min();
  return (intDigits > 0 ? intDigits - 1 : -(leadingFractionZeros + 1)) + exponent;
}

NumberParse parseFloat(std::string_view s, double& out) {
  s = skipPlus(s);
  if (s.empty()) return NumberParse::Junk;
  // from_chars also takes "inf" and "nan", which are not data a join can use.
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    if (!ok) return NumberParse::Junk;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  if (ptr != s.data() + s.size()) return NumberParse::Junk;
  if (ec == std::errc::result_out_of_range) {
    // An underflow is the number the user meant, near enough: zero.
    if (decimalMagnitude(s) < 0) {
      out = 0;
      return NumberParse::Ok;
    }
    return NumberParse::OutOfRange;
  }
  if (ec != std::errc() || !std::isfinite(out)) return NumberParse::Junk;
  if (out == 0) out = 0;  // no -0.0: it would print and compare oddly as a key
  return NumberParse::Ok;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned daysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at s[i…]; advances i.
bool digits(std::string_view s, size_t& i, size_t n, unsigned& out) {
  if (i + n > s.size()) return false;
  out = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[i + k];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  i += n;
  return true;
}

bool expect(std::string_view s, size_t& i, char c) {
  if (i >= s.size() || s[i] != c) return false;
  ++i;
  return true;
}

// RFC 3339 date-time (offset optional, meaning UTC) or a bare date.
bool parseRfc3339(std::string_view s, int64_t& ms) {
  size_t i = 0;
  unsigned year, month, day;
  if (!digits(s, i, 4, year) || !expect(s, i, '-') || !digits(s, i, 2, month) || !expect(s, i, '-') ||
      !digits(s, i, 2, day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  int64_t total = daysFromCivil(year, month, day) * 86'400'000;
  if (i == s.size()) {
    ms = total;
    return true;
  }
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return false;
  ++i;
  unsigned hour, minute, second;
  if (!digits(s, i, 2, hour) || !expect(s, i, ':') || !digits(s, i, 2, minute) || !expect(s, i, ':') ||
      !digits(s, i, 2, second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 60) return false;  // 60: a leap second
  int64_t fractionMs = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    int64_t scale = 100;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      fractionMs += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return false;
  }
  total += ((hour * 60 + minute) * 60 + second) * int64_t{1000} + fractionMs;
  if (i == s.size()) {
    ms = total;
    return true;
  }
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int sign = s[i] == '+' ? 1 : -1;
    ++i;
    unsigned oh, om;
    if (!digits(s, i, 2, oh) || !expect(s, i, ':') || !digits(s, i, 2, om)) return false;
    if (oh > 23 || om > 59) return false;
    total -= sign * static_cast<int64_t>((oh * 60 + om) * 60'000);
  } else {
    return false;
  }
  if (i != s.size()) return false;
  ms = total;
  return true;
}

bool timestampInRange(int64_t ms) {
  return ms >= kMinTimestampMs && ms <= kMaxTimestampMs;
}

// A number in the column's unit to epoch milliseconds.
bool epochToMs(int64_t v, ast::TimestampUnit unit, int64_t& ms) {
  if (unit == ast::TimestampUnit::Seconds) {
    if (v < kMinTimestampMs / 1000 || v > kMaxTimestampMs / 1000) return false;
    v *= 1000;
  }
  if (!timestampInRange(v)) return false;
  ms = v;
  return true;
}

bool epochToMs(double v, ast::TimestampUnit unit, int64_t& ms) {
  if (unit == ast::TimestampUnit::Seconds) v *= 1000;
  if (!std::isfinite(v)) return false;
  v = std::round(v);
  if (v < static_cast<double>(kMinTimestampMs) || v > static_cast<double>(kMaxTimestampMs)) return false;
  ms = static_cast<int64_t>(v);
  return true;
}

const char* timestampForms(ast::TimestampUnit unit) {
  return unit == ast::TimestampUnit::Seconds ? "RFC 3339 or epoch seconds" : "RFC 3339 or epoch milliseconds";
}

// ---------------------------------------------------------------- columns

struct ColumnPlan {
  const ast::FieldDecl* decl = nullptr;
  BaseType base = BaseType::Error;
  bool nullable = false;
  ast::TimestampUnit unit = ast::TimestampUnit::Auto;
  int fileIndex = -1;  // CSV: the header field it reads
};

// A text cell (CSV) of a non-null column into a Value, or an error message.
std::optional<std::string> convertText(std::string_view raw, const ColumnPlan& col, Value& out) {
  switch (col.base) {
    case BaseType::String: out = std::string(raw); return std::nullopt;
    case BaseType::Int: {
      int64_t v = 0;
      switch (parseInt(trimBlanks(raw), v)) {
        case NumberParse::Ok: out = v; return std::nullopt;
        case NumberParse::OutOfRange: return fmt::format("'{}' is out of range for int", shown(raw));
        case NumberParse::Junk: break;
      }
      return fmt::format("expected int, got '{}'", shown(raw));
    }
    case BaseType::Float: {
      double v = 0;
      switch (parseFloat(trimBlanks(raw), v)) {
        case NumberParse::Ok: out = v; return std::nullopt;
        case NumberParse::OutOfRange: return fmt::format("'{}' is out of range for float", shown(raw));
        case NumberParse::Junk: break;
      }
      return fmt::format("expected float, got '{}'", shown(raw));
    }
    case BaseType::Bool: {
      std::string_view s = trimBlanks(raw);
      if (equalsIgnoreCase(s, "true")) {
        out = true;
        return std::nullopt;
      }
      if (equalsIgnoreCase(s, "false")) {
        out = false;
        return std::nullopt;
      }
      return fmt::format("expected bool (true or false), got '{}'", shown(raw));
    }
    case BaseType::Timestamp: {
      std::string_view s = trimBlanks(raw);
      int64_t ms = 0;
      int64_t i = 0;
      double d = 0;
      bool number = false, ok = false;
      if (NumberParse p = parseInt(s, i); p != NumberParse::Junk) {
        number = true;
        ok = p == NumberParse::Ok && epochToMs(i, col.unit, ms);
      } else if (NumberParse q = parseFloat(s, d); q != NumberParse::Junk) {
        number = true;
        ok = q == NumberParse::Ok && epochToMs(d, col.unit, ms);
      } else {
        ok = parseRfc3339(s, ms);
        if (ok && !timestampInRange(ms)) return fmt::format("timestamp '{}' is out of range", shown(raw));
      }
      if (ok) {
        out = ast::Timestamp{ms};
        return std::nullopt;
      }
      if (number) return fmt::format("timestamp '{}' is out of range", shown(raw));
      return fmt::format("expected timestamp ({}), got '{}'", timestampForms(col.unit), shown(raw));
    }
    case BaseType::Error:
    case BaseType::Null:
    case BaseType::Duration: break;
  }
  throw InternalError("table column of a type checkDeclaration rejects");
}

const char* jsonTypeWord(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

std::string shownJson(simdjson::dom::element e) {
  return shown(simdjson::to_string(e));
}

// A non-null JSON value of a column into a Value, or an error message.
std::optional<std::string> convertJson(simdjson::dom::element e, const ColumnPlan& col, Value& out) {
  using simdjson::dom::element_type;
  element_type t = e.type();
  switch (col.base) {
    case BaseType::String: {
      std::string_view s;
      if (t == element_type::STRING && !e.get_string().get(s)) {
        out = std::string(s);
        return std::nullopt;
      }
      break;
    }
    case BaseType::Int: {
      int64_t v = 0;
      if (t == element_type::INT64 && !e.get_int64().get(v)) {
        out = v;
        return std::nullopt;
      }
      if (t == element_type::UINT64) return fmt::format("{} is out of range for int", shownJson(e));
      break;
    }
    case BaseType::Float: {
      double v = 0;
      // get_double converts int64 and uint64 too.
      if ((t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE) &&
          !e.get_double().get(v)) {
        if (v == 0) v = 0;  // no -0.0
        out = v;
        return std::nullopt;
      }
      break;
    }
    case BaseType::Bool: {
      bool v = false;
      if (t == element_type::BOOL && !e.get_bool().get(v)) {
        out = v;
        return std::nullopt;
      }
      break;
    }
    case BaseType::Timestamp: {
      int64_t ms = 0;
      if (t == element_type::STRING) {
        std::string_view s;
        if (!e.get_string().get(s) && parseRfc3339(s, ms)) {
          if (!timestampInRange(ms)) return fmt::format("timestamp {} is out of range", shownJson(e));
          out = ast::Timestamp{ms};
          return std::nullopt;
        }
        return fmt::format("expected timestamp ({}), got {}", timestampForms(col.unit), shownJson(e));
      }
      bool ok = false;
      int64_t i = 0;
      double d = 0;
      if (t == element_type::INT64 && !e.get_int64().get(i)) {
        ok = epochToMs(i, col.unit, ms);
      } else if ((t == element_type::UINT64 || t == element_type::DOUBLE) && !e.get_double().get(d)) {
        ok = epochToMs(d, col.unit, ms);
      } else {
        break;
      }
      if (!ok) return fmt::format("timestamp {} is out of range", shownJson(e));
      out = ast::Timestamp{ms};
      return std::nullopt;
    }
    case BaseType::Error:
    case BaseType::Null:
    case BaseType::Duration: throw InternalError("table column of a type checkDeclaration rejects");
  }
  return fmt::format("expected {}, got {}", ast::baseTypeName(col.base), shownJson(e));
}

// What the declaration itself gets wrong, reported at the declaration: a
// column type a table cannot hold, a JSON path on a CSV column, a key that is
// not a column. Fills `plans` in table.columns order.
bool checkDeclaration(const ast::TableDecl& table, bool csv, std::vector<ColumnPlan>& plans, int& keyIndex,
                      Diagnostics& diags) {
  bool ok = true;
  keyIndex = -1;
  std::vector<std::string> names;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const ast::FieldDecl& c = table.columns[i];
    names.push_back(c.name);
    ColumnPlan p;
    p.decl = &c;
    p.base = c.type.type.base;
    p.nullable = c.type.type.nullable;
    p.unit = c.type.unit;
    switch (p.base) {
      case BaseType::Bool:
      case BaseType::Int:
      case BaseType::Float:
      case BaseType::String:
      case BaseType::Timestamp: break;
      case BaseType::Duration:
        diags.error(c.type.range,
                    fmt::format("table column '{}' cannot have type duration", shown(c.name, 200)),
                    "store the duration as an int of milliseconds");
        ok = false;
        break;
      case BaseType::Error:  // the parser has said why
      case BaseType::Null: ok = false; break;
    }
    if (csv && c.path) {
      diags.error(c.path->range,
                  fmt::format("column '{}' has a JSON path, but '{}' is a CSV file", shown(c.name, 200),
                              shown(table.file, 200)),
                  "CSV columns are matched by the header's names");
      ok = false;
    }
    plans.push_back(p);
  }
  if (!table.key.empty()) {
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].name == table.key) {
        keyIndex = static_cast<int>(i);
        break;
      }
    }
    if (keyIndex < 0) {
      std::string near = closestName(table.key, names);
      diags.error(table.keyRange,
                  fmt::format("key '{}' is not a column of table '{}'", shown(table.key, 200),
                              shown(table.name, 200)),
                  near.empty() ? std::string() : fmt::format("did you mean '{}'?", near));
      ok = false;
    }
  }
  return ok;
}

// ---------------------------------------------------------------- CSV

struct CsvField {
  std::string text;
  bool quoted = false;
  uint32_t line = 1;
};

struct CsvRecord {
  std::vector<CsvField> fields;
  uint32_t line = 1;
};

// RFC 4180 records, one at a time. A quote inside an unquoted field is an
// ordinary character (as most readers allow); a line ends with LF or CRLF.
class CsvReader {
 public:
  enum class Result { Record, End, Error };

  explicit CsvReader(std::string_view text) : s_(text) {}

  // On Error, `error` and `errorLine` say what, and the reader has moved past it.
  Result next(CsvRecord& rec, std::string& error, uint32_t& errorLine) {
    rec.fields.clear();
    // Blank lines between records carry nothing.
    while (pos_ < s_.size()) {
      if (s_[pos_] == '\n') {
        ++pos_;
        ++line_;
      } else if (s_[pos_] == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;
        ++line_;
      } else {
        break;
      }
    }
    if (pos_ >= s_.size()) return Result::End;
    rec.line = line_;
    for (;;) {
      CsvField& f = rec.fields.emplace_back();
      f.line = line_;
      if (pos_ < s_.size() && s_[pos_] == '"') {
        f.quoted = true;
        ++pos_;
        for (;;) {
          if (pos_ >= s_.size()) {
            error = "unterminated quoted field";
            errorLine = f.line;
            return Result::Error;
          }
          size_t q = s_.find('"', pos_);
          if (q == std::string_view::npos) q = s_.size();
          std::string_view chunk = s_.substr(pos_, q - pos_);
          for (char c : chunk) line_ += c == '\n';
          f.text.append(chunk);
          pos_ = q;
          if (pos_ >= s_.size()) continue;  // reports the missing quote
          if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '"') {
            f.text.push_back('"');
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        if (pos_ >= s_.size()) return Result::Record;
        char c = s_[pos_];
        if (c == ',') {
          ++pos_;
          continue;
        }
        if (endOfLine()) return Result::Record;
        error = fmt::format("unexpected '{}' after a closing quote", shown(s_.substr(pos_, utf8Len()), 8));
        errorLine = line_;
        skipLine();
        return Result::Error;
      }
      size_t end = pos_;
      while (end < s_.size() && s_[end] != ',' && s_[end] != '\n' &&
             !(s_[end] == '\r' && end + 1 < s_.size() && s_[end + 1] == '\n')) {
        ++end;
      }
      f.text.assign(s_.substr(pos_, end - pos_));
      pos_ = end;
      if (pos_ >= s_.size()) return Result::Record;
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      endOfLine();
      return Result::Record;
    }
  }

  uint32_t line() const { return line_; }

 private:
  // Consumes LF or CRLF at pos_, if there.
  bool endOfLine() {
    if (s_[pos_] == '\n') {
      ++pos_;
      ++line_;
      return true;
    }
    if (s_[pos_] == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
      pos_ += 2;
      ++line_;
      return true;
    }
    return false;
  }
  void skipLine() {
    size_t nl = s_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? s_.size() : nl + 1;
    if (nl != std::string_view::npos) ++line_;
  }
  size_t utf8Len() const {
    size_t n = utf8SequenceLength(s_, pos_);
    return n == 0 ? 1 : n;
  }

  std::string_view s_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

std::string columnList(const ast::TableDecl& table) {
  std::string out;
  for (const ast::FieldDecl& c : table.columns) {
    if (!out.empty()) out += ", ";
    out += fmt::format("'{}'", shown(c.name));
  }
  return out;
}

void readCsv(const ast::TableDecl& table, std::string_view text, std::vector<ColumnPlan>& plans,
             std::vector<std::vector<Value>>& rows, std::vector<uint32_t>& rowLines, FileErrors& errors) {
  CsvReader reader(text);
  CsvRecord rec;
  std::string error;
  uint32_t errorLine = 0;

  // The header: the first record, even if it is malformed past repair.
  CsvReader::Result r = reader.next(rec, error, errorLine);
  if (r == CsvReader::Result::End) {
    errors.whole(fmt::format("{}: no header row; expected one naming the columns {}", errors.file(),
                             columnList(table)));
    return;
  }
  if (r == CsvReader::Result::Error) {
    errors.at(errorLine, error);
    return;
  }
  const size_t width = rec.fields.size();
  bool headerOk = true;
  std::unordered_map<std::string, size_t> header;
  std::vector<std::string> headerNames;
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    const std::string& name = rec.fields[i].text;
    headerNames.push_back(name);
    auto [it, inserted] = header.emplace(name, i);
    if (!inserted) {
      errors.at(rec.line, fmt::format("duplicate column '{}' in the header (fields {} and {})", shown(name),
                                      it->second + 1, i + 1));
      headerOk = false;
    }
  }
  for (ColumnPlan& p : plans) {
    auto it = header.find(p.decl->name);
    if (it == header.end()) {
      std::string near = closestName(p.decl->name, headerNames);
      errors.at(rec.line, fmt::format("no column '{}' in the header", shown(p.decl->name)),
                near.empty() ? std::string() : fmt::format("did you mean '{}'?", shown(near)));
      headerOk = false;
    } else {
      p.fileIndex = static_cast<int>(it->second);
    }
  }
  if (!headerOk) return;

  size_t records = 0;
  while (!errors.stopped()) {
    r = reader.next(rec, error, errorLine);
    if (r == CsvReader::Result::End) break;
    if (r == CsvReader::Result::Error) {
      errors.at(errorLine, error);
      continue;
    }
    if (++records > kMaxTableRows) {
      errors.at(rec.line,
                fmt::format("more than {} rows; a table is compiled into the handler", kMaxTableRows));
      break;
    }
    if (rec.fields.size() != width) {
      errors.at(rec.line,
                fmt::format("expected {} fields, as in the header, got {}", width, rec.fields.size()));
      continue;
    }
    std::vector<Value> row(plans.size());
    bool rowOk = true;
    for (size_t c = 0; c < plans.size(); ++c) {
      const ColumnPlan& p = plans[c];
      const CsvField& f = rec.fields[static_cast<size_t>(p.fileIndex)];
      if (f.text.empty()) {
        if (p.base == BaseType::String && (f.quoted || !p.nullable)) {
          row[c] = std::string();
        } else if (p.nullable) {
          row[c] = std::monostate{};
        } else {
          errors.at(f.line,
                    fmt::format("column '{}': empty cell in a required {} column", shown(p.decl->name),
                                ast::baseTypeName(p.base)),
                    nullableHint(*p.decl));
          rowOk = false;
        }
        continue;
      }
      if (auto bad = convertText(f.text, p, row[c])) {
        errors.at(f.line, fmt::format("column '{}': {}", shown(p.decl->name), *bad));
        rowOk = false;
      }
    }
    if (rowOk) {
      rows.push_back(std::move(row));
      rowLines.push_back(rec.line);
    }
  }
}

// ---------------------------------------------------------------- JSON lines

// Follows a column's JSON path (or its name) from the line's object; an
// absent member or index, or a step into a scalar, finds nothing.
bool locate(simdjson::dom::element root, const ast::FieldDecl& column, simdjson::dom::element& out) {
  if (!column.path) {
    simdjson::dom::object o;
    return !root.get_object().get(o) && !o.at_key(column.name).get(out);
  }
  simdjson::dom::element cur = root;
  for (const ast::JsonPathStep& step : column.path->steps) {
    if (step.index >= 0) {
      simdjson::dom::array a;
      if (cur.get_array().get(a)) return false;
      if (a.at(static_cast<size_t>(step.index)).get(cur)) return false;
    } else {
      simdjson::dom::object o;
      if (cur.get_object().get(o)) return false;
      if (o.at_key(step.member).get(cur)) return false;
    }
  }
  out = cur;
  return true;
}

// simdjson's messages are sentences; ours start lower-case without a period.
std::string jsonErrorText(simdjson::error_code code) {
  using simdjson::error_code;
  switch (code) {
    case error_code::TAPE_ERROR: return "malformed JSON";
    case error_code::DEPTH_ERROR: return "JSON nested too deeply";
    case error_code::STRING_ERROR: return "malformed JSON string";
    case error_code::T_ATOM_ERROR:
    case error_code::F_ATOM_ERROR:
    case error_code::N_ATOM_ERROR: return "malformed JSON literal";
    case error_code::NUMBER_ERROR: return "malformed JSON number";
    case error_code::UTF8_ERROR: return "invalid UTF-8 in JSON";
    case error_code::UNCLOSED_STRING: return "unterminated JSON string";
    case error_code::UNESCAPED_CHARS: return "control character inside a JSON string";
    case error_code::EMPTY: return "empty JSON document";
    default: break;
  }
  std::string m = simdjson::error_message(code);
  if (!m.empty() && m.back() == '.') m.pop_back();
  if (!m.empty() && m[0] >= 'A' && m[0] <= 'Z') m[0] = static_cast<char>(m[0] - 'A' + 'a');
  return m;
}

constexpr const char* kOneObjectPerLine = "a JSON-lines table file holds one object per line";

void readJsonLines(std::string_view text, const std::vector<ColumnPlan>& plans,
                   std::vector<std::vector<Value>>& rows, std::vector<uint32_t>& rowLines,
                   FileErrors& errors) {
  simdjson::dom::parser parser;
  std::string buffer;  // each line, padded as simdjson requires
  size_t pos = 0;
  uint32_t lineNo = 0;
  size_t records = 0;
  while (pos < text.size() && !errors.stopped()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;

    if (++records > kMaxTableRows) {
      errors.at(lineNo,
                fmt::format("more than {} rows; a table is compiled into the handler", kMaxTableRows));
      break;
    }
    buffer.assign(line);
    buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::element doc;
    if (auto err = parser.parse(buffer.data(), line.size(), false).get(doc)) {
      // Most often a pretty-printed document where one object per line was meant.
      errors.at(lineNo, jsonErrorText(err), err == simdjson::error_code::TAPE_ERROR ? kOneObjectPerLine : "");
      continue;
    }
    if (doc.type() != simdjson::dom::element_type::OBJECT) {
      errors.at(lineNo, fmt::format("expected a JSON object, got {}", jsonTypeWord(doc.type())),
                kOneObjectPerLine);
      continue;
    }
    std::vector<Value> row(plans.size());
    bool rowOk = true;
    for (size_t c = 0; c < plans.size(); ++c) {
      const ColumnPlan& p = plans[c];
      simdjson::dom::element e;
      bool found = locate(doc, *p.decl, e);
      if (!found || e.is_null()) {
        if (p.nullable) continue;  // row[c] is already null
        std::string where = p.decl->path ? fmt::format(" at {}", shown(p.decl->path->text)) : std::string();
        errors.at(lineNo,
                  fmt::format("column '{}': required value is {}{}", shown(p.decl->name),
                              found ? "null" : "missing", where),
                  nullableHint(*p.decl));
        rowOk = false;
        continue;
      }
      if (auto bad = convertJson(e, p, row[c])) {
        errors.at(lineNo, fmt::format("column '{}': {}", shown(p.decl->name), *bad));
        rowOk = false;
      }
    }
    if (rowOk) {
      rows.push_back(std::move(row));
      rowLines.push_back(lineNo);
    }
  }
}

// ---------------------------------------------------------------- keys

// Values of one column as map keys: the column's type is fixed, so the
// value's own text identifies it.
std::string keyBytes(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* t = std::get_if<ast::Timestamp>(&v)) return std::to_string(t->ms);
  if (const auto* u = std::get_if<ast::Duration>(&v)) return std::to_string(u->ms);
  return {};
}

std::string keyText(const Value& v) {
  if (const auto* t = std::get_if<ast::Timestamp>(&v)) {
    // Shown as the user would have written it.
    int64_t days = t->ms >= 0 ? t->ms / 86'400'000 : -((-t->ms + 86'399'999) / 86'400'000);
    int64_t rem = t->ms - days * 86'400'000;
    // civil_from_days (H. Hinnant).
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, rem / 3'600'000,
                       rem / 60'000 % 60, rem / 1000 % 60, rem % 1000);
  }
  return shown(keyBytes(v));
}

void checkKeys(const ast::TableDecl& table, int keyIndex, const std::vector<std::vector<Value>>& rows,
               const std::vector<uint32_t>& rowLines, FileErrors& errors) {
  if (keyIndex < 0) return;
  const size_t k = static_cast<size_t>(keyIndex);
  std::unordered_map<std::string, uint32_t> firstLine;
  firstLine.reserve(rows.size());
  for (size_t r = 0; r < rows.size() && !errors.stopped(); ++r) {
    const Value& v = rows[r][k];
    if (std::holds_alternative<std::monostate>(v)) {
      errors.at(rowLines[r], fmt::format("key column '{}' is null", shown(table.key)));
      continue;
    }
    auto [it, inserted] = firstLine.emplace(keyBytes(v), rowLines[r]);
    if (!inserted) {
      errors.at(rowLines[r], fmt::format("duplicate key '{}' (first on line {})", keyText(v), it->second));
    }
  }
}

// ---------------------------------------------------------------- files

enum class FileFormat { Csv, JsonLines, Unknown };

FileFormat formatOf(std::string_view file) {
  size_t slash = file.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? file : file.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  if (dot == std::string_view::npos) return FileFormat::Unknown;
  std::string_view ext = base.substr(dot + 1);
  if (equalsIgnoreCase(ext, "csv")) return FileFormat::Csv;
  if (equalsIgnoreCase(ext, "jsonl") || equalsIgnoreCase(ext, "ndjson") || equalsIgnoreCase(ext, "json")) {
    return FileFormat::JsonLines;
  }
  return FileFormat::Unknown;
}

// Reads a whole regular file of at most maxBytes. Anything else (a directory,
// a FIFO, a device) is refused rather than waited on or read forever.
bool readWholeFile(const std::string& path, size_t maxBytes, std::string& out, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = std::strerror(EISDIR);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "not a regular file";
    return false;
  }
  auto tooLarge = [&](uint64_t size, bool exact) {
    error = fmt::format("the file is {}{} bytes, more than the limit of {}", exact ? "" : "over ", size,
                        maxBytes);
    return false;
  };
  if (static_cast<uint64_t>(st.st_size) > maxBytes) return tooLarge(static_cast<uint64_t>(st.st_size), true);
  out.clear();
  out.reserve(static_cast<size_t>(st.st_size));
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    // The file may have grown since fstat.
    if (out.size() + static_cast<size_t>(n) > maxBytes) return tooLarge(maxBytes, false);
    out.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

bool readTableTextImpl(ast::TableDecl& table, std::string_view text, Diagnostics& diags) {
  table.rows.clear();
  FileFormat format = formatOf(table.file);
  if (format == FileFormat::Unknown) {
    diags.error(table.fileRange,
                fmt::format("unsupported table file '{}': expected a .csv, .jsonl, .ndjson or .json file",
                            shown(table.file, 200)));
    return false;
  }
  std::vector<ColumnPlan> plans;
  int keyIndex = -1;
  if (!checkDeclaration(table, format == FileFormat::Csv, plans, keyIndex, diags)) return false;

  FileErrors errors(table, diags);
  // Spreadsheets like to start CSV files with a byte order mark.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (size_t bad = findInvalidUtf8(text); bad != std::string_view::npos) {
    uint32_t line = 1;
    for (size_t i = 0; i < bad; ++i) line += text[i] == '\n';
    errors.at(line, fmt::format("invalid UTF-8 (byte 0x{:02x})", static_cast<unsigned char>(text[bad])));
    return false;
  }

  std::vector<std::vector<Value>> rows;
  std::vector<uint32_t> rowLines;
  if (format == FileFormat::Csv) {
    readCsv(table, text, plans, rows, rowLines, errors);
  } else {
    readJsonLines(text, plans, rows, rowLines, errors);
  }
  checkKeys(table, keyIndex, rows, rowLines, errors);
  if (errors.count() > 0) return false;
  table.rows = std::move(rows);
  return true;
}

// The last line of defence for "never throws": an allocation failure or a
// broken invariant becomes an error on the table rather than an escape.
template <typename F>
bool guarded(ast::TableDecl& table, Diagnostics& diags, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    table.rows.clear();
    diags.error(table.fileRange,
                fmt::format("cannot read table file '{}': {}", shown(table.file, 200), e.what()));
    return false;
  }
}

}  // namespace

bool readTableText(ast::TableDecl& table, std::string_view text, Diagnostics& diags) {
  return guarded(table, diags, [&] { return readTableTextImpl(table, text, diags); });
}

bool readTableFile(ast::TableDecl& table, const std::string& baseDir, size_t maxBytes, Diagnostics& diags) {
  return guarded(table, diags, [&] {
    table.rows.clear();
    // The format and the declaration are checked before the file is opened.
    if (formatOf(table.file) == FileFormat::Unknown) return readTableTextImpl(table, {}, diags);
    std::string error;
    std::string path;
    if (table.file.find('\0') != std::string::npos) {
      error = "the file name contains a NUL byte";
    } else if (table.file[0] == '/' || baseDir.empty()) {
      path = table.file;
    } else {
      path = baseDir;
      if (path.back() != '/') path += '/';
      path += table.file;
    }
    std::string text;
    if (error.empty() && readWholeFile(path, maxBytes, text, error)) {
      return readTableTextImpl(table, text, diags);
    }
    diags.error(table.fileRange,
                fmt::format("cannot read table file '{}': {}", shown(table.file, 200), error));
    return false;
  });
}

}  // namespace flowc::sema
