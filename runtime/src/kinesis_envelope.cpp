// The Kinesis envelope fast path (kinesis_envelope.h): a strict, hand-written
// scanner of `{"Records":[{"kinesis":{…,"data":"…",…},"eventSource":…},…],
// <tumbling-window members>}` that needs no JSON parser, so simdjson's
// structural pass never runs over the 4 MB of base64 that make up a q1 event.
//
// What it takes: JSON it validates completely (whitespace, strings, numbers,
// literals, nesting up to kMaxDepth, commas and colons, nothing after the
// root) whose strings are printable ASCII without escapes, in the shape AWS
// writes: the record members of the real events in shared/events/aws (and
// gen_kinesis.py's), each at most once. Everything else — an escape, a
// non-ASCII byte, a member it does not know, a repeated member, a missing
// `kinesis`/`data`/`sequenceNumber`, an `eventSource` other than aws:kinesis,
// a timestamp with an exponent or more than 15 digits, a window time that
// does not parse — makes it give up, and EventDecoder decodes the event from
// the start with simdjson, which produces every error and message as before.
// So on what it takes it produces what the simdjson path does (the
// differential test and the fuzzer check it), and on the rest it is not
// involved. Kinesis `data` is decoded with the same function either way.
//
// Why each piece is exact:
// - Strings with no escape: the raw text between the quotes is the value,
//   which is what the simdjson path reads in place too.
// - approximateArrivalTimestamp: digits ≤ 15 and no exponent, so the value is
//   an integer N < 2^53 over 10^k (k ≤ 15), both exact doubles; one IEEE
//   division is correctly rounded, as simdjson's parse is (it takes this very
//   Clinger fast path for such numbers).
// - `state`: from its '{' to the next structural character after its '}',
//   which is the extent simdjson's object::raw_json() reports (3.0.1).
//
// Measured on a 5000-record gen_kinesis.py event (4.15 MB), handler runtime
// (clang 14 -O2 -march=haswell), AMD EPYC, 2 cores shared, load 1–4.7:
// - flowc_micro_bench CPU-time medians of 5, old and new binaries run
//   interleaved 3 times: BM_EventDecoderKinesis 1.32–1.35 ms (simdjson) →
//   0.69–0.70 ms; BM_Q1Handler 1.96–2.13 → 1.39–1.54 ms.
// - callgrind, 10 decodes after a warm one: 18.6M → 11.9M instructions a
//   decode (2.1M of them base64).
// - A first version without the remembered members (below) ran 16.5M
//   instructions and no faster than simdjson (1.2 ms): perf put the time on
//   the exits of the per-string scan loops and the key dispatch, one
//   data-dependent branch chain per member, 16 members a record.
#include "kinesis_envelope.h"

#include <cstdint>
#include <cstring>

#include "flow/base64.h"
#include "flow/time.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace flow::detail {

std::string_view decodeBase64ToArena(Arena& arena, std::string_view text, Record& rec) {
  char* p = arena.allocate(base64MaxDecodedSize(text.size()) + kPayloadPadding);
  Base64Result r = decodeBase64(text, p);
  if (!r.ok()) {
    char msg[96];
    std::string_view m = describeBase64Error(r, msg, sizeof msg);
    char* q = arena.allocate(m.size());
    std::memcpy(q, m.data(), m.size());
    rec.decodeError = {q, m.size()};
    return {};
  }
  std::memset(p + r.size, 0, kPayloadPadding);
  return {p, r.size};
}

namespace {

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

__attribute__((target("avx2"))) inline const char* stopAvx2(const char* p, const char* end) {
  const __m256i quote = _mm256_set1_epi8('"'), backslash = _mm256_set1_epi8('\\'),
                space = _mm256_set1_epi8(0x20);
  for (; p < end; p += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    __m256i bad = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)),
                                  _mm256_cmpgt_epi8(space, v));
    unsigned bits = static_cast<unsigned>(_mm256_movemask_epi8(bad));
    if (bits != 0) {
      const char* s = p + __builtin_ctz(bits);
      return s < end ? s : end;
    }
  }
  return end;
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

#if defined(__AVX2__)
inline const char* stopBest(const char* p, const char* end) { return stopAvx2(p, end); }
constexpr StringScanImpl kBest = StringScanImpl::Avx2;
#elif defined(__x86_64__)
inline const char* stopBest(const char* p, const char* end) { return stopSse2(p, end); }
constexpr StringScanImpl kBest = StringScanImpl::Sse2;
#elif defined(__aarch64__)
inline const char* stopBest(const char* p, const char* end) { return stopNeon(p, end); }
constexpr StringScanImpl kBest = StringScanImpl::Neon;
#else
inline const char* stopBest(const char* p, const char* end) { return stopScalar(p, end); }
constexpr StringScanImpl kBest = StringScanImpl::Scalar;
#endif

// Whether n bytes at a and b are equal, for the remembered members below:
// a and b lie in the body (b in an earlier record), followed by the padding,
// so 32-byte loads up to 31 bytes past a+n and b+n are in bounds. Inline
// vector compares instead of a memcmp call: measured, the call was 8% of a
// decode (perf, 5000-record event).
#if defined(__x86_64__)
__attribute__((target("avx2"))) inline bool sameBytesAvx2(const char* a, const char* b, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    if (static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, y))) != 0xffffffffu) return false;
  }
  if (i == n) return true;
  __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
  __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
  uint32_t differ = ~static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, y)));
  return (differ & ((1u << (n - i)) - 1)) == 0;  // n - i < 32
}
#endif

inline bool sameBytes(const char* a, const char* b, size_t n) {
#if defined(__AVX2__)
  return sameBytesAvx2(a, b, n);
#else
  return std::memcmp(a, b, n) == 0;
#endif
}

// Nesting allowed inside the values the scanner skips (simdjson allows 1024;
// anything deeper than this is simdjson's to judge).
constexpr int kMaxDepth = 32;

constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Every member function returns false to give up; the position is then
// meaningless.
struct Scanner {
  Scanner(std::string_view body, Arena& a, Batch& b)
      : p(body.data()), end(body.data() + body.size()), arena(a), batch(b) {}

  const char* p;
  const char* end;
  Arena& arena;
  Batch& batch;

  void ws() {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  }
  bool eat(char c) {
    ws();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  bool literal(const char* word, size_t n) {
    if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0) return false;
    p += n;
    return true;
  }

  // At the opening quote: a string of printable ASCII without escapes.
  bool string(std::string_view& out) {
    ws();
    if (p >= end || *p != '"') return false;
    const char* s = p + 1;
    const char* stop = stopBest(s, end);
    if (stop >= end || *stop != '"') return false;
    out = std::string_view(s, static_cast<size_t>(stop - s));
    p = stop + 1;
    return true;
  }

  // RFC 8259's number grammar.
  bool number() {
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

  // `{ "key": <member(key)>, … }`; member() reads the value.
  template <class Member>
  bool object(Member&& member) {
    if (!eat('{')) return false;
    ws();
    if (p < end && *p == '}') {
      ++p;
      return true;
    }
    for (;;) {
      std::string_view key;
      if (!string(key) || !eat(':')) return false;
      ws();
      if (!member(key)) return false;
      ws();
      if (p >= end) return false;
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p != '}') return false;
      ++p;
      return true;
    }
  }

  // Any JSON value, validated and ignored.
  bool skipValue(int depth) {
    ws();
    if (p >= end) return false;
    switch (*p) {
      case '"': {
        std::string_view s;
        return string(s);
      }
      case '{':
        if (depth >= kMaxDepth) return false;
        return object([&](std::string_view) { return skipValue(depth + 1); });
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

  bool boolean(bool& out) {
    ws();
    if (literal("true", 4)) {
      out = true;
      return true;
    }
    if (literal("false", 5)) {
      out = false;
      return true;
    }
    return false;
  }

  // approximateArrivalTimestamp in one pass: -?(0|[1-9]d*)(.d+)?, at most 15
  // digits in all (no exponent: that and longer forms are simdjson's).
  bool epochSecondsMs(int64_t& ms) {
    bool negative = p < end && *p == '-';
    p += negative;
    if (p >= end || !isDigit(*p)) return false;
    uint64_t n = 0;
    int digits = 0, fraction = 0;
    if (*p == '0') {
      ++p;
      digits = 1;
    } else {
      for (; p < end && isDigit(*p); ++p, ++digits) n = n * 10 + static_cast<uint64_t>(*p - '0');
    }
    if (p < end && *p == '.') {
      ++p;
      for (; p < end && isDigit(*p); ++p, ++fraction) n = n * 10 + static_cast<uint64_t>(*p - '0');
      if (fraction == 0) return false;
    }
    if (digits + fraction > 15 || (p < end && (*p == 'e' || *p == 'E'))) return false;
    double v = static_cast<double>(n) / kPow10[fraction];
    return epochSecondsToMs(negative ? -v : v, ms);
  }

  // The members of records and of their `kinesis` objects. AWS writes every
  // record alike: the same members in the same order, and the same values
  // for most of them. So each object remembers, per member position, the
  // previous record's bytes there (a view of this body): when the bytes at
  // the same position are the same key (plus ':' and whitespace), the key is
  // known without scanning it; when they are the whole member again (key and
  // a string value of a member that yields nothing per record, such as
  // "eventName":"aws:kinesis:record"), the member is done. Equal bytes are
  // valid where the previous ones were, and a string value ends at its own
  // quote, so a match decides as much as a scan would. This removes the
  // string scans (and their unpredictable loop exits) the keys and repeated
  // values would cost: profiled, they were most of the scanner's time.
  struct Slot {
    const char* bytes = nullptr;
    uint32_t keyLen = 0;   // `"key":` and the whitespace after it
    uint32_t fullLen = 0;  // the whole member, when it may be skipped by equality (else 0)
    int id = -1;
  };
  static constexpr int kSlots = 12;
  struct Shape {
    Slot slots[kSlots];
  };
  Shape recordShape, kinesisShape;

  // keys: the member names; repeatable: bit i set when member i yields
  // nothing per record (equal bytes may be skipped). member(id) reads the
  // value at p.
  template <size_t N, class Member>
  bool knownObject(Shape& shape, const std::string_view (&keys)[N], unsigned repeatable, Member&& member,
                   unsigned& seen) {
    if (!eat('{')) return false;
    ws();
    if (p < end && *p == '}') {
      ++p;
      return true;
    }
    for (int i = 0;; ++i) {
      Slot* slot = i < kSlots ? &shape.slots[i] : nullptr;
      const char* start = p;
      size_t left = static_cast<size_t>(end - p);
      int id = -1;
      if (slot != nullptr && slot->fullLen != 0 && left >= slot->fullLen &&
          sameBytes(p, slot->bytes, slot->fullLen)) {
        id = slot->id;
        p += slot->fullLen;
        if ((seen >> id) & 1) return false;
        seen |= 1u << id;
      } else {
        if (slot != nullptr && slot->keyLen != 0 && left >= slot->keyLen &&
            sameBytes(p, slot->bytes, slot->keyLen)) {
          id = slot->id;
          p += slot->keyLen;
          ws();
        } else {
          std::string_view key;
          if (!string(key) || !eat(':')) return false;
          ws();
          for (size_t k = 0; k < N; ++k) {
            if (keys[k] == key) id = static_cast<int>(k);
          }
          if (id < 0) return false;
        }
        if ((seen >> id) & 1) return false;
        seen |= 1u << id;
        const char* value = p;
        if (!member(id)) return false;
        if (slot != nullptr) {
          slot->bytes = start;
          slot->keyLen = static_cast<uint32_t>(value - start);
          slot->fullLen = ((repeatable >> id) & 1) && *value == '"' ? static_cast<uint32_t>(p - start) : 0;
          slot->id = id;
        }
      }
      ws();
      if (p >= end) return false;
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p != '}') return false;
      ++p;
      return true;
    }
  }

  static constexpr std::string_view kKinesisKeys[] = {"data", "partitionKey", "sequenceNumber",
                                                      "approximateArrivalTimestamp", "kinesisSchemaVersion",
                                                      "encryptionType"};
  bool kinesis(Record& r) {
    unsigned seen = 0;
    bool ok = knownObject(
        kinesisShape, kKinesisKeys, 0b110000,
        [&](int id) {
          switch (id) {
            case 0: {
              std::string_view text;
              if (!string(text)) return false;
              r.received = text;
              r.payload = decodeBase64ToArena(arena, text, r);
              return true;
            }
            case 1: return string(r.partitionKey);
            case 2: return string(r.id);
            case 3: return epochSecondsMs(r.arrivalMs);
            default: return skipValue(2);
          }
        },
        seen);
    return ok && (seen & 0b101) == 0b101;  // data and sequenceNumber
  }

  static constexpr std::string_view kRecordKeys[] = {"kinesis",   "eventSource",       "eventID",
                                                     "eventVersion", "eventName",     "invokeIdentityArn",
                                                     "awsRegion", "eventSourceARN"};
  bool record(Record& r) {
    unsigned seen = 0;
    bool ok = knownObject(
        recordShape, kRecordKeys, 0b11111010,
        [&](int id) {
          switch (id) {
            case 0: return kinesis(r);
            case 1: {
              std::string_view source;
              return string(source) && source == "aws:kinesis";
            }
            case 2: {
              std::string_view eventId;
              if (!string(eventId)) return false;
              size_t colon = eventId.find(':');
              r.shardId = colon == std::string_view::npos ? eventId : eventId.substr(0, colon);
              return true;
            }
            default: return skipValue(1);
          }
        },
        seen);
    return ok && (seen & 1) != 0;  // kinesis
  }

  bool records() {
    if (!eat('[')) return false;
    ws();
    if (p < end && *p == ']') {
      ++p;
      return true;
    }
    for (;;) {
      if (!record(batch.records.emplace_back())) return false;
      ws();
      if (p >= end) return false;
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p != ']') return false;
      ++p;
      return true;
    }
  }

  bool window() {
    unsigned seen = 0;
    batch.window.present = true;
    return object([&](std::string_view key) {
      unsigned bit = key == "start" ? 1 : key == "end" ? 2 : 0;
      std::string_view text;
      if (bit == 0 || (seen & bit) != 0 || !string(text)) return false;
      seen |= bit;
      return parseRfc3339(text, bit == 1 ? batch.window.startMs : batch.window.endMs);
    });
  }

  bool state() {
    ws();
    if (literal("null", 4)) return true;
    if (p >= end || *p != '{') return false;
    const char* start = p;
    if (!skipValue(1)) return false;
    ws();
    batch.window.stateJson = std::string_view(start, static_cast<size_t>(p - start));
    return true;
  }

  bool event() {
    enum : unsigned { kRecords = 1, kWindow = 2, kState = 4, kShardId = 8, kArn = 16, kFinal = 32, kEarly = 64 };
    unsigned seen = 0;
    bool ok = object([&](std::string_view key) {
      unsigned bit = 0;
      bool good = false;
      if (key == "Records") {
        bit = kRecords;
        good = records();
      } else if (key == "window") {
        bit = kWindow;
        good = window();
      } else if (key == "state") {
        bit = kState;
        good = state();
      } else if (key == "shardId") {
        bit = kShardId;
        good = string(batch.window.shardId);
      } else if (key == "eventSourceARN") {
        bit = kArn;
        good = string(batch.eventSourceArn);
      } else if (key == "isFinalInvokeForWindow") {
        bit = kFinal;
        good = boolean(batch.window.isFinalInvokeForWindow);
      } else if (key == "isWindowTerminatedEarly") {
        bit = kEarly;
        good = boolean(batch.window.isWindowTerminatedEarly);
      } else {
        return false;
      }
      if (!good || (seen & bit) != 0) return false;
      seen |= bit;
      return true;
    });
    if (!ok || (seen & kRecords) == 0) return false;
    ws();
    return p == end;
  }
};

}  // namespace

bool scanKinesisEnvelope(std::string_view body, Arena& arena, Batch& batch) {
  Scanner s(body, arena, batch);
  return s.event();
}

const char* stringStop(const char* p, const char* end, StringScanImpl impl) {
  switch (impl) {
    case StringScanImpl::Scalar: return stopScalar(p, end);
#if defined(__x86_64__)
    case StringScanImpl::Sse2: return stopSse2(p, end);
    case StringScanImpl::Avx2: return stopAvx2(p, end);
#endif
#if defined(__aarch64__)
    case StringScanImpl::Neon: return stopNeon(p, end);
#endif
    default: return stopScalar(p, end);
  }
}

bool stringScanAvailable(StringScanImpl impl) {
  switch (impl) {
    case StringScanImpl::Scalar: return true;
#if defined(__x86_64__)
    case StringScanImpl::Sse2: return true;
    case StringScanImpl::Avx2: return __builtin_cpu_supports("avx2");
#endif
#if defined(__aarch64__)
    case StringScanImpl::Neon: return true;
#endif
    default: return false;
  }
}

StringScanImpl stringScanUsed() { return kBest; }

bool sameBytes(const char* a, const char* b, size_t n, StringScanImpl impl) {
#if defined(__x86_64__)
  if (impl == StringScanImpl::Avx2) return sameBytesAvx2(a, b, n);
#endif
  return impl == StringScanImpl::Scalar ? std::memcmp(a, b, n) == 0 : sameBytes(a, b, n);
}

}  // namespace flow::detail
