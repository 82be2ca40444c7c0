// flow/sketch.h — QuantileSketch, the partial aggregate of approx_percentile:
// a DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile
// sketch with relative-error guarantees", VLDB 2019) with a logarithmic key
// mapping and one bounded, contiguous bucket array per sign.
//
// Contract (α = relativeAccuracy(), n = count(), γ = (1+α)/(1−α)):
// - quantile(q) returns an estimate of x_q, the element of 0-based rank
//   ⌊q·(n−1)⌋ of the values added (sorted ascending), with
//   |estimate − x_q| ≤ α·|x_q| (up to floating-point rounding, < 1e-12
//   relative), for every q whose x_q is not in a collapsed bucket (below).
//   0 and values with |x| < 2.2250738585072014e-308 (DBL_MIN, i.e. subnormals)
//   count as 0 and are answered as 0; ±inf are counted apart and answered
//   exactly; NaN is ignored (not counted). q outside [0, 1] (or NaN), or an
//   empty sketch, gives NaN.
// - Memory is bounded: each sign keeps at most maxBucketsPerStore() buckets
//   (default 2048; the array holds at most 1.5·m counts, 24 KB per sign). When a sign's keys span more,
//   the buckets of the SMALLEST values of that sign are collapsed into the
//   lowest kept one: positive values below x⁺max·γ^−(m−1) (x⁺max the largest
//   positive value, m the bucket bound) and negative values below
//   −|x⁻|min·γ^(m−1) (|x⁻|min the smallest negative magnitude) are answered
//   with the edge of the kept range, so the bound no longer holds for the few
//   lowest quantiles that fall on them (for positives the answer is then too
//   high, for negatives too close to 0). At α = 0.01 and m = 2048, γ^(m−1) ≈
//   6·10^17: data spanning fewer than 17 orders of magnitude per sign never
//   collapses.
// - merge is exact: a.merge(b) leaves a equal (operator==, same buckets) to
//   the sketch of a's values followed by b's, in any order or grouping, with or
//   without collapsing. Merging a sketch of a different α re-adds its buckets'
//   estimates (the bound then becomes about α_a + α_b); a different bucket
//   bound is fine (the receiver's applies).
// - add allocates only when a sign's key range grows past the array (at most
//   ~1.5·m counts per sign), so once warm it allocates nothing; no exceptions
//   but std::bad_alloc.
// - encode appends a versioned, platform-independent encoding (see sketch.cpp
//   for the layout: version byte, LEB128 varints, zigzag keys, α as IEEE-754
//   little-endian); decode(encode(s)) == s. decode accepts only canonical
//   encodings (so re-encoding what it accepted gives the same bytes), never
//   reads past `in`, allocates at most 8·m bytes per sign (m ≤ 65536) and
//   only for what it accepts, and on failure leaves both `in` and the sketch
//   unchanged. On success the sketch takes the encoded α and bound.
// - Keys come from libm's log: x86_64 and arm64 may bucket a value within
//   ~1e-13 of a bucket boundary differently; either way within the bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flow {

class QuantileSketch {
 public:
  static constexpr double kDefaultRelativeAccuracy = 0.01;
  static constexpr uint32_t kDefaultMaxBuckets = 2048;
  // relativeAccuracy is clamped to [1e-6, 0.5] (NaN → the default);
  // maxBucketsPerStore to [2, kMaxBucketsLimit].
  static constexpr double kMinRelativeAccuracy = 1e-6;
  static constexpr double kMaxRelativeAccuracy = 0.5;
  static constexpr uint32_t kMaxBucketsLimit = 1u << 16;
  static constexpr uint8_t kEncodingVersion = 1;

  explicit QuantileSketch(double relativeAccuracy = kDefaultRelativeAccuracy);
  QuantileSketch(double relativeAccuracy, uint32_t maxBucketsPerStore);

  void add(double value);                 // NaN ignored; handles 0 and negatives (separate stores)
  void merge(const QuantileSketch& other);
  double quantile(double q) const;        // q in [0,1]; NaN when empty
  uint64_t count() const;
  size_t encodedSize() const;
  void encode(std::string& out) const;    // appends a compact, versioned, platform-independent encoding
  bool decode(std::string_view& in);      // consumes its bytes; false on malformed/truncated/unknown version

  double relativeAccuracy() const { return alpha_; }
  uint32_t maxBucketsPerStore() const { return maxBuckets_; }
  // Forgets the values, keeps α, the bound and the memory.
  void clear();
  // Bytes of bucket arrays held (≤ 2 · 1.5 · m · 8); constant once warm.
  size_t memoryUsage() const;
  // Same α, bound and counts per bucket (not the arrays' layout).
  bool operator==(const QuantileSketch& other) const;

 private:
  // Counts per key in one contiguous array. The negative store keys a value x
  // by −keyOf(|x|), so in both stores a lower key is a lower value and
  // "collapse the lowest keys" means "the lowest values of that sign".
  // Invariant: every slot outside [minKey, maxKey] is 0; maxKey − minKey < m.
  struct Store {
    std::vector<uint64_t> counts;  // counts[i] belongs to key offset + i
    int64_t offset = 0;
    int64_t minKey = 0, maxKey = 0;  // the non-empty range when total > 0
    uint64_t total = 0;

    uint64_t& at(int64_t key) { return counts[static_cast<size_t>(key - offset)]; }
    uint64_t at(int64_t key) const { return counts[static_cast<size_t>(key - offset)]; }
    void add(int64_t key, uint64_t n, uint32_t maxBuckets);
    void merge(const Store& other, uint32_t maxBuckets);
    // Makes room for incoming keys in [lo, hi], collapsing what falls below
    // the bound; returns the lowest key kept (incoming keys below it go there).
    int64_t prepare(int64_t lo, int64_t hi, uint32_t maxBuckets);
    // Lays the array over [lo, hi]; the caller guarantees no count outside.
    void cover(int64_t lo, int64_t hi, uint32_t maxBuckets);
    void clear();
    bool sameCounts(const Store& other) const;
  };

  void init(double relativeAccuracy, uint32_t maxBucketsPerStore);
  int64_t rawKeyOf(double magnitude) const;
  int64_t keyOf(double magnitude) const;      // magnitude in [DBL_MIN, DBL_MAX]
  double valueOf(int64_t key) const;          // the bucket's estimate, a magnitude
  void addCount(double value, uint64_t n);

  double alpha_ = kDefaultRelativeAccuracy;
  double lnGamma_ = 0;
  double multiplier_ = 0;  // 1 / ln γ
  double lnOneMinusAlpha_ = 0;
  int64_t minPossibleKey_ = 0, maxPossibleKey_ = 0;  // keyOf(DBL_MIN), keyOf(DBL_MAX)
  uint32_t maxBuckets_ = kDefaultMaxBuckets;
  uint64_t zeroCount_ = 0, posInfCount_ = 0, negInfCount_ = 0;
  Store positive_, negative_;
};

}  // namespace flow
