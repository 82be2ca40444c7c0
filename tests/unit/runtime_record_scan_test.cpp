// flow/record_scan.h's word-at-a-time shortcuts, each against its byte loop.
//
// Cursor::integer and Cursor::decimal: the same answer, value and end
// position as their byte loops (Cursor::integerLoop and
// Cursor::decimalLoop, which they fall back to and which were the whole of
// them before) on every length of digits 0..21, with and without '-' and
// leading zeros, followed by every byte that matters, and with the record's
// end falling inside the digits (the bytes past it are digits too).
//
// The timestamp shortcut, commonRfc3339: it must accept
// exactly what its byte-at-a-time form (written out below, as it was before
// the word-at-a-time one) accepts, and only what the full RFC 3339 parser
// (flow::parseRfc3339) reads as an instant within years 0000-9999. Both of a
// handler's decoders use the shortcut, so the fast-path differential test
// cannot see it accept too much: this test does. Over valid timestamps of
// every fraction length, every calendar edge (month ends, 29 February in
// leap and common years, hour 23/24, second 59/60/61), every byte replaced
// at every position by bytes that matter, and every length 18..32, each
// string followed by bytes that could be mistaken for more of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "flow/record_scan.h"
#include "flow/time.h"

namespace {

// The byte loop commonRfc3339 replaced: the oracle.
bool byteLoopRfc3339(std::string_view s) {
  if (s.size() < 20 || s.size() > 30) return false;
  const char* q = s.data();
  auto digit = [q](size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(q[i]) - '0'); };
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (digit(i) > 9) return false;
  }
  if (q[4] != '-' || q[7] != '-' || q[10] != 'T' || q[13] != ':' || q[16] != ':') return false;
  unsigned year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  unsigned month = digit(5) * 10 + digit(6), day = digit(8) * 10 + digit(9);
  unsigned hour = digit(11) * 10 + digit(12), minute = digit(14) * 10 + digit(15);
  unsigned second = digit(17) * 10 + digit(18);
  static constexpr unsigned char kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  if (day > kDays[month - 1] + (month == 2 && leap ? 1u : 0u)) return false;
  size_t i = 19;
  if (q[i] == '.') {
    size_t first = ++i;
    while (i < s.size() && digit(i) <= 9) ++i;
    if (i == first || i - first > 9) return false;
  }
  return i + 1 == s.size() && q[i] == 'Z';
}

struct Check {
  long cases = 0, accepted = 0;
  std::string failure;

  // `text` placed in a buffer followed by `after` (what the payload holds
  // past the string: its closing quote, digits, padding).
  void run(const std::string& text, const std::string& after) {
    std::string buffer = text + after + std::string(64, '\0');
    std::string_view s(buffer.data(), text.size());
    ++cases;
    bool got = flow::scan::commonRfc3339(s), want = byteLoopRfc3339(s);
    if (got) ++accepted;
    if (got != want && failure.empty()) {
      failure = "'" + text + "' followed by '" + after + "': " + (got ? "accepted" : "refused") +
                ", the byte loop " + (want ? "accepts" : "refuses");
    }
    int64_t ms = 0;
    if (got && (!flow::parseRfc3339(s, ms) || ms < flow::kMinTimestampMs || ms > flow::kMaxTimestampMs) &&
        failure.empty()) {
      failure = "'" + text + "' accepted, but parseRfc3339 does not read it as a year 0000-9999 instant";
    }
  }
};

std::string two(unsigned v) { return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10); }

std::string stamp(unsigned year, unsigned month, unsigned day, unsigned hour, unsigned minute, unsigned second,
                  const std::string& fraction) {
  std::string y = std::to_string(year);
  y = std::string(4 - std::min<size_t>(4, y.size()), '0') + y;
  return y + "-" + two(month) + "-" + two(day) + "T" + two(hour) + ":" + two(minute) + ":" + two(second) + fraction +
         "Z";
}

// The numbers both shortcuts are held to their loops on: every length of
// digits 0..21, with and without a sign and leading zeros, followed by every
// byte that matters, whole and with the record's end falling anywhere in
// them. visit(text) gets the record's text; the bytes past its end are
// readable (its padding: here more digits, then zeros).
template <class Visit>
void forEachNumber(Visit&& visit) {
  auto run = [&](const std::string& number, const std::string& after, size_t cut) {
    std::string buffer = number + after + "9876543210987654321" + std::string(64, '\0');
    size_t size = std::min(cut, number.size() + after.size());
    visit(std::string_view(buffer.data(), size), number + "' + '" + after + "' cut at " + std::to_string(cut));
  };
  const std::vector<std::string> afters = {"", ",", "}", " ", ".", ".5", ".123", "e3", "E", "x", "\"",
                                           std::string(1, '\0')};
  std::mt19937 rng(5);
  for (int length = 0; length <= 21; ++length) {
    for (const char* sign : {"", "-", "--", "+"}) {
      for (int first : {0, 1, 9}) {
        for (int trial = 0; trial < 20; ++trial) {
          std::string number = sign;
          for (int i = 0; i < length; ++i)
            number += static_cast<char>('0' + (i == 0 ? first : static_cast<int>(rng() % 10)));
          for (const std::string& after : afters) {
            run(number, after, std::string::npos);
            run(number, after, rng() % (number.size() + after.size() + 1));
          }
        }
      }
    }
  }
  for (const char* edge : {"999999999999999", "-999999999999999", "1000000000000000", "999999999999999999",
                           "-999999999999999999", "1000000000000000000", "0", "-0", "00", "01", "-01"})
    for (const std::string& after : afters) run(edge, after, std::string::npos);
}

TEST(RecordScan, IntegerShortcutReadsWhatTheByteLoopReads) {
  long cases = 0, accepted = 0;
  std::string failure;
  forEachNumber([&](std::string_view text, const std::string& what) {
    ++cases;
    int64_t want = 0, got = 0;
    flow::scan::Cursor loop(text), c(text);
    const char* wantEnd = loop.integerLoop(want) ? loop.p : nullptr;
    bool ok = c.integer(got);
    if (ok) ++accepted;
    if (ok != (wantEnd != nullptr) || (ok && (got != want || c.p != wantEnd))) {
      if (failure.empty())
        failure = "'" + what + ": " + (ok ? "read " + std::to_string(got) : std::string("refused")) +
                  ", the byte loop " + (wantEnd ? "reads " + std::to_string(want) : std::string("refuses"));
    }
  });
  EXPECT_EQ(failure, "");
  EXPECT_GT(accepted, cases / 10);
  EXPECT_LT(accepted, cases);
}

// Cursor::decimal reads integers a word at a time and falls back to its byte
// loop (Cursor::decimalLoop, the whole of decimal() before) for the rest.
TEST(RecordScan, DecimalShortcutReadsWhatTheByteLoopReads) {
  long cases = 0, accepted = 0, fractions = 0;
  std::string failure;
  forEachNumber([&](std::string_view text, const std::string& what) {
    ++cases;
    flow::scan::Decimal want, got;
    flow::scan::Cursor loop(text), c(text);
    const char* wantEnd = loop.decimalLoop(want) ? loop.p : nullptr;
    bool ok = c.decimal(got);
    if (ok) ++accepted;
    if (ok && got.fraction > 0) ++fractions;
    if (ok != (wantEnd != nullptr) ||
        (ok && (got.digits != want.digits || got.fraction != want.fraction || got.negative != want.negative ||
                c.p != wantEnd))) {
      if (failure.empty())
        failure = "'" + what + ": " +
                  (ok ? "read " + std::to_string(got.digits) + "/10^" + std::to_string(got.fraction)
                      : std::string("refused")) +
                  ", the byte loop " +
                  (wantEnd ? "reads " + std::to_string(want.digits) + "/10^" + std::to_string(want.fraction)
                           : std::string("refuses"));
    }
  });
  EXPECT_EQ(failure, "");
  EXPECT_GT(accepted, cases / 10);
  EXPECT_GT(fractions, 0);
  EXPECT_LT(accepted, cases);
}

TEST(RecordScan, TimestampShortcutAcceptsWhatTheByteLoopAccepts) {
  Check c;
  const std::vector<std::string> afters = {"\"", "\",", "0", "123\"", "Z\"", ""};
  std::vector<std::string> valid;
  for (unsigned year : {0u, 1u, 1900u, 1970u, 2000u, 2023u, 2024u, 2100u, 9999u})
    for (unsigned month = 0; month <= 13; ++month)
      for (unsigned day : {0u, 1u, 28u, 29u, 30u, 31u, 32u})
        valid.push_back(stamp(year, month, day, 12, 30, 45, ""));
  for (unsigned hour : {0u, 23u, 24u, 99u})
    for (unsigned minute : {0u, 59u, 60u})
      for (unsigned second : {0u, 59u, 60u, 61u}) valid.push_back(stamp(2025, 11, 23, hour, minute, second, ""));
  std::string digits;
  for (int k = 0; k <= 11; ++k) {
    valid.push_back(stamp(2025, 11, 23, 10, 0, 0, k == 0 ? "." : "." + digits));
    digits += static_cast<char>('0' + (k * 7 + 3) % 10);
  }
  for (const std::string& v : valid)
    for (const std::string& a : afters) c.run(v, a);

  // Every byte of some valid stamps replaced by bytes that matter.
  const std::string bytes = std::string("0123456789-:.TZtz +/\"\\") + '\0' + "\x7f\x80\xff" + "/:";
  for (const std::string& v : {stamp(2025, 11, 23, 10, 0, 0, ""), stamp(2024, 2, 29, 23, 59, 60, ".123"),
                               stamp(2025, 12, 31, 0, 0, 0, ".123456789")}) {
    for (size_t pos = 0; pos < v.size(); ++pos)
      for (char b : bytes) {
        std::string x = v;
        x[pos] = b;
        for (const std::string& a : afters) c.run(x, a);
      }
    for (size_t len = 18; len <= 32; ++len) {  // cut short or grown
      std::string x = len <= v.size() ? v.substr(0, len) : v + std::string(len - v.size(), '0');
      for (const std::string& a : afters) c.run(x, a);
    }
  }

  // Random stamps near the valid shape.
  std::mt19937 rng(3);
  for (int i = 0; i < 200000; ++i) {
    std::string x = stamp(rng() % 10000, rng() % 14, rng() % 33, rng() % 26, rng() % 62, rng() % 63,
                          rng() % 2 ? "" : "." + std::to_string(rng() % 100000));
    if (rng() % 4 == 0) x[rng() % x.size()] = static_cast<char>(rng());
    c.run(x, afters[rng() % afters.size()]);
  }
  EXPECT_EQ(c.failure, "");
  EXPECT_GT(c.accepted, c.cases / 10);  // valid stamps were really exercised
  EXPECT_LT(c.accepted, c.cases);
}

}  // namespace
