// QuantileSketch (flow/sketch.h): DDSketch with the logarithmic mapping
// key(x) = ⌈ln x / ln γ⌉, so bucket k holds (γ^(k−1), γ^k] and answers
// γ^k·(1−α) = 2γ^k/(γ+1), within α of every value in it.
//
// Encoding, version 1 (all integers unsigned LEB128 varints, minimal length;
// keys zigzag-encoded first):
//   u8      version = 1
//   8 bytes α, IEEE-754 binary64, little-endian
//   varint  maxBucketsPerStore
//   varint  zeroCount, negInfCount, posInfCount
//   store   negative, then positive:
//     varint  span b (0: empty store; else maxKey − minKey + 1, ≤ maxBuckets)
//     zigzag  minKey                       (only when b > 0)
//     varint  count × b, for minKey … maxKey; the first and last are non-zero
// Every field has exactly one encoding, so decode accepts only what encode
// would write.
#include "flow/sketch.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace flow {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

size_t varintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* putVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Bounds-checked reading of the encoding; every failure is sticky.
struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;

  size_t left() const { return static_cast<size_t>(end - p); }

  uint64_t varint() {
    if (p != end && *p < 0x80) return *p++;  // most counts: one byte
    uint64_t v = 0;
    for (int shift = 0; ok; shift += 7) {
      if (p == end) break;
      uint8_t b = *p++;
      // The 10th byte may only carry bit 63.
      if (shift == 63 && b > 1) break;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        // Minimal length: a last byte of 0 is only the one-byte zero.
        if (b == 0 && shift != 0) break;
        return v;
      }
    }
    ok = false;
    return 0;
  }

  double float64() {
    if (left() < 8) {
      ok = false;
      return 0;
    }
    uint64_t bits = 0;
    for (int i = 7; i >= 0; --i) bits = bits << 8 | p[i];
    p += 8;
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
};

bool addOverflows(uint64_t& sum, uint64_t v) {
  if (v > std::numeric_limits<uint64_t>::max() - sum) return true;
  sum += v;
  return false;
}

}  // namespace

// ---- Store -----------------------------------------------------------------

void QuantileSketch::Store::cover(int64_t lo, int64_t hi, uint32_t maxBuckets) {
  int64_t size = static_cast<int64_t>(counts.size());
  if (size > 0 && lo >= offset && hi < offset + size) return;
  int64_t span = hi - lo + 1;
  int64_t newSize = size;
  if (span > size) {
    // Doubling keeps growth amortized; ~1.5·m is the most ever needed, the
    // half-m slack saving a shift per new key when the range slides.
    int64_t cap = static_cast<int64_t>(maxBuckets) + maxBuckets / 2;
    newSize = std::max(span, std::min(std::max<int64_t>(2 * size, 16), cap));
  }
  // Centre the range so it can grow either way before the next move.
  int64_t newOffset = lo - (newSize - span) / 2;
  // What may hold counts: the old array's part of [lo, hi].
  int64_t cLo = std::max(lo, offset), cHi = std::min(hi, offset + size - 1);
  int64_t n = size > 0 ? std::max<int64_t>(0, cHi - cLo + 1) : 0;
  if (newSize != size) {
    std::vector<uint64_t> fresh(static_cast<size_t>(newSize), 0);
    if (n > 0) std::memcpy(fresh.data() + (cLo - newOffset), counts.data() + (cLo - offset), n * sizeof(uint64_t));
    counts.swap(fresh);
  } else {
    uint64_t* d = counts.data();
    if (n > 0) std::memmove(d + (cLo - newOffset), d + (cLo - offset), n * sizeof(uint64_t));
    int64_t from = n > 0 ? cLo - newOffset : 0;
    std::fill(d, d + from, 0);
    std::fill(d + from + n, d + size, 0);
  }
  offset = newOffset;
}

int64_t QuantileSketch::Store::prepare(int64_t lo, int64_t hi, uint32_t maxBuckets) {
  int64_t newMin = total > 0 ? std::min(minKey, lo) : lo;
  int64_t newMax = total > 0 ? std::max(maxKey, hi) : hi;
  // The bound keeps the top m keys: everything below goes to the lowest kept.
  // That lowest depends only on the smallest and largest keys ever seen, so
  // the result is the same whatever order values or sketches arrive in.
  int64_t lowest = std::max(newMin, newMax - static_cast<int64_t>(maxBuckets) + 1);
  uint64_t collapsed = 0;
  if (total > 0 && minKey < lowest) {
    for (int64_t k = minKey, last = std::min(maxKey, lowest - 1); k <= last; ++k) {
      collapsed += at(k);
      at(k) = 0;
    }
  }
  cover(lowest, newMax, maxBuckets);
  at(lowest) += collapsed;
  // Both ends hold counts once the caller has placed its own (n > 0).
  minKey = lowest;
  maxKey = newMax;
  return lowest;
}

void QuantileSketch::Store::add(int64_t key, uint64_t n, uint32_t maxBuckets) {
  if (total > 0 && key >= minKey && key <= maxKey) {
    at(key) += n;
  } else {
    int64_t lowest = prepare(key, key, maxBuckets);
    at(std::max(key, lowest)) += n;
  }
  total += n;
}

void QuantileSketch::Store::merge(const Store& other, uint32_t maxBuckets) {
  if (other.total == 0) return;
  int64_t lowest = prepare(other.minKey, other.maxKey, maxBuckets);
  for (int64_t k = other.minKey; k <= other.maxKey; ++k) {
    if (uint64_t c = other.at(k)) at(std::max(k, lowest)) += c;
  }
  total += other.total;
}

void QuantileSketch::Store::clear() {
  if (total > 0) std::fill(counts.begin() + (minKey - offset), counts.begin() + (maxKey - offset + 1), 0);
  total = 0;
  minKey = maxKey = 0;
}

bool QuantileSketch::Store::sameCounts(const Store& other) const {
  if (total != other.total) return false;
  if (total == 0) return true;
  if (minKey != other.minKey || maxKey != other.maxKey) return false;
  for (int64_t k = minKey; k <= maxKey; ++k) {
    if (at(k) != other.at(k)) return false;
  }
  return true;
}

// ---- QuantileSketch ----------------------------------------------------------

QuantileSketch::QuantileSketch(double relativeAccuracy) { init(relativeAccuracy, kDefaultMaxBuckets); }

QuantileSketch::QuantileSketch(double relativeAccuracy, uint32_t maxBucketsPerStore) {
  init(relativeAccuracy, maxBucketsPerStore);
}

void QuantileSketch::init(double relativeAccuracy, uint32_t maxBucketsPerStore) {
  if (std::isnan(relativeAccuracy)) relativeAccuracy = kDefaultRelativeAccuracy;
  alpha_ = std::clamp(relativeAccuracy, kMinRelativeAccuracy, kMaxRelativeAccuracy);
  maxBuckets_ = std::clamp(maxBucketsPerStore, uint32_t{2}, kMaxBucketsLimit);
  // ln γ = ln(1+α) − ln(1−α), accurate for small α.
  lnGamma_ = std::log1p(alpha_) - std::log1p(-alpha_);
  multiplier_ = 1 / lnGamma_;
  lnOneMinusAlpha_ = std::log1p(-alpha_);
  minPossibleKey_ = rawKeyOf(DBL_MIN);
  maxPossibleKey_ = rawKeyOf(DBL_MAX);
}

int64_t QuantileSketch::rawKeyOf(double magnitude) const {
  // |ln x| ≤ 709.8 for normal doubles and multiplier ≤ 5·10^5: no overflow.
  return static_cast<int64_t>(std::ceil(std::log(magnitude) * multiplier_));
}

int64_t QuantileSketch::keyOf(double magnitude) const {
  // log is monotonic, so this clamp changes nothing unless libm is not.
  return std::clamp(rawKeyOf(magnitude), minPossibleKey_, maxPossibleKey_);
}

double QuantileSketch::valueOf(int64_t key) const {
  // Clamping into the range of values that can map to a key only moves the
  // estimate toward them.
  return std::clamp(std::exp(static_cast<double>(key) * lnGamma_ + lnOneMinusAlpha_), DBL_MIN, DBL_MAX);
}

void QuantileSketch::addCount(double value, uint64_t n) {
  if (value > 0) {
    if (value > DBL_MAX) {
      posInfCount_ += n;
    } else if (value >= DBL_MIN) {
      positive_.add(keyOf(value), n, maxBuckets_);
    } else {
      zeroCount_ += n;
    }
  } else if (value < 0) {
    if (value < -DBL_MAX) {
      negInfCount_ += n;
    } else if (value <= -DBL_MIN) {
      negative_.add(-keyOf(-value), n, maxBuckets_);
    } else {
      zeroCount_ += n;
    }
  } else if (value == 0) {
    zeroCount_ += n;
  }
  // NaN: neither branch.
}

void QuantileSketch::add(double value) { addCount(value, 1); }

void QuantileSketch::merge(const QuantileSketch& other) {
  if (&other == this) {
    QuantileSketch copy(other);
    merge(copy);
    return;
  }
  zeroCount_ += other.zeroCount_;
  posInfCount_ += other.posInfCount_;
  negInfCount_ += other.negInfCount_;
  if (other.alpha_ == alpha_) {
    positive_.merge(other.positive_, maxBuckets_);
    negative_.merge(other.negative_, maxBuckets_);
    return;
  }
  // Different mappings: re-add the other's estimates, bucket by bucket.
  for (int64_t k = other.positive_.minKey; other.positive_.total > 0 && k <= other.positive_.maxKey; ++k) {
    if (uint64_t c = other.positive_.at(k)) addCount(other.valueOf(k), c);
  }
  for (int64_t k = other.negative_.minKey; other.negative_.total > 0 && k <= other.negative_.maxKey; ++k) {
    if (uint64_t c = other.negative_.at(k)) addCount(-other.valueOf(-k), c);
  }
}

uint64_t QuantileSketch::count() const {
  return zeroCount_ + posInfCount_ + negInfCount_ + positive_.total + negative_.total;
}

double QuantileSketch::quantile(double q) const {
  if (!(q >= 0 && q <= 1)) return kNaN;
  uint64_t n = count();
  if (n == 0) return kNaN;
  // The element of 0-based rank ⌊q·(n−1)⌋, as in the DDSketch paper.
  // (n − 1 rounds up to 2^64 as a double for the largest counts.)
  double r = std::floor(q * static_cast<double>(n - 1));
  uint64_t rank = r >= 0x1p64 ? n - 1 : std::min(static_cast<uint64_t>(r), n - 1);
  if (rank < negInfCount_) return -kInf;
  rank -= negInfCount_;
  if (rank < negative_.total) {
    for (int64_t k = negative_.minKey;; ++k) {
      uint64_t c = negative_.at(k);
      if (rank < c) return -valueOf(-k);
      rank -= c;
    }
  }
  rank -= negative_.total;
  if (rank < zeroCount_) return 0.0;
  rank -= zeroCount_;
  if (rank < positive_.total) {
    for (int64_t k = positive_.minKey;; ++k) {
      uint64_t c = positive_.at(k);
      if (rank < c) return valueOf(k);
      rank -= c;
    }
  }
  return kInf;
}

void QuantileSketch::clear() {
  zeroCount_ = posInfCount_ = negInfCount_ = 0;
  positive_.clear();
  negative_.clear();
}

size_t QuantileSketch::memoryUsage() const {
  return (positive_.counts.capacity() + negative_.counts.capacity()) * sizeof(uint64_t);
}

bool QuantileSketch::operator==(const QuantileSketch& other) const {
  return alpha_ == other.alpha_ && maxBuckets_ == other.maxBuckets_ && zeroCount_ == other.zeroCount_ &&
         posInfCount_ == other.posInfCount_ && negInfCount_ == other.negInfCount_ &&
         positive_.sameCounts(other.positive_) && negative_.sameCounts(other.negative_);
}

// ---- encoding ------------------------------------------------------------------

size_t QuantileSketch::encodedSize() const {
  size_t n = 1 + 8 + varintSize(maxBuckets_) + varintSize(zeroCount_) + varintSize(negInfCount_) +
             varintSize(posInfCount_);
  for (const Store* s : {&negative_, &positive_}) {
    if (s->total == 0) {
      n += 1;
      continue;
    }
    n += varintSize(static_cast<uint64_t>(s->maxKey - s->minKey + 1)) + varintSize(zigzag(s->minKey));
    for (int64_t k = s->minKey; k <= s->maxKey; ++k) n += varintSize(s->at(k));
  }
  return n;
}

void QuantileSketch::encode(std::string& out) const {
  // Sized first, then written in place: no per-byte capacity checks.
  size_t start = out.size(), size = encodedSize();
  out.resize(start + size);
  char* p = out.data() + start;
  *p++ = static_cast<char>(kEncodingVersion);
  uint64_t bits;
  std::memcpy(&bits, &alpha_, sizeof bits);
  for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(bits >> (8 * i));
  p = putVarint(p, maxBuckets_);
  p = putVarint(p, zeroCount_);
  p = putVarint(p, negInfCount_);
  p = putVarint(p, posInfCount_);
  for (const Store* s : {&negative_, &positive_}) {
    if (s->total == 0) {
      p = putVarint(p, 0);
      continue;
    }
    p = putVarint(p, static_cast<uint64_t>(s->maxKey - s->minKey + 1));
    p = putVarint(p, zigzag(s->minKey));
    for (int64_t k = s->minKey; k <= s->maxKey; ++k) p = putVarint(p, s->at(k));
  }
  if (p != out.data() + start + size) std::abort();  // encodedSize and encode disagree: a bug here
}

bool QuantileSketch::decode(std::string_view& in) {
  Reader r{reinterpret_cast<const uint8_t*>(in.data()), reinterpret_cast<const uint8_t*>(in.data()) + in.size()};
  if (r.left() < 1 || *r.p++ != kEncodingVersion) return false;
  double alpha = r.float64();
  uint64_t maxBuckets = r.varint();
  // Only values the constructor keeps as they are: the sketch re-encodes to
  // the same bytes, and no decoded field can ask for a large allocation.
  if (!r.ok || !(alpha >= kMinRelativeAccuracy && alpha <= kMaxRelativeAccuracy) || maxBuckets < 2 ||
      maxBuckets > kMaxBucketsLimit) {
    return false;
  }
  QuantileSketch s(alpha, static_cast<uint32_t>(maxBuckets));
  s.zeroCount_ = r.varint();
  s.negInfCount_ = r.varint();
  s.posInfCount_ = r.varint();
  uint64_t total = 0;
  if (!r.ok || addOverflows(total, s.zeroCount_) || addOverflows(total, s.negInfCount_) ||
      addOverflows(total, s.posInfCount_)) {
    return false;
  }
  for (Store* store : {&s.negative_, &s.positive_}) {
    bool negative = store == &s.negative_;
    int64_t lowestKey = negative ? -s.maxPossibleKey_ : s.minPossibleKey_;
    int64_t highestKey = negative ? -s.minPossibleKey_ : s.maxPossibleKey_;
    uint64_t span = r.varint();
    if (!r.ok) return false;
    if (span == 0) continue;
    // Each count takes at least a byte, so a span is also bounded by the input.
    if (span > maxBuckets || span > r.left()) return false;
    int64_t minKey = unzigzag(r.varint());
    if (!r.ok || minKey < lowestKey || minKey > highestKey - static_cast<int64_t>(span - 1)) return false;
    int64_t maxKey = minKey + static_cast<int64_t>(span) - 1;
    store->cover(minKey, maxKey, s.maxBuckets_);
    for (int64_t k = minKey; k <= maxKey; ++k) {
      uint64_t c = r.varint();
      if (!r.ok || addOverflows(store->total, c) || ((k == minKey || k == maxKey) && c == 0)) return false;
      store->at(k) = c;
    }
    store->minKey = minKey;
    store->maxKey = maxKey;
    if (addOverflows(total, store->total)) return false;
  }
  in.remove_prefix(static_cast<size_t>(r.p - reinterpret_cast<const uint8_t*>(in.data())));
  *this = std::move(s);
  return true;
}

}  // namespace flow
