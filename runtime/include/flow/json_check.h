// flow/json_check.h — what is wrong with a record's JSON text, and where:
// the reasons generated decoders give a record that fails (dead letters,
// batchItemFailures). A decoder's fast paths (its scanner, simdjson) find
// THAT a record is wrong; checkSyntax, a plain RFC 8259 reader, then says
// what and at which byte. It runs only for such records, so it is written
// for clarity, and compiled once into libflowrt instead of into every
// handler: emitted into each one it was ~0.35 s of a ~2 s `flowc build`.
//
// Contract: checkSyntax(text, message) is true when `text` is one JSON
// value with white space around it, nested at most kMaxRecordDepth deep;
// otherwise false, and `message` says what is wrong and where, e.g.
// `invalid JSON at byte 12: expected ':' after the member name (found ',')`.
// Strings must be valid UTF-8 (RFC 3629, no surrogates) with no raw control
// character; escapes as RFC 8259 says, surrogate pairs paired.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace flow::json {

// On-Demand sets no depth limit and the generated walk recurses, so a
// record's depth is bounded (below simdjson's 1024 of its DOM parser).
constexpr int kMaxRecordDepth = 1000;

bool checkSyntax(std::string_view text, std::string& message);
// `raw` is one well-formed JSON string (quotes included), nothing around it.
bool isJsonString(std::string_view raw);
// `raw` is one well-formed JSON number, nothing around it.
bool isJsonNumber(std::string_view raw);

// JSON's four white-space bytes.
inline bool isSpace(unsigned char c) {
  constexpr uint64_t kSpaces = (1ULL << ' ') | (1ULL << '\t') | (1ULL << '\n') | (1ULL << '\r');
  return c <= ' ' && ((kSpaces >> c) & 1) != 0;
}

// The length of the well-formed UTF-8 sequence at p (RFC 3629), or 0.
inline size_t utf8Length(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // up to U+10FFFF
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < n || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return n;
}

// "0x1f", for messages.
std::string hexByte(unsigned char c);
// `text` cut to a readable size (40 bytes) on a UTF-8 boundary, "..." after
// what was cut.
std::string excerpt(std::string_view text);

}  // namespace flow::json
