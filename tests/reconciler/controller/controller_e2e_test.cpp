// End to end: `dflow run` as a real process, following a real Git repo, keeping three simulated
// nodes (real sshd) converged. Waits are generous bounds on outcomes, never timings.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "manifests-schema/base/digest.h"
#include "reconciler/server/webhook.h"
#include "tests/support/controller_process.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/http_client.h"

namespace dflow {
namespace {

const std::string kWebhookSecret = "webhook-secret-for-tests";
const std::string kApp = "course-management-web-staging";

// How many Dokku apps the rig's repo declares (the status lists each once it was seen).
test::ControllerProcessOptions OptionsFor(const test::FleetRig& rig) {
  test::ControllerProcessOptions options = rig.ControllerOptions();
  options.webhook_secret = kWebhookSecret;
  return options;
}

// Rewrites `from` to `to` in a repo file (the test's edit of the config repo).
void Edit(const test::FleetRig& rig, const std::string& file, const std::string& from,
          const std::string& to) {
  std::string text = test::ReadFile(rig.repo().path() / file);
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  test::WriteFile(rig.repo().path() / file, text);
}

test::HttpReply PushWebhook(const test::ControllerProcess& controller, const std::string& commit,
                            const std::string& secret, const std::string& delivery) {
  const std::string body = R"({"ref":"refs/heads/main","after":")" + commit + R"("})";
  return test::HttpPost(controller.url("/api/v1/webhook"), body,
                        {"X-GitHub-Event: push", "X-GitHub-Delivery: " + delivery,
                         "X-Hub-Signature-256: sha256=" + HmacSha256Hex(secret, body),
                         "Content-Type: application/json"});
}

TEST_CASE("dflow run converges a commit, applies a pushed change, and puts drift back") {
  test::FleetRig rig(test::kSampleRepoNodes);
  const std::size_t app_count = rig.AppCount();
  rig.repo().CommitAll("initial sample repo");
  test::ControllerProcess controller(OptionsFor(rig));
  controller.Start();
  const bool converged = test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); });
  INFO(controller.Status().dump(2), controller.Log());
  REQUIRE(converged);
  CHECK(test::ConfigValue(rig, "staging-1", kApp, "UPLOAD_LIMIT_MB") == "50");

  Edit(rig, "applications/course-management.yaml", "UPLOAD_LIMIT_MB: 50", "UPLOAD_LIMIT_MB: 75");
  const std::string commit = rig.repo().CommitAll("raise the upload limit");
  auto accepted = PushWebhook(controller, commit, kWebhookSecret, "delivery-1");
  CHECK(accepted.status == 202);
  CHECK(test::ControllerProcess::WaitFor(
      [&] { return test::ConfigValue(rig, "staging-1", kApp, "UPLOAD_LIMIT_MB") == "75"; }));
  CHECK(test::ControllerProcess::WaitFor([&] {
    auto status = controller.Status();
    return status["source"].value("appliedRevision", "") == commit &&
           test::AllSynced(status, app_count);
  }));
  auto repeat = PushWebhook(controller, commit, kWebhookSecret, "delivery-1");
  CHECK(repeat.status == 200);
  CHECK(repeat.body.find("delivery already seen") != std::string::npos);

  // By hand on the node: the next interval puts the repo's value back.
  REQUIRE(
      rig.Dokku("staging-1", {"config:set", "--no-restart", kApp, "UPLOAD_LIMIT_MB=1"}).exit_code ==
      0);
  CHECK(test::ControllerProcess::WaitFor(
      [&] { return test::ConfigValue(rig, "staging-1", kApp, "UPLOAD_LIMIT_MB") == "75"; }));
  // Counted when the pass ends, after the value is back (a restart follows the config:set).
  CHECK(test::ControllerProcess::WaitFor([&] {
    return test::HttpGet(controller.url("/metrics"))
               .body.find("dflow_drift_corrections_total{node=\"staging-1\"}") != std::string::npos;
  }));

  controller.Stop();
  CHECK(controller.exit_code() == 0);
}

TEST_CASE("a bad webhook signature gets 401 and changes nothing") {
  test::FleetRig rig({"staging-1"});
  rig.repo().CommitAll("initial");
  test::ControllerProcess controller(OptionsFor(rig));
  controller.Start();
  auto forged = PushWebhook(controller, "0000", "not-the-secret", "d-2");
  CHECK(forged.status == 401);
  auto unsigned_push = test::HttpPost(controller.url("/api/v1/webhook"), "{}", {});
  CHECK(unsigned_push.status == 401);
  auto oversized = test::HttpPost(controller.url("/api/v1/webhook"), std::string(2 << 20, 'x'));
  CHECK(oversized.status == 413);
}

TEST_CASE("an invalid commit changes no node and its errors show in the status") {
  test::FleetRig rig(test::kSampleRepoNodes);
  const std::size_t app_count = rig.AppCount();
  const std::string good = rig.repo().CommitAll("initial");
  test::ControllerProcess controller(OptionsFor(rig));
  controller.Start();
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); }));
  std::map<std::string, int> changing;
  for (const auto& n : test::kSampleRepoNodes) changing[n] = rig.ChangingInvocations(n);

  Edit(rig, "applications/course-management.yaml", "UPLOAD_LIMIT_MB: 50",
       "UPLOAD_LIMIT_MB: 75\n      procesess: {web: 9}");
  const std::string bad = rig.repo().CommitAll("typo");
  REQUIRE(PushWebhook(controller, bad, kWebhookSecret, "d-3").status == 202);
  CHECK(test::ControllerProcess::WaitFor([&] {
    auto source = controller.Status()["source"];
    return source.value("attemptedRevision", "") == bad;
  }));
  auto source = controller.Status()["source"];
  CHECK(source.value("appliedRevision", "") == good);
  CHECK(std::regex_search(source.value("error", ""),
                          std::regex("applications/course-management.yaml:[0-9]+:[0-9]+: ")));
  CHECK(test::ConfigValue(rig, "staging-1", kApp, "UPLOAD_LIMIT_MB") == "50");
  for (const auto& n : test::kSampleRepoNodes) CHECK(rig.ChangingInvocations(n) == changing[n]);
}

TEST_CASE("a dead node does not hold the others back and converges when it returns") {
  test::FleetRig rig(test::kSampleRepoNodes);
  const std::size_t app_count = rig.AppCount();
  rig.repo().CommitAll("initial");
  rig.node("prod-2").Kill();
  test::ControllerProcess controller(OptionsFor(rig));
  controller.Start();
  // The apps of the status by node (dead prod-2 or the others) and by sync state.
  struct Counts {
    std::size_t dead = 0, dead_unknown = 0, others = 0, others_synced = 0;
  };
  auto count = [&] {
    Counts counts;
    const nlohmann::json status = controller.Status();
    if (!status.contains("apps")) return counts;
    for (const auto& app : status["apps"]) {
      const bool dead = app["node"] == "prod-2";
      (dead ? counts.dead : counts.others) += 1;
      if (dead && app["sync"] == "Unknown") ++counts.dead_unknown;
      if (!dead && app["sync"] == "Synced") ++counts.others_synced;
    }
    return counts;
  };
  REQUIRE(test::ControllerProcess::WaitFor([&] {
    Counts counts = count();
    return counts.others > 0 && counts.others_synced == counts.others && counts.dead > 0 &&
           counts.dead + counts.others == app_count;  // every node's apps are listed
  }));
  const Counts counts = count();
  CHECK(counts.dead > 0);
  CHECK(counts.dead_unknown == counts.dead);  // prod-2's apps are all shown, all Unknown
  CHECK(counts.others > 0);
  CHECK(counts.others_synced == counts.others);  // the other nodes converged without it
  rig.node("prod-2").Restart();
  CHECK(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); }));
}

TEST_CASE("SIGKILL in the middle of an apply, then a restart, converges with history intact") {
  test::SshdNodeOptions slow;  // every Dokku call takes a while, so the kill lands mid-apply
  slow.dokku_script =
      std::string("#!/bin/sh\nDOKKU_SIM_DELAY_MS=150 exec ") + DFLOW_DOKKU_SIM_EXE + " \"$@\"\n";
  test::FleetRig rig(test::kSampleRepoNodes, test::LoginStyle::kShellUser, slow);
  const std::size_t app_count = rig.AppCount();
  rig.repo().CommitAll("initial");
  test::ControllerProcess controller(OptionsFor(rig));
  controller.Start();
  auto actions_recorded = [&] {
    auto history = nlohmann::json::parse(
        test::HttpGet(controller.url("/api/v1/history?changes=1")).body, nullptr, false);
    if (history.is_discarded()) return 0;
    int actions = 0;
    for (const auto& reconcile : history["reconciles"])
      actions = std::max(actions, static_cast<int>(reconcile["actions"].size()));
    return actions;
  };
  const bool mid_apply = test::ControllerProcess::WaitFor([&] { return actions_recorded() >= 3; });
  INFO(controller.Log(), test::HttpGet(controller.url("/api/v1/history")).body);
  REQUIRE(mid_apply);
  controller.Kill();
  controller.Start();
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); }));
  auto history =
      nlohmann::json::parse(test::HttpGet(controller.url("/api/v1/history?limit=500")).body);
  // The node passes; the edge's loop (edge/edge-1) records its own.
  std::vector<nlohmann::json> reconciles;
  for (const auto& reconcile : history["reconciles"])
    if (reconcile.value("node", "").rfind("edge/", 0) != 0) reconciles.push_back(reconcile);
  REQUIRE(reconciles.size() >= 2);
  // The killed passes are recorded as interrupted, with the actions they had run. (Several
  // nodes were mid-pass: the oldest record may be one that had run none yet.)
  std::size_t interrupted = 0, most_actions = 0;
  for (const auto& reconcile : reconciles) {
    if (reconcile["result"] != "interrupted") continue;
    ++interrupted;
    most_actions = std::max(most_actions, reconcile["actions"].size());
  }
  CHECK(interrupted >= 1);
  CHECK(most_actions >= 3);
  // Every pass is in the history: once converged, the passes that ran nothing are there too,
  // folded per node (each record counts its passes).
  REQUIRE(test::ControllerProcess::WaitFor([&] {
    auto now = nlohmann::json::parse(
        test::HttpGet(controller.url("/api/v1/history?limit=500")).body, nullptr, false);
    for (const auto& reconcile : now["reconciles"])
      if (reconcile["result"] == "converged" && reconcile["node"] == "staging-1" &&
          reconcile["passes"].get<int>() >= 1)
        return true;
    return false;
  }));
  auto changes_only = nlohmann::json::parse(
      test::HttpGet(controller.url("/api/v1/history?limit=500&changes=1")).body);
  for (const auto& reconcile : changes_only["reconciles"])
    CHECK(reconcile["result"] != "converged");
  // No app was created twice: every apps:create on the node succeeded.
  std::ifstream log(rig.node("staging-1").state_dir() / "invocations.log");
  for (std::string line; std::getline(log, line);) {
    if (line.find("\"apps:create\"") == std::string::npos) continue;
    CAPTURE(line);
    CHECK(line.find("\"exit\":0") != std::string::npos);
  }
}

}  // namespace
}  // namespace dflow
