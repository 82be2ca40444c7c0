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
// Speed: AVX-512 VBMI or AVX2 (x86-64, chosen at run time) or NEON (aarch64)
// blocks with a scalar decoder for the rest and for every error, so results
// and error reports are those of the scalar decoder exactly; measurements in
// src/base64.cpp.
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
// The implementations apart, for the differential tests, the fuzzer and the
// benchmarks: each one's vector blocks, then the scalar decoder from the
// first block they do not take (a bad byte, '=', the last group).
enum class Base64Impl : unsigned char { Scalar, Avx2, Avx512Vbmi, Neon };
bool base64Available(Base64Impl impl);  // built in, and this CPU runs it
Base64Impl base64Used();                // what decodeBase64() runs here: the fastest available
const char* base64Name(Base64Impl impl);  // "scalar", "avx2", "avx512vbmi", "neon"
// `impl` must be available.
Base64Result decodeBase64With(Base64Impl impl, std::string_view in, char* out);
Base64Result decodeBase64Scalar(std::string_view in, char* out);
}  // namespace detail

}  // namespace flow
