// A small DynamoDB unmarshaller for the tests of `flowc run --records` on a
// dynamodb source (run_event_wrapping_test, run_tumbling_window_test): a
// stream record's typed NewImage ({"a":{"N":"1"},"b":{"M":{…}}}) back to
// minified JSON, written independently of flowc's marshaller (DOM parser,
// its own string escaping) so the two check each other. Strings are written
// with '"', '\\' and control characters escaped (\n, \r, \t, else \u00xx)
// and every other byte as it is: records written the same way come back
// byte for byte.
#pragma once

#include <simdjson.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace flowc::testing_dynamodb {

inline void appendString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

inline bool unmarshalMembers(simdjson::dom::object members, std::string& out);

// One typed value ({"S":…}, {"N":…}, {"BOOL":…}, {"NULL":true}, {"M":…}, {"L":…}).
inline bool unmarshalValue(simdjson::dom::element typed, std::string& out) {
  simdjson::dom::object o;
  if (typed.get_object().get(o) != simdjson::SUCCESS || o.size() != 1) return false;
  auto [type, v] = *o.begin();
  if (type == "S") {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return false;
    appendString(out, s);
  } else if (type == "N") {
    std::string_view n;
    if (v.get_string().get(n) != simdjson::SUCCESS) return false;
    out += n;
  } else if (type == "BOOL") {
    bool b;
    if (v.get_bool().get(b) != simdjson::SUCCESS) return false;
    out += b ? "true" : "false";
  } else if (type == "NULL") {
    bool b;
    if (v.get_bool().get(b) != simdjson::SUCCESS || !b) return false;
    out += "null";
  } else if (type == "M") {
    simdjson::dom::object m;
    if (v.get_object().get(m) != simdjson::SUCCESS) return false;
    return unmarshalMembers(m, out);
  } else if (type == "L") {
    simdjson::dom::array l;
    if (v.get_array().get(l) != simdjson::SUCCESS) return false;
    out += '[';
    bool first = true;
    for (simdjson::dom::element e : l) {
      if (!first) out += ',';
      first = false;
      if (!unmarshalValue(e, out)) return false;
    }
    out += ']';
  } else {
    return false;
  }
  return true;
}

inline bool unmarshalMembers(simdjson::dom::object members, std::string& out) {
  out += '{';
  bool first = true;
  for (auto [key, value] : members) {
    if (!first) out += ',';
    first = false;
    appendString(out, key);
    out += ':';
    if (!unmarshalValue(value, out)) return false;
  }
  out += '}';
  return true;
}

// An item (NewImage / Keys) → JSON; nothing when it is not a well-typed item.
inline std::optional<std::string> unmarshal(simdjson::simdjson_result<simdjson::dom::element> typed) {
  simdjson::dom::element item;
  if (typed.get(item) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::object o;
  std::string out;
  if (item.get_object().get(o) != simdjson::SUCCESS || !unmarshalMembers(o, out)) return std::nullopt;
  return out;
}

inline std::optional<std::string> unmarshalText(std::string_view itemJson) {
  simdjson::dom::parser p;
  return unmarshal(p.parse(itemJson.data(), itemJson.size()));
}

}  // namespace flowc::testing_dynamodb
