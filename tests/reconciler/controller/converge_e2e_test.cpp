// End to end on the simulator rig: the sample repo over three real sshd nodes, converged by the
// same observe -> plan -> apply code the CLI and the controller run.
#include <doctest/doctest.h>

#include <algorithm>

#include "manifests-schema/secrets_file.h"
#include "providers/dokku/dokku_observer.h"
#include "reconciler/apply/apply.h"
#include "reconciler/controller/fleet.h"
#include "tests/support/fleet_rig.h"

namespace dflow {
namespace {

std::string PlanSummary(const std::vector<NodeOutcome>& outcomes) {
  std::string text;
  for (const auto& o : outcomes) {
    text += o.node + ": " + (o.error.ok() ? "" : o.error.message()) + "\n";
    for (const auto& a : o.plan.actions) text += "  " + a.app + " " + a.reason + "\n";
    for (const auto& n : o.plan.notes) text += "  note " + n.subject + " " + n.message + "\n";
  }
  return text;
}

int Changes(const std::vector<NodeOutcome>& outcomes) {
  int changes = 0;
  for (const auto& o : outcomes) changes += o.plan.ExecutableCount();
  return changes;
}

std::vector<NodeOutcome> Plan(const DesiredState& desired, Fleet& fleet,
                              const test::FleetRig& rig) {
  PlanOptions options = PlanOptionsFor(desired);
  options.secrets = ResolveAppSecrets(desired, rig.secrets());
  return ObserveAndPlan(desired, fleet, options, {}, 8);
}

const ObservedApp* FindApp(const std::vector<NodeOutcome>& outcomes, const std::string& node,
                           const std::string& app) {
  for (const auto& o : outcomes)
    if (o.node == node && o.observed)
      for (const auto& a : o.observed->apps)
        if (a.name == app) return &a;
  return nullptr;
}

TEST_CASE("the sample repo converges on three nodes, and a second pass changes nothing") {
  test::FleetRig rig(test::kSampleRepoNodes);
  DesiredState desired = rig.Load();
  auto fleet = rig.MakeFleet();

  ApplyResult first = test::ConvergeOnce(desired, *fleet, rig.secrets(), PlanOptionsFor(desired));
  INFO(first.Summary());
  REQUIRE(first.ok());
  CHECK(first.ran > 0);

  auto second = Plan(desired, *fleet, rig);
  INFO(PlanSummary(second));
  CHECK(Changes(second) == 0);
  for (const auto& o : second) CHECK(o.error.ok());

  std::map<std::string, int> changing_before;
  for (const auto& n : test::kSampleRepoNodes) changing_before[n] = rig.ChangingInvocations(n);
  ApplyResult again = test::ConvergeOnce(desired, *fleet, rig.secrets(), PlanOptionsFor(desired));
  CHECK(again.ran == 0);
  for (const auto& n : test::kSampleRepoNodes)
    CHECK(rig.ChangingInvocations(n) == changing_before[n]);

  // Every desired app exists on its node, marked as dflow's.
  for (const auto& node : desired.nodes)
    for (const auto& app : node.apps) {
      const ObservedApp* live = FindApp(second, node.node.name, app.name);
      REQUIRE_MESSAGE(live != nullptr, app.name);
      CHECK(live->managed);
    }
}

TEST_CASE("hand-made drift shows in the plan and apply puts it back") {
  test::FleetRig rig(test::kSampleRepoNodes);
  DesiredState desired = rig.Load();
  auto fleet = rig.MakeFleet();
  REQUIRE(test::ConvergeOnce(desired, *fleet, rig.secrets(), PlanOptionsFor(desired)).ok());

  const auto& staging = *std::find_if(desired.nodes.begin(), desired.nodes.end(),
                                      [](const auto& n) { return n.node.name == "staging-1"; });
  const AppSpec& app = staging.apps.front();
  REQUIRE(rig.Dokku("staging-1", {"config:set", "--no-restart", app.name, "LOG_LEVEL=trace"})
              .exit_code == 0);
  REQUIRE(rig.Dokku("staging-1", {"domains:add", app.name, "hand.example.com"}).exit_code == 0);

  auto drifted = Plan(desired, *fleet, rig);
  INFO(PlanSummary(drifted));
  CHECK(Changes(drifted) > 0);
  bool saw_config = false, saw_domain = false;
  for (const auto& o : drifted)
    for (const auto& a : o.plan.actions) {
      saw_config = saw_config || (a.app == app.name && a.kind == ActionKind::kSetConfig);
      saw_domain = saw_domain || (a.app == app.name && a.kind == ActionKind::kSetDomains);
    }
  CHECK(saw_config);
  CHECK(saw_domain);

  REQUIRE(test::ConvergeOnce(desired, *fleet, rig.secrets(), PlanOptionsFor(desired)).ok());
  auto healed = Plan(desired, *fleet, rig);
  INFO(PlanSummary(healed));
  CHECK(Changes(healed) == 0);
  const ObservedApp* live = FindApp(healed, "staging-1", app.name);
  REQUIRE(live != nullptr);
  CHECK(live->config.at("LOG_LEVEL") == app.config.at("LOG_LEVEL"));
  CHECK(live->domains == app.domains);
}

TEST_CASE("an app without dflow's marker is never touched") {
  test::FleetRig rig(test::kSampleRepoNodes);
  DesiredState desired = rig.Load();
  const auto& staging = *std::find_if(desired.nodes.begin(), desired.nodes.end(),
                                      [](const auto& n) { return n.node.name == "staging-1"; });
  const std::string taken = staging.apps.front().name;
  REQUIRE(rig.Dokku("staging-1", {"apps:create", taken}).exit_code == 0);
  REQUIRE(rig.Dokku("staging-1", {"apps:create", "hand-made"}).exit_code == 0);
  REQUIRE(rig.Dokku("staging-1", {"config:set", "--no-restart", taken, "MINE=yes"}).exit_code == 0);
  auto fleet = rig.MakeFleet();
  PlanOptions options = PlanOptionsFor(desired);  // staging prunes: hand-made must survive it
  ApplyResult result = test::ConvergeOnce(desired, *fleet, rig.secrets(), options);
  for (const auto& node : result.nodes)
    for (const auto& a : node.actions) {
      CHECK(a.action.app != taken);
      CHECK(a.action.app != "hand-made");
    }
  auto config = rig.Dokku("staging-1", {"config:export", "--format", "json", taken});
  CHECK(config.out == "{\"MINE\":\"yes\"}\n");
  CHECK(rig.Dokku("staging-1", {"apps:exists", "hand-made"}).exit_code == 0);
}

TEST_CASE("a removed service is destroyed only where pruning is on") {
  test::FleetRig rig(test::kSampleRepoNodes);
  DesiredState before = rig.Load();
  auto fleet = rig.MakeFleet();
  REQUIRE(test::ConvergeOnce(before, *fleet, rig.secrets(), PlanOptionsFor(before)).ok());
  // Drop one application from the repo: staging prunes (sample repo), production does not.
  std::filesystem::remove(rig.repo().path() / "applications" / "community.yaml");
  DesiredState after = rig.Load();
  PlanOptions options = PlanOptionsFor(after);
  REQUIRE(options.environments.at("staging").prune);
  REQUIRE_FALSE(options.environments.at("production").prune);
  options.allow_mass_delete = true;  // this test is about pruning, not the guard
  ApplyResult result = test::ConvergeOnce(after, *fleet, rig.secrets(), options);
  INFO(result.Summary());
  CHECK(result.ok());
  CHECK(rig.Dokku("staging-1", {"apps:exists", "community-api-staging"}).exit_code == 20);
  CHECK(rig.Dokku("prod-1", {"apps:exists", "community-api-production"}).exit_code == 0);
}

TEST_CASE("a node that is down fails alone while the others converge") {
  test::FleetRig rig(test::kSampleRepoNodes);
  DesiredState desired = rig.Load();
  auto fleet = rig.MakeFleet();
  rig.node("prod-2").Kill();
  PlanOptions options = PlanOptionsFor(desired);
  options.secrets = ResolveAppSecrets(desired, rig.secrets());
  auto outcomes = ObserveAndPlan(desired, *fleet, options, {}, 8);
  for (const auto& o : outcomes) {
    CAPTURE(o.node);
    if (o.node == "prod-2") {
      CHECK_FALSE(o.error.ok());
      CHECK(o.error.code() == Code::kUnavailable);
    } else {
      CHECK(o.error.ok());
    }
  }
  ApplyResult result = test::ConvergeOnce(desired, *fleet, rig.secrets(), PlanOptionsFor(desired));
  CHECK(result.ok());
  rig.node("prod-2").Restart();
  auto fresh = rig.MakeFleet();
  REQUIRE(test::ConvergeOnce(desired, *fresh, rig.secrets(), PlanOptionsFor(desired)).ok());
  CHECK(Changes(Plan(desired, *fresh, rig)) == 0);
}

}  // namespace
}  // namespace dflow

namespace dflow {
namespace {

// One node, one app whose config holds every kind of hostile value: set by apply, observed
// back byte for byte, through both login styles (the forced command re-splits with xargs).
// The largest value validation lets through (field_reader.cpp: libssh2's request size).
constexpr std::size_t kBigValueBytes = 16 * 1024;
TEST_CASE("hostile config values round-trip exactly through apply and observe") {
  const std::map<std::string, std::string> hostile = {
      {"SINGLE", "it's"},
      {"DOUBLE", "say \"hi\""},
      {"SUBSHELL", "$(touch /tmp/dflow-pwned)"},
      {"BACKTICK", "`id`"},
      {"SEMI", "a; rm -rf / && echo | cat > x"},
      {"NEWLINES", "line1\nline2\n"},
      {"TABS", "a\tb"},
      {"UNICODE", "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80"},
      {"DOLLAR", "$HOME ${PATH}"},
      {"OPTIONLIKE", "-n"},
      {"BIG", std::string(kBigValueBytes, 'x')},
  };
  for (auto style : {test::LoginStyle::kShellUser, test::LoginStyle::kDokkuUser}) {
    CAPTURE(static_cast<int>(style));
    test::FleetRig rig({"prod-1", "prod-2", "staging-1"}, style);
    DesiredState desired = rig.Load();
    auto& node = *std::find_if(desired.nodes.begin(), desired.nodes.end(),
                               [](const auto& n) { return n.node.name == "staging-1"; });
    AppSpec& app = node.apps.front();
    for (const auto& [key, value] : hostile) app.config[key] = value;
    auto fleet = rig.MakeFleet();
    ApplyResult result =
        test::ConvergeOnce(desired, *fleet, rig.secrets(), PlanOptionsFor(desired));
    INFO(result.Summary());
    REQUIRE(result.ok());
    PlanOptions options = PlanOptionsFor(desired);
    options.secrets = ResolveAppSecrets(desired, rig.secrets());
    auto outcomes = ObserveAndPlan(desired, *fleet, options, {"staging-1"}, 1);
    REQUIRE(outcomes.size() == 1);
    REQUIRE(outcomes[0].observed);
    const ObservedApp* live = FindApp(outcomes, "staging-1", app.name);
    REQUIRE(live != nullptr);
    for (const auto& [key, value] : hostile) {
      CAPTURE(key);
      REQUIRE(live->config.contains(key));
      CHECK(live->config.at(key) == value);
    }
    CHECK(outcomes[0].plan.ExecutableCount() == 0);
  }
}

}  // namespace
}  // namespace dflow
