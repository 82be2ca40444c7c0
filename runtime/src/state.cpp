// The window state's JSON wrapping, base64 and header (flow/state.h).
#include "flow/state.h"

#include <simdjson.h>

#include "flow/base64.h"

namespace flow::state {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void appendBase64(std::string& out, std::string_view in) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  size_t n = in.size(), i = 0;
  out.reserve(out.size() + (n + 2) / 3 * 4);
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out += "==";
  } else if (n - i == 2) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
}

Error invalidState(std::string message) {
  return functionError("InvalidState", std::move(message));
}

}  // namespace

void wrap(std::string_view binary, std::string& json) {
  json.assign("{\"flowc\":\"");
  appendBase64(json, binary);
  json += "\"}";
}

Status unwrap(std::string_view stateJson, std::string& binary) {
  binary.clear();
  if (stateJson.empty()) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(stateJson.data(), stateJson.size(), true).get(doc) != simdjson::SUCCESS) {
    return invalidState("the event's window state is not valid JSON");
  }
  if (doc.is_null()) return std::nullopt;
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return invalidState("the event's window state is not a JSON object");
  }
  simdjson::dom::element member;
  if (object["flowc"].get(member) != simdjson::SUCCESS) return std::nullopt;  // no state of ours yet
  std::string_view text;
  if (member.get_string().get(text) != simdjson::SUCCESS) {
    return invalidState("the window state's member \"flowc\" is not a string");
  }
  binary.resize(base64MaxDecodedSize(text.size()));
  Base64Result r = decodeBase64(text, binary.data());
  if (!r.ok()) {
    char buf[128];
    binary.clear();
    return invalidState("the window state's member \"flowc\" is not " +
                        std::string(describeBase64Error(r, buf, sizeof buf)).replace(0, 7, "valid"));
  }
  binary.resize(r.size);
  return std::nullopt;
}

void writeHeader(Writer& w, uint64_t layout) {
  w.u8(kVersion);
  w.fixed64(layout);
}

Status checkHeader(Reader& r, uint64_t layout) {
  uint8_t version = r.u8();
  if (r.failed()) return invalidState("the window state is empty");
  if (version != kVersion) {
    return invalidState("the window state has format version " + std::to_string(version) +
                        "; this handler reads version " + std::to_string(kVersion) +
                        " only (was it written by another flowc?)");
  }
  uint64_t found = r.fixed64();
  if (r.failed() || found != layout) {
    return invalidState(
        "the window state was written by a different program (its groups or aggregates differ): "
        "this handler cannot read it");
  }
  return std::nullopt;
}

Error corrupt(std::string_view stream) {
  return invalidState("the window state of stream '" + std::string(stream) + "' is truncated or malformed");
}

}  // namespace flow::state
