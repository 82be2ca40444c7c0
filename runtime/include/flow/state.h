// flow/state.h — the window state a handler returns in its response and gets
// back in the next tumbling-window event of the same window and shard
// (docs/runtime.md, "Window state").
//
// On the wire the state is a JSON object whose values are strings, as Lambda
// and its SDKs expect: {"flowc":"<base64>"}. The base64 holds a compact
// binary encoding:
//   byte 0       format version (kVersion)
//   bytes 1..8   the program's state layout (a hash of the stateful
//                operators' keys and aggregates, little-endian): state written
//                by a different program is refused, never misread
//   then         one section per stateful operator, written and read by the
//                generated code with Writer / Reader: unsigned LEB128
//                varints, zigzag varints for signed ints, doubles as 8 bytes
//                little-endian (exact), strings as a varint length and bytes.
//
// Contract:
// - unwrap() accepts the event's `state` as raw JSON: absent, null, {} or an
//   object without a "flowc" member is no state (a window's first invoke);
//   other members are ignored. A "flowc" member that is not a string, or not
//   strict base64, is an error; so is an unknown version or layout
//   (checkHeader). Errors are Function.InvalidState with a message saying
//   what was found and expected.
// - Reader never reads past its input: a short or malformed section sets
//   failed() and yields zeros, so decoding cannot crash on a bad state.
// - kBudgetBytes bounds the JSON state a handler returns, under Lambda's
//   1 MB: past it the handler emits its open windows early (see
//   docs/runtime.md) and returns a smaller state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "flow/aggregate.h"
#include "flow/runtime.h"
#include "flow/sketch.h"
#include "flow/sql.h"

namespace flow::state {

constexpr uint8_t kVersion = 1;
constexpr size_t kLambdaLimitBytes = 1024 * 1024;  // Lambda's state limit per shard
constexpr size_t kBudgetBytes = 768 * 1024;        // flowc's bound on the JSON state it returns

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void fixed64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void put(int64_t v) { u64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void put(uint64_t v) { u64(v); }
  void put(uint32_t v) { u64(v); }
  void put(bool v) { u8(v ? 1 : 0); }
  void put(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    fixed64(bits);
  }
  void put(__int128 v) {
    fixed64(static_cast<uint64_t>(static_cast<unsigned __int128>(v)));
    fixed64(static_cast<uint64_t>(static_cast<unsigned __int128>(v) >> 64));
  }
  void put(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void put(const std::string& s) { put(std::string_view(s)); }
  template <class T>
  void put(const sql::Nullable<T>& v) {
    put(v.null);
    if (!v.null) put(v.value);
  }
  void put(const agg::Variance& v) {
    put(v.n);
    put(v.mean);
    put(v.m2);
  }
  void put(const QuantileSketch& q) { q.encode(out_); }
  size_t size() const { return out_.size(); }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool failed() const { return failed_; }
  bool atEnd() const { return in_.empty(); }
  void fail() { failed_ = true; }

  uint8_t u8() {
    if (in_.empty()) return fail(), 0;
    uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return fail(), 0;
      uint8_t b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return fail(), 0;
  }
  uint64_t fixed64() {
    if (in_.size() < 8) return fail(), 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(8);
    return v;
  }
  // A count of things each at least `minBytes` long: bounded by what is left.
  uint64_t count(size_t minBytes = 1) {
    uint64_t n = u64();
    if (n > in_.size() / (minBytes ? minBytes : 1)) return fail(), 0;
    return n;
  }
  void get(int64_t& v) {
    uint64_t z = u64();
    v = static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  void get(uint64_t& v) { v = u64(); }
  void get(uint32_t& v) {
    uint64_t x = u64();
    if (x > UINT32_MAX) fail();
    v = static_cast<uint32_t>(x);
  }
  void get(bool& v) {
    uint8_t b = u8();
    if (b > 1) fail();
    v = b == 1;
  }
  void get(double& v) {
    uint64_t bits = fixed64();
    std::memcpy(&v, &bits, sizeof v);
  }
  void get(__int128& v) {
    unsigned __int128 lo = fixed64(), hi = fixed64();
    v = static_cast<__int128>(lo | (hi << 64));
  }
  // A view into the input: valid while the input is.
  void get(std::string_view& s) {
    uint64_t n = u64();
    if (n > in_.size()) {
      fail();
      s = {};
      return;
    }
    s = in_.substr(0, n);
    in_.remove_prefix(n);
  }
  void get(std::string& s) {
    std::string_view v;
    get(v);
    s.assign(v);
  }
  template <class T>
  void get(sql::Nullable<T>& v) {
    get(v.null);
    if (!v.null) get(v.value);
  }
  void get(agg::Variance& v) {
    get(v.n);
    get(v.mean);
    get(v.m2);
  }
  void get(QuantileSketch& q) {
    if (!q.decode(in_)) fail();
  }

 private:
  std::string_view in_;
  bool failed_ = false;
};

// {"flowc":"<base64 of binary>"} into `json` (replacing its content).
void wrap(std::string_view binary, std::string& json);

// The binary state inside the event's `state` (raw JSON, may be empty):
// `binary` is left empty when there is none. Errors: Function.InvalidState.
Status unwrap(std::string_view stateJson, std::string& binary);

// Reads and checks the version byte and the layout of `binary` (not empty).
Status checkHeader(Reader& r, uint64_t layout);
void writeHeader(Writer& w, uint64_t layout);

// A section that did not decode: Function.InvalidState naming the stream.
Error corrupt(std::string_view stream);

}  // namespace flow::state
