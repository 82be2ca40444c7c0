// UTF-8 checks for user text: .flow files, table files and string literals
// must be valid UTF-8 (LANGUAGE.md §1); these find the first bad byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace flowc {

// Length of the well-formed UTF-8 sequence starting at s[i] (1–4), or 0 if
// the bytes there are not one (overlong forms and surrogates are rejected).
size_t utf8SequenceLength(std::string_view s, size_t i);

// Offset of the first byte that is not part of well-formed UTF-8, or npos.
size_t findInvalidUtf8(std::string_view s);

// Appends the UTF-8 encoding of a code point (must be valid, not a surrogate).
void appendUtf8(std::string& out, uint32_t codePoint);

}  // namespace flowc
