#include "reconciler/plan/static_plan.h"

#include <doctest/doctest.h>

#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

DesiredState SampleRepo() {
  LoadResult result = LoadDesiredState(test::ReadFixtureDir(test::SourceDir() / "sample-repo"));
  REQUIRE(result.ok());
  return *result.desired;
}

std::string Listing(const std::vector<NodePlan>& plans) {
  std::string text;
  for (const auto& plan : plans) {
    for (const auto& a : plan.actions)
      text += plan.node + " " + std::string(ActionKindName(a.kind)) + " " + a.app + a.target +
              ": " + a.reason + "\n";
    for (const auto& n : plan.notes)
      text += plan.node + " note " + n.subject + ": " + n.message + "\n";
  }
  return text;
}

AppSpec* FindApp(DesiredState& desired, const std::string& node, const std::string& app) {
  for (auto& n : desired.nodes)
    if (n.node.name == node)
      for (auto& a : n.apps)
        if (a.name == app) return &a;
  return nullptr;
}

TEST_CASE("every node of the sample repo, as applied, plans to nothing against itself") {
  DesiredState desired = SampleRepo();
  PlanOptions options = PlanOptionsFor(desired);
  options.secrets = PlaceholderSecrets(desired);
  for (const auto& node : desired.nodes) {
    CAPTURE(node.node.name);
    NodePlan plan = PlanNode(node, SimulateApplied(node, options.secrets), options);
    CHECK(Listing({plan}) == "");
  }
  StaticPlan same = PlanBetween(desired, desired, PlanOptionsFor(desired));
  CHECK(Listing(same.plans) == "");
  CHECK(same.plans.size() == desired.nodes.size());
}

TEST_CASE("a changed config value, image and secret key show as the planner's actions") {
  DesiredState base = SampleRepo();
  DesiredState head = base;
  AppSpec* api = FindApp(head, "staging-1", "video-platform-api-staging");
  REQUIRE(api != nullptr);
  api->config["MAX_UPLOAD_GB"] = "8";
  api->source.image = "registry.example.com/learning/video-api:2.4.0";
  api->secret_keys.push_back("NEW_TOKEN");
  StaticPlan plan = PlanBetween(base, head, PlanOptionsFor(head));
  const std::string listing = Listing(plan.plans);
  CHECK(listing.find("staging-1 set-config video-platform-api-staging: config MAX_UPLOAD_GB "
                     "changed; secret NEW_TOKEN added") != std::string::npos);
  CHECK(listing.find("staging-1 deploy-image video-platform-api-staging: image "
                     "registry.example.com/learning/video-api:2.4.0 is not deployed") !=
        std::string::npos);
  CHECK(listing.find("prod-") == std::string::npos);  // nothing else moves
}

TEST_CASE("nodes and environments that come and go are listed, a removed node is left alone") {
  DesiredState base = SampleRepo();
  DesiredState head = base;
  NodeDesiredState extra = head.nodes.front();
  extra.node.name = "prod-3";
  head.nodes.push_back(extra);
  head.nodes.erase(head.nodes.begin() + 1);  // prod-2
  head.environments.push_back({"qa", {"prod-3"}, "qa.example.com", false, true, {}});
  StaticPlan plan = PlanBetween(base, head, PlanOptionsFor(head));
  CHECK(plan.nodes_added == std::vector<std::string>{"prod-3"});
  CHECK(plan.nodes_removed == std::vector<std::string>{"prod-2"});
  CHECK(plan.environments_added == std::vector<std::string>{"qa"});
  CHECK(plan.environments_removed.empty());
  REQUIRE(plan.plans.size() == 4);
  const NodePlan& removed = plan.plans[1];
  CHECK(removed.node == "prod-2");
  CHECK(removed.actions.empty());
  REQUIRE(removed.notes.size() == 1);
  CHECK(removed.notes[0].message.starts_with("node removed from the repo: dflow stops managing"));
  const NodePlan& added = plan.plans[2];
  CHECK(added.node == "prod-3");
  CHECK(added.actions.size() > 0);
  // A fresh node (nginx, no global domain) gets prod-1's domain and, production being behind
  // the sample's edge, nginx trusting the edge's headers (a copy); nginx stays the proxy.
  REQUIRE(added.actions.size() > 4);
  CHECK(added.actions[0].kind == ActionKind::kSetGlobalDomain);
  CHECK(added.actions[0].value == "learn.example.com");
  for (std::size_t i = 1; i <= 3; ++i) CHECK(added.actions[i].kind == ActionKind::kSetNginxGlobal);
  for (const auto& action : added.actions) {
    CHECK(action.kind != ActionKind::kSetGlobalProxyType);
    CHECK(action.kind != ActionKind::kSetTraefikGlobal);
  }
}

}  // namespace
}  // namespace dflow
