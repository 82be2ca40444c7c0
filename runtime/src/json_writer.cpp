// JSON value writers (flow/json_writer.h). Strings take a fast path that
// copies runs of plain ASCII in one append; only escapes and non-ASCII bytes
// are looked at one by one. The runs are found 16 bytes a step (SSE2, the
// x86-64 baseline; NEON on arm64), never reading outside the string.
//
// Measured (callgrind, the Nexmark q0 handler on a 5000-record event, whose
// `extra` column is 100-150 plain letters): the byte loop was 13% of the
// handler's instructions.
#include "flow/json_writer.h"

#include <charconv>
#include <cmath>

#include "flow/time.h"

#if defined(__x86_64__)
#include <emmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace flow {
namespace {

// 1: copy as is; 0: needs attention (escape or UTF-8 check).
constexpr bool plainAscii(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\' && c < 0x7f; }

#if defined(__x86_64__)
// Where among the 16 bytes at p the first that is not plainAscii is (16: none).
// Signed compares: bytes >= 0x80 are negative, so `v < 0x20` catches them too.
inline size_t firstNotPlain16(const unsigned char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                             _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));
  unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(bad));
  return bits != 0 ? static_cast<size_t>(__builtin_ctz(bits)) : 16;
}
#elif defined(__aarch64__)
inline size_t firstNotPlain16(const unsigned char* p) {
  uint8x16_t v = vld1q_u8(p);
  uint8x16_t bad = vorrq_u8(vorrq_u8(vceqq_u8(v, vdupq_n_u8('"')), vceqq_u8(v, vdupq_n_u8('\\'))),
                            vorrq_u8(vcltq_u8(v, vdupq_n_u8(0x20)), vcgeq_u8(v, vdupq_n_u8(0x7f))));
  // 4 bits a byte, in order (the shift-right-narrow movemask idiom).
  uint64_t bits = vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(bad), 4)), 0);
  return bits != 0 ? static_cast<size_t>(__builtin_ctzll(bits) >> 2) : 16;
}
#endif

// A double of magnitude 1..10^15 that is not an integer and reads back from
// at most 6 decimals, written as std::to_chars writes it: its shortest round
// trip, in fixed notation. Returns the length written into `buf`, or 0 when
// `v` is not such a double (to_chars then writes it). Why this is to_chars'
// answer: with |v|·10^k < 10^15, k-decimal numbers are more than 4 ulp(v)
// apart, so at most one reads back as v: the integer nearest |v|·10^k (off
// from the exact product by under 1/4, the multiply by far less), over 10^k;
// the first k that has one gives the fewest digits, the integer part being
// fixed; and fixed notation is then 4 characters shorter than scientific.
// Measured (callgrind, Nexmark q1's handler, `0.908 * price`: 79% of the
// values have at most 3 decimals): to_chars took ~520 instructions a value.
size_t shortDecimal(double v, char* buf) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
  double a = std::fabs(v);
  if (!(a >= 1.0 && a < 1e15) || a == std::floor(a)) return 0;  // integers: to_chars (it may write 1e+06)
  for (int k = 1; k <= 6; ++k) {
    double scaled = a * kPow10[k];
    if (!(scaled < 1e15)) return 0;
    double m = std::nearbyint(scaled);
    if (m / kPow10[k] != a) continue;
    auto digits = static_cast<uint64_t>(m);
    auto unit = static_cast<uint64_t>(kPow10[k]);
    char* p = buf;
    if (v < 0) *p++ = '-';
    p = std::to_chars(p, buf + 32, digits / unit).ptr;
    *p++ = '.';
    uint64_t fraction = digits % unit;
    for (int d = k - 1; d >= 0; --d, fraction /= 10) p[d] = static_cast<char>('0' + fraction % 10);
    return static_cast<size_t>(p + k - buf);
  }
  return 0;
}

// The first position at or after i whose byte is not plainAscii, or n.
size_t plainRun(const unsigned char* s, size_t i, size_t n) {
#if defined(__x86_64__) || defined(__aarch64__)
  if (i + 16 <= n) {
    for (; i + 16 <= n; i += 16) {
      if (size_t at = firstNotPlain16(s + i); at < 16) return i + at;
    }
    if (i == n) return n;
    // The last 16 bytes, overlapping the step before, which found its bytes
    // plain: so a hit is at or after i.
    return n - 16 + firstNotPlain16(s + n - 16);
  }
#endif
  while (i < n && plainAscii(s[i])) ++i;
  return i;
}

// Length of the well-formed UTF-8 sequence at s[i] (2–4), or 0.
size_t utf8Length(const unsigned char* s, size_t n, size_t i) {
  unsigned char c = s[i];
  auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    unsigned char c1 = s[i + 1];
    if (c == 0xe0 && c1 < 0xa0) return 0;   // overlong
    if (c == 0xed && c1 >= 0xa0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    unsigned char c1 = s[i + 1];
    if (c == 0xf0 && c1 < 0x90) return 0;   // overlong
    if (c == 0xf4 && c1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void appendJsonString(std::string& out, std::string_view str) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* s = reinterpret_cast<const unsigned char*>(str.data());
  size_t n = str.size();
  out.push_back('"');
  size_t i = 0;
  while (i < n) {
    size_t run = plainRun(s, i, n);
    if (run > i) {
      out.append(str.data() + i, run - i);
      i = run;
      if (i == n) break;
    }
    unsigned char c = s[i];
    if (c >= 0x80) {
      size_t len = utf8Length(s, n, i);
      if (len == 0) {
        out += "\xef\xbf\xbd";  // U+FFFD
        ++i;
      } else {
        out.append(str.data() + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
    ++i;
  }
  out.push_back('"');
}

void appendJsonInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

size_t formatDouble(double v, char* buf) {
  if (size_t n = shortDecimal(v, buf)) return n;
  // Shortest round trip, but never a bare integer beyond 2^53: from there
  // to_chars may pick fixed notation ("78886090522101186560"), which readers
  // take for an integer (simdjson refuses it above 2^64, JavaScript loses
  // digits); exponent form keeps it a float everywhere.
  auto r = std::fabs(v) >= 9007199254740992.0 ? std::to_chars(buf, buf + kDoubleTextMax, v, std::chars_format::scientific)
                                              : std::to_chars(buf, buf + kDoubleTextMax, v);
  return static_cast<size_t>(r.ptr - buf);
}

void appendJsonDouble(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[kDoubleTextMax];
  out.append(buf, formatDouble(v, buf));
}

void appendJsonTimestamp(std::string& out, int64_t epochMs) {
  char buf[26];
  size_t n = formatRfc3339(epochMs, buf + 1);
  if (n == 0) {
    out += "null";
    return;
  }
  buf[0] = '"';
  buf[n + 1] = '"';
  out.append(buf, n + 2);
}

}  // namespace flow
