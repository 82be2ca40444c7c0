// splitPipelines (the physical stage's grouping) and render's dispatch to
// the text, DOT and JSON renderers.
#include "graph/graph.h"

#include <algorithm>
#include <queue>

#include "graph/describe.h"

namespace flowc::graph {

namespace {

bool isBreaker(plan::OpKind k) {
  return k == plan::OpKind::Aggregate || k == plan::OpKind::TopN || k == plan::OpKind::Distinct;
}

}  // namespace

const char* stageName(Stage s) {
  switch (s) {
    case Stage::Logical: return "logical";
    case Stage::Optimized: return "optimized";
    case Stage::Physical: return "physical";
  }
  return "?";
}

std::vector<Pipeline> splitPipelines(const plan::Plan& plan) {
  const size_t count = plan.nodes.size();
  std::vector<std::vector<int>> readers(count + 1);  // by node id, in id order
  for (const auto& n : plan.nodes) {
    for (int in : n->inputs) {
      if (in >= 1 && static_cast<size_t>(in) <= count) readers[static_cast<size_t>(in)].push_back(n->id);
    }
  }

  std::vector<Pipeline> pipelines;
  std::vector<bool> taken(count + 1, false);
  // Takes `start` and everything it feeds, stopping after each breaker.
  auto grow = [&](Pipeline& p, std::vector<int> work) {
    while (!work.empty()) {
      int id = work.back();
      work.pop_back();
      if (taken[static_cast<size_t>(id)]) continue;
      taken[static_cast<size_t>(id)] = true;
      p.nodes.push_back(id);
      if (isBreaker(plan.node(id).kind)) {
        p.breakers.push_back(id);
        continue;
      }
      for (int r : readers[static_cast<size_t>(id)]) work.push_back(r);
    }
  };
  for (const auto& n : plan.nodes) {
    if (n->kind == plan::OpKind::Source) {
      Pipeline p;
      grow(p, {n->id});
      pipelines.push_back(std::move(p));
    } else if (isBreaker(n->kind) && !readers[static_cast<size_t>(n->id)].empty()) {
      Pipeline p;
      p.from = n->id;
      grow(p, readers[static_cast<size_t>(n->id)]);
      if (!p.nodes.empty()) pipelines.push_back(std::move(p));
    }
  }

  // Upstream first, ties by id: each node has at most one input, so a node
  // is ready once its input (if inside the pipeline) has been placed.
  for (Pipeline& p : pipelines) {
    std::vector<int> members = p.nodes;
    std::sort(members.begin(), members.end());
    auto inside = [&](int id) { return std::binary_search(members.begin(), members.end(), id); };
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
    for (int id : members) {
      bool root = true;
      for (int in : plan.node(id).inputs) {
        if (inside(in)) root = false;
      }
      if (root) ready.push(id);
    }
    p.nodes.clear();
    while (!ready.empty()) {
      int id = ready.top();
      ready.pop();
      p.nodes.push_back(id);
      if (isBreaker(plan.node(id).kind)) continue;
      for (int r : readers[static_cast<size_t>(id)]) {
        if (inside(r)) ready.push(r);
      }
    }
    std::sort(p.breakers.begin(), p.breakers.end());
    p.breaker = p.breakers.empty() ? 0 : p.breakers.front();
  }
  std::sort(pipelines.begin(), pipelines.end(),
            [](const Pipeline& a, const Pipeline& b) { return a.nodes.front() < b.nodes.front(); });
  for (size_t i = 0; i < pipelines.size(); ++i) pipelines[i].id = static_cast<int>(i) + 1;
  return pipelines;
}

std::string render(const plan::Plan& plan, Stage stage, Format format, const std::string& fileName) {
  switch (format) {
    case Format::Text: return detail::renderText(plan, stage, fileName);
    case Format::Dot: return detail::renderDot(plan, stage, fileName);
    case Format::Json: return detail::renderJson(plan, stage, fileName);
  }
  return {};
}

}  // namespace flowc::graph
