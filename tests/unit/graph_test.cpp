// Unit tests of compiler/graph: the pipeline split, the text format, and
// that DOT and JSON stay well-formed whatever the names in the program hold.
#include "graph/graph.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
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
#include "frontend_test_util.h"

extern char** environ;

namespace {

using namespace flowc;

using test::planOf;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// ---------------------------------------------------------------- reading JSON back
// simdjson checks the syntax strictly (control characters in strings, bad
// escapes, trailing commas) and decodes strings, so a test can compare names
// byte for byte. The accessors turn a missing member or a wrong type into a
// test failure rather than an exception.

using JsonValue = simdjson::simdjson_result<simdjson::dom::element>;

// A parsed document; the parser owns the memory its elements point into.
struct JsonDoc {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  JsonValue value() const { return JsonValue(simdjson::dom::element(root)); }
};

std::unique_ptr<JsonDoc> parseJson(const std::string& text) {
  auto doc = std::make_unique<JsonDoc>();
  simdjson::error_code error = doc->parser.parse(text).get(doc->root);
  EXPECT_EQ(error, simdjson::SUCCESS) << "not valid JSON (" << simdjson::error_message(error) << "):\n" << text;
  return doc;
}

std::string str(JsonValue v) {
  std::string_view s;
  simdjson::error_code error = v.get(s);
  EXPECT_EQ(error, simdjson::SUCCESS) << "not a string: " << simdjson::error_message(error);
  return std::string(s);
}

double num(JsonValue v) {
  double d = 0;
  simdjson::error_code error = v.get(d);
  EXPECT_EQ(error, simdjson::SUCCESS) << "not a number: " << simdjson::error_message(error);
  return d;
}

bool boolean(JsonValue v) {
  bool b = false;
  simdjson::error_code error = v.get(b);
  EXPECT_EQ(error, simdjson::SUCCESS) << "not a bool: " << simdjson::error_message(error);
  return b;
}

bool isNull(JsonValue v) {
  simdjson::dom::element e;
  simdjson::error_code error = v.get(e);
  EXPECT_EQ(error, simdjson::SUCCESS) << simdjson::error_message(error);
  return error == simdjson::SUCCESS && e.is_null();
}

simdjson::dom::array array(JsonValue v) {
  simdjson::dom::array a;
  simdjson::error_code error = v.get(a);
  EXPECT_EQ(error, simdjson::SUCCESS) << "not an array: " << simdjson::error_message(error);
  return a;
}

bool isObject(JsonValue v) {
  simdjson::dom::object o;
  return v.get(o) == simdjson::SUCCESS;
}

bool has(JsonValue v, const char* key) {
  simdjson::dom::object o;
  if (v.get(o) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not an object";
    return false;
  }
  return o[key].error() == simdjson::SUCCESS;
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
  auto parsed = parseJson(text);
  JsonValue doc = parsed->value();
  ASSERT_TRUE(isObject(doc));
  EXPECT_EQ(str(doc["file"]), "a\"b\\c\n.flow");
  EXPECT_EQ(str(doc["stage"]), "physical");
  JsonValue nodes = doc["nodes"];
  ASSERT_EQ(array(nodes).size(), 4u);  // Source, Filter, Project, Sink
  JsonValue source = nodes.at(0);
  EXPECT_EQ(str(source["op"]), "Source");
  EXPECT_EQ(str(source["stream"]), "we\"ird");
  EXPECT_EQ(str(source["schema"].at(0)["name"]), "back\\slash");
  EXPECT_EQ(str(source["schema"].at(1)["name"]), "cu{r}ly<|>");
  EXPECT_EQ(str(source["schema"].at(2)["name"]), "new\nline");
  EXPECT_EQ(str(source["schema"].at(3)["name"]), "tab\there");
  EXPECT_EQ(str(source["schema"].at(4)["name"]), "back`tick");
  EXPECT_EQ(str(source["schema"].at(5)["name"]), "caf\xC3\xA9 \\N \\G");
  EXPECT_EQ(str(source["fields"].at(2)["name"]), "new\nline");
  JsonValue project = nodes.at(2);
  EXPECT_EQ(str(project["stream"]), "my \"stream\"");
  EXPECT_EQ(str(project["schema"].at(1)["name"]), "also\nnew");
  EXPECT_EQ(str(project["schema"].at(2)["name"]), "\"}{");
  EXPECT_EQ(str(project["projections"].at(1)["expr"]), "`new\nline`");
  EXPECT_EQ(str(nodes.at(1)["predicate"]), "`back``tick` = 'it''s \"quoted\" \\\\ {here}'");
  EXPECT_EQ(str(nodes.at(3)["stream"]), "my \"stream\"");
  ASSERT_EQ(array(doc["pipelines"]).size(), 1u);
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
  auto logical = parseJson(graph::render(p->plan, graph::Stage::Logical, graph::Format::Json, "f.flow"));
  EXPECT_FALSE(has(logical->value(), "pipelines"));
  auto parsed = parseJson(graph::render(p->plan, graph::Stage::Physical, graph::Format::Json, "f.flow"));
  JsonValue doc = parsed->value();
  JsonValue nodes = doc["nodes"];
  std::vector<std::string> opNames;
  for (simdjson::dom::element n : array(nodes)) opNames.push_back(str(n["op"]));
  EXPECT_EQ(opNames, (std::vector<std::string>{"Source", "Join", "Filter", "Project", "Aggregate", "Project",
                                               "Distinct", "TopN", "Sink", "Sink"}));
  for (size_t i = 0; i < array(nodes).size(); ++i) {
    JsonValue n = nodes.at(i);
    EXPECT_EQ(num(n["id"]), static_cast<double>(i + 1));
    for (const char* key : {"stream", "inputs", "schema", "range"}) EXPECT_TRUE(has(n, key)) << key;
  }
  JsonValue source = nodes.at(0);
  EXPECT_EQ(str(source["sourceKind"]), "kinesis");
  EXPECT_EQ(str(source["format"]), "json");
  EXPECT_EQ(str(source["eventTime"]["field"]), "ts");
  EXPECT_EQ(num(source["eventTime"]["watermarkMs"]), 10000);
  EXPECT_TRUE(isNull(source["eventTime"]["allowedLatenessMs"]));
  EXPECT_EQ(str(source["onError"]), "dead_letter");
  EXPECT_EQ(array(source["fieldsRead"]).size(), 8u);
  EXPECT_EQ(boolean(source["schema"].at(2)["nullable"]), true);
  EXPECT_EQ(boolean(source["schema"].at(6)["metadata"]), true);

  JsonValue join = nodes.at(1);
  EXPECT_EQ(str(join["table"]), "countries");
  EXPECT_EQ(str(join["tableKey"]), "code");
  EXPECT_GT(num(join["tableRows"]), 0);
  EXPECT_EQ(boolean(join["leftJoin"]), false);
  EXPECT_EQ(str(join["predicate"]), "c.country = k.code");
  EXPECT_EQ(str(join["lookupKey"]), "c.country");
  EXPECT_EQ(str(nodes.at(2)["predicate"]), "c.page <> ''");

  JsonValue agg = nodes.at(4);
  EXPECT_EQ(str(agg["groupKeys"].at(0)["name"]), "region");
  EXPECT_EQ(str(agg["window"]["kind"]), "hop");
  EXPECT_EQ(str(agg["window"]["timeColumn"]), "ts");
  EXPECT_EQ(num(agg["window"]["timeIndex"]), 2);
  EXPECT_EQ(num(agg["window"]["sizeMs"]), 600000);
  EXPECT_EQ(num(agg["window"]["slideMs"]), 300000);
  EXPECT_EQ(str(agg["stateModel"]), "event-time-in-state");
  EXPECT_EQ(str(agg["emit"]), "final");
  EXPECT_EQ(str(agg["aggregates"].at(0)["name"]), "views");
  EXPECT_EQ(str(agg["aggregates"].at(0)["expr"]), "count(*)");
  EXPECT_EQ(str(nodes.at(5)["projections"].at(2)["expr"]), "views");
  EXPECT_EQ(str(nodes.at(6)["window"]["kind"]), "hop");
  EXPECT_EQ(str(nodes.at(7)["order"].at(0)["expr"]), "views");
  EXPECT_EQ(boolean(nodes.at(7)["order"].at(0)["desc"]), true);
  EXPECT_EQ(num(nodes.at(7)["limit"]), 3);

  JsonValue metrics = nodes.at(8);
  EXPECT_EQ(str(metrics["sink"]["kind"]), "metrics");
  EXPECT_TRUE(isNull(metrics["sink"]["target"]));
  EXPECT_EQ(str(metrics["sink"]["options"].at(0)["name"]), "namespace");
  EXPECT_EQ(str(metrics["sink"]["options"].at(0)["value"]), "Clicks");
  EXPECT_EQ(str(metrics["sink"]["options"].at(1)["list"].at(1)), "page");
  EXPECT_EQ(boolean(metrics["deadLetter"]), false);
  JsonValue dlq = nodes.at(9);
  EXPECT_EQ(boolean(dlq["deadLetter"]), true);
  EXPECT_TRUE(isNull(dlq["deadLetterOf"]));
  EXPECT_EQ(str(dlq["sink"]["target"]), "dlq");
  EXPECT_EQ(array(dlq["inputs"]).size(), 0u);

  std::vector<std::pair<int, int>> edges;
  for (simdjson::dom::element e : array(doc["edges"])) {
    edges.emplace_back(static_cast<int>(num(e["from"])), static_cast<int>(num(e["to"])));
  }
  EXPECT_EQ(edges, (std::vector<std::pair<int, int>>{
                       {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 9}}));
  JsonValue pipelines = doc["pipelines"];
  ASSERT_EQ(array(pipelines).size(), 4u);
  EXPECT_TRUE(isNull(pipelines.at(0)["from"]));
  EXPECT_EQ(num(pipelines.at(0)["breakers"].at(0)), 5);
  EXPECT_EQ(num(pipelines.at(1)["from"]), 5);
  EXPECT_EQ(num(pipelines.at(3)["nodes"].at(0)), 9);
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
  auto doc = parseJson(graph::render(empty, graph::Stage::Physical, graph::Format::Json, "e.flow"));
  EXPECT_EQ(array(doc->root["nodes"]).size(), 0u);
  expectWellFormedDot(graph::render(empty, graph::Stage::Physical, graph::Format::Dot, "e.flow"));
}

}  // namespace
