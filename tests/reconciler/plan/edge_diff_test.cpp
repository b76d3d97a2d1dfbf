#include "reconciler/plan/edge_diff.h"

#include <doctest/doctest.h>

namespace dflow {
namespace {

AppSpec WebApp(const std::string& name, std::vector<std::string> domains) {
  AppSpec app;
  app.name = name;
  app.environment = "production";
  app.domains = std::move(domains);
  return app;
}

NodeDesiredState OnNode(const std::string& name, const std::string& address,
                        std::vector<AppSpec> apps) {
  NodeDesiredState node;
  node.node.name = name;
  node.node.host = address;
  node.in_environment = true;
  node.apps = std::move(apps);
  return node;
}

DesiredState Fleet(std::vector<NodeDesiredState> nodes) {
  DesiredState state;
  EdgeSpec edge;
  edge.name = "edge-1";
  edge.environments = {"production"};
  state.edges = {edge};
  state.nodes = std::move(nodes);
  return state;
}

TEST_CASE("edge diff: routes and servers a change adds and removes, nothing when equal") {
  const DesiredState base =
      Fleet({OnNode("n1", "10.0.0.1", {WebApp("shop", {"shop.example.com"})}),
             OnNode("n2", "10.0.0.2", {WebApp("shop", {"shop.example.com"})})});
  CHECK(DiffEdges(base, base).empty());
  const DesiredState head =
      Fleet({OnNode("n1", "10.0.0.1", {WebApp("shop", {"shop.example.com", "www.example.com"})}),
             OnNode("n2", "10.0.0.2", {WebApp("blog", {"blog.example.com"})})});
  CHECK(DiffEdges(base, head) ==
        std::vector<std::string>{
            "edge edge-1: route blog.example.com added (service dflow-blog)",
            "edge edge-1: route www.example.com added (service dflow-shop)",
            "edge edge-1: service dflow-shop: server http://10.0.0.2:80 removed"});
}

TEST_CASE("edge diff: an edge added, removed, or whose document cannot be rendered") {
  DesiredState none = Fleet({OnNode("n1", "10.0.0.1", {WebApp("shop", {"shop.example.com"})})});
  DesiredState with = none;
  none.edges.clear();
  CHECK(DiffEdges(none, with) == std::vector<std::string>{"edge edge-1 added: 1 route(s)"});
  CHECK(DiffEdges(with, none) ==
        std::vector<std::string>{
            "edge edge-1 removed from the repo: its file on the edge is left as it is"});
  DesiredState bad = with;
  bad.nodes[0].apps[0].domains = {"a{{b}}.example.com"};
  const std::vector<std::string> lines = DiffEdges(with, bad);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("edge edge-1: cannot be rendered: edge 'edge-1': ", 0) == 0);
}

}  // namespace
}  // namespace dflow
