// flow/state.h: the window state's binary encoding round-trips exactly,
// never reads past its input, and its JSON wrapping refuses what it cannot
// read with Function.InvalidState.
#include "flow/state.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace {

using flow::sql::Nullable;

TEST(StateEncoding, EveryTypeRoundTripsExactly) {
  std::string bin;
  flow::state::Writer w(bin);
  flow::state::writeHeader(w, 0x0123456789abcdefULL);
  const int64_t ints[] = {0, 1, -1, 63, -64, 64, INT64_MAX, INT64_MIN};
  for (int64_t v : ints) w.put(v);
  w.put(uint64_t{UINT64_MAX});
  w.put(uint32_t{4000000000u});
  w.put(true);
  w.put(false);
  const double doubles[] = {0.1, -0.0, 1e308, std::numeric_limits<double>::denorm_min()};
  for (double v : doubles) w.put(v);
  __int128 big = static_cast<__int128>(INT64_MIN) * 3;
  w.put(big);
  w.put(std::string_view("h\0llo", 5));
  w.put(std::string("é"));
  w.put(Nullable<int64_t>{});
  w.put(flow::sql::some<std::string_view>("x"));
  flow::agg::Variance v;
  v.add(1.5);
  v.add(2.25);
  w.put(v);
  flow::QuantileSketch q;
  for (int i = 1; i <= 100; ++i) q.add(i);
  w.put(q);

  flow::state::Reader r(bin);
  ASSERT_EQ(flow::state::checkHeader(r, 0x0123456789abcdefULL), std::nullopt);
  for (int64_t expected : ints) {
    int64_t got = 0;
    r.get(got);
    EXPECT_EQ(got, expected);
  }
  uint64_t u = 0;
  r.get(u);
  EXPECT_EQ(u, UINT64_MAX);
  uint32_t u32 = 0;
  r.get(u32);
  EXPECT_EQ(u32, 4000000000u);
  bool b1 = false, b2 = true;
  r.get(b1);
  r.get(b2);
  EXPECT_TRUE(b1);
  EXPECT_FALSE(b2);
  for (double expected : doubles) {
    double got = 1;
    r.get(got);
    EXPECT_EQ(std::signbit(got), std::signbit(expected));
    EXPECT_EQ(got, expected);
  }
  __int128 gotBig = 0;
  r.get(gotBig);
  EXPECT_TRUE(gotBig == big);
  std::string_view s;
  r.get(s);
  EXPECT_EQ(s, std::string_view("h\0llo", 5));
  std::string s2;
  r.get(s2);
  EXPECT_EQ(s2, "é");
  Nullable<int64_t> n = flow::sql::some<int64_t>(3);
  r.get(n);
  EXPECT_TRUE(n.null);
  Nullable<std::string_view> ns;
  r.get(ns);
  EXPECT_FALSE(ns.null);
  EXPECT_EQ(ns.value, "x");
  flow::agg::Variance v2;
  r.get(v2);
  EXPECT_EQ(v2.n, 2);
  EXPECT_EQ(v2.mean, v.mean);
  EXPECT_EQ(v2.m2, v.m2);
  flow::QuantileSketch q2;
  r.get(q2);
  EXPECT_TRUE(q2 == q);
  EXPECT_FALSE(r.failed());
  EXPECT_TRUE(r.atEnd());
}

TEST(StateEncoding, ShortInputFailsWithoutReadingPastIt) {
  std::string bin;
  flow::state::Writer w(bin);
  w.put(std::string_view("a string of some length"));
  w.put(int64_t{1} << 40);
  for (size_t cut = 0; cut < bin.size(); ++cut) {
    flow::state::Reader r(std::string_view(bin.data(), cut));
    std::string_view s;
    int64_t v = 0;
    r.get(s);
    r.get(v);
    EXPECT_TRUE(r.failed()) << cut;
  }
  // A count larger than what is left is refused before anything is read.
  std::string lie;
  flow::state::Writer lw(lie);
  lw.u64(1000000);
  flow::state::Reader r(lie);
  EXPECT_EQ(r.count(), 0u);
  EXPECT_TRUE(r.failed());
}

TEST(StateEncoding, HeaderRefusesOtherVersionsAndLayouts) {
  std::string bin;
  flow::state::Writer w(bin);
  flow::state::writeHeader(w, 42);
  flow::state::Reader other(bin);
  flow::Status s = flow::state::checkHeader(other, 43);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, "Function.InvalidState");
  EXPECT_NE(s->message.find("different program"), std::string::npos);

  bin[0] = 9;
  flow::state::Reader newer(bin);
  s = flow::state::checkHeader(newer, 42);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->message,
            "the window state has format version 9; this handler reads version 1 only (was it written by another "
            "flowc?)");
}

TEST(StateJson, WrapUnwrapAndWhatIsNoState) {
  std::string bin;
  for (int i = 0; i < 256; ++i) bin.push_back(static_cast<char>(i));
  for (size_t len : {0u, 1u, 2u, 3u, 4u, 255u, 256u}) {
    std::string json, back;
    flow::state::wrap(bin.substr(0, len), json);
    EXPECT_EQ(json.rfind("{\"flowc\":\"", 0), 0u);
    EXPECT_EQ(flow::state::unwrap(json, back), std::nullopt) << json;
    EXPECT_EQ(back, bin.substr(0, len));
  }
  std::string out = "left over";
  EXPECT_EQ(flow::state::unwrap("", out), std::nullopt);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(flow::state::unwrap("null", out), std::nullopt);
  EXPECT_EQ(flow::state::unwrap("{}", out), std::nullopt);
  EXPECT_EQ(flow::state::unwrap(R"({"1":"state 1","2":"state 2"})", out), std::nullopt);
  EXPECT_TRUE(out.empty());

  flow::Status s = flow::state::unwrap(R"({"flowc":17})", out);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, "Function.InvalidState");
  s = flow::state::unwrap(R"({"flowc":"abc"})", out);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->message, "the window state's member \"flowc\" is not valid base64: length is not a multiple of 4 at offset 3");
  s = flow::state::unwrap("[1,2]", out);
  ASSERT_TRUE(s);
  s = flow::state::unwrap("{nope", out);
  ASSERT_TRUE(s);
}

}  // namespace
