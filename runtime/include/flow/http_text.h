// flow/http_text.h — the small pieces of HTTP/1.1 message text that both
// ends of the Runtime API read: the handler's client (runtime/src/
// runtime_client.cpp) and flowc's local server (compiler/run/
// runtime_api_server.cpp). Header-only, no allocation, no locale: header
// names are ASCII and compare case-insensitively (RFC 9110 §5.1).
//
// Contract:
// - equalsIgnoreCase: ASCII case folding only.
// - trimOws: strips optional white space (SP, HTAB) from both ends.
// - splitHeaderField: "Name: value" → name (as is) and value (OWS trimmed);
//   false when there is no ':' or the name is empty.
// - nextHeaderLine: walks the CRLF-separated lines of a head block.
// - parseContentLength: 1–18 decimal digits, nothing else (no sign, no
//   spaces), so the value always fits and `a + length` cannot overflow.
// - parseChunkSize: a chunk-size line: 1–15 hex digits, then the end of the
//   line, or a chunk extension (';…') possibly after SP/HTAB; the size is
//   therefore below 2^60 and sums of sizes cannot overflow.
#pragma once

#include <cstddef>
#include <string_view>

namespace flow::http {

constexpr char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  }
  return true;
}

constexpr std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct HeaderField {
  std::string_view name, value;
};

constexpr bool splitHeaderField(std::string_view line, HeaderField& field) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  field.name = line.substr(0, colon);
  field.value = trimOws(line.substr(colon + 1));
  return true;
}

// The line of `block` starting at `pos` (without its CRLF) and `pos` moved
// past it; false once pos is at or past the end. The last line may lack CRLF.
constexpr bool nextHeaderLine(std::string_view block, size_t& pos, std::string_view& line) {
  if (pos >= block.size()) return false;
  size_t eol = block.find("\r\n", pos);
  if (eol == std::string_view::npos) eol = block.size();
  line = block.substr(pos, eol - pos);
  pos = eol + 2;
  return true;
}

constexpr bool parseContentLength(std::string_view value, size_t& length) {
  if (value.empty() || value.size() > 18) return false;
  size_t v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  length = v;
  return true;
}

constexpr int hexDigitValue(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

constexpr bool parseChunkSize(std::string_view line, size_t& size) {
  size_t i = 0, v = 0;
  for (; i < line.size(); ++i) {
    int d = hexDigitValue(line[i]);
    if (d < 0) break;
    if (i == 15) return false;
    v = v * 16 + static_cast<size_t>(d);
  }
  if (i == 0) return false;
  std::string_view rest = line.substr(i);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  if (!rest.empty() && rest.front() != ';') return false;
  size = v;
  return true;
}

}  // namespace flow::http
