#include "reconciler/plan/plan_format.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace dflow {
namespace {

Action Make(ActionKind kind, const std::string& app, const std::string& reason) {
  Action action;
  action.kind = kind;
  action.node = "web-1";
  action.app = app;
  action.environment = "production";
  action.reason = reason;
  return action;
}

NodePlan SamplePlan() {
  NodePlan plan;
  plan.node = "web-1";
  Action config =
      Make(ActionKind::kSetConfig, "api", "config LOG_LEVEL changed; secret TOKEN changed");
  config.config = {{"LOG_LEVEL", "debug", false, ""}, {"TOKEN", "", true, "ab12"}};
  plan.actions.push_back(config);
  Action domains = Make(ActionKind::kSetDomains, "api", "domain x.example.com removed");
  domains.values = {"api.example.com"};
  domains.report_only = true;
  plan.actions.push_back(domains);
  Action destroy = Make(ActionKind::kDestroyApp, "old",
                        "production/old/web is no longer in the repo (pruning on)");
  destroy.destructive = true;
  plan.actions.push_back(destroy);
  plan.notes.push_back(
      {NoteKind::kConflict, "legacy", "app exists but is not managed by dflow", ""});
  return plan;
}

TEST_CASE("text plans call out destruction first and mask secrets") {
  NodePlan empty;
  empty.node = "web-2";
  CHECK(FormatPlansText({SamplePlan(), empty}) ==
        "node web-1: 2 changes, 1 destructive, 1 drift reported\n"
        "  !! DESTROY app old: production/old/web is no longer in the repo (pruning on)\n"
        "  1. set-config api: config LOG_LEVEL changed; secret TOKEN changed\n"
        "     $ dokku config:set --no-restart api LOG_LEVEL=debug TOKEN=***\n"
        "  2. set-domains api: domain x.example.com removed [drift, not applied: self-heal off]\n"
        "     $ dokku domains:set api api.example.com\n"
        "  3. destroy-app old: production/old/web is no longer in the repo (pruning on)\n"
        "     $ dokku apps:destroy old --force\n"
        "  - conflict legacy: app exists but is not managed by dflow\n"
        "node web-2: no changes\n");
}

TEST_CASE("a refused plan says so in its header and first line") {
  NodePlan plan = SamplePlan();
  plan.refused = true;
  plan.refusal = "plan refused on node web-1: would destroy 1 of 1 managed apps";
  const std::string text = FormatPlansText({plan});
  CHECK(text.starts_with(
      "node web-1: 2 changes, 1 destructive, 1 drift reported (REFUSED)\n"
      "  !! REFUSED: plan refused on node web-1: would destroy 1 of 1 managed apps\n"
      "  !! DESTROY app old:"));
}

TEST_CASE("JSON plans carry every action, note and total") {
  const nlohmann::json j = nlohmann::json::parse(FormatPlansJson({SamplePlan()}));
  CHECK(j["changes"] == 2);
  CHECK(j["destructive"] == 1);
  const auto& node = j["nodes"][0];
  CHECK(node["node"] == "web-1");
  CHECK(node["refused"] == false);
  REQUIRE(node["actions"].size() == 3);
  CHECK(node["actions"][0]["kind"] == "set-config");
  CHECK(node["actions"][0]["command"] ==
        "dokku config:set --no-restart api LOG_LEVEL=debug TOKEN=***");
  CHECK(node["actions"][1]["report_only"] == true);
  CHECK(node["actions"][2]["destructive"] == true);
  CHECK(node["notes"][0] == nlohmann::json{{"kind", "conflict"},
                                           {"subject", "legacy"},
                                           {"message", "app exists but is not managed by dflow"}});
}

TEST_CASE("JSON output survives bytes that are not UTF-8") {
  NodePlan plan = SamplePlan();
  plan.actions[0].config[0].value = "\xff\xfe";
  CHECK_NOTHROW(nlohmann::json::parse(FormatPlansJson({plan})));
}

}  // namespace
}  // namespace dflow
