// Literal decoding; see literals.h. The file text is valid UTF-8 by the time
// any of this runs (parse.cpp checks it first), so string bytes that are not
// escapes are copied as they are.
#include "syntax/literals.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <limits>

#include "support/utf8.h"

namespace flowc::syntax {

namespace {

const char* kEscapeHint = "valid escapes are \\n, \\t, \\\\, \\' and \\uXXXX (four hex digits)";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at s[i..i+4), or -1.
int32_t hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    int h = hexValue(s[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

}  // namespace

std::string decodeString(std::string_view quoted, std::vector<LiteralError>& errors) {
  std::string out;
  if (quoted.size() < 2) return out;
  const size_t end = quoted.size() - 1;  // the closing quote
  size_t i = 1;
  while (i < end) {
    char c = quoted[i];
    if (c == '\'') {  // the lexer only lets a doubled quote through here
      out.push_back('\'');
      i += 2;
      continue;
    }
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= end) {  // cannot happen for a well-formed token; be safe
      errors.push_back({i, 1, "a backslash must start an escape", kEscapeHint});
      break;
    }
    char e = quoted[i + 1];
    switch (e) {
      case 'n':
        out.push_back('\n');
        i += 2;
        continue;
      case 't':
        out.push_back('\t');
        i += 2;
        continue;
      case '\\':
        out.push_back('\\');
        i += 2;
        continue;
      case '\'':
        out.push_back('\'');
        i += 2;
        continue;
      case 'u': {
        int32_t v = hex4(quoted, i + 2);
        if (v < 0) {
          size_t len = 2;
          while (len < 6 && i + len < end && hexValue(quoted[i + len]) >= 0) ++len;
          errors.push_back(
              {i, len, "'\\u' must be followed by four hex digits", "for example '\\u00e9' is 'é'"});
          i += len;
          continue;
        }
        if (v >= 0xD800 && v <= 0xDBFF) {
          int32_t low =
              (i + 7 < end && quoted[i + 6] == '\\' && quoted[i + 7] == 'u') ? hex4(quoted, i + 8) : -1;
          if (low >= 0xDC00 && low <= 0xDFFF) {
            uint32_t cp =
                0x10000 + ((static_cast<uint32_t>(v) - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
            appendUtf8(out, cp);
            i += 12;
            continue;
          }
        }
        if (v >= 0xD800 && v <= 0xDFFF) {
          errors.push_back({i, 6, fmt::format("'\\u{:04x}' is half of a surrogate pair", v),
                            "a character above U+FFFF is written as a pair, for example '\\ud83d\\ude00'"});
          i += 6;
          continue;
        }
        appendUtf8(out, static_cast<uint32_t>(v));
        i += 6;
        continue;
      }
      default: {
        size_t len = utf8SequenceLength(quoted, i + 1);
        if (len == 0) len = 1;
        std::string shown(quoted.substr(i, 1 + len));
        if (static_cast<unsigned char>(e) < 0x20 || e == 0x7f)
          shown = fmt::format("\\ (U+{:04X})", static_cast<int>(e));
        errors.push_back({i, 1 + len, fmt::format("unknown escape '{}' in string", shown), kEscapeHint});
        i += 1 + len;
        continue;
      }
    }
  }
  return out;
}

std::string decodeQuotedName(std::string_view quoted) {
  std::string out;
  if (quoted.size() < 2) return out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    out.push_back(quoted[i]);
    if (quoted[i] == '`') ++i;  // the lexer only lets a doubled backtick through
  }
  return out;
}

std::optional<int64_t> parseInt64(std::string_view digits) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}

std::optional<double> parseDouble(std::string_view text) {
  // from_chars wants a leading digit for its general format; `.5` has none.
  std::string s(text);
  if (!s.empty() && s[0] == '.') s.insert(s.begin(), '0');
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  if (v == std::numeric_limits<double>::infinity()) return std::nullopt;
  return v;
}

const std::vector<std::string>& unitWords() {
  static const std::vector<std::string> words = {
      "ms",      "millisecond", "milliseconds", "s",     "second", "seconds", "m",   "minute",
      "minutes", "h",           "hour",         "hours", "d",      "day",     "days"};
  return words;
}

int64_t unitMillis(std::string_view word) {
  std::string w;
  for (char c : word) w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (w == "ms" || w == "millisecond" || w == "milliseconds") return 1;
  if (w == "s" || w == "second" || w == "seconds") return 1000;
  if (w == "m" || w == "minute" || w == "minutes") return 60 * 1000;
  if (w == "h" || w == "hour" || w == "hours") return 3600 * 1000;
  if (w == "d" || w == "day" || w == "days") return 86400 * 1000;
  return 0;
}

DurationResult durationFromAmount(std::string_view amount, int64_t unitMs) {
  // Exact decimal arithmetic: `0.1 s` is 100 ms, not 100.00000000000001.
  using i128 = __int128;
  const i128 kMax = std::numeric_limits<int64_t>::max();
  DurationResult r;
  size_t i = 0;
  bool negative = false;
  if (i < amount.size() && (amount[i] == '+' || amount[i] == '-')) negative = amount[i++] == '-';
  i128 mantissa = 0;
  int64_t scale = 0;  // value = mantissa * 10^scale
  bool digits = false, tooLong = false;
  auto takeDigit = [&](char c, bool fraction) {
    digits = true;
    if (mantissa > kMax * 1000) {  // further digits only matter if they are zeros
      if (c != '0') tooLong = true;
      if (!fraction) ++scale;
      return;
    }
    mantissa = mantissa * 10 + (c - '0');
    if (fraction) --scale;
  };
  for (; i < amount.size() && std::isdigit(static_cast<unsigned char>(amount[i])); ++i)
    takeDigit(amount[i], false);
  if (i < amount.size() && amount[i] == '.') {
    for (++i; i < amount.size() && std::isdigit(static_cast<unsigned char>(amount[i])); ++i)
      takeDigit(amount[i], true);
  }
  if (digits && i < amount.size() && (amount[i] == 'e' || amount[i] == 'E')) {
    ++i;
    bool expNegative = false;
    if (i < amount.size() && (amount[i] == '+' || amount[i] == '-')) expNegative = amount[i++] == '-';
    int64_t exp = 0;
    bool expDigits = false;
    for (; i < amount.size() && std::isdigit(static_cast<unsigned char>(amount[i])); ++i) {
      expDigits = true;
      if (exp < 100000) exp = exp * 10 + (amount[i] - '0');
    }
    if (!expDigits) digits = false;
    scale += expNegative ? -exp : exp;
  }
  if (!digits || i != amount.size()) {
    r.error = "expected a number";
    return r;
  }
  if (tooLong) {
    r.error = "a duration must be a whole number of milliseconds";
    return r;
  }
  i128 v = mantissa * unitMs;
  if (v != 0) {
    for (; scale > 0; --scale) {
      v *= 10;
      if (v > kMax) {
        r.error = "the duration is too large";
        return r;
      }
    }
    for (; scale < 0; ++scale) {
      if (v % 10 != 0) {
        r.error = "a duration must be a whole number of milliseconds";
        return r;
      }
      v /= 10;
    }
  }
  if (v > kMax) {
    r.error = "the duration is too large";
    return r;
  }
  r.ms = static_cast<int64_t>(negative ? -v : v);
  return r;
}

}  // namespace flowc::syntax
