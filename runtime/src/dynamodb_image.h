// dynamodb_image.h — internal: a DynamoDB Streams item image (attribute
// name → typed value) rewritten as the plain JSON object it stands for, so
// the generated decoders read a dynamodb record exactly like a JSON record.
//
//   {"Id":{"N":"101"},"Tags":{"SS":["a","b"]},"Addr":{"M":{"City":{"S":"Oslo"}}}}
//   → {"Id":101,"Tags":["a","b"],"Addr":{"City":"Oslo"}}
//
// Typed values (the DynamoDB data types):
//   S → string; N → number (its text, which must follow JSON's number
//   grammar); BOOL → true/false; NULL (true; false is refused) → null;
//   M → object; L → array;
//   SS → array of strings; NS → array of numbers; B and BS (binary, base64
//   text on the stream) → string / array of strings, the base64 text as it is.
// Anything else — a value that is not an object of exactly one known type,
// a number that is not one, nesting deeper than kMaxImageDepth (DynamoDB
// allows 32 levels) — is not an item: false with `error` saying which
// attribute and why (the record is then dead-lettered, retried or skipped by
// its source's policy; the image itself is never partly used).
//
// Every output byte comes from an input byte (a typed value drops its
// {"T": …} wrapper; re-escaping writes at most 6 bytes, \u007f, for one), so
// the output is bounded by the event body.
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

namespace flow::detail {

constexpr int kMaxImageDepth = 64;

// Appends the plain JSON of `image` to `out`.
bool dynamoImageToJson(simdjson::ondemand::object image, std::string& out, std::string& error);

}  // namespace flow::detail
