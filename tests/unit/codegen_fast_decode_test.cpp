// The generated decoder's fast path (codegen/scan.cpp fastDecodeFields,
// runtime/include/flow/record_scan.h), differentially: each program's
// handler is built twice from the same generated C++, once as it is and once
// with FLOW_NO_FAST_DECODE defined (only decodeFields, simdjson), and both
// run over the same events. Whatever the fast path accepts must give what
// simdjson's path gives, and what it refuses is decided by that path: so
// every row, dead letter (its reason), metric and response must be equal.
//
// The corpus: every payload of tests/e2e/cases/manifest.py's events and
// records, gen_kinesis.py's records with --bad, hand-written edge cases of
// each reader (ints and floats at the limits of what the fast path proves,
// timestamps, nesting, white space, duplicates, and for fields in objects:
// what else may stand there), and every one-byte deletion, replacement (by
// bytes that matter to a JSON scanner), duplication and truncation of a few
// valid records: about 60k records, six programs; the test takes about 30 s
// (two handler builds a program, cached after the first run).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/codegen.h"
#include "driver/frontend.h"
#include "driver/toolchain.h"
#include "handler_fixture.h"
#include "run/event_wrapping.h"
#include "run/local_lambda.h"
#include "support/process.h"

namespace flowc::codegen {
namespace {

namespace fs = std::filesystem;
using testing_support::HandlerOutput;

// Every declared type, required and nullable, one field mapped by a path to
// another member name.
const char* kAllTypes =
    "(s string, i int, x float, b bool, t timestamp, ts timestamp(seconds), ns string?, ni int?, nx float?, "
    "nb bool?, nt timestamp?, nts timestamp(seconds)?, m string = $.other_name)";

const std::string kAllRead =
    fmt::format("source r from kinesis format json {};\nstream o as select * from r;\nsink o to log;\n", kAllTypes);
const std::string kFewRead =
    fmt::format("source r from kinesis format json {};\nstream o as select i, nb from r;\nsink o to log;\n", kAllTypes);
// q1 (bench/q1.flow): its filter is tested while decoding.
const std::string kQ1 =
    "source clicks from kinesis format json (user_id string, page string, latency_ms int, country string?, ts "
    "timestamp);\n"
    "stream slow as select user_id, page, latency_ms from clicks where latency_ms > 500;\nsink slow to log;\n";
// A decoder filter on a nullable field (tested only when it comes) and a float.
const std::string kNullableFilter =
    "source r from kinesis format json (k string, n int?, v float);\n"
    "stream o as select k, v from r where n > 1 and v < 2.5;\nsink o to log;\n";

// Fields in objects, two levels deep, required and nullable, beside a member
// of the record itself, and a decoder filter on one of them.
const std::string kNested =
    "source r from kinesis format json (k string, a int = $.o.a, s string? = $.o.s, t timestamp? = $.o.t, "
    "d float = $.o.p.d, b bool? = $.o.p.b, z int? = $.q.z);\n"
    "stream o as select * from r where a > 1;\nsink o to log;\n";
const std::vector<std::string> kNestedRecords = {
    R"({"k":"x","o":{"a":5,"s":"str","t":"2026-11-23T10:15:30.250Z","p":{"d":2.5,"b":true},"w":[1,{"z":2}]},"q":{"z":7},"n":null})",
    R"({"o":{"p":{"b":null,"d":-1},"a":2},"k":"y"})",
    R"({ "k" : "z" , "o" : { "a" : 3 , "p" : { "d" : 0 } } , "q" : { } })",
};
// Nexmark q0 (bench/nexmark/q0.flow) on its three kinds of event: the bid's
// fields are in "bid", which persons and auctions do not have.
const std::string kNexmarkQ0 =
    "source events from kinesis (event_type int, auction int? = $.bid.auction, bidder int? = $.bid.bidder, "
    "price int? = $.bid.price, date_time timestamp? = $.bid.dateTime, extra string? = $.bid.extra);\n"
    "stream q0 as select auction, bidder, price, date_time, extra from events where event_type = 2;\n"
    "sink q0 to log;\n";
const std::vector<std::string> kNexmarkRecords = {
    R"({"event_type":0,"person":{"id":1000,"name":"Vicky Spencer","emailAddress":"mubcrdl@sbqgb.com","creditCard":"1408 7104 6851 1144","city":"Boise","state":"AZ","dateTime":1793491200000,"extra":"nbsd"}})",
    R"({"event_type":1,"auction":{"id":1000,"itemName":"cfehv","description":"aps","initialBid":55768277,"reserve":55791436,"dateTime":1793491200010,"expires":1793491216061,"seller":1000,"category":13,"extra":"gcg"}})",
    R"({"event_type":2,"bid":{"auction":1012,"bidder":1001,"price":602,"channel":"Facebook","url":"https://www.nexmark.com/ugmxm/ganfn/dcmsl/item.htm?query=1","dateTime":1793491200040,"extra":"reuzmcstl"}})",
};

// What stands where the nested program's objects are: other values, repeats,
// white space, and values nobody maps nested near the depth limit.
std::vector<std::string> nestedEdgeCases() {
  std::vector<std::string> out;
  const std::string o = R"("o":{"a":5,"s":"str","p":{"d":2.5,"b":true}})";
  for (const char* v : {"null", "5", "[]", "[{\"a\":2}]", "\"o\"", "{}", "{\"a\":2}", "{\"p\":{\"d\":1}}", "true"}) {
    out.push_back(std::string(R"({"k":"v","o":)") + v + "}");
    out.push_back(std::string(R"({"k":"v",)") + o + R"(,"q":)" + v + "}");
    out.push_back(std::string(R"({"k":"v","o":{"a":2,"p":)") + v + "}}");
  }
  out.push_back(R"({"k":"v",)" + o + "," + o + "}");                          // the object twice
  out.push_back(R"({"k":"v","o":{"a":2,"a":3,"p":{"d":1}}})");                // a field twice in it
  out.push_back(R"({"k":"v","o":{"a":2,"p":{"d":1},"p":{"d":2}}})");          // the inner object twice
  out.push_back(R"({"k":"v","o":{"a":2,"p":{"d":1}},"o":{}})");               // again, empty
  out.push_back(R"({"k":"v","o":{"a":2,"p":{"d":1},"p":{}}})");
  out.push_back(R"({"k":"v","o":{"a":2,"p":{"d":1,"x":1,"x":{"x":2}}}})");    // undeclared ones, twice
  out.push_back(R"({"k":"v","o":{"\u0061":2,"p":{"d":1}}})");                 // an escaped name inside
  out.push_back("{\"k\":\"v\",\"o\":\n{\t\"a\"\r:2 ,\"p\":{ }\n}\n}");
  out.push_back(R"({"k":"v","o":{"a":2,"p":{"d":1}})");                       // the record not closed
  out.push_back(R"({"k":"v","o":{"a":2,"p":{"d":1}}}})");
  auto nest = [](int depth) { return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'); };
  for (int d : {28, 29, 30, 31, 32, 33}) {
    out.push_back(R"({"k":"v","o":{"a":2,"deep":)" + nest(d) + R"(,"p":{"d":1}}})");
    out.push_back(R"({"k":"v","o":{"a":2,"p":{"d":1,"deep":)" + nest(d) + "}}}");
  }
  return out;
}

const std::vector<std::string> kAllTypesRecords = {
    R"({"s":"abc","i":-42,"x":3.25,"b":true,"t":"2026-11-23T10:15:30.250Z","ts":1795428930,"ns":null,"ni":7,)"
    R"("nx":-0.5,"nb":false,"nt":1795428930250,"nts":"2026-11-23T10:15:30Z","other_name":"m",)"
    R"("extra":{"a":[1,2.5e3,null,true,"x"]}})",
    "{ \"ts\" : 1795428930.5 ,\"i\":0,\t\"s\":\"\", \"x\":10, \"b\":false,\n\"t\":\"2026-11-23T10:15:30Z\","
    "\"other_name\":\"q\", \"u\":[] }\n",
};
const std::vector<std::string> kClicksRecords = {
    R"({"user_id":"u9024","page":"/p/1","latency_ms":1359,"ts":"2025-11-23T10:00:00.031Z","session_id":"8a7d43b578633074","country":"DE"})",
    R"({"user_id":"u1","page":"/p/3","latency_ms":278,"ts":1763892000000,"referrer":"https://example.com/r/308"})",
};
const std::vector<std::string> kFilterRecords = {
    R"({"k":"a","n":2,"v":2.25})",
    R"({"k":"a","n":1,"v":2.5})",
    R"({"v":1,"k":"b","n":null})",
    R"({"k":"c","v":-1.25})",
};

// Values at the edges of what each reader of the fast path takes.
std::vector<std::string> edgeCases() {
  std::vector<std::string> out;
  auto rec = [&](const std::string& member, const std::string& value) {
    std::string base = kAllTypesRecords[0];
    std::string key = "\"" + member + "\":";
    size_t at = base.find(key);
    if (at == std::string::npos) {
      out.push_back(base.substr(0, base.size() - 1) + "," + key + value + "}");
      return;
    }
    size_t from = at + key.size();
    // The old value ends at the next ',' at depth 0 (the base record's values hold none).
    size_t to = base.find(",\"", from);
    out.push_back(base.substr(0, from) + value + base.substr(to));
  };
  for (const char* v : {"0", "-0", "01", "-1", "123456789012345678", "-123456789012345678", "1234567890123456789",
                        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.0", "1e2", "1E2",
                        "-", "--1", "+1", "1.", ".5", "0x10", "1 2", "\"1\"", "null", "true", "[1]", "{}"}) {
    rec("i", v);
    rec("ni", v);
  }
  for (const char* v : {"0", "-0", "0.0", "-0.0", "1.5", "123456789012345", "1234567890123456", "0.123456789012345",
                        "0.1234567890123456", "99999999999999.9", "1e5", "1.5e-3", "1.7976931348623157e308", "1e400",
                        "-1e400", "5e-324", "0.1", "0.30000000000000004", "3.141592653589793", "-2.5", "00.5",
                        "1.2.3", "\"2\"", "null", "false"}) {
    rec("x", v);
    rec("nx", v);
  }
  for (const char* v : {"true", "false", "null", "tru", "truee", "True", "1", "\"true\""}) {
    rec("b", v);
    rec("nb", v);
  }
  for (const char* v :
       {"\"2026-11-23T10:15:30Z\"", "\"2026-11-23t10:15:30z\"", "\"2026-11-23 10:15:30Z\"",
        "\"2026-11-23T10:15:30.123456789Z\"", "\"2026-11-23T10:15:30.1234567891Z\"", "\"2026-11-23T10:15:30+01:00\"",
        "\"2024-02-29T00:00:00Z\"", "\"2023-02-29T00:00:00Z\"", "\"2026-12-31T23:59:60.999Z\"", "\"0000-01-01T00:00:00Z\"",
        "\"9999-12-31T23:59:59.999Z\"", "\"2026-11-23T10:15:30\"", "\"2026-11-23\"", "\"\"", "0", "-0", "1795428930250",
        "1795428930250.4", "1795428930250.5", "999999999999999", "1000000000000000", "-62167219200000",
        "-62167219200001", "253402300799999", "253402300800000", "1795428930", "1795428930.0005", "1795428930.0015",
        "-62167219200", "-62167219201", "253402300799", "253402300800", "1.5e3", "null", "true", "{}"}) {
    rec("t", v);
    rec("ts", v);
    rec("nt", v);
    rec("nts", v);
  }
  for (const char* v : {"\"\"", "\"a\\\"b\"", "\"\\u0041\"", "\"caf\xc3\xa9\"", "\"\x7f\"", "\"tab\there\"", "\"\xff\"",
                        "12", "null", "[\"a\"]"}) {
    rec("s", v);
    rec("ns", v);
    rec("other_name", v);
  }
  std::string base = kAllTypesRecords[0];
  std::string body = base.substr(1, base.size() - 2);
  auto nest = [](int depth) { return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'); };
  for (int d : {30, 31, 32, 33, 100}) out.push_back("{" + body + ",\"deep\":" + nest(d) + "}");
  out.push_back("{" + body + ",\"s\":\"again\"}");                 // a declared member twice
  out.push_back("{" + body + ",\"other_name\":\"again\"}");        // the path's member twice
  out.push_back("{" + body + ",\"z\":1,\"z\":{\"z\":1,\"z\":2}}");  // undeclared ones, more than once
  out.push_back("{" + body + ",\"\\u0073\":\"escaped s\"}");        // an escaped name of a declared member
  // More members than the key cache has positions (32): the later ones share
  // one slot, so the same layout twice, declared members past position 32,
  // and a duplicate there.
  std::string many;
  for (int k = 0; k < 40; ++k) many += fmt::format(",\"e{}\":{}", k, k);
  for (int twice = 0; twice < 2; ++twice) {
    out.push_back("{" + body + many + "}");
    out.push_back("{" + many.substr(1) + "," + body + "}");
  }
  out.push_back("{" + many.substr(1) + "," + body + ",\"s\":\"again\"}");
  out.push_back("{" + many.substr(1) + ",\"e39\":1," + body + "}");
  out.push_back("{" + body + ",\"caf\xc3\xa9\":1}");
  out.push_back("{" + body + "} ");
  out.push_back(" \t\r\n{" + body + "}\n\n");
  out.push_back("{" + body + "}x");
  out.push_back("{" + body + "}{}");
  out.push_back("{" + body + ",}");
  out.push_back("\xef\xbb\xbf{" + body + "}");
  out.push_back("{}");
  out.push_back("");
  out.push_back("[]");
  out.push_back("{" + body + ",\"n1\":-0.0e-0,\"n2\":1E+99,\"n3\":[0,-1,2.5E-7],\"o\":{\"a\":{\"b\":[{}]}}}");
  std::string longKey(70, 'k');
  out.push_back("{\"" + longKey + "\":1," + body + "}");
  return out;
}

// Every one-byte deletion, replacement, duplication and truncation of `record`.
std::vector<std::string> mutations(const std::string& record) {
  static const std::string kBytes = std::string("\"\\,:{}[] \n\t019-+.eEatfnu/\x7f\x80\xc3\xff\x1f") + '\0';
  std::vector<std::string> out;
  for (size_t i = 0; i < record.size(); ++i) {
    out.push_back(record.substr(0, i) + record.substr(i + 1));
    out.push_back(record.substr(0, i + 1) + record.substr(i));
    out.push_back(record.substr(0, i));
    for (char c : kBytes) {
      if (c == record[i]) continue;
      std::string m = record;
      m[i] = c;
      out.push_back(std::move(m));
    }
  }
  return out;
}

// The payloads of tests/e2e/cases/manifest.py's events and records, and of
// gen_kinesis.py with bad records: read by a Python helper (base64 lines).
std::vector<std::string> sharedCorpus() {
  const char* script = R"py(
import base64, json, os, subprocess, sys, tempfile
root, shared = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "tests", "e2e"))
sys.path.insert(0, os.path.join(root, "tests", "e2e", "cases"))
import manifest
out = []
def add(x):
    if isinstance(x, (str, bytes)): out.append(x if isinstance(x, bytes) else x.encode())
def b64(s):
    try: add(base64.b64decode(s, validate=True))
    except Exception: pass  # not base64, or not a string: not a payload
for case in manifest.CASES:
    records = case.get("records", [])
    for r in (records() if callable(records) else records):
        add(r if isinstance(r, (str, bytes)) else json.dumps(r))
    for e in case.get("events", []):
        if not isinstance(e, dict): continue
        records = e.get("Records")
        for r in (records if isinstance(records, list) else []):
            if not isinstance(r, dict): continue  # the wrong-shape events' cases
            if isinstance(r.get("kinesis"), dict): b64(r["kinesis"].get("data"))
            elif "body" in r: add(r["body"])
        for recs in (e.get("records") or {}).values():
            for r in recs: b64(r.get("value") or "")
        if e.get("body") is not None:
            if e.get("isBase64Encoded"): b64(e["body"])
            else: add(e["body"])
with tempfile.TemporaryDirectory() as d:
    subprocess.run([sys.executable, os.path.join(shared, "bench", "gen_kinesis.py"), "--records", "3000",
                    "--batches", "1", "--out", d, "--bad", "0.3", "--seed", "5"], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(d, "records.jsonl"), "rb") as f:
        for line in f.read().split(b"\n"):
            if line: add(line)
for x in out: print(base64.b64encode(x).decode())
)py";
  CommandResult r = runCommand({"python3", "-c", script, FLOWC_SOURCE_DIR, FLOWC_SHARED_DIR});
  EXPECT_TRUE(r.ok()) << r.describe("python3") << "\n" << r.err;
  std::vector<std::string> out;
  size_t start = 0;
  while (start < r.out.size()) {
    size_t nl = r.out.find('\n', start);
    if (nl == std::string::npos) nl = r.out.size();
    std::string line = r.out.substr(start, nl - start);
    start = nl + 1;
    // base64 decode (the helper wrote it; standard alphabet, padded).
    std::string bytes;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : line) {
      int v = c >= 'A' && c <= 'Z'   ? c - 'A'
              : c >= 'a' && c <= 'z' ? c - 'a' + 26
              : c >= '0' && c <= '9' ? c - '0' + 52
              : c == '+'             ? 62
              : c == '/'             ? 63
                                     : -1;
      if (v < 0) break;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes.push_back(static_cast<char>((acc >> bits) & 0xFF));
      }
    }
    out.push_back(std::move(bytes));
  }
  return out;
}

// Two handlers of one program: the fast path compiled in, and compiled out.
class FastDecodeTest : public testing::Test {
 protected:
  void SetUp() override {
    ToolchainLookup lookup = findHandlerToolchain(Arch::X86_64);
    if (!lookup.ok() && lookup.error.find("built without") != std::string::npos) GTEST_SKIP() << lookup.error;
    ASSERT_TRUE(lookup.ok()) << lookup.error;
  }
  void TearDown() override {
    for (auto& l : lambdas_) {
      if (l) l->shutdown();
    }
  }

  static fs::path suiteDir() {
    return fs::temp_directory_path() / fmt::format("flowc-fast-decode-test-{}", ::getuid());
  }

  static std::string generate(const std::string& flow, const std::string& name) {
    fs::path src = suiteDir() / name;
    fs::create_directories(src);
    std::string path = (src / "test.flow").string();
    std::ofstream(path, std::ios::binary) << flow;
    auto fe = driver::runFrontEnd(path);
    std::ostringstream diags;
    printDiagnosticsText(*fe->file, fe->diags, diags);
    EXPECT_FALSE(fe->diags.hasErrors()) << diags.str();
    EmitOptions options;
    options.source = fe->file.get();
    return emitHandler(fe->plan, fe->catalog, fe->program, fe->diags, "test.flow", options).cpp;
  }

  void start(const std::string& flow) {
    std::string name = testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string cpp = generate(flow, name);
    ASSERT_NE(cpp.find("bool fastDecodeFields("), std::string::npos) << "no fast path for this program";
    for (int off = 0; off < 2; ++off) {
      BuildOptions build;
      build.cacheDir = (suiteDir() / "cache").string();
      BuildResult r = buildBootstrap(off ? "#define FLOW_NO_FAST_DECODE 1\n" + cpp : cpp, Arch::X86_64, build);
      ASSERT_TRUE(r.ok()) << r.error;
      run::LambdaConfig config;
      config.bootstrap = r.bootstrapPath;
      config.functionName = fmt::format("fast-decode-{}", off);
      config.timeoutMs = 60000;
      lambdas_[off] = std::make_unique<run::LocalLambda>(config);
      ASSERT_EQ(lambdas_[off]->open(), std::nullopt);
    }
  }

  static HandlerOutput read(const run::InvokeResult& r) {
    HandlerOutput out;
    out.ok = r.ok;
    out.response = r.response;
    out.error = r.errorType + ": " + r.errorMessage + "\n" + r.stderrText;
    for (const std::string& line : r.logLines) {
      if (line.rfind("{\"_aws\":", 0) == 0) {
        // The EMF line's wall-clock time and duration differ between two runs.
        static const std::regex kClock("\"(Timestamp|DurationMs)\":[0-9.]+");
        static const std::regex kName("\"function\":\"fast-decode-[01]\"");
        out.metrics = std::regex_replace(std::regex_replace(line, kClock, "\"$1\":0"), kName, "");
      } else if (line.rfind("{\"stream\":\"_dead_letter\"", 0) == 0) {
        out.deadLetters.push_back(line);
      } else {
        out.rows.push_back(line);
      }
    }
    return out;
  }

  struct Totals {
    size_t rows = 0, deadLetters = 0;
  };

  // Runs `records` through both handlers (batches of 500) and compares.
  Totals compare(const std::vector<std::string>& records) {
    Totals totals;
    run::WrapOptions o;
    o.batchSize = 500;
    for (const std::string& event : run::wrapRecords(records, o)) {
      HandlerOutput fast = read(lambdas_[0]->invoke(event));
      HandlerOutput slow = read(lambdas_[1]->invoke(event));
      EXPECT_TRUE(fast.ok) << fast.error;
      EXPECT_TRUE(slow.ok) << slow.error;
      EXPECT_EQ(fast.response, slow.response);
      EXPECT_EQ(fast.metrics, slow.metrics);
      EXPECT_EQ(fast.rows.size(), slow.rows.size());
      for (size_t i = 0; i < std::min(fast.rows.size(), slow.rows.size()); ++i) {
        EXPECT_EQ(fast.rows[i], slow.rows[i]) << "row " << i;
      }
      EXPECT_EQ(fast.deadLetters.size(), slow.deadLetters.size());
      for (size_t i = 0; i < std::min(fast.deadLetters.size(), slow.deadLetters.size()); ++i) {
        EXPECT_EQ(fast.deadLetters[i], slow.deadLetters[i]) << "dead letter " << i;
      }
      totals.rows += slow.rows.size();
      totals.deadLetters += slow.deadLetters.size();
      if (HasFailure()) break;  // one event's differences are enough to read
    }
    return totals;
  }

  // The program's corpus: the shared one, the edge cases, `more`, and the mutations of `valid`.
  Totals run(const std::vector<std::string>& valid, const std::vector<std::string>& more = {}) {
    std::vector<std::string> records = sharedCorpus();
    size_t shared = records.size();
    EXPECT_GT(shared, 3000u);
    for (std::string& e : edgeCases()) records.push_back(std::move(e));
    records.insert(records.end(), more.begin(), more.end());
    for (const std::string& v : valid) {
      records.push_back(v);
      for (std::string& m : mutations(v)) records.push_back(std::move(m));
    }
    Totals t = compare(records);
    // Neither side is vacuous: the corpus has records each way.
    EXPECT_GT(t.rows, 0u);
    EXPECT_GT(t.deadLetters, 0u);
    return t;
  }

  std::unique_ptr<run::LocalLambda> lambdas_[2];
};

TEST_F(FastDecodeTest, EveryTypeReadGivesWhatSimdjsonGives) {
  ASSERT_NO_FATAL_FAILURE(start(kAllRead));
  Totals t = run(kAllTypesRecords);
  EXPECT_GT(t.rows, 1000u);
}

TEST_F(FastDecodeTest, FieldsCheckedNotKeptGiveWhatSimdjsonGives) {
  ASSERT_NO_FATAL_FAILURE(start(kFewRead));
  run(kAllTypesRecords);
}

TEST_F(FastDecodeTest, TheDecodersFilterDropsWhatItDropsWithSimdjson) {
  ASSERT_NO_FATAL_FAILURE(start(kQ1));
  run(kClicksRecords);
}

TEST_F(FastDecodeTest, AFilterOnANullableFieldDropsWhatItDropsWithSimdjson) {
  ASSERT_NO_FATAL_FAILURE(start(kNullableFilter));
  std::string cpp = generate(kNullableFilter, "filter-code");
  size_t fast = cpp.find("bool fastDecodeFields(");
  ASSERT_NE(fast, std::string::npos);
  EXPECT_NE(cpp.find("tested while decoding", fast), std::string::npos) << "the filter is not in the decoder";
  run(kFilterRecords);
}

TEST_F(FastDecodeTest, FieldsInObjectsGiveWhatSimdjsonGives) {
  ASSERT_NO_FATAL_FAILURE(start(kNested));
  Totals t = run(kNestedRecords, nestedEdgeCases());
  EXPECT_GT(t.rows, 100u);
}

TEST_F(FastDecodeTest, NexmarkEventsGiveWhatSimdjsonGives) {
  ASSERT_NO_FATAL_FAILURE(start(kNexmarkQ0));
  Totals t = run(kNexmarkRecords);
  EXPECT_GT(t.rows, 100u);
}

TEST_F(FastDecodeTest, ArrayElementsAndTextHaveNoFastPath) {
  std::string cpp = generate(
      "source r from kinesis format json (a string, c string = $.tags[0]);\nstream o as select * from r;\n"
      "sink o to log;\n",
      "array");
  EXPECT_NE(cpp.find("decodeFields("), std::string::npos);
  EXPECT_EQ(cpp.find("fastDecodeFields"), std::string::npos);
  cpp = generate(
      "source r from kinesis format json (a string, c string = $.geo.tags[0]);\nstream o as select * from r;\n"
      "sink o to log;\n",
      "nested-array");
  EXPECT_EQ(cpp.find("fastDecodeFields"), std::string::npos);
  cpp = generate("source r from kinesis format text;\nstream o as select line from r;\nsink o to log;\n", "text");
  EXPECT_EQ(cpp.find("fastDecodeFields"), std::string::npos);
}

}  // namespace
}  // namespace flowc::codegen
