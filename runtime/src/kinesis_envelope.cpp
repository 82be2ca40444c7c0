// The Kinesis envelope fast path (kinesis_envelope.h): a strict, hand-written
// scanner of `{"Records":[{"kinesis":{…,"data":"…",…},"eventSource":…},…],
// <tumbling-window members>}` that needs no JSON parser, so simdjson's
// structural pass never runs over the 4 MB of base64 that make up a q1 event.
//
// What it takes: JSON it validates completely (whitespace, strings, numbers,
// literals, nesting up to scan::kMaxDepth, commas and colons, nothing after the
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
//   The common form ([1-9]d*(.d+)?) is parsed a word at a time
//   (plainDecimal): the same N and k from the same digits, so the same value.
// - `state`: from its '{' to the next structural character after its '}',
//   which is the extent simdjson's object::raw_json() reports (3.0.1).
// - Records after the first: read by the previous record's template when
//   they match it (recordByTemplate; the argument is there), else by their
//   members, as the first one.
// - A body still arriving (Invocation::arriving): each step (a record, a
//   member of the event) is read from what has arrived, whose end is `end`
//   with zeros after it; one that does not read is read again from its
//   start once more has come, until the body is all there. A step that
//   reads has read nothing past `end` that decided anything (every such
//   read is checked against `end`) and is followed by its separator, so it
//   reads as in the whole body. The differential test cuts events at every
//   byte, with decoy bytes past the zeros.
//   The scan takes in what has arrived every 32 KiB (takeArrived), which
//   keeps the sender sending. Measured in the benchmark (4.15 MB events,
//   loopback Runtime API): the decode ends 10–130 µs after the last byte
//   arrives, where it took ~0.3 ms after it before; q1's and q2's handler
//   work fell by 0–60% (medians of four runs, 0.33–0.94 ms against
//   0.53–1.19), their CPU time unchanged. That was on a paced transport
//   (the server under BBR); on an unpaced one (cubic) streaming or not
//   gives the same work (docs/runtime.md).
//
// Measured on a 5000-record gen_kinesis.py event (4.15 MB), handler runtime
// (clang 14 -O2 -march=haswell), AMD EPYC, 2 cores shared, load 1–4.7:
// - flowc_micro_bench CPU-time medians of 5, old and new binaries run
//   interleaved 3 times: BM_EventDecoderKinesis 1.32–1.35 ms (simdjson) →
//   0.69–0.70 ms; BM_Q1Handler 1.96–2.13 → 1.39–1.54 ms.
// - callgrind, 10 decodes after a warm one: 18.6M → 11.9M instructions a
//   decode (2.1M of them base64).
// - Session 3 (the template, the word-at-a-time timestamps and shard ids,
//   the whitespace check, 64-byte string steps, mask-free compare tails),
//   same event and flags, load 3–3.9, old and new binaries from one tree run
//   interleaved 3 times, CPU medians of 5: BM_EventDecoderKinesis
//   0.76–1.05 → 0.50–0.66 ms; BM_Q1Handler 1.13–1.61 → 0.94–0.96 ms.
//   callgrind (standalone harness, per decode): 11.97M → 6.92M instructions,
//   base64 2.2M of them unchanged (~2400 → ~1380 a record, base64
//   included): per record the template path compares 6 runs of constant
//   bytes and reads 5 fields. Not done: data
//   decoded while its end is found (would save the ~130-instruction data
//   scan, but needs the decoded size before the end is known: a scratch
//   copy or an arena change); predicted string lengths (checking a
//   predicted length costs the same vector pass as the scan).
// - A first version without the remembered members (below) ran 16.5M
//   instructions and no faster than simdjson (1.2 ms): perf put the time on
//   the exits of the per-string scan loops and the key dispatch, one
//   data-dependent branch chain per member, 16 members a record.
#include "kinesis_envelope.h"

#include <cstdint>
#include <cstring>

#include "flow/base64.h"
#include "flow/record_scan.h"
#include "flow/time.h"

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

// The string kernels (one per instruction set) and the byte compare are
// flow/record_scan.h's, shared with the generated decoders' fast path.
using scan::isDigit;
using scan::kPow10;
using scan::sameBytes;
using scan::stopScalar;
#if defined(__x86_64__)
using scan::sameBytesAvx2;
using scan::stopAvx2;
using scan::stopSse2;
#endif
#if defined(__aarch64__)
using scan::stopNeon;
#endif

inline const char* stopBest(const char* p, const char* end) { return scan::stopString(p, end); }
#if defined(__AVX2__)
constexpr StringScanImpl kBest = StringScanImpl::Avx2;
#elif defined(__x86_64__)
constexpr StringScanImpl kBest = StringScanImpl::Sse2;
#elif defined(__aarch64__)
constexpr StringScanImpl kBest = StringScanImpl::Neon;
#else
constexpr StringScanImpl kBest = StringScanImpl::Scalar;
#endif

constexpr int64_t kPow10Int[] = {1,          10,          100,          1000,          10000,          100000,
                                  1000000,    10000000,    100000000,    1000000000,    10000000000,    100000000000,
                                  1000000000000, 10000000000000, 100000000000000, 1000000000000000};

// Digit parsing a word at a time (flow/record_scan.h's load64, nonDigits,
// digitRun, digitsValue), for the timestamps: the byte loop's exit was
// unpredictable (their length varies), and it was ~9% of a decode's
// instructions.
using scan::digitRun;
using scan::digitsValue;
using scan::load64;

// [1-9]d*(.d+)? with at most 15 digits in all, ending before `end`, and not
// followed by an exponent: its digits before and after the point, and where
// it ends. false for anything else. Reads up to 32 bytes from p (the padding
// covers it).
inline bool plainDecimalShape(const char* p, const char* end, int& whole, int& frac, const char*& after) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (*p < '1' || *p > '9') return false;
  whole = digitRun(p);
  if (whole > 15) return false;
  after = p + whole;
  frac = 0;
  if (*after == '.') {
    frac = digitRun(after + 1);
    if (frac == 0 || whole + frac > 15) return false;
    after += 1 + frac;
  }
  return after < end && *after != 'e' && *after != 'E';
#else
  (void)p, (void)end, (void)whole, (void)frac, (void)after;
  return false;
#endif
}

// plainDecimalShape's number: N (all the digits as one integer) and k (the
// fraction digits), p moved past it. false (p unmoved) for anything else,
// which the byte loop then judges: it reads the same N and k from the same
// text, digit by digit.
inline bool plainDecimal(const char*& p, const char* end, uint64_t& n, int& fraction) {
  int whole = 0, frac = 0;
  const char* after = nullptr;
  if (!plainDecimalShape(p, end, whole, frac, after)) return false;
  uint64_t value = digitsValue(p, whole);
  if (frac != 0) value = value * static_cast<uint64_t>(kPow10Int[frac]) + digitsValue(p + whole + 1, frac);
  n = value;
  fraction = frac;
  p = after;
  return true;
}

// The length of the shard id at the front of an eventID (up to its first
// ':', all of it when there is none): a word at a time, with no call.
inline size_t shardIdLength(std::string_view id) {
  size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // The classic zero-byte test on id ^ ':': its lowest set bit marks the
  // first ':' exactly (false hits only ever follow a true one). The id lies
  // in the body, so 8-byte loads past its end stay in the padding.
  for (; i < id.size(); i += 8) {
    uint64_t x = load64(id.data() + i) ^ 0x3a3a3a3a3a3a3a3aull;
    uint64_t hit = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
    if (hit != 0) {
      size_t at = i + (__builtin_ctzll(hit) >> 3);
      return at < id.size() ? at : id.size();
    }
  }
  return id.size();
#else
  for (; i < id.size() && id[i] != ':'; ++i) {
  }
  return i;
#endif
}

// Every member function returns false to give up; the position is then
// meaningless.
struct Scanner {
  Scanner(std::string_view body, Arena& a, Batch& b, KinesisMetadataRead r, BodyStream* s)
      : base(body.data()),
        p(body.data()),
        end(body.data() + (s != nullptr ? s->received() : body.size())),
        full(body.data() + body.size()),
        arena(a),
        batch(b),
        read(r),
        arriving(s) {}

  const char* base;  // the body
  const char* p;
  const char* end;   // of what has arrived (followed by kBodyPadding zero bytes)
  const char* full;  // of the body
  Arena& arena;
  Batch& batch;
  KinesisMetadataRead read;  // the metadata whose values are kept
  BodyStream* arriving;      // null: the body is all there
  bool lost = false;         // the body stopped arriving

  // More of the body: false when it is all there or stopped arriving.
  bool grow() {
    if (end == full || lost) return false;
    return took(arriving->receiveMore());
  }

  // After a receive: `end` moves to what has arrived, or the body is lost.
  bool took(bool received) {
    if (!received) {
      lost = true;
      return false;
    }
    end = base + arriving->received();
    return true;
  }

  // What has arrived since the last receive, without waiting for more (see
  // BodyStream::receiveArrived): every kPollBytes of records. Measured in
  // the benchmark (one run, q1 and q2 built twice, one of each reading the
  // whole body first): with it, handler work 0.33–0.94 ms against
  // 0.53–1.19 without streaming; reading only when the scanner ran dry
  // gave 0.73–0.95 against 0.81–1.10. Every ~13 KiB did no better, every
  // ~106 KiB worse.
  static constexpr ptrdiff_t kPollBytes = 32 * 1024;
  const char* polled = base;
  bool takeArrived() {
    polled = p;
    return end == full || took(arriving->receiveArrived());
  }

  // The rest of the body: false when it stopped arriving.
  bool receiveRest() {
    while (grow()) {
    }
    return !lost;
  }

  void ws() { scan::skipSpace(p, end); }
  bool eat(char c) {
    ws();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  bool literal(const char* word, size_t n) { return scan::skipLiteral(p, end, word, n); }

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

  // After a member or an element: 1 at ',' (consumed: another follows), 0
  // at `close` (consumed: the container ends), -1 at anything else.
  int separator(char close) {
    ws();
    if (p >= end) return -1;
    if (*p == ',') {
      ++p;
      return 1;
    }
    if (*p != close) return -1;
    ++p;
    return 0;
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
      int more = separator('}');
      if (more > 0) continue;
      return more == 0;
    }
  }

  // Any JSON value, validated and ignored: the record scanner's walk
  // (flow/record_scan.h), which takes the same grammar, the same strings
  // and the same depth (scan::kMaxDepth). Only members no record field
  // comes from, and `state`, are skipped: not the template's path.
  bool skipValue(int depth) {
    ws();
    scan::Cursor c(std::string_view(p, static_cast<size_t>(end - p)));
    bool ok = c.skipValue(depth);
    p = c.p;
    return ok;
  }

  bool boolean(bool& out) {
    ws();
    return scan::readBoolean(p, end, out);
  }

  // approximateArrivalTimestamp: -?(0|[1-9]d*)(.d+)?, at most 15 digits in
  // all (no exponent: that and longer forms are simdjson's). The common
  // form ([1-9]d*(.d+)?, ending inside the body) takes the branch-free
  // digit parse below, which computes the same N and k; anything else takes
  // the byte loop, which decides as before.
  bool epochSecondsMs(int64_t& ms) {
    uint64_t n = 0;
    int fraction = 0;
    if (plainDecimal(p, end, n, fraction)) {
      double v = static_cast<double>(n) / kPow10[fraction];
      return epochSecondsToMs(v, ms);
    }
    return epochSecondsMsLoop(ms);
  }

  // An arrival time nobody reads: accepted exactly when epochSecondsMs
  // accepts it, without the conversion where the text alone decides. The
  // common form with at most 12 digits before the point is below 10^12
  // seconds, whose milliseconds epochSecondsToMs always takes (it refuses
  // only beyond 2^53); anything else is converted and judged as usual.
  // Measured with the shard id's skip below (callgrind, q1's handler): the
  // envelope went from 862 to 726 instructions a record.
  bool epochSecondsChecked() {
    int whole = 0, frac = 0;
    const char* after = nullptr;
    if (plainDecimalShape(p, end, whole, frac, after) && whole <= 12) {
      p = after;
      return true;
    }
    int64_t unused = 0;
    return epochSecondsMs(unused);
  }

  bool epochSecondsMsLoop(int64_t& ms) {
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
      int more = separator('}');
      if (more > 0) continue;
      return more == 0;
    }
  }

  static constexpr std::string_view kKinesisKeys[] = {"data", "partitionKey", "sequenceNumber",
                                                      "approximateArrivalTimestamp", "kinesisSchemaVersion",
                                                      "encryptionType"};
  // The values a record yields, each read by one function whichever way
  // the record is scanned (by its members, or by the template below).
  enum Field : uint8_t { kData, kPartitionKey, kSequenceNumber, kArrival, kEventId };

  __attribute__((always_inline)) bool field(Field f, Record& r) {
    switch (f) {
      case kData: {
        std::string_view text;
        if (!string(text)) return false;
        r.received = text;
        r.payload = decodeBase64ToArena(arena, text, r);
        return true;
      }
      case kPartitionKey: return string(r.partitionKey);
      case kSequenceNumber: return string(r.id);
      case kArrival: return read.arrivalTime ? epochSecondsMs(r.arrivalMs) : epochSecondsChecked();
      case kEventId: {
        std::string_view eventId;
        if (!string(eventId)) return false;
        if (read.shardId) r.shardId = eventId.substr(0, shardIdLength(eventId));
        return true;
      }
    }
    return false;
  }

  // Where the fields of the record being scanned by its members lie: the
  // template of the next one.
  struct Hole {
    uint32_t begin, end;  // offsets from the record's '{'
    Field field;
  };
  static constexpr int kMaxHoles = 5;  // each field once
  struct Template {
    const char* bytes = nullptr;  // the record it was taken from ({} included)
    uint32_t size = 0;
    int holes = 0;
    Hole hole[kMaxHoles];
  };
  Template building, current;
  const char* recordStart = nullptr;

  // A field read by the member path, noted for the template.
  bool heldField(Field f, Record& r) {
    const char* value = p;
    if (!field(f, r)) return false;
    if (building.holes < kMaxHoles) {
      building.hole[building.holes++] = {static_cast<uint32_t>(value - recordStart),
                                         static_cast<uint32_t>(p - recordStart), f};
    } else {
      building.bytes = nullptr;  // cannot happen (fields are members seen once); no template then
    }
    return true;
  }

  bool kinesis(Record& r) {
    unsigned seen = 0;
    bool ok = knownObject(
        kinesisShape, kKinesisKeys, 0b110000,
        [&](int id) {
          switch (id) {
            case 0: return heldField(kData, r);
            case 1: return heldField(kPartitionKey, r);
            case 2: return heldField(kSequenceNumber, r);
            case 3: return heldField(kArrival, r);
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
            case 2: return heldField(kEventId, r);
            default: return skipValue(1);
          }
        },
        seen);
    return ok && (seen & 1) != 0;  // kinesis
  }

  // A record by its members; on success, its template becomes the current
  // one (when it has one: a record of fields only as strings and plain
  // numbers, as AWS writes them).
  bool recordByMembers(Record& r) {
    recordStart = p;
    building.bytes = p;
    building.holes = 0;
    if (!record(r)) return false;
    if (building.bytes != nullptr) {
      building.size = static_cast<uint32_t>(p - recordStart);
      current = building;
    }
    return true;
  }

  // A record by the previous one's template: the bytes between its fields
  // must be those of the template, and each field reads as a field. The
  // bytes between fields are a record's keys, separators and the members
  // that yield nothing, and equal bytes parse alike; a field's value ends
  // where its own text says (a string at its quote, a number at the first
  // byte that cannot continue it, which here is the template's next byte).
  // So a record that matches parses as the template's record did, with its
  // own fields: what recordByMembers would find. false: it does not match
  // (p and r are then to be reset).
  bool recordByTemplate(Record& r) {
    const Template& t = current;
    const char* base = t.bytes;
    uint32_t at = 0;
    for (int h = 0; h < t.holes; ++h) {
      const Hole& hole = t.hole[h];
      size_t n = hole.begin - at;
      if (static_cast<size_t>(end - p) < n || !sameBytes(p, base + at, n)) return false;
      p += n;
      if (!field(hole.field, r)) return false;
      at = hole.end;
    }
    size_t n = t.size - at;
    if (static_cast<size_t>(end - p) < n || !sameBytes(p, base + at, n)) return false;
    p += n;
    return true;
  }

  bool nextRecord(Record& r) {
    if (current.bytes != nullptr) {
      const char* start = p;
      if (recordByTemplate(r)) return true;
      p = start;
      r = Record{};
    }
    return recordByMembers(r);
  }

  // A step (a record, a member of the event) that did not read is read
  // again from its start once more of the body has arrived: false when it
  // is all there (the answer is final) or stopped arriving. A step leaves
  // nothing behind that a second attempt does not redo (a record's attempt
  // drops the record it appended).
  template <class Step>
  bool retrying(Step&& step) {
    const char* start = p;
    for (;;) {
      if (step()) return true;
      p = start;
      if (!grow()) return false;
    }
  }

  // While the body arrives, a record is read from what is there; one that
  // does not read (or is not followed by its ',' or ']') is read again once
  // more has come, until the body is all there and the answer is final. A
  // record that reads lies wholly in what has arrived, with its separator:
  // every read that decides is checked against `end` (past it lie zeros),
  // so it reads as it would in the whole body. The payload of an attempt
  // that did not read stays in the arena until the next event.
  // The members after `]` are read once the body is all there.
  bool records() {
    if (!eat('[')) return false;
    ws();
    if (p < end && *p == ']') {
      ++p;
      return receiveRest();
    }
    for (;;) {
      size_t count = batch.records.size();
      int more = -1;
      if (!retrying([&] {
            ws();
            if (nextRecord(batch.records.emplace_back()) && (more = separator(']')) >= 0) return true;
            batch.records.resize(count);
            return false;
          })) {
        return false;
      }
      if (p - polled >= kPollBytes && !takeArrived()) return false;
      if (more > 0) continue;
      return receiveRest();
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

  bool member(std::string_view key, unsigned& bit) {
    enum : unsigned { kRecords = 1, kWindow = 2, kState = 4, kShardId = 8, kArn = 16, kFinal = 32, kEarly = 64 };
    if (key == "Records") {
      bit = kRecords;
      return records();
    }
    if (key == "window") {
      bit = kWindow;
      return window();
    }
    if (key == "state") {
      bit = kState;
      return state();
    }
    if (key == "shardId") {
      bit = kShardId;
      return string(batch.window.shardId);
    }
    if (key == "eventSourceARN") {
      bit = kArn;
      return string(batch.eventSourceArn);
    }
    if (key == "isFinalInvokeForWindow") {
      bit = kFinal;
      return boolean(batch.window.isFinalInvokeForWindow);
    }
    if (key == "isWindowTerminatedEarly") {
      bit = kEarly;
      return boolean(batch.window.isWindowTerminatedEarly);
    }
    return false;
  }

  // The event object, each member (with what follows it) one step.
  bool event() {
    unsigned seen = 0;
    bool done = false;
    if (!retrying([&] {
          if (!eat('{')) return false;
          ws();
          if (p >= end) return false;
          done = *p == '}';
          p += done;
          return true;
        })) {
      return false;
    }
    while (!done) {
      if (!retrying([&] {
            std::string_view key;
            unsigned bit = 0;
            if (!string(key) || !eat(':')) return false;
            ws();
            if (!member(key, bit) || (seen & bit) != 0) return false;
            int more = separator('}');
            if (more < 0) return false;
            seen |= bit;
            done = more == 0;
            return true;
          })) {
        return false;
      }
    }
    if ((seen & 1) == 0 || !receiveRest()) return false;  // Records
    ws();
    return p == end;
  }
};

}  // namespace

EnvelopeScan scanKinesisEnvelope(std::string_view body, Arena& arena, Batch& batch, KinesisMetadataRead read,
                                 BodyStream* arriving) {
  Scanner s(body, arena, batch, read, arriving);
  if (s.event()) return EnvelopeScan::Taken;
  // Given up: the caller decodes the whole body with simdjson.
  return s.lost || !s.receiveRest() ? EnvelopeScan::Lost : EnvelopeScan::GaveUp;
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
