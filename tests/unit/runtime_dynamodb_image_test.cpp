// A dynamodb record's payload is its item image as plain JSON
// (runtime/src/dynamodb_image.h), through the public EventDecoder: every
// DynamoDB type, what is not an item (dead-lettered with the attribute's
// path), the nesting bound, and random items marshalled by a small writer in
// this file and compared with the plain JSON built from the same tree.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "flow/events.h"

namespace {

using flow::PayloadFormat;
using flow::SourceKind;

std::string recordJson(const std::string& image, const std::string& eventName, int seq) {
  std::string key = eventName == "REMOVE" ? "OldImage" : "NewImage";
  return R"({"eventName":")" + eventName + R"(","eventSource":"aws:dynamodb","dynamodb":{"SequenceNumber":")" +
         std::to_string(seq) + R"(","ApproximateCreationDateTime":1700000000,")" + key + R"(":)" + image + "}}";
}

class DynamoImage : public ::testing::Test {
 protected:
  flow::EventDecoder decoder;
  flow::Batch batch;
  std::string storage;

  // Decodes one event of these images (INSERTs); the batch holds the records.
  void decodeImages(const std::vector<std::string>& images) {
    storage = R"({"Records":[)";
    for (size_t i = 0; i < images.size(); ++i) {
      if (i) storage += ",";
      storage += recordJson(images[i], "INSERT", static_cast<int>(i) + 1);
    }
    storage += "]}";
    size_t size = storage.size();
    storage.append(flow::kBodyPadding, '\0');
    flow::Status st = decoder.decode(SourceKind::DynamoDb, PayloadFormat::Json, {storage.data(), size}, batch);
    ASSERT_FALSE(st) << st->message;
    ASSERT_EQ(batch.records.size(), images.size());
  }
  std::string payloadOf(const std::string& image) {
    decodeImages({image});
    EXPECT_TRUE(batch.records[0].decodeError.empty()) << batch.records[0].decodeError;
    return std::string(batch.records[0].payload);
  }
  std::string errorOf(const std::string& image) {
    decodeImages({image});
    EXPECT_TRUE(batch.records[0].payload.empty());
    return std::string(batch.records[0].decodeError);
  }
};

TEST_F(DynamoImage, EveryType) {
  EXPECT_EQ(payloadOf(R"({"s":{"S":"a\"b\\\u00e9\n"},"b":{"B":"AAE="},"n":{"N":"-1.5E+2"},)"
                      R"("big":{"N":"12345678901234567890"},"t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true},)"
                      R"("m":{"M":{"x":{"N":"1"},"y":{"L":[{"S":"q"},{"NULL":true},{"L":[]}]}}},)"
                      R"("ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AA=="]},"e":{"M":{}}})"),
            "{\"s\":\"a\\\"b\\\\\xc3\xa9\\n\",\"b\":\"AAE=\",\"n\":-1.5E+2,\"big\":12345678901234567890,"
            "\"t\":true,\"f\":false,\"z\":null,\"m\":{\"x\":1,\"y\":[\"q\",null,[]]},"
            "\"ss\":[\"a\",\"b\"],\"ns\":[1,2.5],\"bs\":[\"AA==\"],\"e\":{}}");
  // Whitespace anywhere in the image, an escaped attribute name, an empty item.
  EXPECT_EQ(payloadOf(" { \"a\\u0062\" : { \"N\" : \"0\" } , \"c\":{\"SS\":[ ]} } "), R"({"ab":0,"c":[]})");
  EXPECT_EQ(payloadOf("{}"), "{}");
}

TEST_F(DynamoImage, NotAnItemIsABadRecordNamingTheAttribute) {
  const std::string notTyped = "is not a DynamoDB attribute value ({\"S\": …}, {\"N\": …}, …)";
  EXPECT_EQ(errorOf(R"({"a":"plain"})"), "attribute 'a' " + notTyped);
  EXPECT_EQ(errorOf(R"({"a":{"S":"x","N":"1"}})"), "attribute 'a' has more than one type");
  EXPECT_EQ(errorOf(R"({"a":{}})"), "attribute 'a' has no type");
  EXPECT_EQ(errorOf(R"({"a":{"X":1}})"), "attribute 'a' has the unknown type 'X'");
  for (const char* bad : {"1.2.3", " 1", "NaN", "", "+1", "01", "1.", ".5", "1e", "0x10"}) {
    EXPECT_EQ(errorOf(std::string(R"({"a":{"N":")") + bad + "\"}}"),
              "attribute 'a' has the N '" + std::string(bad) + "', which is not a number");
  }
  EXPECT_EQ(errorOf(R"({"a":{"N":1}})"), "attribute 'a' has an N that is not a string");
  EXPECT_EQ(errorOf(R"({"a":{"S":1}})"), "attribute 'a' has a string type whose value is not a string");
  EXPECT_EQ(errorOf(R"({"a":{"BOOL":"yes"}})"), "attribute 'a' has a BOOL that is not true or false");
  EXPECT_EQ(errorOf(R"({"a":{"NULL":1}})"), "attribute 'a' has a NULL that is not true");
  EXPECT_EQ(errorOf(R"({"a":{"NULL":false}})"), "attribute 'a' has a NULL that is not true");
  EXPECT_EQ(errorOf(R"({"a":{"M":[]}})"), "attribute 'a' has an M that is not an object");
  EXPECT_EQ(errorOf(R"({"a":{"L":{}}})"), "attribute 'a' has a list type whose value is not an array");
  EXPECT_EQ(errorOf(R"({"m":{"M":{"b":{"L":[{"S":"x"},{"N":"y"}]}}}})"),
            "attribute 'm.b[1]' has the N 'y', which is not a number");
  EXPECT_EQ(errorOf(R"({"ok":{"S":"x"},"t":{"SS":["a",2]}})"),
            "attribute 't[1]' has a string type whose value is not a string");
}

// The record's own text in a reason (an attribute's path, a type, an N) is
// cut to 40 bytes and "...": a name may be 64 KB long, and the reason goes
// into every dead letter (found by fuzz_events: a 150-byte name).
TEST_F(DynamoImage, AReasonQuotesTheRecordInExcerpts) {
  const std::string name(300, 'm'), type(300, 'T'), n(300, '9');
  const std::string cut40 = std::string(40, 'm') + "...";
  EXPECT_EQ(errorOf("{\"" + name + "\":\"plain\"}"),
            "attribute '" + cut40 + "' is not a DynamoDB attribute value ({\"S\": …}, {\"N\": …}, …)");
  EXPECT_EQ(errorOf(R"({"a":{")" + type + R"(":1}})"), "attribute 'a' has the unknown type '" + std::string(40, 'T') + "...'");
  EXPECT_EQ(errorOf(R"({"a":{"N":"x)" + n + R"("}})"),
            "attribute 'a' has the N 'x" + std::string(39, '9') + "...', which is not a number");
  // A path made long by nesting is cut as a whole.
  std::string deep = errorOf(R"({"a":{"M":{")" + name + R"(":{"M":{"b":{"N":"?"}}}}}})");
  EXPECT_EQ(deep, "attribute 'a." + std::string(38, 'm') + "...' has the N '?', which is not a number");
}

TEST_F(DynamoImage, ABadRecordDoesNotSpoilTheNextOne) {
  decodeImages({R"({"a":{"Q":"1"}})", R"({"a":{"N":"7"}})"});
  EXPECT_EQ(batch.records[0].decodeError, "attribute 'a' has the unknown type 'Q'");
  EXPECT_EQ(batch.records[1].payload, R"({"a":7})");
  EXPECT_TRUE(batch.records[1].decodeError.empty());
}

// Maps nested n deep below the item: {"a":{"M":{"a":{"M":…{"a":{"N":"1"}}…}}}}.
std::string nestedMaps(int n) {
  std::string s = "{";
  for (int i = 0; i < n; ++i) s += R"("a":{"M":{)";
  s += R"("a":{"N":"1"})";
  for (int i = 0; i < n; ++i) s += "}}";
  return s + "}";
}

// Lists nested n deep: {"a":{"L":[{"L":[…{"N":"1"}…]}]}}.
std::string nestedLists(int n) {
  std::string s = R"({"a":)";
  for (int i = 0; i < n; ++i) s += R"({"L":[)";
  s += R"({"N":"1"})";
  for (int i = 0; i < n; ++i) s += "]}";
  return s + "}";
}

TEST_F(DynamoImage, NestingIsBounded) {
  std::string plain = payloadOf(nestedMaps(64));
  EXPECT_EQ(plain.size(), 1 + 64 * 5 + 5 + 64 + 1) << plain;  // {"a":{ ×64, "a":1, } ×64, }
  std::string error = errorOf(nestedMaps(65));
  EXPECT_NE(error.find("nests deeper than 64 levels"), std::string::npos) << error;
  EXPECT_EQ(payloadOf(nestedLists(64)), "{\"a\":" + std::string(64, '[') + "1" + std::string(64, ']') + "}");
  error = errorOf(nestedLists(65));
  EXPECT_NE(error.find("nests deeper than 64 levels"), std::string::npos) << error;
}

TEST_F(DynamoImage, RemoveReadsTheOldImage) {
  storage = "{\"Records\":[" + recordJson(R"({"k":{"S":"gone"}})", "REMOVE", 9) + "]}";
  size_t size = storage.size();
  storage.append(flow::kBodyPadding, '\0');
  ASSERT_FALSE(decoder.decode(SourceKind::DynamoDb, PayloadFormat::Json, {storage.data(), size}, batch));
  EXPECT_EQ(batch.records[0].payload, R"({"k":"gone"})");
}

// ---- random items: one tree, written both ways -------------------------------------------------

struct Both {
  std::string typed;  // as DynamoDB writes it
  std::string plain;  // as the decoder must give it
};

class RandomItem {
 public:
  explicit RandomItem(uint32_t seed) : rng_(seed) {}

  Both item(int depth) {
    Both out{"{", "{"};
    int n = pick(depth > 3 ? 2 : 5);
    for (int i = 0; i < n; ++i) {
      std::string name = text();
      Both v = value(depth + 1);
      if (i) out.typed += ",", out.plain += ",";
      out.typed += quoted(name) + ":" + v.typed;
      out.plain += quoted(name) + ":" + v.plain;
    }
    out.typed += "}";
    out.plain += "}";
    return out;
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }

  std::string text() {
    static const char* pieces[] = {"a", "Z", "9", " ", "\xc3\xa9", "\xe2\x82\xac", "\"", "\\", "\n", "\t", "/", "x"};
    std::string s;
    for (int n = pick(6); n > 0; --n) s += pieces[pick(12)];
    return s;
  }
  // The escaping flow's JSON writer uses: \" \\ \n \t by name, the rest raw.
  static std::string quoted(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += "\\\"";
      else if (c == '\\') q += "\\\\";
      else if (c == '\n') q += "\\n";
      else if (c == '\t') q += "\\t";
      else q += c;
    }
    return q + "\"";
  }
  std::string number() {
    static const char* numbers[] = {"0", "-7", "42", "3.25", "-0.5", "1E+2", "6.02e23", "12345678901234567890123",
                                    "1e-7", "100"};
    return numbers[pick(10)];
  }

  Both value(int depth) {
    int kind = pick(depth > 4 ? 5 : 9);
    switch (kind) {
      case 0: {
        std::string s = text();
        return {R"({"S":)" + quoted(s) + "}", quoted(s)};
      }
      case 1: {
        std::string n = number();
        return {R"({"N":")" + n + "\"}", n};
      }
      case 2: return pick(2) ? Both{R"({"BOOL":true})", "true"} : Both{R"({"BOOL":false})", "false"};
      case 3: return {R"({"NULL":true})", "null"};
      case 4: {  // SS or NS
        bool strings = pick(2);
        Both out{strings ? R"({"SS":[)" : R"({"NS":[)", "["};
        for (int i = 0, n = 1 + pick(3); i < n; ++i) {
          std::string e = strings ? quoted(text()) : number();
          if (i) out.typed += ",", out.plain += ",";
          out.typed += strings ? e : "\"" + e + "\"";
          out.plain += e;
        }
        out.typed += "]}";
        out.plain += "]";
        return out;
      }
      case 5:
      case 6: {
        Both m = item(depth);
        return {R"({"M":)" + m.typed + "}", m.plain};
      }
      default: {
        Both out{R"({"L":[)", "["};
        for (int i = 0, n = pick(4); i < n; ++i) {
          Both e = value(depth + 1);
          if (i) out.typed += ",", out.plain += ",";
          out.typed += e.typed;
          out.plain += e.plain;
        }
        out.typed += "]}";
        out.plain += "]";
        return out;
      }
    }
  }

  std::mt19937 rng_;
};

TEST_F(DynamoImage, RandomItemsComeOutAsTheirPlainJson) {
  RandomItem gen(20261125);
  for (int round = 0; round < 200; ++round) {
    std::vector<Both> items;
    std::vector<std::string> images;
    for (int i = 0; i < 5; ++i) {
      items.push_back(gen.item(0));
      images.push_back(items.back().typed);
    }
    decodeImages(images);
    for (size_t i = 0; i < items.size(); ++i) {
      ASSERT_TRUE(batch.records[i].decodeError.empty()) << batch.records[i].decodeError << "\n" << items[i].typed;
      ASSERT_EQ(batch.records[i].payload, items[i].plain) << items[i].typed;
    }
  }
}

}  // namespace
