// JsonWriter: a small streaming JSON writer for what flowc itself prints
// (diagnostics, graphs). Output is deterministic: members come out in the
// order they are written, numbers in shortest round-trip form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowc {

// Appends `s` as a JSON string literal (quotes included) to `out`. Invalid
// UTF-8 bytes are written as U+FFFD so the document stays valid.
void appendJsonString(std::string& out, std::string_view s);

// Appends `s` with control characters escaped (\n, \t, \u0001…) and invalid
// UTF-8 replaced by U+FFFD, so user text prints on one line. With `json`,
// quotes and backslashes are escaped too (the body of a JSON string).
void appendEscapedText(std::string& out, std::string_view s, bool json);

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(uint32_t v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(uint64_t v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  // A value that already is JSON text (the caller has validated it), such
  // as a handler's response embedded in `flowc run --output json`.
  JsonWriter& raw(std::string_view json);

  const std::string& str() const { return out_; }

 private:
  void beforeValue();
  void newline();
  std::string out_;
  struct Level {
    bool array;
    bool first;
  };
  std::vector<Level> stack_;
  bool afterKey_ = false;
  bool pretty_;
};

}  // namespace flowc
