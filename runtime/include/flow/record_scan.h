// flow/record_scan.h — the primitives of the generated decoders' fast path
// (codegen/scan.cpp writes `fastDecodeFields` from them): a strict scanner
// of the JSON record `{"key":value,…}` (and of the objects in it that the
// declared fields' paths go through) that needs no JSON parser.
//
// The contract: every function returns false to say "not sure", never "bad
// record": the caller then decodes the record with simdjson as if the fast
// path did not exist, and that path gives every reason. So what a function
// accepts must be exactly what the simdjson path accepts AND yield the same
// value; anything it cannot prove that of is refused:
// - strings: printable ASCII (0x20–0x7F) without a backslash; the value is
//   the text between the quotes, which the simdjson path reads in place too;
// - ints: -?(0|[1-9]d{0,17}) but not -0 (always within int64, what
//   simdjson's get_int64 reads exactly);
// - floats: -?(0|[1-9]d*)(.d+)? with at most 15 digits and no exponent, not
//   -0: an integer N < 2^53 over 10^k (k <= 15), both exact doubles, one
//   IEEE division, which is correctly rounded as simdjson's parse is (it takes
//   this very Clinger fast path for such numbers);
// - timestamps: a string as above through flow::parseRfc3339, or such a
//   number through the conversions flow::sql::readTimestamp applies (the
//   same functions, so the same value);
// - values nobody maps: strings as above, numbers by RFC 8259's grammar,
//   true/false/null, objects and arrays up to kMaxDepth;
// - whitespace: the four of RFC 8259 wherever it is legal.
// The payload must be followed by flow::kPayloadPadding (64) readable bytes
// (flow/events.h promises that): the vector loads read up to 63 bytes past.
//
// KeyCache: the records of one stream have the same members in the same
// order, so the key at each member position is remembered (its bytes from
// the end of the previous value, separator included, to the ':', copied:
// records do not outlive their invocation) and the next record's key is
// matched with one vector compare instead of a separator test, a scan and
// a lookup. Equal bytes are the same separator and key; anything else is
// scanned and looked up, and remembered in its place. The object's end (its
// white space and '}') is remembered at the position after the last member
// the same way.
//
// Measured (clang 14 -O2 -march=haswell, flowc_micro_bench, 5000-record
// gen_kinesis.py event, CPU-time medians of 5, old and new binaries run
// interleaved 3 times, load average 3.1 on 2 shared cores): BM_Q1Handler
// 1.38-1.55 ms -> 1.07-1.13 ms, BM_Q2Handler 1.50-1.60 -> 1.12-1.18 ms.
// perf of the new q1: the envelope scan is now 40% of the handler; the key
// match was out of line at first (12%: now always_inline, the miss path
// not), and unread timestamps went through parseRfc3339 (6%: now the shape
// check decode::checkTimestamp uses).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "flow/time.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace flow::scan {

// The first byte at or after p that cannot be in a string the scanners take
// ('"', '\\', < 0x20, >= 0x80), or end. One kernel per instruction set; the
// Kinesis envelope scanner (src/kinesis_envelope.cpp) uses them too, and its
// tests check each against stopScalar. The vector kernels read up to 63
// bytes past end (the padding behind payloads and bodies covers it).
inline const char* stopScalar(const char* p, const char* end) {
  for (; p < end; ++p) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return p;
  }
  return end;
}

#if defined(__x86_64__)
// Signed compares: bytes >= 0x80 are negative, so `v < 0x20` catches them too.
inline const char* stopSse2(const char* p, const char* end) {
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  for (; p < end; p += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                               _mm_cmplt_epi8(v, space));
    unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(bad));
    if (bits != 0) {
      const char* s = p + __builtin_ctz(bits);
      return s < end ? s : end;
    }
  }
  return end;
}

__attribute__((target("avx2"))) inline __m256i stopBytesAvx2(const char* at) {
  __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
  return _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')),
                                         _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))),
                         _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v));
}

// 64 bytes a step: Kinesis `data` strings (~300 bytes) take half the loop
// trips and exits; measured, ~90 fewer instructions a record. But 32 first:
// most strings of a record end there (measured, callgrind, q1's handler:
// ~50 fewer instructions a record).
__attribute__((target("avx2"))) inline const char* stopAvx2(const char* p, const char* end) {
  if (p < end) {
    uint32_t bits = static_cast<uint32_t>(_mm256_movemask_epi8(stopBytesAvx2(p)));
    if (bits != 0) {
      const char* s = p + __builtin_ctz(bits);
      return s < end ? s : end;
    }
    p += 32;
  }
  for (; p < end; p += 64) {
    __m256i lo = stopBytesAvx2(p), hi = stopBytesAvx2(p + 32);
    if (!_mm256_testz_si256(_mm256_or_si256(lo, hi), _mm256_or_si256(lo, hi))) {
      uint64_t bits = static_cast<uint32_t>(_mm256_movemask_epi8(lo)) |
                      static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(hi))) << 32;
      const char* s = p + __builtin_ctzll(bits);
      return s < end ? s : end;
    }
  }
  return end;
}

// Whether n bytes at a and b are equal; reads up to 31 bytes past a+n and b+n.
// Keys and most template runs are 1..32 bytes: one compare, tested first
// (measured, callgrind, q1's handler: ~100 fewer instructions a record).
__attribute__((target("avx2"))) inline bool sameBytesAvx2(const char* a, const char* b, size_t n) {
  if (n - 1 < 32) [[likely]] {  // 1..32 (n == 0 wraps around)
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a));
    __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    uint32_t differ = ~static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, y)));
    return (differ << (32 - n)) == 0;  // the n low bits
  }
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    if (static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, y))) != 0xffffffffu) return false;
  }
  if (i == n) return true;
  i = n - 32;  // the last 32 bytes (n > 32), overlapping ones already compared: no mask
  __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
  __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
  return static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, y))) == 0xffffffffu;
}
#endif

#if defined(__aarch64__)
inline const char* stopNeon(const char* p, const char* end) {
  const uint8x16_t quote = vdupq_n_u8('"'), backslash = vdupq_n_u8('\\'), space = vdupq_n_u8(0x20),
                   high = vdupq_n_u8(0x80);
  for (; p < end; p += 16) {
    uint8x16_t v = vld1q_u8(reinterpret_cast<const uint8_t*>(p));
    uint8x16_t bad = vorrq_u8(vorrq_u8(vceqq_u8(v, quote), vceqq_u8(v, backslash)),
                              vorrq_u8(vcltq_u8(v, space), vcgeq_u8(v, high)));
    // 4 bits a byte, in order (the shift-right-narrow movemask idiom).
    uint64_t bits = vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(bad), 4)), 0);
    if (bits != 0) {
      const char* s = p + (__builtin_ctzll(bits) >> 2);
      return s < end ? s : end;
    }
  }
  return end;
}
#endif

// The kernel this build runs (chosen when compiling: handlers are built for
// AVX2 on x86-64; NEON is baseline on arm64).
inline const char* stopString(const char* p, const char* end) {
#if defined(__AVX2__)
  return stopAvx2(p, end);
#elif defined(__x86_64__)
  return stopSse2(p, end);
#elif defined(__aarch64__)
  return stopNeon(p, end);
#else
  return stopScalar(p, end);
#endif
}

// Whether n bytes at a and b are equal; reads up to 31 bytes past a+n and b+n.
inline bool sameBytes(const char* a, const char* b, size_t n) {
#if defined(__AVX2__)
  return sameBytesAvx2(a, b, n);
#else
  return std::memcmp(a, b, n) == 0;
#endif
}

// Digits and powers of ten, for the number readers here and in the envelope.
inline constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

inline bool isDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 8259's number grammar at p: true with p moved past the number, false
// (p anywhere) when there is none. Whatever follows is the caller's to judge.
inline bool skipNumber(const char*& p, const char* end) {
  if (p < end && *p == '-') ++p;
  if (p >= end) return false;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && isDigit(*p)) ++p;
  } else {
    return false;
  }
  if (p < end && *p == '.') {
    ++p;
    if (p >= end || !isDigit(*p)) return false;
    while (p < end && isDigit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || !isDigit(*p)) return false;
    while (p < end && isDigit(*p)) ++p;
  }
  return true;
}

// Whether all of `s` is one number by that grammar.
inline bool isNumber(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  return skipNumber(p, end) && p == end;
}

// The literal `word` (n bytes) at p: true with p past it.
inline bool skipLiteral(const char*& p, const char* end, const char* word, size_t n) {
  if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0) return false;
  p += n;
  return true;
}

// `true` or `false` at p: true with the value in `out` and p past it.
inline bool readBoolean(const char*& p, const char* end, bool& out) {
  if (skipLiteral(p, end, "true", 4)) {
    out = true;
    return true;
  }
  if (skipLiteral(p, end, "false", 5)) {
    out = false;
    return true;
  }
  return false;
}

// Nesting allowed inside the values nobody maps (anything deeper is
// simdjson's to judge).
constexpr int kMaxDepth = 32;


// A number of the restricted forms above: sign, digits as an integer, the
// count of digits after the point. False: not one (or too long to be sure).
struct Decimal {
  uint64_t digits = 0;
  int fraction = 0;  // digits after the point (0: an integer)
  bool negative = false;
};

// Digits a word at a time (little-endian words: the first byte is the
// lowest), for timestamps (here and the Kinesis envelope's).
inline uint64_t load64(const char* s) {
  uint64_t w;
  std::memcpy(&w, s, 8);
  return w;
}

// Per byte of w, a non-zero high nibble exactly when the byte is not
// '0'..'9' (so the lowest set bit lies in the first such byte).
inline uint64_t nonDigits(uint64_t w) {
  uint64_t x = w ^ 0x3030303030303030ull;  // digits become 0..9, nothing else does
  return (x | ((x & 0x0f0f0f0f0f0f0f0full) + 0x0606060606060606ull)) & 0xf0f0f0f0f0f0f0f0ull;
}

// The number of leading digit bytes among the 16 at s (16 when all are).
inline int digitRun(const char* s) {
  uint64_t a = nonDigits(load64(s));
  if (a != 0) return __builtin_ctzll(a) >> 3;
  uint64_t b = nonDigits(load64(s + 8));
  return b != 0 ? 8 + (__builtin_ctzll(b) >> 3) : 16;
}

// Eight digit bytes (the first the most significant) to their value: the
// usual SWAR reduction, pairs, then quads, then the eight.
inline uint64_t eightDigits(uint64_t w) {
  w = (w & 0x0f0f0f0f0f0f0f0full) * 2561 >> 8;
  w = (w & 0x00ff00ff00ff00ffull) * 6553601 >> 16;
  return (w & 0x0000ffff0000ffffull) * 42949672960001ull >> 32;
}

// The value of the `count` digits at s (1 <= count <= 16; the 16 bytes at s
// readable). Shifting the 16 bytes left by the bytes not wanted drops them
// and puts zero bytes, read as leading zeros, in front.
inline uint64_t digitsValue(const char* s, int count) {
  unsigned __int128 v = static_cast<unsigned __int128>(load64(s + 8)) << 64 | load64(s);
  v <<= 8 * (16 - count);
  return eightDigits(static_cast<uint64_t>(v)) * 100000000ull + eightDigits(static_cast<uint64_t>(v >> 64));
}

// digitsValue for a run of 1..15 digits, with one word when it fits: the
// digits' bytes moved to the top of the word, the ones before them become
// zero bytes, read as leading zeros.
inline uint64_t runValue(const char* s, int count) {
  return count <= 8 ? eightDigits(load64(s) << (8 * (8 - count))) : digitsValue(s, count);
}

// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the shape nearly every producer writes,
// checked where it stands: true when `s` has that shape and is a real UTC
// instant (then within years 0000-9999). False sends `s` to the runtime's
// full RFC 3339 parser (flow::parseRfc3339), which decides: this only
// accepts what that accepts. Both decoders of generated handlers use it (the
// fast path here, and decode::checkedTimestamp of codegen/decode_support.cpp).
// Reads up to 16 bytes past `s` (a payload's padding covers them). The
// digits and separators are checked three words at a time: measured
// (callgrind, q1's handler), 174 -> 120 instructions a timestamp.
inline bool commonRfc3339(std::string_view s) {
  if (s.size() < 20 || s.size() > 30) return false;
  const char* q = s.data();
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // Bytes 0-7 `YYYY-MM-`, 8-15 `DDTHH:MM`, 16-18 `:SS`: a mask of the digit
  // bytes and the separators' bytes, per word.
  const uint64_t w0 = load64(q), w1 = load64(q + 8), w2 = load64(q + 16);
  constexpr uint64_t kDigits0 = 0x00f0f000f0f0f0f0ull, kDigits1 = 0xf0f000f0f000f0f0ull, kDigits2 = 0x0000000000f0f000ull;
  constexpr uint64_t kSepMask0 = 0xff0000ff00000000ull, kSep0 = 0x2d00002d00000000ull;  // '-' at 4 and 7
  constexpr uint64_t kSepMask1 = 0x0000ff0000ff0000ull, kSep1 = 0x00003a0000540000ull;  // 'T' at 10, ':' at 13
  constexpr uint64_t kSepMask2 = 0x00000000000000ffull, kSep2 = 0x000000000000003aull;  // ':' at 16
  if (((nonDigits(w0) & kDigits0) | (nonDigits(w1) & kDigits1) | (nonDigits(w2) & kDigits2)) != 0 ||
      (w0 & kSepMask0) != kSep0 || (w1 & kSepMask1) != kSep1 || (w2 & kSepMask2) != kSep2)
    return false;
  // A digit's value is its low nibble; two at byte i of w are (w >> 8i).
  auto two = [](uint64_t w, int i) {
    return static_cast<unsigned>((w >> (8 * i)) & 0xf) * 10 + static_cast<unsigned>((w >> (8 * i + 8)) & 0xf);
  };
  unsigned month = two(w0, 5), day = two(w1, 0), hour = two(w1, 3), minute = two(w1, 6), second = two(w2, 1);
#else
  auto digit = [q](size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(q[i]) - '0'); };
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (digit(i) > 9) return false;
  }
  if (q[4] != '-' || q[7] != '-' || q[10] != 'T' || q[13] != ':' || q[16] != ':') return false;
  unsigned month = digit(5) * 10 + digit(6), day = digit(8) * 10 + digit(9);
  unsigned hour = digit(11) * 10 + digit(12), minute = digit(14) * 10 + digit(15);
  unsigned second = digit(17) * 10 + digit(18);
#endif
  static constexpr unsigned char kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month - 1 > 11 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  if (day > kDays[month - 1]) {
    // Only 29 February needs the year.
    unsigned year = static_cast<unsigned>(q[0] - '0') * 1000 + static_cast<unsigned>(q[1] - '0') * 100 +
                    static_cast<unsigned>(q[2] - '0') * 10 + static_cast<unsigned>(q[3] - '0');
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if (!(month == 2 && day == 29 && leap)) return false;
  }
  if (q[19] == 'Z') return s.size() == 20;
  if (q[19] != '.') return false;
  // The run may go on past s; then the size is not 21 + fraction, as the
  // byte loop over s alone would also find.
  size_t fraction = static_cast<size_t>(digitRun(q + 20));
  return fraction >= 1 && fraction <= 9 && s.size() == 21 + fraction && q[20 + fraction] == 'Z';
}

// JSON's white space from p on, not past end. Most calls find none, which
// one compare decides (a byte above ' ' is none of the four; at p == end it
// reads the padding, and nothing is skipped past end either way). Measured
// (callgrind, q1's handler): the four compares and the bound on every call
// were ~210 instructions a record. The record Cursor and the Kinesis
// envelope's scanner both skip white space with it.
inline void skipSpace(const char*& p, const char* end) {
  if (static_cast<unsigned char>(*p) > ' ') [[likely]]
    return;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
}

// The position in one record's text. Every member returns false to give up.
struct Cursor {
  const char* p;
  const char* end;

  explicit Cursor(std::string_view text) : p(text.data()), end(text.data() + text.size()) {}

  void ws() { skipSpace(p, end); }

  // `{` after optional whitespace, and the whitespace after it.
  bool open() {
    ws();
    if (p >= end || *p != '{') return false;
    ++p;
    ws();
    return true;
  }
  // At '}' of an empty object: consumes it.
  bool emptyObject() {
    if (p < end && *p == '}') {
      ++p;
      return true;
    }
    return false;
  }

  // After a member's value: 1 at ',' (another member follows: its key is
  // at p, whitespace skipped), 0 at '}' (consumed), -1 otherwise.
  int next() {
    ws();
    if (p >= end) return -1;
    if (*p == ',') {
      ++p;
      ws();
      return 1;
    }
    if (*p == '}') {
      ++p;
      return 0;
    }
    return -1;
  }

  // Only whitespace left.
  bool atEnd() {
    ws();
    return p == end;
  }

  // At '"': a string of printable ASCII without escapes; `out` is its text.
  bool string(std::string_view& out) {
    if (p >= end || *p != '"') return false;
    const char* s = p + 1;
    const char* stop = stopString(s, end);
    if (stop >= end || *stop != '"') return false;
    out = std::string_view(s, static_cast<size_t>(stop - s));
    p = stop + 1;
    return true;
  }

  bool literal(const char* word, size_t n) { return skipLiteral(p, end, word, n); }
  bool null() { return literal("null", 4); }

  bool boolean(bool& out) { return readBoolean(p, end, out); }

  // -?(0|[1-9]d*)(.d+)? with at most 15 digits in all; no exponent, not -0
  // (whatever follows is the caller's next() to judge: a '.', 'e' or digit
  // there fails it).
  [[gnu::always_inline]] bool decimal(Decimal& d) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    // An integer (epoch-millisecond timestamps are) a word at a time, as
    // integer() reads one; a fraction and everything else take the loop.
    // Measured (callgrind, Nexmark q1's handler): 258 -> ~60 instructions a
    // 13-digit timestamp.
    bool negative = p < end && *p == '-';
    const char* s = p + negative;
    if (s < end && *s >= '1' && *s <= '9') {
      int run = digitRun(s);
      const char* after = s + run;
      if (run < 16 && after < end && *after != '.' && *after != 'e' && *after != 'E') {
        d.negative = negative;
        d.digits = runValue(s, run);
        d.fraction = 0;
        p = after;
        return true;
      }
    }
#endif
    return decimalLoop(d);
  }

  // decimal() a byte at a time.
  [[gnu::noinline]] bool decimalLoop(Decimal& d) {
    d.negative = p < end && *p == '-';
    p += d.negative;
    if (p >= end || !isDigit(*p)) return false;
    uint64_t n = 0;
    int count = 0;
    if (*p == '0') {
      ++p;
      count = 1;
    } else {
      for (; p < end && isDigit(*p) && count <= 15; ++p, ++count) n = n * 10 + static_cast<uint64_t>(*p - '0');
    }
    int fraction = 0;
    if (p < end && *p == '.') {
      ++p;
      for (; p < end && isDigit(*p) && count + fraction <= 15; ++p, ++fraction) {
        n = n * 10 + static_cast<uint64_t>(*p - '0');
      }
      if (fraction == 0) return false;
    }
    if (count + fraction > 15 || (p < end && (isDigit(*p) || *p == 'e' || *p == 'E'))) return false;
    if (n == 0 && d.negative) return false;  // -0, -0.0: not worth proving
    d.digits = n;
    d.fraction = fraction;
    return true;
  }

  // The double simdjson's get_double reads from the same text (see above).
  static double toDouble(const Decimal& d) {
    double v = static_cast<double>(d.digits) / kPow10[d.fraction];
    return d.negative ? -v : v;
  }

  // An int: -?(0|[1-9]d{0,17}), not -0 (simdjson's get_int64 reads it
  // exactly; 18 digits always fit).
  [[gnu::always_inline]] bool integer(int64_t& out) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    // Up to 15 digits a word at a time (digitRun, eightDigits): the byte
    // loop's exit depends on the value's length, which varies from record to
    // record, so it was mispredicted about once a record (callgrind's branch
    // simulation, q2's handler). Longer runs take the loop.
    bool negative = p < end && *p == '-';
    const char* s = p + negative;
    if (s >= end) return false;
    int run = digitRun(s);
    if (run > end - s) run = static_cast<int>(end - s);
    if (run == 0 || run >= 16) [[unlikely]]
      return integerLoop(out);
    if (*s == '0' && (negative || run > 1)) return false;  // -0, or a leading zero
    const char* after = s + run;
    if (after < end && (*after == '.' || *after == 'e' || *after == 'E')) return false;
    uint64_t n = runValue(s, run);
    out = negative ? -static_cast<int64_t>(n) : static_cast<int64_t>(n);
    p = after;
    return true;
#else
    return integerLoop(out);
#endif
  }

  // integer() a byte at a time.
  [[gnu::noinline]] bool integerLoop(int64_t& out) {
    bool negative = p < end && *p == '-';
    p += negative;
    if (p >= end || !isDigit(*p)) return false;
    if (*p == '0') {
      if (negative) return false;
      ++p;
      out = 0;
    } else {
      uint64_t n = 0;
      int count = 0;
      for (; p < end && isDigit(*p) && count <= 18; ++p, ++count) n = n * 10 + static_cast<uint64_t>(*p - '0');
      if (count > 18) return false;
      out = negative ? -static_cast<int64_t>(n) : static_cast<int64_t>(n);
    }
    return p >= end || (*p != '.' && *p != 'e' && *p != 'E' && !isDigit(*p));
  }

  bool float64(double& out) {
    Decimal d;
    if (!decimal(d)) return false;
    out = toDouble(d);
    return true;
  }

  // A `timestamp` (seconds: `timestamp(seconds)`) field's value as
  // flow::sql::readTimestamp(Seconds) reads it, for the forms above.
  bool timestamp(int64_t& out, bool seconds) {
    int64_t ms = 0;
    if (p < end && *p == '"') {
      std::string_view text;
      if (!string(text) || !parseRfc3339(text, ms)) return false;
    } else {
      Decimal dec;
      if (!decimal(dec)) return false;
      double d = toDouble(dec);
      if (!seconds && dec.fraction == 0) {
        // What the double below rounds to: the integer itself (< 10^15, so
        // exact, and within the bound).
        ms = dec.negative ? -static_cast<int64_t>(dec.digits) : static_cast<int64_t>(dec.digits);
      } else if (seconds) {
        if (!epochSecondsToMs(d, ms)) return false;
      } else {
        if (!(d > -1e15 && d < 1e15)) return false;
        ms = static_cast<int64_t>(std::llround(d));
      }
    }
    if (ms < kMinTimestampMs || ms > kMaxTimestampMs) return false;
    out = ms;
    return true;
  }

  // A timestamp field nobody reads: accepted as timestamp() accepts it.
  // `YYYY-MM-DDTHH:MM:SS[.fraction]Z` of a real date is always within
  // years 0000-9999 and read by parseRfc3339, so its shape is enough.
  bool checkTimestamp(bool seconds) {
    if (p < end && *p == '"') {
      const char* at = p;
      std::string_view text;
      if (!string(text)) return false;
      if (commonRfc3339(text)) [[likely]]
        return true;
      p = at;
    }
    int64_t ms = 0;
    return timestamp(ms, seconds);
  }

  // RFC 8259's number grammar, checked and ignored.
  bool number() { return skipNumber(p, end); }

  // Any value at p (whitespace before it skipped), validated and ignored;
  // `depth`: the containers it is in (1: a member of the record).
  bool skipValue(int depth) {
    if (p < end && *p == '"') [[likely]] {
      std::string_view s;
      return string(s);
    }
    return skipOther(depth);
  }

  [[gnu::noinline]] bool skipOther(int depth) {
    if (p >= end) return false;
    switch (*p) {
      case '"': {
        std::string_view s;
        return string(s);
      }
      case '{': {
        if (depth >= kMaxDepth) return false;
        ++p;
        ws();
        if (emptyObject()) return true;
        for (;;) {
          std::string_view key;
          if (!string(key)) return false;
          ws();
          if (p >= end || *p != ':') return false;
          ++p;
          ws();
          if (!skipValue(depth + 1)) return false;
          int more = next();
          if (more < 0) return false;
          if (more == 0) return true;
        }
      }
      case '[': {
        if (depth >= kMaxDepth) return false;
        ++p;
        ws();
        if (p < end && *p == ']') {
          ++p;
          return true;
        }
        for (;;) {
          if (!skipValue(depth + 1)) return false;
          ws();
          if (p >= end) return false;
          if (*p == ',') {
            ++p;
            ws();
            continue;
          }
          if (*p != ']') return false;
          ++p;
          return true;
        }
      }
      case 't': return literal("true", 4);
      case 'f': return literal("false", 5);
      case 'n': return literal("null", 4);
      default: return number();
    }
  }
};

// The keys of the previous record, per member position (see the header).
struct KeyCache {
  static constexpr int kSlots = 32;        // positions 0..31; every later one shares one more slot
  static constexpr size_t kKeyBytes = 64;  // `"key":` longer than this is not remembered
  // Nothing remembered: a length no record's remaining bytes reach, so the
  // bound check that every match needs anyway also rules out an empty slot.
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    char bytes[kKeyBytes + 32] = {};  // + what sameBytes reads past the end
    uint32_t length = kEmpty;
    int id = -1;
  };
  // Equal bytes are the same separator and key wherever they stand, so the
  // positions past kSlots may share a slot: it holds the last of them read.
  Slot slots[kSlots + 1];
};

// memberKey's answer when the object ends where the next member would
// start ('}', consumed).
constexpr int kEndOfObject = -2;

// The bytes [start, stop) read as member `id` (or kEndOfObject), into the
// slot for the next record.
inline void remember(KeyCache::Slot& slot, const char* start, const char* stop, int id) {
  size_t length = static_cast<size_t>(stop - start);
  if (length <= KeyCache::kKeyBytes) {
    std::memcpy(slot.bytes, start, length);
    slot.length = static_cast<uint32_t>(length);
    slot.id = id;
  }
}

// The member at c.p: at position 0 its opening quote; after that, right
// after the previous member's value (white space, ',', white space, then
// the key). Reads the key and the ':' after it; on return c.p is at the
// value (white space skipped). The key's id: its index in `names`,
// names.size() for a name not there, kEndOfObject at the object's '}', or -1
// to give up. The slot remembers the bytes read (the separator with the
// key), so the next record's member at this position is one compare.
template <size_t N>
[[gnu::noinline]] int scanKey(Cursor& c, KeyCache::Slot& slot, bool first, const std::string_view (&names)[N]) {
  const char* start = c.p;
  if (!first) {
    int more = c.next();
    if (more == 0) {
      // Remembered too: the next record's end is then one compare, not this
      // call (callgrind, q1's handler: 2372 -> 2358 instructions a record;
      // no wall-time change measurable).
      remember(slot, start, c.p, kEndOfObject);
      return kEndOfObject;
    }
    if (more < 0) return -1;
  }
  std::string_view key;
  if (!c.string(key)) return -1;
  c.ws();
  if (c.p >= c.end || *c.p != ':') return -1;
  ++c.p;
  int id = static_cast<int>(N);
  for (size_t k = 0; k < N; ++k) {
    if (names[k] == key) {
      id = static_cast<int>(k);
      break;
    }
  }
  remember(slot, start, c.p, id);
  c.ws();
  return id;
}

// The member at `position` (see scanKey): the previous record's bytes there
// (separator and key) when they are the same, else scanKey. Folding the
// separator into the compare leaves no ',' test between members; measured
// (callgrind, q1's handler): 2426 -> 2378 instructions a record.
template <size_t N>
[[gnu::always_inline]] inline int memberKey(Cursor& c, KeyCache& cache, int position,
                                            const std::string_view (&names)[N]) {
  KeyCache::Slot& slot = cache.slots[position < KeyCache::kSlots ? position : KeyCache::kSlots];
  if (static_cast<size_t>(c.end - c.p) >= slot.length && sameBytes(c.p, slot.bytes, slot.length)) [[likely]] {
    c.p += slot.length;
    c.ws();
    return slot.id;
  }
  return scanKey(c, slot, position == 0, names);
}

}  // namespace flow::scan
