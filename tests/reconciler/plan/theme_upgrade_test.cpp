// A theme's product version change is planned as an upgrade with the theme's notes, and a
// breaking one is not applied until the Application confirms it.
#include "reconciler/plan/theme_upgrade.h"

#include <doctest/doctest.h>

#include "reconciler/plan/plan.h"
#include "tests/reconciler/plan/plan_fixture.h"

namespace dflow {
namespace {

AppSpec N8n(const std::string& version) {
  AppSpec web = testing::Service("web");
  web.theme_release = "n8n@" + version;
  web.theme_upgrades = {{"3.0.0", true, "binaryData moves\n"}, {"2.50.0", false, "new editor"}};
  return web;
}

TEST_CASE("a version change crosses the theme's upgrade notes in order") {
  auto step = ThemeUpgradeOf(N8n("3.1.0"), "n8n@2.42.6");
  REQUIRE(step.has_value());
  CHECK(step->Describe() ==
        "upgrade n8n 2.42.6 -> 3.1.0; 2.50.0: new editor; 3.0.0 (breaking): binaryData moves");
  CHECK(step->unconfirmed == std::vector<std::string>{"3.0.0"});
  AppSpec confirmed = N8n("3.1.0");
  confirmed.confirmed_upgrades = {"3.0.0"};
  CHECK(ThemeUpgradeOf(confirmed, "n8n@2.42.6")->unconfirmed.empty());
  CHECK(ThemeUpgradeOf(N8n("2.43.0"), "n8n@2.42.6")->Describe() == "upgrade n8n 2.42.6 -> 2.43.0");
  CHECK(ThemeUpgradeOf(N8n("2.42.6"), "n8n@3.0.0")->downgrade);
  // Nothing to say: the same version, no record (a new app), another theme.
  CHECK_FALSE(ThemeUpgradeOf(N8n("2.42.6"), "n8n@2.42.6").has_value());
  CHECK_FALSE(ThemeUpgradeOf(N8n("2.42.6"), "").has_value());
  CHECK_FALSE(ThemeUpgradeOf(N8n("2.42.6"), "directus@12.1.1").has_value());
}

TEST_CASE("the plan shows an upgrade, blocks an unconfirmed breaking one, records the release") {
  const PlanOptions options = testing::Options();
  ObservedNode observed =
      testing::ConvergedNode(testing::DesiredNode({N8n("2.42.6")}, {}), options);
  observed.apps[0].config[kThemeReleaseKey] = "n8n@2.42.6";
  NodePlan plan = PlanNode(testing::DesiredNode({N8n("2.43.0")}, {}), observed, options);
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0].message == "upgrade n8n 2.42.6 -> 2.43.0");
  REQUIRE(plan.actions.size() >= 1);
  CHECK(plan.actions[0].reason.find("record theme release") != std::string::npos);

  plan = PlanNode(testing::DesiredNode({N8n("3.0.0")}, {}), observed, options);
  CHECK(plan.actions.empty());
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0].kind == NoteKind::kBlocked);
  CHECK(plan.notes[0].message ==
        "upgrade n8n 2.42.6 -> 3.0.0; 2.50.0: new editor; 3.0.0 (breaking): binaryData moves; "
        "not applied: add "
        "'confirmUpgrades: [3.0.0]' to application " +
            N8n("3.0.0").application + " once you have read this (and taken a backup)");
}

}  // namespace
}  // namespace dflow
