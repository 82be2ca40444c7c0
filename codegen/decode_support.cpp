// The C++ support of the generated record decoding (see decode_support.h):
// what a handler runs to hold a record to its source's declared schema.
//
// The contract (LANGUAGE.md §3, docs/language.md §5, §6, §9): a record fails
// — and goes through its source's `on error` policy — when its payload is
// not valid JSON (RFC 8259) from its first byte to its last, is not an
// object, lacks a required field or has null in it, has a value of the
// wrong type in ANY declared field (read or not), or repeats a member that a
// declared field maps to. A `format text` line must be UTF-8. The fast path
// is simdjson On-Demand: stage 1 has checked UTF-8 and unescaped control
// characters; the walk checks the rest without copying what nobody reads.
// A record found wrong is read again by flow::json::checkSyntax (a plain
// RFC 8259 reader compiled into libflowrt: flow/json_check.h), only to say
// where and why.
#include "decode_support.h"

namespace flowc::codegen::detail {

namespace {

// What every format needs: the reason buffer and UTF-8.
constexpr const char* kCommon = R"cpp(// The reason of the record that failed last, when it has to be built.
std::string reason;

// UTF-8 and messages: flow/json_check.h (compiled into libflowrt).
using flow::json::hexByte;
using flow::json::utf8Length;

// A `format text` record: its line is a string, so UTF-8.
[[gnu::cold]] [[gnu::noinline]] inline std::string_view badUtf8(std::string_view line) {
  const auto* begin = reinterpret_cast<const unsigned char*>(line.data());
  const auto* end = begin + line.size();
  const auto* p = begin;
  while (p < end) {
    size_t n = utf8Length(p, end);
    if (n == 0) break;
    p += n;
  }
  if (p == end) return {};
  reason = "invalid UTF-8 at byte " + std::to_string(p - begin) + " (" + hexByte(*p) + ")";
  return reason;
}

[[maybe_unused]] inline std::string_view checkText(std::string_view line) {
  if (simdjson::validate_utf8(line.data(), line.size())) [[likely]]
    return {};
  return badUtf8(line);
}
)cpp";

// The JSON walk.
constexpr const char* kJson = R"cpp(// The declared fields as the reasons name them.
enum class Kind : unsigned char { String, Int, Float, Bool, Timestamp, TimestampSeconds };
struct Field {
  std::string_view name;
  std::string_view path;  // "$.payment.amount"; "" for the top-level member of the same name
  Kind kind;
};

// On-Demand sets no depth limit and the walk below recurses, so the record's
// depth is bounded (flow/json_check.h).
constexpr int kMaxDepth = flow::json::kMaxRecordDepth;

// White space and messages: flow/json_check.h.
using flow::json::excerpt;
using flow::json::isSpace;

inline std::string_view trimmed(std::string_view s) {
  while (!s.empty() && isSpace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The record being decoded, and where its next backslash is: a string or a
// name before it has no escape, so it is read where it stands (not
// unescaped, not copied). One memchr finds the first backslash of a record
// (most records have none); the walk goes forward and looks for the next one
// only once it has passed it.
struct Input {
  std::string_view payload;
  const char* from;    // where the search for `escape` started
  const char* escape;  // the first backslash at or after `from`, or the end
};

inline const char* nextBackslash(std::string_view payload, const char* from) {
  const char* end = payload.data() + payload.size();
  const void* p = std::memchr(from, '\\', static_cast<size_t>(end - from));
  return p ? static_cast<const char*>(p) : end;
}

inline Input input(std::string_view payload) {
  return {payload, payload.data(), nextBackslash(payload, payload.data())};
}

// Whether the record's text [begin, end) has no backslash.
inline bool unescaped(Input& in, const char* begin, const char* end) {
  if (begin < in.from || begin > in.escape) {
    in.from = begin;
    in.escape = nextBackslash(in.payload, begin);
  }
  return end <= in.escape;
}

// Whether the string whose token is `raw` (white space after it included)
// has no escape.
inline bool unescaped(Input& in, std::string_view raw) {
  return unescaped(in, raw.data(), raw.data() + raw.size());
}

// The text between the quotes of the JSON string `raw` (a string value's
// token, white space after it included) that has no escape.
inline std::string_view stringText(std::string_view raw) {
  raw = trimmed(raw);
  return raw.substr(1, raw.size() - 2);
}

// A member of an object: its name and its value. Without an escape the name
// is a view of the record's text; with one it is unescaped (which checks
// the escapes) into the parser's buffer.
template <class Member>
inline simdjson::error_code member(Member& m, Input& in, std::string_view& key, simdjson::ondemand::value& value) {
  simdjson::ondemand::raw_json_string raw;
  if (auto error = m.key().get(raw)) return error;
  if (auto error = m.value().get(value)) return error;
  // The name ends at the last quote before the ':' before the value
  // (On-Demand has checked that the ':' is there).
  const char* e = value.raw_json_token().data() - 2;  // `"name":value`
  if (e[1] != ':' || e[0] != '"') {
    e += 1;
    while (isSpace(static_cast<unsigned char>(*e))) --e;
    --e;
    while (isSpace(static_cast<unsigned char>(*e))) --e;
  }
  if (unescaped(in, raw.raw(), e)) [[likely]] {
    key = std::string_view(raw.raw(), static_cast<size_t>(e - raw.raw()));
    return simdjson::SUCCESS;
  }
  return m.unescaped_key().get(key);
}


// The reason a record whose JSON something found wrong fails with.
[[gnu::cold]] [[gnu::noinline]] inline std::string_view syntaxError(std::string_view payload, simdjson::error_code error) {
  // flow::json::checkSyntax, a plain RFC 8259 reader, says what and where.
  if (flow::json::checkSyntax(payload, reason)) return flow::sql::invalidJson(error);  // simdjson saw what it did not
  return reason;
}

[[gnu::cold]] [[gnu::noinline]] inline std::string_view tooDeep() {
  reason = "the record nests deeper than " + std::to_string(kMaxDepth) + " levels";
  return reason;
}

// The record's text is not an object: bad JSON, or JSON of another kind.
[[gnu::cold]] [[gnu::noinline]] inline std::string_view notAnObject(std::string_view payload, simdjson::error_code error) {
  if (!flow::json::checkSyntax(payload, reason)) return reason;
  if (error != simdjson::INCORRECT_TYPE) return flow::sql::invalidJson(error);
  std::string_view text = trimmed(payload);
  while (!text.empty() && isSpace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  const char* kind = "a number";
  switch (text.empty() ? '\0' : text.front()) {
    case '[': kind = "an array"; break;
    case '"': kind = "a string"; break;
    case 't':
    case 'f': kind = "a bool"; break;
    case 'n': kind = "null"; break;
    default: break;
  }
  reason = std::string("the record is not a JSON object (it is ") + kind + ")";
  return reason;
}

// Content after the record's object, at `at`.
[[gnu::cold]] [[gnu::noinline]] inline std::string_view trailing(std::string_view payload, const char* at) {
  reason = "trailing content after the JSON object at byte " + std::to_string(at - payload.data());
  return reason;
}

inline std::string label(const Field& field) {
  std::string text = "field '" + std::string(field.name) + "'";
  if (!field.path.empty()) text += " (" + std::string(field.path) + ")";
  return text;
}

inline const char* typeName(Kind kind) {
  switch (kind) {
    case Kind::String: return "string";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Bool: return "bool";
    case Kind::Timestamp: return "timestamp (an RFC 3339 string or epoch milliseconds)";
    case Kind::TimestampSeconds: return "timestamp (an RFC 3339 string or epoch seconds)";
  }
  return "";
}

// Why `v`, the value of `field`, did not read (`r`): null, or what it is instead.
[[gnu::cold]] [[gnu::noinline]] inline std::string_view failed(flow::sql::ReadResult r, simdjson::ondemand::value& v,
                                                        const Field& field, std::string_view payload) {
  std::string_view raw = trimmed(v.raw_json_token());
  char first = raw.empty() ? '\0' : raw.front();
  if (r == flow::sql::ReadResult::Null) {
    if (raw != "null") return syntaxError(payload, simdjson::N_ATOM_ERROR);
    reason = "required " + label(field) + " is null";
    return reason;
  }
  std::string expected = label(field) + ": expected " + typeName(field.kind) + ", got ";
  bool timestamp = field.kind == Kind::Timestamp || field.kind == Kind::TimestampSeconds;
  switch (first) {
    case '"':
      if (!flow::json::isJsonString(raw)) return syntaxError(payload, simdjson::STRING_ERROR);
      reason = expected + (timestamp ? excerpt(raw) : "string");
      return reason;
    case '{': reason = expected + "an object"; return reason;
    case '[': reason = expected + "an array"; return reason;
    case 't':
    case 'f':
      if (raw != "true" && raw != "false") return syntaxError(payload, simdjson::T_ATOM_ERROR);
      reason = expected + "bool";
      return reason;
    default: break;
  }
  if (!flow::json::isJsonNumber(raw)) return syntaxError(payload, simdjson::NUMBER_ERROR);
  reason = expected;
  switch (field.kind) {
    case Kind::String:
    case Kind::Bool: reason += "number"; break;
    case Kind::Int:
      reason += excerpt(raw);
      if (raw.find_first_of(".eE") == std::string_view::npos) reason += " (outside the 64-bit range)";
      break;
    case Kind::Float: reason += excerpt(raw) + " (outside the float range)"; break;
    case Kind::Timestamp:
    case Kind::TimestampSeconds: reason += excerpt(raw) + " (outside years 0000-9999)"; break;
  }
  return reason;
}

// A required field: read into `out`, or why not.
template <class T, class Read>
inline std::string_view required(simdjson::ondemand::value& v, T& out, Read read, const Field& field,
                                 Input& in) {
  flow::sql::ReadResult r = read(v, out);
  if (r == flow::sql::ReadResult::Ok) [[likely]]
    return {};
  return failed(r, v, field, in.payload);
}

inline bool isNullLiteral(simdjson::ondemand::value& v) {
  return trimmed(v.raw_json_token()) == "null";
}

// A nullable field: read into `out` (JSON null: SQL null), or why not.
template <class T, class Read>
inline std::string_view nullable(simdjson::ondemand::value& v, flow::sql::Nullable<T>& out, Read read,
                                 const Field& field, Input& in) {
  flow::sql::ReadResult r = read(v, out.value);
  if (r == flow::sql::ReadResult::Ok) [[likely]] {
    out.null = false;
    return {};
  }
  if (r == flow::sql::ReadResult::Null && isNullLiteral(v)) {
    out.null = true;
    return {};
  }
  return failed(r, v, field, in.payload);
}

// flow::sql::readString, but a string without escapes is a view of the
// record's text rather than a copy.
[[maybe_unused]] inline auto readString(Input& in) {
  return [&in](simdjson::ondemand::value& v, std::string_view& out) {
    std::string_view raw = v.raw_json_token();
    if (raw.front() == '"' && unescaped(in, raw)) [[likely]] {
      out = stringText(raw);
      return flow::sql::ReadResult::Ok;
    }
    return flow::sql::readString(v, out);
  };
}

// What a field no operator reads is checked with: its value's JSON type and,
// for numbers and timestamps, its value, as the field's reader would; but
// nothing is kept, and a string is not unescaped unless it has an escape
// (stage 1 of simdjson has checked its UTF-8 and that it holds no raw
// control character).
inline flow::sql::ReadResult checkedString(simdjson::ondemand::value& v, Input& in) {
  std::string_view raw = v.raw_json_token();
  if (raw.front() == '"') {
    if (unescaped(in, raw)) [[likely]]
      return flow::sql::ReadResult::Ok;
    std::string_view s;
    return v.get_string().get(s) == simdjson::SUCCESS ? flow::sql::ReadResult::Ok
                                                      : flow::sql::ReadResult::WrongType;
  }
  return raw.front() == 'n' ? flow::sql::ReadResult::Null : flow::sql::ReadResult::WrongType;
}

inline flow::sql::ReadResult checkedTimestamp(simdjson::ondemand::value& v, bool seconds, Input& in) {
  std::string_view raw = v.raw_json_token();
  if (raw.front() == '"' && unescaped(in, raw) && flow::scan::commonRfc3339(stringText(raw))) {
    return flow::sql::ReadResult::Ok;
  }
  flow::sql::Timestamp ms = 0;
  return seconds ? flow::sql::readTimestampSeconds(v, ms) : flow::sql::readTimestamp(v, ms);
}

inline std::string_view checked(flow::sql::ReadResult r, simdjson::ondemand::value& v, const Field& field,
                                bool isNullable, Input& in) {
  if (r == flow::sql::ReadResult::Ok) [[likely]]
    return {};
  if (r == flow::sql::ReadResult::Null && isNullable && isNullLiteral(v)) return {};
  return failed(r, v, field, in.payload);
}

[[maybe_unused]] inline std::string_view checkString(simdjson::ondemand::value& v, const Field& field, bool isNullable,
                                    Input& in) {
  return checked(checkedString(v, in), v, field, isNullable, in);
}
[[maybe_unused]] inline std::string_view checkInt(simdjson::ondemand::value& v, const Field& field, bool isNullable,
                                 Input& in) {
  int64_t x = 0;
  return checked(flow::sql::readInt(v, x), v, field, isNullable, in);
}
[[maybe_unused]] inline std::string_view checkFloat(simdjson::ondemand::value& v, const Field& field, bool isNullable,
                                   Input& in) {
  double x = 0;
  return checked(flow::sql::readFloat(v, x), v, field, isNullable, in);
}
[[maybe_unused]] inline std::string_view checkBool(simdjson::ondemand::value& v, const Field& field, bool isNullable,
                                  Input& in) {
  bool x = false;
  return checked(flow::sql::readBool(v, x), v, field, isNullable, in);
}
[[maybe_unused]] inline std::string_view checkTimestamp(simdjson::ondemand::value& v, const Field& field, bool isNullable,
                                       Input& in) {
  return checked(checkedTimestamp(v, field.kind == Kind::TimestampSeconds, in), v, field, isNullable, in);
}

inline std::string_view skip(simdjson::ondemand::value& v, Input& in, int depth);

// skip() of anything but a string without escapes.
[[gnu::noinline]] inline std::string_view skipOther(simdjson::ondemand::value& v, std::string_view raw,
                                                    Input& in, int depth) {
  switch (raw.front()) {
    case '"': {
      std::string_view s;
      if (auto error = v.get_string().get(s)) return syntaxError(in.payload, error);
      return {};
    }
    case '{': {
      if (depth >= kMaxDepth) return tooDeep();
      simdjson::ondemand::object obj;
      if (auto error = v.get_object().get(obj)) return syntaxError(in.payload, error);
      for (auto m : obj) {
        std::string_view key;
        simdjson::ondemand::value child;
        if (auto error = member(m, in, key, child)) return syntaxError(in.payload, error);
        if (std::string_view why = skip(child, in, depth + 1); !why.empty()) return why;
      }
      return {};
    }
    case '[': {
      if (depth >= kMaxDepth) return tooDeep();
      simdjson::ondemand::array arr;
      if (auto error = v.get_array().get(arr)) return syntaxError(in.payload, error);
      for (auto element : arr) {
        simdjson::ondemand::value child;
        if (auto error = std::move(element).get(child)) return syntaxError(in.payload, error);
        if (std::string_view why = skip(child, in, depth + 1); !why.empty()) return why;
      }
      return {};
    }
    case 't':
    case 'f':
    case 'n': {
      std::string_view word = trimmed(raw);
      if (word == "true" || word == "false" || word == "null") return {};
      return syntaxError(in.payload, simdjson::T_ATOM_ERROR);
    }
    default:
      if (flow::json::isJsonNumber(trimmed(raw))) return {};
      return syntaxError(in.payload, simdjson::NUMBER_ERROR);
  }
}

// A value no field maps to, at `depth` (1: a member of the record): it must
// still be valid JSON.
inline std::string_view skip(simdjson::ondemand::value& v, Input& in, int depth) {
  std::string_view raw = v.raw_json_token();
  if (raw.front() == '"' && unescaped(in, raw)) [[likely]]
    return {};
  return skipOther(v, raw, in, depth);
}
)cpp";

void appendLines(CodeWriter& out, std::string_view text) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    out.line(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

void emitDecodeSupport(CodeWriter& out, bool json) {
  out.note("Record decoding support (flowc's codegen/decode_support.cpp): a record that does not match");
  out.note("its source's declared schema, or is not valid JSON, fails with a precise reason.");
  out.line("namespace decode {");
  out.blank();
  appendLines(out, kCommon);
  if (json) {
    out.blank();
    appendLines(out, kJson);
  }
  out.line("}  // namespace decode");
  out.blank();
}

}  // namespace flowc::codegen::detail
