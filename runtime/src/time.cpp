// Epoch-millisecond conversions (flow/time.h). The calendar arithmetic is
// Howard Hinnant's days_from_civil / civil_from_days: exact for the whole
// proleptic Gregorian range, no tables, no libc time zone machinery (TZ is
// irrelevant: everything is UTC).
#include "flow/time.h"

#include <array>
#include <cmath>
#include <cstring>
#include <ctime>

namespace flow {
namespace {

bool isLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned daysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `count` digits at s[pos].
bool digits(std::string_view s, size_t pos, size_t count, int& value) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  value = v;
  return true;
}

// "00", "01", … "99": two digits at 2 * v.
constexpr std::array<char, 200> kTwoDigits = [] {
  std::array<char, 200> t{};
  for (int v = 0; v < 100; ++v) {
    t[2 * v] = static_cast<char>('0' + v / 10);
    t[2 * v + 1] = static_cast<char>('0' + v % 10);
  }
  return t;
}();

}  // namespace

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool parseRfc3339(std::string_view s, int64_t& epochMs) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day)) {
    return false;
  }
  char t = s[10];
  if (t != 'T' && t != 't' && t != ' ') return false;
  if (!digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (second == 60) second = 59;  // a leap second reads as the second before it
  size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
      ++pos;
    }
    size_t count = pos - start;
    if (count == 0 || count > 9) return false;
    for (size_t k = count; k < 3; ++k) millis *= 10;
  }
  if (pos >= s.size()) return false;  // the offset is required
  int offsetMinutes = 0;
  char z = s[pos];
  if (z == 'Z' || z == 'z') {
    ++pos;
  } else if (z == '+' || z == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om)) {
      return false;
    }
    if (oh > 23 || om > 59) return false;
    offsetMinutes = (oh * 60 + om) * (z == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  int64_t days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - int64_t{offsetMinutes} * 60;
  epochMs = secs * 1000 + millis;
  return true;
}

size_t formatRfc3339(int64_t epochMs, char out[24]) {
  if (epochMs < kMinTimestampMs || epochMs > kMaxTimestampMs) return 0;
  int64_t days = epochMs >= 0 ? epochMs / 86400000 : -((-epochMs + 86399999) / 86400000);
  int64_t msOfDay = epochMs - days * 86400000;
  int64_t y;
  unsigned m, d;
  civilFromDays(days, y, m, d);
  // Two digits a copy (a digit a division was ~330 instructions a timestamp,
  // callgrind, the Nexmark q0 handler).
  auto two = [&](size_t at, unsigned v) { std::memcpy(out + at, &kTwoDigits[2 * v], 2); };
  const unsigned year = static_cast<unsigned>(y);  // 0..9999 within the range checked above
  const unsigned secondOfDay = static_cast<unsigned>(msOfDay / 1000), millis = static_cast<unsigned>(msOfDay % 1000);
  two(0, year / 100);
  two(2, year % 100);
  out[4] = '-';
  two(5, m);
  out[7] = '-';
  two(8, d);
  out[10] = 'T';
  two(11, secondOfDay / 3600);
  out[13] = ':';
  two(14, secondOfDay / 60 % 60);
  out[16] = ':';
  two(17, secondOfDay % 60);
  out[19] = '.';
  out[20] = static_cast<char>('0' + millis / 100);
  two(21, millis % 100);
  out[23] = 'Z';
  return 24;
}

int64_t nowEpochMs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace flow
