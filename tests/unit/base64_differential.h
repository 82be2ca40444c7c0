// The differential check of flow::decodeBase64 and of every vector
// implementation this CPU runs (AVX-512 VBMI, AVX2 / NEON blocks) against
// flow::detail::decodeBase64Scalar: identical result, size, error kind,
// error offset and output bytes, over
//  - canonical encodings of random bytes, every length 0..maxLength, whose
//    decode must also give the bytes back (an independent encoder below);
//  - each of those with one byte replaced, at EVERY position, by every value
//    in `badBytes` (every byte value 0..255 when empty): bad characters,
//    '=' anywhere, bytes just outside each alphabet range, NUL, high bytes;
//  - two bad bytes (the first one must be reported), a valid block then
//    garbage, and unpadded / over-padded tails.
// Self-contained (the standard library and flow/base64.h only) so that
// runtime_base64_simd_test can paste it into a handler-toolchain program
// built for x86_64 and arm64; runtime_base64_test runs it on the host build.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "flow/base64.h"

namespace b64diff {

inline std::string encode(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  if (in.size() - i == 1) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

struct Report {
  long cases = 0;
  long errors = 0;      // cases the decoders (both) rejected
  std::string failure;  // the first disagreement; empty when none
};

// A small deterministic generator (no <random>: the same stream everywhere).
struct Rng {
  uint64_t s = 0x9e3779b97f4a7c15ull;
  unsigned char next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<unsigned char>(s >> 24);
  }
};

// The implementations compared with the scalar one: decodeBase64 itself,
// and each vector implementation available here.
inline std::vector<flow::detail::Base64Impl> vectorImpls() {
  std::vector<flow::detail::Base64Impl> impls;
  for (auto impl : {flow::detail::Base64Impl::Avx2, flow::detail::Base64Impl::Avx512Vbmi,
                    flow::detail::Base64Impl::Neon}) {
    if (flow::detail::base64Available(impl)) impls.push_back(impl);
  }
  return impls;
}

// Output buffers of exactly the promised size, pre-filled differently, so
// a byte written by one decoder and not the other shows: `a` holds the
// scalar decoder's result `s`, `b` gets the other's.
inline void compareOne(std::string_view in, const flow::Base64Result& s, const char* name,
                       flow::Base64Result (*decode)(std::string_view, char*), flow::detail::Base64Impl impl,
                       Report& rep, const std::vector<char>& a, std::vector<char>& b) {
  size_t room = flow::base64MaxDecodedSize(in.size());
  b.assign(room + 1, 'b');
  flow::Base64Result v = decode != nullptr ? decode(in, b.data()) : flow::detail::decodeBase64With(impl, in, b.data());
  bool same = s.error == v.error && s.errorOffset == v.errorOffset && (!s.ok() || s.size == v.size) &&
              (!s.ok() || std::memcmp(a.data(), b.data(), s.size) == 0) && a[room] == 'a' && b[room] == 'b';
  if (same || !rep.failure.empty()) return;
  char line[200];
  std::snprintf(line, sizeof line, "length %zu: scalar error %d offset %zu size %zu; %s error %d offset %zu size %zu; ",
                in.size(), static_cast<int>(s.error), s.errorOffset, s.size, name, static_cast<int>(v.error),
                v.errorOffset, v.size);
  rep.failure = line;
  for (unsigned char c : in.substr(0, 120)) {
    char hex[5];
    std::snprintf(hex, sizeof hex, c >= 32 && c < 127 ? "%c" : "\\x%02x", c);
    rep.failure += hex;
  }
}

inline void compare(std::string_view in, Report& rep, std::vector<char>& a, std::vector<char>& b) {
  ++rep.cases;
  static const std::vector<flow::detail::Base64Impl> impls = vectorImpls();
  a.assign(flow::base64MaxDecodedSize(in.size()) + 1, 'a');
  flow::Base64Result s = flow::detail::decodeBase64Scalar(in, a.data());
  if (!s.ok()) ++rep.errors;
  compareOne(in, s, "decodeBase64", &flow::decodeBase64, {}, rep, a, b);
  for (auto impl : impls) compareOne(in, s, flow::detail::base64Name(impl), nullptr, impl, rep, a, b);
}

inline Report run(size_t maxLength, std::string_view badBytes) {
  Report rep;
  std::vector<char> a, b;
  Rng rng;
  std::string all;
  if (badBytes.empty()) {
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    badBytes = all;
  }
  for (size_t len = 0; len <= maxLength; ++len) {
    std::string plain(len, '\0');
    for (char& c : plain) c = static_cast<char>(rng.next());
    std::string coded = encode(plain);
    compare(coded, rep, a, b);
    flow::Base64Result r = flow::decodeBase64(coded, b.data());
    if (rep.failure.empty() && (!r.ok() || std::string_view(b.data(), r.size) != plain)) {
      rep.failure = "the canonical encoding of " + std::to_string(len) + " random bytes does not round-trip";
    }
    for (size_t pos = 0; pos < coded.size(); ++pos) {
      for (char bad : badBytes) {
        if (bad == coded[pos]) continue;
        std::string x = coded;
        x[pos] = bad;
        compare(x, rep, a, b);
      }
    }
    if (coded.size() >= 8) {
      // Two bad bytes: the earlier one is reported.
      std::string x = coded;
      x[coded.size() / 3] = '*';
      x[coded.size() / 2] = '\0';
      compare(x, rep, a, b);
      compare(std::string_view(coded).substr(0, coded.size() - 1), rep, a, b);  // a symbol short
      compare(coded + "====", rep, a, b);                                        // a group of padding
      compare(coded.substr(0, coded.size() - 4) + "Zg==" + coded.substr(coded.size() - 4), rep, a, b);
    }
  }
  return rep;
}

// The adversarial bytes for runs that cannot afford all 256 at every
// position (the arm64 run under qemu): each alphabet range's neighbours,
// '=', NUL, JSON's quote and backslash, whitespace, the URL-safe symbols,
// high bytes.
inline std::string_view adversarialBytes() {
  static const char bytes[] = {'\0', '\t', '\n', ' ', '"', '*', ',', '-', '.', '0' - 1, '9' + 1, '=', '@',
                               'Z' + 1, '\\', '_', '`', '{', '\x7f', '\x80', '\xaa', '\xbf', '\xef', '\xff',
                               '+' - 1, '+', '/', 'A', 'z', '0', '9'};
  return std::string_view(bytes, sizeof bytes);
}

}  // namespace b64diff
