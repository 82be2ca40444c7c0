// flow/base64.h — strict, validated base64 decoding (RFC 4648 §4, standard
// alphabet, padded) for Kinesis and Kafka `data`, and API Gateway bodies.
//
// Contract:
// - Input must be a whole number of 4-character groups; `=` may appear only
//   as the last one or two characters; the bits a padded group leaves over
//   must be zero (only the canonical encoding is accepted); no whitespace.
// - Output goes to a caller buffer of at least base64MaxDecodedSize(n) bytes,
//   any of which it may write (the result is the first `size` of them);
//   nothing is allocated. On failure the result names the first bad offset.
//
// Speed: AVX2 (x86-64) or NEON (aarch64) blocks with a scalar decoder for
// the rest and for every error, so results and error reports are those of
// the scalar decoder exactly; measurements in src/base64.cpp.
#pragma once

#include <cstddef>
#include <string_view>

namespace flow {

enum class Base64Error : unsigned char {
  None,
  BadLength,      // length is not a multiple of 4 (offset = input length)
  BadCharacter,   // a byte outside the alphabet (offset of that byte)
  BadPadding,     // `=` where it may not be (offset of the first such `=`)
  NonCanonical,   // leftover bits of the last group are not zero (its offset)
};

struct Base64Result {
  Base64Error error = Base64Error::None;
  size_t size = 0;          // bytes written when ok
  size_t errorOffset = 0;   // offset in the input of the first bad byte
  bool ok() const { return error == Base64Error::None; }
};

constexpr size_t base64MaxDecodedSize(size_t inputSize) { return inputSize / 4 * 3; }

// Decodes `in` into `out` (room for base64MaxDecodedSize(in.size()) bytes).
Base64Result decodeBase64(std::string_view in, char* out);

// "invalid base64: bad character at offset 12" — for dead-letter reasons.
// Writes into `buf` (at least 96 bytes) and returns a view of it.
std::string_view describeBase64Error(const Base64Result& r, char* buf, size_t bufSize);

namespace detail {
// The two implementations apart, for the differential tests and the fuzzer.
// decodeBase64() is decodeBase64Simd() where the SIMD path exists.
Base64Result decodeBase64Scalar(std::string_view in, char* out);
// AVX2 / NEON blocks, then the scalar decoder from the first block they do
// not take (a bad byte, '=', the last group); the scalar decoder alone when
// this CPU or build has neither.
Base64Result decodeBase64Simd(std::string_view in, char* out);
bool base64SimdAvailable();
const char* base64Implementation();  // "avx2", "neon" or "scalar": what decodeBase64() runs here
}  // namespace detail

}  // namespace flow
