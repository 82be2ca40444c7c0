// compiler/optimize: what the lit tests (tests/lit/optimize) cannot reach —
// the share-source-decode rule on a plan with a second Source of the same
// declaration (the logical plan never makes one), the fixed point (a second
// run fires nothing), the verifier after every firing, and clonePlan.
#include <gtest/gtest.h>

#include <algorithm>

#include "frontend_test_util.h"
#include "graph/graph.h"
#include "optimize/optimize.h"
#include "syntax/ast_print.h"

namespace flowc {
namespace {

using test::planOf;

constexpr const char* kTwoStreams = R"(
source t from kinesis (a int, b string, c int);
stream s1 as select a, b from t where a > 1;
stream s2 as select b, c from t where c < 5;
sink s1 to log;
sink s2 to log;
)";

std::vector<std::string> firedRules(const optimize::OptimizeResult& r) {
  std::vector<std::string> out;
  for (const optimize::RuleFiring& f : r.fired) out.push_back(f.rule);
  return out;
}

int countKind(const plan::Plan& p, plan::OpKind k) {
  return static_cast<int>(std::count_if(p.nodes.begin(), p.nodes.end(), [&](const auto& n) { return n->kind == k; }));
}

TEST(OptimizeTest, SecondSourceOfADeclarationIsMerged) {
  auto c = planOf(kTwoStreams);
  ASSERT_TRUE(c->ok);
  // A second Source node of `t`, read by s2's filter (#4 here).
  plan::Plan p = optimize::clonePlan(c->plan);
  auto dup = std::make_unique<plan::Node>();
  const plan::Node& first = p.node(1);
  ASSERT_EQ(first.kind, plan::OpKind::Source);
  dup->id = static_cast<int>(p.nodes.size()) + 1;
  dup->kind = plan::OpKind::Source;
  dup->schema = first.schema;
  dup->stream = first.stream;
  dup->source = first.source;
  dup->fieldsRead = first.fieldsRead;
  int dupId = dup->id;
  p.nodes.push_back(std::move(dup));
  int s2Filter = 0;
  for (const auto& n : p.nodes) {
    if (n->kind == plan::OpKind::Filter && n->stream == "s2") s2Filter = n->id;
  }
  ASSERT_NE(s2Filter, 0);
  p.node(s2Filter).inputs = {dupId};
  plan::verifyPlan(p);
  ASSERT_EQ(countKind(p, plan::OpKind::Source), 2);

  optimize::OptimizeResult r = optimize::optimize(p, c->catalog, c->program);
  EXPECT_EQ(countKind(p, plan::OpKind::Source), 1);
  std::vector<std::string> rules = firedRules(r);
  EXPECT_NE(std::find(rules.begin(), rules.end(), "share-source-decode"), rules.end());
  // Both streams' filters now read the one Source.
  for (const auto& n : p.nodes) {
    if (n->kind == plan::OpKind::Filter) {
      EXPECT_EQ(n->inputs, std::vector<int>{1});
    }
  }
  for (const optimize::RuleFiring& f : r.fired) {
    EXPECT_FALSE(f.rewrite.empty()) << f.rule;
    EXPECT_FALSE(f.where.empty()) << f.rule;
    EXPECT_FALSE(f.before.empty()) << f.rule;
  }
}

TEST(OptimizeTest, SecondRunFiresNothingAndTheCloneIsUntouched) {
  auto c = planOf(R"(
source t from kinesis (a int, b string, c int, d string);
stream base as select a, upper(b) as ub, c from t where a > 0 and true;
stream hi as select a, ub from base where ub <> 'X' and c < 10;
stream dead as select d from t;
sink hi to log;
)");
  ASSERT_TRUE(c->ok);
  plan::Plan logical = optimize::clonePlan(c->plan);
  std::string before = graph::render(c->plan, graph::Stage::Logical, graph::Format::Text, "t.flow");
  optimize::OptimizeResult first = optimize::optimize(c->plan, c->catalog, c->program);
  EXPECT_FALSE(first.fired.empty());
  std::vector<std::string> rules = firedRules(first);
  for (const char* expected : {"remove-dead-streams", "fold-constants", "push-filter-through-project",
                               "merge-filters", "prune-columns", "push-filter-into-decoder",
                               "share-subexpressions"}) {
    EXPECT_NE(std::find(rules.begin(), rules.end(), expected), rules.end()) << expected;
  }
  optimize::OptimizeResult second = optimize::optimize(c->plan, c->catalog, c->program);
  EXPECT_TRUE(second.fired.empty()) << (second.fired.empty() ? "" : second.fired[0].rule);
  // The clone kept the logical plan.
  EXPECT_EQ(graph::render(logical, graph::Stage::Logical, graph::Format::Text, "t.flow"), before);
  // One filter is left, over the source, testing both streams' conditions in order.
  ASSERT_EQ(countKind(c->plan, plan::OpKind::Filter), 1);
  for (const auto& n : c->plan.nodes) {
    if (n->kind != plan::OpKind::Filter) continue;
    EXPECT_EQ(ast::printExpr(*n->predicate), "a > 0 and upper(b) <> 'X' and c < 10");
    EXPECT_TRUE(n->inDecoder);
    EXPECT_EQ(c->plan.node(n->inputs[0]).kind, plan::OpKind::Source);
  }
  EXPECT_TRUE(c->plan.shareSubexpressions);
}

}  // namespace
}  // namespace flowc
