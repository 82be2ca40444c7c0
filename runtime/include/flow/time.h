// flow/time.h — timestamps as epoch milliseconds (int64, UTC), the runtime's
// only time representation.
//
// Contract:
// - parseRfc3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)`; `T` may be `t`
//   or a space and `Z` may be `z` (RFC 3339 §5.6 and its note); the fraction
//   has 1–9 digits and is truncated to milliseconds; the date must exist
//   (leap years checked); second 60 (a leap second) reads as 59; offsets up
//   to ±23:59. Anything else — trailing text, a missing offset — fails.
// - epochSecondsToMs: a float of epoch seconds (Kinesis
//   approximateArrivalTimestamp, `timestamp(seconds)` fields), rounded to
//   the nearest millisecond; non-finite or out of ±2^53 ms fails.
// - formatRfc3339: the inverse, always with milliseconds and `Z`; years
//   0000–9999 only (returns 0 otherwise).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flow {

// Years 0000–9999, the range RFC 3339 strings can express.
constexpr int64_t kMinTimestampMs = -62167219200000;  // 0000-01-01T00:00:00.000Z
constexpr int64_t kMaxTimestampMs = 253402300799999;  // 9999-12-31T23:59:59.999Z

bool parseRfc3339(std::string_view s, int64_t& epochMs);

// Inline: the Kinesis envelope calls it once per record, and std::round is a
// libm call where trunc is one instruction (SSE4.1 / NEON). Half away from
// zero exactly as std::round: x - trunc(x) is exact (Sterbenz; or x itself
// when |x| < 1), so comparing it with 0.5 decides the same ties.
inline bool epochSecondsToMs(double seconds, int64_t& epochMs) {
  double x = seconds * 1000.0;
  if (!(x >= -9007199254740992.0 && x <= 9007199254740992.0)) return false;  // also NaN and ±inf
  double ms = std::trunc(x);
  double rest = x - ms;
  if (rest >= 0.5) ms += 1.0;
  if (rest <= -0.5) ms -= 1.0;
  if (!(ms >= -9007199254740992.0 && ms <= 9007199254740992.0)) return false;
  epochMs = static_cast<int64_t>(ms);
  return true;
}

// Writes 24 characters ("2026-11-23T10:15:30.250Z") into out and returns 24,
// or returns 0 if epochMs is outside [kMinTimestampMs, kMaxTimestampMs].
size_t formatRfc3339(int64_t epochMs, char out[24]);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12).
int64_t daysFromCivil(int64_t year, unsigned month, unsigned day);
// The inverse: the civil date of a count of days since 1970-01-01.
void civilFromDays(int64_t days, int64_t& year, unsigned& month, unsigned& day);

// Wall-clock milliseconds since the epoch (CLOCK_REALTIME).
int64_t nowEpochMs();

}  // namespace flow
