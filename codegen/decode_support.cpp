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
// A record found wrong is read again by SyntaxCheck, a plain RFC 8259
// reader, only to say where and why.
#include "decode_support.h"

namespace flowc::codegen::detail {

namespace {

// What every format needs: the reason buffer and UTF-8.
constexpr const char* kCommon = R"cpp(// The reason of the record that failed last, when it has to be built.
std::string reason;

inline std::string hexByte(unsigned char c) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[c >> 4] + digits[c & 15];
}

// The length of the well-formed UTF-8 sequence at p (RFC 3629), or 0.
inline size_t utf8Length(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // up to U+10FFFF
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < n || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return n;
}

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
// depth is bounded here (below simdjson's 1024 of its DOM parser).
constexpr int kMaxDepth = 1000;

inline bool isSpace(unsigned char c) {
  constexpr uint64_t kSpaces = (1ULL << ' ') | (1ULL << '\t') | (1ULL << '\n') | (1ULL << '\r');
  return c <= ' ' && ((kSpaces >> c) & 1) != 0;
}

inline std::string_view trimmed(std::string_view s) {
  while (!s.empty() && isSpace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `text` cut to a readable size on a UTF-8 boundary.
inline std::string excerpt(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

inline int hexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
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

// A strict RFC 8259 reader that finds the first error in a record's text
// and says where. It only runs on records found wrong (simdjson's passes
// are the fast path), so it is written for clarity; it does not recurse.
class SyntaxCheck {
 public:
  explicit SyntaxCheck(std::string_view text)
      : begin_(reinterpret_cast<const unsigned char*>(text.data())), p_(begin_), end_(begin_ + text.size()) {}

  // True when the text is one JSON value with white space around it;
  // otherwise message() says what is wrong and where.
  bool run() {
    std::string open;  // the containers we are in: '{' / '['
    space();
    if (p_ == end_) {
      message_ = "invalid JSON: the record is empty";
      return false;
    }
    bool object = *p_ == '{';
    for (;;) {
      // A value.
      space();
      if (p_ == end_) return fail(p_, "the record ends where a value should be");
      if (*p_ == '{' || *p_ == '[') {
        if (open.size() >= static_cast<size_t>(kMaxDepth)) {
          message_ = "the record nests deeper than " + std::to_string(kMaxDepth) + " levels";
          return false;
        }
        unsigned char c = *p_++;
        open.push_back(static_cast<char>(c));
        space();
        if (p_ < end_ && *p_ == (c == '{' ? '}' : ']')) {
          ++p_;
          open.pop_back();
        } else if (c == '{') {
          if (!memberName()) return false;
          continue;
        } else {
          continue;
        }
      } else if (!scalar()) {
        return false;
      }
      // After a value: close what ends here, then the next member or element.
      for (;;) {
        space();
        if (open.empty()) {
          if (p_ == end_) return true;
          message_ = std::string("trailing content after the JSON ") + (object ? "object" : "value") +
                     " at byte " + std::to_string(p_ - begin_);
          return false;
        }
        bool inObject = open.back() == '{';
        if (p_ == end_) return fail(p_, inObject ? "the record ends inside an object" : "the record ends inside an array");
        if (*p_ == ',') {
          ++p_;
          if (inObject && !memberName()) return false;
          break;
        }
        if (*p_ == (inObject ? '}' : ']')) {
          ++p_;
          open.pop_back();
          continue;
        }
        return fail(p_, inObject ? "expected ',' or '}' after a member" : "expected ',' or ']' after an element");
      }
    }
  }

  const std::string& message() const { return message_; }

  // Whether `raw` (a string's JSON text) is one well-formed JSON string.
  static bool validString(std::string_view raw) {
    SyntaxCheck check(raw);
    return check.string() && check.p_ == check.end_;
  }
  // Whether `raw` is one well-formed JSON number.
  static bool validNumber(std::string_view raw) {
    SyntaxCheck check(raw);
    return check.number() && check.p_ == check.end_;
  }

 private:
  void space() {
    while (p_ < end_ && isSpace(*p_)) ++p_;
  }

  bool fail(const unsigned char* at, const std::string& what, bool showFound = true) {
    message_ = "invalid JSON at byte " + std::to_string(at - begin_) + ": " + what;
    if (showFound && at < end_) {
      unsigned char c = *at;
      message_ += c >= 0x20 && c < 0x7F ? std::string(" (found '") + static_cast<char>(c) + "')"
                                        : " (found byte " + hexByte(c) + ")";
    }
    return false;
  }

  bool memberName() {
    space();
    if (p_ == end_) return fail(p_, "the record ends inside an object");
    if (*p_ != '"') return fail(p_, "expected a member name in double quotes");
    if (!string()) return false;
    space();
    if (p_ == end_ || *p_ != ':') return fail(p_, "expected ':' after the member name");
    ++p_;
    return true;
  }

  bool scalar() {
    switch (*p_) {
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return number();
        return fail(p_, "expected a value");
    }
  }

  // The text of the token at `from`, for messages.
  std::string token(const unsigned char* from) const {
    const unsigned char* e = from;
    while (e < end_ && !isSpace(*e) && *e != ',' && *e != '}' && *e != ']' && *e != ':') ++e;
    return excerpt(std::string_view(reinterpret_cast<const char*>(from), static_cast<size_t>(e - from)));
  }

  bool literal(std::string_view word) {
    const unsigned char* start = p_;
    for (char c : word) {
      if (p_ == end_ || *p_ != static_cast<unsigned char>(c)) {
        message_ = "invalid JSON at byte " + std::to_string(start - begin_) + ": '" + token(start) +
                   "' is not a JSON value (true, false and null are lower case)";
        return false;
      }
      ++p_;
    }
    if (p_ < end_ && ((*p_ >= 'a' && *p_ <= 'z') || (*p_ >= 'A' && *p_ <= 'Z') || (*p_ >= '0' && *p_ <= '9'))) {
      message_ = "invalid JSON at byte " + std::to_string(start - begin_) + ": '" + token(start) +
                 "' is not a JSON value";
      return false;
    }
    return true;
  }

  bool number() {
    const unsigned char* start = p_;
    auto digits = [&] {
      const unsigned char* d = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ > d;
    };
    auto bad = [&](const char* why) {
      message_ = "invalid JSON at byte " + std::to_string(start - begin_) + ": invalid number '" + token(start) +
                 "' (" + why + ")";
      return false;
    };
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') {
      ++p_;
      if (p_ < end_ && *p_ >= '0' && *p_ <= '9') return bad("no leading zeros");
    } else if (!digits()) {
      return bad("a digit must come first");
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return bad("a digit must follow '.'");
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return bad("a digit must follow the exponent");
    }
    if (p_ < end_ && !isSpace(*p_) && *p_ != ',' && *p_ != '}' && *p_ != ']') return bad("unexpected character");
    return true;
  }

  bool string() {
    const unsigned char* start = p_++;  // the opening quote
    for (;;) {
      if (p_ == end_) return fail(start, "a string is not closed", false);
      unsigned char c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail(p_, "a control character in a string must be escaped");
      } else if (c < 0x80) {
        ++p_;
      } else {
        size_t n = utf8Length(p_, end_);
        if (n == 0) return fail(p_, "invalid UTF-8");
        p_ += n;
      }
    }
  }

  // \uXXXX at p (p[0] == '\\'): its code unit, or -1.
  int codeUnit(const unsigned char* p) const {
    if (end_ - p < 6 || p[1] != 'u') return -1;
    int v = 0;
    for (int i = 2; i < 6; ++i) {
      int h = hexValue(p[i]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    return v;
  }

  bool escape() {
    const unsigned char* start = p_;
    if (end_ - p_ < 2) return fail(p_, "a string is not closed");
    switch (p_[1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': p_ += 2; return true;
      case 'u': break;
      default:
        if (p_[1] >= 0x20 && p_[1] < 0x7F) {
          return fail(start, std::string("invalid escape '\\") + static_cast<char>(p_[1]) + "'", false);
        }
        return fail(start, "invalid escape: a backslash before byte " + hexByte(p_[1]), false);
    }
    int unit = codeUnit(p_);
    if (unit < 0) return fail(start, "\\u must be followed by four hex digits", false);
    p_ += 6;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return fail(start, "a low surrogate without a high surrogate before it", false);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      int low = p_ < end_ && *p_ == '\\' ? codeUnit(p_) : -1;
      if (low < 0xDC00 || low > 0xDFFF) return fail(start, "a high surrogate without a low surrogate after it", false);
      p_ += 6;
    }
    return true;
  }

  const unsigned char* begin_;
  const unsigned char* p_;
  const unsigned char* end_;
  std::string message_;
};

// The reason a record whose JSON something found wrong fails with.
[[gnu::cold]] [[gnu::noinline]] inline std::string_view syntaxError(std::string_view payload, simdjson::error_code error) {
  SyntaxCheck check(payload);
  if (check.run()) return flow::sql::invalidJson(error);  // simdjson saw what the check did not
  reason = check.message();
  return reason;
}

[[gnu::cold]] [[gnu::noinline]] inline std::string_view tooDeep() {
  reason = "the record nests deeper than " + std::to_string(kMaxDepth) + " levels";
  return reason;
}

// The record's text is not an object: bad JSON, or JSON of another kind.
[[gnu::cold]] [[gnu::noinline]] inline std::string_view notAnObject(std::string_view payload, simdjson::error_code error) {
  SyntaxCheck check(payload);
  if (!check.run()) {
    reason = check.message();
    return reason;
  }
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
      if (!SyntaxCheck::validString(raw)) return syntaxError(payload, simdjson::STRING_ERROR);
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
  if (!SyntaxCheck::validNumber(raw)) return syntaxError(payload, simdjson::NUMBER_ERROR);
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
      if (SyntaxCheck::validNumber(trimmed(raw))) return {};
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
