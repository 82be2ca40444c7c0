// What is wrong with a record's JSON text (flow/json_check.h).
#include "flow/json_check.h"

namespace flow::json {
namespace {

int hexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A strict RFC 8259 reader that finds the first error in a record's text
// and says where; it does not recurse.
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
        if (open.size() >= static_cast<size_t>(kMaxRecordDepth)) {
          message_ = "the record nests deeper than " + std::to_string(kMaxRecordDepth) + " levels";
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

}  // namespace

std::string hexByte(unsigned char c) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[c >> 4] + digits[c & 15];
}

std::string excerpt(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

bool checkSyntax(std::string_view text, std::string& message) {
  SyntaxCheck check(text);
  if (check.run()) return true;
  message = check.message();
  return false;
}

bool isJsonString(std::string_view raw) { return SyntaxCheck::validString(raw); }

bool isJsonNumber(std::string_view raw) { return SyntaxCheck::validNumber(raw); }

}  // namespace flow::json
