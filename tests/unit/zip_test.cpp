// Unit tests of compiler/driver/zip: the Lambda zip read back with libzip
// (readZip/extractZip) AND with an independent reader, python3's zipfile:
// names, contents, unix modes, fixed timestamps, no extra fields, the same
// bytes every time; unsafe names refused both ways.
#include "driver/zip.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/process.h"

namespace {

using namespace flowc;
namespace fs = std::filesystem;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

// Each entry as python's zipfile sees it, as JSON.
constexpr const char* kPythonDescribe = R"py(
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    out = []
    for i in z.infolist():
        out.append({"name": i.filename, "mode": (i.external_attr >> 16) & 0o177777,
                    "create_system": i.create_system, "date_time": list(i.date_time),
                    "compress_type": i.compress_type, "extra": i.extra.hex(),
                    "data": z.read(i).decode("latin-1")})
print(json.dumps(out))
)py";

class ZipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flowc-zip-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    // Binary contents with every byte value, as an ELF has.
    for (int i = 0; i < 4096; ++i) bootstrap_ += static_cast<char>((i * 7) & 0xff);
    writeFile(dir_ + "/bootstrap", bootstrap_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir_;
  std::string bootstrap_;
};

TEST_F(ZipTest, LambdaZipReadsBackWithLibzip) {
  std::string zip = dir_ + "/function.zip";
  ASSERT_EQ(writeLambdaZip(zip, dir_ + "/bootstrap", {{"tables/countries.json", "{\"de\":\"Germany\"}"}}),
            std::nullopt);
  ZipReadResult r = readZip(zip);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].name, "bootstrap");
  EXPECT_EQ(r.files[0].mode, 0755u);
  EXPECT_EQ(r.files[0].contents, bootstrap_);
  EXPECT_EQ(r.files[1].name, "tables/countries.json");
  EXPECT_EQ(r.files[1].mode, 0644u);
  EXPECT_EQ(r.files[1].contents, "{\"de\":\"Germany\"}");

  std::string root = dir_ + "/task";
  ASSERT_EQ(extractZip(zip, root), std::nullopt);
  struct stat st {};
  ASSERT_EQ(::stat((root + "/bootstrap").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(readFile(root + "/bootstrap"), bootstrap_);
  ASSERT_EQ(::stat((root + "/tables/countries.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(ZipTest, PythonZipfileSeesUnixModesAndFixedTimes) {
  std::string zip = dir_ + "/function.zip";
  ASSERT_EQ(writeLambdaZip(zip, dir_ + "/bootstrap", {{"README", "hello\n", 0600}}), std::nullopt);
  CommandResult py = runCommand({"/usr/bin/python3", "-c", kPythonDescribe, zip});
  ASSERT_TRUE(py.ok()) << py.describe("python3") << "\n" << py.err;

  simdjson::dom::parser parser;
  simdjson::dom::array entries = parser.parse(py.out).get_array();
  ASSERT_EQ(entries.size(), 2u);
  struct Expected {
    const char* name;
    int64_t mode;
    std::string data;
  } expected[] = {{"bootstrap", 0100755, bootstrap_}, {"README", 0100600, "hello\n"}};
  size_t i = 0;
  for (simdjson::dom::element e : entries) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(std::string_view(e["name"]), expected[i].name);
    EXPECT_EQ(int64_t(e["mode"]), expected[i].mode);
    EXPECT_EQ(int64_t(e["create_system"]), 3);  // unix
    EXPECT_EQ(simdjson::to_string(e["date_time"]), "[1980,1,1,0,0,0]");
    EXPECT_EQ(int64_t(e["compress_type"]), 8);    // deflate
    EXPECT_EQ(std::string_view(e["extra"]), "");  // no timestamp extra fields to vary
    // latin-1 maps bytes 1:1 to code points; back to bytes for the compare.
    std::string_view data = e["data"];
    std::string bytes;
    for (size_t k = 0; k < data.size();) {
      unsigned char c = static_cast<unsigned char>(data[k]);
      if (c < 0x80) {
        bytes += static_cast<char>(c);
        k += 1;
      } else {
        bytes += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(data[k + 1]) & 0x3f));
        k += 2;
      }
    }
    EXPECT_EQ(bytes, expected[i].data);
    ++i;
  }
}

TEST_F(ZipTest, SameInputsSameBytesInAnyTimeZone) {
  std::vector<ZipFile> files = {{"bootstrap", bootstrap_, 0755}, {"a/b.txt", "x", 0644}};
  ASSERT_EQ(writeZip(dir_ + "/one.zip", files), std::nullopt);
  const char* oldTz = std::getenv("TZ");
  std::string saved = oldTz ? oldTz : "";
  ::setenv("TZ", "Pacific/Kiritimati", 1);
  ::tzset();
  ASSERT_EQ(writeZip(dir_ + "/two.zip", files), std::nullopt);
  if (oldTz) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  std::string one = readFile(dir_ + "/one.zip");
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(one, readFile(dir_ + "/two.zip"));
}

TEST_F(ZipTest, RefusesUnsafeNamesAndMissingInputs) {
  for (const char* bad : {"", "/etc/passwd", "../up", "a/../../up", "a//b", "dir/", "a\\b", "./x"}) {
    auto err = writeZip(dir_ + "/bad.zip", {{bad, "x"}});
    ASSERT_TRUE(err) << bad;
    EXPECT_NE(err->find("bad file name"), std::string::npos) << *err;
  }
  auto missing = writeLambdaZip(dir_ + "/x.zip", dir_ + "/no-such-bootstrap");
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("cannot read"), std::string::npos);
  auto clash = writeLambdaZip(dir_ + "/x.zip", dir_ + "/bootstrap", {{"bootstrap", "x"}});
  ASSERT_TRUE(clash);
  auto duplicate = writeZip(dir_ + "/x.zip", {{"a", "1"}, {"a", "2"}});
  ASSERT_TRUE(duplicate);
  auto noDir = writeZip(dir_ + "/no/such/dir/x.zip", {{"a", "1"}});
  ASSERT_TRUE(noDir);

  // A zip from elsewhere that climbs out of the task root is not unpacked.
  std::string evil = dir_ + "/evil.zip";
  CommandResult py = runCommand({"/usr/bin/python3", "-c",
                                 "import sys, zipfile\n"
                                 "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
                                 "    z.writestr('../escaped', 'x')\n",
                                 evil});
  ASSERT_TRUE(py.ok()) << py.err;
  ZipReadResult r = readZip(evil);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("unsafe entry name '../escaped'"), std::string::npos) << r.error;
  EXPECT_TRUE(extractZip(evil, dir_ + "/out"));
  EXPECT_FALSE(fs::exists(dir_ + "/escaped"));

  ZipReadResult notZip = readZip(dir_ + "/bootstrap");
  EXPECT_FALSE(notZip.ok());
}

TEST_F(ZipTest, ReadingIsBounded) {
  std::string zip = dir_ + "/big.zip";
  ASSERT_EQ(writeZip(zip, {{"zeros", std::string(1 << 20, '\0')}}), std::nullopt);
  EXPECT_LT(fs::file_size(zip), 10000u);  // deflate squeezes zeros
  ZipReadResult r = readZip(zip, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("unpacks to more than 1000 bytes"), std::string::npos) << r.error;
}

}  // namespace
