// `dflow run` as a real process: `concurrency` bounds the node passes that run at once; SIGHUP
// reloads the controller config, badges and forge included (and refuses a broken one without
// stopping), and an environment with self-heal off
// reports hand-made drift instead of putting it back, while the others still put it back.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "tests/support/controller_process.h"
#include "tests/support/fake_forge.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/http_client.h"

namespace dflow {
namespace {

std::string SyncOf(const nlohmann::json& status, const std::string& app) {
  for (const auto& entry : status["apps"])
    if (entry["app"] == app) return entry["sync"];
  return "<absent>";
}

void Replace(const std::filesystem::path& file, const std::string& from, const std::string& to) {
  std::string text = test::ReadFile(file);
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  test::WriteFile(file, text);
}

TEST_CASE("concurrency 1: one node pass at a time, so never Dokku calls on two nodes at once") {
  // Every node's `dokku` appends "+ <node home>" to one shared log as a call starts and
  // "- <node home>" as it ends (shell builtins and O_APPEND: the lines are in the order the
  // calls started and ended). HOME is the node's folder.
  test::ScopedTempDir shared;
  const std::string log = (shared.path() / "calls").string();
  test::SshdNodeOptions logging;
  logging.dokku_script = "#!/bin/sh\necho \"+ $HOME\" >> '" + log + "'\n" +
                         std::string(DFLOW_DOKKU_SIM_EXE) +
                         " \"$@\"\nrc=$?\necho \"- $HOME\" >> '" + log + "'\nexit $rc\n";
  test::FleetRig rig(test::kSampleRepoNodes, test::LoginStyle::kShellUser, logging);
  rig.repo().CommitAll("initial");
  auto options = rig.ControllerOptions();
  options.extra_config = "concurrency: 1\n";
  test::ControllerProcess controller(options);
  controller.Start();
  const std::size_t app_count = rig.AppCount();
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); }));
  controller.Stop();
  std::ifstream lines(log);
  std::map<std::string, int> running;  // node home -> its calls in flight
  std::set<std::string> nodes_seen;
  int calls = 0;
  std::size_t most = 0;  // nodes with a call in flight at once
  for (std::string sign, home; lines >> sign >> home;) {
    if (sign == "+") {
      ++calls;
      ++running[home];
      nodes_seen.insert(home);
    } else if (--running[home] == 0) {
      running.erase(home);
    }
    most = std::max(most, running.size());
  }
  CHECK(nodes_seen.size() == 3);  // every node was observed and converged
  CHECK(calls > 3 * 20);
  CHECK(most == 1);
}

TEST_CASE("SIGHUP reloads the controller config, a broken one is refused and the old one kept") {
  test::FleetRig rig(test::kSampleRepoNodes);
  const std::string commit = rig.repo().CommitAll("initial");
  test::FakeForge forge(ForgeKind::kGitHub);
  test::ScopedTempDir secrets;
  test::WriteFile(secrets.path() / "forge-token", std::string(test::kFakeForgeToken) + "\n");
  auto options = rig.ControllerOptions();
  options.extra_config = "badges: {enabled: false}\n";
  test::ControllerProcess controller(options);
  controller.Start();
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), rig.AppCount()); }));
  const std::string badge = controller.url("/badge/staging.svg");
  CHECK(test::HttpGet(badge).status == 404);  // badges are off

  CHECK(forge.Requests().empty());  // no forge configured yet

  // Badges on and a forge added, in one reload: the forge learns each environment's status.
  Replace(controller.config_path(), "badges: {enabled: false}",
          "badges: {enabled: true}\nforge: {kind: github, apiUrl: \"" + forge.Base() +
              "\", repo: acme/shop, tokenFile: \"" + (secrets.path() / "forge-token").string() +
              "\"}");
  REQUIRE(::kill(controller.pid(), SIGHUP) == 0);
  CHECK(test::ControllerProcess::WaitFor([&] { return test::HttpGet(badge).status == 200; }));
  CHECK(test::ControllerProcess::WaitFor([&] {
    int successes = 0;
    for (const auto& r : forge.Requests())
      successes += r.target == "/repos/acme/shop/statuses/" + commit &&
                   r.body.find("\"success\"") != std::string::npos;
    return successes == 2;  // staging and production
  }));

  const std::string good = test::ReadFile(controller.config_path());
  test::WriteFile(controller.config_path(), good + "concurrency: lots\n");
  REQUIRE(::kill(controller.pid(), SIGHUP) == 0);
  CHECK(test::ControllerProcess::WaitFor([&] {
    return controller.Log().find("the new configuration is invalid; keeping the running one") !=
           std::string::npos;
  }));
  INFO(controller.Log());
  CHECK(controller.Log().find("concurrency") != std::string::npos);  // says what is wrong
  CHECK(controller.Log().find("not starting") == std::string::npos);
  CHECK(test::HttpGet(controller.url("/healthz")).status == 200);
  CHECK(test::HttpGet(badge).status == 200);  // still the reloaded config
  controller.Stop();
  CHECK(controller.exit_code() == 0);
}

TEST_CASE("self-heal off: hand-made drift is reported, not put back, other environments heal") {
  test::FleetRig rig(test::kSampleRepoNodes);
  Replace(rig.repo().path() / "environments/staging.yaml", "  prune: true",
          "  selfHeal: false\n  prune: true");
  const std::size_t app_count = rig.AppCount();
  rig.repo().CommitAll("staging does not self-heal");
  test::ControllerProcess controller(rig.ControllerOptions());
  controller.Start();
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); }));

  const std::string staging_app = "course-management-web-staging";
  const std::string production_app = "course-management-web-production";
  const std::string production_node = "prod-1";
  const std::string kept =
      test::ConfigValue(rig, production_node, production_app, "UPLOAD_LIMIT_MB");
  REQUIRE(kept != "<unset>");
  REQUIRE(rig.Dokku("staging-1", {"config:set", "--no-restart", staging_app, "UPLOAD_LIMIT_MB=1"})
              .exit_code == 0);
  REQUIRE(rig.Dokku(production_node,
                    {"config:set", "--no-restart", production_app, "UPLOAD_LIMIT_MB=1"})
              .exit_code == 0);

  // Production heals within an interval; staging's next pass reports the drift instead.
  CHECK(test::ControllerProcess::WaitFor([&] {
    return test::ConfigValue(rig, production_node, production_app, "UPLOAD_LIMIT_MB") == kept;
  }));
  const bool reported = test::ControllerProcess::WaitFor(
      [&] { return SyncOf(controller.Status(), staging_app) == "OutOfSync"; });
  INFO(controller.Status().dump(2));
  CHECK(reported);
  CHECK(test::ConfigValue(rig, "staging-1", staging_app, "UPLOAD_LIMIT_MB") == "1");
  CHECK(test::ControllerProcess::WaitFor(
      [&] { return SyncOf(controller.Status(), production_app) == "Synced"; }));
  CHECK(test::ConfigValue(rig, "staging-1", staging_app, "UPLOAD_LIMIT_MB") == "1");  // still
}

}  // namespace
}  // namespace dflow
