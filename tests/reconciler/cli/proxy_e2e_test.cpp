// The node's proxy end to end (docs/proxy.md): `dflow apply` on fresh simulated nodes behind
// real sshd leaves each environment's proxy running and the other stopped (production, behind
// the sample's edge, keeps Dokku's nginx trusting the edge's headers), with the global domain
// set, in one pass; switching an environment's proxy and back converges in one pass each, with
// the rebuilds in the plan.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/fleet_rig.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

// The proxy-status property `<plugin>:start/stop` wrote on the node ("" = never run).
std::string ProxyStatus(test::FleetRig& rig, const std::string& node, const std::string& plugin) {
  std::ifstream file(rig.node(node).state_dir() / "global.json");
  if (!file) return "";  // nothing written on the node yet
  nlohmann::json global = nlohmann::json::parse(file);
  const nlohmann::json* status = global.contains("props") && global["props"].contains(plugin)
                                     ? &global["props"][plugin]
                                     : nullptr;
  return status && status->contains("proxy-status") ? (*status)["proxy-status"].get<std::string>()
                                                    : "";
}

std::string GlobalReport(test::FleetRig& rig, const std::string& node, const std::string& plugin,
                         const std::string& key) {
  test::Captured report = rig.Dokku(node, {plugin + ":report", "--global", "--format", "json"});
  REQUIRE_MESSAGE(report.exit_code == 0, report.err);
  return nlohmann::json::parse(report.out).at(key).get<std::string>();
}

// The kinds of the node's planned actions, "<kind> <app>" per action, in plan order.
std::vector<std::string> PlannedOn(const test::FleetRig& rig, const std::string& node) {
  test::Captured plan = rig.Dflow({"plan", rig.repo().path().string(), "--format", "json"});
  REQUIRE_MESSAGE(plan.exit_code == 0, plan.out << plan.err);
  const nlohmann::json parsed = nlohmann::json::parse(plan.out);
  std::vector<std::string> kinds;
  for (const auto& entry : parsed["nodes"]) {
    if (entry["node"] != node) continue;
    for (const auto& action : entry["actions"])
      kinds.push_back(action["kind"].get<std::string>() + " " + action["app"].get<std::string>());
  }
  return kinds;
}

void ApplyThenPlanEmpty(const test::FleetRig& rig) {
  const std::string repo = rig.repo().path().string();
  const test::Captured apply = rig.Dflow({"apply", repo, "--yes"});
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.out << apply.err);
  const test::Captured plan = rig.Dflow({"plan", repo, "--detailed-exitcode"});
  CHECK_MESSAGE(plan.exit_code == 0, "plan after apply:\n" << plan.out << plan.err);
}

constexpr char kStagingWith[] = R"(apiVersion: dflow/v1
kind: Environment
metadata: {name: staging}
spec:
  nodes: [staging-1]
  domain: staging.learn.example.com
  config: {LOG_LEVEL: debug, APP_ENV: staging}
  prune: true
  traffic: )";

TEST_CASE(
    "proxies: fresh nodes get their environment's proxy in one pass, staging to nginx and back, "
    "one pass each") {
  test::FleetRig rig(test::kSampleRepoNodes);
  rig.repo().CommitAll("sample repo");
  for (const std::string node : {"prod-1", "staging-1"}) {  // as Dokku installs it
    CHECK(GlobalReport(rig, node, "proxy", "global-type") == "");
    CHECK(ProxyStatus(rig, node, "traefik") == "");
  }

  ApplyThenPlanEmpty(rig);
  for (const std::string node : {"prod-1", "prod-2"}) {  // behind the edge: nginx stays
    CAPTURE(node);
    CHECK(GlobalReport(rig, node, "proxy", "global-type") == "");  // Dokku's default, nginx
    CHECK(ProxyStatus(rig, node, "traefik") == "");
    CHECK(GlobalReport(rig, node, "nginx", "global-x-forwarded-proto-value") ==
          "$http_x_forwarded_proto");
    CHECK(GlobalReport(rig, node, "traefik", "global-letsencrypt-email") == "");
  }
  CHECK(GlobalReport(rig, "staging-1", "proxy", "global-type") == "traefik");
  CHECK(ProxyStatus(rig, "staging-1", "nginx") == "stopped");
  CHECK(ProxyStatus(rig, "staging-1", "traefik") == "started");
  CHECK(GlobalReport(rig, "staging-1", "traefik", "global-letsencrypt-email") == "ops@example.com");
  CHECK(GlobalReport(rig, "prod-1", "domains", "global-vhosts") == "learn.example.com");
  CHECK(GlobalReport(rig, "staging-1", "domains", "global-vhosts") == "staging.learn.example.com");

  // Staging to nginx behind a trusted front: Traefik stopped, nginx started, every deployed
  // staging app rebuilt once (its routes move to nginx); production untouched.
  rig.repo().Write("environments/staging.yaml",
                   std::string(kStagingWith) + "{proxy: nginx, behindTrustedProxy: true}\n");
  rig.repo().CommitAll("staging: nginx behind the edge");
  const std::vector<std::string> to_nginx = PlannedOn(rig, "staging-1");
  CAPTURE(to_nginx);
  REQUIRE(to_nginx.size() > 6);
  const std::vector<std::string> node_steps(to_nginx.begin(), to_nginx.begin() + 6);
  CHECK(node_steps == std::vector<std::string>{"set-global-proxy-type ", "set-nginx-global ",
                                               "set-nginx-global ", "set-nginx-global ",
                                               "stop-traefik ", "start-nginx "});
  int rebuilds = 0;
  std::map<std::string, int> per_app;
  for (const std::string& step : to_nginx) {
    if (step.rfind("rebuild ", 0) == 0) ++per_app[step.substr(8)], ++rebuilds;
    CHECK(step.rfind("build-proxy-config", 0) != 0);  // rebuilt anyway: no separate one
  }
  CHECK(rebuilds > 0);
  for (const auto& [app, count] : per_app) CHECK_MESSAGE(count == 1, app);
  CHECK(PlannedOn(rig, "prod-1").empty());

  ApplyThenPlanEmpty(rig);
  CHECK(GlobalReport(rig, "staging-1", "proxy", "global-type") == "nginx");
  CHECK(ProxyStatus(rig, "staging-1", "traefik") == "stopped");
  CHECK(ProxyStatus(rig, "staging-1", "nginx") == "started");
  CHECK(GlobalReport(rig, "staging-1", "nginx", "global-x-forwarded-proto-value") ==
        "$http_x_forwarded_proto");
  CHECK(ProxyStatus(rig, "prod-1", "traefik") == "");  // production untouched

  // And back: the same rebuilds, Traefik with staging's TLS. The stopped nginx keeps its
  // settings: dflow converges them again whenever nginx is the proxy again.
  rig.repo().Write("environments/staging.yaml", std::string(kStagingWith) +
                                                    "{proxy: traefik, tls: {letsencrypt: {email: "
                                                    "ops@example.com}}}\n");
  rig.repo().CommitAll("staging: back to Traefik");
  const std::vector<std::string> to_traefik = PlannedOn(rig, "staging-1");
  int back = 0;
  for (const std::string& step : to_traefik) back += step.rfind("rebuild ", 0) == 0;
  CHECK(back == rebuilds);
  ApplyThenPlanEmpty(rig);
  CHECK(GlobalReport(rig, "staging-1", "proxy", "global-type") == "traefik");
  CHECK(ProxyStatus(rig, "staging-1", "nginx") == "stopped");
  CHECK(ProxyStatus(rig, "staging-1", "traefik") == "started");
  CHECK(GlobalReport(rig, "staging-1", "traefik", "global-letsencrypt-server") == "");
}

}  // namespace
}  // namespace dflow
