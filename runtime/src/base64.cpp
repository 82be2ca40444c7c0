// Strict base64 decoding (flow/base64.h).
//
// Scalar: four 256-entry tables hold each symbol's 6 bits already shifted to
// its place in the 24-bit group, so a group is four loads and three ORs; an
// invalid byte maps to a value with bit 24+ set, so one compare per group
// catches any bad byte in it.
//
// SIMD (the vector lookup of Muła and Lemire, "Faster Base64 Encoding and
// Decoding Using AVX2 Instructions", ACM TWEB 2018; written from the paper's
// description): each byte's high and low nibbles index two 16-entry bit-mask
// tables whose AND is non-zero exactly for bytes outside the alphabet; a third
// table indexed by the high nibble (minus one for '/') gives the offset that
// turns a symbol into its 6-bit value; multiply-adds then pack 4×6 bits into
// 3 bytes. AVX2 does 32 symbols a step (then 16 with SSSE3), NEON 64 (then
// 32) with vld4/vst3 de/interleaving. AVX-512 VBMI looks each symbol up in a
// 128-entry table instead (below) and does 64 a step, then one masked step.
//
// Identical results by construction: a vector step only ever handles a block
// of whole 4-symbol groups that lies before the last group and holds
// alphabet symbols only, where the scalar decoder writes the very same bytes.
// The first block with anything else (a bad byte, '=') and every byte after
// it go through the scalar decoder, which therefore finds and reports every
// error itself, with the same offset. runtime_base64_test checks every
// implementation the CPU runs differentially (every length 0..200, every bad
// byte at every position).
//
// Measured (build machine: AMD EPYC, 2 cores shared with other work, load
// 6–12; flowc_micro_bench CPU time, clang 14 -O2 -march=haswell, medians of
// 3–5, scalar and AVX2 builds interleaved): the 5000 Kinesis records of a q1
// event (~340 symbols each) 0.53–0.74 ms scalar → 0.14–0.19 ms AVX2
// (BM_Base64DecodeRecords, ~1.9 → ~7–9 GB/s); one 1 MiB buffer 0.30–0.44 ms →
// 0.06 ms (~16 GB/s). NEON is checked for equality under qemu, not timed.
// AVX-512 VBMI (same machine, Zen 4; November 2026, clang 14 -O2
// -march=haswell, medians of 3–5): the same 5000 records 102 µs AVX2 → 73–76
// µs (13 → 18 GB/s), the 1 MiB buffer 30 µs; BM_Q1Handler, old and new
// binaries run interleaved 3 times: 0.92–1.00 → 0.85–0.95 ms (BM_Q2Handler
// within noise). The vector path is chosen once, at the first decode: AVX-512
// VBMI when the CPU has it (target attributes: handlers are built for
// Haswell), else AVX2 (compiled in for handlers, -march=haswell; checked at
// run time in other x86-64 builds: the host tree's unit tests, the fuzzer),
// NEON on aarch64 (baseline).
#include "flow/base64.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define FLOW_BASE64_X86 1
#elif defined(__aarch64__)
#include <arm_neon.h>
#define FLOW_BASE64_NEON 1
#endif

namespace flow {
namespace {

constexpr uint32_t kBad = 0x01000000;

constexpr int symbolValue(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

constexpr std::array<uint32_t, 256> makeTable(int shift) {
  std::array<uint32_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    int v = symbolValue(static_cast<unsigned char>(c));
    t[c] = v < 0 ? kBad : static_cast<uint32_t>(v) << shift;
  }
  return t;
}

constexpr auto kD0 = makeTable(18);
constexpr auto kD1 = makeTable(12);
constexpr auto kD2 = makeTable(6);
constexpr auto kD3 = makeTable(0);

// The first byte of a group that is not a base64 symbol (the group is known bad).
size_t firstBadInGroup(const unsigned char* g, size_t groupOffset) {
  for (size_t k = 0; k < 4; ++k) {
    if (symbolValue(g[k]) < 0) return groupOffset + k;
  }
  return groupOffset;
}

Base64Result fail(Base64Error e, size_t offset) {
  Base64Result r;
  r.error = e;
  r.errorOffset = offset;
  return r;
}

// The checks that come before any decoding: empty input, a length that is
// not a multiple of 4. Returns true when `r` is the whole answer.
bool precheck(const unsigned char* s, size_t n, Base64Result& r) {
  if (n == 0) {
    r = {};
    return true;
  }
  if (n % 4 != 0) {
    // Report a bad character before the length when there is one: it is the
    // more useful message for text that is not base64 at all.
    for (size_t i = 0; i < n; ++i) {
      if (symbolValue(s[i]) < 0 && s[i] != '=') {
        r = fail(Base64Error::BadCharacter, i);
        return true;
      }
    }
    r = fail(Base64Error::BadLength, n);
    return true;
  }
  return false;
}

// The scalar decoder from input offset `i` (a multiple of 4) on, with `o`
// where the bytes of that group go; `out` is the start of the output.
Base64Result decodeScalarFrom(const unsigned char* s, size_t n, size_t i, unsigned char* o, unsigned char* out) {
  size_t lastGroup = n - 4;  // the last group may hold padding
  for (; i < lastGroup; i += 4) {
    uint32_t x = kD0[s[i]] | kD1[s[i + 1]] | kD2[s[i + 2]] | kD3[s[i + 3]];
    if (x >= kBad) {
      for (size_t k = 0; k < 4; ++k) {
        if (s[i + k] == '=') return fail(Base64Error::BadPadding, i + k);
      }
      return fail(Base64Error::BadCharacter, firstBadInGroup(s + i, i));
    }
    o[0] = static_cast<unsigned char>(x >> 16);
    o[1] = static_cast<unsigned char>(x >> 8);
    o[2] = static_cast<unsigned char>(x);
    o += 3;
  }
  // The last group: "xxxx", "xxx=" or "xx==". Most records end in a valid
  // one of the three, which one depending on the record's length: decided
  // without a branch on it ('=' counts as 0 where it may stand; the output's
  // three bytes are written whatever the padding), and one test says
  // whether the group is valid and canonical. Anything else is judged by
  // the exact code below. Measured (perf, q1's handler in process): the
  // branchy version was 5% of the handler, mostly mispredicted branches.
  const unsigned char* g = s + i;
  {
    const bool pad3 = g[3] == '=', pad2 = pad3 && g[2] == '=';
    uint32_t x = kD0[g[0]] | kD1[g[1]] | (pad2 ? 0u : kD2[g[2]]) | (pad3 ? 0u : kD3[g[3]]);
    uint32_t leftover = pad2 ? (x & 0xffffu) : pad3 ? (x & 0xffu) : 0u;
    if (x < kBad && leftover == 0) [[likely]] {
      o[0] = static_cast<unsigned char>(x >> 16);
      o[1] = static_cast<unsigned char>(x >> 8);
      o[2] = static_cast<unsigned char>(x);
      Base64Result r;
      r.size = static_cast<size_t>(o - out) + 3 - static_cast<size_t>(pad3) - static_cast<size_t>(pad2);
      return r;
    }
  }
  size_t symbols = 4;
  if (g[3] == '=') symbols = (g[2] == '=') ? 2 : 3;
  for (size_t k = 0; k < symbols; ++k) {
    if (g[k] == '=') return fail(Base64Error::BadPadding, i + k);
    if (symbolValue(g[k]) < 0) return fail(Base64Error::BadCharacter, i + k);
  }
  uint32_t x = kD0[g[0]] | kD1[g[1]];
  if (symbols >= 3) x |= kD2[g[2]];
  if (symbols == 4) x |= kD3[g[3]];
  o[0] = static_cast<unsigned char>(x >> 16);
  if (symbols >= 3) o[1] = static_cast<unsigned char>(x >> 8);
  if (symbols == 4) o[2] = static_cast<unsigned char>(x);
  // Bits past the last whole byte must be zero (the canonical encoding).
  if ((symbols == 2 && (x & 0xffff) != 0) || (symbols == 3 && (x & 0xff) != 0)) {
    return fail(Base64Error::NonCanonical, i + symbols - 1);
  }
  Base64Result r;
  r.size = static_cast<size_t>(o - out) + (symbols - 1);
  return r;
}

#if FLOW_BASE64_X86
// The three 16-entry tables (see the file comment), for both 128-bit lanes.
// lo: a bit per high-nibble class that is invalid with this low nibble, plus
//     0x10 everywhere (the classes 0, 1, 8–F hold no symbol at all);
// hi: the class bit of each high nibble (4 and 6 share one, as do 5 and 7);
// roll: value − symbol, indexed by the high nibble, '/' one lower (index 1).
#define FLOW_B64_LUT_LO \
  0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A
#define FLOW_B64_LUT_HI \
  0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10
#define FLOW_B64_LUT_ROLL 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0
#define FLOW_B64_PACK 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1
// The multiply-adds that pack four 6-bit values into 24 bits (AVX2, AVX-512).
constexpr int kMergePairs = 0x01400140;  // a·64 + b per byte pair
constexpr int kMergeWords = 0x00011000;  // ab·4096 + cd per word pair

__attribute__((target("avx2"))) size_t decodeBlocksAvx2(const unsigned char* s, size_t limit, unsigned char*& o) {
  const __m256i lutLo = _mm256_setr_epi8(FLOW_B64_LUT_LO, FLOW_B64_LUT_LO);
  const __m256i lutHi = _mm256_setr_epi8(FLOW_B64_LUT_HI, FLOW_B64_LUT_HI);
  const __m256i lutRoll = _mm256_setr_epi8(FLOW_B64_LUT_ROLL, FLOW_B64_LUT_ROLL);
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i slash = _mm256_set1_epi8('/');
  const __m256i merge1 = _mm256_set1_epi32(kMergePairs);
  const __m256i merge2 = _mm256_set1_epi32(kMergeWords);
  const __m256i pack = _mm256_setr_epi8(FLOW_B64_PACK, FLOW_B64_PACK);
  const __m256i gather = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
  size_t i = 0;
  for (; i + 32 <= limit; i += 32) {
    __m256i in = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    __m256i hi = _mm256_and_si256(_mm256_srli_epi32(in, 4), nibble);
    __m256i lo = _mm256_and_si256(in, nibble);
    __m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(lutLo, lo), _mm256_shuffle_epi8(lutHi, hi));
    if (!_mm256_testz_si256(bad, bad)) break;
    __m256i roll = _mm256_shuffle_epi8(lutRoll, _mm256_add_epi8(_mm256_cmpeq_epi8(in, slash), hi));
    __m256i v = _mm256_add_epi8(in, roll);
    __m256i words = _mm256_madd_epi16(_mm256_maddubs_epi16(v, merge1), merge2);
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(words, pack), gather);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm256_castsi256_si128(bytes));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(o + 16), _mm256_extracti128_si256(bytes, 1));
    o += 24;
  }
  // 16 more when there is room: records are short, so tails matter.
  if (i + 16 <= limit) {
    __m128i in = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i hi = _mm_and_si128(_mm_srli_epi32(in, 4), _mm256_castsi256_si128(nibble));
    __m128i lo = _mm_and_si128(in, _mm256_castsi256_si128(nibble));
    __m128i bad = _mm_and_si128(_mm_shuffle_epi8(_mm256_castsi256_si128(lutLo), lo),
                                _mm_shuffle_epi8(_mm256_castsi256_si128(lutHi), hi));
    if (_mm_testz_si128(bad, bad)) {
      __m128i roll = _mm_shuffle_epi8(_mm256_castsi256_si128(lutRoll),
                                      _mm_add_epi8(_mm_cmpeq_epi8(in, _mm256_castsi256_si128(slash)), hi));
      __m128i v = _mm_add_epi8(in, roll);
      __m128i words = _mm_madd_epi16(_mm_maddubs_epi16(v, _mm256_castsi256_si128(merge1)),
                                     _mm256_castsi256_si128(merge2));
      __m128i bytes = _mm_shuffle_epi8(words, _mm256_castsi256_si128(pack));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(o), bytes);
      uint32_t last = static_cast<uint32_t>(_mm_extract_epi32(bytes, 2));
      std::memcpy(o + 8, &last, 4);
      o += 12;
      i += 16;
    }
  }
  return i;
}

// AVX-512 VBMI (Ice Lake and later, Zen 4): 64 symbols a step. One vpermi2b
// looks each byte up in a 128-entry table (its value, 0x80 outside the
// alphabet; a byte >= 0x80 has that bit itself), the same multiply-adds pack
// 4x6 bits, one vpermb gathers the 48 bytes. The blocks before the last group
// that are not a whole 64 go through one masked step (lanes past them read
// as 'A'), so the scalar decoder only sees the last group, or a bad block.
#define FLOW_B64_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi")))
struct Avx512Tables {
  __m512i lut0, lut1, gather;
};

// One block: false (nothing written) when a byte is outside the alphabet.
FLOW_B64_AVX512 inline bool avx512Step(const Avx512Tables& t, __m512i in, __mmask64 storeMask, unsigned char* o) {
  __m512i v = _mm512_permutex2var_epi8(t.lut0, in, t.lut1);
  if (_mm512_movepi8_mask(_mm512_or_si512(in, v)) != 0) return false;
  __m512i words = _mm512_madd_epi16(_mm512_maddubs_epi16(v, _mm512_set1_epi32(kMergePairs)), _mm512_set1_epi32(kMergeWords));
  _mm512_mask_storeu_epi8(o, storeMask, _mm512_permutexvar_epi8(t.gather, words));
  return true;
}

FLOW_B64_AVX512 size_t decodeBlocksAvx512(const unsigned char* s, size_t limit, unsigned char*& o) {
  alignas(64) static constexpr auto kValues = [] {
    std::array<unsigned char, 128> t{};
    for (int c = 0; c < 128; ++c) {
      int v = symbolValue(static_cast<unsigned char>(c));
      t[c] = static_cast<unsigned char>(v < 0 ? 0x80 : v);
    }
    return t;
  }();
  alignas(64) static constexpr auto kGather = [] {
    std::array<unsigned char, 64> t{};
    for (int j = 0; j < 48; ++j) t[j] = static_cast<unsigned char>(4 * (j / 3) + 2 - j % 3);
    return t;
  }();
  const Avx512Tables t{_mm512_load_si512(kValues.data()), _mm512_load_si512(kValues.data() + 64),
                       _mm512_load_si512(kGather.data())};
  size_t i = 0;
  for (; i + 64 <= limit; i += 64) {
    if (!avx512Step(t, _mm512_loadu_si512(s + i), 0x0000ffffffffffffull, o)) return i;
    o += 48;
  }
  size_t rest = limit - i;  // a multiple of 4, < 64
  if (rest != 0) {
    __mmask64 in = (__mmask64{1} << rest) - 1;
    if (avx512Step(t, _mm512_mask_loadu_epi8(_mm512_set1_epi8('A'), in, s + i), (__mmask64{1} << (rest / 4 * 3)) - 1, o)) {
      o += rest / 4 * 3;
      i += rest;
    }
  }
  return i;
}

bool cpuHasAvx512Vbmi() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vbmi");
  return has;
}

bool cpuHasAvx2() {
#if defined(__AVX2__)
  return true;  // the build requires it
#else
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#endif
}
#endif  // FLOW_BASE64_X86

#if FLOW_BASE64_NEON
struct NeonTables {
  uint8x16_t lo, hi, roll, nibble, slash;
};

inline NeonTables neonTables() {
  static const uint8_t lo[16] = {0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A};
  static const uint8_t hi[16] = {0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
                                 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10};
  static const int8_t roll[16] = {0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0};
  return {vld1q_u8(lo), vld1q_u8(hi), vreinterpretq_u8_s8(vld1q_s8(roll)), vdupq_n_u8(0x0f), vdupq_n_u8('/')};
}

// Non-zero lanes: bytes outside the alphabet. `v` becomes the 6-bit values.
inline uint8x16_t neonTranslate(const NeonTables& t, uint8x16_t& v) {
  uint8x16_t hi = vshrq_n_u8(v, 4);
  uint8x16_t lo = vandq_u8(v, t.nibble);
  uint8x16_t bad = vandq_u8(vqtbl1q_u8(t.lo, lo), vqtbl1q_u8(t.hi, hi));
  // cmpeq gives 0xff for '/': hi − 1 (mod 256) selects its roll.
  uint8x16_t roll = vqtbl1q_u8(t.roll, vaddq_u8(vceqq_u8(v, t.slash), hi));
  v = vaddq_u8(v, roll);
  return bad;
}

inline uint8x8_t neonTranslate8(const NeonTables& t, uint8x8_t& v) {
  uint8x8_t hi = vshr_n_u8(v, 4);
  uint8x8_t lo = vand_u8(v, vget_low_u8(t.nibble));
  uint8x8_t bad = vand_u8(vqtbl1_u8(t.lo, lo), vqtbl1_u8(t.hi, hi));
  uint8x8_t roll = vqtbl1_u8(t.roll, vadd_u8(vceq_u8(v, vget_low_u8(t.slash)), hi));
  v = vadd_u8(v, roll);
  return bad;
}

size_t decodeBlocksNeon(const unsigned char* s, size_t limit, unsigned char*& o) {
  const NeonTables t = neonTables();
  size_t i = 0;
  for (; i + 64 <= limit; i += 64) {
    uint8x16x4_t in = vld4q_u8(s + i);  // in.val[k]: symbol k of 16 groups
    uint8x16_t bad = vorrq_u8(vorrq_u8(neonTranslate(t, in.val[0]), neonTranslate(t, in.val[1])),
                              vorrq_u8(neonTranslate(t, in.val[2]), neonTranslate(t, in.val[3])));
    if (vmaxvq_u8(bad) != 0) break;
    uint8x16x3_t out;
    out.val[0] = vorrq_u8(vshlq_n_u8(in.val[0], 2), vshrq_n_u8(in.val[1], 4));
    out.val[1] = vorrq_u8(vshlq_n_u8(in.val[1], 4), vshrq_n_u8(in.val[2], 2));
    out.val[2] = vorrq_u8(vshlq_n_u8(in.val[2], 6), in.val[3]);
    vst3q_u8(o, out);
    o += 48;
  }
  if (i + 32 <= limit) {
    uint8x8x4_t in = vld4_u8(s + i);
    uint8x8_t bad = vorr_u8(vorr_u8(neonTranslate8(t, in.val[0]), neonTranslate8(t, in.val[1])),
                            vorr_u8(neonTranslate8(t, in.val[2]), neonTranslate8(t, in.val[3])));
    if (vmaxv_u8(bad) == 0) {
      uint8x8x3_t out;
      out.val[0] = vorr_u8(vshl_n_u8(in.val[0], 2), vshr_n_u8(in.val[1], 4));
      out.val[1] = vorr_u8(vshl_n_u8(in.val[1], 4), vshr_n_u8(in.val[2], 2));
      out.val[2] = vorr_u8(vshl_n_u8(in.val[2], 6), in.val[3]);
      vst3_u8(o, out);
      o += 24;
      i += 32;
    }
  }
  return i;
}
#endif  // FLOW_BASE64_NEON

}  // namespace

namespace detail {

Base64Result decodeBase64Scalar(std::string_view in, char* out) { return decodeBase64With(Base64Impl::Scalar, in, out); }

bool base64Available(Base64Impl impl) {
  switch (impl) {
    case Base64Impl::Scalar: return true;
#if FLOW_BASE64_X86
    case Base64Impl::Avx2: return cpuHasAvx2();
    case Base64Impl::Avx512Vbmi: return cpuHasAvx512Vbmi();
#elif FLOW_BASE64_NEON
    case Base64Impl::Neon: return true;
#endif
    default: return false;
  }
}

Base64Impl base64Used() {
#if FLOW_BASE64_X86
  return cpuHasAvx512Vbmi() ? Base64Impl::Avx512Vbmi : cpuHasAvx2() ? Base64Impl::Avx2 : Base64Impl::Scalar;
#elif FLOW_BASE64_NEON
  return Base64Impl::Neon;
#else
  return Base64Impl::Scalar;
#endif
}

const char* base64Name(Base64Impl impl) {
  switch (impl) {
    case Base64Impl::Scalar: return "scalar";
    case Base64Impl::Avx2: return "avx2";
    case Base64Impl::Avx512Vbmi: return "avx512vbmi";
    case Base64Impl::Neon: return "neon";
  }
  return "?";
}

Base64Result decodeBase64With(Base64Impl impl, std::string_view in, char* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  size_t n = in.size();
  Base64Result r;
  if (precheck(s, n, r)) return r;
  auto* start = reinterpret_cast<unsigned char*>(out);
  unsigned char* o = start;
  size_t done = 0;
  switch (impl) {
#if FLOW_BASE64_X86
    case Base64Impl::Avx2: done = decodeBlocksAvx2(s, n - 4, o); break;
    case Base64Impl::Avx512Vbmi: done = decodeBlocksAvx512(s, n - 4, o); break;
#elif FLOW_BASE64_NEON
    case Base64Impl::Neon: done = decodeBlocksNeon(s, n - 4, o); break;
#endif
    default: break;
  }
  return decodeScalarFrom(s, n, done, o, start);
}

}  // namespace detail

Base64Result decodeBase64(std::string_view in, char* out) {
  static const detail::Base64Impl used = detail::base64Used();
  return detail::decodeBase64With(used, in, out);
}

std::string_view describeBase64Error(const Base64Result& r, char* buf, size_t bufSize) {
  const char* what = "";
  switch (r.error) {
    case Base64Error::None: return "";
    case Base64Error::BadLength: what = "length is not a multiple of 4 at offset"; break;
    case Base64Error::BadCharacter: what = "bad character at offset"; break;
    case Base64Error::BadPadding: what = "misplaced '=' at offset"; break;
    case Base64Error::NonCanonical: what = "non-zero padding bits at offset"; break;
  }
  int n = std::snprintf(buf, bufSize, "invalid base64: %s %zu", what, r.errorOffset);
  if (n < 0) return "";
  return std::string_view(buf, static_cast<size_t>(n) < bufSize ? static_cast<size_t>(n) : bufSize - 1);
}

}  // namespace flow
