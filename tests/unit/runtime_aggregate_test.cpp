// flow/aggregate.h: the group table (first-seen order, key ownership,
// retain, reuse), key hashing and equality, and the accumulators' arithmetic,
// checked against plain computations written here.
#include "flow/aggregate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using flow::sql::Nullable;

struct Key {
  std::string_view s;
  Nullable<int64_t> n;
};
struct Ops {
  static uint64_t hash(const Key& k) {
    return flow::agg::hashCombine(flow::agg::hashValue(k.s), flow::agg::hashValue(k.n));
  }
  static bool equal(const Key& a, const Key& b) {
    return flow::agg::sameValue(a.s, b.s) && flow::agg::sameValue(a.n, b.n);
  }
  static void own(Key& k, flow::Arena& arena) { flow::agg::ownValue(k.s, arena); }
};
struct Acc {
  int64_t count = 0;
  std::string last;
  void reset() {
    count = 0;
    last.clear();
  }
};
using Table = flow::agg::GroupTable<Key, Acc, Ops>;

void add(Table& t, std::string_view s, Nullable<int64_t> n) {
  Key k{s, n};
  uint64_t h = Ops::hash(k);
  Table::Entry& e = t.findOrInsert(k, h);
  ++e.acc.count;
}

TEST(GroupTable, KeepsFirstSeenOrderAndCountsLikeAMap) {
  Table t;
  std::mt19937 rng(5);
  std::map<std::string, int64_t> expected;
  std::vector<std::string> order;
  for (int round = 0; round < 3; ++round) {
    expected.clear();
    order.clear();
    t.clear();
    for (int i = 0; i < 20000; ++i) {
      std::string key = "key-" + std::to_string(rng() % 3000);
      if (!expected.count(key)) order.push_back(key);
      ++expected[key];
      std::string copy = key;  // the table must keep its own copy of the string
      add(t, copy, Nullable<int64_t>{});
      copy.assign(copy.size(), 'x');
    }
    ASSERT_EQ(t.size(), order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      EXPECT_EQ(t[i].key.s, order[i]);
      EXPECT_EQ(t[i].acc.count, expected[order[i]]);
      EXPECT_EQ(t.indexOf(t[i]), i);
    }
  }
}

TEST(GroupTable, NullsGroupTogetherAndApartFromValues) {
  Table t;
  add(t, "a", Nullable<int64_t>{});
  add(t, "a", flow::sql::some<int64_t>(0));
  add(t, "a", Nullable<int64_t>{});
  add(t, "a", flow::sql::some<int64_t>(0));
  ASSERT_EQ(t.size(), 2u);
  EXPECT_TRUE(t[0].key.n.null);
  EXPECT_EQ(t[0].acc.count, 2);
  EXPECT_FALSE(t[1].key.n.null);
  EXPECT_EQ(t[1].acc.count, 2);
}

TEST(GroupTable, RetainKeepsOrderAndFindsTheSurvivors) {
  Table t;
  for (int i = 0; i < 1000; ++i) add(t, "k" + std::to_string(i), flow::sql::some<int64_t>(i));
  t.retain([](const Table::Entry& e) { return e.key.n.value % 3 == 0; });
  ASSERT_EQ(t.size(), 334u);
  for (size_t i = 0; i < t.size(); ++i) EXPECT_EQ(t[i].key.n.value, static_cast<int64_t>(i * 3));
  for (int i = 0; i < 1000; ++i) {
    std::string s = "k" + std::to_string(i);
    Key k{s, flow::sql::some<int64_t>(i)};
    EXPECT_EQ(t.find(k, Ops::hash(k)) != nullptr, i % 3 == 0) << i;
  }
}

TEST(GroupTable, ReusedEntriesStartEmpty) {
  Table t;
  add(t, "a", {});
  t[0].acc.last = "something long enough to allocate";
  t.clear();
  add(t, "b", {});
  EXPECT_EQ(t[0].acc.count, 1);
  EXPECT_TRUE(t[0].acc.last.empty());
}

TEST(AggregateHashing, EqualKeysHashAlike) {
  EXPECT_EQ(flow::agg::hashValue(0.0), flow::agg::hashValue(-0.0));
  EXPECT_NE(flow::agg::hashValue(std::string_view("a")), flow::agg::hashValue(std::string_view("a\0", 2)));
  EXPECT_NE(flow::agg::hashValue(int64_t{1}), flow::agg::hashValue(int64_t{2}));
  EXPECT_NE(flow::agg::hashValue(Nullable<int64_t>{}), flow::agg::hashValue(flow::sql::some<int64_t>(0)));
}

// The string hash reads short strings with two overlapping loads: every byte
// of every length must still count, and the length too (a string and the
// same string with a NUL more, which the loads could see alike).
TEST(AggregateHashing, EveryByteAndTheLengthOfAStringCount) {
  std::mt19937 rng(5);
  for (size_t n = 0; n <= 40; ++n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    uint64_t h = flow::agg::hashBytes(s);
    for (size_t i = 0; i < n; ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string t = s;
        t[i] = static_cast<char>(t[i] ^ (1 << bit));
        EXPECT_NE(flow::agg::hashBytes(t), h) << "length " << n << ", byte " << i << ", bit " << bit;
      }
    }
    EXPECT_NE(flow::agg::hashBytes(s + std::string(1, '\0')), h) << "length " << n;
  }
  // Many short keys (the common case: pages, codes, ids): no 64-bit collision.
  std::map<uint64_t, std::string> seen;
  for (int i = 0; i < 200000; ++i) {
    std::string key = (i % 3 == 0 ? "/p/" : i % 3 == 1 ? "u" : "") + std::to_string(i % 70000);
    auto [it, fresh] = seen.emplace(flow::agg::hashBytes(key), key);
    if (!fresh) {
      EXPECT_EQ(it->second, key);
    }
  }
}

// Keys of up to 16 bytes are compared from two overlapping loads: a
// difference in any byte, or in the length, must still tell them apart.
TEST(AggregateHashing, KeyEqualitySeesEveryByteAndTheLength) {
  std::mt19937 rng(9);
  for (size_t n = 0; n <= 40; ++n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    std::string same = s;  // another buffer, same bytes
    EXPECT_TRUE(flow::agg::sameValue(std::string_view(s), std::string_view(same))) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string t = s;
      t[i] = static_cast<char>(t[i] ^ 0x20);
      EXPECT_FALSE(flow::agg::sameValue(std::string_view(s), std::string_view(t))) << n << " " << i;
    }
    EXPECT_FALSE(flow::agg::sameValue(std::string_view(s), std::string_view(s + "x"))) << n;
    EXPECT_TRUE(flow::agg::sameValue(flow::sql::some(std::string_view(s)), flow::sql::some(std::string_view(same))));
  }
}

TEST(AggregateAccumulators, VarianceMatchesTwoPassAndMergesInAnyGrouping) {
  std::vector<double> xs;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> d(-1000, 1000);
  for (int i = 0; i < 1001; ++i) xs.push_back(d(rng));
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  double expected = std::sqrt(ss / static_cast<double>(xs.size() - 1));

  flow::agg::Variance all, a, b, c;
  for (size_t i = 0; i < xs.size(); ++i) {
    all.add(xs[i]);
    (i < 300 ? a : i < 700 ? b : c).add(xs[i]);
  }
  EXPECT_NEAR(all.stddev().value, expected, 1e-9 * expected);
  a.merge(b);
  a.merge(c);
  EXPECT_NEAR(a.stddev().value, expected, 1e-9 * expected);
  flow::agg::Variance one;
  one.add(5);
  EXPECT_TRUE(one.stddev().null);
  flow::agg::Variance empty;
  one.merge(empty);
  EXPECT_EQ(one.n, 1);
}

TEST(AggregateAccumulators, CheckedSumAndAverage) {
  int64_t out = 0;
  EXPECT_TRUE(flow::agg::addInt(INT64_MAX - 1, 1, out));
  EXPECT_EQ(out, INT64_MAX);
  EXPECT_FALSE(flow::agg::addInt(INT64_MAX, 1, out));
  EXPECT_FALSE(flow::agg::addInt(INT64_MIN, -1, out));
  __int128 sum = static_cast<__int128>(INT64_MAX) * 4;
  EXPECT_DOUBLE_EQ(flow::agg::averageOf(sum, 4), static_cast<double>(INT64_MAX));
}

TEST(AggregateWindows, FloorToAlignsOnTheEpochBothSides) {
  EXPECT_EQ(flow::agg::floorTo(125000, 60000), 120000);
  EXPECT_EQ(flow::agg::floorTo(120000, 60000), 120000);
  EXPECT_EQ(flow::agg::floorTo(-1, 60000), -60000);
  EXPECT_EQ(flow::agg::floorTo(-60000, 60000), -60000);
}

TEST(AggregateOrdering, NullsSortAfterValues) {
  using flow::agg::compareValues;
  EXPECT_LT(compareValues(flow::sql::some<int64_t>(5), Nullable<int64_t>{}), 0);
  EXPECT_GT(compareValues(Nullable<int64_t>{}, flow::sql::some<int64_t>(5)), 0);
  EXPECT_EQ(compareValues(Nullable<int64_t>{}, Nullable<int64_t>{}), 0);
  EXPECT_LT(compareValues(std::string_view("a"), std::string_view("b")), 0);
}

TEST(AggregateFailedGroupRow, IsADeadLetterLine) {
  std::string out;
  flow::agg::writeFailedGroupRow(out, "per_page", "integer overflow in total * 3", R"({"page":"/p"})");
  EXPECT_EQ(out,
            R"({"stream":"_dead_letter","source":"per_page","reason":"integer overflow in total * 3",)"
            R"("record":"{\"page\":\"/p\"}","id":""})"
            "\n");
}

}  // namespace
