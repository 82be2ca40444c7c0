// The one escaping function between .flow text and generated C++
// (codegen/cpp_text.h): its output is inert in literals and comments, and a
// literal built from it holds exactly the original bytes — checked by
// compiling a program that prints the literals and comparing what it prints.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "codegen/cpp_text.h"
#include "support/process.h"

namespace flowc::codegen {
namespace {

namespace fs = std::filesystem;

// Strings that have broken code generators: quotes, backslashes at the end,
// comment closers, trigraphs, line splices, NUL, control bytes, non-ASCII,
// invalid UTF-8, and escapes that could swallow the next character.
std::vector<std::string> hostileStrings() {
  std::vector<std::string> s = {
      "",
      "plain",
      "it's \"quoted\"",
      "back\\slash",
      "ends with a backslash\\",
      "two at the end\\\\",
      "*/ closes a comment",
      "/* opens one",
      "a*/b*//c",
      "?\?/ is a backslash, ?\?= a hash, ?\?' a caret",
      "?\?\?/",
      "?\?(trigraph split by an escape)",
      "line\nbreak",
      "carriage\rreturn\r\n",
      "tab\there",
      "\\\nline splice",
      "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
      "\xff\xfe invalid UTF-8 \xc3",
      "octal then digits: \x01"
      "234 \x7f"
      "5",
      "\x1b[31mred\x1b[0m",
  };
  s.push_back(std::string("nul\0inside", 10));
  s.push_back(std::string("\0", 1));
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  s.push_back(all);
  return s;
}

TEST(CppEscapeTest, OutputIsInertInLiteralsAndComments) {
  for (const std::string& s : hostileStrings()) {
    std::string e = cppEscape(s);
    for (char c : e) {
      ASSERT_TRUE(c >= 0x20 && c < 0x7f)
          << "non-printable byte in the escape of " << testing::PrintToString(s);
    }
    EXPECT_EQ(e.find("*/"), std::string::npos) << e;
    EXPECT_EQ(e.find("?\?"), std::string::npos) << e;
    EXPECT_TRUE(e.empty() || e.back() != '\\') << e;
    // Every backslash starts a complete escape: \" \? \n \t \r or three octal digits.
    for (size_t i = 0; i < e.size(); ++i) {
      if (e[i] != '\\') continue;
      ASSERT_LT(i + 1, e.size()) << e;
      char n = e[i + 1];
      if (n == '"' || n == '?' || n == 'n' || n == 't' || n == 'r') {
        ++i;
        continue;
      }
      ASSERT_LE(i + 3, e.size() - 1) << e;
      for (size_t k = 1; k <= 3; ++k) ASSERT_TRUE(e[i + k] >= '0' && e[i + k] <= '7') << e;
      i += 3;
    }
    std::string comment = cppCommentText(s, 40);
    EXPECT_EQ(comment.find('\n'), std::string::npos);
    EXPECT_TRUE(comment.empty() || comment.back() != '\\') << comment;
    EXPECT_LE(comment.size(), 43u);
  }
}

TEST(CppEscapeTest, ReadableForOrdinaryText) {
  EXPECT_EQ(cppStringLiteral("user_id"), "\"user_id\"");
  EXPECT_EQ(cppStringLiteral("it's \"q\""), "\"it's \\\"q\\\"\"");
  EXPECT_EQ(cppStringLiteral("a?b"), "\"a?b\"");
  EXPECT_EQ(cppStringLiteral("a?\?b"), "\"a\\?\\?b\"");
  EXPECT_EQ(cppStringLiteral("C:\\x"), "\"C:\\134x\"");
  EXPECT_EQ(cppStringLiteral("a*/b"), "\"a*\\057b\"");
  EXPECT_EQ(cppStringLiteral(std::string("a\0"
                                         "1",
                                         3)),
            "\"a\\0001\"");
  EXPECT_EQ(cppStringView(std::string("a\0b", 3)), "std::string_view(\"a\\000b\", 3)");
  EXPECT_EQ(jsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

// Compiles `program` with the host's clang++ and returns what it printed.
std::string compileAndRun(const std::string& program, const std::vector<std::string>& extraFlags = {}) {
  fs::path dir = fs::temp_directory_path() / fmt::format("flowc-escape-test-{}", ::getpid());
  fs::create_directories(dir);
  std::ofstream((dir / "t.cpp").string()) << program;
  std::vector<std::string> argv = {"clang++", "-std=c++20", "-Wall", "-Wextra", "-Werror"};
  argv.insert(argv.end(), extraFlags.begin(), extraFlags.end());
  argv.insert(argv.end(), {(dir / "t.cpp").string(), "-o", (dir / "t").string()});
  CommandOptions buildOptions;
  buildOptions.timeoutMs = 120000;
  CommandResult built = runCommand(argv, buildOptions);
  if (!built.ok()) {
    ADD_FAILURE() << built.describe("clang++") << "\n" << built.err << "\n" << program;
    return {};
  }
  CommandOptions runOptions;
  runOptions.timeoutMs = 20000;
  CommandResult ran = runCommand({(dir / "t").string()}, runOptions);
  fs::remove_all(dir);
  EXPECT_TRUE(ran.ok()) << ran.describe("the test program");
  return ran.out;
}

TEST(CppEscapeTest, LiteralsHoldExactlyTheBytes) {
  if (::access("/usr/bin/clang++", X_OK) != 0) GTEST_SKIP() << "clang++ is not installed";
  std::vector<std::string> strings = hostileStrings();
  // Each string as a literal, in a comment and as a string_view; printed with
  // its length so that NUL and the boundaries are checked too.
  std::string program = "#include <cstdio>\n#include <string_view>\nint main() {\n";
  for (const std::string& s : strings) {
    program += "  // " + cppCommentText(s) + "\n";
    program += "  {\n    std::string_view v = " + cppStringView(s) + ";\n";
    program += "    std::printf(\"%zu:\", v.size());\n    std::fwrite(v.data(), 1, v.size(), stdout);\n";
    program += "    std::printf(\"|%zu\\n\", sizeof(" + cppStringLiteral(s) + ") - 1);\n  }\n";
  }
  program += "}\n";
  std::string expected;
  for (const std::string& s : strings) expected += fmt::format("{}:{}|{}\n", s.size(), s, s.size());
  EXPECT_EQ(compileAndRun(program), expected);
  // Trigraphs on (as -std=c++11 or -trigraphs would have them): still exact.
  EXPECT_EQ(compileAndRun(program, {"-trigraphs", "-Wno-trigraphs"}), expected);
}

}  // namespace
}  // namespace flowc::codegen
