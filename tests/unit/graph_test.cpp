// Unit tests of compiler/graph: the pipeline split, the text format, and
// that DOT and JSON stay well-formed whatever the names in the program hold.
#include "graph/graph.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "plan/plan.h"
#include "sema/sema.h"
#include "syntax/parse.h"

extern char** environ;

namespace {

using namespace flowc;

struct Planned {
  std::unique_ptr<SourceFile> file;
  ast::Program program;
  sema::Catalog catalog;
  Diagnostics diags;
  plan::Plan plan;
  bool ok = false;
};

std::unique_ptr<Planned> planOf(const std::string& text) {
  auto p = std::make_unique<Planned>();
  p->file = std::make_unique<SourceFile>("test.flow", text);
  p->program = syntax::parseProgram(*p->file, p->diags);
  if (!p->diags.hasErrors()) {
    sema::Options options;
    options.baseDir = std::string(FLOWC_SOURCE_DIR) + "/samples";
    p->catalog = sema::analyze(p->program, p->diags, options);
  }
  if (p->diags.hasErrors()) {
    std::ostringstream out;
    printDiagnosticsText(*p->file, p->diags, out);
    ADD_FAILURE() << "the program does not compile:\n" << out.str();
    return p;
  }
  p->plan = plan::buildLogicalPlan(p->program, p->catalog);
  plan::verifyPlan(p->plan);
  p->ok = true;
  return p;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// ---------------------------------------------------------------- a small JSON reader
// Enough JSON to read the graph back: checks the syntax strictly and keeps
// strings decoded, so a test can compare names byte for byte.

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> items;
  // An object's members: keys[i] names items[i]. (A vector of pairs would
  // need Json complete here.)
  std::vector<std::string> keys;

  const Json& operator[](const std::string& key) const {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return items[i];
    }
    static const Json missing;
    ADD_FAILURE() << "no member '" << key << "'";
    return missing;
  }
  const Json& operator[](size_t i) const { return items.at(i); }
  bool has(const std::string& key) const {
    for (const std::string& k : keys) {
      if (k == key) return true;
    }
    return false;
  }
};

class JsonReader {
 public:
  explicit JsonReader(const std::string& s) : s_(s) {}
  bool read(Json& out) {
    if (!value(out)) return false;
    space();
    return i_ == s_.size();
  }

 private:
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool literal(const char* word) {
    std::string w(word);
    if (s_.compare(i_, w.size(), w) != 0) return false;
    i_ += w.size();
    return true;
  }
  static void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  bool hex4(uint32_t& cp) {
    if (i_ + 4 > s_.size()) return false;
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      cp <<= 4;
      if (c >= '0' && c <= '9')
        cp |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        cp |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        cp |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }
  bool str(std::string& out) {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;  // raw control characters are not JSON
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (!literal("\\u") || !hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          utf8(out, cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }
  bool value(Json& out) {
    space();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') {
      out.kind = Json::Object;
      ++i_;
      space();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      for (;;) {
        space();
        std::string key;
        if (!str(key)) return false;
        space();
        if (i_ >= s_.size() || s_[i_++] != ':') return false;
        Json v;
        if (!value(v)) return false;
        out.keys.push_back(std::move(key));
        out.items.push_back(std::move(v));
        space();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
        return false;
      }
    }
    if (c == '[') {
      out.kind = Json::Array;
      ++i_;
      space();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      for (;;) {
        Json v;
        if (!value(v)) return false;
        out.items.push_back(std::move(v));
        space();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
        return false;
      }
    }
    if (c == '"') {
      out.kind = Json::String;
      return str(out.string);
    }
    if (literal("true")) return out.kind = Json::Bool, out.boolean = true, true;
    if (literal("false")) return out.kind = Json::Bool, true;
    if (literal("null")) return out.kind = Json::Null, true;
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' ||
                              s_[i_] == 'e' || s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-')) {
      ++i_;
    }
    if (i_ == start) return false;
    out.kind = Json::Number;
    out.number = std::stod(s_.substr(start, i_ - start));
    return true;
  }

  const std::string& s_;
  size_t i_ = 0;
};

Json parseJson(const std::string& text) {
  Json j;
  EXPECT_TRUE(JsonReader(text).read(j)) << "not valid JSON:\n" << text;
  return j;
}

// ---------------------------------------------------------------- a DOT check
// The statements render() writes, one per line, with every quoted string
// closed on its own line: a name can neither end a string early nor start a
// statement of its own.
void expectWellFormedDot(const std::string& dot) {
  std::vector<std::string> ls = lines(dot);
  ASSERT_FALSE(ls.empty());
  EXPECT_EQ(ls.front(), "digraph flow {");
  EXPECT_EQ(ls.back(), "}");
  int depth = 0;
  for (const std::string& line : ls) {
    bool inString = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (inString) {
        if (c == '\\') {
          ++i;  // an escaped character, whatever it is
          ASSERT_LT(i, line.size()) << "a string ends in a lone backslash: " << line;
        } else if (c == '"') {
          inString = false;
        }
        continue;
      }
      if (c == '"') inString = true;
      if (c == '{') ++depth;
      if (c == '}') --depth;
      ASSERT_GE(depth, 0) << line;
    }
    EXPECT_FALSE(inString) << "a string runs past the end of its line: " << line;
  }
  EXPECT_EQ(depth, 0);
}

// Runs Graphviz on `dot` when it is installed; the test is skipped otherwise.
bool graphvizAccepts(const std::string& dot, std::string& why) {
  if (access("/usr/bin/dot", X_OK) != 0) {
    why = "no /usr/bin/dot";
    return true;
  }
  char path[] = "/tmp/flowc_graph_test_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    why = "mkstemp failed";
    return false;
  }
  FILE* f = fdopen(fd, "w");
  fwrite(dot.data(), 1, dot.size(), f);
  fclose(f);
  std::vector<std::string> args = {"/usr/bin/dot", "-Tsvg", "-o", "/dev/null", path};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  std::remove(path);
  if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    why = "dot rejected the graph";
    return false;
  }
  return true;
}

const char* kClicks = R"(-- q1
source clicks from kinesis format json (
    user_id    string,
    page       string,
    latency_ms int,
    country    string?,
    ts         timestamp
)
on error dead_letter;

stream slow as
  select user_id, page, latency_ms, latency_ms / 1000.0 as latency_s
  from clicks
  where latency_ms > 500 and country is not null;

sink slow to log;
)";

const char* kPageStats = R"(
source clicks from kinesis (page string, latency_ms int);
stream per_page as
  select page, count(*) as views, avg(latency_ms) as avg_latency
  from clicks
  group by page;
stream page_minutes as
  select page, window_start, count(*) as views
  from clicks
  group by page, tumble(_arrival_time, 1 minute)
  having count(*) >= 10;
sink per_page to log;
sink page_minutes to metrics namespace 'Clickstream' dimensions (page);
)";

// ---------------------------------------------------------------- pipelines

TEST(GraphTest, ALinearProgramIsOnePipeline) {
  auto p = planOf(kClicks);
  ASSERT_TRUE(p->ok);
  std::vector<graph::Pipeline> ps = graph::splitPipelines(p->plan);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].id, 1);
  EXPECT_EQ(ps[0].nodes, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(ps[0].breaker, 0);
  EXPECT_TRUE(ps[0].breakers.empty());
  EXPECT_EQ(ps[0].from, 0);
}

TEST(GraphTest, BreakersEndPipelinesAndFanOutStaysTogether) {
  auto p = planOf(kPageStats);
  ASSERT_TRUE(p->ok);
  // #1 Source, #2 Aggregate, #3 Project (per_page), #4 Aggregate, #5 Filter,
  // #6 Project (page_minutes), #7 Sink per_page, #8 Sink page_minutes.
  std::vector<graph::Pipeline> ps = graph::splitPipelines(p->plan);
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].nodes, (std::vector<int>{1, 2, 4}));  // one loop feeds both aggregates
  EXPECT_EQ(ps[0].breakers, (std::vector<int>{2, 4}));
  EXPECT_EQ(ps[0].breaker, 2);
  EXPECT_EQ(ps[0].from, 0);
  EXPECT_EQ(ps[1].nodes, (std::vector<int>{3, 7}));
  EXPECT_EQ(ps[1].from, 2);
  EXPECT_EQ(ps[1].breaker, 0);
  EXPECT_EQ(ps[2].nodes, (std::vector<int>{5, 6, 8}));
  EXPECT_EQ(ps[2].from, 4);
  EXPECT_EQ(ps[2].id, 3);
}

TEST(GraphTest, PipelineNodesAreUpstreamFirstEvenForForwardReferences) {
  auto p = planOf(R"(
source clicks from kinesis (page string);
stream a as select page from b where page <> '';
stream b as select page from clicks;
sink a to log;
)");
  ASSERT_TRUE(p->ok);
  // #1 Source, #2 Filter (a), #3 Project (a), #4 Project (b), #5 Sink.
  std::vector<graph::Pipeline> ps = graph::splitPipelines(p->plan);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].nodes, (std::vector<int>{1, 4, 2, 3, 5}));
  std::string text = graph::render(p->plan, graph::Stage::Physical, graph::Format::Text, "f.flow");
  EXPECT_NE(text.find("pipeline 1: #1 -> #4 -> #2 -> #3 -> #5\n"), std::string::npos) << text;
}

TEST(GraphTest, DistinctAndTopNEachMaterialize) {
  auto p = planOf(R"(
source clicks from kinesis (page string, latency_ms int);
stream pages as select distinct page from clicks order by page limit 10;
sink pages to log;
sink _dead_letter to log;
)");
  ASSERT_TRUE(p->ok);
  // #1 Source, #2 Project, #3 Distinct, #4 TopN, #5 Sink, #6 Sink _dead_letter.
  std::vector<graph::Pipeline> ps = graph::splitPipelines(p->plan);
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].nodes, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(ps[1].nodes, std::vector<int>{4});
  EXPECT_EQ(ps[1].from, 3);
  EXPECT_EQ(ps[1].breaker, 4);
  EXPECT_EQ(ps[2].nodes, std::vector<int>{5});
  EXPECT_EQ(ps[2].from, 4);
  // The dead-letter sink is fed by the runtime, not by a loop.
  std::string text = graph::render(p->plan, graph::Stage::Physical, graph::Format::Text, "f.flow");
  EXPECT_NE(text.find("\noutside pipelines: #6\n#6 Sink _dead_letter -> log\n"), std::string::npos) << text;
}

// ---------------------------------------------------------------- text

TEST(GraphTest, TextLogical) {
  auto p = planOf(kClicks);
  ASSERT_TRUE(p->ok);
  std::string text =
      graph::render(p->plan, graph::Stage::Logical, graph::Format::Text, "samples/clicks.flow");
  EXPECT_EQ(text,
            "graph logical of samples/clicks.flow\n"
            "#1 Source clicks kinesis json (user_id string, page string, latency_ms int, country string?, "
            "ts timestamp, _partition_key string, _sequence_number string, _arrival_time timestamp, "
            "_shard_id string) on error dead_letter\n"
            "#2 Filter latency_ms > 500 and country is not null  <- #1  [slow]\n"
            "    : (user_id string, page string, latency_ms int, country string?, ts timestamp, "
            "_partition_key string, _sequence_number string, _arrival_time timestamp, _shard_id string)\n"
            "#3 Project user_id, page, latency_ms, latency_ms / 1000.0 as latency_s  <- #2  [slow]\n"
            "    : (user_id string, page string, latency_ms int, latency_s float)\n"
            "#4 Sink slow -> log  <- #3\n"
            "    : (user_id string, page string, latency_ms int, latency_s float)\n");
  // Optimized is the same plan under its own name until rules exist.
  std::string optimized =
      graph::render(p->plan, graph::Stage::Optimized, graph::Format::Text, "samples/clicks.flow");
  EXPECT_EQ(optimized.substr(0, optimized.find('\n')), "graph optimized of samples/clicks.flow");
  EXPECT_EQ(optimized.substr(optimized.find('\n')), text.substr(text.find('\n')));
}

TEST(GraphTest, TextAggregateJoinTopNAndSinks) {
  auto p = planOf(R"(
source clicks from kinesis (
    user_id string, page string, country string?, amount float? = $.payment.amount, ts timestamp(seconds))
event time ts watermark 10 seconds allowed lateness 5 seconds
on error skip;
table countries from file 'countries.csv' (code string, name string, region string) key code;
stream enriched as
  select c.page, k.region, c.ts from clicks c left join countries k on c.country = k.code;
stream top_pages as
  select region, page, count(*) as views, window_end
  from enriched
  group by region, page, tumble(ts, 5 minutes)
  order by views desc
  limit 3
  emit changes;
sink top_pages to kinesis 'top-pages' partition key page;
)");
  ASSERT_TRUE(p->ok);
  std::vector<std::string> ls =
      lines(graph::render(p->plan, graph::Stage::Logical, graph::Format::Text, "enriched.flow"));
  ASSERT_EQ(ls.size(), 1u + 1u + 2u * 6u);
  EXPECT_EQ(ls[1],
            "#1 Source clicks kinesis json (user_id string, page string, country string?, "
            "amount float? = $.payment.amount, ts timestamp(seconds), _partition_key string, "
            "_sequence_number string, _arrival_time timestamp, _shard_id string) "
            "event time ts watermark 10 s allowed lateness 5 s on error skip");
  EXPECT_EQ(ls[2], "#2 Join left countries on c.country = k.code lookup c.country  <- #1  [enriched]");
  EXPECT_EQ(ls[3],
            "    : (user_id string, page string, country string?, amount float?, ts timestamp, "
            "_partition_key string, _sequence_number string, _arrival_time timestamp, _shard_id string, "
            "code string?, name string?, region string?)");
  EXPECT_EQ(ls[4], "#3 Project c.page, k.region, c.ts  <- #2  [enriched]");
  EXPECT_EQ(
      ls[6],
      "#4 Aggregate keys (region, page) window tumble(ts, 5 min) state event-time-in-state emit changes "
      "aggs (count(*) as views)  <- #3  [top_pages]");
  EXPECT_EQ(ls[7],
            "    : (region string?, page string, window_start timestamp, window_end timestamp, "
            "window_complete bool, views int)");
  EXPECT_EQ(ls[8], "#5 Project region, page, views, window_end  <- #4  [top_pages]");
  EXPECT_EQ(ls[10], "#6 TopN order by views desc limit 3 per window  <- #5  [top_pages]");
  EXPECT_EQ(ls[12], "#7 Sink top_pages -> kinesis 'top-pages' partition key page  <- #6");
}

TEST(GraphTest, TextPhysical) {
  auto p = planOf(kPageStats);
  ASSERT_TRUE(p->ok);
  std::vector<std::string> ls =
      lines(graph::render(p->plan, graph::Stage::Physical, graph::Format::Text, "x.flow"));
  std::vector<std::string> headers;
  for (const std::string& l : ls) {
    if (l.rfind("pipeline", 0) == 0) headers.push_back(l);
  }
  EXPECT_EQ(ls[0], "graph physical of x.flow");
  EXPECT_EQ(headers, (std::vector<std::string>{"pipeline 1: #1 -> [#2 | #4]", "pipeline 2 from #2: #3 -> #7",
                                               "pipeline 3 from #4: #5 -> #6 -> #8"}));
  EXPECT_EQ(ls[1], "pipeline 1: #1 -> [#2 | #4]");
  EXPECT_EQ(ls[2].rfind("#1 Source clicks", 0), 0u);
  EXPECT_EQ(
      ls[3],
      "#2 Aggregate keys (page) state per-batch aggs (count(*) as views, avg(latency_ms) as avg_latency)"
      "  <- #1  [per_page]");
  EXPECT_NE(std::find(ls.begin(), ls.end(),
                      "#8 Sink page_minutes -> metrics namespace 'Clickstream' dimensions (page)  <- #6"),
            ls.end());
  EXPECT_NE(std::find(ls.begin(), ls.end(), "#5 Filter views >= 10  <- #4  [page_minutes]"), ls.end());
}

// ---------------------------------------------------------------- hostile names

// Names that break naive printers: quotes, backslashes, DOT's record and
// HTML characters, a newline, a tab, a back-quote, non-ASCII.
const char* kHostile =
    "source `we\"ird` from kinesis (\n"
    "  `back\\slash` string,\n"
    "  `cu{r}ly<|>` int,\n"
    "  `new\nline` string,\n"
    "  `tab\there` string,\n"
    "  `back``tick` string,\n"
    "  `caf\xC3\xA9 \\N \\G` string\n"
    ");\n"
    "stream `my \"stream\"` as\n"
    "  select `back\\slash`, `new\nline` as `also\nnew`, `cu{r}ly<|>` + 1 as `\"}{`\n"
    "  from `we\"ird`\n"
    "  where `back``tick` = 'it''s \"quoted\" \\\\ {here}';\n"
    "sink `my \"stream\"` to log;\n";

TEST(GraphTest, TextEscapesNamesSoLinesStayLines) {
  auto p = planOf(kHostile);
  ASSERT_TRUE(p->ok);
  for (graph::Stage stage : {graph::Stage::Logical, graph::Stage::Physical}) {
    std::string text = graph::render(p->plan, stage, graph::Format::Text, "bad\nname.flow");
    for (const std::string& l : lines(text)) {
      bool known = l.rfind("graph ", 0) == 0 || l.rfind("#", 0) == 0 || l.rfind("    : (", 0) == 0 ||
                   l.rfind("pipeline ", 0) == 0 || l.rfind("outside pipelines: ", 0) == 0;
      EXPECT_TRUE(known) << "unexpected line: " << l << "\nin:\n" << text;
    }
    EXPECT_NE(text.find("graph " + std::string(stage == graph::Stage::Logical ? "logical" : "physical") +
                        " of bad\\nname.flow\n"),
              std::string::npos);
    EXPECT_NE(text.find("`new\\nline` string"), std::string::npos) << text;
    EXPECT_NE(text.find("`tab\\there` string"), std::string::npos) << text;
    EXPECT_NE(text.find("`back``tick` string"), std::string::npos) << text;
    EXPECT_NE(text.find("`new\\nline` as `also\\nnew`"), std::string::npos) << text;
    EXPECT_NE(text.find("[`my \"stream\"`]"), std::string::npos) << text;
  }
}

TEST(GraphTest, DotIsWellFormedWithHostileNames) {
  auto p = planOf(kHostile);
  ASSERT_TRUE(p->ok);
  for (graph::Stage stage : {graph::Stage::Logical, graph::Stage::Optimized, graph::Stage::Physical}) {
    std::string dot = graph::render(p->plan, stage, graph::Format::Dot, "dir/\"q\"\\.flow");
    expectWellFormedDot(dot);
    EXPECT_NE(dot.find("`back\\\\slash`"), std::string::npos) << dot;
    EXPECT_NE(dot.find("`we\\\"ird`"), std::string::npos) << dot;
    EXPECT_NE(dot.find("`new\\\\nline`"), std::string::npos) << dot;  // shown as `new\nline`
    EXPECT_NE(dot.find("cu{r}ly<|>"), std::string::npos) << dot;      // literal in a quoted label
    std::string why;
    EXPECT_TRUE(graphvizAccepts(dot, why)) << why << "\n" << dot;
  }
  std::string physical = graph::render(p->plan, graph::Stage::Physical, graph::Format::Dot, "f.flow");
  EXPECT_NE(physical.find("subgraph cluster_1 {"), std::string::npos);
  EXPECT_NE(physical.find("shape=cds"), std::string::npos);
}

TEST(GraphTest, JsonRoundTripsHostileNames) {
  auto p = planOf(kHostile);
  ASSERT_TRUE(p->ok);
  std::string text = graph::render(p->plan, graph::Stage::Physical, graph::Format::Json, "a\"b\\c\n.flow");
  Json doc = parseJson(text);
  ASSERT_EQ(doc.kind, Json::Object);
  EXPECT_EQ(doc["file"].string, "a\"b\\c\n.flow");
  EXPECT_EQ(doc["stage"].string, "physical");
  const Json& nodes = doc["nodes"];
  ASSERT_EQ(nodes.items.size(), 4u);  // Source, Filter, Project, Sink
  const Json& source = nodes[0];
  EXPECT_EQ(source["op"].string, "Source");
  EXPECT_EQ(source["stream"].string, "we\"ird");
  EXPECT_EQ(source["schema"][0]["name"].string, "back\\slash");
  EXPECT_EQ(source["schema"][1]["name"].string, "cu{r}ly<|>");
  EXPECT_EQ(source["schema"][2]["name"].string, "new\nline");
  EXPECT_EQ(source["schema"][3]["name"].string, "tab\there");
  EXPECT_EQ(source["schema"][4]["name"].string, "back`tick");
  EXPECT_EQ(source["schema"][5]["name"].string, "caf\xC3\xA9 \\N \\G");
  EXPECT_EQ(source["fields"][2]["name"].string, "new\nline");
  const Json& project = nodes[2];
  EXPECT_EQ(project["stream"].string, "my \"stream\"");
  EXPECT_EQ(project["schema"][1]["name"].string, "also\nnew");
  EXPECT_EQ(project["schema"][2]["name"].string, "\"}{");
  EXPECT_EQ(project["projections"][1]["expr"].string, "`new\nline`");
  EXPECT_EQ(nodes[1]["predicate"].string, "`back``tick` = 'it''s \"quoted\" \\\\ {here}'");
  EXPECT_EQ(nodes[3]["stream"].string, "my \"stream\"");
  ASSERT_EQ(doc["pipelines"].items.size(), 1u);
}

// ---------------------------------------------------------------- JSON members

TEST(GraphTest, JsonDocumentsEveryOperator) {
  auto p = planOf(R"(
source clicks from kinesis (user_id string, page string, country string?, ts timestamp)
event time ts watermark 10 seconds;
table countries from file 'countries.csv' (code string, name string, region string) key code;
stream enriched as
  select c.page, k.region, c.ts from clicks c join countries k on c.country = k.code where c.page <> '';
stream top_pages as
  select distinct region, page, count(*) as views
  from enriched
  group by region, page, hop(ts, 10 minutes, 5 minutes)
  order by views desc
  limit 3;
sink top_pages to metrics namespace 'Clicks' dimensions (region, page);
dead_letter to sqs 'dlq';
)");
  ASSERT_TRUE(p->ok);
  Json logical = parseJson(graph::render(p->plan, graph::Stage::Logical, graph::Format::Json, "f.flow"));
  EXPECT_FALSE(logical.has("pipelines"));
  Json doc = parseJson(graph::render(p->plan, graph::Stage::Physical, graph::Format::Json, "f.flow"));
  const Json& nodes = doc["nodes"];
  std::vector<std::string> opNames;
  for (const Json& n : nodes.items) opNames.push_back(n["op"].string);
  EXPECT_EQ(opNames, (std::vector<std::string>{"Source", "Join", "Filter", "Project", "Aggregate", "Project",
                                               "Distinct", "TopN", "Sink", "Sink"}));
  for (size_t i = 0; i < nodes.items.size(); ++i) {
    const Json& n = nodes[i];
    EXPECT_EQ(n["id"].number, static_cast<double>(i + 1));
    for (const char* key : {"stream", "inputs", "schema", "range"}) EXPECT_TRUE(n.has(key)) << key;
  }
  const Json& source = nodes[0];
  EXPECT_EQ(source["sourceKind"].string, "kinesis");
  EXPECT_EQ(source["format"].string, "json");
  EXPECT_EQ(source["eventTime"]["field"].string, "ts");
  EXPECT_EQ(source["eventTime"]["watermarkMs"].number, 10000);
  EXPECT_EQ(source["eventTime"]["allowedLatenessMs"].kind, Json::Null);
  EXPECT_EQ(source["onError"].string, "dead_letter");
  EXPECT_EQ(source["fieldsRead"].items.size(), 8u);
  EXPECT_EQ(source["schema"][2]["nullable"].boolean, true);
  EXPECT_EQ(source["schema"][6]["metadata"].boolean, true);

  const Json& join = nodes[1];
  EXPECT_EQ(join["table"].string, "countries");
  EXPECT_EQ(join["tableKey"].string, "code");
  EXPECT_GT(join["tableRows"].number, 0);
  EXPECT_EQ(join["leftJoin"].boolean, false);
  EXPECT_EQ(join["predicate"].string, "c.country = k.code");
  EXPECT_EQ(join["lookupKey"].string, "c.country");
  EXPECT_EQ(nodes[2]["predicate"].string, "c.page <> ''");

  const Json& agg = nodes[4];
  EXPECT_EQ(agg["groupKeys"][0]["name"].string, "region");
  EXPECT_EQ(agg["window"]["kind"].string, "hop");
  EXPECT_EQ(agg["window"]["timeColumn"].string, "ts");
  EXPECT_EQ(agg["window"]["timeIndex"].number, 2);
  EXPECT_EQ(agg["window"]["sizeMs"].number, 600000);
  EXPECT_EQ(agg["window"]["slideMs"].number, 300000);
  EXPECT_EQ(agg["stateModel"].string, "event-time-in-state");
  EXPECT_EQ(agg["emit"].string, "final");
  EXPECT_EQ(agg["aggregates"][0]["name"].string, "views");
  EXPECT_EQ(agg["aggregates"][0]["expr"].string, "count(*)");
  EXPECT_EQ(nodes[5]["projections"][2]["expr"].string, "views");
  EXPECT_EQ(nodes[6]["window"]["kind"].string, "hop");
  EXPECT_EQ(nodes[7]["order"][0]["expr"].string, "views");
  EXPECT_EQ(nodes[7]["order"][0]["desc"].boolean, true);
  EXPECT_EQ(nodes[7]["limit"].number, 3);

  const Json& metrics = nodes[8];
  EXPECT_EQ(metrics["sink"]["kind"].string, "metrics");
  EXPECT_EQ(metrics["sink"]["target"].kind, Json::Null);
  EXPECT_EQ(metrics["sink"]["options"][0]["name"].string, "namespace");
  EXPECT_EQ(metrics["sink"]["options"][0]["value"].string, "Clicks");
  EXPECT_EQ(metrics["sink"]["options"][1]["list"][1].string, "page");
  EXPECT_EQ(metrics["deadLetter"].boolean, false);
  const Json& dlq = nodes[9];
  EXPECT_EQ(dlq["deadLetter"].boolean, true);
  EXPECT_EQ(dlq["deadLetterOf"].kind, Json::Null);
  EXPECT_EQ(dlq["sink"]["target"].string, "dlq");
  EXPECT_TRUE(dlq["inputs"].items.empty());

  std::vector<std::pair<int, int>> edges;
  for (const Json& e : doc["edges"].items) {
    edges.emplace_back(static_cast<int>(e["from"].number), static_cast<int>(e["to"].number));
  }
  EXPECT_EQ(edges, (std::vector<std::pair<int, int>>{
                       {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 9}}));
  const Json& pipelines = doc["pipelines"];
  ASSERT_EQ(pipelines.items.size(), 4u);
  EXPECT_EQ(pipelines[0]["from"].kind, Json::Null);
  EXPECT_EQ(pipelines[0]["breakers"][0].number, 5);
  EXPECT_EQ(pipelines[1]["from"].number, 5);
  EXPECT_EQ(pipelines[3]["nodes"][0].number, 9);
}

TEST(GraphTest, RenderingIsDeterministic) {
  auto a = planOf(kPageStats);
  auto b = planOf(kPageStats);
  ASSERT_TRUE(a->ok && b->ok);
  for (graph::Format f : {graph::Format::Text, graph::Format::Dot, graph::Format::Json}) {
    EXPECT_EQ(graph::render(a->plan, graph::Stage::Physical, f, "x.flow"),
              graph::render(b->plan, graph::Stage::Physical, f, "x.flow"));
  }
}

TEST(GraphTest, AnEmptyPlanRenders) {
  plan::Plan empty;
  EXPECT_EQ(graph::render(empty, graph::Stage::Physical, graph::Format::Text, "e.flow"),
            "graph physical of e.flow\n");
  Json doc = parseJson(graph::render(empty, graph::Stage::Physical, graph::Format::Json, "e.flow"));
  EXPECT_TRUE(doc["nodes"].items.empty());
  expectWellFormedDot(graph::render(empty, graph::Stage::Physical, graph::Format::Dot, "e.flow"));
}

}  // namespace
