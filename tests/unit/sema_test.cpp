// compiler/sema: names, types, functions, aggregates, windows, the state
// model, sinks and the unused-declaration warnings, checked on real .flow
// text (parsed by compiler/syntax).
#include "sema/sema.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "diagnostics/source_file.h"
#include "syntax/ast.h"
#include "syntax/ast_print.h"
#include "syntax/parse.h"
#include "frontend_test_util.h"

namespace flowc {
namespace {

using ast::BaseType;
using ast::Type;

using test::analyzeText;
using test::Compiled;

#define EXPECT_PARSED(a) ASSERT_TRUE((a)->parsed) << (a)->dump()
#define EXPECT_CLEAN(a)                                  \
  do {                                                   \
    EXPECT_PARSED(a);                                    \
    EXPECT_FALSE((a)->diags.hasErrors()) << (a)->dump(); \
  } while (0)
#define EXPECT_ERROR(a, text)                                                                    \
  do {                                                                                           \
    EXPECT_PARSED(a);                                                                            \
    EXPECT_NE((a)->error(text), nullptr) << "expected error: " << (text) << "\n" << (a)->dump(); \
  } while (0)

// A kinesis source with an event-time field, and a sink for every stream the
// tests declare through `body` (so that unused-stream warnings stay quiet).
const std::string kClicks = R"(
source clicks from kinesis format json (
    user_id    string,
    page       string,
    latency_ms int,
    country    string?,
    amount     float = $.payment.amount,
    ts         timestamp,
    other_ts   timestamp,
    flag       bool
)
event time ts watermark 10 seconds;
)";

// One stream `s` selecting `selectText`, read by a log sink.
std::unique_ptr<Compiled> stream(const std::string& selectText, const std::string& prelude = kClicks) {
  return analyzeText(prelude + "stream s as " + selectText + ";\nsink s to log;\n");
}

// The type of the single select item of `select <expr> as x from clicks`.
Type typeOf(const std::string& expr, std::string* errors = nullptr) {
  auto a = stream("select " + expr + " as x from clicks");
  if (!a->parsed) {
    ADD_FAILURE() << "does not parse: " << expr << "\n" << a->dump();
    return {};
  }
  if (errors) *errors = a->dump();
  if (a->diags.hasErrors()) return {BaseType::Error, false};
  return a->columnType("s", "x");
}

Type T(BaseType b, bool nullable = false) {
  return {b, nullable};
}

// ---------------------------------------------------------------- relations and names

TEST(SemaNames, LanguageExampleIsClean) {
  auto a = analyzeText(kClicks + R"(
stream slow as
  select user_id, page, latency_ms / 1000.0 as latency_s
  from clicks
  where latency_ms > 500 and country is not null;
sink slow to log;
)");
  EXPECT_CLEAN(a);
  EXPECT_TRUE(a->warnings().empty()) << a->dump();
  const sema::Relation& slow = a->relation("slow");
  ASSERT_EQ(slow.columns.size(), 3u);
  EXPECT_EQ(slow.columns[0].name, "user_id");
  EXPECT_EQ(slow.columns[2].name, "latency_s");
  EXPECT_EQ(slow.columns[2].type, T(BaseType::Float));
  EXPECT_EQ(slow.origin, &a->source("clicks"));
  EXPECT_EQ(a->stream("slow").select.stateModel, ast::StateModel::Stateless);
}

TEST(SemaNames, SourceColumnsAreFieldsThenMetadata) {
  auto a = analyzeText(kClicks + "sink clicks to log;");
  EXPECT_CLEAN(a);
  const sema::Relation& r = a->relation("clicks");
  ASSERT_EQ(r.columns.size(), 8u + 4u);
  EXPECT_EQ(r.columns[3].type, T(BaseType::String, true));
  EXPECT_FALSE(r.columns[0].metadata);
  EXPECT_EQ(r.columns[8].name, "_partition_key");
  EXPECT_TRUE(r.columns[8].metadata);
  EXPECT_EQ(r.columns[10].name, "_arrival_time");
  EXPECT_EQ(r.origins[10], sema::ColumnOrigin::ArrivalTime);
  EXPECT_EQ(r.origins[5], sema::ColumnOrigin::EventTime);
  EXPECT_EQ(r.origins[8], sema::ColumnOrigin::PartitionKey);
}

TEST(SemaNames, MetadataColumnsPerKind) {
  auto names = [](ast::SourceKind k) {
    std::string s;
    for (const ast::Column& c : sema::metadataColumns(k)) s += c.name + ":" + ast::typeName(c.type) + " ";
    return s;
  };
  EXPECT_EQ(names(ast::SourceKind::Kinesis),
            "_partition_key:string _sequence_number:string _arrival_time:timestamp _shard_id:string ");
  EXPECT_EQ(names(ast::SourceKind::DynamoDB),
            "_event_name:string _sequence_number:string _arrival_time:timestamp ");
  EXPECT_EQ(names(ast::SourceKind::Sqs),
            "_message_id:string _sent_time:timestamp _group_id:string? _arrival_time:timestamp ");
  EXPECT_EQ(
      names(ast::SourceKind::Kafka),
      "_topic:string _partition:int _offset:int _key:string? _kafka_time:timestamp _arrival_time:timestamp ");
  EXPECT_EQ(names(ast::SourceKind::Http),
            "_method:string _path:string _source_ip:string _arrival_time:timestamp ");
  for (const ast::Column& c : sema::metadataColumns(ast::SourceKind::Kafka)) EXPECT_TRUE(c.metadata);
}

TEST(SemaNames, DuplicateRelationNameWithNote) {
  auto a = analyzeText(kClicks + "stream clicks as select * from clicks;\nsink clicks to log;");
  EXPECT_ERROR(a, "named 'clicks' already exists");
  const Diagnostic* e = a->error("already exists");
  EXPECT_EQ(a->at(e), "clicks");
  EXPECT_NE(a->find(Severity::Note, "'clicks' was first declared here"), nullptr) << a->dump();
}

TEST(SemaNames, ReservedNames) {
  auto a = analyzeText("source _clicks from kinesis (a int, _id string);\nsink _clicks to log;");
  EXPECT_ERROR(a, "names starting with '_' are reserved");
  const Diagnostic* f = a->error("field name '_id'");
  ASSERT_NE(f, nullptr) << a->dump();
  EXPECT_EQ(f->hint, "map it with a path, e.g. `id string = $._id`");
  auto b = stream("select user_id as _uid from clicks");
  EXPECT_ERROR(b, "names starting with '_' are reserved: '_uid'");
}

TEST(SemaNames, DuplicateField) {
  auto a = analyzeText("source c from kinesis (a int, b string, a float);\nsink c to log;");
  EXPECT_ERROR(a, "duplicate field 'a'");
  EXPECT_NE(a->find(Severity::Note, "'a' was first declared here"), nullptr);
}

TEST(SemaNames, ForwardReferenceAndCycle) {
  auto ok = analyzeText(kClicks + R"(
stream b as select user_id from a;
stream a as select user_id, page from clicks;
sink b to log;
)");
  EXPECT_CLEAN(ok);
  EXPECT_EQ(ok->relation("b").columns.size(), 1u);
  EXPECT_EQ(ok->relation("b").origin, &ok->source("clicks"));

  auto cyc = analyzeText(kClicks + R"(
stream a as select user_id from b;
stream b as select user_id from a;
stream c as select nope from a;
sink c to log;
)");
  EXPECT_ERROR(cyc, "stream 'a' reads itself: a → b → a");
  EXPECT_EQ(cyc->errors().size(), 1u) << cyc->dump();  // no cascade for c's unknown column

  auto self = analyzeText(kClicks + "stream a as select user_id from a;\nsink a to log;");
  EXPECT_ERROR(self, "stream 'a' reads itself: a → a");
}

TEST(SemaSources, TextFormat) {
  auto a = analyzeText(
      "source lines from sqs format text;\nstream s as select upper(line) as l from lines;\nsink s to log;");
  EXPECT_CLEAN(a);
  ASSERT_EQ(a->source("lines").fields.size(), 1u);
  EXPECT_EQ(a->source("lines").fields[0].name, "line");
  EXPECT_EQ(a->columnType("lines", "line"), T(BaseType::String));

  EXPECT_ERROR(analyzeText("source d from dynamodb format text;\nsink d to log;"),
               "DynamoDB records are attribute maps");
  EXPECT_ERROR(analyzeText("source t from kinesis format text (body string);\nsink t to log;"),
               "a text source has the single field `line string`");
  EXPECT_ERROR(analyzeText("source t from kinesis format text (line string = $.a);\nsink t to log;"),
               "a text source has no JSON to take a path from");
  EXPECT_CLEAN(analyzeText("source t from kinesis format text (line string);\nsink t to log;"));
}

TEST(SemaSources, FieldChecks) {
  EXPECT_ERROR(analyzeText("source c from kinesis (d duration);\nsink c to log;"), "cannot be a duration");
  EXPECT_ERROR(analyzeText("source c from kinesis;\nsink c to log;"), "source 'c' declares no fields");
  EXPECT_ERROR(analyzeText("source c from kinesis ();\nsink c to log;"), "source 'c' declares no fields");
}

TEST(SemaSources, EventTime) {
  auto nullable =
      analyzeText("source c from kinesis (ts timestamp?) event time ts watermark 5 seconds;\nsink c to log;");
  EXPECT_ERROR(nullable, "cannot be nullable: a record without a time cannot be placed in a window");
  auto notTs = analyzeText("source c from kinesis (ts int) event time ts watermark 5 seconds;\nsink c to log;");
  EXPECT_ERROR(notTs, "event time field 'ts' is int; it must be a timestamp");
  auto unknown = analyzeText(
      "source c from kinesis (tstamp timestamp) event time tstmp watermark 5 seconds;\nsink c to log;");
  EXPECT_ERROR(unknown, "unknown field 'tstmp' in event time");
  EXPECT_EQ(unknown->error("unknown field")->hint, "did you mean 'tstamp'?");
  auto meta =
      analyzeText("source c from kinesis (a int) event time _arrival_time watermark 5 seconds;\nsink c to log;");
  EXPECT_ERROR(meta, "not the metadata column '_arrival_time'");
}

TEST(SemaSources, RetryOnHttp) {
  auto a = analyzeText("source h from http (a int) on error retry;\nsink h to response;");
  EXPECT_ERROR(a, "on error retry does not apply to http sources");
  EXPECT_CLEAN(analyzeText("source h from http (a int) on error skip;\nsink h to response;"));
}

TEST(SemaRelations, FromAndJoinKinds) {
  const std::string tables =
      kClicks + "table countries from file 'c.csv' (code string, name string) key code;\n";
  auto fromTable = analyzeText(tables + "stream s as select * from countries;\nsink s to log;");
  EXPECT_ERROR(fromTable, "cannot select from table 'countries'; join it instead");

  auto unknown = analyzeText(kClicks + "stream s as select * from clcks;\nsink s to log;");
  EXPECT_ERROR(unknown, "unknown source or stream 'clcks'");
  EXPECT_EQ(unknown->error("unknown source")->hint, "did you mean 'clicks'?");
  EXPECT_EQ(unknown->errors().size(), 1u) << unknown->dump();

  auto joinStream = analyzeText(tables + R"(
stream other as select user_id from clicks;
stream s as select c.user_id from clicks c join other o on c.user_id = o.user_id;
sink s to log;)");
  EXPECT_ERROR(joinStream, "joining two streams needs state flowc does not carry");
}

// Tables read real files: write one next to a temporary .flow.
class SemaTables : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("flowc_sema_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "countries.csv")
        << "code,name,region\nUS,United States,Americas\nFR,France,Europe\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Compiled> run(const std::string& body) {
    return analyzeText(kClicks +
                       "table countries from file 'countries.csv' (code string, name string, region string) "
                       "key code;\n" +
                       body,
                   dir_.string());
  }
  std::filesystem::path dir_;
};

TEST_F(SemaTables, LookupJoin) {
  auto a = run(R"(
stream enriched as select c.*, k.region from clicks c join countries k on c.country = k.code;
sink enriched to log;)");
  EXPECT_CLEAN(a);
  EXPECT_TRUE(a->warnings().empty()) << a->dump();
  const ast::Decl* table = nullptr;
  for (const ast::Decl& d : a->program.decls) {
    if (std::holds_alternative<ast::TableDecl>(d)) table = &d;
  }
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(std::get<ast::TableDecl>(*table).rows.size(), 2u);
  EXPECT_EQ(a->relation("countries").keyColumn, 0);
  const sema::Relation& e = a->relation("enriched");
  ASSERT_EQ(e.columns.size(), 9u);  // clicks' 8 fields (no metadata), then region
  EXPECT_EQ(e.columns[8].name, "region");
  EXPECT_EQ(e.columns[8].type, T(BaseType::String));
  const ast::SelectStmt& s = a->stream("enriched").select;
  EXPECT_EQ(s.outputExprs.size(), 9u);
  EXPECT_EQ(s.expandedStar.size(), 8u);
  EXPECT_EQ(s.outputExprs[0], s.expandedStar[0].get());
  EXPECT_EQ(s.outputExprs[8]->binding.input, 1);
  EXPECT_EQ(s.outputExprs[8]->binding.column, 2);
}

TEST_F(SemaTables, KeyEqualityEitherOrder) {
  EXPECT_CLEAN(
      run("stream s as select k.name from clicks c join countries k on k.code = upper(c.country);\n"
          "sink s to log;"));
}

TEST_F(SemaTables, LeftJoinMakesTableColumnsNullable) {
  auto a =
      run("stream s as select k.name, k.code, c.user_id from clicks c left join countries k on c.country = "
          "k.code;\nsink s to log;");
  EXPECT_CLEAN(a);
  EXPECT_EQ(a->columnType("s", "name"), T(BaseType::String, true));
  EXPECT_EQ(a->columnType("s", "user_id"), T(BaseType::String, false));
}

TEST_F(SemaTables, JoinConditionMustBeTheKey) {
  auto a =
      run("stream s as select k.name from clicks c join countries k on c.country = k.name;\nsink s to log;");
  EXPECT_ERROR(a, "must match its key 'k.code'");
  EXPECT_EQ(a->error("must match")->hint,
            "a table join matches on its key: write on <expr> = k.code; move other conditions to where");
  auto b =
      run("stream s as select k.name from clicks c join countries k on c.country = k.code and c.page = 'x';\n"
          "sink s to log;");
  EXPECT_ERROR(b, "must match its key");
  auto types =
      run("stream s as select k.name from clicks c join countries k on c.latency_ms = k.code;\n"
          "sink s to log;");
  EXPECT_ERROR(types, "join key types differ: c.latency_ms is int, k.code is string");
}

TEST_F(SemaTables, TableDeclarationChecks) {
  auto a = analyzeText(kClicks + "table t from file 'countries.csv' (code string, name string) key cod;\n",
                   dir_.string());
  EXPECT_ERROR(a, "key 'cod' is not a column of table 't'");
  EXPECT_EQ(a->error("key 'cod'")->hint, "did you mean 'code'?");
  // After an error, "not joined" would only echo it: unused warnings wait for a clean program.
  EXPECT_EQ(a->warning("table 't' is not joined by any stream"), nullptr) << a->dump();
}

TEST_F(SemaTables, QualifiersAndAmbiguity) {
  auto dup = run(
      "stream s as select c.user_id from clicks c join countries c on c.country = c.code;\nsink s to log;");
  EXPECT_ERROR(dup, "'c' names two inputs of this select");

  const std::string amb =
      "source a from kinesis (code string, name string);\n"
      "stream s as select name from a join countries k on a.code = k.code;\nsink s to log;";
  auto b = analyzeText(kClicks +
                       "table countries from file 'countries.csv' (code string, name string, region string) "
                       "key code;\n" +
                       amb,
                   dir_.string());
  EXPECT_ERROR(b, "column 'name' is ambiguous: 'a.name' or 'k.name'");

  auto alias =
      run("stream s as select clicks.user_id from clicks c join countries k on c.country = k.code;\n"
          "sink s to log;");
  EXPECT_ERROR(alias, "unknown qualifier 'clicks'");
  EXPECT_EQ(alias->error("unknown qualifier")->hint, "'clicks' is called 'c' in this select");

  auto star =
      run("stream s as select x.* from clicks c join countries k on c.country = k.code;\nsink s to log;");
  EXPECT_ERROR(star, "unknown qualifier 'x' in 'x.*'");
}

// ---------------------------------------------------------------- columns and outputs

TEST(SemaColumns, UnknownColumnHint) {
  auto a = stream("select latncy_ms from clicks");
  EXPECT_ERROR(a, "unknown column 'latncy_ms'");
  EXPECT_EQ(a->error("unknown column")->hint, "did you mean 'latency_ms'?");
  EXPECT_EQ(a->at(a->error("unknown column")), "latncy_ms");
}

TEST(SemaColumns, WhereCannotSeeSelectAliases) {
  auto a = stream("select latency_ms / 1000.0 as latency_s from clicks where latency_s > 1");
  EXPECT_ERROR(a, "unknown column 'latency_s'");
  EXPECT_NE(a->error("unknown column")->hint.find("is a name in the select list"), std::string::npos);
}

TEST(SemaColumns, StarExcludesMetadataAndBindsRefs) {
  auto a = analyzeText(kClicks + R"(
stream s as select *, _arrival_time from clicks;
stream t as select * from s;
sink t to log;)");
  EXPECT_CLEAN(a);
  const sema::Relation& s = a->relation("s");
  ASSERT_EQ(s.columns.size(), 9u);
  EXPECT_EQ(s.columns[8].name, "_arrival_time");
  EXPECT_TRUE(s.columns[8].metadata);  // a bare metadata column stays metadata
  EXPECT_EQ(a->relation("t").columns.size(), 8u);
  const ast::SelectStmt& sel = a->stream("s").select;
  ASSERT_EQ(sel.outputExprs.size(), 9u);
  EXPECT_EQ(sel.outputExprs[2]->binding.column, 2);
  EXPECT_EQ(sel.outputExprs[8]->binding.column, 10);
}

TEST(SemaColumns, StarWidthIsBounded) {
  std::string text = "source wide from kinesis (";
  for (int i = 0; i <= 2000; ++i) text += (i ? ", f" : "f") + std::to_string(i) + " int";
  text += ");\nstream s as select * from wide;\nstream t as select * from s;\nsink t to log;\n";
  auto a = analyzeText(text);
  EXPECT_ERROR(a, "'*' makes stream 's' wider than 2000 columns");
  EXPECT_EQ(a->errors().size(), 1u) << a->dump();
}

TEST(SemaColumns, DuplicatesFromStarReportOnce) {
  std::string text = kClicks + "stream s0 as select * from clicks;\n";
  for (int i = 1; i <= 12; ++i) {
    text += "stream s" + std::to_string(i) + " as select *, * from s" + std::to_string(i - 1) + ";\n";
  }
  text += "sink s12 to log;\n";
  auto a = analyzeText(text);
  EXPECT_ERROR(a, "duplicate column 'user_id' in the select list");
  EXPECT_EQ(a->errors().size(), 1u) << a->dump();
}

TEST(SemaColumns, OutputNames) {
  auto a = stream(
      "select user_id, upper(page), COUNT(*), latency_ms + 1, page as p from clicks group by user_id, "
      "upper(page), latency_ms + 1, page");
  EXPECT_CLEAN(a);
  const sema::Relation& r = a->relation("s");
  ASSERT_EQ(r.columns.size(), 5u);
  EXPECT_EQ(r.columns[0].name, "user_id");
  EXPECT_EQ(r.columns[1].name, "upper");
  EXPECT_EQ(r.columns[2].name, "count");
  EXPECT_EQ(r.columns[3].name, "col_4");
  EXPECT_EQ(r.columns[4].name, "p");
}

TEST(SemaColumns, DuplicateOutputName) {
  auto a = stream("select user_id, page as user_id from clicks");
  EXPECT_ERROR(a, "duplicate column 'user_id' in the select list; name it with `as`");
  EXPECT_EQ(a->at(a->error("duplicate column")), "user_id");
}

// ---------------------------------------------------------------- types

TEST(SemaTypes, Literals) {
  EXPECT_EQ(typeOf("1"), T(BaseType::Int));
  EXPECT_EQ(typeOf("1.5"), T(BaseType::Float));
  EXPECT_EQ(typeOf("'a'"), T(BaseType::String));
  EXPECT_EQ(typeOf("true"), T(BaseType::Bool));
  EXPECT_EQ(typeOf("5 seconds"), T(BaseType::Duration));
  EXPECT_EQ(typeOf("interval '10' second"), T(BaseType::Duration));
  // A bare null column has no type to give (an error since 6d6475e), but
  // the literal itself is still typed null.
  auto a = stream("select null as x from clicks");
  EXPECT_ERROR(a, "the type of column 'x' is unknown: it is always null");
  EXPECT_EQ(a->stream("s").select.items[0].expr->type.base, BaseType::Null);
}

TEST(SemaTypes, Arithmetic) {
  EXPECT_EQ(typeOf("latency_ms + 1"), T(BaseType::Int));
  EXPECT_EQ(typeOf("latency_ms / 1000.0"), T(BaseType::Float));
  EXPECT_EQ(typeOf("latency_ms % 7"), T(BaseType::Int));
  EXPECT_EQ(typeOf("ts + 5 minutes"), T(BaseType::Timestamp));
  EXPECT_EQ(typeOf("ts - 5 minutes"), T(BaseType::Timestamp));
  EXPECT_EQ(typeOf("ts - other_ts"), T(BaseType::Duration));
  EXPECT_EQ(typeOf("1 minute + 5 seconds"), T(BaseType::Duration));
  EXPECT_EQ(typeOf("1 minute * 3"), T(BaseType::Duration));
  EXPECT_EQ(typeOf("-latency_ms"), T(BaseType::Int));
  EXPECT_EQ(typeOf("-amount"), T(BaseType::Float));
  EXPECT_EQ(typeOf("latency_ms + null"), T(BaseType::Int, true));

  auto a = stream("select page + 1 as x from clicks");
  EXPECT_ERROR(a, "invalid operands to '+': string and int");
  EXPECT_EQ(a->error("invalid operands")->hint, "use || to concatenate strings");
  EXPECT_ERROR(stream("select ts + ts as x from clicks"), "invalid operands to '+': timestamp and timestamp");
  EXPECT_ERROR(stream("select -page as x from clicks"), "cannot negate string");
}

TEST(SemaTypes, ConcatAcceptsAnyScalar) {
  EXPECT_EQ(typeOf("page || latency_ms"), T(BaseType::String));
  EXPECT_EQ(typeOf("page || country"), T(BaseType::String, true));
}

TEST(SemaTypes, Nullability) {
  EXPECT_EQ(typeOf("country"), T(BaseType::String, true));
  EXPECT_EQ(typeOf("upper(country)"), T(BaseType::String, true));
  EXPECT_EQ(typeOf("country is null"), T(BaseType::Bool, false));
  EXPECT_EQ(typeOf("country = 'US'"), T(BaseType::Bool, true));
  EXPECT_EQ(typeOf("coalesce(country, 'none')"), T(BaseType::String, false));
  EXPECT_EQ(typeOf("coalesce(country, null)"), T(BaseType::String, true));
  EXPECT_EQ(typeOf("concat(country, page)"), T(BaseType::String, false));
  EXPECT_EQ(typeOf("nullif(page, 'x')"), T(BaseType::String, true));
}

TEST(SemaTypes, Comparisons) {
  EXPECT_EQ(typeOf("latency_ms > 1.5"), T(BaseType::Bool));
  EXPECT_EQ(typeOf("ts < other_ts"), T(BaseType::Bool));
  EXPECT_EQ(typeOf("latency_ms between 1 and 2.5"), T(BaseType::Bool));
  EXPECT_EQ(typeOf("page in ('a', 'b')"), T(BaseType::Bool));
  EXPECT_EQ(typeOf("page like 'a%'"), T(BaseType::Bool));
  EXPECT_EQ(typeOf("flag and not flag or latency_ms > 1"), T(BaseType::Bool));
  EXPECT_ERROR(stream("select page = 1 as x from clicks"), "cannot compare string with int");
  EXPECT_ERROR(stream("select page in ('a', 2) as x from clicks"), "cannot compare string with int");
  EXPECT_ERROR(stream("select latency_ms like 'a' as x from clicks"), "'like' needs strings, got int");
  EXPECT_ERROR(stream("select latency_ms and flag as x from clicks"), "'and' needs bool operands, got int");
  EXPECT_ERROR(stream("select user_id from clicks where latency_ms"),
               "where needs a bool condition, got int");
  auto eqNull = stream("select user_id from clicks where country = null");
  EXPECT_NE(eqNull->warning("with null is never true"), nullptr) << eqNull->dump();
}

TEST(SemaTypes, Case) {
  EXPECT_EQ(typeOf("case when latency_ms > 1 then 1 else 2.5 end"), T(BaseType::Float));
  EXPECT_EQ(typeOf("case when latency_ms > 1 then 'a' end"), T(BaseType::String, true));
  EXPECT_EQ(typeOf("case when flag then 'a' else null end"), T(BaseType::String, true));
  EXPECT_EQ(typeOf("case page when 'a' then 1 when 'b' then 2 else 3 end"), T(BaseType::Int));
  EXPECT_ERROR(stream("select case when flag then 1 else 'x' end as x from clicks"),
               "case branches have incompatible types: int and string");
  EXPECT_ERROR(stream("select case when latency_ms then 1 end as x from clicks"),
               "a case condition must be bool");
}

TEST(SemaTypes, Cast) {
  EXPECT_EQ(typeOf("cast(latency_ms as string)"), T(BaseType::String));
  EXPECT_EQ(typeOf("cast(page as int)"), T(BaseType::Int));
  EXPECT_EQ(typeOf("cast(country as float)"), T(BaseType::Float, true));
  EXPECT_EQ(typeOf("cast(latency_ms as timestamp)"), T(BaseType::Timestamp));
  EXPECT_EQ(typeOf("cast(ts as int)"), T(BaseType::Int));
  EXPECT_EQ(typeOf("cast(flag as int)"), T(BaseType::Int));
  EXPECT_EQ(typeOf("cast(amount as int)"), T(BaseType::Int));
  EXPECT_ERROR(stream("select cast(ts as float) as x from clicks"), "cannot cast timestamp to float");
  EXPECT_ERROR(stream("select cast(flag as timestamp) as x from clicks"), "cannot cast bool to timestamp");
}

TEST(SemaTypes, ErrorsDoNotCascade) {
  auto a = stream("select upper(nope) || 'x' = 3 as x from clicks where nope2 + 1 > 'a'");
  EXPECT_PARSED(a);
  EXPECT_EQ(a->errors().size(), 2u) << a->dump();
}

// ---------------------------------------------------------------- functions

TEST(SemaFunctions, TableTypes) {
  EXPECT_EQ(typeOf("lower(page)"), T(BaseType::String));
  EXPECT_EQ(typeOf("length(page)"), T(BaseType::Int));
  EXPECT_EQ(typeOf("substr(page, 1, 2)"), T(BaseType::String));
  EXPECT_EQ(typeOf("concat(page, 1, ts)"), T(BaseType::String));
  EXPECT_EQ(typeOf("starts_with(page, '/')"), T(BaseType::Bool));
  EXPECT_EQ(typeOf("regexp_like(page, '^/p/[0-9]+$')"), T(BaseType::Bool));
  EXPECT_EQ(typeOf("abs(latency_ms)"), T(BaseType::Int));
  EXPECT_EQ(typeOf("round(amount, 2)"), T(BaseType::Float));
  EXPECT_EQ(typeOf("round(latency_ms)"), T(BaseType::Int));
  EXPECT_EQ(typeOf("floor(amount)"), T(BaseType::Float));
  EXPECT_EQ(typeOf("sqrt(latency_ms)"), T(BaseType::Float));
  EXPECT_EQ(typeOf("power(2, 10)"), T(BaseType::Float));
  EXPECT_EQ(typeOf("greatest(latency_ms, 2.5, 1)"), T(BaseType::Float));
  EXPECT_EQ(typeOf("least(ts, other_ts)"), T(BaseType::Timestamp));
  EXPECT_EQ(typeOf("date_trunc('minute', ts)"), T(BaseType::Timestamp));
  EXPECT_EQ(typeOf("extract(hour from ts)"), T(BaseType::Int));
  EXPECT_EQ(typeOf("epoch_ms(ts)"), T(BaseType::Int));
  EXPECT_EQ(typeOf("to_timestamp(latency_ms)"), T(BaseType::Timestamp));
  EXPECT_EQ(typeOf("json_extract(page, '$.a.b[0]')"), T(BaseType::String, true));
}

TEST(SemaFunctions, CaseInsensitiveNames) {
  auto a = stream("select LOWER(page) as x from clicks");
  EXPECT_CLEAN(a);
  const ast::Expr* e = a->stream("s").select.outputExprs[0];
  EXPECT_EQ(e->function, "lower");
  EXPECT_EQ(e->callKind, ast::CallKind::Scalar);
}

TEST(SemaFunctions, Errors) {
  auto unknown = stream("select lowr(page) as x from clicks");
  EXPECT_ERROR(unknown, "unknown function 'lowr'");
  EXPECT_EQ(unknown->error("unknown function")->hint, "did you mean 'lower'?");
  EXPECT_ERROR(stream("select substr(page) as x from clicks"),
               "function 'substr' takes 2 or 3 arguments, got 1");
  EXPECT_ERROR(stream("select lower(page, page) as x from clicks"),
               "function 'lower' takes 1 argument, got 2");
  EXPECT_ERROR(stream("select coalesce(page) as x from clicks"),
               "function 'coalesce' takes at least 2 arguments");
  EXPECT_ERROR(stream("select lower(latency_ms) as x from clicks"),
               "argument 1 of 'lower' must be string, got int");
  EXPECT_ERROR(stream("select substr(page, 1.5) as x from clicks"),
               "argument 2 of 'substr' must be int, got float");
  EXPECT_ERROR(stream("select coalesce(page, 1) as x from clicks"), "incompatible types: string and int");
  EXPECT_ERROR(stream("select lower(distinct page) as x from clicks"),
               "'distinct' applies only to aggregates");
  EXPECT_ERROR(stream("select regexp_like(page, page) as x from clicks"), "must be a string literal");
  EXPECT_ERROR(stream("select regexp_like(page, '(a') as x from clicks"), "invalid regular expression");
  EXPECT_ERROR(stream("select regexp_like(page, '((((a{1000}){1000}){1000})') as x from clicks"),
               "regular expression is too complex");
  auto unit = stream("select date_trunc('minut', ts) as x from clicks");
  EXPECT_ERROR(unit, "unknown date_trunc unit 'minut'");
  EXPECT_EQ(unit->error("date_trunc unit")->hint, "did you mean 'minute'?");
  EXPECT_ERROR(stream("select extract(hours from ts) as x from clicks"), "unknown extract field 'hours'");
  EXPECT_ERROR(stream("select extract(hour from page) as x from clicks"),
               "extract needs a timestamp, got string");
  EXPECT_ERROR(stream("select json_extract(page, 'a.b') as x from clicks"), "invalid JSON path");
}

// ---------------------------------------------------------------- aggregates and group by

TEST(SemaAggregates, Types) {
  auto a = stream(
      "select page, count(*) as n, count(country) as c, count(distinct user_id) as d, "
      "sum(latency_ms) as si, sum(amount) as sf, avg(latency_ms) as av, min(ts) as mn, "
      "max(country) as mx, first(page) as f, stddev(amount) as sd, "
      "approx_percentile(latency_ms, 0.95) as p from clicks group by page");
  EXPECT_CLEAN(a);
  EXPECT_EQ(a->columnType("s", "n"), T(BaseType::Int));
  EXPECT_EQ(a->columnType("s", "c"), T(BaseType::Int));
  EXPECT_EQ(a->columnType("s", "d"), T(BaseType::Int));
  EXPECT_EQ(a->columnType("s", "si"), T(BaseType::Int));
  EXPECT_EQ(a->columnType("s", "sf"), T(BaseType::Float));
  EXPECT_EQ(a->columnType("s", "av"), T(BaseType::Float));
  EXPECT_EQ(a->columnType("s", "mn"), T(BaseType::Timestamp));
  EXPECT_EQ(a->columnType("s", "mx"), T(BaseType::String, true));
  EXPECT_EQ(a->columnType("s", "f"), T(BaseType::String));
  EXPECT_EQ(a->columnType("s", "sd"), T(BaseType::Float, true));
  EXPECT_EQ(a->columnType("s", "p"), T(BaseType::Float));
}

TEST(SemaAggregates, Misuse) {
  auto where = stream("select page from clicks where count(*) > 1 group by page");
  EXPECT_ERROR(where, "aggregate 'count' is not allowed in where; use having");
  EXPECT_ERROR(stream("select count(*) as n from clicks group by count(*)"),
               "aggregate 'count' is not allowed in group by");
  EXPECT_ERROR(stream("select sum(count(*)) as n, page from clicks group by page"),
               "aggregate 'count' is not allowed in another aggregate's argument");
  auto noGroup = stream("select count(*) as n from clicks");
  EXPECT_ERROR(noGroup, "aggregate 'count' needs a group by");
  EXPECT_EQ(noGroup->error("needs a group by")->hint,
            "add `group by` keys (per-batch) or a window such as tumble(_arrival_time, 1 minute)");
  EXPECT_ERROR(stream("select sum(distinct latency_ms) as n, page from clicks group by page"),
               "'distinct' is supported only in count");
  EXPECT_ERROR(stream("select sum(page) as n, page from clicks group by page"),
               "argument 1 of 'sum' must be a number");
  EXPECT_ERROR(stream("select approx_percentile(latency_ms, 1.5) as n, page from clicks group by page"),
               "must be a number literal between 0 and 1");
  EXPECT_ERROR(stream("select page from clicks having page = 'x'"), "having needs a group by");
}

TEST(SemaAggregates, GroupByRule) {
  auto a = stream("select user_id, count(*) as n from clicks group by page");
  EXPECT_ERROR(a, "column 'user_id' must appear in group by or be used in an aggregate");
  EXPECT_EQ(a->errors().size(), 1u) << a->dump();
  EXPECT_CLEAN(stream("select upper(page) as p, count(*) as n from clicks group by upper(page)"));
  EXPECT_ERROR(stream("select page as p, count(*) as n from clicks group by upper(page)"),
               "column 'page' must appear in group by");
  EXPECT_ERROR(stream("select page, count(*) as n from clicks group by page having latency_ms > 1"),
               "column 'latency_ms' must appear in group by");
  EXPECT_ERROR(stream("select * from clicks group by page"), "must appear in group by");
  auto typo = stream("select lower(page) as p, count(*) as n from clicks group by lower(pag)");
  EXPECT_ERROR(typo, "unknown column 'pag'");
  EXPECT_EQ(typo->errors().size(), 1u) << typo->dump();
}

TEST(SemaAggregates, SlotsAndKeys) {
  auto a = stream(
      "select lower(page) as p, count(*) as n, sum(latency_ms) + count(*) as m from clicks "
      "group by tumble(_arrival_time, 1 minute), lower(page) having count(*) > 1 order by max(amount) "
      "desc limit 5");
  EXPECT_CLEAN(a);
  const ast::SelectStmt& s = a->stream("s").select;
  ASSERT_EQ(s.aggregates.size(), 3u);  // count(*) shared; sum; max from order by
  EXPECT_EQ(s.aggregates[0]->function, "count");
  EXPECT_EQ(s.aggregates[1]->function, "sum");
  EXPECT_EQ(s.aggregates[2]->function, "max");
  EXPECT_EQ(s.outputExprs[0]->groupKeySlot, 0);  // the window is not a key
  EXPECT_EQ(s.outputExprs[1]->aggregateSlot, 0);
  EXPECT_EQ(s.outputExprs[2]->args[1]->aggregateSlot, 0);
  EXPECT_EQ(s.having->args[0]->aggregateSlot, 0);
  auto keys = sema::groupKeys(s);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], s.groupBy[1].get());
}

TEST(SemaAggregates, GroupByAliasAndPosition) {
  auto a = stream("select lower(page) as p, count(*) as n from clicks group by p");
  EXPECT_CLEAN(a);
  EXPECT_EQ(a->stream("s").select.outputExprs[0]->groupKeySlot, 0);
  auto b = stream("select lower(page) as p, count(*) as n from clicks group by 1");
  EXPECT_CLEAN(b);
  EXPECT_EQ(b->stream("s").select.outputExprs[0]->groupKeySlot, 0);
  EXPECT_ERROR(stream("select page, count(*) as n from clicks group by 3"),
               "group by 3 does not name a select item");
  EXPECT_ERROR(stream("select page, count(*) as n from clicks group by n"), "which is an aggregate");
}

TEST(SemaAggregates, HavingAndOrderByMayNameAliases) {
  auto a = stream(
      "select page, count(*) as n from clicks group by tumble(_arrival_time, 1 minute), page "
      "having n > 5 order by n * 2 desc limit 3");
  EXPECT_CLEAN(a);
  const ast::SelectStmt& s = a->stream("s").select;
  EXPECT_EQ(s.having->args[0]->kind, ast::ExprKind::Call);
  EXPECT_EQ(s.having->args[0]->aggregateSlot, 0);
  EXPECT_EQ(s.orderBy[0].expr->args[0]->aggregateSlot, 0);
  EXPECT_EQ(s.aggregates.size(), 1u);
  EXPECT_ERROR(stream("select page, count(*) as n from clicks group by page having m > 5"),
               "unknown column 'm'");
}

TEST(SemaAggregates, OrderByOutputs) {
  auto a = stream(
      "select page, count(*) as n from clicks group by tumble(_arrival_time, 1 minute), page "
      "order by n desc, 1, count(*) limit 3");
  EXPECT_CLEAN(a);
  const ast::SelectStmt& s = a->stream("s").select;
  ASSERT_EQ(s.orderBy.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(s.orderBy[i].expr->binding.input, sema::kOutputInput);
  EXPECT_EQ(s.orderBy[0].expr->binding.column, 1);
  EXPECT_EQ(s.orderBy[1].expr->binding.column, 0);
  EXPECT_EQ(s.orderBy[2].expr->binding.column, 1);
  EXPECT_ERROR(stream("select page from clicks order by 2 limit 1"),
               "order by 2 does not name an output column");
}

// ---------------------------------------------------------------- windows and the state model

TEST(SemaWindows, LambdaTumbling) {
  auto a = stream(
      "select page, window_start, window_end, window_complete, count(*) as n from clicks "
      "group by page, _partition_key, tumble(_arrival_time, 1 minute)");
  EXPECT_CLEAN(a);
  EXPECT_TRUE(a->warnings().empty()) << a->dump();
  const ast::SelectStmt& s = a->stream("s").select;
  EXPECT_EQ(s.stateModel, ast::StateModel::LambdaTumbling);
  EXPECT_EQ(s.window.kind, ast::WindowKind::Tumble);
  EXPECT_EQ(s.window.groupByIndex, 2);
  EXPECT_TRUE(s.window.onArrivalTime);
  EXPECT_EQ(s.window.timeColumn, "_arrival_time");
  EXPECT_EQ(s.window.size.ms, 60000);
  EXPECT_EQ(s.outputExprs[1]->binding.input, sema::kWindowInput);
  EXPECT_EQ(s.outputExprs[2]->binding.column, sema::kWindowEnd);
  EXPECT_EQ(a->columnType("s", "window_complete"), T(BaseType::Bool));
  EXPECT_EQ(a->columnType("s", "window_start"), T(BaseType::Timestamp));
}

TEST(SemaWindows, LambdaTumblingLimits) {
  EXPECT_ERROR(stream("select count(*) as n from clicks group by tumble(_arrival_time, 1500 ms)"),
               "Lambda's tumbling windows are whole seconds up to 900 (15 minutes)");
  EXPECT_ERROR(stream("select count(*) as n from clicks group by tumble(_arrival_time, 20 minutes)"),
               "Lambda's tumbling windows are whole seconds up to 900 (15 minutes)");
  EXPECT_CLEAN(stream("select count(*) as n from clicks group by tumble(_arrival_time, 15 minutes)"));
}

TEST(SemaWindows, EventTime) {
  auto a = stream("select count(*) as n from clicks group by tumble(ts, 1 minute)");
  EXPECT_CLEAN(a);
  EXPECT_EQ(a->stream("s").select.stateModel, ast::StateModel::EventTimeInState);
  EXPECT_NE(a->warning("open windows are emitted early with window_complete = false when Lambda ends its "
                       "900-second window or the state reaches 1 MB"),
            nullptr)
      << a->dump();
  EXPECT_NE(a->warning("rows are per-shard partials: the group key is not the stream's partition key"),
            nullptr);
  auto hop = stream("select count(*) as n from clicks group by hop(_arrival_time, 5 minutes, 1 minute)");
  EXPECT_CLEAN(hop);
  EXPECT_EQ(hop->stream("s").select.stateModel, ast::StateModel::EventTimeInState);
  EXPECT_EQ(hop->stream("s").select.window.slide.ms, 60000);
  auto session =
      stream("select user_id, count(*) as n from clicks group by user_id, session(ts, 30 seconds)");
  EXPECT_CLEAN(session);
  EXPECT_EQ(session->stream("s").select.window.kind, ast::WindowKind::Session);
}

TEST(SemaWindows, TimeColumnChecks) {
  auto notTs = stream("select count(*) as n from clicks group by tumble(latency_ms, 1 minute)");
  EXPECT_ERROR(notTs, "window on a non-timestamp: 'latency_ms' is int");
  auto other = stream("select count(*) as n from clicks group by tumble(other_ts, 1 minute)");
  EXPECT_ERROR(other, "neither _arrival_time nor the event time of source 'clicks'");
  EXPECT_EQ(other->error("neither")->hint,
            "source 'clicks' has event time 'ts'; window on it or on _arrival_time");
  auto noEt = analyzeText(
      "source c from kinesis (t timestamp, a int);\n"
      "stream s as select count(*) as n from c group by tumble(t, 1 minute);\nsink s to log;");
  EXPECT_ERROR(noEt, "neither _arrival_time nor the event time");
  EXPECT_EQ(noEt->error("neither")->hint, "declare `event time t watermark 10 seconds` on source 'c'");
  EXPECT_ERROR(stream("select count(*) as n from clicks group by tumble(_arrival_time, 0 ms)"),
               "must be positive");
  EXPECT_ERROR(stream("select count(*) as n from clicks group by tumble(_arrival_time, 60)"),
               "must be a duration literal");
}

TEST(SemaWindows, HopChecks) {
  EXPECT_ERROR(stream("select count(*) as n from clicks group by hop(ts, 1 minute, 5 minutes)"),
               "is longer than its size");
  EXPECT_ERROR(stream("select count(*) as n from clicks group by hop(ts, 5 minutes, 2 minutes)"),
               "is not a multiple of its slide");
  EXPECT_ERROR(stream("select count(*) as n from clicks group by hop(ts, 5 minutes)"),
               "window 'hop' takes 3 arguments (time, size, slide), got 2");
}

TEST(SemaWindows, Placement) {
  EXPECT_ERROR(stream("select tumble(ts, 1 minute) as w from clicks"),
               "window 'tumble' is allowed only as a group by item");
  EXPECT_ERROR(
      stream("select count(*) as n from clicks group by tumble(ts, 1 minute), tumble(ts, 2 minutes)"),
      "a group by takes at most one window");
  auto ws = stream("select window_start from clicks");
  EXPECT_ERROR(ws, "unknown column 'window_start'");
  EXPECT_EQ(ws->error("unknown column")->hint,
            "window_start exists only in a stream with a window in its group by");
}

TEST(SemaWindows, NoStateCarrier) {
  auto a = analyzeText(
      "source orders from sqs (id string, amount float);\n"
      "stream s as select count(*) as n from orders group by tumble(_arrival_time, 1 minute);\n"
      "sink s to log;");
  EXPECT_ERROR(
      a,
      "windows need state carried between invocations; Lambda carries it only for kinesis and dynamodb "
      "sources, not for sqs 'orders'");
}

TEST(SemaWindows, PerBatchAndPerShardWarnings) {
  auto batch = stream("select page, count(*) as n from clicks group by page");
  EXPECT_CLEAN(batch);
  EXPECT_EQ(batch->stream("s").select.stateModel, ast::StateModel::PerBatch);
  const Diagnostic* w = batch->warning(
      "group by without a window aggregates each invocation's batch on its own (batch semantics)");
  ASSERT_NE(w, nullptr) << batch->dump();

  auto partition = stream(
      "select _partition_key, count(*) as n from clicks "
      "group by _partition_key, tumble(_arrival_time, 1 minute)");
  EXPECT_CLEAN(partition);
  EXPECT_EQ(partition->warning("per-shard"), nullptr) << partition->dump();

  auto ddb = analyzeText(
      "source d from dynamodb (id string);\n"
      "stream s as select id, count(*) as n from d group by id, tumble(_arrival_time, 1 minute);\n"
      "sink s to log;");
  EXPECT_CLEAN(ddb);
  EXPECT_NE(ddb->warning("rows are per-shard partials"), nullptr);
}

TEST(SemaWindows, StreamOverStream) {
  auto a = analyzeText(kClicks + R"(
stream raw as select page, ts, _arrival_time from clicks where latency_ms > 0;
stream per_min as select page, window_end, count(*) as n from raw group by page, tumble(_arrival_time, 1 minute);
stream per_ev as select count(*) as n from raw group by tumble(ts, 1 minute);
stream per_hour as select sum(n) as total from per_min group by tumble(window_end, 1 hour);
sink per_ev to log;
sink per_hour to log;
)");
  EXPECT_CLEAN(a);
  EXPECT_EQ(a->stream("per_min").select.stateModel, ast::StateModel::LambdaTumbling);
  EXPECT_EQ(a->stream("per_ev").select.stateModel, ast::StateModel::EventTimeInState);
  EXPECT_EQ(a->stream("per_hour").select.stateModel, ast::StateModel::EventTimeInState);
  EXPECT_EQ(a->relation("per_min").origins[1], sema::ColumnOrigin::WindowEnd);
}

TEST(SemaWindows, OneLambdaWindowPerSource) {
  auto a = analyzeText(kClicks + R"(
stream a as select count(*) as n from clicks group by tumble(_arrival_time, 1 minute);
stream b as select count(*) as n from clicks group by tumble(_arrival_time, 1 minute);
stream c as select count(*) as n from clicks group by tumble(_arrival_time, 5 minutes);
stream d as select count(*) as n from clicks group by tumble(ts, 5 minutes);
sink a to log;
sink b to log;
sink c to log;
sink d to log;
)");
  EXPECT_ERROR(a,
               "source 'clicks' has one Lambda tumbling window: stream 'a' sets it to 1 min, so stream 'c' "
               "cannot have 5 min");
  EXPECT_EQ(a->errors().size(), 1u) << a->dump();
  EXPECT_NE(a->warning("open windows of stream 'd' are emitted early every 1 min"), nullptr) << a->dump();
}

TEST(SemaWindows, EmitLimitDistinct) {
  EXPECT_ERROR(stream("select page from clicks emit changes"), "emit applies only to windows");
  EXPECT_CLEAN(stream("select count(*) as n from clicks group by tumble(ts, 1 minute) emit changes"));
  EXPECT_ERROR(
      stream("select page, count(*) as n from clicks group by page, tumble(ts, 1 minute) order by n limit "
             "20000"),
      "limit 20000 is too large for a window");
  EXPECT_ERROR(stream("select page from clicks order by page limit 0"), "limit must be positive");
  auto d = stream("select distinct page from clicks");
  EXPECT_CLEAN(d);
  EXPECT_NE(d->warning("removes duplicates within each invocation's batch only"), nullptr);
  auto l = stream("select page from clicks limit 5");
  EXPECT_NE(l->warning("limit without a window keeps the first rows"), nullptr) << l->dump();
  auto o = stream("select page from clicks order by page limit 5");
  EXPECT_CLEAN(o);
  EXPECT_NE(o->warning("keeps the top rows of each invocation's batch only"), nullptr);
}

// ---------------------------------------------------------------- sinks and unused declarations

TEST(SemaSinks, Targets) {
  const std::string base = kClicks + "stream s as select page, latency_ms from clicks;\n";
  EXPECT_CLEAN(analyzeText(base + "sink s to metrics namespace 'Clicks' dimensions (page);"));
  EXPECT_CLEAN(analyzeText(base + "sink s to kinesis 'out' partition key page region 'eu-west-1';"));
  EXPECT_CLEAN(analyzeText(base + "sink s to s3 'bucket' prefix 'x/';"));
  EXPECT_CLEAN(analyzeText(base + "sink _dead_letter to sqs 'dlq';\nsink s to response;"));
  EXPECT_ERROR(analyzeText(base + "sink s to log 'x';"), "a log sink takes no target name");
  EXPECT_ERROR(analyzeText(base + "sink s to sqs;"), "a sqs sink needs a target name");
  EXPECT_ERROR(analyzeText(base + "sink s to kinesis 'out';"), "a kinesis sink needs a partition key");
  EXPECT_ERROR(analyzeText(base + "sink s to kinesis 'out' partition key pge;"),
               "partition key 'pge' is not a column of 's'");
  EXPECT_ERROR(analyzeText(base + "sink s to metrics dimensions (page);"), "a metrics sink needs a namespace");
  EXPECT_ERROR(analyzeText(base + "sink s to metrics namespace 'N' dimensions (pag);"),
               "dimension 'pag' is not a column");
  EXPECT_ERROR(analyzeText(base + "sink s to sqs 'q' prefix 'x';"), "option 'prefix' applies only to s3 sinks");
  EXPECT_ERROR(analyzeText(base + "sink s to log region 'x';"), "option 'region' applies only to AWS sinks");
  EXPECT_ERROR(analyzeText(kClicks + "stream s as select page from clicks;\nsink s to metrics namespace 'N';"),
               "has no numeric column");
}

TEST(SemaSinks, WhatASinkReads) {
  auto unknown = analyzeText(kClicks + "sink clics to log;");
  EXPECT_ERROR(unknown, "unknown stream or source 'clics'");
  EXPECT_EQ(unknown->error("unknown stream")->hint, "did you mean 'clicks'?");
  auto table = analyzeText(kClicks + "table t from file 'x.csv' (a string) key a;\nsink t to log;");
  EXPECT_ERROR(table, "cannot sink table 't'");
  EXPECT_ERROR(analyzeText(kClicks + "sink clicks to log;\ndead_letter to sqs 'a';\ndead_letter to sqs 'b';"),
               "dead letters already have a destination");
  EXPECT_ERROR(
      analyzeText("source c from kinesis (a int) on error dead_letter to kinesis 'dlq';\nsink c to log;"),
      "a kinesis sink needs a partition key");
}

TEST(SemaUnused, Warnings) {
  auto a = analyzeText(kClicks + R"(
source unused from sqs (a int);
stream a as select page from clicks;
stream b as select page from a;
stream c as select page from clicks;
sink b to log;
)");
  EXPECT_CLEAN(a);
  EXPECT_EQ(a->warning("stream 'a'"), nullptr) << a->dump();  // read through b
  EXPECT_EQ(a->warning("stream 'b'"), nullptr);
  EXPECT_NE(a->warning("stream 'c' is not read by any sink"), nullptr) << a->dump();
  EXPECT_NE(a->warning("source 'unused' is not read by any stream or sink"), nullptr);

  auto noSink = analyzeText(kClicks);
  EXPECT_NE(noSink->warning("the program has no sink"), nullptr) << noSink->dump();
  auto noSource = analyzeText("");
  EXPECT_ERROR(noSource, "the program declares no source");
}

}  // namespace
}  // namespace flowc
