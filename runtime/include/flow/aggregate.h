// flow/aggregate.h — what generated group-by, distinct and top-N code uses:
// key hashing, the insertion-ordered hash table of groups (GroupTable), the
// accumulator arithmetic of the aggregates (checked sums, Welford's running
// variance and its merge), and the line a failed group row leaves on stdout.
//
// Contract:
// - GroupTable<Key, Acc, Ops> maps a key struct (generated per Aggregate: one
//   field per key column, of the column's C++ type) to one accumulator struct.
//   Entries stay in the order their keys were first inserted: iterating
//   0..size() is that order (it is the order rows are emitted in, so output
//   is deterministic). insert() copies the key's strings into the table's own
//   arena (Ops::own), since the record they came from dies; find()/insert()
//   never allocate once the table has seen as many groups before (clear()
//   keeps the slots, the entries, their accumulators' memory and the arena).
//   Ops provides: static uint64_t hash(const Key&); static bool equal(const
//   Key&, const Key&); static void own(Key&, flow::Arena&). Acc provides
//   reset(), which empties it but may keep its memory (strings, sketches).
// - Entry pointers stay valid until the next insert(), clear() or retain().
// - Floats used as keys are finite (flow/sql.h); -0.0 and 0.0 are one key.
//   Null is a key value like any other: nulls group together (SQL).
//
// Why not abseil's flat_hash_map: generated handlers are static executables
// for x86_64 and arm64 built with clang and Debian's cross libraries, and
// Debian ships abseil for the host architecture only; and emission needs
// the groups in first-seen order, which flat_hash_map does not keep. This
// table stores 8-byte slots {index, hash tag} probed linearly over a dense
// entry vector, so a miss rarely touches an entry.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flow/arena.h"
#include "flow/sql.h"

namespace flow::agg {

// ------------------------------------------------------------------ hashing

inline uint64_t mix(uint64_t x) {
  // splitmix64's finalizer: every input bit reaches every output bit.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

inline uint64_t hashCombine(uint64_t seed, uint64_t h) {
  return mix(seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)));
}

inline uint64_t hashValue(int64_t v) { return mix(static_cast<uint64_t>(v)); }
inline uint64_t hashValue(uint32_t v) { return mix(v); }
inline uint64_t hashValue(bool v) { return mix(v ? 0x51ULL : 0x50ULL); }
inline uint64_t hashValue(double v) {
  if (v == 0) v = 0;  // -0.0 and 0.0 are one key
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return mix(bits ^ 0x7ff0000000000001ULL);
}
// Strings: keys are mostly short (pages, countries, ids), so up to 16 bytes
// are hashed inline from two loads that together cover every byte (they
// overlap when the string is shorter than both), with the length in the
// seed; longer strings go 8 bytes at a time (hashLongBytes). Measured on
// q2 (5000 records, 4-byte page keys; BM_Q2Handler, perf): the out-of-line
// word loop with its variable-length memcpy was 4.3% of the handler.
uint64_t hashLongBytes(std::string_view s);
inline uint64_t hashBytes(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  if (n > 16) return hashLongBytes(s);
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
  } else if (n >= 4) {
    uint32_t x, y;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, p + n - 4, 4);
    a = x;
    b = y;
  } else if (n > 0) {
    a = (uint64_t{p[0]} << 16) | (uint64_t{p[n >> 1]} << 8) | p[n - 1];
  }
  uint64_t seed = 0x243f6a8885a308d3ULL ^ (static_cast<uint64_t>(n) * 0x9e3779b97f4a7c15ULL);
  return mix(mix(seed ^ a) ^ b);
}
inline uint64_t hashValue(std::string_view s) { return hashBytes(s); }
template <class T>
uint64_t hashValue(const sql::Nullable<T>& v) {
  return v.null ? 0x6e756c6cULL : hashValue(v.value);
}

// Key equality: nulls are equal to each other (one group), and to nothing else.
// Strings of up to 16 bytes are compared inline from the same two
// overlapping loads as hashBytes (a memcmp call was 1.8% of q2's handler).
// Whether the first and the last sizeof(Word) bytes of p and q (n of them,
// n >= sizeof(Word)) are equal: with n <= 2 * sizeof(Word), all of them.
template <class Word>
inline bool sameEnds(const char* p, const char* q, size_t n) {
  Word x0, y0, x1, y1;
  std::memcpy(&x0, p, sizeof(Word));
  std::memcpy(&y0, q, sizeof(Word));
  std::memcpy(&x1, p + n - sizeof(Word), sizeof(Word));
  std::memcpy(&y1, q + n - sizeof(Word), sizeof(Word));
  return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}
inline bool sameBytes(std::string_view a, std::string_view b) {
  size_t n = a.size();
  if (n != b.size()) return false;
  if (n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
  const char *p = a.data(), *q = b.data();
  if (n >= 8) return sameEnds<uint64_t>(p, q, n);
  if (n >= 4) return sameEnds<uint32_t>(p, q, n);
  return n == 0 || (p[0] == q[0] && p[n >> 1] == q[n >> 1] && p[n - 1] == q[n - 1]);
}
template <class T>
bool sameValue(const T& a, const T& b) {
  return a == b;
}
inline bool sameValue(std::string_view a, std::string_view b) { return sameBytes(a, b); }
template <class T>
bool sameValue(const sql::Nullable<T>& a, const sql::Nullable<T>& b) {
  return a.null ? b.null : (!b.null && sameValue(a.value, b.value));
}

// Ordering for `order by`: negative, zero or positive; nulls after every value.
template <class T>
int compareValues(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
template <class T>
int compareValues(const sql::Nullable<T>& a, const sql::Nullable<T>& b) {
  if (a.null || b.null) return a.null == b.null ? 0 : (a.null ? 1 : -1);
  return compareValues(a.value, b.value);
}

// A key's string into `arena` (other types: nothing to do).
inline void ownValue(std::string_view& s, Arena& arena) { s = arena.copy(s); }
inline void ownValue(sql::Nullable<std::string_view>& s, Arena& arena) {
  if (!s.null) s.value = arena.copy(s.value);
}
template <class T>
void ownValue(T&, Arena&) {}

// ------------------------------------------------------------------ the group table

template <class Key, class Acc, class Ops>
class GroupTable {
 public:
  struct Entry {
    Key key{};
    Acc acc{};
    uint64_t hash = 0;
  };

  GroupTable() { slots_.assign(kMinSlots, Slot{}); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Entry& operator[](size_t i) { return entries_[i]; }
  const Entry& operator[](size_t i) const { return entries_[i]; }
  Arena& arena() { return arena_; }

  size_t indexOf(const Entry& e) const { return static_cast<size_t>(&e - entries_.data()); }

  Entry* find(const Key& key, uint64_t hash) {
    size_t mask = slots_.size() - 1;
    uint32_t tag = tagOf(hash);
    for (size_t s = hash & mask;; s = (s + 1) & mask) {
      const Slot& slot = slots_[s];
      if (slot.index == 0) return nullptr;
      if (slot.tag == tag) {
        Entry& e = entries_[slot.index - 1];
        if (e.hash == hash && Ops::equal(e.key, key)) return &e;
      }
    }
  }

  // `key` must not be in the table (find() first).
  Entry& insert(const Key& key, uint64_t hash) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    if (size_ == entries_.size()) entries_.emplace_back();
    Entry& e = entries_[size_];
    e.key = key;
    Ops::own(e.key, arena_);
    e.acc.reset();
    e.hash = hash;
    ++size_;
    place(hash, static_cast<uint32_t>(size_));
    return e;
  }

  Entry& findOrInsert(const Key& key, uint64_t hash) {
    Entry* e = find(key, hash);
    return e ? *e : insert(key, hash);
  }

  // Empties the table; its memory is kept for the next round.
  void clear() {
    if (size_ != 0) std::fill(slots_.begin(), slots_.end(), Slot{});
    size_ = 0;
    arena_.reset();  // also the strings of entries retain() removed
  }

  // Keeps the entries for which keep(entry) is true, in their order. The
  // arena keeps the strings of the removed ones until clear().
  template <class Keep>
  void retain(Keep keep) {
    size_t out = 0;
    for (size_t i = 0; i < size_; ++i) {
      if (!keep(entries_[i])) continue;
      if (out != i) std::swap(entries_[out], entries_[i]);
      ++out;
    }
    size_ = out;
    std::fill(slots_.begin(), slots_.end(), Slot{});
    for (size_t i = 0; i < size_; ++i) place(entries_[i].hash, static_cast<uint32_t>(i + 1));
  }

 private:
  static constexpr size_t kMinSlots = 16;
  struct Slot {
    uint32_t index = 0;  // entry index + 1; 0: empty
    uint32_t tag = 0;    // the hash's high bits, to skip most mismatches
  };
  static uint32_t tagOf(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  void place(uint64_t hash, uint32_t index) {
    size_t mask = slots_.size() - 1;
    size_t s = hash & mask;
    while (slots_[s].index != 0) s = (s + 1) & mask;
    slots_[s] = Slot{index, tagOf(hash)};
  }

  void grow() {
    slots_.assign(slots_.size() * 2, Slot{});
    for (size_t i = 0; i < size_; ++i) place(entries_[i].hash, static_cast<uint32_t>(i + 1));
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;  // [0, size_) in use; the rest kept for reuse
  size_t size_ = 0;
  Arena arena_{4096};
};

// The accumulator of a table that only needs its keys (distinct rows, the
// values of count(distinct e)).
struct NoAcc {
  void reset() {}
};

// ------------------------------------------------------------------ accumulators

// sum(int): false when a + b overflows 64 bits (the record then fails).
inline bool addInt(int64_t a, int64_t b, int64_t& out) { return !__builtin_add_overflow(a, b, &out); }

// Welford's running mean and sum of squared deviations: stddev's partial
// aggregate. merge() is Chan, Golub and LeVeque's pairwise update.
struct Variance {
  int64_t n = 0;
  double mean = 0;
  double m2 = 0;

  void add(double x) {
    ++n;
    double delta = x - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (x - mean);
  }
  void merge(const Variance& o) {
    if (o.n == 0) return;
    if (n == 0) {
      *this = o;
      return;
    }
    double na = static_cast<double>(n), nb = static_cast<double>(o.n);
    double delta = o.mean - mean;
    double total = na + nb;
    mean += delta * nb / total;
    m2 += o.m2 + delta * delta * na * nb / total;
    n += o.n;
  }
  // The sample standard deviation; null for fewer than two values.
  sql::Nullable<double> stddev() const {
    if (n < 2) return {};
    double v = m2 / static_cast<double>(n - 1);
    return sql::some(std::sqrt(v < 0 ? 0.0 : v));
  }
};

// avg(int): the exact sum (128 bits: no overflow before 2^64 rows) and the
// count, divided once at the end.
inline double averageOf(__int128 sum, int64_t n) {
  return static_cast<double>(sum) / static_cast<double>(n);
}

// ------------------------------------------------------------------ windows

// The start of the window (or pane) of `step` ms holding time t: windows are
// aligned to multiples of their step since the epoch (floor, also before 1970).
inline int64_t floorTo(int64_t t, int64_t step) {
  int64_t r = t % step;
  return r < 0 ? t - r - step : t - r;
}

// The window columns of a windowed group's row.
struct WindowRow {
  int64_t start = 0;   // window_start (epoch ms)
  int64_t end = 0;     // window_end
  bool complete = true;  // window_complete: false when emitted early
};

// ------------------------------------------------------------------ failed group rows

// A group row that fails after its records were processed (an overflow in
// `having` or in the select list of an aggregated stream) has no record to
// dead-letter: it is written to the dead-letter output with the stream's
// name as its source, its reason, and `record` holding the row's group key
// as a JSON object.
//   {"stream":"_dead_letter","source":"per_page","reason":"…","record":"{\"page\":\"/p\"}","id":""}
void writeFailedGroupRow(std::string& out, std::string_view stream, std::string_view reason,
                         std::string_view keyJson);

// The reason a late record (event time before the watermark minus the
// allowed lateness) is dead-lettered with, whatever its source's on error.
inline constexpr std::string_view kLateReason = "late";

}  // namespace flow::agg
