#include "reconciler/plan/plan.h"

#include <doctest/doctest.h>

#include "manifests-schema/base/digest.h"
#include "reconciler/plan/plan_format.h"
#include "tests/reconciler/plan/plan_fixture.h"

namespace dflow {
namespace {

using testing::ConvergedApp;
using testing::ConvergedNode;
using testing::DesiredNode;
using testing::Lines;
using testing::NoteLines;
using testing::Options;
using testing::Service;
using testing::ShopDb;
using testing::ShopWeb;

// A node with Dokku and nothing on it.
ObservedNode EmptyNode() {
  ObservedNode node;
  node.node = "node-1";
  node.dokku_version = "0.38.27";
  return node;
}

ObservedApp* FindLive(ObservedNode& observed, const std::string& name) {
  for (auto& app : observed.apps)
    if (app.name == name) return &app;
  return nullptr;
}

TEST_CASE("a converged node gives an empty plan") {
  const NodeDesiredState desired = DesiredNode({ShopWeb(), Service("api")}, {ShopDb()});
  const PlanOptions options = Options();
  const NodePlan plan = PlanNode(desired, ConvergedNode(desired, options), options);
  CHECK(plan.node == "node-1");
  CHECK(Lines(plan) == "");
  CHECK(NoteLines(plan) == "");
  CHECK_FALSE(plan.refused);
  CHECK_FALSE(plan.HasChanges());
}

TEST_CASE("the same input gives the same plan") {
  const NodeDesiredState desired = DesiredNode({ShopWeb(), Service("api")}, {ShopDb()});
  const PlanOptions options = Options();
  const ObservedNode empty = EmptyNode();
  const NodePlan first = PlanNode(desired, empty, options);
  const NodePlan second = PlanNode(desired, empty, options);
  CHECK(first.actions == second.actions);
  CHECK(FormatPlansJson({first}) == FormatPlansJson({second}));
}

TEST_CASE("changing one config key gives one config action and one restart") {
  const PlanOptions options = Options();
  const ObservedNode observed = ConvergedNode(DesiredNode({ShopWeb()}, {ShopDb()}), options);
  AppSpec changed = ShopWeb();
  changed.config["LOG_LEVEL"] = "debug";
  const NodePlan plan = PlanNode(DesiredNode({changed}, {ShopDb()}), observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: config LOG_LEVEL changed; record spec digest\n"
        "restart shop-web: apply config\n");
  const Action& config = plan.actions.front();
  REQUIRE(config.config.size() == 2);
  CHECK(config.config[0] ==
        ConfigEntry{"DFLOW_SPEC", AppSpecDigest(changed, options.secrets), false, ""});
  CHECK(config.config[1] == ConfigEntry{"LOG_LEVEL", "debug", false, ""});
}

TEST_CASE("a new app on an empty node gets the full ordered sequence") {
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  const PlanOptions options = Options();
  const ObservedNode empty = EmptyNode();
  const NodePlan plan = PlanNode(desired, empty, options);
  CHECK(Lines(plan) ==
        "create-datastore shop-db: postgres datastore missing\n"
        "create-app shop-web: app missing\n"
        "set-config shop-web: config FEATURE_X added; config LOG_LEVEL added; secret API_TOKEN "
        "added; mark app as managed by dflow; record managed config keys; record spec digest\n"
        "set-builder shop-web: builder dockerfile\n"
        "set-proxy-type shop-web: proxy type traefik\n"
        "set-domains shop-web: domain shop.example.com added\n"
        "set-ports shop-web: ports http:80:5000\n"
        "link-datastore shop-web: datastore postgres/shop-db linked\n"
        "scale shop-web: scale web=2 worker=1\n"
        "deploy-git shop-web: new app\n"
        "set-config shop-web: record deployed source\n");
  const Action& config = plan.actions[2];
  REQUIRE(config.config.size() == 6);
  CHECK(config.config[0].key == "API_TOKEN");
  CHECK(config.config[0].secret);
  CHECK(config.config[0].value == "");
  CHECK(config.config[0].value_sha256 == Sha256Hex("s3cr3t-token"));
  CHECK(config.config[1] == ConfigEntry{"DFLOW_KEYS", "API_TOKEN,FEATURE_X,LOG_LEVEL", false, ""});
  CHECK(config.config[2] == ConfigEntry{"DFLOW_MANAGED", "production/shop/web", false, ""});
  CHECK(plan.actions[8].skip_deploy);
  CHECK(plan.actions[8].settings ==
        std::map<std::string, std::string>{{"web", "2"}, {"worker", "1"}});
  CHECK(plan.actions[9].git_url == testing::kShopUrl);
  CHECK(plan.actions[9].git_ref == "v1.4.2");
  CHECK(plan.actions[10].config ==
        std::vector<ConfigEntry>{
            {"DFLOW_SOURCE", std::string(testing::kShopUrl) + "#v1.4.2", false, ""}});
}

TEST_CASE("a new app without domains drops Dokku's default domain") {
  AppSpec worker = Service("worker");
  const NodePlan plan = PlanNode(DesiredNode({worker}, {}), ObservedNode{}, Options());
  CHECK(Lines(plan) ==
        "create-app shop-worker: app missing\n"
        "set-config shop-worker: config ROLE added; mark app as managed by dflow; record managed "
        "config keys; record spec digest\n"
        "set-domains shop-worker: new app: drop Dokku's default domain\n"
        "deploy-image shop-worker: new app\n");
  CHECK(plan.actions[2].values.empty());
}

TEST_CASE("an app dflow does not manage is never touched") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  ObservedNode observed = ConvergedNode(desired, options);
  ObservedApp& live = *FindLive(observed, "shop-web");
  live.managed = false;
  live.config.erase(kManagedMarkerKey);
  live.domains = {"other.example.com"};
  ObservedApp hand_made;
  hand_made.name = "legacy";
  hand_made.deployed = true;
  observed.apps.push_back(hand_made);
  PlanOptions prune = options;
  prune.environments["production"].prune = true;
  const NodePlan plan = PlanNode(desired, observed, prune);
  CHECK(Lines(plan) == "");
  CHECK(NoteLines(plan) ==
        "conflict shop-web: app exists but is not managed by dflow; adopt it by setting "
        "DFLOW_MANAGED=production/shop/web or rename the service\n");
}

TEST_CASE("an app managed for another service is a conflict") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  ObservedNode observed = ConvergedNode(desired, options);
  FindLive(observed, "shop-web")->config[kManagedMarkerKey] = "staging/shop/web";
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) == "");
  CHECK(NoteLines(plan) ==
        "conflict shop-web: app is managed by dflow for staging/shop/web, not production/shop/web; "
        "two services map to one app name\n");
}

// Three managed staging apps on the node; the repo now lists only the first two.
struct PruneCase {
  PlanOptions options = Options();
  NodeDesiredState desired = DesiredNode({Service("a", "staging"), Service("b", "staging")}, {});
  ObservedNode observed;
  PruneCase() {
    NodeDesiredState before = desired;
    before.apps.push_back(Service("c", "staging"));
    observed = ConvergedNode(before, options);
  }
};

TEST_CASE("pruning on destroys a managed app whose service left the repo, last") {
  PruneCase c;
  AppSpec changed = c.desired.apps[0];
  changed.config["ROLE"] = "x";
  c.desired.apps[0] = changed;
  const NodePlan plan = PlanNode(c.desired, c.observed, c.options);
  CHECK(Lines(plan) ==
        "set-config shop-a: config ROLE changed; record spec digest\n"
        "restart shop-a: apply config\n"
        "destroy-app shop-c: staging/shop/c is no longer in the repo (pruning on)\n");
  CHECK(plan.actions.back().destructive);
  CHECK(plan.DestructiveCount() == 1);
  CHECK_FALSE(plan.refused);
}

TEST_CASE("pruning off reports the orphan and destroys nothing") {
  PruneCase c;
  c.options.environments["staging"].prune = false;
  const NodePlan plan = PlanNode(c.desired, c.observed, c.options);
  CHECK(Lines(plan) == "");
  CHECK(NoteLines(plan) ==
        "orphan shop-c: orphaned: staging/shop/c is no longer in the repo (pruning off)\n");
}

TEST_CASE("an environment unknown to the options is never pruned") {
  PruneCase c;
  c.options.environments.erase("staging");
  const NodePlan plan = PlanNode(c.desired, c.observed, c.options);
  CHECK(Lines(plan) == "");
  CHECK(NoteLines(plan) ==
        "orphan shop-c: orphaned: staging/shop/c is no longer in the repo (pruning off)\n");
}

TEST_CASE("a protected app is never destroyed") {
  PruneCase c;
  FindLive(c.observed, "shop-c")->config[kProtectKey] = "true";
  const NodePlan plan = PlanNode(c.desired, c.observed, c.options);
  CHECK(Lines(plan) == "");
  CHECK(NoteLines(plan) ==
        "orphan shop-c: orphaned: staging/shop/c is no longer in the repo; kept (protected)\n");
}

TEST_CASE("protect is recorded on the node and removed with it") {
  const PlanOptions options = Options();
  AppSpec api = Service("api");
  ObservedNode observed = ConvergedNode(DesiredNode({api}, {}), options);
  api.protect = true;
  NodePlan plan = PlanNode(DesiredNode({api}, {}), observed, options);
  CHECK(Lines(plan) == "set-config shop-api: record protect; record spec digest\n");
  observed = ConvergedNode(DesiredNode({api}, {}), options);
  observed.apps[0].config[kProtectKey] = "true";
  api.protect = false;
  plan = PlanNode(DesiredNode({api}, {}), observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-api: record spec digest\n"
        "unset-config shop-api: protect removed\n");
}

TEST_CASE("the mass-delete guard refuses to destroy every managed app of an environment") {
  PruneCase c;
  c.desired.apps.clear();
  NodePlan plan = PlanNode(c.desired, c.observed, c.options);
  CHECK(plan.refused);
  CHECK(plan.refusal ==
        "plan refused on node node-1: would destroy 3 of 3 managed apps of environment staging "
        "(shop-a, shop-b, shop-c); allow mass delete to proceed");
  CHECK(plan.DestructiveCount() == 3);

  c.options.allow_mass_delete = true;
  plan = PlanNode(c.desired, c.observed, c.options);
  CHECK_FALSE(plan.refused);
  CHECK(plan.DestructiveCount() == 3);
}

TEST_CASE("the mass-delete guard refuses more than the allowed share") {
  PruneCase c;
  c.desired.apps.resize(1);  // 2 of 3 would go: more than half
  NodePlan plan = PlanNode(c.desired, c.observed, c.options);
  CHECK(plan.refused);
  CHECK(plan.refusal ==
        "plan refused on node node-1: would destroy 2 of 3 managed apps of environment staging "
        "(shop-b, shop-c); allow mass delete to proceed");
  c.options.max_delete_share = 0.7;
  plan = PlanNode(c.desired, c.observed, c.options);
  CHECK_FALSE(plan.refused);
}

TEST_CASE("a changed secret is shown by key, never by value") {
  PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  const ObservedNode observed = ConvergedNode(desired, options);
  options.secrets["shop-web"]["API_TOKEN"] = "n3w-v4lue-token";
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: secret API_TOKEN changed; record spec digest\n"
        "restart shop-web: apply config\n");
  const ConfigEntry& secret = plan.actions[0].config[0];
  CHECK(secret == ConfigEntry{"API_TOKEN", "", true, Sha256Hex("n3w-v4lue-token")});
  for (const std::string& text : {FormatPlansText({plan}), FormatPlansJson({plan})}) {
    CHECK(text.find("n3w-v4lue-token") == std::string::npos);
    CHECK(text.find("s3cr3t-token") == std::string::npos);
    CHECK(text.find("API_TOKEN=***") != std::string::npos);
  }
}

TEST_CASE("an app whose secret has no value is blocked, not half-configured") {
  PlanOptions options = Options();
  options.secrets.clear();
  const NodePlan plan = PlanNode(DesiredNode({ShopWeb()}, {ShopDb()}), ObservedNode{}, options);
  CHECK(Lines(plan) == "create-datastore shop-db: postgres datastore missing\n");
  CHECK(NoteLines(plan) ==
        "blocked shop-web: secret API_TOKEN has no value for environment production; app not "
        "planned\n");
}

TEST_CASE("config keys removed from the repo are unset, Dokku's own keys are kept") {
  const PlanOptions options = Options();
  const ObservedNode observed = ConvergedNode(DesiredNode({ShopWeb()}, {ShopDb()}), options);
  AppSpec changed = ShopWeb();
  changed.config.erase("FEATURE_X");
  const NodePlan plan = PlanNode(DesiredNode({changed}, {ShopDb()}), observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: record managed config keys; record spec digest\n"
        "unset-config shop-web: config FEATURE_X removed from the repo\n"
        "restart shop-web: apply config\n");
  CHECK(plan.actions[1].values == std::vector<std::string>{"FEATURE_X"});
  CHECK(plan.actions[0].config[0] == ConfigEntry{"DFLOW_KEYS", "API_TOKEN,LOG_LEVEL", false, ""});
}

TEST_CASE("a datastore added for an existing app is created before it is linked") {
  const PlanOptions options = Options();
  AppSpec api = Service("api");
  const ObservedNode observed = ConvergedNode(DesiredNode({api}, {}), options);
  api.datastores = {"shop-db"};
  const NodePlan plan = PlanNode(DesiredNode({api}, {ShopDb()}), observed, options);
  CHECK(Lines(plan) ==
        "create-datastore shop-db: postgres datastore missing\n"
        "set-config shop-api: record spec digest\n"
        "link-datastore shop-api: datastore postgres/shop-db linked\n"
        "restart shop-api: apply datastore links\n");
  CHECK(plan.actions[2].engine == "postgres");
  CHECK(plan.actions[2].target == "shop-db");
}

TEST_CASE("a removed datastore is kept unless destroying is allowed") {
  PlanOptions options = Options();
  const ObservedNode observed = ConvergedNode(DesiredNode({ShopWeb()}, {ShopDb()}), options);
  AppSpec web = ShopWeb();
  web.datastores.clear();
  const NodeDesiredState desired = DesiredNode({web}, {});
  NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: record spec digest\n"
        "unlink-datastore shop-web: datastore postgres/shop-db no longer linked\n"
        "restart shop-web: apply datastore links\n");
  CHECK(NoteLines(plan) ==
        "orphan shop-db: postgres datastore shop-db is not in the repo; kept (datastore destroy "
        "not allowed)\n");

  options.allow_datastore_destroy = true;
  plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: record spec digest\n"
        "unlink-datastore shop-web: datastore postgres/shop-db no longer linked\n"
        "restart shop-web: apply datastore links\n"
        "destroy-datastore shop-db: postgres datastore shop-db is no longer in the repo (destroy "
        "allowed)\n");

  DatastoreSpec previous = ShopDb();
  previous.protect = true;
  options.previous_datastores = {previous};
  plan = PlanNode(desired, observed, options);
  CHECK(plan.DestructiveCount() == 0);
  CHECK(NoteLines(plan) ==
        "orphan shop-db: postgres datastore shop-db is not in the repo; kept (protected)\n");
}

TEST_CASE("the previous revision's allow_destroy lets a removed datastore go") {
  PlanOptions options = Options();
  AppSpec api = Service("api");
  const ObservedNode observed = ConvergedNode(DesiredNode({api}, {ShopDb()}), options);
  DatastoreSpec previous = ShopDb();
  previous.allow_destroy = true;
  options.previous_datastores = {previous};
  const NodePlan plan = PlanNode(DesiredNode({api}, {}), observed, options);
  CHECK(Lines(plan) ==
        "destroy-datastore shop-db: postgres datastore shop-db is no longer in the repo (destroy "
        "allowed)\n");
}

TEST_CASE("a datastore linked to an app dflow does not manage is never destroyed") {
  PlanOptions options = Options();
  options.allow_datastore_destroy = true;
  AppSpec api = Service("api");
  ObservedNode observed = ConvergedNode(DesiredNode({api}, {ShopDb()}), options);
  observed.datastores[0].linked_apps = {"legacy"};
  ObservedApp legacy;
  legacy.name = "legacy";
  observed.apps.push_back(legacy);
  const NodePlan plan = PlanNode(DesiredNode({api}, {}), observed, options);
  CHECK(Lines(plan) == "");
  CHECK(
      NoteLines(plan) ==
      "orphan shop-db: postgres datastore shop-db is not in the repo; kept: linked to app legacy, "
      "which dflow does not manage\n");
}

TEST_CASE("a new git ref is deployed and recorded, without an extra restart") {
  const PlanOptions options = Options();
  const ObservedNode observed = ConvergedNode(DesiredNode({ShopWeb()}, {ShopDb()}), options);
  AppSpec changed = ShopWeb();
  changed.source.git_ref = "v1.5.0";
  changed.config["LOG_LEVEL"] = "warn";
  const NodePlan plan = PlanNode(DesiredNode({changed}, {ShopDb()}), observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: config LOG_LEVEL changed; record spec digest\n"
        "deploy-git shop-web: ref v1.5.0 is not the deployed commit 0123456789ab\n"
        "set-config shop-web: record deployed source\n");
}

TEST_CASE("a ref that is a prefix of the deployed sha is deployed") {
  const PlanOptions options = Options();
  AppSpec web = ShopWeb();
  web.source.git_ref = "0123456789ab";
  ObservedNode observed = ConvergedNode(DesiredNode({web}, {ShopDb()}), options);
  FindLive(observed, "shop-web")->config.erase(kDeployedSourceKey);
  CHECK(Lines(PlanNode(DesiredNode({web}, {ShopDb()}), observed, options)) == "");
}

TEST_CASE("a branch that moved is redeployed when the caller resolved it") {
  PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  const ObservedNode observed = ConvergedNode(desired, options);
  options.resolved_refs[std::string(testing::kShopUrl) + "#v1.4.2"] = testing::kDeployedSha;
  CHECK(Lines(PlanNode(desired, observed, options)) == "");
  options.resolved_refs[std::string(testing::kShopUrl) + "#v1.4.2"] =
      "fedcba9876543210fedcba9876543210fedcba98";
  NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) == "deploy-git shop-web: ref v1.4.2 moved: " +
                           std::string(testing::kDeployedSha).substr(0, 12) + " -> fedcba987654\n");
  REQUIRE(plan.actions.size() == 1);
  // The commit the plan saw is deployed, not whatever the branch names by then.
  CHECK(plan.actions[0].git_ref == "fedcba9876543210fedcba9876543210fedcba98");
}

TEST_CASE("a ref that cannot be resolved keeps the deployed commit, and says why") {
  PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  ObservedNode observed = ConvergedNode(desired, options);
  FindLive(observed, "shop-web")->config.erase(kDeployedSourceKey);  // not even on record
  options.unresolved_refs[std::string(testing::kShopUrl) + "#v1.4.2"] =
      "source unreachable: could not resolve host";
  NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) == "");
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0].kind == NoteKind::kStaleSource);
  CHECK(plan.notes[0].subject == "shop-web");
  CHECK(plan.notes[0].message ==
        "source unreachable: could not resolve host; the deployed commit is kept");
}

TEST_CASE("an image already in the app's source is rebuilt, not deployed again") {
  const PlanOptions options = Options();
  AppSpec api = Service("api");
  ObservedNode observed = ConvergedNode(DesiredNode({api}, {}), options);
  ObservedApp& live = *FindLive(observed, "shop-api");
  live.deploy_source_metadata = "registry.example.com/shop/api:0.9";
  NodePlan plan = PlanNode(DesiredNode({api}, {}), observed, options);
  CHECK(Lines(plan) ==
        "rebuild shop-api: image registry.example.com/shop/api:1.0 is not deployed; it is already "
        "the app's source image, so rebuild\n");
  live.source_image = "registry.example.com/shop/api:0.9";
  plan = PlanNode(DesiredNode({api}, {}), observed, options);
  CHECK(Lines(plan) ==
        "deploy-image shop-api: image registry.example.com/shop/api:1.0 is not deployed\n");
  CHECK(plan.actions[0].value == "registry.example.com/shop/api:1.0");
}

AppSpec HealthCheckedApi() {
  AppSpec api = Service("api");
  api.health.path = "/ready";
  api.health.port = 9000;
  return api;
}

TEST_CASE("an image with a health check deploys as a build context and records it after") {
  const PlanOptions options = Options();
  const AppSpec api = HealthCheckedApi();
  const NodeDesiredState desired = DesiredNode({api}, {});
  NodePlan plan = PlanNode(desired, EmptyNode(), options);
  const std::string lines = Lines(plan);
  const std::string deploy =
      "deploy-archive shop-api: new app (app.json: health check /ready on port 9000)\n"
      "set-config shop-api: record deployed build context\n";
  CHECK(lines.size() > deploy.size());
  CHECK(lines.substr(lines.size() - deploy.size()) == deploy);
  const Action& archive = plan.actions[plan.actions.size() - 2];
  CHECK(archive.value == "registry.example.com/shop/api:1.0");
  CHECK(archive.health == api.health);
  CHECK(plan.actions.back().config ==
        std::vector<ConfigEntry>{
            {kBuildContextKey, BuildContextDigest(archive.value, api.health), false, ""}});
  // Converged: the recorded context is the desired one.
  ObservedNode observed = ConvergedNode(desired, options);
  CHECK(Lines(PlanNode(desired, observed, options)) == "");
  // The same image run by git:from-image (no check) is not the desired state.
  ObservedApp& live = *FindLive(observed, "shop-api");
  live.deploy_source = "docker-image";
  CHECK(Lines(PlanNode(desired, observed, options)) ==
        "deploy-archive shop-api: image registry.example.com/shop/api:1.0 with health check "
        "/ready is not deployed (app.json: health check /ready on port 9000)\n"
        "set-config shop-api: record deployed build context\n");
}

TEST_CASE("a changed health check or image redeploys the build context, dropping it, the image") {
  const PlanOptions options = Options();
  const AppSpec api = HealthCheckedApi();
  const ObservedNode observed = ConvergedNode(DesiredNode({api}, {}), options);
  const std::string redeploy =
      "deploy-archive shop-api: image registry.example.com/shop/api:1.0 or its health check "
      "changed (app.json: health check /ready on port 9000)\n"
      "set-config shop-api: record deployed build context\n";
  AppSpec changed = api;
  changed.health.attempts = 30;
  std::string lines = Lines(PlanNode(DesiredNode({changed}, {}), observed, options));
  CHECK(lines.find(redeploy) != std::string::npos);
  CHECK(lines.find("set-config shop-api: record spec digest") != std::string::npos);
  AppSpec retagged = api;
  retagged.source.image = "registry.example.com/shop/api:1.1";
  lines = Lines(PlanNode(DesiredNode({retagged}, {}), observed, options));
  CHECK(lines.find("deploy-archive shop-api: image registry.example.com/shop/api:1.1 or its "
                   "health check changed") != std::string::npos);
  AppSpec plain = api;
  plain.health = {};
  lines = Lines(PlanNode(DesiredNode({plain}, {}), observed, options));
  CHECK(lines.find("deploy-image shop-api: image registry.example.com/shop/api:1.0 is not "
                   "deployed\n") != std::string::npos);
}

TEST_CASE("a scale change only scales") {
  const PlanOptions options = Options();
  const ObservedNode observed = ConvergedNode(DesiredNode({ShopWeb()}, {ShopDb()}), options);
  AppSpec changed = ShopWeb();
  changed.processes["web"] = 3;
  changed.processes.erase("worker");
  const NodePlan plan = PlanNode(DesiredNode({changed}, {ShopDb()}), observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: record spec digest\n"
        "scale shop-web: scale web=3 worker=0\n");
  CHECK_FALSE(plan.actions[1].skip_deploy);
  CHECK(plan.actions[1].settings ==
        std::map<std::string, std::string>{{"web", "3"}, {"worker", "0"}});
}

TEST_CASE("hand-made domain drift is put back with one rebuild") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  ObservedNode observed = ConvergedNode(desired, options);
  FindLive(observed, "shop-web")->domains = {"hacked.example.com"};
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-domains shop-web: domain shop.example.com added; domain hacked.example.com removed\n"
        "rebuild shop-web: apply domains\n");
  CHECK(plan.actions[0].values == std::vector<std::string>{"shop.example.com"});
}

TEST_CASE("several label changes share exactly one rebuild") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  ObservedNode observed = ConvergedNode(desired, options);
  ObservedApp& live = *FindLive(observed, "shop-web");
  live.ports = {PortMapping{"http", 8080, 5000}};
  live.builder = "";
  live.config["LOG_LEVEL"] = "trace";
  live.resources["_default_.limit.memory"] = "1g";
  live.checks_disabled = {"_all_"};
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: config LOG_LEVEL changed\n"
        "set-builder shop-web: builder dockerfile\n"
        "set-ports shop-web: ports http:80:5000\n"
        "enable-checks shop-web: checks enabled for all process types\n"
        "set-resource-limits shop-web: resource limit memory cleared\n"
        "rebuild shop-web: apply builder, ports, checks, resources, config\n");
  CHECK(plan.actions[4].settings == std::map<std::string, std::string>{{"memory", "clear"}});
}

TEST_CASE("checks, storage, networks and reservations converge to the repo") {
  const PlanOptions options = Options();
  AppSpec web = ShopWeb();
  web.checks_disabled = {"worker"};
  web.checks_skipped = {"web"};
  web.storage = {"/data/shop:/app/data"};
  web.networks = {"backend"};
  web.resource_reservations = {{"memory", "256m"}};
  const NodeDesiredState desired = DesiredNode({web}, {ShopDb()});
  ObservedNode observed = ConvergedNode(desired, options);
  ObservedApp& live = *FindLive(observed, "shop-web");
  live.checks_disabled = {"web"};
  live.checks_skipped = {"release"};
  live.storage = {"/tmp/x:/x"};
  live.networks = {};
  live.resources = {{"_default_.reserve.memory", "128m"}, {"web.limit.cpu", "2"}};
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "enable-checks shop-web: checks enabled for release\n"
        "disable-checks shop-web: checks disabled for worker\n"
        "skip-checks shop-web: checks skipped for web\n"
        "set-resource-reservations shop-web: resource reserve memory 256m\n"
        "unmount-storage shop-web: storage /tmp/x:/x removed\n"
        "mount-storage shop-web: storage /data/shop:/app/data added\n"
        "set-networks shop-web: networks backend\n"
        "rebuild shop-web: apply checks, resources, storage, networks\n");
  CHECK(plan.actions[0].values == std::vector<std::string>{"release"});
  CHECK(plan.actions[3].settings == std::map<std::string, std::string>{{"memory", "256m"}});
  CHECK(plan.actions[6].values == std::vector<std::string>{"backend"});
}

TEST_CASE("self-heal off reports drift and runs nothing") {
  PlanOptions options = Options();
  options.environments["production"].self_heal = false;
  const NodeDesiredState desired = DesiredNode({ShopWeb()}, {ShopDb()});
  ObservedNode observed = ConvergedNode(desired, options);
  FindLive(observed, "shop-web")->domains = {"hacked.example.com"};
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-domains shop-web: domain shop.example.com added; domain hacked.example.com removed "
        "[report-only]\n"
        "rebuild shop-web: apply domains [report-only]\n");
  CHECK_FALSE(plan.HasChanges());
  CHECK(NoteLines(plan) ==
        "drift shop-web: 2 drifted setting(s) reported, not corrected (self-heal off)\n");
}

TEST_CASE("self-heal off still applies a change made in the repo") {
  PlanOptions options = Options();
  options.environments["production"].self_heal = false;
  const ObservedNode observed = ConvergedNode(DesiredNode({ShopWeb()}, {ShopDb()}), options);
  AppSpec changed = ShopWeb();
  changed.domains = {"new.example.com"};
  const NodePlan plan = PlanNode(DesiredNode({changed}, {ShopDb()}), observed, options);
  CHECK(Lines(plan) ==
        "set-config shop-web: record spec digest\n"
        "set-domains shop-web: domain new.example.com added; domain shop.example.com removed\n"
        "rebuild shop-web: apply domains\n");
  CHECK(plan.HasChanges());
}

TEST_CASE("an app that could not be read is neither created, changed nor destroyed") {
  PruneCase c;
  AppSpec changed = c.desired.apps[0];
  changed.config["ROLE"] = "x";
  c.desired.apps[0] = changed;
  FindLive(c.observed, "shop-a")->read_error = "dokku --quiet ps:scale shop-a: exit 1: boom";
  FindLive(c.observed, "shop-a")->config.clear();  // what a failed config:export leaves
  FindLive(c.observed, "shop-a")->managed = false;
  FindLive(c.observed, "shop-c")->read_error = "dokku --quiet ps:scale shop-c: exit 1: boom";
  const NodePlan plan = PlanNode(c.desired, c.observed, c.options);
  CHECK(Lines(plan) == "");
  CHECK(NoteLines(plan) ==
        "unread shop-a: could not be read (dokku --quiet ps:scale shop-a: exit 1: boom); "
        "nothing planned for it this pass\n"
        "unread shop-c: could not be read (dokku --quiet ps:scale shop-c: exit 1: boom); not "
        "pruned this pass\n");
}

TEST_CASE("a datastore whose links could not be read is kept, and its apps are not planned") {
  PlanOptions options = Options();
  options.allow_datastore_destroy = true;
  AppSpec api = Service("api");
  api.datastores = {"shop-db"};
  ObservedNode observed = ConvergedNode(DesiredNode({ShopWeb(), api}, {ShopDb()}), options);
  for (auto& store : observed.datastores) {
    store.read_error = "dokku --quiet postgres:info shop-db --links: exit 1: no container";
    store.linked_apps.clear();
  }
  for (auto& app : observed.apps) app.linked_datastores.clear();
  // shop-api still wants the link; the datastore itself left the repo for shop-web.
  NodePlan plan = PlanNode(DesiredNode({ShopWeb(), api}, {ShopDb()}), observed, options);
  CHECK(NoteLines(plan).find("unread shop-api: the links of postgres datastore shop-db could "
                             "not be read") == 0);
  for (const Action& action : plan.actions) CHECK(action.app != "shop-api");
  AppSpec web = ShopWeb();
  web.datastores.clear();
  plan = PlanNode(DesiredNode({web}, {}), observed, options);
  CHECK(plan.DestructiveCount() == 0);
  CHECK(NoteLines(plan).find("orphan shop-db: postgres datastore shop-db is not in the repo; "
                             "kept: its links could not be read") != std::string::npos);
}

TEST_CASE("PlanOptionsFor copies each environment's policy") {
  DesiredState desired;
  EnvironmentSpec production;
  production.name = "production";
  production.prune = true;
  production.self_heal = false;
  desired.environments = {production};
  const PlanOptions options = PlanOptionsFor(desired);
  REQUIRE(options.environments.size() == 1);
  CHECK(options.environments.at("production").prune);
  CHECK_FALSE(options.environments.at("production").self_heal);
  CHECK(options.max_delete_share == 0.5);
  CHECK_FALSE(options.allow_datastore_destroy);
}

}  // namespace
}  // namespace dflow
