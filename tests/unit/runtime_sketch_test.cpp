// flow/sketch.h (QuantileSketch, DDSketch): the relative-error bound against
// exact quantiles found by sorting, for several distributions and accuracies;
// special values; the bounded bucket count and what it costs the lowest
// quantiles; merge equal to the sketch of the concatenation; the encoding
// (a hand-assembled golden, round trips, and random / truncated / mutated
// bytes that decode must refuse or accept canonically).
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "flow/sketch.h"

namespace {

using flow::QuantileSketch;

const double kQuantiles[] = {0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1};

// The element of 0-based rank ⌊q·(n−1)⌋ of the sorted values.
double exactQuantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<size_t>(std::floor(q * static_cast<double>(sorted.size() - 1)))];
}

// |estimate − exact| ≤ α·|exact|, with room for floating-point rounding only.
::testing::AssertionResult withinBound(double estimate, double exact, double alpha) {
  double allowed = alpha * std::fabs(exact) * (1 + 1e-9);
  if (std::fabs(estimate - exact) <= allowed) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "estimate " << estimate << " vs exact " << exact << ": relative error "
                                       << std::fabs(estimate - exact) / std::fabs(exact) << " > " << alpha;
}

struct Distribution {
  const char* name;
  std::function<double(std::mt19937_64&)> draw;
};

std::vector<Distribution> distributions() {
  auto logUniform = [](double lo, double hi) {
    return [=](std::mt19937_64& rng) {
      return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
    };
  };
  return {
      {"uniform", [](std::mt19937_64& r) { return std::uniform_real_distribution<double>(0, 1000)(r); }},
      {"exponential", [](std::mt19937_64& r) { return std::exponential_distribution<double>(0.01)(r); }},
      {"pareto",
       [](std::mt19937_64& r) {  // shape 1.2, scale 1: a heavy tail
         return std::pow(1 - std::uniform_real_distribution<double>(0, 1)(r), -1 / 1.2);
       }},
      {"constant", [](std::mt19937_64&) { return 42.5; }},
      {"normal_both_signs", [](std::mt19937_64& r) { return std::normal_distribution<double>(3, 100)(r); }},
      {"integers_with_zeros",
       [](std::mt19937_64& r) { return static_cast<double>(std::uniform_int_distribution<int>(-20, 200)(r)); }},
      {"tiny", logUniform(1e-305, 1e-290)},
      {"huge", logUniform(1e292, 1e308)},
      {"wide_mixed_signs",
       [=](std::mt19937_64& r) {
         double m = logUniform(1e-8, 1e8)(r);
         return r() % 3 == 0 ? -m : m;
       }},
  };
}

TEST(RuntimeSketch, RelativeErrorBoundHoldsAgainstSortedValues) {
  // Every distribution spans < 17 orders of magnitude per sign: at α = 0.01
  // the default 2048 buckets never collapse; the other accuracies get more.
  for (double alpha : {0.01, 0.001, 0.05}) {
    uint32_t m = alpha == 0.01 ? QuantileSketch::kDefaultMaxBuckets : QuantileSketch::kMaxBucketsLimit;
    for (const Distribution& d : distributions()) {
      std::mt19937_64 rng(7);
      QuantileSketch sketch(alpha, m);
      std::vector<double> values(20000);
      for (double& v : values) {
        v = d.draw(rng);
        sketch.add(v);
      }
      std::sort(values.begin(), values.end());
      ASSERT_EQ(sketch.count(), values.size());
      for (double q : kQuantiles) {
        EXPECT_TRUE(withinBound(sketch.quantile(q), exactQuantile(values, q), alpha))
            << d.name << " alpha=" << alpha << " q=" << q;
      }
      // Every rank, not just the usual quantiles (q = r/(n−1) hits rank r).
      for (size_t rank = 0; rank < values.size(); rank += 331) {
        double q = static_cast<double>(rank) / static_cast<double>(values.size() - 1);
        ASSERT_TRUE(withinBound(sketch.quantile(q), exactQuantile(values, q), alpha))
            << d.name << " alpha=" << alpha << " rank=" << rank;
      }
    }
  }
}

TEST(RuntimeSketch, SmallInputsAreExactWhereTheBoundSaysSo) {
  QuantileSketch s;
  EXPECT_TRUE(std::isnan(s.quantile(0.5)));
  EXPECT_EQ(s.count(), 0u);
  s.add(100);
  for (double q : kQuantiles) EXPECT_TRUE(withinBound(s.quantile(q), 100, 0.01)) << q;
  s.add(1);
  s.add(10);
  // Ranks ⌊q·2⌋: 0 → 1, 1 → 10, 2 → 100.
  EXPECT_TRUE(withinBound(s.quantile(0), 1, 0.01));
  EXPECT_TRUE(withinBound(s.quantile(0.49), 1, 0.01));
  EXPECT_TRUE(withinBound(s.quantile(0.5), 10, 0.01));
  EXPECT_TRUE(withinBound(s.quantile(0.99), 10, 0.01));
  EXPECT_TRUE(withinBound(s.quantile(1), 100, 0.01));
}

TEST(RuntimeSketch, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // DBL_MIN and 7 are 35515 keys apart: enough buckets that none collapse.
  QuantileSketch s(0.01, QuantileSketch::kMaxBucketsLimit);
  s.add(nan);
  s.add(-nan);
  EXPECT_EQ(s.count(), 0u);
  EXPECT_TRUE(std::isnan(s.quantile(0)));
  // Sorted: -inf, -5, -0, 0, 4.9e-324 (counts as 0), 2.2e-308 (DBL_MIN), 7, +inf, +inf
  for (double v : {7.0, -0.0, inf, -5.0, 0.0, 4.9e-324, DBL_MIN, -inf, inf}) s.add(v);
  EXPECT_EQ(s.count(), 9u);
  EXPECT_EQ(s.quantile(0), -inf);
  EXPECT_TRUE(withinBound(s.quantile(1.0 / 8), -5, 0.01));
  EXPECT_EQ(s.quantile(2.0 / 8), 0.0);
  EXPECT_EQ(s.quantile(4.0 / 8), 0.0);
  EXPECT_TRUE(withinBound(s.quantile(5.0 / 8), DBL_MIN, 0.01));
  EXPECT_TRUE(withinBound(s.quantile(6.0 / 8), 7, 0.01));
  EXPECT_EQ(s.quantile(7.0 / 8), inf);
  EXPECT_EQ(s.quantile(1), inf);
  for (double q : {-0.01, 1.01, nan, inf}) EXPECT_TRUE(std::isnan(s.quantile(q))) << q;
  // The extremes of the finite range keep the bound too.
  QuantileSketch ends;
  ends.add(DBL_MAX);
  ends.add(-DBL_MAX);
  EXPECT_TRUE(withinBound(ends.quantile(0), -DBL_MAX, 0.01));
  EXPECT_TRUE(withinBound(ends.quantile(1), DBL_MAX, 0.01));
  EXPECT_TRUE(std::isfinite(ends.quantile(1)));
}

TEST(RuntimeSketch, AccuracyIsClamped) {
  EXPECT_EQ(QuantileSketch(0.01).relativeAccuracy(), 0.01);
  EXPECT_EQ(QuantileSketch(0).relativeAccuracy(), QuantileSketch::kMinRelativeAccuracy);
  EXPECT_EQ(QuantileSketch(0.9).relativeAccuracy(), QuantileSketch::kMaxRelativeAccuracy);
  EXPECT_EQ(QuantileSketch(std::nan("")).relativeAccuracy(), QuantileSketch::kDefaultRelativeAccuracy);
  EXPECT_EQ(QuantileSketch(0.01, 0).maxBucketsPerStore(), 2u);
  EXPECT_EQ(QuantileSketch(0.01, 1u << 30).maxBucketsPerStore(), QuantileSketch::kMaxBucketsLimit);
  // The extreme accuracies still hold their bound at the ends of the range.
  for (double alpha : {QuantileSketch::kMinRelativeAccuracy, QuantileSketch::kMaxRelativeAccuracy}) {
    QuantileSketch s(alpha, QuantileSketch::kMaxBucketsLimit);
    for (double v : {DBL_MIN, 1e-3, 1.0, 3.3, 1e300}) {
      s.clear();
      s.add(v);
      EXPECT_TRUE(withinBound(s.quantile(0.5), v, alpha)) << alpha << " " << v;
    }
  }
}

// With m buckets per sign, positive values ≥ max·γ^−(m−1) keep the bound; the
// smaller ones are answered by the lowest kept bucket, i.e. overestimated.
TEST(RuntimeSketch, CollapsingBoundsBucketsAndOnlyCostsTheLowestValues) {
  const double alpha = 0.01;
  const uint32_t m = 64;
  const double gamma = (1 + alpha) / (1 - alpha);
  std::mt19937_64 rng(3);
  QuantileSketch s(alpha, m);
  std::vector<double> values(20000);
  for (double& v : values) {
    v = std::exp(std::uniform_real_distribution<double>(std::log(1e-6), std::log(1e6))(rng));
    s.add(v);
  }
  std::sort(values.begin(), values.end());
  double kept = values.back() * std::pow(gamma, -static_cast<double>(m - 1));
  EXPECT_LE(s.memoryUsage(), 2 * (m + m / 2) * sizeof(uint64_t));
  EXPECT_LE(s.encodedSize(), 1 + 8 + 2 + 3 + 1 + 2 + 2 + m * 3);  // at most m counts of ≤ 3 bytes
  int collapsedSeen = 0;
  for (size_t rank = 0; rank < values.size(); rank += 37) {
    double q = static_cast<double>(rank) / static_cast<double>(values.size() - 1);
    double exact = exactQuantile(values, q), estimate = s.quantile(q);
    if (exact >= kept) {
      ASSERT_TRUE(withinBound(estimate, exact, alpha)) << "rank " << rank;
    } else {
      ++collapsedSeen;
      EXPECT_GT(estimate, exact);
      EXPECT_TRUE(withinBound(estimate, kept, alpha)) << "rank " << rank;
    }
  }
  EXPECT_GT(collapsedSeen, 0);
  // Negatives collapse their most negative values (the lowest) the same way.
  QuantileSketch n(alpha, m);
  for (double v : values) n.add(-v);
  double keptNeg = -values.front() * std::pow(gamma, static_cast<double>(m - 1));
  EXPECT_TRUE(withinBound(n.quantile(1), -values.front(), alpha));
  EXPECT_TRUE(withinBound(n.quantile(0), keptNeg, alpha));
  EXPECT_GT(n.quantile(0), -values.back());
}

TEST(RuntimeSketch, MemoryStopsGrowingOnceWarm) {
  // Integer latencies in [-300, 12000]: after 100000 both ends are seen.
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> d(-300, 12000);
  QuantileSketch s;
  for (int i = 0; i < 100000; ++i) s.add(d(rng));
  size_t warm = s.memoryUsage();
  for (int i = 0; i < 100000; ++i) s.add(d(rng));
  EXPECT_EQ(s.memoryUsage(), warm);
  EXPECT_LE(warm, 2 * 3072 * sizeof(uint64_t));
  s.clear();
  EXPECT_EQ(s.count(), 0u);
  EXPECT_TRUE(std::isnan(s.quantile(0.5)));
  EXPECT_EQ(s.memoryUsage(), warm);
  EXPECT_EQ(s, QuantileSketch());
}

// Values spread over a wide range of both signs, so small bounds collapse.
std::vector<double> wideValues(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> out(n);
  for (double& v : out) {
    double m = std::exp(std::uniform_real_distribution<double>(std::log(1e-9), std::log(1e9))(rng));
    switch (rng() % 8) {
      case 0: v = -m; break;
      case 1: v = 0; break;
      case 2: v = (rng() % 2) ? std::numeric_limits<double>::infinity() : -m * 1e12; break;
      default: v = m;
    }
  }
  return out;
}

std::string bytes(std::initializer_list<unsigned char> b) { return std::string(b.begin(), b.end()); }

std::string encoded(const QuantileSketch& s) {
  std::string out;
  s.encode(out);
  return out;
}

TEST(RuntimeSketch, MergeEqualsTheSketchOfTheConcatenation) {
  for (uint32_t m : {2u, 16u, 64u, 2048u}) {
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      std::vector<double> values = wideValues(3000, seed);
      QuantileSketch whole(0.02, m);
      for (double v : values) whole.add(v);
      // Random parts, merged in a random order into random accumulators.
      std::mt19937_64 rng(seed * 31 + m);
      size_t parts = 1 + rng() % 7;
      std::vector<QuantileSketch> sketches(parts, QuantileSketch(0.02, m));
      for (double v : values) sketches[rng() % parts].add(v);
      while (sketches.size() > 1) {
        size_t i = rng() % sketches.size(), j = rng() % (sketches.size() - 1);
        if (j >= i) ++j;
        sketches[i].merge(sketches[j]);
        sketches.erase(sketches.begin() + static_cast<std::ptrdiff_t>(j));
      }
      ASSERT_EQ(sketches[0], whole) << "m=" << m << " seed=" << seed;
      EXPECT_EQ(encoded(sketches[0]), encoded(whole));
      EXPECT_EQ(sketches[0].count(), values.size());
    }
  }
}

TEST(RuntimeSketch, MergeEdgeCases) {
  std::vector<double> values = wideValues(500, 9);
  QuantileSketch a(0.01, 32), twice(0.01, 32), empty(0.01, 32);
  for (double v : values) a.add(v);
  for (int k = 0; k < 2; ++k)
    for (double v : values) twice.add(v);
  QuantileSketch copy = a;
  copy.merge(empty);
  EXPECT_EQ(copy, a);
  empty.merge(a);
  EXPECT_EQ(empty, a);
  a.merge(a);  // aliasing
  EXPECT_EQ(a, twice);

  // A receiver with a smaller bound applies its own.
  QuantileSketch wide(0.01, 2048), narrow(0.01, 8), narrowWhole(0.01, 8);
  for (double v : values) {
    wide.add(v);
    narrowWhole.add(v);
  }
  narrow.merge(wide);
  EXPECT_EQ(narrow, narrowWhole);

  // A different accuracy: re-added estimates, within about α_a + α_b.
  QuantileSketch coarse(0.05), fine(0.01, 4096);  // 18 orders of magnitude: no collapse
  std::vector<double> positives;
  for (double v : values)
    if (v > 0 && std::isfinite(v)) positives.push_back(v);
  for (double v : positives) coarse.add(v);
  fine.merge(coarse);
  EXPECT_EQ(fine.count(), positives.size());
  std::sort(positives.begin(), positives.end());
  for (double q : kQuantiles) EXPECT_TRUE(withinBound(fine.quantile(q), exactQuantile(positives, q), 0.061)) << q;
}

// Assembled by hand from the layout in sketch.cpp: α = 0.01 so γ = 1.01/0.99
// and key(x) = ⌈ln x / ln γ⌉: key(1) = 0, key(1.05) = ⌈2.44⌉ = 3.
TEST(RuntimeSketch, EncodingGolden) {
  QuantileSketch s;
  s.add(1.0);
  s.add(1.05);
  s.add(0.0);
  s.add(-1.05);
  const unsigned char expected[] = {
      0x01,                                            // version
      0x7b, 0x14, 0xae, 0x47, 0xe1, 0x7a, 0x84, 0x3f,  // 0.01, little-endian
      0x80, 0x10,                                      // 2048 buckets per store
      0x01, 0x00, 0x00,                                // zero, -inf, +inf counts
      0x01, 0x05, 0x01,                                // negative: span 1, key −3 (zigzag 5), count 1
      0x04, 0x00, 0x01, 0x00, 0x00, 0x01,              // positive: span 4 from key 0: 1 0 0 1
  };
  std::string want(reinterpret_cast<const char*>(expected), sizeof expected);
  EXPECT_EQ(encoded(s), want);
  EXPECT_EQ(s.encodedSize(), want.size());
  std::string out = "prefix";
  s.encode(out);  // appends
  EXPECT_EQ(out, "prefix" + want);
}

TEST(RuntimeSketch, EncodeDecodeRoundTripIsExact) {
  std::vector<QuantileSketch> cases;
  cases.emplace_back();
  for (uint32_t m : {2u, 40u, 2048u}) {
    for (double alpha : {1e-6, 0.01, 0.5}) {
      QuantileSketch s(alpha, m);
      for (double v : wideValues(2000, m)) s.add(v);
      cases.push_back(s);
    }
  }
  std::string all;
  for (const QuantileSketch& s : cases) {
    std::string bytes = encoded(s);
    EXPECT_EQ(bytes.size(), s.encodedSize());
    all += bytes;
  }
  all += "tail";
  std::string_view in = all;
  for (const QuantileSketch& s : cases) {
    QuantileSketch d(0.3, 5);
    ASSERT_TRUE(d.decode(in));
    EXPECT_EQ(d, s);
    for (double q : kQuantiles) {
      if (s.count() == 0) {
        EXPECT_TRUE(std::isnan(d.quantile(q)));
      } else {
        EXPECT_EQ(d.quantile(q), s.quantile(q));
      }
    }
    EXPECT_EQ(d.count(), s.count());
    // The decoded sketch keeps working like the original.
    QuantileSketch s2 = s;
    d.add(123.25);
    s2.add(123.25);
    EXPECT_EQ(d, s2);
  }
  EXPECT_EQ(in, "tail");
}

TEST(RuntimeSketch, DecodeRejectsMalformedInputs) {
  QuantileSketch s;
  s.add(1.0);
  s.add(1.05);
  const std::string good = encoded(s);
  auto rejects = [&](std::string bytes, const char* why) {
    QuantileSketch d(0.2, 7);
    d.add(5);
    QuantileSketch before = d;
    std::string_view in = bytes;
    EXPECT_FALSE(d.decode(in)) << why;
    EXPECT_EQ(in.size(), bytes.size()) << why;
    EXPECT_EQ(d, before) << why;
  };
  std::string b = good;
  b[0] = 2;
  rejects(b, "unknown version");
  rejects("", "empty");
  for (size_t n = 1; n < good.size(); ++n) rejects(good.substr(0, n), "truncated");
  b = good;
  b[8] = 0x40;  // α = 2.0x
  rejects(b, "alpha out of range");
  b = good;
  b.replace(9, 2, "\x01", 1);
  rejects(b, "one bucket");
  b = good;
  b.replace(9, 2, bytes({0x80, 0x90, 0x00}));
  rejects(b, "over-long varint (2048 in three bytes)");
  b = good;
  b.replace(11, 1, bytes({0x80, 0x00}));
  rejects(b, "non-minimal zero");
  b = good;
  b.replace(11, 1, std::string(10, '\xff') + '\x01');
  rejects(b, "varint beyond 64 bits");
  // Positive store: span 4 at 15, key 0 at 16, counts 1 0 0 1 at 17..20.
  ASSERT_EQ(good.substr(14), bytes({0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x01}));
  b = good;
  b[20] = 0;
  rejects(b, "last count zero");
  b = good;
  b[17] = 0;
  b[18] = 1;
  rejects(b, "first count zero");
  b = good;
  b[16] = 0x7e;  // key 63: still in range, accepted
  {
    QuantileSketch d;
    std::string_view in = b;
    ASSERT_TRUE(d.decode(in));
    EXPECT_TRUE(withinBound(d.quantile(0), std::pow(1.01 / 0.99, 63) * 0.99, 1e-9));
  }
  // zigzag 2^64 − 2: key 2^63 − 1, far beyond key(DBL_MAX) = 35488.
  b.replace(16, 1, std::string(1, '\xfe') + std::string(8, '\xff') + '\x01');
  rejects(b, "key out of range");
  b = good;
  b.replace(16, 1, bytes({0xc7, 0x01}));  // zigzag 199: key −100, in range
  {
    QuantileSketch d;
    std::string_view in = b;
    EXPECT_TRUE(d.decode(in));
  }
  b = good;
  b.replace(16, 1, bytes({0xff, 0xff, 0x08}));  // zigzag 147455: key −73728 < key(DBL_MIN) = −35418
  rejects(b, "key below key(DBL_MIN)");
  // Counts whose sum overflows: zero and -inf counts of 2^64 − 1 each.
  std::string maxVarint = std::string(9, '\xff') + '\x01';
  rejects(good.substr(0, 11) + maxVarint + maxVarint + bytes({0x00, 0x00, 0x00}), "count overflow");
  rejects(good.substr(0, 11) + maxVarint + bytes({0x00, 0x00, 0x00, 0x01, 0x00, 0x01}), "store count overflow");
  // Span larger than the bound (2048) or than the bytes left.
  rejects(good.substr(0, 15) + bytes({0x81, 0x10, 0x00}) + std::string(2049, '\x01'), "span beyond bound");
  rejects(good.substr(0, 15) + bytes({0x80, 0x08, 0x00, 0x01}), "span beyond input");
}

// Counts no stream reaches but a state may claim: 2^64 − 1 zeros.
TEST(RuntimeSketch, LargestCountsDecodeAndAnswer) {
  QuantileSketch s;
  s.add(1.0);
  std::string b = encoded(s);  // …, zero count at offset 11
  b.replace(11, 1, std::string(9, '\xff') + '\x01');
  b.replace(b.size() - 4, 4, bytes({0x00, 0x00}));  // both stores empty
  QuantileSketch d;
  std::string_view in = b;
  ASSERT_TRUE(d.decode(in));
  EXPECT_EQ(d.count(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(d.quantile(1), 0.0);
  EXPECT_EQ(d.quantile(0), 0.0);
  EXPECT_EQ(encoded(d), b);
}

// Random, truncated and mutated bytes: decode never reads out of bounds (the
// sanitizers watch), and whatever it accepts re-encodes to exactly the bytes
// it consumed.
TEST(RuntimeSketch, DecodeSurvivesArbitraryBytes) {
  std::mt19937_64 rng(11);
  std::vector<std::string> seeds;
  for (uint32_t m : {2u, 16u, 2048u}) {
    QuantileSketch s(0.01, m);
    for (double v : wideValues(200, m)) s.add(v);
    seeds.push_back(encoded(s));
  }
  seeds.push_back(encoded(QuantileSketch()));
  int accepted = 0;
  for (int iter = 0; iter < 12000; ++iter) {
    std::string bytes;
    switch (iter % 4) {
      case 0: {  // random bytes, sometimes with a valid version byte
        bytes.resize(rng() % 64);
        for (char& c : bytes) c = static_cast<char>(rng());
        if (!bytes.empty() && rng() % 2) bytes[0] = 1;
        break;
      }
      case 1: {  // truncated
        const std::string& s = seeds[rng() % seeds.size()];
        bytes = s.substr(0, rng() % (s.size() + 1));
        break;
      }
      default: {  // a few bytes flipped, inserted or removed
        bytes = seeds[rng() % seeds.size()];
        for (int k = 1 + rng() % 3; k > 0; --k) {
          size_t at = rng() % bytes.size();
          switch (rng() % 3) {
            case 0: bytes[at] = static_cast<char>(rng()); break;
            case 1: bytes.insert(at, 1, static_cast<char>(rng())); break;
            default: if (bytes.size() > 1) bytes.erase(at, 1);
          }
        }
      }
    }
    QuantileSketch d;
    std::string_view in = bytes;
    if (d.decode(in)) {
      ++accepted;
      size_t used = bytes.size() - in.size();
      ASSERT_EQ(encoded(d), bytes.substr(0, used)) << "iteration " << iter;
      ASSERT_EQ(d.encodedSize(), used);
      (void)d.quantile(0.5);
    } else {
      ASSERT_EQ(in.size(), bytes.size());
    }
  }
  EXPECT_GT(accepted, 100);  // the mutations do reach the accepting paths
}

}  // namespace
