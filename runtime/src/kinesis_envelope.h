// kinesis_envelope.h — internal: the Kinesis envelope fast path of
// EventDecoder (kinesis_envelope.cpp) and the pieces the tests reach.
//
// Contract of scanKinesisEnvelope(body, arena, batch, read, arriving)
// (true: EnvelopeScan::Taken; false: the others):
// - `body` is followed by kBodyPadding readable bytes; `batch` has been reset
//   by the caller (no records, default window, no ARN); `arena` is the
//   decoder's.
// - true: the event was a well-formed Kinesis event of a shape the scanner
//   knows completely, and `batch` holds exactly what the simdjson path
//   (events.cpp) produces for it.
// - false: the scanner gave up (anything it does not fully understand or
//   validate, or anything the simdjson path would reject). `batch` and
//   `arena` hold partial results: the caller resets both and decodes the
//   event from the start with simdjson, which then produces every result,
//   error and message.
// - `read` off for a piece of metadata: its value is checked as always (so
//   the answer is the same) but not converted: records' arrivalMs stays 0,
//   their shardId empty.
#pragma once

#include <cstddef>
#include <string_view>

#include "flow/arena.h"
#include "flow/events.h"

namespace flow::detail {

// `arriving` (Invocation::arriving): the body is still arriving; records
// are read as they arrive. On return the body is all there, but for Lost.
enum class EnvelopeScan {
  Taken,   // true above
  GaveUp,  // false above
  Lost,    // the body stopped arriving (the connection failed)
};
EnvelopeScan scanKinesisEnvelope(std::string_view body, Arena& arena, Batch& batch, KinesisMetadataRead read = {},
                                 BodyStream* arriving = nullptr);

// `text` base64-decoded into the arena with kPayloadPadding zero bytes after
// it; on failure {} and rec.decodeError (in the arena) says why. Both paths
// decode Kinesis `data` with this one function.
std::string_view decodeBase64ToArena(Arena& arena, std::string_view text, Record& rec);

// The first byte in [p, end) that ends a plain JSON string run: '"', '\\',
// a byte < 0x20 or a byte >= 0x80; `end` when there is none. The vector
// versions read up to 63 bytes past `end` (the padding). Exposed per
// implementation for the differential tests; the scanner uses the best one
// the build's target has (AVX2 when compiled for it, else SSE2 on x86-64,
// NEON on aarch64, else scalar).
enum class StringScanImpl { Scalar, Sse2, Avx2, Neon };
const char* stringStop(const char* p, const char* end, StringScanImpl impl);
bool stringScanAvailable(StringScanImpl impl);  // compiled in and supported by this CPU
StringScanImpl stringScanUsed();                // what the scanner runs
// Whether the n bytes at a and b are equal (both followed by 31 readable
// bytes), as the scanner compares remembered members: AVX2 (when compiled
// for it) or memcmp. Per implementation for the tests, as above.
bool sameBytes(const char* a, const char* b, size_t n, StringScanImpl impl);

}  // namespace flow::detail
