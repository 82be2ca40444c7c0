// The escaping of user text into C++ (see cpp_text.h) and the CodeWriter.
#include "cpp_text.h"

#include <algorithm>

#include <fmt/format.h>

namespace flowc::codegen {

std::string cppEscape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 8);
  auto octal = [&](unsigned char c) {
    out.push_back('\\');
    out.push_back(static_cast<char>('0' + ((c >> 6) & 7)));
    out.push_back(static_cast<char>('0' + ((c >> 3) & 7)));
    out.push_back(static_cast<char>('0' + (c & 7)));
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '?':
        // Only next to another '?': no two '?' ever meet in the output, so
        // no trigraph (`??/` is a backslash where trigraphs are on).
        if ((i > 0 && bytes[i - 1] == '?') || (i + 1 < bytes.size() && bytes[i + 1] == '?')) {
          out += "\\?";
          continue;
        }
        break;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      case '\r': out += "\\r"; continue;
      case '\\': octal(c); continue;
      case '/':
        if (i > 0 && bytes[i - 1] == '*') {
          octal(c);
          continue;
        }
        break;
      default: break;
    }
    if (c < 0x20 || c >= 0x7f) {
      octal(c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string cppStringLiteral(std::string_view bytes) {
  return "\"" + cppEscape(bytes) + "\"";
}

std::string cppStringView(std::string_view bytes) {
  return fmt::format("std::string_view({}, {})", cppStringLiteral(bytes), bytes.size());
}

std::string cppCommentText(std::string_view text, size_t maxBytes) {
  std::string escaped = cppEscape(text);
  if (escaped.size() <= maxBytes) return escaped;
  // Cut before the escape that straddles the limit, if any: an escape is
  // at most four characters (\ooo).
  size_t cut = maxBytes;
  for (size_t back = 1; back <= 3 && back <= cut; ++back) {
    if (escaped[cut - back] == '\\') {
      cut -= back;
      break;
    }
  }
  return escaped.substr(0, cut) + "...";
}

std::string jsonEscape(std::string_view name) {
  std::string out;
  for (char ch : name) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

void CodeWriter::line(std::string_view text) {
  if (text.empty()) {
    text_.push_back('\n');
    return;
  }
  text_.append(static_cast<size_t>(indent_) * 2, ' ');
  text_.append(text);
  text_.push_back('\n');
}

void CodeWriter::open(std::string_view text) {
  line(std::string(text) + " {");
  ++indent_;
  scopes_.push_back(newScope());
}

void CodeWriter::close(std::string_view suffix) {
  --indent_;
  line("}" + std::string(suffix));
  if (!scopes_.empty()) scopes_.pop_back();
}

void CodeWriter::reopen(std::string_view text) {
  --indent_;
  line("} " + std::string(text) + " {");
  ++indent_;
  if (!scopes_.empty()) scopes_.back() = newScope();
}

uint64_t CodeWriter::newScope() {
  static uint64_t next = 0;  // codegen is single-threaded
  return ++next;
}

bool CodeWriter::inScope(uint64_t id) const {
  return id == root_ || std::find(scopes_.begin(), scopes_.end(), id) != scopes_.end();
}

void CodeWriter::note(std::string_view text) {
  line(text.empty() ? std::string("//") : "// " + std::string(text));
}

void CodeWriter::comment(std::string_view userText) {
  line("// " + cppCommentText(userText));
}

void CodeWriter::blank() {
  text_.push_back('\n');
}

void CodeWriter::append(const CodeWriter& other) {
  std::string_view rest = other.text_;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view l = rest.substr(0, nl);
    if (l.empty()) {
      text_.push_back('\n');
    } else {
      text_.append(static_cast<size_t>(indent_) * 2, ' ');
      text_.append(l);
      text_.push_back('\n');
    }
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
}

}  // namespace flowc::codegen
