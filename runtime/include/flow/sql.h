// flow/sql.h — the SQL semantics that generated expressions call: nullable
// values, three-valued logic, checked arithmetic, text of values, string,
// math, time and JSON functions (LANGUAGE.md §2–§4, docs/language.md §3,
// §11–§13), reading a record's fields with simdjson On-Demand, and lookups
// in tables compiled into the handler.
//
// Contract:
// - Values: bool, int64_t, double, std::string_view, Timestamp (epoch ms)
//   and Duration (ms); a nullable value is a Nullable<T> (no heap).
// - Nothing here allocates per call except through an Arena, which the
//   handler resets once per record and which keeps its memory: after the
//   first records, steady state allocates nothing. A view an Arena returned
//   stays valid until its reset().
// - Functions that can fail at run time (overflow, a failed cast) return
//   false and leave the reason to the caller, which names the expression.
// - Strings are UTF-8 byte sequences; "characters" are code points. Bytes
//   that are not well-formed UTF-8 count as one character each.
// - Floats stay finite: the generated code fails a record whose float
//   result is not (overflow, sqrt of a negative…), so every double seen
//   here is finite unless a caller says otherwise.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flow/arena.h"

namespace flow::sql {

using Timestamp = int64_t;  // epoch milliseconds, UTC
using Duration = int64_t;   // milliseconds

// ------------------------------------------------------------------ nulls

// SQL null as a flag beside the value; the default is null.
template <class T>
struct Nullable {
  T value{};
  bool null = true;
};

template <class T>
constexpr Nullable<T> some(T v) {
  return {v, false};
}

// Three-valued logic (SQL's truth tables). A `where` keeps a row only when
// its condition isTrue.
constexpr bool isTrue(bool b) {
  return b;
}
constexpr bool isTrue(Nullable<bool> b) {
  return !b.null && b.value;
}
constexpr bool isFalse(bool b) {
  return !b;
}
constexpr bool isFalse(Nullable<bool> b) {
  return !b.null && !b.value;
}
constexpr Nullable<bool> toNullable(bool b) {
  return {b, false};
}
constexpr Nullable<bool> toNullable(Nullable<bool> b) {
  return b;
}
constexpr bool not3(bool b) {
  return !b;
}
constexpr Nullable<bool> not3(Nullable<bool> b) {
  return {!b.value, b.null};
}
constexpr bool and3(bool a, bool b) {
  return a && b;
}
constexpr Nullable<bool> and3(Nullable<bool> a, Nullable<bool> b) {
  if (isFalse(a) || isFalse(b)) return {false, false};
  if (a.null || b.null) return {};
  return {true, false};
}
constexpr bool or3(bool a, bool b) {
  return a || b;
}
constexpr Nullable<bool> or3(Nullable<bool> a, Nullable<bool> b) {
  if (isTrue(a) || isTrue(b)) return {true, false};
  if (a.null || b.null) return {};
  return {false, false};
}

// ------------------------------------------------------------------ numbers

// Exact comparison of an int with a float (no rounding of large ints):
// negative, zero or positive as a <, =, > b.
int compareNumbers(int64_t a, double b);
inline int compareNumbers(double a, int64_t b) {
  return -compareNumbers(b, a);
}

// Integer division as SQL does it: truncating toward zero; false on
// division by zero or INT64_MIN / -1. The remainder takes the dividend's sign.
inline bool divInt(int64_t a, int64_t b, int64_t& out) {
  if (b == 0 || (a == INT64_MIN && b == -1)) return false;
  out = a / b;
  return true;
}
inline bool modInt(int64_t a, int64_t b, int64_t& out) {
  if (b == 0) return false;
  out = b == -1 ? 0 : a % b;
  return true;
}
inline bool negInt(int64_t a, int64_t& out) {
  if (a == INT64_MIN) return false;
  out = -a;
  return true;
}
inline bool absInt(int64_t a, int64_t& out) {
  if (a == INT64_MIN) return false;
  out = a < 0 ? -a : a;
  return true;
}

// round(x, digits): halves away from zero. For an int, digits < 0 rounds to
// tens, hundreds…; false on overflow.
bool roundInt(int64_t x, int64_t digits, int64_t& out);
double roundFloat(double x, int64_t digits);

// cast(float as int): toward zero; false when out of range.
bool floatToInt(double x, int64_t& out);

// power(x, y): the C library's pow, called out of line. Inline, clang
// rewrites pow(2^n, y) with a constant base into exp2(n * y), whose
// rounded product makes it another number (power(2147483648, 2.675):
// 9.181473613318356e24 against pow's 9.18147361331834e24), so a result
// would depend on whether the base was a literal.
double power(double x, double y);

// ------------------------------------------------------------------ arena

// The strings expressions compute (lower, concat, casts to string…) live in
// an Arena (flow/arena.h) the handler resets once per record.
using Arena = flow::Arena;

// ------------------------------------------------------------------ text of values

// What `cast(x as string)`, `||` and concat() make of a value.
std::string_view intText(Arena& arena, int64_t v);
std::string_view floatText(Arena& arena, double v);  // as log rows: 0.1, 812.5, 1e+21, 9.999999999999998e+15
constexpr std::string_view boolText(bool v) {
  return v ? std::string_view("true") : std::string_view("false");
}
// RFC 3339 with milliseconds in UTC; false outside years 0000–9999.
bool timestampText(Arena& arena, Timestamp ms, std::string_view& out);
std::string_view durationText(Arena& arena, Duration ms);  // "500 ms", "5 s", "1 min", "2 h", "1 d"

std::string_view concat(Arena& arena, std::initializer_list<std::string_view> parts);

// ------------------------------------------------------------------ strings

std::string_view lower(Arena& arena, std::string_view s);
std::string_view upper(Arena& arena, std::string_view s);
int64_t length(std::string_view s);  // characters
// substr(s, start [, len]): 1-based, in characters; as SQL's substring, a
// start before 1 still counts toward len. A negative len gives ''.
std::string_view substr(std::string_view s, int64_t start);
std::string_view substr(std::string_view s, int64_t start, int64_t len);
std::string_view trim(std::string_view s);  // spaces at both ends
inline bool startsWith(std::string_view s, std::string_view p) {
  return s.starts_with(p);
}
inline bool endsWith(std::string_view s, std::string_view p) {
  return s.ends_with(p);
}
inline bool contains(std::string_view s, std::string_view p) {
  return s.find(p) != std::string_view::npos;
}
// `s like p`: % any run of characters, _ exactly one; whole string, case-sensitive.
bool like(std::string_view s, std::string_view pattern);

// regexp_like's pattern, compiled once when the handler starts, and matched
// by a Thompson NFA (sql.cpp): time linear in the input (times the
// pattern's size), memory bounded by the pattern, no backtracking — a
// hostile record cannot make a handler hang or overflow its stack. The
// syntax is ECMAScript's without back references and lookaround; characters
// are code points. Inputs are still bounded (kMaxInputBytes): a longer one
// fails its record.
class Regex {
 public:
  static constexpr size_t kMaxInputBytes = 64 * 1024;

  Regex();
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // False (with a message) when the pattern does not compile.
  bool compile(std::string_view pattern, std::string& error);
  // A match anywhere in s; false with `tooLong` set when s is longer than
  // kMaxInputBytes.
  bool search(std::string_view s, bool& tooLong) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ------------------------------------------------------------------ time

enum class TimeUnit : unsigned char { Second, Minute, Hour, Day, Week, Month, Year };
enum class TimeField : unsigned char { Year, Month, Day, Hour, Minute, Second, Millisecond, Dow, Doy, Epoch };

// Weeks start on Monday; UTC. False when the start lies before the earliest
// timestamp (a time within a unit of -2^63 ms).
bool dateTrunc(TimeUnit unit, Timestamp ms, Timestamp& out);
int64_t extract(TimeField field, Timestamp ms);    // dow: 0 = Sunday; epoch: seconds (floor)

// ------------------------------------------------------------------ casts from string

// Leading and trailing spaces are ignored. Ints: optional sign, decimal
// digits, within 64 bits. Floats: decimal or exponent form, finite. Bools:
// true/false in any case. Timestamps: RFC 3339 (flow/time.h).
bool parseInt(std::string_view s, int64_t& out);
bool parseFloat(std::string_view s, double& out);
bool parseBool(std::string_view s, bool& out);
bool parseTimestamp(std::string_view s, Timestamp& out);

// ------------------------------------------------------------------ reading JSON fields

// What reading one field's JSON value found.
enum class ReadResult : unsigned char { Ok, Null, WrongType };

// `v` is the field's value in the record (simdjson On-Demand). Strings are
// unescaped into the parser's buffer (valid until its next iterate()).
// Ints must be integers within 64 bits; floats accept any number; bools
// true/false; timestamps an RFC 3339 string or a number of epoch
// milliseconds (epoch seconds for readTimestampSeconds), within years
// 0000–9999.
ReadResult readString(simdjson::ondemand::value& v, std::string_view& out);
ReadResult readInt(simdjson::ondemand::value& v, int64_t& out);
ReadResult readFloat(simdjson::ondemand::value& v, double& out);
ReadResult readBool(simdjson::ondemand::value& v, bool& out);
ReadResult readTimestamp(simdjson::ondemand::value& v, Timestamp& out);         // `timestamp`
ReadResult readTimestampSeconds(simdjson::ondemand::value& v, Timestamp& out);  // `timestamp(seconds)`

// "invalid JSON: <what simdjson found>" for a record's dead-letter reason.
std::string_view invalidJson(simdjson::error_code error);

// The same for nullable fields: JSON null leaves `out` null and is Ok.
template <class T, class Read>
ReadResult readNullable(simdjson::ondemand::value& v, Nullable<T>& out, Read read) {
  out.null = true;
  ReadResult r = read(v, out.value);
  if (r == ReadResult::Ok) out.null = false;
  return r == ReadResult::Null ? ReadResult::Ok : r;
}

// json_extract(s, '$.path'): one step of a path compiled into the handler.
struct JsonStep {
  std::string_view member;  // `.name` / `['name']`
  int64_t index = -1;       // `[N]` when >= 0
};

// Parses the strings json_extract reads with a parser of its own (the
// record's parser is busy with the record) and copies the results into the
// arena. Results: a JSON string without its quotes (unescaped), any other
// value as its JSON text; null when `json` is not JSON or the path leads
// nowhere. Inputs above kMaxJsonExtractBytes read as null.
class JsonExtractor {
 public:
  static constexpr size_t kMaxJsonExtractBytes = 8 * 1024 * 1024;
  Nullable<std::string_view> extract(Arena& arena, std::string_view json, std::span<const JsonStep> path);

 private:
  simdjson::ondemand::parser parser_;
  // On-Demand reads only what the path touches; "not JSON → null" needs the
  // whole text validated first (`{"a":1}xyz`, `{"a":1,"b":tru}`).
  simdjson::dom::parser validator_;
  std::string buffer_;  // the input, padded for simdjson
};

// ------------------------------------------------------------------ tables

// The row of `rows` (sorted by `key`, unique) whose key equals k, or null.
template <class Row, size_t N, class Field, class Key>
const Row* lookup(const Row (&rows)[N], Field Row::*key, const Key& k) {
  size_t lo = 0, hi = N;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (rows[mid].*key < k) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < N && rows[lo].*key == k ? &rows[lo] : nullptr;
}

}  // namespace flow::sql
