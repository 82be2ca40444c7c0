// Strict record decoding in generated handlers (codegen/scan.cpp,
// codegen/decode_support.cpp), end to end: real bootstraps on run::LocalLambda.
//
// One schema declares required, nullable and path fields of every type; one
// table holds good records (with the rows they must give) and broken ones
// (with the dead-letter reason they must give). The same table goes through
//   - kinesis json, `select id, n`: most fields are NOT read, and a broken
//     record must fail all the same, with the same reason;
//   - http json, `select *`: every field is read (one request per record);
//   - sqs json, on error retry: batchItemFailures names the broken ones;
//   - kinesis json, on error skip: RecordsSkipped counts them;
// and text lines through a `format text` source. Expectations are written
// here by hand from LANGUAGE.md §2–§3 and docs/language.md §3, §5–§7, §9;
// byte offsets in reasons are found with std::string::find on the record.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "codegen/codegen.h"
#include "driver/frontend.h"
#include "driver/toolchain.h"
#include "run/event_wrapping.h"
#include "run/local_lambda.h"
#include "handler_fixture.h"

namespace flowc::codegen {
namespace {

namespace fs = std::filesystem;

// ------------------------------------------------------------------ the table

// A JSON object built from members in order, for records that differ from a
// good one in one place.
struct Obj {
  std::vector<std::pair<std::string, std::string>> members;  // name (unquoted), JSON value text

  Obj set(const std::string& name, const std::string& value) const {
    Obj o = *this;
    for (auto& [n, v] : o.members) {
      if (n == name) {
        v = value;
        return o;
      }
    }
    o.members.emplace_back(name, value);
    return o;
  }
  Obj drop(const std::string& name) const {
    Obj o = *this;
    std::erase_if(o.members, [&](const auto& m) { return m.first == name; });
    return o;
  }
  // `extra` is raw text added after the last member (", …").
  std::string text(const std::string& extra = "") const {
    std::string s = "{";
    for (size_t i = 0; i < members.size(); ++i) {
      s += (i ? ",\"" : "\"") + members[i].first + "\":" + members[i].second;
    }
    return s + extra + "}";
  }
};

const Obj kGood{{{"id", R"("a")"},
                 {"n", "1"},
                 {"x", "1.5"},
                 {"ok", "true"},
                 {"at", R"("2026-11-23T10:15:30.250Z")"},
                 {"secs", "1795428930"},
                 {"geo", R"({"city":"Oslo"})"},
                 {"tags", R"(["t0"])"}}};

const char* kSchema =
    "(\n"
    "  id    string,\n"
    "  n     int,\n"
    "  x     float,\n"
    "  ok    bool,\n"
    "  at    timestamp,\n"
    "  secs  timestamp(seconds),\n"
    "  note  string?,\n"
    "  m     int?,\n"
    "  y     float?,\n"
    "  flag  bool?,\n"
    "  seen  timestamp?,\n"
    "  city  string = $.geo.city,\n"
    "  lat   float? = $.geo.lat,\n"
    "  tag   string = $.tags[0],\n"
    "  third int?   = $.tags[2]\n"
    ")";

struct Case {
  std::string record;
  std::string reason;  // "" for a good record
  std::string idN;     // good: the `select id, n` row's columns
  std::string all;     // good: the `select *` row's columns
  bool utf8 = true;    // false: cannot travel in an SQS body or an http event
  bool http = true;    // false: an http body means something else (an array, no body)
};

std::string at(const std::string& record, const std::string& needle) {
  size_t p = record.find(needle);
  EXPECT_NE(p, std::string::npos) << needle << " in " << record;
  return std::to_string(p);
}

Case bad(std::string record, std::string reason) {
  return Case{std::move(record), std::move(reason), "", "", true, true};
}

// A broken record whose reason names the byte where `needle` starts.
Case badAt(std::string record, const std::string& needle, const std::string& what) {
  std::string reason = "invalid JSON at byte " + at(record, needle) + ": " + what;
  return bad(std::move(record), std::move(reason));
}

const std::string kAtExpected = "field 'at': expected timestamp (an RFC 3339 string or epoch milliseconds), got ";

std::vector<Case> cases() {
  std::vector<Case> t;
  auto good = [&](std::string record, std::string idN, std::string all) {
    t.push_back(Case{std::move(record), "", std::move(idN), std::move(all), true, true});
  };
  const std::string nulls = R"("note":null,"m":null,"y":null,"flag":null,"seen":null,)";

  // ---- good records
  good(kGood.text(), R"("id":"a","n":1)",
       R"("id":"a","n":1,"x":1.5,"ok":true,"at":"2026-11-23T10:15:30.250Z","secs":"2026-11-23T10:15:30.000Z",)" +
           nulls + R"("city":"Oslo","lat":null,"tag":"t0","third":null)");
  // Any member order, white space, every nullable present, unread values of every JSON shape.
  good(R"({ "tags" : ["t0", "t1", 3], "geo": {"lat": 59.9, "city": "Oslo", "zip": null}, "secs": 1795428930.5, )"
       R"("at": 1795428930250, "ok": false, "x": 2, "n": -9223372036854775808, "id": "b\u00e9\"q", "note": "n\\ote", )"
       R"("m": null, "y": 0.25, "flag": null, "seen": "2026-02-28T23:59:60Z", )"
       R"("extra": {"deep": [1, {"e": "\ud83d\ude00"}, [], {}], "big": 123456789012345678901234567890, "f": 1e400, )"
       R"("t": true, "nul": null, "neg": -0.5E-3} })",
       R"("id":"bé\"q","n":-9223372036854775808)",
       R"("id":"bé\"q","n":-9223372036854775808,"x":2,"ok":false,"at":"2026-11-23T10:15:30.250Z",)"
       R"("secs":"2026-11-23T10:15:30.500Z","note":"n\\ote","m":null,"y":0.25,"flag":null,)"
       R"("seen":"2026-02-28T23:59:59.000Z","city":"Oslo","lat":59.9,"tag":"t0","third":3)");
  // Timestamps: a leap day, nine fraction digits, offsets, lower-case t and z, strings for seconds.
  good(R"({"id":"c","n":0,"x":-1e-3,"ok":true,"at":"2024-02-29T12:00:00.123456789Z",)"
       R"("secs":"2026-11-23T11:15:30+01:00","seen":"2026-11-23t10:15:30z","geo":{"city":""},"tags":[""]})",
       R"("id":"c","n":0)",
       R"("id":"c","n":0,"x":-0.001,"ok":true,"at":"2024-02-29T12:00:00.123Z","secs":"2026-11-23T10:15:30.000Z",)"
       R"("note":null,"m":null,"y":null,"flag":null,"seen":"2026-11-23T10:15:30.000Z","city":"","lat":null,"tag":"",)"
       R"("third":null)");
  // The ends of the range.
  good(R"({"id":"d","n":9223372036854775807,"x":0,"ok":false,"at":"0000-01-01T00:00:00Z","secs":0,)"
       R"("seen":"9999-12-31T23:59:59.999Z","geo":{"city":"x","lat":-90},"tags":["a","b",-7,"d"]})",
       R"("id":"d","n":9223372036854775807)",
       R"("id":"d","n":9223372036854775807,"x":0,"ok":false,"at":"0000-01-01T00:00:00.000Z",)"
       R"("secs":"1970-01-01T00:00:00.000Z","note":null,"m":null,"y":null,"flag":null,)"
       R"("seen":"9999-12-31T23:59:59.999Z","city":"x","lat":-90,"tag":"a","third":-7)");
  // Escaped member names match declared fields once unescaped.
  good(R"({"\u0069d":"e","n":5,"x":1,"ok":true,"at":"2026-11-23T10:15:30Z","secs":1,"ge\u006f":{"c\u0069ty":"K\u00f6ln"},)"
       R"("tags":["\/t"]})",
       R"("id":"e","n":5)",
       R"("id":"e","n":5,"x":1,"ok":true,"at":"2026-11-23T10:15:30.000Z","secs":"1970-01-01T00:00:01.000Z",)" +
           nulls + R"("city":"Köln","lat":null,"tag":"/t","third":null)");
  // White space everywhere; undeclared members may repeat.
  good("{\n\t\"id\" :\t\"f\" ,\r\n \"n\":6,\"x\":6.5,\"ok\":true,\"at\":\"2026-11-23T10:15:30Z\",\"secs\":2,"
       "\"geo\":{\"city\":\"c\",\"extra\":1,\"extra\":2},\"tags\":[\"t\"],\"dup\":1,\"dup\":[2]}\n  ",
       R"("id":"f","n":6)",
       R"("id":"f","n":6,"x":6.5,"ok":true,"at":"2026-11-23T10:15:30.000Z","secs":"1970-01-01T00:00:02.000Z",)" +
           nulls + R"("city":"c","lat":null,"tag":"t","third":null)");
  // Explicit nulls in nullable fields.
  good(R"({"id":"g","n":7,"x":7,"ok":false,"at":"2026-11-23T10:15:30Z","secs":3,"note":null,"m":-1,"y":null,)"
       R"("flag":true,"seen":null,"geo":{"city":"z","lat":null},"tags":["t",null,null]})",
       R"("id":"g","n":7)",
       R"("id":"g","n":7,"x":7,"ok":false,"at":"2026-11-23T10:15:30.000Z","secs":"1970-01-01T00:00:03.000Z",)"
       R"("note":null,"m":-1,"y":null,"flag":true,"seen":null,"city":"z","lat":null,"tag":"t","third":null)");

  // ---- required fields
  t.push_back(bad(kGood.drop("id").text(), "missing required field 'id'"));
  t.push_back(bad(kGood.set("id", "null").text(), "required field 'id' is null"));
  t.push_back(bad(kGood.drop("secs").text(), "missing required field 'secs'"));
  t.push_back(bad(kGood.drop("geo").text(), "missing required field 'city' ($.geo.city)"));
  t.push_back(bad(kGood.set("geo", R"("Oslo")").text(), "missing required field 'city' ($.geo.city)"));
  t.push_back(bad(kGood.set("geo", R"({"city":null})").text(), "required field 'city' ($.geo.city) is null"));
  t.push_back(bad(kGood.set("tags", "[]").text(), "missing required field 'tag' ($.tags[0])"));
  t.push_back(bad(kGood.set("tags", R"({"0":"t"})").text(), "missing required field 'tag' ($.tags[0])"));

  // ---- wrong types and values, read or not
  t.push_back(bad(kGood.set("id", "{}").text(), "field 'id': expected string, got an object"));
  t.push_back(bad(kGood.set("n", R"("5")").text(), "field 'n': expected int, got string"));
  t.push_back(bad(kGood.set("n", "1.5").text(), "field 'n': expected int, got 1.5"));
  t.push_back(bad(kGood.set("n", "1e2").text(), "field 'n': expected int, got 1e2"));
  t.push_back(bad(kGood.set("n", "9223372036854775808").text(),
                  "field 'n': expected int, got 9223372036854775808 (outside the 64-bit range)"));
  t.push_back(bad(kGood.set("n", "-9223372036854775809").text(),
                  "field 'n': expected int, got -9223372036854775809 (outside the 64-bit range)"));
  t.push_back(bad(kGood.set("x", R"("1.5")").text(), "field 'x': expected float, got string"));
  t.push_back(bad(kGood.set("x", "1e400").text(), "field 'x': expected float, got 1e400 (outside the float range)"));
  t.push_back(bad(kGood.set("ok", R"("true")").text(), "field 'ok': expected bool, got string"));
  t.push_back(bad(kGood.set("ok", "1").text(), "field 'ok': expected bool, got number"));
  for (const char* time : {"2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-23T24:00:00Z",
                           "2026-11-23 10:15:30", "2026-13-01T00:00:00Z", "2026-11-23T10:15:30.Z",
                           "2026-11-23T10:15:30.1234567890Z", "2026-11-23T10:60:00Z", "yesterday", ""}) {
    std::string quoted = fmt::format("\"{}\"", time);
    t.push_back(bad(kGood.set("at", quoted).text(), kAtExpected + quoted));
  }
  t.push_back(bad(kGood.set("at", "1e20").text(), kAtExpected + "1e20 (outside years 0000-9999)"));
  t.push_back(bad(kGood.set("at", "true").text(), kAtExpected + "bool"));
  t.push_back(bad(kGood.set("secs", R"("soon")").text(),
                  "field 'secs': expected timestamp (an RFC 3339 string or epoch seconds), got \"soon\""));
  t.push_back(bad(kGood.set("secs", "1e15").text(),
                  "field 'secs': expected timestamp (an RFC 3339 string or epoch seconds), got 1e15 (outside years "
                  "0000-9999)"));
  t.push_back(bad(kGood.set("note", "5").text(), "field 'note': expected string, got number"));
  t.push_back(bad(kGood.set("m", R"("x")").text(), "field 'm': expected int, got string"));
  t.push_back(bad(kGood.set("y", "[1]").text(), "field 'y': expected float, got an array"));
  t.push_back(bad(kGood.set("flag", R"("no")").text(), "field 'flag': expected bool, got string"));
  t.push_back(bad(kGood.set("seen", R"("2026-11-23")").text(),
                  "field 'seen': expected timestamp (an RFC 3339 string or epoch milliseconds), got \"2026-11-23\""));
  t.push_back(
      bad(kGood.set("geo", R"({"city":1})").text(), "field 'city' ($.geo.city): expected string, got number"));
  t.push_back(bad(kGood.set("geo", R"({"city":"c","lat":"n"})").text(),
                  "field 'lat' ($.geo.lat): expected float, got string"));
  t.push_back(bad(kGood.set("tags", R"(["a","b","c"])").text(), "field 'third' ($.tags[2]): expected int, got string"));

  // ---- duplicate members of declared fields
  t.push_back(bad(kGood.text(R"(,"id":"again")"), "duplicate member 'id'"));
  t.push_back(bad(kGood.text(R"(,"note":"a","note":null)"), "duplicate member 'note'"));
  t.push_back(bad(kGood.set("geo", R"({"city":"a","city":"b"})").text(), "duplicate member 'city' in $.geo"));
  t.push_back(bad(kGood.text(R"(,"geo":{"city":"b"})"), "duplicate member 'geo'"));

  // ---- not valid JSON from the first byte to the last, wherever it is wrong
  {
    std::string r = kGood.text() + "}";
    t.push_back(bad(r, "trailing content after the JSON object at byte " + std::to_string(r.size() - 1)));
    r = kGood.text() + " x";
    t.push_back(bad(r, "trailing content after the JSON object at byte " + std::to_string(r.size() - 1)));
    r = kGood.text() + kGood.text();
    t.push_back(bad(r, "trailing content after the JSON object at byte " + std::to_string(kGood.text().size())));
    r = kGood.text() + "]";
    t.push_back(bad(r, "trailing content after the JSON object at byte " + std::to_string(r.size() - 1)));
  }
  std::string r = kGood.text(R"(,"extra":tru)");
  t.push_back(badAt(r, "tru}", "'tru' is not a JSON value (true, false and null are lower case)"));
  r = kGood.text(R"(,"extra":[1,2,])");
  t.push_back(badAt(r, "]}", "expected a value (found ']')"));
  r = kGood.text(R"(,"extra":{"a" 1})");
  t.push_back(badAt(r, "1}}", "expected ':' after the member name (found '1')"));
  r = kGood.text(R"(,"extra":"bad \q")");
  t.push_back(badAt(r, "\\q", "invalid escape '\\q'"));
  r = kGood.text(R"(,"extra":"\ud800")");
  t.push_back(badAt(r, "\\ud800", "a high surrogate without a low surrogate after it"));
  r = kGood.text(R"(,"extra":"\udc00")");
  t.push_back(badAt(r, "\\udc00", "a low surrogate without a high surrogate before it"));
  r = kGood.text(R"(,"extra":"\u12")");
  t.push_back(badAt(r, "\\u12", "\\u must be followed by four hex digits"));
  r = kGood.text(R"(,"extra":01)");
  t.push_back(badAt(r, "01}", "invalid number '01' (no leading zeros)"));
  r = kGood.text(R"(,"extra":-)");
  t.push_back(badAt(r, "-}", "invalid number '-' (a digit must come first)"));
  r = kGood.text(R"(,"extra":[1.])");
  t.push_back(badAt(r, "1.]", "invalid number '1.' (a digit must follow '.')"));
  r = kGood.text(R"(,"extra":{"k\x":1})");
  t.push_back(badAt(r, "\\x", "invalid escape '\\x'"));
  r = kGood.text(",\"extra\":\"tab\there\"");
  t.push_back(badAt(r, "\there", "a control character in a string must be escaped (found byte 0x09)"));
  r = kGood.set("n", "12x").text();
  t.push_back(badAt(r, "12x", "invalid number '12x' (unexpected character)"));
  r = kGood.set("note", "nul").text();
  t.push_back(badAt(r, "nul}", "'nul' is not a JSON value (true, false and null are lower case)"));
  r = kGood.set("ok", "True").text();
  t.push_back(badAt(r, "True", "expected a value (found 'T')"));
  r = R"({"id":"a",)";
  t.push_back(bad(r, "invalid JSON at byte " + std::to_string(r.size()) + ": the record ends inside an object"));
  r = R"({"id":"a","tags":["t0",)";
  t.push_back(bad(r, "invalid JSON at byte " + std::to_string(r.size()) + ": the record ends where a value should be"));
  r = R"({"id":"a","note":"abc)";
  t.push_back(badAt(r, "\"abc", "a string is not closed"));
  r = R"({id:"a"})";
  t.push_back(badAt(r, "id:", "expected a member name in double quotes (found 'i')"));
  t.push_back(bad(kGood.text(",\"extra\":" + std::string(1001, '[') + std::string(1001, ']')),
                  "the record nests deeper than 1000 levels"));

  // ---- not an object
  t.push_back(Case{"[1,2]", "the record is not a JSON object (it is an array)", "", "", true, false});
  t.push_back(bad(R"("text")", "the record is not a JSON object (it is a string)"));
  t.push_back(bad("42", "the record is not a JSON object (it is a number)"));
  t.push_back(bad("null", "the record is not a JSON object (it is null)"));
  t.push_back(Case{"", "invalid JSON: the record is empty", "", "", true, false});
  t.push_back(bad("[1,2", "invalid JSON at byte 4: the record ends inside an array"));

  // ---- not UTF-8 (kinesis data is base64: any bytes can come)
  r = kGood.set("note", "\"caf\xe9\"").text();
  t.push_back(Case{r, "invalid JSON at byte " + at(r, "\xe9") + ": invalid UTF-8 (found byte 0xe9)", "", "", false,
                   false});
  r = kGood.text(",\"extra\":\"\xed\xa0\x80\"");
  t.push_back(Case{r, "invalid JSON at byte " + at(r, "\xed") + ": invalid UTF-8 (found byte 0xed)", "", "", false,
                   false});
  return t;
}

// ------------------------------------------------------------------ running handlers

struct Output {
  std::vector<std::string> rows;  // log lines of the sink
  std::vector<std::string> reasons;
  std::vector<std::string> deadRecords;
  std::string metrics;
  std::string response;
  bool ok = false;
  std::string error;
};

std::string member(const std::string& line, const char* name) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view v;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS) return "<not JSON: " + line + ">";
  if (doc[name].get_string().get(v) != simdjson::SUCCESS) return "<no string member " + std::string(name) + ">";
  return std::string(v);
}

// A metric of an EMF line, or -1.
int64_t metric(const std::string& line, const char* name) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t v = -1;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS || doc[name].get_int64().get(v) != simdjson::SUCCESS) return -1;
  return v;
}

class DecodeTest : public testing_support::HandlerFixture {
 protected:
  DecodeTest() : HandlerFixture("decode") {}

  // What the function answered and printed, its stdout lines sorted by kind.
  Output invoke(const std::string& event) {
    testing_support::HandlerOutput h = invokeHandler(event);
    Output out;
    out.ok = h.ok;
    out.response = h.response;
    out.error = h.error;
    out.metrics = h.metrics;
    out.rows = h.rows;
    for (const std::string& line : h.deadLetters) {
      out.reasons.push_back(member(line, "reason"));
      out.deadRecords.push_back(member(line, "record"));
    }
    return out;
  }

  // All `records` in one event of `kind`; the mapping keeps their ids.
  Output invokeBatch(run::SourceKind kind, const std::vector<std::string>& records,
                     std::unique_ptr<run::EventSourceMapping>& mapping) {
    run::WrapOptions o;
    o.kind = kind;
    o.batchSize = records.size();
    mapping = std::make_unique<run::EventSourceMapping>(records, o);
    return invoke(mapping->next().event);
  }
};

std::string row(const std::string& columns) {
  return R"({"stream":"s",)" + columns + "}";
}

// ------------------------------------------------------------------ tests

TEST_F(DecodeTest, UnreadFieldsAreCheckedAsStrictlyAsReadOnes) {
  start(fmt::format("source events from kinesis {};\nstream s as select id, n from events;\nsink s to log;\n",
                    kSchema));
  std::vector<Case> table = cases();
  std::vector<std::string> records, rows, reasons;
  for (const Case& c : table) {
    records.push_back(c.record);
    if (c.reason.empty()) {
      rows.push_back(row(c.idN));
    } else {
      reasons.push_back(c.reason);
    }
  }
  std::unique_ptr<run::EventSourceMapping> mapping;
  Output out = invokeBatch(run::SourceKind::Kinesis, records, mapping);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, rows);
  ASSERT_EQ(out.reasons.size(), reasons.size());
  for (size_t i = 0; i < reasons.size(); ++i) EXPECT_EQ(out.reasons[i], reasons[i]) << "dead letter " << i;
  // The record, untouched.
  size_t k = 0;
  for (const Case& c : table) {
    if (!c.reason.empty() && k < out.deadRecords.size() && c.utf8) {
      EXPECT_EQ(out.deadRecords[k], c.record);
    }
    if (!c.reason.empty()) ++k;
  }
  EXPECT_EQ(metric(out.metrics, "RecordsIn"), static_cast<int64_t>(records.size()));
  EXPECT_EQ(metric(out.metrics, "RecordsDeadLettered"), static_cast<int64_t>(reasons.size()));
  EXPECT_EQ(out.response, R"({"batchItemFailures":[]})");
}

TEST_F(DecodeTest, ReadFieldsFailWithTheSameReasonsOverHttp) {
  start(fmt::format("source events from http {};\nstream s as select * from events;\nsink s to log;\n", kSchema));
  size_t requests = 0;
  for (const Case& c : cases()) {
    if (!c.http || !c.utf8) continue;
    run::WrapOptions o;
    o.kind = run::SourceKind::Http;
    o.batchSize = 1;
    std::vector<std::string> events = run::wrapRecords({c.record}, o);
    ASSERT_EQ(events.size(), 1u);
    Output out = invoke(events[0]);
    ++requests;
    ASSERT_TRUE(out.ok) << out.error;
    if (c.reason.empty()) {
      EXPECT_EQ(out.rows, std::vector<std::string>{row(c.all)}) << c.record;
      EXPECT_TRUE(out.reasons.empty()) << c.record;
    } else {
      EXPECT_TRUE(out.rows.empty()) << c.record;
      EXPECT_EQ(out.reasons, std::vector<std::string>{c.reason}) << c.record;
    }
  }
  EXPECT_GT(requests, 60u);
}

TEST_F(DecodeTest, RetryOnSqsReportsExactlyTheBrokenMessages) {
  start(fmt::format("source events from sqs {}\non error retry;\nstream s as select id from events;\nsink s to log;\n",
                    kSchema));
  std::vector<std::string> records, rows;
  std::vector<size_t> broken;
  for (const Case& c : cases()) {
    if (!c.utf8) continue;
    if (!c.reason.empty()) broken.push_back(records.size());
    if (c.reason.empty()) rows.push_back(row(c.idN.substr(0, c.idN.find(",\"n\":"))));
    records.push_back(c.record);
  }
  std::unique_ptr<run::EventSourceMapping> mapping;
  Output out = invokeBatch(run::SourceKind::Sqs, records, mapping);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, rows);
  EXPECT_TRUE(out.reasons.empty());
  std::string failures;
  for (size_t i : broken) {
    failures += fmt::format(R"({}{{"itemIdentifier":"{}"}})", failures.empty() ? "" : ",", mapping->records()[i].id);
  }
  EXPECT_EQ(out.response, R"({"batchItemFailures":[)" + failures + "]}");
  EXPECT_EQ(metric(out.metrics, "RecordsRetried"), static_cast<int64_t>(broken.size()));
}

TEST_F(DecodeTest, SkipCountsEveryBrokenRecord) {
  start(fmt::format("source events from kinesis {}\non error skip;\nstream s as select n from events;\nsink s to log;\n",
                    kSchema));
  std::vector<std::string> records, rows;
  int64_t broken = 0;
  for (const Case& c : cases()) {
    records.push_back(c.record);
    if (c.reason.empty()) {
      rows.push_back(row(c.idN.substr(c.idN.find("\"n\":"))));
    } else {
      ++broken;
    }
  }
  std::unique_ptr<run::EventSourceMapping> mapping;
  Output out = invokeBatch(run::SourceKind::Kinesis, records, mapping);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, rows);
  EXPECT_TRUE(out.reasons.empty());
  EXPECT_EQ(metric(out.metrics, "RecordsSkipped"), broken);
  EXPECT_EQ(metric(out.metrics, "RecordsOut_s"), static_cast<int64_t>(rows.size()));
}

TEST_F(DecodeTest, TextLinesMustBeUtf8) {
  start(
      "source lines from kinesis format text;\n"
      "stream s as select line, length(line) as len from lines;\n"
      "sink s to log;\n");
  std::vector<std::string> records = {
      "plain",        "",           "caf\xc3\xa9",      "bad \xff byte",    "\xe2\x82",
      "a\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "ok \xf0\x9f\x98\x80", "{\"not\": json",
  };
  std::unique_ptr<run::EventSourceMapping> mapping;
  Output out = invokeBatch(run::SourceKind::Kinesis, records, mapping);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.rows, (std::vector<std::string>{
                          row(R"("line":"plain","len":5)"),
                          row(R"("line":"","len":0)"),
                          row(R"("line":"café","len":4)"),
                          row(R"("line":"ok 😀","len":4)"),
                          row(R"("line":"{\"not\": json","len":12)"),
                      }));
  EXPECT_EQ(out.reasons, (std::vector<std::string>{
                             "invalid UTF-8 at byte 4 (0xff)",
                             "invalid UTF-8 at byte 0 (0xe2)",
                             "invalid UTF-8 at byte 1 (0xed)",
                             "invalid UTF-8 at byte 0 (0xf4)",
                             "invalid UTF-8 at byte 0 (0xc0)",
                         }));
}

}  // namespace
}  // namespace flowc::codegen
