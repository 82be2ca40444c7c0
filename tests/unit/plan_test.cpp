// Unit tests of compiler/plan: real .flow text is parsed, analyzed and
// planned; the tests check the operator chain of each statement, the
// schemas, and that every expression reads its own operator's input.
#include "plan/plan.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "sema/sema.h"
#include "syntax/ast_print.h"
#include "syntax/parse.h"
#include "frontend_test_util.h"

namespace {

using namespace flowc;
using plan::OpKind;

using test::planOf;

std::vector<std::string> ops(const plan::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& n : plan.nodes) out.push_back(plan::opKindName(n->kind));
  return out;
}

std::vector<std::string> names(const std::vector<ast::Column>& columns) {
  std::vector<std::string> out;
  for (const ast::Column& c : columns) out.push_back(c.name);
  return out;
}

std::vector<std::string> types(const std::vector<ast::Column>& columns) {
  std::vector<std::string> out;
  for (const ast::Column& c : columns) out.push_back(ast::typeName(c.type));
  return out;
}

// The first ColumnRef named `name` in `e` (depth first), or null.
const ast::Expr* ref(const ast::Expr& e, const std::string& name) {
  if (e.kind == ast::ExprKind::ColumnRef && e.name == name) return &e;
  for (const ast::ExprPtr& a : e.args) {
    if (const ast::Expr* r = ref(*a, name)) return r;
  }
  return nullptr;
}

// "input:column" of the first ColumnRef named `name` in `e`, or "none".
std::string bindingOf(const ast::Expr& e, const std::string& name) {
  const ast::Expr* r = ref(e, name);
  if (!r) return "none";
  return std::to_string(r->binding.input) + ":" + std::to_string(r->binding.column);
}

using Strings = std::vector<std::string>;

const char* kClicks = R"(
source clicks from kinesis format json (
    user_id    string,
    page       string,
    latency_ms int,
    country    string?,
    ts         timestamp
)
on error dead_letter;
)";

const Strings kClicksColumns = {"user_id",  "page",           "latency_ms",       "country",
                                "ts",       "_partition_key", "_sequence_number", "_arrival_time",
                                "_shard_id"};

TEST(PlanTest, FilterProjectSink) {
  auto p = planOf(std::string(kClicks) + R"(
stream slow as
  select user_id, page, latency_ms, latency_ms / 1000.0 as latency_s
  from clicks
  where latency_ms > 500 and country is not null;
sink slow to log;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Filter", "Project", "Sink"}));

  const plan::Node& source = p->node(1);
  EXPECT_EQ(source.stream, "clicks");
  EXPECT_TRUE(source.inputs.empty());
  EXPECT_EQ(names(source.schema), kClicksColumns);
  EXPECT_EQ(source.fieldsRead, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  ASSERT_NE(source.source, nullptr);
  EXPECT_EQ(source.source->name, "clicks");

  const plan::Node& filter = p->node(2);
  EXPECT_EQ(filter.stream, "slow");
  EXPECT_EQ(filter.inputs, std::vector<int>{1});
  EXPECT_EQ(ast::printExpr(*filter.predicate), "latency_ms > 500 and country is not null");
  EXPECT_EQ(bindingOf(*filter.predicate, "latency_ms"), "0:2");
  EXPECT_EQ(bindingOf(*filter.predicate, "country"), "0:3");
  EXPECT_EQ(names(filter.schema), kClicksColumns);
  EXPECT_EQ(p->text(filter.range), "latency_ms > 500 and country is not null");

  const plan::Node& project = p->node(3);
  EXPECT_EQ(project.inputs, std::vector<int>{2});
  EXPECT_EQ(names(project.schema), (Strings{"user_id", "page", "latency_ms", "latency_s"}));
  EXPECT_EQ(types(project.schema), (Strings{"string", "string", "int", "float"}));
  ASSERT_EQ(project.projections.size(), 4u);
  EXPECT_EQ(project.projections[3].name, "latency_s");
  EXPECT_EQ(ast::printExpr(*project.projections[3].expr), "latency_ms / 1000.0");
  EXPECT_EQ(bindingOf(*project.projections[3].expr, "latency_ms"), "0:2");
  EXPECT_EQ(bindingOf(*project.projections[1].expr, "page"), "0:1");

  const plan::Node& sink = p->node(4);
  EXPECT_EQ(sink.stream, "slow");
  EXPECT_EQ(sink.inputs, std::vector<int>{3});
  EXPECT_EQ(sink.sink.kind, ast::SinkKind::Log);
  EXPECT_EQ(names(sink.schema), names(project.schema));
}

TEST(PlanTest, ExpressionsAreCopies) {
  auto p = planOf(std::string(kClicks) + R"(
stream slow as select page from clicks where latency_ms > 500;
)");
  ASSERT_TRUE(p->ok);
  const auto& stream = std::get<ast::StreamDecl>(p->program.decls[1]);
  EXPECT_NE(p->node(2).predicate.get(), stream.select.where.get());
  EXPECT_EQ(p->node(2).predicate->groupKeySlot, -1);
}

TEST(PlanTest, SinkOfASourceReadsItsSourceNode) {
  auto p = planOf(std::string(kClicks) + "sink clicks to log;\n");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Sink"}));
  EXPECT_EQ(p->node(2).inputs, std::vector<int>{1});
  EXPECT_EQ(p->node(2).stream, "clicks");
  EXPECT_EQ(names(p->node(2).schema), kClicksColumns);
}

TEST(PlanTest, LeftJoinAppendsNullableTableColumns) {
  auto p = planOf(R"(
source clicks from kinesis (
    user_id    string,
    page       string,
    latency_ms int,
    country    string?,
    amount     float? = $.payment.amount,
    ts         timestamp
)
event time ts watermark 10 seconds;
table countries from file 'countries.csv' (code string, name string, region string) key code;
stream enriched as
  select c.user_id, c.page, upper(coalesce(k.region, 'unknown')) as region, c.amount, c.ts
  from clicks c
  left join countries k on c.country = k.code
  where c.page like '/p/%';
sink enriched to log;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Join", "Filter", "Project", "Sink"}));

  const plan::Node& join = p->node(2);
  EXPECT_EQ(join.inputs, std::vector<int>{1});
  ASSERT_NE(join.table, nullptr);
  EXPECT_EQ(join.table->name, "countries");
  EXPECT_TRUE(join.leftJoin);
  ASSERT_EQ(join.schema.size(), 13u);  // 6 fields + 4 kinesis metadata + 3 table columns
  EXPECT_EQ(join.schema[10].name, "code");
  EXPECT_EQ(join.schema[12].name, "region");
  EXPECT_EQ(ast::typeName(join.schema[10].type), "string?");
  EXPECT_EQ(ast::typeName(join.schema[0].type), "string");
  // The predicate reads the stream's row as input 0 and the table as input 1.
  EXPECT_EQ(bindingOf(*join.predicate, "country"), "0:3");
  EXPECT_EQ(bindingOf(*join.predicate, "code"), "1:0");
  EXPECT_EQ(ast::printExpr(*join.lookupKey), "c.country");
  EXPECT_EQ(bindingOf(*join.lookupKey, "country"), "0:3");
  EXPECT_EQ(p->text(join.range).substr(0, 9), "left join");

  const plan::Node& filter = p->node(3);
  EXPECT_EQ(bindingOf(*filter.predicate, "page"), "0:1");
  EXPECT_EQ(filter.schema.size(), 13u);

  const plan::Node& project = p->node(4);
  EXPECT_EQ(names(project.schema), (Strings{"user_id", "page", "region", "amount", "ts"}));
  // k.region is the join row's column 12: after the stream's 10 columns.
  EXPECT_EQ(bindingOf(*project.projections[2].expr, "region"), "0:12");
  EXPECT_EQ(bindingOf(*project.projections[4].expr, "ts"), "0:5");
}

TEST(PlanTest, SecondJoinReadsAfterTheFirstTable) {
  auto p = planOf(std::string(kClicks) + R"(
table countries from file 'countries.csv' (code string, name string, region string) key code;
stream named as
  select c.user_id, k.name, k2.region
  from clicks c
  join countries k on c.country = k.code
  left join countries k2 on c.country = k2.code;
sink named to log;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Join", "Join", "Project", "Sink"}));
  const plan::Node& second = p->node(3);
  EXPECT_EQ(second.inputs, std::vector<int>{2});
  EXPECT_FALSE(p->node(2).leftJoin);
  EXPECT_TRUE(second.leftJoin);
  EXPECT_EQ(second.schema.size(), 9u + 3u + 3u);
  EXPECT_EQ(bindingOf(*second.predicate, "code"), "1:0");
  EXPECT_EQ(bindingOf(*second.lookupKey, "country"), "0:3");
  // The first join's table is not nullable; the second's is.
  EXPECT_EQ(ast::typeName(second.schema[10].type), "string");
  EXPECT_EQ(ast::typeName(second.schema[13].type), "string?");

  const plan::Node& project = p->node(4);
  EXPECT_EQ(bindingOf(*project.projections[0].expr, "user_id"), "0:0");
  EXPECT_EQ(bindingOf(*project.projections[1].expr, "name"), "0:10");
  EXPECT_EQ(bindingOf(*project.projections[2].expr, "region"), "0:14");
}

const char* kPageStats = R"(
source clicks from kinesis (
    user_id    string,
    page       string,
    latency_ms int,
    country    string?,
    ts         timestamp
);
stream per_page as
  select page, count(*) as views, avg(latency_ms) as avg_latency, max(latency_ms) as max_latency
  from clicks
  group by page;
stream page_minutes as
  select page, window_start, window_end, count(*) as views,
         approx_percentile(latency_ms, 0.95) as p95_latency
  from clicks
  group by page, tumble(_arrival_time, 1 minute)
  having count(*) >= 10
  emit final;
sink per_page to log;
sink page_minutes to metrics namespace 'Clickstream' dimensions (page);
)";

TEST(PlanTest, PerBatchAggregate) {
  auto p = planOf(kPageStats);
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan),
            (Strings{"Source", "Aggregate", "Project", "Aggregate", "Filter", "Project", "Sink", "Sink"}));

  const plan::Node& agg = p->node(2);
  EXPECT_EQ(agg.stream, "per_page");
  EXPECT_EQ(agg.inputs, std::vector<int>{1});
  EXPECT_EQ(agg.window.kind, ast::WindowKind::None);
  EXPECT_EQ(agg.stateModel, ast::StateModel::PerBatch);
  ASSERT_EQ(agg.groupKeys.size(), 1u);
  EXPECT_EQ(agg.groupKeys[0].name, "page");
  EXPECT_EQ(bindingOf(*agg.groupKeys[0].expr, "page"), "0:1");
  ASSERT_EQ(agg.aggregates.size(), 3u);
  EXPECT_EQ(ast::printExpr(*agg.aggregates[1].expr), "avg(latency_ms)");
  EXPECT_EQ(agg.aggregates[1].expr->aggregateSlot, 1);
  EXPECT_EQ(bindingOf(*agg.aggregates[1].expr, "latency_ms"), "0:2");
  EXPECT_EQ(names(agg.schema), (Strings{"page", "views", "avg_latency", "max_latency"}));
  EXPECT_EQ(types(agg.schema), (Strings{"string", "int", "float", "int"}));

  const plan::Node& project = p->node(3);
  EXPECT_EQ(project.inputs, std::vector<int>{2});
  for (size_t i = 0; i < project.projections.size(); ++i) {
    const ast::Expr& e = *project.projections[i].expr;
    ASSERT_EQ(e.kind, ast::ExprKind::ColumnRef) << ast::printExpr(e);
    EXPECT_EQ(e.binding.column, static_cast<int>(i));
    EXPECT_EQ(e.name, agg.schema[i].name);
  }
  EXPECT_EQ(p->node(7).inputs, std::vector<int>{3});
}

TEST(PlanTest, WindowedAggregateAndHaving) {
  auto p = planOf(kPageStats);
  ASSERT_TRUE(p->ok);
  const plan::Node& agg = p->node(4);
  EXPECT_EQ(agg.stream, "page_minutes");
  EXPECT_EQ(agg.inputs, std::vector<int>{1});
  EXPECT_EQ(agg.window.kind, ast::WindowKind::Tumble);
  EXPECT_EQ(agg.window.size.ms, 60000);
  EXPECT_EQ(agg.window.time.input, 0);
  EXPECT_EQ(agg.window.time.column, 7);  // _arrival_time
  EXPECT_EQ(agg.stateModel, ast::StateModel::LambdaTumbling);
  EXPECT_EQ(agg.emit, ast::EmitMode::Final);
  EXPECT_EQ(names(agg.schema),
            (Strings{"page", "window_start", "window_end", "window_complete", "views", "p95_latency"}));
  EXPECT_EQ(types(agg.schema), (Strings{"string", "timestamp", "timestamp", "bool", "int", "float"}));
  ASSERT_EQ(agg.groupKeys.size(), 1u);  // the window is no key column

  const plan::Node& having = p->node(5);
  EXPECT_EQ(having.kind, OpKind::Filter);
  EXPECT_EQ(having.inputs, std::vector<int>{4});
  EXPECT_EQ(ast::printExpr(*having.predicate), "views >= 10");
  EXPECT_EQ(bindingOf(*having.predicate, "views"), "0:4");
  EXPECT_EQ(p->text(having.range), "count(*) >= 10");
  EXPECT_EQ(names(having.schema), names(agg.schema));

  const plan::Node& project = p->node(6);
  EXPECT_EQ(project.inputs, std::vector<int>{5});
  EXPECT_EQ(names(project.schema), (Strings{"page", "window_start", "window_end", "views", "p95_latency"}));
  EXPECT_EQ(bindingOf(*project.projections[0].expr, "page"), "0:0");
  EXPECT_EQ(bindingOf(*project.projections[1].expr, "window_start"), "0:1");
  EXPECT_EQ(bindingOf(*project.projections[2].expr, "window_end"), "0:2");
  EXPECT_EQ(bindingOf(*project.projections[3].expr, "views"), "0:4");
  EXPECT_EQ(bindingOf(*project.projections[4].expr, "p95_latency"), "0:5");

  const plan::Node& metrics = p->node(8);
  EXPECT_EQ(metrics.inputs, std::vector<int>{6});
  EXPECT_EQ(metrics.sink.kind, ast::SinkKind::Metrics);
}

TEST(PlanTest, WindowedTopNOverAStream) {
  auto p = planOf(R"(
source clicks from kinesis (page string, region string, ts timestamp)
event time ts watermark 10 seconds;
stream top_pages as
  select region, page, count(*) as views, window_end
  from clicks
  group by region, page, tumble(ts, 5 minutes)
  order by views desc
  limit 3;
sink top_pages to log;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Aggregate", "Project", "TopN", "Sink"}));
  const plan::Node& agg = p->node(2);
  EXPECT_EQ(names(agg.schema),
            (Strings{"region", "page", "window_start", "window_end", "window_complete", "views"}));
  EXPECT_EQ(agg.window.time.column, 2);
  EXPECT_EQ(agg.stateModel, ast::StateModel::EventTimeInState);

  const plan::Node& project = p->node(3);
  EXPECT_EQ(bindingOf(*project.projections[2].expr, "views"), "0:5");
  EXPECT_EQ(bindingOf(*project.projections[3].expr, "window_end"), "0:3");

  const plan::Node& top = p->node(4);
  EXPECT_EQ(top.inputs, std::vector<int>{3});
  ASSERT_EQ(top.order.size(), 1u);
  EXPECT_TRUE(top.order[0].desc);
  EXPECT_EQ(bindingOf(*top.order[0].expr, "views"), "0:2");  // the Project's output
  EXPECT_EQ(top.limit, 3);
  EXPECT_EQ(top.window.kind, ast::WindowKind::Tumble);  // top rows per window
  EXPECT_EQ(names(top.schema), (Strings{"region", "page", "views", "window_end"}));
  EXPECT_EQ(p->node(5).inputs, std::vector<int>{4});
}

TEST(PlanTest, OrderByAnAlias) {
  auto p = planOf(std::string(kClicks) + R"(
stream s as select user_id, latency_ms / 1000.0 as secs from clicks order by secs limit 2;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Project", "TopN"}));
  const plan::Node& top = p->node(3);
  EXPECT_EQ(ast::printExpr(*top.order[0].expr), "secs");
  EXPECT_EQ(bindingOf(*top.order[0].expr, "secs"), "0:1");
  EXPECT_FALSE(top.order[0].desc);
  EXPECT_EQ(top.limit, 2);
}

TEST(PlanTest, OrderByAColumnNotSelectedSortsUnderTheProject) {
  auto p = planOf(std::string(kClicks) + R"(
stream s as select user_id from clicks order by latency_ms desc limit 5;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "TopN", "Project"}));
  const plan::Node& top = p->node(2);
  EXPECT_EQ(top.inputs, std::vector<int>{1});
  EXPECT_EQ(bindingOf(*top.order[0].expr, "latency_ms"), "0:2");
  EXPECT_EQ(names(top.schema), kClicksColumns);
  EXPECT_EQ(p->node(3).inputs, std::vector<int>{2});
}

TEST(PlanTest, OrderByWithoutLimitIsASort) {
  auto p = planOf(std::string(kClicks) + R"(
stream s as select user_id, page from clicks order by page;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Project", "TopN"}));
  EXPECT_EQ(p->node(3).limit, -1);
  EXPECT_EQ(bindingOf(*p->node(3).order[0].expr, "page"), "0:1");
}

TEST(PlanTest, DistinctFollowsTheProject) {
  auto p = planOf(std::string(kClicks) + R"(
stream pages as select distinct page from clicks where latency_ms > 0;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Filter", "Project", "Distinct"}));
  EXPECT_EQ(p->node(4).inputs, std::vector<int>{3});
  EXPECT_EQ(names(p->node(4).schema), Strings{"page"});
  EXPECT_EQ(p->node(4).window.kind, ast::WindowKind::None);
}

TEST(PlanTest, GroupKeyExpressionAndAggregateInsideAnExpression) {
  auto p = planOf(std::string(kClicks) + R"(
stream s as
  select upper(page) as p, count(*) + 1 as c1, sum(latency_ms * 2) as double_latency
  from clicks
  group by upper(page);
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Aggregate", "Project"}));
  const plan::Node& agg = p->node(2);
  ASSERT_EQ(agg.groupKeys.size(), 1u);
  EXPECT_EQ(agg.groupKeys[0].name, "p");  // named like the output that selects it
  EXPECT_EQ(ast::printExpr(*agg.groupKeys[0].expr), "upper(page)");
  EXPECT_EQ(names(agg.schema), (Strings{"p", "count(*)", "double_latency"}));
  EXPECT_EQ(bindingOf(*agg.aggregates[1].expr, "latency_ms"), "0:2");

  const plan::Node& project = p->node(3);
  EXPECT_EQ(ast::printExpr(*project.projections[0].expr), "p");
  EXPECT_EQ(bindingOf(*project.projections[0].expr, "p"), "0:0");
  EXPECT_EQ(ast::printExpr(*project.projections[1].expr), "`count(*)` + 1");
  EXPECT_EQ(bindingOf(*project.projections[1].expr, "count(*)"), "0:1");
  EXPECT_EQ(bindingOf(*project.projections[2].expr, "double_latency"), "0:2");
}

TEST(PlanTest, AStreamMayReadAStreamDeclaredLater) {
  auto p = planOf(std::string(kClicks) + R"(
stream a as select page from b;
stream b as select page, user_id from clicks;
sink a to log;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Project", "Project", "Sink"}));
  EXPECT_EQ(p->node(2).stream, "a");
  EXPECT_EQ(p->node(2).inputs, std::vector<int>{3});
  EXPECT_EQ(p->node(3).stream, "b");
  EXPECT_EQ(p->node(3).inputs, std::vector<int>{1});
  EXPECT_EQ(bindingOf(*p->node(2).projections[0].expr, "page"), "0:0");
  EXPECT_EQ(p->node(4).inputs, std::vector<int>{2});
}

TEST(PlanTest, UnreadStreamsStillGetNodes) {
  auto p = planOf(std::string(kClicks) + R"(
stream unused as select page from clicks;
sink clicks to log;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Project", "Sink"}));
}

TEST(PlanTest, DeadLetterSinksHaveNoInput) {
  auto p = planOf(R"(
source clicks from kinesis (page string) on error dead_letter to sqs 'clicks-dlq';
source orders from sqs (id string);
stream pages as select page from clicks;
sink pages to log;
sink orders to log;
dead_letter to sqs 'all-dlq';
sink _dead_letter to log;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(ops(p->plan), (Strings{"Source", "Sink", "Source", "Project", "Sink", "Sink", "Sink", "Sink"}));
  const plan::Node& own = p->node(2);
  EXPECT_EQ(own.stream, "_dead_letter");
  EXPECT_EQ(own.deadLetterOf, "clicks");
  EXPECT_TRUE(own.inputs.empty());
  EXPECT_EQ(own.sink.kind, ast::SinkKind::Sqs);
  EXPECT_EQ(own.sink.target.value_or(""), "clicks-dlq");
  EXPECT_EQ(names(own.schema), (Strings{"source", "reason", "record", "id"}));

  EXPECT_EQ(p->node(6).inputs, std::vector<int>{3});  // sink orders
  for (int id : {7, 8}) {
    const plan::Node& dl = p->node(id);
    EXPECT_EQ(dl.stream, "_dead_letter");
    EXPECT_TRUE(dl.deadLetterOf.empty());
    EXPECT_TRUE(dl.inputs.empty());
    EXPECT_EQ(names(dl.schema), (Strings{"source", "reason", "record", "id"}));
  }
  EXPECT_EQ(p->node(7).sink.kind, ast::SinkKind::Sqs);
  EXPECT_EQ(p->node(8).sink.kind, ast::SinkKind::Log);
}

TEST(PlanTest, SelectStarKeepsTheInputColumns) {
  auto p = planOf(std::string(kClicks) + R"(
stream all_clicks as select * from clicks;
)");
  ASSERT_TRUE(p->ok);
  const plan::Node& project = p->node(2);
  // `*` leaves the metadata columns out.
  EXPECT_EQ(names(project.schema), (Strings{"user_id", "page", "latency_ms", "country", "ts"}));
  for (size_t i = 0; i < project.projections.size(); ++i) {
    EXPECT_EQ(project.projections[i].expr->binding.column, static_cast<int>(i));
  }
}

TEST(PlanTest, OptimizerLikeRewriteIsCaughtByTheVerifier) {
  auto p = planOf(std::string(kClicks) + "stream s as select page from clicks where latency_ms > 1;\n");
  ASSERT_TRUE(p->ok);
  const_cast<ast::Expr*>(ref(*p->plan.node(2).predicate, "latency_ms"))->binding.column = 42;
  EXPECT_THROW(plan::verifyPlan(p->plan), InternalError);
}

TEST(PlanTest, ConsumersOf) {
  auto p = planOf(std::string(kClicks) + R"(
stream a as select page from clicks;
stream b as select user_id from clicks;
sink a to log;
sink a to response;
)");
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(plan::consumersOf(p->plan, 1), (std::vector<int>{2, 3}));
  EXPECT_EQ(plan::consumersOf(p->plan, 2), (std::vector<int>{4, 5}));
  EXPECT_TRUE(plan::consumersOf(p->plan, 3).empty());
}

}  // namespace
