// `dflow run` reads its webhook secret and its badge token secret at start and on SIGHUP, never
// per request: an unauthenticated request costs no file read, and a rotated secret takes effect
// on reload.
#include <doctest/doctest.h>
#include <signal.h>

#include <filesystem>
#include <string>

#include "manifests-schema/base/digest.h"
#include "reconciler/status/badge.h"
#include "tests/support/controller_process.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/http_client.h"

namespace dflow {
namespace {

test::HttpReply SignedPush(const test::ControllerProcess& controller, const std::string& secret,
                           const std::string& delivery) {
  const std::string body = R"({"ref":"refs/heads/main","after":")" + delivery + R"("})";
  return test::HttpPost(controller.url("/api/v1/webhook"), body,
                        {"X-GitHub-Event: push", "X-GitHub-Delivery: " + delivery,
                         "X-Hub-Signature-256: sha256=" + HmacSha256Hex(secret, body),
                         "Content-Type: application/json"});
}

TEST_CASE("the webhook secret is read at start and on SIGHUP, not on every request") {
  test::FleetRig rig({"prod-1"});
  rig.repo().CommitAll("initial");
  auto options = rig.ControllerOptions();
  options.webhook_secret = "first-secret";
  options.interval = "600s";  // only webhooks and the start trigger passes
  test::ControllerProcess controller(options);
  controller.Start();
  const std::filesystem::path file =
      std::filesystem::path(controller.config_path()).parent_path() / "webhook-secret";
  REQUIRE(std::filesystem::exists(file));
  CHECK(SignedPush(controller, "first-secret", "d-1").status == 202);

  // The file is gone: the secret read at start still answers.
  std::filesystem::remove(file);
  CHECK(SignedPush(controller, "first-secret", "d-2").status == 202);

  // A rotated secret counts only after SIGHUP; then the old one is refused.
  test::WriteFile(file, "second-secret\n");
  CHECK(SignedPush(controller, "second-secret", "d-3").status == 401);
  REQUIRE(kill(controller.pid(), SIGHUP) == 0);
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return SignedPush(controller, "second-secret", "d-4").status == 202; }));
  CHECK(SignedPush(controller, "first-secret", "d-5").status == 401);
  controller.Stop();
  CHECK(controller.exit_code() == 0);
}

TEST_CASE("the badge token secret is read at start and on SIGHUP, not on every request") {
  test::FleetRig rig(test::kSampleRepoNodes);
  rig.repo().CommitAll("initial");
  test::ScopedTempDir secrets;
  const std::filesystem::path file = secrets.path() / "badge-secret";
  test::WriteFile(file, "first-badge-secret\n");
  auto options = rig.ControllerOptions();
  options.interval = "600s";
  options.extra_config = "badges: {enabled: true, tokenSecretFile: \"" + file.string() + "\"}\n";
  test::ControllerProcess controller(options);
  controller.Start();
  const std::string path = "/badge/production.svg";
  auto badge = [&](const std::string& secret) {
    return test::HttpGet(controller.url(path + "?token=" + BadgeToken(secret, path))).status;
  };
  REQUIRE(test::ControllerProcess::WaitFor([&] { return badge("first-badge-secret") == 200; }));

  std::filesystem::remove(file);  // the secret read at start still serves
  CHECK(badge("first-badge-secret") == 200);

  test::WriteFile(file, "second-badge-secret\n");
  CHECK(badge("second-badge-secret") == 401);  // not until the reload
  REQUIRE(kill(controller.pid(), SIGHUP) == 0);
  REQUIRE(test::ControllerProcess::WaitFor([&] { return badge("second-badge-secret") == 200; }));
  CHECK(badge("first-badge-secret") == 401);
  controller.Stop();
  CHECK(controller.exit_code() == 0);
}

}  // namespace
}  // namespace dflow
