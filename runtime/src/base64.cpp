// Strict base64 decoding (flow/base64.h). Four 256-entry tables hold each
// symbol's 6 bits already shifted to its place in the 24-bit group, so a
// group is four loads and three ORs; an invalid byte maps to a value with bit
// 24+ set, so one compare per group catches any bad byte in it.
#include "flow/base64.h"

#include <array>
#include <cstdint>
#include <cstdio>

namespace flow {
namespace {

constexpr uint32_t kBad = 0x01000000;

constexpr int symbolValue(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

constexpr std::array<uint32_t, 256> makeTable(int shift) {
  std::array<uint32_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    int v = symbolValue(static_cast<unsigned char>(c));
    t[c] = v < 0 ? kBad : static_cast<uint32_t>(v) << shift;
  }
  return t;
}

constexpr auto kD0 = makeTable(18);
constexpr auto kD1 = makeTable(12);
constexpr auto kD2 = makeTable(6);
constexpr auto kD3 = makeTable(0);

// The first byte of a group that is not a base64 symbol (the group is known bad).
size_t firstBadInGroup(const unsigned char* g, size_t groupOffset) {
  for (size_t k = 0; k < 4; ++k) {
    if (symbolValue(g[k]) < 0) return groupOffset + k;
  }
  return groupOffset;
}

Base64Result fail(Base64Error e, size_t offset) {
  Base64Result r;
  r.error = e;
  r.errorOffset = offset;
  return r;
}

}  // namespace

Base64Result decodeBase64(std::string_view in, char* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  size_t n = in.size();
  if (n == 0) return {};
  if (n % 4 != 0) {
    // Report a bad character before the length when there is one: it is the
    // more useful message for text that is not base64 at all.
    for (size_t i = 0; i < n; ++i) {
      if (symbolValue(s[i]) < 0 && s[i] != '=') return fail(Base64Error::BadCharacter, i);
    }
    return fail(Base64Error::BadLength, n);
  }
  auto* o = reinterpret_cast<unsigned char*>(out);
  size_t fullGroups = n / 4 - 1;  // the last group may hold padding
  size_t i = 0;
  for (size_t g = 0; g < fullGroups; ++g, i += 4) {
    uint32_t x = kD0[s[i]] | kD1[s[i + 1]] | kD2[s[i + 2]] | kD3[s[i + 3]];
    if (x >= kBad) {
      for (size_t k = 0; k < 4; ++k) {
        if (s[i + k] == '=') return fail(Base64Error::BadPadding, i + k);
      }
      return fail(Base64Error::BadCharacter, firstBadInGroup(s + i, i));
    }
    o[0] = static_cast<unsigned char>(x >> 16);
    o[1] = static_cast<unsigned char>(x >> 8);
    o[2] = static_cast<unsigned char>(x);
    o += 3;
  }
  // The last group: "xxxx", "xxx=" or "xx==".
  const unsigned char* g = s + i;
  size_t symbols = 4;
  if (g[3] == '=') symbols = (g[2] == '=') ? 2 : 3;
  for (size_t k = 0; k < symbols; ++k) {
    if (g[k] == '=') return fail(Base64Error::BadPadding, i + k);
    if (symbolValue(g[k]) < 0) return fail(Base64Error::BadCharacter, i + k);
  }
  uint32_t x = kD0[g[0]] | kD1[g[1]];
  if (symbols >= 3) x |= kD2[g[2]];
  if (symbols == 4) x |= kD3[g[3]];
  o[0] = static_cast<unsigned char>(x >> 16);
  if (symbols >= 3) o[1] = static_cast<unsigned char>(x >> 8);
  if (symbols == 4) o[2] = static_cast<unsigned char>(x);
  // Bits past the last whole byte must be zero (the canonical encoding).
  if ((symbols == 2 && (x & 0xffff) != 0) || (symbols == 3 && (x & 0xff) != 0)) {
    return fail(Base64Error::NonCanonical, i + symbols - 1);
  }
  Base64Result r;
  r.size = static_cast<size_t>(o - reinterpret_cast<unsigned char*>(out)) + (symbols - 1);
  return r;
}

std::string_view describeBase64Error(const Base64Result& r, char* buf, size_t bufSize) {
  const char* what = "";
  switch (r.error) {
    case Base64Error::None: return "";
    case Base64Error::BadLength: what = "length is not a multiple of 4 at offset"; break;
    case Base64Error::BadCharacter: what = "bad character at offset"; break;
    case Base64Error::BadPadding: what = "misplaced '=' at offset"; break;
    case Base64Error::NonCanonical: what = "non-zero padding bits at offset"; break;
  }
  int n = std::snprintf(buf, bufSize, "invalid base64: %s %zu", what, r.errorOffset);
  if (n < 0) return "";
  return std::string_view(buf, static_cast<size_t>(n) < bufSize ? static_cast<size_t>(n) : bufSize - 1);
}

}  // namespace flow
