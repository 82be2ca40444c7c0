// The out-of-line half of flow/sql.h: what is too long to inline into every
// expression — text conversions, Unicode-aware string functions, `like`,
// regular expressions, calendar arithmetic, casts and JSON reading.
#include "flow/sql.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "flow/json_writer.h"
#include "flow/time.h"

namespace flow::sql {

namespace od = simdjson::ondemand;

// ------------------------------------------------------------------ numbers

int compareNumbers(int64_t a, double b) {
  // 2^63 is exact as a double; every double in [-2^63, 2^63) truncates to an
  // int64 exactly, and so does the fraction that remains.
  if (std::isnan(b)) return -1;
  if (b >= 9223372036854775808.0) return -1;
  if (b < -9223372036854775808.0) return 1;
  int64_t whole = static_cast<int64_t>(b);
  if (a < whole) return -1;
  if (a > whole) return 1;
  double fraction = b - static_cast<double>(whole);
  return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
}

bool roundInt(int64_t x, int64_t digits, int64_t& out) {
  if (digits >= 0) {
    out = x;
    return true;
  }
  if (digits < -18) {
    // 10^19 and up: only 0 fits, and |x| < 5·10^18 rounds to it.
    if (x > -5000000000000000000 && x < 5000000000000000000) {
      out = 0;
      return true;
    }
    return false;
  }
  int64_t p = 1;
  for (int64_t i = 0; i < -digits; ++i) p *= 10;
  int64_t q = x / p;
  int64_t r = x % p;
  // |r| * 2 >= p, written so that it cannot overflow.
  int64_t absR = r < 0 ? -r : r;
  if (absR >= p - absR) q += x < 0 ? -1 : 1;
  return !__builtin_mul_overflow(q, p, &out);
}

double power(double x, double y) { return std::pow(x, y); }

double roundFloat(double x, int64_t digits) {
  if (x == 0 || !std::isfinite(x)) return x == 0 ? 0.0 : x;
  if (digits == 0) {
    double r = std::round(x);
    return r == 0 ? 0.0 : r;
  }
  // Round the shortest decimal form of x (what a user sees: 1.005 rounds
  // to 1.01 at 2 digits), not its binary value, halves away from zero.
  bool negative = x < 0;
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, negative ? -x : x, std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = text.find('e');
  std::string digitsText;
  for (char c : text.substr(0, e)) {
    if (c != '.') digitsText.push_back(c);
  }
  int exponent = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(), exponent);
  // digitsText[k] is the digit of 10^(exponent - k); keep those of 10^-digits and up.
  if (digits > 400) return x;
  if (digits < -400) return 0.0;
  int64_t keep = exponent + digits + 1;
  if (keep >= static_cast<int64_t>(digitsText.size())) return x;
  if (keep < 0) return 0.0;
  bool up = digitsText[static_cast<size_t>(keep)] >= '5';
  uint64_t kept = 0;
  for (int64_t k = 0; k < keep; ++k)
    kept = kept * 10 + static_cast<uint64_t>(digitsText[static_cast<size_t>(k)] - '0');
  if (up) ++kept;
  if (kept == 0) return 0.0;
  // kept · 10^(exponent - keep + 1), read back by the correctly rounding parser.
  char out[64];
  auto r1 = std::to_chars(out, out + 32, kept);
  *r1.ptr++ = 'e';
  auto r2 = std::to_chars(r1.ptr, out + sizeof out, exponent - keep + 1);
  double result = 0;
  std::from_chars(out, r2.ptr, result);
  return negative ? -result : result;
}

bool floatToInt(double x, int64_t& out) {
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) return false;
  out = static_cast<int64_t>(x);
  return true;
}

// ------------------------------------------------------------------ text of values

std::string_view intText(Arena& arena, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return arena.copy({buf, static_cast<size_t>(r.ptr - buf)});
}

// As log rows write it (flow/json_writer.h): a float's text is the same
// wherever it appears.
std::string_view floatText(Arena& arena, double v) {
  char buf[kDoubleTextMax];
  return arena.copy({buf, formatDouble(v, buf)});
}

bool timestampText(Arena& arena, Timestamp ms, std::string_view& out) {
  char buf[24];
  size_t n = formatRfc3339(ms, buf);
  if (n == 0) return false;
  out = arena.copy({buf, n});
  return true;
}

std::string_view durationText(Arena& arena, Duration ms) {
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{86400000, " d"}, {3600000, " h"}, {60000, " min"}, {1000, " s"}};
  char buf[48];
  int64_t count = ms;
  const char* name = " ms";
  if (ms != 0) {
    for (const Unit& u : kUnits) {
      if (ms % u.ms == 0) {
        count = ms / u.ms;
        name = u.name;
        break;
      }
    }
  }
  auto r = std::to_chars(buf, buf + 24, count);
  size_t n = static_cast<size_t>(r.ptr - buf);
  size_t len = std::strlen(name);
  std::memcpy(buf + n, name, len);
  return arena.copy({buf, n + len});
}

std::string_view concat(Arena& arena, std::initializer_list<std::string_view> parts) {
  size_t total = 0;
  for (std::string_view p : parts) total += p.size();
  if (total == 0) return {};
  char* out = arena.allocate(total);
  size_t at = 0;
  for (std::string_view p : parts) {
    if (p.empty()) continue;
    std::memcpy(out + at, p.data(), p.size());
    at += p.size();
  }
  return {out, total};
}

// ------------------------------------------------------------------ strings

namespace {

// The length of the character at s[i]: a well-formed UTF-8 sequence, or 1
// for a byte that does not start one.
size_t charLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    min = 0x10000;
  } else {
    return 1;
  }
  if (i + n > s.size()) return 1;
  uint32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 1;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 1;
  return n;
}

// Case mapping beyond ASCII: Unicode's one-to-one mappings (a character
// whose lower or upper case is one character; ß and İ stay as they are),
// from a table generated by scripts/gen_case_table.py. A mapping may change
// a character's UTF-8 length (U+023A Ⱥ → U+2C65 ⱥ is 2 → 3 bytes).
struct CaseMapping {
  uint32_t from, to;
};
#include "case_table.inc"

template <size_t N>
uint32_t mapCodePoint(const CaseMapping (&table)[N], uint32_t cp) {
  const CaseMapping* it = std::lower_bound(std::begin(table), std::end(table), cp,
                                           [](const CaseMapping& m, uint32_t c) { return m.from < c; });
  return it != std::end(table) && it->from == cp ? it->to : cp;
}

uint32_t lowerOf(uint32_t cp) { return mapCodePoint(kLowerCase, cp); }
uint32_t upperOf(uint32_t cp) { return mapCodePoint(kUpperCase, cp); }

size_t encodeUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

template <class Map, class AsciiMap>
std::string_view mapCase(Arena& arena, std::string_view s, Map map, AsciiMap ascii) {
  // Most strings need no change (or only ASCII): find the first byte that does.
  size_t i = 0;
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || ascii(c) != c) break;
  }
  if (i == s.size()) return s;
  // A mapped character grows by at most half its length (2 → 3 bytes).
  char* out = arena.allocate(s.size() + s.size() / 2 + 4);
  std::memcpy(out, s.data(), i);
  size_t o = i;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out[o++] = static_cast<char>(ascii(c));
      ++i;
      continue;
    }
    size_t n = charLength(s, i);
    if (n >= 2) {
      uint32_t cp = n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
      for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
      o += encodeUtf8(map(cp), out + o);
    } else {
      out[o++] = s[i];  // a byte that is not UTF-8 stays as it is
    }
    i += n;
  }
  return {out, o};
}

// The byte offset of character number `index` (0-based), or s.size().
size_t offsetOfChar(std::string_view s, int64_t index) {
  size_t i = 0;
  for (int64_t k = 0; k < index && i < s.size(); ++k) i += charLength(s, i);
  return i;
}

}  // namespace

std::string_view lower(Arena& arena, std::string_view s) {
  return mapCase(arena, s, lowerOf, [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; });
}

std::string_view upper(Arena& arena, std::string_view s) {
  return mapCase(arena, s, upperOf, [](unsigned char c) { return c >= 'a' && c <= 'z' ? c - 32 : c; });
}

int64_t length(std::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); i += charLength(s, i)) ++n;
  return n;
}

std::string_view substr(std::string_view s, int64_t start) {
  if (start < 1) return s;
  size_t from = offsetOfChar(s, start - 1);
  return s.substr(from);
}

std::string_view substr(std::string_view s, int64_t start, int64_t len) {
  if (len <= 0) return {};
  // Characters [start, start + len), 1-based, clamped to the string.
  int64_t end = start > INT64_MAX - len ? INT64_MAX : start + len;
  int64_t first = start < 1 ? 1 : start;
  if (end <= first) return {};
  size_t from = offsetOfChar(s, first - 1);
  size_t i = from;
  for (int64_t k = first; k < end && i < s.size(); ++k) i += charLength(s, i);
  return s.substr(from, i - from);
}

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  return s.substr(b, e - b);
}

bool like(std::string_view s, std::string_view p) {
  // Greedy matching with backtracking to the last '%': linear in practice,
  // O(|s|·|p|) at worst, never exponential.
  size_t si = 0, pi = 0;
  size_t starP = std::string_view::npos, starS = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '%') {
      starP = pi++;
      starS = si;
    } else if (pi < p.size() && p[pi] == '_') {
      si += charLength(s, si);
      ++pi;
    } else if (pi < p.size() && p[pi] == s[si]) {
      ++si;
      ++pi;
    } else if (starP != std::string_view::npos) {
      pi = starP + 1;
      starS += charLength(s, starS);
      si = starS;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

// ------------------------------------------------------------------ regular expressions
//
// A Thompson-NFA matcher (the "Pike VM" without submatches: regexp_like only
// asks whether there is a match). The pattern compiles to a small program;
// the search runs every live state in lock step over the input's code
// points, so it takes O(input × program) time and O(program) memory whatever
// the pattern — no backtracking, no recursion over the input.
//
// Syntax: ECMAScript's, as sema checks it with std::regex — literals, `.`,
// classes `[a-z]`, `[^…]`, \d \w \s \D \W \S, escapes (\t \n \r \v \f \0
// \xHH \uHHHH \cX and identity escapes), groups `(…)` and `(?:…)`,
// alternation, quantifiers * + ? {n} {n,} {n,m} (lazy forms match the same
// strings), anchors ^ $ (input start and end), \b \B. Back references and
// lookaround are not supported (codegen rejects them with a diagnostic).
// Characters are code points (UTF-8 decoded; a broken byte is one code
// point of its own value), so `.` matches `é` as one character.

namespace {

struct ClassItem {
  uint32_t lo = 0, hi = 0;
  char builtin = 0;  // 'd', 'w', 's' (or upper case: negated) instead of a range
};

struct CharClass {
  std::vector<ClassItem> items;
  bool negated = false;
};

bool isWordChar(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool isSpaceChar(uint32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

bool builtinMatches(char b, uint32_t c) {
  switch (b) {
    case 'd': return c >= '0' && c <= '9';
    case 'D': return !(c >= '0' && c <= '9');
    case 'w': return isWordChar(c);
    case 'W': return !isWordChar(c);
    case 's': return isSpaceChar(c);
    case 'S': return !isSpaceChar(c);
  }
  return false;
}

bool classMatches(const CharClass& cls, uint32_t c) {
  bool in = false;
  for (const ClassItem& item : cls.items) {
    if (item.builtin ? builtinMatches(item.builtin, c) : (c >= item.lo && c <= item.hi)) {
      in = true;
      break;
    }
  }
  return in != cls.negated;
}

bool isLineTerminator(uint32_t c) {
  return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

// The code point at s[i] and its length in bytes (a broken byte: itself, 1).
uint32_t decodeAt(std::string_view s, size_t i, size_t& length) {
  length = charLength(s, i);
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (length == 1) return c;
  uint32_t cp = c & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

enum class RxOp : unsigned char {
  Char,
  Any,
  Class,
  Split,
  Jmp,
  Match,
  Bol,
  Eol,
  WordBoundary,
  NotWordBoundary
};

struct RxInst {
  RxOp op;
  uint32_t arg = 0;   // Char: the code point; Class: its index; Split/Jmp: a target
  uint32_t arg2 = 0;  // Split: the second target
};

// The pattern's syntax tree, compiled to instructions by Compiler::emit.
struct RxNode {
  enum Kind {
    Empty,
    Char,
    Any,
    Class,
    Concat,
    Alternate,
    Repeat,
    Bol,
    Eol,
    WordBoundary,
    NotWordBoundary
  } kind;
  uint32_t ch = 0;
  uint32_t cls = 0;
  int min = 0, max = 0;  // Repeat; max -1: unbounded
  std::vector<std::unique_ptr<RxNode>> children;
};

constexpr size_t kMaxRegexProgram = 100000;
constexpr int kMaxRegexDepth = 200;

class RxParser {
 public:
  RxParser(std::string_view p, std::vector<CharClass>& classes) : p_(p), classes_(classes) {}

  std::unique_ptr<RxNode> parse(std::string& error) {
    std::unique_ptr<RxNode> n = disjunction(0);
    if (error_.empty() && i_ < p_.size()) error_ = p_[i_] == ')' ? "unbalanced ')'" : "unexpected character";
    error = error_;
    return error_.empty() ? std::move(n) : nullptr;
  }

 private:
  bool more() const { return i_ < p_.size() && error_.empty(); }
  uint32_t next() {
    size_t len = 0;
    uint32_t c = decodeAt(p_, i_, len);
    i_ += len;
    return c;
  }
  void fail(const char* message) {
    if (error_.empty()) error_ = message;
  }
  static std::unique_ptr<RxNode> node(RxNode::Kind k) {
    auto n = std::make_unique<RxNode>();
    n->kind = k;
    return n;
  }

  std::unique_ptr<RxNode> disjunction(int depth) {
    if (depth > kMaxRegexDepth) {
      fail("it nests too deeply");
      return node(RxNode::Empty);
    }
    std::unique_ptr<RxNode> first = alternative(depth);
    if (!more() || p_[i_] != '|') return first;
    auto alt = node(RxNode::Alternate);
    alt->children.push_back(std::move(first));
    while (more() && p_[i_] == '|') {
      ++i_;
      alt->children.push_back(alternative(depth));
    }
    return alt;
  }

  std::unique_ptr<RxNode> alternative(int depth) {
    auto seq = node(RxNode::Concat);
    while (more() && p_[i_] != '|' && p_[i_] != ')') {
      std::unique_ptr<RxNode> t = term(depth);
      if (t) seq->children.push_back(std::move(t));
    }
    return seq;
  }

  std::unique_ptr<RxNode> term(int depth) {
    char c = p_[i_];
    if (c == '^') {
      ++i_;
      return node(RxNode::Bol);
    }
    if (c == '$') {
      ++i_;
      return node(RxNode::Eol);
    }
    if (c == '\\' && i_ + 1 < p_.size() && (p_[i_ + 1] == 'b' || p_[i_ + 1] == 'B')) {
      i_ += 2;
      return node(p_[i_ - 1] == 'b' ? RxNode::WordBoundary : RxNode::NotWordBoundary);
    }
    std::unique_ptr<RxNode> a = atom(depth);
    if (!a) return nullptr;
    return quantified(std::move(a));
  }

  std::unique_ptr<RxNode> quantified(std::unique_ptr<RxNode> a) {
    while (more()) {
      int min = 0, max = 0;
      char c = p_[i_];
      if (c == '*') {
        min = 0, max = -1;
        ++i_;
      } else if (c == '+') {
        min = 1, max = -1;
        ++i_;
      } else if (c == '?') {
        min = 0, max = 1;
        ++i_;
      } else if (c == '{' && braces(min, max)) {
        // braces() consumed it
      } else {
        return a;
      }
      if (more() && p_[i_] == '?') ++i_;  // lazy: the same strings match
      if (a->kind == RxNode::Bol || a->kind == RxNode::Eol) {
        fail("a repetition follows nothing");
        return a;
      }
      auto r = node(RxNode::Repeat);
      r->min = min;
      r->max = max;
      r->children.push_back(std::move(a));
      a = std::move(r);
    }
    return a;
  }

  // {n}, {n,} or {n,m} at i_; false (nothing consumed) when it is a literal '{'.
  bool braces(int& min, int& max) {
    size_t j = i_ + 1;
    auto number = [&](int& out) {
      size_t start = j;
      long v = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        v = std::min<long>(v * 10 + (p_[j] - '0'), 1000000);
        ++j;
      }
      out = static_cast<int>(v);
      return j > start;
    };
    if (!number(min)) return false;
    max = min;
    if (j < p_.size() && p_[j] == ',') {
      ++j;
      if (!number(max)) max = -1;
    }
    if (j >= p_.size() || p_[j] != '}') return false;
    if (max >= 0 && max < min) {
      fail("a repetition's bounds are out of order");
      return false;
    }
    i_ = j + 1;
    return true;
  }

  std::unique_ptr<RxNode> atom(int depth) {
    char c = p_[i_];
    switch (c) {
      case '.': ++i_; return node(RxNode::Any);
      case '(': {
        ++i_;
        if (i_ < p_.size() && p_[i_] == '?') {
          if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
            i_ += 2;
          } else {
            fail("lookaround and named groups are not supported");
            return nullptr;
          }
        }
        std::unique_ptr<RxNode> inner = disjunction(depth + 1);
        if (i_ >= p_.size() || p_[i_] != ')') {
          fail("unbalanced '('");
          return nullptr;
        }
        ++i_;
        return inner;
      }
      case '[': return charClass();
      case '\\': return escape();
      case '*':
      case '+':
      case '?': fail("a repetition follows nothing"); return nullptr;
      default: {
        auto n = node(RxNode::Char);
        n->ch = next();
        return n;
      }
    }
  }

  // \uHHHH (with a following low surrogate, a pair) or \xHH after the letter.
  bool hex(size_t digits, uint32_t& out) {
    if (i_ + digits > p_.size()) return false;
    uint32_t v = 0;
    for (size_t k = 0; k < digits; ++k) {
      char h = p_[i_ + k];
      int d = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<uint32_t>(d);
    }
    i_ += digits;
    out = v;
    return true;
  }

  // The character an escape stands for (after the backslash); 0 with
  // `builtin` set for \d \w \s and their negations.
  uint32_t escapedChar(char& builtin, bool inClass) {
    builtin = 0;
    if (i_ >= p_.size()) {
      fail("a trailing backslash");
      return 0;
    }
    char c = p_[i_];
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        ++i_;
        builtin = c;
        return 0;
      case 't': ++i_; return '\t';
      case 'n': ++i_; return '\n';
      case 'r': ++i_; return '\r';
      case 'v': ++i_; return '\v';
      case 'f': ++i_; return '\f';
      case 'b': ++i_; return '\b';  // only reached inside a class: a backspace
      case '0': ++i_; return 0;
      case 'c':
        if (i_ + 1 < p_.size() && std::isalpha(static_cast<unsigned char>(p_[i_ + 1]))) {
          i_ += 2;
          return static_cast<uint32_t>(p_[i_ - 1]) % 32;
        }
        ++i_;
        return '\\';
      case 'x': {
        ++i_;
        uint32_t v = 0;
        if (hex(2, v)) return v;
        return 'x';
      }
      case 'u': {
        ++i_;
        uint32_t v = 0;
        if (!hex(4, v)) return 'u';
        if (v >= 0xD800 && v <= 0xDBFF && i_ + 6 <= p_.size() && p_[i_] == '\\' && p_[i_ + 1] == 'u') {
          size_t save = i_;
          i_ += 2;
          uint32_t lo = 0;
          if (hex(4, lo) && lo >= 0xDC00 && lo <= 0xDFFF)
            return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
          i_ = save;
        }
        return v;
      }
      default:
        if (c >= '1' && c <= '9' && !inClass) {
          fail("back references are not supported");
          return 0;
        }
        return next();  // an identity escape: \. \\ \/ …
    }
  }

  std::unique_ptr<RxNode> escape() {
    ++i_;  // the backslash
    char builtin = 0;
    uint32_t c = escapedChar(builtin, false);
    if (!error_.empty()) return nullptr;
    if (builtin) {
      CharClass cls;
      cls.items.push_back({0, 0, builtin});
      auto n = node(RxNode::Class);
      n->cls = addClass(std::move(cls));
      return n;
    }
    auto n = node(RxNode::Char);
    n->ch = c;
    return n;
  }

  std::unique_ptr<RxNode> charClass() {
    ++i_;  // '['
    CharClass cls;
    if (i_ < p_.size() && p_[i_] == '^') {
      cls.negated = true;
      ++i_;
    }
    auto classAtom = [&](ClassItem& item) {
      if (p_[i_] == '\\') {
        ++i_;
        char builtin = 0;
        uint32_t c = escapedChar(builtin, true);
        item = {c, c, builtin};
      } else {
        uint32_t c = next();
        item = {c, c, 0};
      }
    };
    while (more() && p_[i_] != ']') {
      ClassItem lo;
      classAtom(lo);
      if (!error_.empty()) return nullptr;
      if (!lo.builtin && i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        ClassItem hi;
        classAtom(hi);
        if (hi.builtin) {
          fail("a class range ends in a class escape");
          return nullptr;
        }
        if (hi.lo < lo.lo) {
          fail("a class range is out of order");
          return nullptr;
        }
        lo.hi = hi.lo;
      }
      cls.items.push_back(lo);
    }
    if (i_ >= p_.size()) {
      fail("unbalanced '['");
      return nullptr;
    }
    ++i_;  // ']'
    auto n = node(RxNode::Class);
    n->cls = addClass(std::move(cls));
    return n;
  }

  uint32_t addClass(CharClass cls) {
    classes_.push_back(std::move(cls));
    return static_cast<uint32_t>(classes_.size() - 1);
  }

  std::string_view p_;
  std::vector<CharClass>& classes_;
  size_t i_ = 0;
  std::string error_;
};

class RxCompiler {
 public:
  explicit RxCompiler(std::vector<RxInst>& prog) : prog_(prog) {}

  bool emit(const RxNode& n) {
    if (prog_.size() > kMaxRegexProgram) return false;
    switch (n.kind) {
      case RxNode::Empty: return true;
      case RxNode::Char: prog_.push_back({RxOp::Char, n.ch}); return true;
      case RxNode::Any: prog_.push_back({RxOp::Any}); return true;
      case RxNode::Class: prog_.push_back({RxOp::Class, n.cls}); return true;
      case RxNode::Bol: prog_.push_back({RxOp::Bol}); return true;
      case RxNode::Eol: prog_.push_back({RxOp::Eol}); return true;
      case RxNode::WordBoundary: prog_.push_back({RxOp::WordBoundary}); return true;
      case RxNode::NotWordBoundary: prog_.push_back({RxOp::NotWordBoundary}); return true;
      case RxNode::Concat:
        for (const auto& c : n.children) {
          if (!emit(*c)) return false;
        }
        return true;
      case RxNode::Alternate: {
        // split L1, next; L1: a; jmp end; next: split L2, next2; …
        std::vector<size_t> jumps;
        for (size_t k = 0; k < n.children.size(); ++k) {
          bool last = k + 1 == n.children.size();
          size_t split = 0;
          if (!last) {
            split = prog_.size();
            prog_.push_back({RxOp::Split, static_cast<uint32_t>(split + 1), 0});
          }
          if (!emit(*n.children[k])) return false;
          if (!last) {
            jumps.push_back(prog_.size());
            prog_.push_back({RxOp::Jmp});
            prog_[split].arg2 = static_cast<uint32_t>(prog_.size());
          }
        }
        for (size_t j : jumps) prog_[j].arg = static_cast<uint32_t>(prog_.size());
        return true;
      }
      case RxNode::Repeat: {
        const RxNode& body = *n.children[0];
        for (int k = 0; k < n.min; ++k) {
          if (!emit(body)) return false;
        }
        if (n.max < 0) {
          // L: split body, end; body; jmp L
          size_t loop = prog_.size();
          prog_.push_back({RxOp::Split, static_cast<uint32_t>(loop + 1), 0});
          if (!emit(body)) return false;
          prog_.push_back({RxOp::Jmp, static_cast<uint32_t>(loop)});
          prog_[loop].arg2 = static_cast<uint32_t>(prog_.size());
          return true;
        }
        // Up to max - min optional copies: split body, end; body; split …
        std::vector<size_t> splits;
        for (int k = n.min; k < n.max; ++k) {
          splits.push_back(prog_.size());
          prog_.push_back({RxOp::Split, static_cast<uint32_t>(prog_.size() + 1), 0});
          if (!emit(body)) return false;
        }
        for (size_t s : splits) prog_[s].arg2 = static_cast<uint32_t>(prog_.size());
        return true;
      }
    }
    return false;
  }

 private:
  std::vector<RxInst>& prog_;
};

}  // namespace

struct Regex::Impl {
  std::vector<RxInst> prog;
  std::vector<CharClass> classes;
  // Scratch for search(), kept between calls: the two state lists and the
  // step each state was last added in.
  std::vector<uint32_t> current, next, stack;
  std::vector<uint64_t> addedAt;
  uint64_t step = 0;

  // Follows the non-consuming instructions from `pc` at position `at` of
  // `s`, adding the consuming states to `list`; true when Match is reached.
  bool add(std::vector<uint32_t>& list, uint32_t pc, std::string_view s, size_t at) {
    stack.clear();
    stack.push_back(pc);
    while (!stack.empty()) {
      uint32_t p = stack.back();
      stack.pop_back();
      if (addedAt[p] == step) continue;
      addedAt[p] = step;
      const RxInst& in = prog[p];
      switch (in.op) {
        case RxOp::Match: return true;
        case RxOp::Jmp: stack.push_back(in.arg); break;
        case RxOp::Split:
          stack.push_back(in.arg2);
          stack.push_back(in.arg);
          break;
        case RxOp::Bol:
          if (at == 0) stack.push_back(p + 1);
          break;
        case RxOp::Eol:
          if (at == s.size()) stack.push_back(p + 1);
          break;
        case RxOp::WordBoundary:
        case RxOp::NotWordBoundary: {
          bool before = at > 0 && isWordChar(static_cast<unsigned char>(s[at - 1]));
          bool after = at < s.size() && isWordChar(static_cast<unsigned char>(s[at]));
          if ((before != after) == (in.op == RxOp::WordBoundary)) stack.push_back(p + 1);
          break;
        }
        default: list.push_back(p); break;
      }
    }
    return false;
  }
};

Regex::Regex() : impl_(std::make_unique<Impl>()) {}
Regex::~Regex() = default;

bool Regex::compile(std::string_view pattern, std::string& error) {
  Impl& m = *impl_;
  m.prog.clear();
  m.classes.clear();
  RxParser parser(pattern, m.classes);
  std::unique_ptr<RxNode> tree = parser.parse(error);
  if (!tree) return false;
  RxCompiler compiler(m.prog);
  if (!compiler.emit(*tree) || m.prog.size() >= kMaxRegexProgram) {
    error = "it is too complex";
    return false;
  }
  m.prog.push_back({RxOp::Match});
  m.addedAt.assign(m.prog.size(), 0);
  m.current.reserve(m.prog.size());
  m.next.reserve(m.prog.size());
  return true;
}

bool Regex::search(std::string_view s, bool& tooLong) const {
  tooLong = s.size() > kMaxInputBytes;
  if (tooLong) return false;
  Impl& m = *impl_;
  if (m.prog.empty()) return false;
  m.current.clear();
  ++m.step;
  // Unanchored: a new thread starts at every position.
  if (m.add(m.current, 0, s, 0)) return true;
  size_t i = 0;
  while (i < s.size()) {
    size_t length = 0;
    uint32_t c = decodeAt(s, i, length);
    m.next.clear();
    ++m.step;
    for (uint32_t pc : m.current) {
      const RxInst& in = m.prog[pc];
      bool ok = false;
      switch (in.op) {
        case RxOp::Char: ok = c == in.arg; break;
        case RxOp::Any: ok = !isLineTerminator(c); break;
        case RxOp::Class: ok = classMatches(m.classes[in.arg], c); break;
        default: break;
      }
      if (ok && m.add(m.next, pc + 1, s, i + length)) return true;
    }
    i += length;
    if (m.add(m.next, 0, s, i)) return true;
    std::swap(m.current, m.next);
  }
  return false;
}

// ------------------------------------------------------------------ time

namespace {

constexpr int64_t kMsPerDay = 86400000;

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}


}  // namespace

bool dateTrunc(TimeUnit unit, Timestamp ms, Timestamp& out) {
  // The start of the unit, `count` units of `unitMs` from the epoch: below
  // the earliest int64 millisecond for times near it (floor goes down).
  auto start = [&out](int64_t count, int64_t unitMs) { return !__builtin_mul_overflow(count, unitMs, &out); };
  switch (unit) {
    case TimeUnit::Second: return start(floorDiv(ms, 1000), 1000);
    case TimeUnit::Minute: return start(floorDiv(ms, 60000), 60000);
    case TimeUnit::Hour: return start(floorDiv(ms, 3600000), 3600000);
    case TimeUnit::Day: return start(floorDiv(ms, kMsPerDay), kMsPerDay);
    case TimeUnit::Week: {
      int64_t days = floorDiv(ms, kMsPerDay);
      int64_t sinceMonday = ((days + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
      return start(days - sinceMonday, kMsPerDay);
    }
    case TimeUnit::Month:
    case TimeUnit::Year: {
      int64_t y;
      unsigned m, d;
      civilFromDays(floorDiv(ms, kMsPerDay), y, m, d);
      return start(daysFromCivil(y, unit == TimeUnit::Year ? 1 : m, 1), kMsPerDay);
    }
  }
  out = ms;
  return true;
}

int64_t extract(TimeField field, Timestamp ms) {
  int64_t days = floorDiv(ms, kMsPerDay);
  int64_t inDay = ms - days * kMsPerDay;
  switch (field) {
    case TimeField::Hour: return inDay / 3600000;
    case TimeField::Minute: return inDay / 60000 % 60;
    case TimeField::Second: return inDay / 1000 % 60;
    case TimeField::Millisecond: return inDay % 1000;
    case TimeField::Dow: return ((days + 4) % 7 + 7) % 7;  // 0 = Sunday
    case TimeField::Epoch: return floorDiv(ms, 1000);
    default: break;
  }
  int64_t y;
  unsigned m, d;
  civilFromDays(days, y, m, d);
  switch (field) {
    case TimeField::Year: return y;
    case TimeField::Month: return m;
    case TimeField::Day: return d;
    case TimeField::Doy: return days - daysFromCivil(y, 1, 1) + 1;
    default: break;
  }
  return 0;
}

// ------------------------------------------------------------------ casts from string

namespace {

std::string_view trimSpaces(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\n' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

}  // namespace

// A leading '+' that from_chars does not take; false for a sign after it.
static bool dropPlus(std::string_view& s) {
  if (s.empty() || s[0] != '+') return true;
  s.remove_prefix(1);
  return !s.empty() && s[0] != '+' && s[0] != '-';
}

bool parseInt(std::string_view s, int64_t& out) {
  s = trimSpaces(s);
  if (!dropPlus(s) || s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parseFloat(std::string_view s, double& out) {
  s = trimSpaces(s);
  if (!dropPlus(s) || s.empty()) return false;
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

bool parseBool(std::string_view s, bool& out) {
  s = trimSpaces(s);
  auto equalsIgnoreCase = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (c != b[i]) return false;
    }
    return true;
  };
  if (equalsIgnoreCase(s, "true")) {
    out = true;
    return true;
  }
  if (equalsIgnoreCase(s, "false")) {
    out = false;
    return true;
  }
  return false;
}

bool parseTimestamp(std::string_view s, Timestamp& out) {
  int64_t ms = 0;
  if (!parseRfc3339(trimSpaces(s), ms)) return false;
  out = ms;
  return true;
}

// ------------------------------------------------------------------ reading JSON fields

namespace {

bool inTimestampRange(int64_t ms) {
  return ms >= kMinTimestampMs && ms <= kMaxTimestampMs;
}

}  // namespace

ReadResult readString(od::value& v, std::string_view& out) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return ReadResult::WrongType;
  if (t == od::json_type::null) return ReadResult::Null;
  if (t != od::json_type::string) return ReadResult::WrongType;
  return v.get_string().get(out) == simdjson::SUCCESS ? ReadResult::Ok : ReadResult::WrongType;
}

ReadResult readInt(od::value& v, int64_t& out) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return ReadResult::WrongType;
  if (t == od::json_type::null) return ReadResult::Null;
  if (t != od::json_type::number) return ReadResult::WrongType;
  return v.get_int64().get(out) == simdjson::SUCCESS ? ReadResult::Ok : ReadResult::WrongType;
}

ReadResult readFloat(od::value& v, double& out) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return ReadResult::WrongType;
  if (t == od::json_type::null) return ReadResult::Null;
  if (t != od::json_type::number) return ReadResult::WrongType;
  double d = 0;
  if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) return ReadResult::WrongType;
  out = d;
  return ReadResult::Ok;
}

ReadResult readBool(od::value& v, bool& out) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return ReadResult::WrongType;
  if (t == od::json_type::null) return ReadResult::Null;
  if (t != od::json_type::boolean) return ReadResult::WrongType;
  return v.get_bool().get(out) == simdjson::SUCCESS ? ReadResult::Ok : ReadResult::WrongType;
}

static ReadResult readTimestampIn(od::value& v, bool seconds, Timestamp& out) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return ReadResult::WrongType;
  if (t == od::json_type::null) return ReadResult::Null;
  int64_t ms = 0;
  if (t == od::json_type::string) {
    // An RFC 3339 string says what it means whatever the field's unit.
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS || !parseRfc3339(s, ms)) return ReadResult::WrongType;
  } else if (t == od::json_type::number) {
    double d = 0;
    if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) return ReadResult::WrongType;
    if (seconds) {
      if (!epochSecondsToMs(d, ms)) return ReadResult::WrongType;
    } else {
      // Every millisecond of years 0000–9999 is exact in a double.
      if (!(d > -1e15 && d < 1e15)) return ReadResult::WrongType;
      ms = static_cast<int64_t>(std::llround(d));
    }
  } else {
    return ReadResult::WrongType;
  }
  if (!inTimestampRange(ms)) return ReadResult::WrongType;
  out = ms;
  return ReadResult::Ok;
}

std::string_view invalidJson(simdjson::error_code error) {
  // One string per error code, made on first use and kept: the views
  // handed out stay valid for the process's life.
  static std::string texts[simdjson::NUM_ERROR_CODES];
  size_t i = static_cast<size_t>(error);
  if (i >= simdjson::NUM_ERROR_CODES) return "invalid JSON";
  if (texts[i].empty()) {
    std::string message = simdjson::error_message(error);
    while (!message.empty() && message.back() == '.') message.pop_back();
    // "The JSON element…" → "the JSON element…", but "JSON document…" stays.
    if (message.size() > 1 && std::islower(static_cast<unsigned char>(message[1]))) {
      message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
    texts[i] = "invalid JSON: " + message;
  }
  return texts[i];
}

ReadResult readTimestamp(od::value& v, Timestamp& out) {
  return readTimestampIn(v, false, out);
}
ReadResult readTimestampSeconds(od::value& v, Timestamp& out) {
  return readTimestampIn(v, true, out);
}

// ------------------------------------------------------------------ json_extract

namespace {

std::string_view trimJsonSpace(std::string_view s) {
  size_t e = s.size();
  while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r')) --e;
  return s.substr(0, e);
}

// The text of the value `v` is: a string unescaped, JSON null as SQL null,
// anything else as its JSON text.
Nullable<std::string_view> valueText(Arena& arena, od::value& v) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return {};
  std::string_view out;
  switch (t) {
    case od::json_type::string:
      if (v.get_string().get(out) != simdjson::SUCCESS) return {};
      break;
    case od::json_type::null: return {};
    case od::json_type::object: {
      od::object o;
      if (v.get_object().get(o) != simdjson::SUCCESS || o.raw_json().get(out) != simdjson::SUCCESS) return {};
      break;
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a) != simdjson::SUCCESS || a.raw_json().get(out) != simdjson::SUCCESS) return {};
      break;
    }
    default: out = trimJsonSpace(v.raw_json_token()); break;
  }
  return {arena.copy(trimJsonSpace(out)), false};
}

// One step from `v` (an object or array) to its member or element.
bool step(od::value& v, const JsonStep& s, od::value& next) {
  if (s.index >= 0) {
    od::array a;
    if (v.get_array().get(a) != simdjson::SUCCESS) return false;
    int64_t i = 0;
    for (auto element : a) {
      if (element.error() != simdjson::SUCCESS) return false;
      if (i++ == s.index) return element.get(next) == simdjson::SUCCESS;
    }
    return false;
  }
  od::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) return false;
  for (auto member : o) {
    std::string_view key;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    if (key == s.member) return member.value().get(next) == simdjson::SUCCESS;
  }
  return false;
}

}  // namespace

Nullable<std::string_view> JsonExtractor::extract(Arena& arena, std::string_view json,
                                                  std::span<const JsonStep> path) {
  if (json.size() > kMaxJsonExtractBytes) return {};
  buffer_.assign(json);
  buffer_.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element whole;
  if (validator_.parse(buffer_.data(), json.size(), false).get(whole) != simdjson::SUCCESS) return {};
  od::document doc;
  if (parser_.iterate(buffer_.data(), json.size(), buffer_.size()).get(doc) != simdjson::SUCCESS) return {};
  if (path.empty()) {
    // `$`: the whole document.
    od::json_type t;
    if (doc.type().get(t) != simdjson::SUCCESS) return {};
    if (t == od::json_type::string) {
      std::string_view s;
      if (doc.get_string().get(s) != simdjson::SUCCESS) return {};
      return {arena.copy(s), false};
    }
    if (t == od::json_type::null) return {};
    std::string_view raw;
    if (doc.raw_json_token().get(raw) != simdjson::SUCCESS) return {};
    if (t == od::json_type::object || t == od::json_type::array) raw = json;
    size_t b = 0;
    while (b < raw.size() && (raw[b] == ' ' || raw[b] == '\t' || raw[b] == '\n' || raw[b] == '\r')) ++b;
    return {arena.copy(trimJsonSpace(raw.substr(b))), false};
  }
  od::value v;
  if (doc.get_value().get(v) != simdjson::SUCCESS) return {};
  for (const JsonStep& s : path) {
    od::value next;
    if (!step(v, s, next)) return {};
    v = next;
  }
  return valueText(arena, v);
}

}  // namespace flow::sql
