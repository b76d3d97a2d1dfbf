// The planner against what Dokku's triggers do besides a command's own property
// (docs/dokku-side-effects.md): one pass must converge.
#include "reconciler/plan/app_plan.h"

#include <doctest/doctest.h>

#include "reconciler/plan/plan.h"
#include "tests/reconciler/plan/plan_fixture.h"

namespace dflow {
namespace {

using testing::ConvergedNode;
using testing::DesiredNode;
using testing::Lines;
using testing::Options;
using testing::Service;

AppSpec WorkerOnly() {
  AppSpec jobs = Service("jobs");
  jobs.processes = {{"worker", 1}};
  return jobs;
}

const Action* FindAction(const NodePlan& plan, ActionKind kind) {
  for (const auto& action : plan.actions)
    if (action.kind == kind) return &action;
  return nullptr;
}

ObservedApp& LiveApp(ObservedNode& observed, const std::string& name) {
  for (auto& app : observed.apps)
    if (app.name == name) return app;
  FAIL("no observed app " << name);
  return observed.apps.front();
}

TEST_CASE("a new app without a web process scales Dokku's web=1 to 0 in the same pass") {
  const NodePlan plan = PlanNode(DesiredNode({WorkerOnly()}, {}), ObservedNode{}, Options());
  const Action* scale = FindAction(plan, ActionKind::kScale);
  REQUIRE(scale != nullptr);
  CHECK(scale->reason == "scale worker=1 web=0");
  CHECK(scale->settings == std::map<std::string, std::string>{{"web", "0"}, {"worker", "1"}});
  CHECK(scale->skip_deploy);
}

TEST_CASE("a new app that wants web=1 needs no scale step for it") {
  AppSpec api = Service("api");
  api.processes = {{"web", 1}};
  NodePlan plan = PlanNode(DesiredNode({api}, {}), ObservedNode{}, Options());
  CHECK(FindAction(plan, ActionKind::kScale) == nullptr);
  api.processes = {{"web", 1}, {"worker", 2}};
  plan = PlanNode(DesiredNode({api}, {}), ObservedNode{}, Options());
  REQUIRE(FindAction(plan, ActionKind::kScale) != nullptr);
  CHECK(FindAction(plan, ActionKind::kScale)->settings ==
        std::map<std::string, std::string>{{"worker", "2"}});
}

TEST_CASE("a process type Dokku no longer lists counts as 0") {
  // A deploy drops a type scaled to 0 that no Procfile names (ps scale.old).
  AppSpec jobs = WorkerOnly();
  jobs.processes["web"] = 0;
  const PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({jobs}, {});
  ObservedNode observed = ConvergedNode(desired, options);
  LiveApp(observed, "shop-jobs").scale = {{"worker", 1}};
  CHECK(Lines(PlanNode(desired, observed, options)) == "");
}

TEST_CASE("domains on an app whose vhosts are off are set twice, and nginx ports again") {
  AppSpec web = Service("web");
  web.domains = {"shop.example.com"};
  web.ports = {PortMapping{"http", 80, 5000}};
  web.proxy_type = "nginx";
  const PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({web}, {});
  ObservedNode observed = ConvergedNode(desired, options);
  ObservedApp& live = LiveApp(observed, "shop-web");
  live.vhosts_enabled = false;
  live.config["NO_VHOST"] = "1";
  CHECK(Lines(PlanNode(desired, observed, options)) ==
        "set-domains shop-web: vhost support is off: turn it on first\n"
        "set-domains shop-web: domains shop.example.com again\n"
        "set-ports shop-web: ports http:80:5000 again: enabling vhosts clears them on nginx\n");

  // Traefik keeps the port map; the first domains:set may still lose the list.
  web.proxy_type = "traefik";
  const NodeDesiredState traefik = DesiredNode({web}, {});
  observed = ConvergedNode(traefik, options);
  LiveApp(observed, "shop-web").vhosts_enabled = false;
  LiveApp(observed, "shop-web").domains = {};
  CHECK(Lines(PlanNode(traefik, observed, options)) ==
        "set-domains shop-web: vhost support is off: turn it on first\n"
        "set-domains shop-web: domain shop.example.com added\n"
        "rebuild shop-web: apply domains\n");
}

TEST_CASE("an app whose vhosts are off and that wants no domains is left alone") {
  AppSpec jobs = WorkerOnly();
  const PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({jobs}, {});
  ObservedNode observed = ConvergedNode(desired, options);
  LiveApp(observed, "shop-jobs").vhosts_enabled = false;
  CHECK(Lines(PlanNode(desired, observed, options)) == "");
}

}  // namespace
}  // namespace dflow
