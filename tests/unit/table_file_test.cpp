// Unit tests of compiler/sema/table_file: reading a table's CSV or JSON-lines
// file, converting cells to the declared types, and every error it reports.
#include "sema/table_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#ifndef FLOWC_TEST_DATA_DIR
#define FLOWC_TEST_DATA_DIR "tests/unit/data"
#endif

namespace flowc::sema {
namespace {

using ast::BaseType;
using ast::Value;

constexpr SourceRange kFileRange{100, 115};
constexpr SourceRange kKeyRange{200, 204};

struct Col {
  Col(const char* name, BaseType base = BaseType::String, bool nullable = false, std::string path = {},
      ast::TimestampUnit unit = ast::TimestampUnit::Auto)
      : name(name), base(base), nullable(nullable), path(std::move(path)), unit(unit) {}
  std::string name;
  BaseType base;
  bool nullable;
  std::string path;  // "$.a.b[0]"; empty: none
  ast::TimestampUnit unit;
};

ast::JsonPath makePath(const std::string& text) {
  ast::JsonPath p;
  p.text = text;
  p.range = {300, static_cast<uint32_t>(300 + text.size())};
  size_t i = 1;  // after '$'
  while (i < text.size()) {
    ast::JsonPathStep step;
    if (text[i] == '.') {
      size_t end = text.find_first_of(".[", i + 1);
      if (end == std::string::npos) end = text.size();
      step.member = text.substr(i + 1, end - i - 1);
      i = end;
    } else {  // [n]
      size_t end = text.find(']', i);
      step.index = std::stoll(text.substr(i + 1, end - i - 1));
      i = end + 1;
    }
    p.steps.push_back(step);
  }
  return p;
}

ast::TableDecl makeTable(const std::string& file, const std::vector<Col>& cols, const std::string& key = "") {
  ast::TableDecl t;
  t.name = "t";
  t.file = file;
  t.fileRange = kFileRange;
  uint32_t at = 120;
  for (const Col& c : cols) {
    ast::FieldDecl f;
    f.name = c.name;
    f.type.type = {c.base, c.nullable};
    f.type.unit = c.unit;
    f.type.range = {at + 5, at + 10};
    f.range = {at, at + 10};
    f.nameRange = {at, at + 4};
    if (!c.path.empty()) f.path = makePath(c.path);
    t.columns.push_back(f);
    at += 12;
  }
  t.key = key;
  t.keyRange = kKeyRange;
  return t;
}

Value str(const char* s) {
  return Value(std::string(s));
}
Value i64(int64_t v) {
  return Value(v);
}
Value ts(int64_t ms) {
  return Value(ast::Timestamp{ms});
}
const Value kNull{};

class TableFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "flowc-table-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    chmod((dir_ + "/unreadable.csv").c_str(), 0644);
    std::filesystem::remove_all(dir_, ec);
  }

  void write(const std::string& name, const std::string& content) {
    std::ofstream out(dir_ + "/" + name, std::ios::binary);
    out << content;
  }

  // Writes `content` to table.file and reads it; returns the messages of
  // every diagnostic, and checks that each points at the file name (or, for
  // mistakes in the declaration itself, somewhere else in the .flow).
  bool read(ast::TableDecl& table, const std::string& content, size_t maxBytes = 1 << 20) {
    write(table.file, content);
    return readFile(table, maxBytes);
  }
  bool readFile(ast::TableDecl& table, size_t maxBytes = 1 << 20) {
    diags_ = Diagnostics();
    bool ok = readTableFile(table, dir_, maxBytes, diags_);
    EXPECT_EQ(ok, !diags_.hasErrors());
    messages_.clear();
    for (const Diagnostic& d : diags_.all()) messages_.push_back(d.message);
    return ok;
  }

  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags_.all()) {
      if (d.severity == Severity::Error) out.push_back(d.message);
    }
    return out;
  }
  std::string onlyError() const {
    std::vector<std::string> e = errors();
    EXPECT_EQ(e.size(), 1u) << ::testing::PrintToString(messages_);
    return e.empty() ? std::string() : e[0];
  }
  const Diagnostic& firstDiag() const { return diags_.all().at(0); }

  std::string dir_;
  Diagnostics diags_;
  std::vector<std::string> messages_;
};

// ---------------------------------------------------------------- good CSV

TEST_F(TableFileTest, CsvReadsTypedRowsInFileOrder) {
  auto t = makeTable("c.csv",
                     {{"code"},
                      {"n", BaseType::Int},
                      {"f", BaseType::Float},
                      {"b", BaseType::Bool},
                      {"at", BaseType::Timestamp}},
                     "code");
  ASSERT_TRUE(read(t,
                   "code,n,f,b,at\n"
                   "US,42,1.5,true,2026-11-23T10:15:30.250Z\n"
                   "DE,-7,2,FALSE,0\n"
                   "FR,+3,-0.25e2,True,1700000000000\n"))
      << ::testing::PrintToString(messages_);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0], (std::vector<Value>{str("US"), i64(42), Value(1.5), Value(true), ts(1795428930250)}));
  EXPECT_EQ(t.rows[1], (std::vector<Value>{str("DE"), i64(-7), Value(2.0), Value(false), ts(0)}));
  EXPECT_EQ(t.rows[2], (std::vector<Value>{str("FR"), i64(3), Value(-25.0), Value(true), ts(1700000000000)}));
}

TEST_F(TableFileTest, CsvQuotingEscapesAndQuotedNewlines) {
  auto t = makeTable("q.csv", {{"a"}, {"b"}, {"n", BaseType::Int}});
  ASSERT_TRUE(read(t,
                   "a,b,n\n"
                   "\"x,y\",\"he said \"\"hi\"\"\",1\n"
                   "\"two\nlines\",\"\",2\n"
                   "it's,5'10\",3\n"))
      << ::testing::PrintToString(messages_);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0][0], str("x,y"));
  EXPECT_EQ(t.rows[0][1], str("he said \"hi\""));
  EXPECT_EQ(t.rows[1][0], str("two\nlines"));
  EXPECT_EQ(t.rows[1][1], str(""));
  EXPECT_EQ(t.rows[2][0], str("it's"));
  EXPECT_EQ(t.rows[2][1], str("5'10\""));  // a quote inside an unquoted field is data
}

TEST_F(TableFileTest, CsvLineNumbersCountQuotedNewlines) {
  auto t = makeTable("q.csv", {{"a"}, {"n", BaseType::Int}});
  EXPECT_FALSE(read(t, "a,n\n\"one\ntwo\nthree\",1\nx,bad\n"));
  EXPECT_EQ(onlyError(), "q.csv:5: column 'n': expected int, got 'bad'");
}

TEST_F(TableFileTest, CsvCrlfAndNoFinalNewline) {
  auto t = makeTable("crlf.csv", {{"a"}, {"b"}});
  ASSERT_TRUE(read(t, "a,b\r\n1,\"x\r\ny\"\r\n3,4"));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<Value>{str("1"), str("x\r\ny")}));
  EXPECT_EQ(t.rows[1], (std::vector<Value>{str("3"), str("4")}));
}

TEST_F(TableFileTest, CsvColumnsMatchedByNameExtraColumnsIgnored) {
  auto t = makeTable("r.csv", {{"code"}, {"region"}});
  ASSERT_TRUE(read(t, "region,unused,code\nEurope,zzz,DE\nAsia,,JP\n"));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<Value>{str("DE"), str("Europe")}));
  EXPECT_EQ(t.rows[1], (std::vector<Value>{str("JP"), str("Asia")}));
}

TEST_F(TableFileTest, CsvEmptyCellsAndNullability) {
  auto t = makeTable("n.csv", {{"req_s"},
                               {"opt_s", BaseType::String, true},
                               {"opt_i", BaseType::Int, true},
                               {"opt_b", BaseType::Bool, true},
                               {"opt_t", BaseType::Timestamp, true}});
  ASSERT_TRUE(read(t, "req_s,opt_s,opt_i,opt_b,opt_t\n,,,,\n\"\",\"\",\"\",\"\",\"\"\n"))
      << ::testing::PrintToString(messages_);
  ASSERT_EQ(t.rows.size(), 2u);
  // Unquoted empty: "" for a required string, null for nullable columns.
  EXPECT_EQ(t.rows[0], (std::vector<Value>{str(""), kNull, kNull, kNull, kNull}));
  // Quoted empty: the empty string in string columns, null elsewhere.
  EXPECT_EQ(t.rows[1], (std::vector<Value>{str(""), str(""), kNull, kNull, kNull}));
}

TEST_F(TableFileTest, CsvEmptyCellInRequiredColumnIsAnError) {
  auto t = makeTable("n.csv", {{"a"}, {"n", BaseType::Int}});
  EXPECT_FALSE(read(t, "a,n\nx,1\ny,\n"));
  EXPECT_EQ(onlyError(), "n.csv:3: column 'n': empty cell in a required int column");
  EXPECT_EQ(firstDiag().hint, "declare the column as 'int?' to allow nulls");
  EXPECT_EQ(firstDiag().range.begin, kFileRange.begin);
  EXPECT_EQ(firstDiag().range.end, kFileRange.end);
  EXPECT_TRUE(t.rows.empty()) << "a failed table keeps no rows";
}

TEST_F(TableFileTest, CsvBlankLinesByteOrderMarkAndBlanksAroundNumbers) {
  auto t = makeTable("b.csv", {{"s"}, {"n", BaseType::Int}, {"f", BaseType::Float}});
  ASSERT_TRUE(read(t, "\xEF\xBB\xBFs,n,f\n\n a , 7 ,\t2.5\n\r\n"));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], (std::vector<Value>{str(" a "), i64(7), Value(2.5)}));
}

TEST_F(TableFileTest, CsvHeaderOnlyIsAnEmptyTable) {
  auto t = makeTable("e.csv", {{"a"}}, "a");
  EXPECT_TRUE(read(t, "a\n"));
  EXPECT_TRUE(t.rows.empty());
}

TEST_F(TableFileTest, CsvDataFile) {
  auto t = makeTable("countries.csv",
                     {{"code"},
                      {"population", BaseType::Int},
                      {"area_km2", BaseType::Float},
                      {"eu", BaseType::Bool},
                      {"joined", BaseType::Timestamp, true},
                      {"note", BaseType::String, true}},
                     "code");
  Diagnostics diags;
  ASSERT_TRUE(readTableFile(t, std::string(FLOWC_TEST_DATA_DIR) + "/tables", 1 << 20, diags));
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(t.rows[0],
            (std::vector<Value>{str("US"), i64(331900000), Value(9833520.5), Value(false), kNull, kNull}));
  EXPECT_EQ(t.rows[1], (std::vector<Value>{str("DE"), i64(83200000), Value(357588.0), Value(true),
                                           ts(-378691200000), str("founding member, \"EEC\"")}));
  EXPECT_EQ(t.rows[2][4], ts(-378691200000));
  EXPECT_EQ(t.rows[2][5], str("multi\r\nline"));
  EXPECT_EQ(t.rows[3][3], Value(false));
}

TEST_F(TableFileTest, AbsolutePathIgnoresBaseDir) {
  write("abs.csv", "a\nx\n");
  auto t = makeTable(dir_ + "/abs.csv", {{"a"}});
  Diagnostics diags;
  ASSERT_TRUE(readTableFile(t, "/nonexistent", 1 << 20, diags));
  EXPECT_EQ(t.rows.size(), 1u);
}

// ---------------------------------------------------------------- cell conversion

TEST_F(TableFileTest, IntErrors) {
  auto t = makeTable("i.csv", {{"n", BaseType::Int}});
  EXPECT_FALSE(read(t, "n\nabc\n9223372036854775807\n9223372036854775808\n-9223372036854775809\n1.5\n12x\n"));
  EXPECT_EQ(errors(), (std::vector<std::string>{
                          "i.csv:2: column 'n': expected int, got 'abc'",
                          "i.csv:4: column 'n': '9223372036854775808' is out of range for int",
                          "i.csv:5: column 'n': '-9223372036854775809' is out of range for int",
                          "i.csv:6: column 'n': expected int, got '1.5'",
                          "i.csv:7: column 'n': expected int, got '12x'",
                      }));
}

TEST_F(TableFileTest, FloatAndBoolErrors) {
  auto t = makeTable("f.csv", {{"f", BaseType::Float}, {"b", BaseType::Bool}});
  EXPECT_FALSE(read(t, "f,b\nnan,yes\ninf,1\n1e999,true\n1e-999,false\n0x10,false\n"));
  EXPECT_EQ(errors(), (std::vector<std::string>{
                          "f.csv:2: column 'f': expected float, got 'nan'",
                          "f.csv:2: column 'b': expected bool (true or false), got 'yes'",
                          "f.csv:3: column 'f': expected float, got 'inf'",
                          "f.csv:3: column 'b': expected bool (true or false), got '1'",
                          "f.csv:4: column 'f': '1e999' is out of range for float",
                          "f.csv:6: column 'f': expected float, got '0x10'",
                      }));
}

TEST_F(TableFileTest, TimestampForms) {
  auto t = makeTable("t.csv", {{"id"}, {"at", BaseType::Timestamp}});
  ASSERT_TRUE(read(t,
                   "id,at\n"
                   "a,2026-11-23T10:15:30.250Z\n"
                   "b,2026-11-23t10:15:30.2509z\n"     // lower case, fraction truncated
                   "c,2026-11-23 11:15:30.25+01:00\n"  // space, offset
                   "d,2026-11-23T05:45:30.250-04:30\n"
                   "e,2026-11-23T10:15:30.250\n"  // no offset: UTC
                   "f,2026-11-23\n"               // midnight UTC
                   "g,2024-02-29T00:00:00Z\n"     // leap day
                   "h,1969-12-31T23:59:59.999Z\n"
                   "i,-1\n"
                   "j,1.6\n"  // epoch ms, rounded
                   "k,0000-01-01T00:00:00Z\n"
                   "l,9999-12-31T23:59:59.999Z\n"))
      << ::testing::PrintToString(messages_);
  std::vector<int64_t> want = {1795428930250,
                               1795428930250,
                               1795428930250,
                               1795428930250,
                               1795428930250,
                               1795392000000,
                               1709164800000,
                               -1,
                               -1,
                               2,
                               -62167219200000,
                               253402300799999};
  ASSERT_EQ(t.rows.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(t.rows[i][1], ts(want[i])) << "row " << i;
}

TEST_F(TableFileTest, TimestampSecondsUnit) {
  auto t = makeTable("s.csv", {{"at", BaseType::Timestamp, false, "", ast::TimestampUnit::Seconds}});
  ASSERT_TRUE(read(t, "at\n1700000000\n1.5\n1970-01-01T00:00:01Z\n"));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0][0], ts(1700000000000));
  EXPECT_EQ(t.rows[1][0], ts(1500));
  EXPECT_EQ(t.rows[2][0], ts(1000));
}

TEST_F(TableFileTest, TimestampErrors) {
  auto t = makeTable("t.csv", {{"at", BaseType::Timestamp}});
  EXPECT_FALSE(read(t,
                    "at\n"
                    "yesterday\n"
                    "2023-02-29T00:00:00Z\n"  // not a leap year
                    "2026-13-01\n"
                    "2026-11-23T24:00:00Z\n"
                    "2026-11-23T10:15Z\n"
                    "2026-11-23T10:15:30.Z\n"
                    "2026-11-23T10:15:30+0100\n"
                    "9223372036854775807\n"
                    "9999-12-31T23:59:59.999-01:00\n"));
  EXPECT_EQ(errors(),
            (std::vector<std::string>{
                "t.csv:2: column 'at': expected timestamp (RFC 3339 or epoch milliseconds), got 'yesterday'",
                "t.csv:3: column 'at': expected timestamp (RFC 3339 or epoch milliseconds), got "
                "'2023-02-29T00:00:00Z'",
                "t.csv:4: column 'at': expected timestamp (RFC 3339 or epoch milliseconds), got '2026-13-01'",
                "t.csv:5: column 'at': expected timestamp (RFC 3339 or epoch milliseconds), got "
                "'2026-11-23T24:00:00Z'",
                "t.csv:6: column 'at': expected timestamp (RFC 3339 or epoch milliseconds), got "
                "'2026-11-23T10:15Z'",
                "t.csv:7: column 'at': expected timestamp (RFC 3339 or epoch milliseconds), got "
                "'2026-11-23T10:15:30.Z'",
                "t.csv:8: column 'at': expected timestamp (RFC 3339 or epoch milliseconds), got "
                "'2026-11-23T10:15:30+0100'",
                "t.csv:9: column 'at': timestamp '9223372036854775807' is out of range",
                "t.csv:10: column 'at': timestamp '9999-12-31T23:59:59.999-01:00' is out of range",
            }));
}

TEST_F(TableFileTest, LongAndControlCharactersAreShownSafely) {
  auto t = makeTable("l.csv", {{"n", BaseType::Int}});
  EXPECT_FALSE(read(t, "n\n\"\x1b[31m" + std::string(100, '9') + "x\"\n"));
  EXPECT_EQ(onlyError(), "l.csv:2: column 'n': expected int, got '\\x1b[31m" + std::string(32, '9') + "…'");
}

// ---------------------------------------------------------------- CSV structure errors

TEST_F(TableFileTest, MissingColumnInHeaderWithHint) {
  auto t = makeTable("m.csv", {{"code"}, {"region"}});
  EXPECT_FALSE(read(t, "code,regoin\nUS,Americas\n"));
  EXPECT_EQ(onlyError(), "m.csv:1: no column 'region' in the header");
  EXPECT_EQ(firstDiag().hint, "did you mean 'regoin'?");
}

TEST_F(TableFileTest, DuplicateHeader) {
  auto t = makeTable("d.csv", {{"a"}});
  EXPECT_FALSE(read(t, "a,b,a\n1,2,3\n"));
  EXPECT_EQ(onlyError(), "d.csv:1: duplicate column 'a' in the header (fields 1 and 3)");
}

TEST_F(TableFileTest, EmptyCsvHasNoHeader) {
  auto t = makeTable("e.csv", {{"a"}, {"b"}});
  EXPECT_FALSE(read(t, ""));
  EXPECT_EQ(onlyError(), "e.csv: no header row; expected one naming the columns 'a', 'b'");
}

TEST_F(TableFileTest, WrongFieldCount) {
  auto t = makeTable("w.csv", {{"a"}, {"b"}});
  EXPECT_FALSE(read(t, "a,b\n1\n1,2,3\n1,2\n"));
  EXPECT_EQ(errors(), (std::vector<std::string>{
                          "w.csv:2: expected 2 fields, as in the header, got 1",
                          "w.csv:3: expected 2 fields, as in the header, got 3",
                      }));
}

TEST_F(TableFileTest, UnterminatedQuote) {
  auto t = makeTable("u.csv", {{"a"}});
  EXPECT_FALSE(read(t, "a\nok\n\"never\nclosed\n"));
  EXPECT_EQ(onlyError(), "u.csv:3: unterminated quoted field");
}

TEST_F(TableFileTest, TextAfterClosingQuote) {
  auto t = makeTable("x.csv", {{"a"}, {"b"}});
  EXPECT_FALSE(read(t, "a,b\n\"x\"y,1\nfine,2\n"));
  EXPECT_EQ(onlyError(), "x.csv:2: unexpected 'y' after a closing quote");
}

TEST_F(TableFileTest, InvalidUtf8NamesTheLine) {
  auto t = makeTable("bad.csv", {{"a"}});
  EXPECT_FALSE(read(t, "a\nok\nb\xff\xfe\n"));
  EXPECT_EQ(onlyError(), "bad.csv:3: invalid UTF-8 (byte 0xff)");
}

TEST_F(TableFileTest, JsonPathOnCsvColumn) {
  auto t = makeTable("p.csv", {{"a", BaseType::String, false, "$.x"}});
  EXPECT_FALSE(read(t, "a\n1\n"));
  EXPECT_EQ(onlyError(), "column 'a' has a JSON path, but 'p.csv' is a CSV file");
  EXPECT_EQ(firstDiag().range.begin, 300u);
}

// ---------------------------------------------------------------- files

TEST_F(TableFileTest, MissingFile) {
  auto t = makeTable("countries.csv", {{"a"}});
  EXPECT_FALSE(readFile(t));
  EXPECT_EQ(onlyError(), "cannot read table file 'countries.csv': No such file or directory");
  EXPECT_EQ(firstDiag().range.begin, kFileRange.begin);
}

TEST_F(TableFileTest, DirectoryIsNotATableFile) {
  std::filesystem::create_directory(dir_ + "/dir.csv");
  auto t = makeTable("dir.csv", {{"a"}});
  EXPECT_FALSE(readFile(t));
  EXPECT_EQ(onlyError(), "cannot read table file 'dir.csv': Is a directory");
}

TEST_F(TableFileTest, FifoIsRefusedNotWaitedOn) {
  ASSERT_EQ(mkfifo((dir_ + "/pipe.csv").c_str(), 0600), 0);
  auto t = makeTable("pipe.csv", {{"a"}});
  EXPECT_FALSE(readFile(t));
  EXPECT_EQ(onlyError(), "cannot read table file 'pipe.csv': not a regular file");
}

TEST_F(TableFileTest, UnreadableFile) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  write("unreadable.csv", "a\n1\n");
  chmod((dir_ + "/unreadable.csv").c_str(), 0);
  auto t = makeTable("unreadable.csv", {{"a"}});
  EXPECT_FALSE(readFile(t));
  EXPECT_EQ(onlyError(), "cannot read table file 'unreadable.csv': Permission denied");
}

TEST_F(TableFileTest, FileLargerThanTheLimit) {
  auto t = makeTable("big.csv", {{"a"}});
  EXPECT_FALSE(read(t, "a\n" + std::string(200, 'x') + "\n", 100));
  EXPECT_EQ(onlyError(),
            "cannot read table file 'big.csv': the file is 203 bytes, more than the limit of 100");
}

TEST_F(TableFileTest, UnsupportedExtension) {
  auto t = makeTable("data.txt", {{"a"}});
  EXPECT_FALSE(read(t, "a\n1\n"));
  EXPECT_EQ(onlyError(), "unsupported table file 'data.txt': expected a .csv, .jsonl, .ndjson or .json file");
  auto u = makeTable("noext", {{"a"}});
  EXPECT_FALSE(read(u, "a\n1\n"));
  auto v = makeTable("UPPER.CSV", {{"a"}});
  EXPECT_TRUE(read(v, "a\n1\n"));
}

// ---------------------------------------------------------------- declaration

TEST_F(TableFileTest, DurationColumnIsRejectedAtItsType) {
  auto t = makeTable("d.csv", {{"a"}, {"ttl", BaseType::Duration}});
  EXPECT_FALSE(read(t, "a,ttl\n1,2\n"));
  EXPECT_EQ(onlyError(), "table column 'ttl' cannot have type duration");
  EXPECT_EQ(firstDiag().range.begin, t.columns[1].type.range.begin);
}

TEST_F(TableFileTest, KeyMustBeAColumn) {
  auto t = makeTable("k.csv", {{"code"}, {"name"}}, "cod");
  EXPECT_FALSE(read(t, "code,name\nUS,x\n"));
  EXPECT_EQ(onlyError(), "key 'cod' is not a column of table 't'");
  EXPECT_EQ(firstDiag().hint, "did you mean 'code'?");
  EXPECT_EQ(firstDiag().range.begin, kKeyRange.begin);
}

// ---------------------------------------------------------------- keys

TEST_F(TableFileTest, DuplicateKeyNamesBothLines) {
  auto t = makeTable("countries.csv", {{"code"}, {"name"}}, "code");
  EXPECT_FALSE(read(t, "code,name\nUS,a\nDE,b\nFR,c\nXX,d\nYY,e\nUS,f\n"));
  EXPECT_EQ(onlyError(), "countries.csv:7: duplicate key 'US' (first on line 2)");
}

TEST_F(TableFileTest, DuplicateKeysOfOtherTypes) {
  auto t = makeTable("k.csv", {{"n", BaseType::Int}, {"at", BaseType::Timestamp}}, "at");
  EXPECT_FALSE(read(t, "n,at\n1,2026-11-23T10:15:30.250Z\n2,1795428930250\n"));
  EXPECT_EQ(onlyError(), "k.csv:3: duplicate key '2026-11-23T10:15:30.250Z' (first on line 2)");
  auto f = makeTable("f.csv", {{"x", BaseType::Float}}, "x");
  EXPECT_FALSE(read(f, "x\n0\n-0.0\n"));
  EXPECT_EQ(onlyError(), "f.csv:3: duplicate key '0' (first on line 2)");
}

TEST_F(TableFileTest, NullKey) {
  auto t = makeTable("k.csv", {{"code", BaseType::String, true}, {"n", BaseType::Int}}, "code");
  EXPECT_FALSE(read(t, "code,n\nUS,1\n,2\n\"\",3\n"));
  EXPECT_EQ(onlyError(), "k.csv:3: key column 'code' is null");
}

// ---------------------------------------------------------------- limits

TEST_F(TableFileTest, ErrorsAreCappedPerFile) {
  auto t = makeTable("many.csv", {{"n", BaseType::Int}});
  std::string text = "n\n";
  for (int i = 0; i < 50; ++i) text += "bad\n";
  EXPECT_FALSE(read(t, text));
  EXPECT_EQ(errors().size(), kMaxTableFileErrors);
  ASSERT_EQ(messages_.size(), kMaxTableFileErrors + 1);
  EXPECT_EQ(messages_.back(), "more errors in many.csv not shown");
  EXPECT_EQ(diags_.all().back().severity, Severity::Note);
}

TEST_F(TableFileTest, RowsAreBounded) {
  auto t = makeTable("rows.csv", {{"n", BaseType::Int}});
  std::string text = "n\n";
  text.reserve(2 + 2 * (kMaxTableRows + 1));
  for (size_t i = 0; i <= kMaxTableRows; ++i) text += "1\n";
  EXPECT_FALSE(read(t, text, 64 << 20));
  EXPECT_EQ(onlyError(), "rows.csv:1000002: more than 1000000 rows; a table is compiled into the handler");
  text.resize(text.size() - 2);  // exactly the limit is fine
  EXPECT_TRUE(read(t, text, 64 << 20));
  EXPECT_EQ(t.rows.size(), kMaxTableRows);
}

// ---------------------------------------------------------------- JSON lines

TEST_F(TableFileTest, JsonLinesDataFileWithPaths) {
  auto t = makeTable("countries.jsonl",
                     {{"code"},
                      {"population", BaseType::Int, false, "$.stats.population"},
                      {"area_km2", BaseType::Float, false, "$.stats.area_km2"},
                      {"eu", BaseType::Bool},
                      {"joined", BaseType::Timestamp, true},
                      {"first_tag", BaseType::String, true, "$.tags[0]"},
                      {"second_tag", BaseType::String, true, "$.tags[1]"}},
                     "code");
  Diagnostics diags;
  ASSERT_TRUE(readTableFile(t, std::string(FLOWC_TEST_DATA_DIR) + "/tables", 1 << 20, diags));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0], (std::vector<Value>{str("US"), i64(331900000), Value(9833520.5), Value(false), kNull,
                                           kNull, kNull}));
  EXPECT_EQ(t.rows[1], (std::vector<Value>{str("DE"), i64(83200000), Value(357588.0), Value(true),
                                           ts(-378691200000), str("eec"), str("euro")}));
  EXPECT_EQ(t.rows[2], (std::vector<Value>{str("FR"), i64(67750000), Value(551695.0), Value(true),
                                           ts(-378691200000), str("eec"), kNull}));
}

TEST_F(TableFileTest, JsonLinesExtensionsCrlfAndBlankLines) {
  for (const char* name : {"a.jsonl", "a.ndjson", "a.json"}) {
    auto t = makeTable(name, {{"id", BaseType::Int}, {"s", BaseType::String, true}});
    ASSERT_TRUE(
        read(t, "\xEF\xBB\xBF{\"id\": 1, \"s\": \"x\"}\r\n\r\n   \n{\"id\":2}\r\n{\"s\":null,\"id\":3}"))
        << name << ::testing::PrintToString(messages_);
    ASSERT_EQ(t.rows.size(), 3u);
    EXPECT_EQ(t.rows[0], (std::vector<Value>{i64(1), str("x")}));
    EXPECT_EQ(t.rows[1], (std::vector<Value>{i64(2), kNull}));
    EXPECT_EQ(t.rows[2], (std::vector<Value>{i64(3), kNull}));
  }
}

TEST_F(TableFileTest, JsonLinesEmptyFileIsAnEmptyTable) {
  auto t = makeTable("e.jsonl", {{"a"}}, "a");
  EXPECT_TRUE(read(t, ""));
  EXPECT_TRUE(read(t, "\n\n"));
  EXPECT_TRUE(t.rows.empty());
}

TEST_F(TableFileTest, JsonLinesTimestamps) {
  auto t = makeTable("t.jsonl", {{"ms", BaseType::Timestamp},
                                 {"s", BaseType::Timestamp, false, "", ast::TimestampUnit::Seconds}});
  ASSERT_TRUE(read(t,
                   "{\"ms\":\"2026-11-23T10:15:30.250Z\",\"s\":1700000000}\n"
                   "{\"ms\":1795428930250,\"s\":1.25}\n"
                   "{\"ms\":1.5e3,\"s\":\"1970-01-01T00:00:02Z\"}\n"))
      << ::testing::PrintToString(messages_);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0], (std::vector<Value>{ts(1795428930250), ts(1700000000000)}));
  EXPECT_EQ(t.rows[1], (std::vector<Value>{ts(1795428930250), ts(1250)}));
  EXPECT_EQ(t.rows[2], (std::vector<Value>{ts(1500), ts(2000)}));
}

TEST_F(TableFileTest, JsonLinesTypeErrors) {
  auto t = makeTable("e.jsonl", {{"s", BaseType::String, true},
                                 {"i", BaseType::Int, true},
                                 {"f", BaseType::Float, true},
                                 {"b", BaseType::Bool, true},
                                 {"t", BaseType::Timestamp, true}});
  EXPECT_FALSE(read(t,
                    "{\"s\":1,\"i\":\"1\",\"f\":\"1.5\",\"b\":1,\"t\":true}\n"
                    "{\"i\":1.5,\"t\":\"noon\"}\n"
                    "{\"i\":18446744073709551615,\"t\":1e300}\n"
                    "{\"s\":{\"a\":[1,2]}}\n"));
  EXPECT_EQ(errors(),
            (std::vector<std::string>{
                "e.jsonl:1: column 's': expected string, got 1",
                "e.jsonl:1: column 'i': expected int, got \"1\"",
                "e.jsonl:1: column 'f': expected float, got \"1.5\"",
                "e.jsonl:1: column 'b': expected bool, got 1",
                "e.jsonl:1: column 't': expected timestamp, got true",
                "e.jsonl:2: column 'i': expected int, got 1.5",
                "e.jsonl:2: column 't': expected timestamp (RFC 3339 or epoch milliseconds), got \"noon\"",
                "e.jsonl:3: column 'i': 18446744073709551615 is out of range for int",
                "e.jsonl:3: column 't': timestamp 1e+300 is out of range",
                "e.jsonl:4: column 's': expected string, got {\"a\":[1,2]}",
            }));
}

TEST_F(TableFileTest, JsonLinesRequiredMissingOrNull) {
  auto t = makeTable("r.jsonl", {{"a"}, {"n", BaseType::Int, false, "$.x.y"}});
  EXPECT_FALSE(read(t, "{\"a\":\"x\",\"x\":{\"y\":1}}\n{\"x\":{\"y\":null}}\n{\"a\":null,\"x\":5}\n"));
  EXPECT_EQ(errors(), (std::vector<std::string>{
                          "r.jsonl:2: column 'a': required value is missing",
                          "r.jsonl:2: column 'n': required value is null at $.x.y",
                          "r.jsonl:3: column 'a': required value is null",
                          "r.jsonl:3: column 'n': required value is missing at $.x.y",
                      }));
  EXPECT_EQ(firstDiag().hint, "declare the column as 'string?' to allow nulls");
}

TEST_F(TableFileTest, JsonLinesSyntaxAndShapeErrors) {
  auto t = makeTable("s.jsonl", {{"a", BaseType::String, true}});
  EXPECT_FALSE(
      read(t, "{\"a\":\"ok\"}\n{\"a\":\n[{\"a\":\"x\"}]\n\"str\"\n{\"a\":\"x\"} {}\n{\"a\":\"\x01\"}\n"));
  std::vector<std::string> e = errors();
  ASSERT_EQ(e.size(), 5u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0].rfind("s.jsonl:2: ", 0), 0u) << e[0];
  EXPECT_EQ(diags_.all()[0].hint, "a JSON-lines table file holds one object per line");
  EXPECT_EQ(e[1], "s.jsonl:3: expected a JSON object, got an array");
  EXPECT_EQ(diags_.all()[1].hint, "a JSON-lines table file holds one object per line");
  EXPECT_EQ(e[2], "s.jsonl:4: expected a JSON object, got a string");
  EXPECT_EQ(e[3].rfind("s.jsonl:5: ", 0), 0u) << e[3];
  EXPECT_EQ(e[4].rfind("s.jsonl:6: ", 0), 0u) << e[4];
}

TEST_F(TableFileTest, JsonLinesKeys) {
  auto t = makeTable("k.jsonl", {{"id", BaseType::Int, true}}, "id");
  EXPECT_FALSE(read(t, "{\"id\":1}\n{\"id\":2}\n\n{\"id\":1}\n{}\n"));
  EXPECT_EQ(errors(), (std::vector<std::string>{
                          "k.jsonl:4: duplicate key '1' (first on line 1)",
                          "k.jsonl:5: key column 'id' is null",
                      }));
}

// ---------------------------------------------------------------- robustness

// Mutations of valid files must end in rows or errors, never a crash or an
// escaped exception (the fuzzer does this at length; this is the smoke test).
TEST(TableFileRobustness, MutatedInputsNeverCrash) {
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"m.csv", "a,n,t,b\n\"x,\"\"y\",1,2026-11-23T10:15:30Z,true\nz,-5,1700000000000,false\n"},
      {"m.jsonl",
       "{\"a\":\"x\",\"n\":1,\"t\":\"2026-11-23\",\"b\":true,\"p\":{\"q\":[1,{\"r\":2}]}}\n{\"n\":2}\n"},
  };
  std::mt19937 rng(12345);
  const std::string alphabet = "\",\n\r{}[]:0123456789.eE+-TZtz ab\\\xff\xc3\xa9";
  for (const auto& [file, seed] : seeds) {
    for (int round = 0; round < 3000; ++round) {
      std::string text = seed;
      int edits = 1 + static_cast<int>(rng() % 8);
      for (int e = 0; e < edits; ++e) {
        size_t at = text.empty() ? 0 : rng() % (text.size() + 1);
        switch (rng() % 3) {
          case 0: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
          case 1:
            if (at < text.size()) text.erase(at, 1 + rng() % 4);
            break;
          case 2:
            if (at < text.size()) text[at] = alphabet[rng() % alphabet.size()];
            break;
        }
      }
      auto t = makeTable(file,
                         {{"a", BaseType::String, true},
                          {"n", BaseType::Int, true},
                          {"t", BaseType::Timestamp, true},
                          {"b", BaseType::Bool, true},
                          {"r", BaseType::Float, true, "$.p.q[1].r"}},
                         "n");
      if (file.ends_with(".csv")) t.columns.pop_back();
      Diagnostics diags;
      bool ok = readTableText(t, text, diags);
      EXPECT_EQ(ok, !diags.hasErrors());
      if (ok) {
        for (const auto& row : t.rows) ASSERT_EQ(row.size(), t.columns.size());
      }
    }
  }
}

}  // namespace
}  // namespace flowc::sema
