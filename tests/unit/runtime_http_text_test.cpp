// flow/http_text.h: the HTTP text helpers shared by the handler's Runtime API
// client and flowc's local Runtime API server.
#include "flow/http_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace flow::http;

TEST(RuntimeHttpText, EqualsIgnoreCaseFoldsAsciiOnly) {
  EXPECT_TRUE(equalsIgnoreCase("Content-Length", "content-length"));
  EXPECT_TRUE(equalsIgnoreCase("LAMBDA-RUNTIME-TRACE-ID", "lambda-runtime-trace-id"));
  EXPECT_TRUE(equalsIgnoreCase("", ""));
  EXPECT_FALSE(equalsIgnoreCase("content-length", "content-lengt"));
  EXPECT_FALSE(equalsIgnoreCase("content_length", "content-length"));
  // '@' and '`' sit next to 'A'–'Z' and 'a'–'z': no folding between them.
  EXPECT_FALSE(equalsIgnoreCase("@", "`"));
  EXPECT_FALSE(equalsIgnoreCase("[", "{"));
  EXPECT_FALSE(equalsIgnoreCase("\xc3\x84", "\xc3\xa4"));  // Ä / ä: not ASCII
}

TEST(RuntimeHttpText, TrimOwsStripsSpacesAndTabsOnly) {
  EXPECT_EQ(trimOws("  \tvalue \t "), "value");
  EXPECT_EQ(trimOws("a b"), "a b");
  EXPECT_EQ(trimOws(" \t "), "");
  EXPECT_EQ(trimOws("x\r"), "x\r");
}

TEST(RuntimeHttpText, SplitsHeaderFields) {
  HeaderField f;
  ASSERT_TRUE(splitHeaderField("Lambda-Runtime-Aws-Request-Id:  8476a536 ", f));
  EXPECT_EQ(f.name, "Lambda-Runtime-Aws-Request-Id");
  EXPECT_EQ(f.value, "8476a536");
  ASSERT_TRUE(splitHeaderField("X-Empty:", f));
  EXPECT_EQ(f.value, "");
  ASSERT_TRUE(splitHeaderField("Trace: Root=1;Parent=2:3", f));  // the first ':' splits
  EXPECT_EQ(f.value, "Root=1;Parent=2:3");
  EXPECT_FALSE(splitHeaderField("no colon here", f));
  EXPECT_FALSE(splitHeaderField(": no name", f));
}

TEST(RuntimeHttpText, WalksHeaderLines) {
  std::string head = "HTTP/1.1 200 OK\r\nA: 1\r\n\r\nB: 2";
  std::vector<std::string> lines;
  size_t pos = 0;
  std::string_view line;
  while (nextHeaderLine(head, pos, line)) lines.emplace_back(line);
  EXPECT_EQ(lines, (std::vector<std::string>{"HTTP/1.1 200 OK", "A: 1", "", "B: 2"}));
  pos = 0;
  EXPECT_FALSE(nextHeaderLine("", pos, line));
}

TEST(RuntimeHttpText, ContentLengthIsOneToEighteenDigits) {
  size_t n = 7;
  EXPECT_TRUE(parseContentLength("0", n));
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(parseContentLength("6291456", n));
  EXPECT_EQ(n, 6291456u);
  EXPECT_TRUE(parseContentLength("999999999999999999", n));
  EXPECT_EQ(n, 999999999999999999u);
  n = 7;
  for (const char* bad : {"", "+1", "-1", " 1", "1 ", "1e3", "0x10", "1000000000000000000", "18446744073709551617"}) {
    EXPECT_FALSE(parseContentLength(bad, n)) << bad;
    EXPECT_EQ(n, 7u) << bad;  // untouched on failure
  }
}

TEST(RuntimeHttpText, ChunkSizesAreBoundedHex) {
  size_t n = 0;
  EXPECT_TRUE(parseChunkSize("1a", n));
  EXPECT_EQ(n, 26u);
  EXPECT_TRUE(parseChunkSize("FF;name=value", n));
  EXPECT_EQ(n, 255u);
  EXPECT_TRUE(parseChunkSize("3 ;ext", n));
  EXPECT_EQ(n, 3u);
  EXPECT_TRUE(parseChunkSize("0", n));
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(parseChunkSize("fffffffffffffff", n));  // 15 digits: the largest accepted
  EXPECT_EQ(n, (uint64_t{1} << 60) - 1);
  n = 5;
  // 16 hex digits could wrap a running total; the rest are not chunk-size lines.
  for (const char* bad : {"", ";ext", "ffffffffffffffff", "10000000000000000", "5x", "5 x", "-1", "g"}) {
    EXPECT_FALSE(parseChunkSize(bad, n)) << bad;
    EXPECT_EQ(n, 5u) << bad;
  }
}

}  // namespace
