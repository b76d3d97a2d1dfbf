// End to end: `dflow run` with badges and a forge configured. Badges come through the real
// HTTP server; the commit status goes to a fake forge on loopback once the nodes converged.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/support/controller_process.h"
#include "tests/support/fake_forge.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/http_client.h"

namespace dflow {
namespace {

// The statuses the forge got: "<context> <state>" for commit `sha`.
std::vector<std::string> StatusesFor(test::FakeForge& forge, const std::string& sha) {
  std::vector<std::string> statuses;
  for (const auto& r : forge.Requests()) {
    if (r.method != "POST" || r.target != "/repos/acme/shop/statuses/" + sha) continue;
    auto body = nlohmann::json::parse(r.body);
    statuses.push_back(body.value("context", "") + " " + body.value("state", ""));
  }
  return statuses;
}

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

TEST_CASE("dflow run serves badges and sets each environment's commit status on the forge") {
  test::FakeForge forge(ForgeKind::kGitHub);
  test::FleetRig rig(test::kSampleRepoNodes);
  const std::size_t app_count = rig.AppCount();
  const std::string commit = rig.repo().CommitAll("initial sample repo");
  test::ScopedTempDir secrets;
  test::WriteFile(secrets.path() / "forge-token", std::string(test::kFakeForgeToken) + "\n");

  test::ControllerProcessOptions options = rig.ControllerOptions();
  options.extra_config = "badges: {environments: [staging]}\nforge: {kind: github, apiUrl: \"" +
                         forge.Base() + "\", repo: acme/shop, tokenFile: \"" +
                         (secrets.path() / "forge-token").string() + "\"}\n";
  test::ControllerProcess controller(options);
  controller.Start();
  const bool converged = test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); });
  INFO(controller.Status().dump(2), controller.Log());
  REQUIRE(converged);

  CHECK(test::ControllerProcess::WaitFor([&] {
    auto statuses = StatusesFor(forge, commit);
    return Contains(statuses, "dflow/sync/staging success") &&
           Contains(statuses, "dflow/sync/production success");
  }));
  // Passes on an unchanged state post nothing more: at most pending, then success, per
  // environment, however many intervals pass.
  for (const auto& r : forge.Requests())
    CHECK(r.auth == "Bearer " + std::string(test::kFakeForgeToken));
  CHECK(forge.Requests().size() <= 4);
  CHECK(controller.Log().find(test::kFakeForgeToken) == std::string::npos);

  test::HttpReply badge = test::HttpGet(controller.url("/badge/staging.svg"));
  CHECK(badge.status == 200);
  CHECK(badge.headers["content-type"] == "image/svg+xml");
  CHECK(badge.headers["cache-control"] == "no-cache, max-age=0, must-revalidate");
  CHECK(badge.body.find("synced · healthy") != std::string::npos);
  test::HttpReply again = test::HttpGet(controller.url("/badge/staging.svg"),
                                        {"If-None-Match: " + badge.headers["etag"]});
  CHECK(again.status == 304);
  test::HttpReply json = test::HttpGet(controller.url("/badge/staging.json?revision=1"));
  CHECK(json.status == 200);
  CHECK(nlohmann::json::parse(json.body)["message"] == "synced · healthy @ " + commit.substr(0, 7));
  // production is not listed under badges.environments.
  CHECK(test::HttpGet(controller.url("/badge/production.svg")).status == 404);

  controller.Stop();
  CHECK(controller.exit_code() == 0);
}

}  // namespace
}  // namespace dflow
