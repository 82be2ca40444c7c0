// Decoding the text of literal tokens: strings with their escapes, back-quoted
// names, integers, floats and durations (LANGUAGE.md §1). Kept apart from the
// ANTLR-facing code so the rules are easy to read and to unit-test. Errors
// come back as values with an offset into the token text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowc::syntax {

struct LiteralError {
  size_t offset = 0;  // bytes into the token text
  size_t length = 1;
  std::string message;
  std::string hint;
};

// `'it''s \u00e9'` (quotes included) → `it's é`. Reports every bad escape.
std::string decodeString(std::string_view quoted, std::vector<LiteralError>& errors);

// `` `odd name` `` (backticks included) → `odd name`; a doubled backtick is one.
std::string decodeQuotedName(std::string_view quoted);

// A decimal integer literal; nullopt when it does not fit in int64.
std::optional<int64_t> parseInt64(std::string_view digits);

// A float literal (`4.2`, `1e-3`, `.5`); nullopt when it is out of range.
std::optional<double> parseDouble(std::string_view text);

// Milliseconds in one unit word (ms, millisecond(s), s, second(s), m,
// minute(s), h, hour(s), d, day(s); any case), or 0 for another word.
int64_t unitMillis(std::string_view word);
const std::vector<std::string>& unitWords();

// `amount unit` where amount is an integer or decimal literal (`1.5`, `2e3`,
// optionally signed), computed exactly. Errors: not a number, not a whole
// number of milliseconds, too large.
struct DurationResult {
  int64_t ms = 0;
  std::string error;  // empty on success
};
DurationResult durationFromAmount(std::string_view amount, int64_t unitMs);

}  // namespace flowc::syntax
