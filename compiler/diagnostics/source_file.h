// SourceFile: the text of one .flow file and the map from byte offsets to
// line:column, so every stage can carry plain offsets and only the printer
// turns them into positions. Columns count bytes from 1 (as gcc and clang do).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowc {

// A half-open byte range [begin, end) into one SourceFile.
struct SourceRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool empty() const { return end <= begin; }
  static SourceRange cover(SourceRange a, SourceRange b) {
    return {a.begin < b.begin ? a.begin : b.begin, a.end > b.end ? a.end : b.end};
  }
};

struct LineCol {
  uint32_t line = 1;  // 1-based
  uint32_t col = 1;   // 1-based, in bytes
};

class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  LineCol locate(uint32_t offset) const;
  // The text of a 1-based line, without its line terminator.
  std::string_view lineText(uint32_t line) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(lineStarts_.size()); }

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> lineStarts_;
};

}  // namespace flowc
