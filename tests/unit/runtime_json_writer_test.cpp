// flow/json_writer.h and flow/time.h: escapes, invalid UTF-8, doubles that
// read back exactly, RFC 3339 timestamps both ways.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "flow/json_writer.h"
#include "flow/time.h"

namespace {

std::string str(std::string_view s) {
  std::string out;
  flow::appendJsonString(out, s);
  return out;
}

TEST(RuntimeJsonWriter, EscapesStrings) {
  EXPECT_EQ(str("plain"), "\"plain\"");
  EXPECT_EQ(str("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(str("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(str(std::string_view("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(str("/"), "\"/\"");
  EXPECT_EQ(str(""), "\"\"");
}

TEST(RuntimeJsonWriter, KeepsValidUtf8AndReplacesInvalid) {
  EXPECT_EQ(str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(str("a\xff" "b"), "\"a" + fffd + "b\"");              // not a lead byte
  EXPECT_EQ(str("\xc3"), "\"" + fffd + "\"");                     // truncated
  EXPECT_EQ(str("\xc0\xaf"), "\"" + fffd + fffd + "\"");          // overlong '/'
  EXPECT_EQ(str("\xe0\x80\xaf"), "\"" + fffd + fffd + fffd + "\"");  // overlong
  EXPECT_EQ(str("\xed\xa0\x80"), "\"" + fffd + fffd + fffd + "\"");  // surrogate
  EXPECT_EQ(str("\xf4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
  EXPECT_EQ(str("\x80"), "\"" + fffd + "\"");                     // lone continuation
}

// Plain runs are found 16 bytes a step, with an overlapping last step: every
// length and every place of one or two bytes that need attention, against
// what the contract says each byte becomes.
TEST(RuntimeJsonWriter, EscapesWhereverTheyStand) {
  struct Special {
    std::string in, out;
  };
  const std::vector<Special> specials = {{"\"", "\\\""},     {"\\", "\\\\"},          {"\n", "\\n"},
                                         {"\x01", "\\u0001"}, {"\x7f", "\\u007f"},        {"\xff", "\xef\xbf\xbd"},
                                         {"\xc3\xa9", "\xc3\xa9"}, {std::string(1, '\0'), "\\u0000"}};
  auto filler = [](size_t n) {
    std::string s;
    for (size_t k = 0; k < n; ++k) s += static_cast<char>('a' + k % 26);
    return s;
  };
  for (size_t n = 0; n <= 70; ++n) {
    EXPECT_EQ(str(filler(n)), "\"" + filler(n) + "\"") << n;
    for (size_t i = 0; i <= n; ++i) {
      for (size_t a = 0; a < specials.size(); ++a) {
        const Special& x = specials[a];
        const Special& y = specials[(a + n) % specials.size()];
        // x at i; y again 1..20 bytes later when that still fits in n.
        size_t j = i + 1 + (n + a) % 20;
        std::string in = filler(i) + x.in, want = filler(i) + x.out;
        if (j <= n) {
          in += filler(j - i - 1) + y.in + filler(n - j);
          want += filler(j - i - 1) + y.out + filler(n - j);
        } else {
          in += filler(n - i);
          want += filler(n - i);
        }
        ASSERT_EQ(str(in), "\"" + want + "\"") << "n=" << n << " i=" << i << " a=" << a;
      }
    }
  }
}

TEST(RuntimeJsonWriter, Integers) {
  std::string out;
  flow::appendJsonInt(out, 0);
  out += ' ';
  flow::appendJsonInt(out, -42);
  out += ' ';
  flow::appendJsonInt(out, std::numeric_limits<int64_t>::min());
  out += ' ';
  flow::appendJsonInt(out, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(out, "0 -42 -9223372036854775808 9223372036854775807");
}

std::string dbl(double v) {
  std::string out;
  flow::appendJsonDouble(out, v);
  return out;
}

TEST(RuntimeJsonWriter, DoublesInShortestRoundTripForm) {
  EXPECT_EQ(dbl(0.1), "0.1");
  EXPECT_EQ(dbl(812.5), "812.5");
  EXPECT_EQ(dbl(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(dbl(100.0), "100");
  EXPECT_EQ(dbl(-0.0), "-0");
  EXPECT_EQ(dbl(1e21), "1e+21");
  EXPECT_EQ(dbl(5e-324), "5e-324");
  EXPECT_EQ(dbl(std::nan("")), "null");
  EXPECT_EQ(dbl(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(dbl(-std::numeric_limits<double>::infinity()), "null");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    std::string s = dbl(v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
}

// Doubles of a few decimals take a shortcut past std::to_chars; they must
// come out exactly as to_chars writes them. The values: every decimal of up
// to 7 places over random integer parts, short decimals times constants (as
// `0.908 * price` makes them), random bit patterns between 1 and 2^53, and
// the edges of the shortcut's range, each also negated.
TEST(RuntimeJsonWriter, ShortDecimalsAsToCharsWritesThem) {
  auto reference = [](double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
  };
  long cases = 0;
  std::string failure;
  auto check = [&](double v) {
    for (double x : {v, -v}) {
      ++cases;
      std::string got = dbl(x), want = reference(x);
      if (got != want && failure.empty()) failure = want + " written as " + got;
    }
  };
  std::mt19937_64 rng(11);
  const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
  for (int k = 0; k <= 7; ++k) {
    for (int i = 0; i < 40000; ++i) {
      uint64_t whole = rng() % (uint64_t{1} << (rng() % 50));
      uint64_t frac = rng() % static_cast<uint64_t>(pow10[k]);
      check(static_cast<double>(whole) + static_cast<double>(frac) / pow10[k]);
      check((static_cast<double>(whole) * pow10[k] + static_cast<double>(frac)) / pow10[k]);
    }
  }
  for (double c : {0.908, 0.1, 1.1, 3.3, 0.07, 2.5, 1.0 / 3}) {
    for (int i = 0; i < 40000; ++i) check(c * static_cast<double>(rng() % 100000000));
  }
  for (int i = 0; i < 200000; ++i) {
    double v = std::ldexp(1.0 + static_cast<double>(rng() >> 12) / 4503599627370496.0, static_cast<int>(rng() % 53));
    check(v);
  }
  for (double v : {1.0, std::nextafter(1.0, 2.0), std::nextafter(1.0, 0.0), 1e15, std::nextafter(1e15, 0.0),
                   999999999999999.9, 99999999999999.99, 9999999999999.999, 1125899906842623.5, 0.5, 1.5,
                   2.000001, 1.0000005, 4503599627370495.5})
    check(v);
  EXPECT_EQ(failure, "");
  EXPECT_GT(cases, 2000000);
}

std::string ts(int64_t ms) {
  std::string out;
  flow::appendJsonTimestamp(out, ms);
  return out;
}

TEST(RuntimeJsonWriter, Timestamps) {
  EXPECT_EQ(ts(0), "\"1970-01-01T00:00:00.000Z\"");
  EXPECT_EQ(ts(1795428930250), "\"2026-11-23T10:15:30.250Z\"");
  EXPECT_EQ(ts(-1), "\"1969-12-31T23:59:59.999Z\"");
  EXPECT_EQ(ts(951782400000), "\"2000-02-29T00:00:00.000Z\"");
  EXPECT_EQ(ts(flow::kMinTimestampMs), "\"0000-01-01T00:00:00.000Z\"");
  EXPECT_EQ(ts(flow::kMaxTimestampMs), "\"9999-12-31T23:59:59.999Z\"");
  EXPECT_EQ(ts(flow::kMaxTimestampMs + 1), "null");
  EXPECT_EQ(ts(flow::kMinTimestampMs - 1), "null");
}

TEST(RuntimeTime, ParsesRfc3339) {
  int64_t ms = 0;
  ASSERT_TRUE(flow::parseRfc3339("2026-11-23T10:15:30.250Z", ms));
  EXPECT_EQ(ms, 1795428930250);
  ASSERT_TRUE(flow::parseRfc3339("2026-11-23T10:15:30Z", ms));
  EXPECT_EQ(ms, 1795428930000);
  ASSERT_TRUE(flow::parseRfc3339("2026-11-23T11:15:30.25+01:00", ms));
  EXPECT_EQ(ms, 1795428930250);
  ASSERT_TRUE(flow::parseRfc3339("2026-11-23T05:45:30.2509999-04:30", ms));
  EXPECT_EQ(ms, 1795428930250);  // truncated to milliseconds
  ASSERT_TRUE(flow::parseRfc3339("2026-11-23t10:15:30.250z", ms));
  EXPECT_EQ(ms, 1795428930250);
  ASSERT_TRUE(flow::parseRfc3339("2026-11-23 10:15:30.250Z", ms));
  EXPECT_EQ(ms, 1795428930250);
  ASSERT_TRUE(flow::parseRfc3339("2020-12-09T07:04:00Z", ms));  // the Kinesis window sample
  EXPECT_EQ(ms, 1607497440000);
  ASSERT_TRUE(flow::parseRfc3339("2024-02-29T00:00:00Z", ms));
  ASSERT_TRUE(flow::parseRfc3339("1969-12-31T23:59:59.999Z", ms));
  EXPECT_EQ(ms, -1);
  ASSERT_TRUE(flow::parseRfc3339("2016-12-31T23:59:60Z", ms));  // leap second reads as :59
  EXPECT_EQ(ms, 1483228799000);
}

TEST(RuntimeTime, RejectsMalformedRfc3339) {
  const char* bad[] = {
      "",
      "2026-11-23",
      "2026-11-23T10:15:30",          // no offset
      "2026-11-23T10:15:30.Z",        // empty fraction
      "2026-11-23T10:15:30.1234567890Z",
      "2026-13-01T00:00:00Z",
      "2026-02-29T00:00:00Z",         // not a leap year
      "2026-04-31T00:00:00Z",
      "2026-11-23T24:00:00Z",
      "2026-11-23T10:60:00Z",
      "2026-11-23T10:15:61Z",
      "2026-11-23T10:15:30+0100",
      "2026-11-23T10:15:30+24:00",
      "2026-11-23T10:15:30Zjunk",
      "2026/11/23T10:15:30Z",
      "20261123T101530Z",
      " 2026-11-23T10:15:30Z",
  };
  for (const char* s : bad) {
    int64_t ms;
    EXPECT_FALSE(flow::parseRfc3339(s, ms)) << s;
  }
}

TEST(RuntimeTime, EpochSeconds) {
  int64_t ms = 0;
  ASSERT_TRUE(flow::epochSecondsToMs(1607497475.000, ms));
  EXPECT_EQ(ms, 1607497475000);
  ASSERT_TRUE(flow::epochSecondsToMs(1428537600.123, ms));
  EXPECT_EQ(ms, 1428537600123);
  ASSERT_TRUE(flow::epochSecondsToMs(-1.5, ms));
  EXPECT_EQ(ms, -1500);
  EXPECT_FALSE(flow::epochSecondsToMs(std::nan(""), ms));
  EXPECT_FALSE(flow::epochSecondsToMs(1e300, ms));
}

// epochSecondsToMs rounds with trunc and a comparison (inline, no libm
// call): it must agree with std::round (half away from zero) everywhere,
// ties, negatives and the ±2^53 ms bounds included.
TEST(RuntimeTime, EpochSecondsRoundLikeStdRound) {
  auto reference = [](double seconds, int64_t& out) {
    if (!std::isfinite(seconds)) return false;
    double ms = std::round(seconds * 1000.0);
    if (!(ms >= -9007199254740992.0 && ms <= 9007199254740992.0)) return false;
    out = static_cast<int64_t>(ms);
    return true;
  };
  std::vector<double> cases = {0.0, -0.0, 0.0005, -0.0005, 0.0004999, 1.0005, -1.0005, 2.5e-3, -2.5e-3,
                               9007199254740.991, 9007199254740.992, 9007199254740.993, -9007199254740.992,
                               -9007199254740.993, 9007199254740991.5 / 1000, 1e16, -1e16,
                               std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()};
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<int64_t> millis(-4000000000000, 4000000000000);
  std::uniform_int_distribution<int> half(0, 1);
  for (int i = 0; i < 200000; ++i) {
    // k + 0.5 ms exactly (a tie), its neighbours, and Kinesis-like 3-decimal seconds.
    double tie = (static_cast<double>(millis(rng)) + (half(rng) ? 0.5 : -0.5)) / 1000.0;
    cases.push_back(tie);
    cases.push_back(std::nextafter(tie, 1e300));
    cases.push_back(std::nextafter(tie, -1e300));
    cases.push_back(static_cast<double>(millis(rng)) / 1000.0);
    uint64_t bits = rng();
    double any;
    std::memcpy(&any, &bits, sizeof any);
    cases.push_back(any);
  }
  for (double seconds : cases) {
    int64_t got = 0, want = 0;
    bool ok = flow::epochSecondsToMs(seconds, got);
    ASSERT_EQ(ok, reference(seconds, want)) << seconds;
    if (ok) ASSERT_EQ(got, want) << std::hexfloat << seconds;
  }
}

TEST(RuntimeTime, FormatAndParseAgreeEverywhere) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> dist(flow::kMinTimestampMs, flow::kMaxTimestampMs);
  for (int i = 0; i < 20000; ++i) {
    int64_t ms = dist(rng);
    char buf[24];
    ASSERT_EQ(flow::formatRfc3339(ms, buf), 24u);
    int64_t back = 0;
    ASSERT_TRUE(flow::parseRfc3339(std::string_view(buf, 24), back)) << std::string_view(buf, 24);
    ASSERT_EQ(back, ms);
  }
}

// Independent check of the calendar against libc's timegm.
TEST(RuntimeTime, DaysFromCivilMatchesTimegm) {
  for (int y = 1900; y <= 2100; y += 7) {
    for (unsigned m = 1; m <= 12; ++m) {
      tm t{};
      t.tm_year = y - 1900;
      t.tm_mon = static_cast<int>(m) - 1;
      t.tm_mday = 28;
      EXPECT_EQ(flow::daysFromCivil(y, m, 28) * 86400, static_cast<int64_t>(timegm(&t))) << y << "-" << m;
    }
  }
}

}  // namespace
