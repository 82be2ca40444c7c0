// flow/json_writer.h — appending JSON values to a std::string, for log lines,
// response rows, dead letters and metrics.
//
// Contract:
// - appendJsonString writes a quoted string: `"` and `\` escaped, \n \r \t \b
//   \f by name, other control characters (and DEL) as \u00XX; bytes that are
//   not well-formed UTF-8 (overlong forms, surrogates, truncated sequences)
//   become U+FFFD, one per bad byte, so every line is valid JSON.
// - appendJsonDouble writes the shortest text that reads back to the same
//   double (std::to_chars), e.g. 0.1, 812.5, 1e+21, in exponent form from
//   2^53 up (never a bare integer); NaN and ±inf → null. formatDouble
//   writes that text of a finite double, for the text of a float in SQL.
// - appendJsonTimestamp writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (RFC 3339, UTC,
//   always milliseconds) for epoch milliseconds in years 0000–9999, and null
//   outside that range (a value no RFC 3339 string can carry).
// Callers reserve capacity once per invocation; these functions only append.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flow {

void appendJsonString(std::string& out, std::string_view s);
void appendJsonInt(std::string& out, int64_t v);
void appendJsonDouble(std::string& out, double v);
constexpr size_t kDoubleTextMax = 32;
size_t formatDouble(double v, char* buf);  // buf: kDoubleTextMax bytes; v finite
inline void appendJsonBool(std::string& out, bool v) { out += v ? "true" : "false"; }
inline void appendJsonNull(std::string& out) { out += "null"; }
void appendJsonTimestamp(std::string& out, int64_t epochMs);

// `,"name":` — for generated code appending members after the first; `name`
// must already be valid JSON string content (the compiler escapes it).
inline void appendJsonKey(std::string& out, std::string_view escapedName, bool first = false) {
  if (!first) out.push_back(',');
  out.push_back('"');
  out.append(escapedName);
  out += "\":";
}

}  // namespace flow
