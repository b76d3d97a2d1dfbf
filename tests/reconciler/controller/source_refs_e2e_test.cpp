// End to end: the apps' own repositories as `dflow run` follows them (docs/sources.md). A real
// Git repository (file://) is course-management's source: staging follows its `main`, production
// pins a tag. With a 10-minute interval, a signed push webhook from the app's repository gets the
// new commit deployed; the tag does not move; a repository that cannot be reached leaves its apps
// on the commit they run and says so on those apps only; every deploy is a release on record, and
// `dflow rollback` is a one-value commit the controller converges back to; `--now` deploys a
// release at once while the config repo is unreachable ("pinned by rollback" until Git agrees),
// and `--push` puts the commit on the followed branch.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "manifests-schema/base/digest.h"
#include "tests/support/controller_process.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/git_repo.h"
#include "tests/support/http_client.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

const std::string kStaging = "course-management-web-staging";
const std::string kProduction = "course-management-web-production";

const std::string kSecret = "app-push-secret";

// A signed GitHub push of `ref` to the repository at `repository_url` ("" for a payload that names
// no repository, as the config repo's tests send).
test::HttpReply SignedPush(const test::ControllerProcess& controller,
                           const std::string& repository_url, const std::string& ref,
                           const std::string& delivery) {
  // Each push has its own head: the controller drops a body it has seen before as a replay.
  nlohmann::json body = {{"ref", ref}, {"after", Sha256Hex(delivery).substr(0, 40)}};
  if (!repository_url.empty()) body["repository"] = {{"clone_url", repository_url}};
  const std::string text = body.dump();
  return test::HttpPost(controller.url("/api/v1/webhook"), text,
                        {"X-GitHub-Event: push", "X-GitHub-Delivery: " + delivery,
                         "X-Hub-Signature-256: sha256=" + HmacSha256Hex(kSecret, text),
                         "Content-Type: application/json"});
}

std::string AppStatusError(const nlohmann::json& status, const std::string& app) {
  for (const auto& a : status.value("apps", nlohmann::json::array()))
    if (a.value("app", "") == app) return a.value("lastError", "<none>");
  return "<missing>";
}

TEST_CASE("dflow run deploys a followed branch's new commit, a pinned tag stays") {
  test::FleetRig rig(test::kSampleRepoNodes);
  test::ScopedTempDir sources;
  test::GitRepo app(sources.path() / "course-management");
  app.Write("app.txt", "1.4.2\n");
  const std::string tagged = app.CommitAll("release 1.4.2");
  app.Git("tag -a v1.4.2 -m v1.4.2");
  app.Write("app.txt", "next\n");
  const std::string head = app.CommitAll("work on main");

  rig.PointCourseManagementAt("file://" + app.path().string(),
                              "course-management from a local repository");
  const std::size_t app_count = rig.AppCount();
  // The controller follows a bare "origin"; the rig's repository is the operator's clone.
  const fs::path origin = sources.path() / "config.git";
  rig.repo().Git("clone -q --bare " + rig.repo().path().string() + " " + origin.string());
  rig.repo().Git("remote add origin " + origin.string());

  test::ControllerProcessOptions options = rig.ControllerOptions();
  options.repo_url = "file://" + origin.string();
  options.interval = "10m";  // only the start, the webhooks and their verify passes run
  options.webhook_secret = kSecret;
  const std::string api_token = "rollback-api-token-6c1e";
  test::WriteFile(sources.path() / "api-token", api_token + "\n");
  options.extra_config = "api: {tokenFile: \"" + (sources.path() / "api-token").string() + "\"}\n";
  test::ControllerProcess controller(options);
  controller.Start();
  auto rev = [&](const std::string& node, const std::string& dokku_app) {
    return test::ConfigValue(rig, node, dokku_app, "GIT_REV");
  };
  const bool deployed = test::ControllerProcess::WaitFor([&] {
    return rev("staging-1", kStaging) == head && rev("prod-1", kProduction) == tagged &&
           test::AllSynced(controller.Status(), app_count);
  });
  INFO(controller.Status().dump(2), controller.Log());
  REQUIRE(deployed);
  CHECK(AppStatusError(controller.Status(), kStaging) == "");

  app.Write("app.txt", "pushed\n");
  const std::string pushed = app.CommitAll("a push to main");
  const std::string app_url = "file://" + app.path().string();
  CHECK(SignedPush(controller, app_url, "refs/heads/other", "d-0").status == 200);  // not followed
  // A hand-made change to another app of the node: the push's pass leaves it to a whole pass.
  rig.Dokku("staging-1", {"ps:scale", "--skip-deploy", "community-frontend-staging", "web=3"});
  auto queued = SignedPush(controller, app_url, "refs/heads/main", "d-1");
  CHECK(queued.status == 202);
  CHECK(queued.body.find("app sources") != std::string::npos);
  CHECK(test::ControllerProcess::WaitFor([&] { return rev("staging-1", kStaging) == pushed; }));
  CHECK(rev("prod-1", kProduction) == tagged);  // the tag did not move
  // The pass the moved ref started ran only that app's actions; the verify pass after it was a
  // whole one and put the other app back.
  auto passes_on_staging = [&](const std::string& trigger) {
    const auto history = nlohmann::json::parse(
        test::HttpGet(controller.url("/api/v1/history?changes=1&limit=50")).body, nullptr, false);
    std::vector<nlohmann::json> found;
    for (const auto& r : history.value("reconciles", nlohmann::json::array()))
      if (r.value("node", "") == "staging-1" && r.value("trigger", "") == trigger)
        found.push_back(r);
    return found;
  };
  CHECK(test::ControllerProcess::WaitFor([&] { return !passes_on_staging("verify").empty(); }));
  const auto moved_passes = passes_on_staging("source ref moved");
  REQUIRE(moved_passes.size() == 1);
  for (const auto& action : moved_passes[0]["actions"]) CHECK(action["app"] == kStaging);
  CHECK(test::ControllerProcess::WaitFor([&] {
    for (const auto& r : passes_on_staging("verify"))
      for (const auto& action : r["actions"])
        if (action["app"] == "community-frontend-staging") return true;
    return false;
  }));
  CHECK(controller.Log().find("moved: " + head.substr(0, 12) + " -> " + pushed.substr(0, 12)) !=
        std::string::npos);

  // Every deploy is a release on record, with the build Dokku made once it was observed.
  auto releases = [&] {
    auto reply =
        test::HttpGet(controller.url("/api/v1/releases?app=course-management&env=staging"));
    return nlohmann::json::parse(reply.body, nullptr, false);
  };
  const std::string pushed_source = "git file://" + app.path().string() + "#" + pushed;
  CHECK(test::ControllerProcess::WaitFor([&] {
    const nlohmann::json list = releases()["releases"];
    return !list.empty() && list[0].value("source", "") == pushed_source &&
           list[0].value("buildId", "") != "";
  }));
  const nlohmann::json newest = releases()["releases"][0];
  CHECK(newest["app"] == kStaging);
  CHECK(newest["source"] == pushed_source);
  CHECK(newest["trigger"] == "source ref moved");
  CHECK(newest["result"] == "ok");
  test::Captured listed = test::RunCapture({DFLOW_EXE, "releases", "course-management", "--env",
                                            "staging", "--server", controller.url("")},
                                           "");
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.find(kStaging) != std::string::npos);
  CHECK(listed.out.find("source ref moved") != std::string::npos);

  // The repository goes away: its apps keep their commit and say why; the others are untouched.
  fs::rename(app.path(), sources.path() / "moved-away");
  CHECK(SignedPush(controller, app_url, "refs/heads/main", "d-2").status == 202);
  CHECK(test::ControllerProcess::WaitFor([&] {
    return AppStatusError(controller.Status(), kStaging).find("source unreachable") !=
           std::string::npos;
  }));
  const nlohmann::json status = controller.Status();
  CHECK(AppStatusError(status, "community-frontend-staging") == "");
  CHECK(rev("staging-1", kStaging) == pushed);
  for (const auto& a : status["apps"])
    if (a.value("app", "") == kStaging) CHECK(a.value("sync", "") == "Synced");
  fs::rename(sources.path() / "moved-away", app.path());  // back
  CHECK(SignedPush(controller, app_url, "refs/heads/main", "d-3").status == 202);
  CHECK(test::ControllerProcess::WaitFor(
      [&] { return AppStatusError(controller.Status(), kStaging).empty(); }));

  // Rollback is a commit: one value changes, the controller converges back to that release.
  test::Captured rolled =
      test::RunCapture({DFLOW_EXE, "rollback", "course-management", "--env", "staging", "--repo",
                        rig.repo().path().string(), "--server", controller.url("")},
                       "");
  INFO(rolled.out, rolled.err);
  REQUIRE(rolled.exit_code == 0);
  const std::size_t on_branch = rolled.out.find("on branch ");
  REQUIRE(on_branch != std::string::npos);
  const std::string branch =
      rolled.out.substr(on_branch + 10, rolled.out.find('\n', on_branch) - on_branch - 10);
  const std::string diff = rig.repo().Git("diff --unified=0 main " + branch);
  CHECK(diff.find("-      ref: main") != std::string::npos);
  CHECK(diff.find("+      ref: " + head) != std::string::npos);
  int changed_lines = 0;
  for (std::size_t at = 0; (at = diff.find('\n', at)) != std::string::npos; ++at)
    if (at + 1 < diff.size() && (diff[at + 1] == '+' || diff[at + 1] == '-') &&
        diff.compare(at + 1, 3, "+++") != 0 && diff.compare(at + 1, 3, "---") != 0)
      ++changed_lines;
  CHECK(changed_lines == 2);  // one line out, one line in
  CHECK(rig.repo().Git("log -1 --format=%s " + branch).find("to release") != std::string::npos);
  rig.repo().Git("merge --ff-only " + branch);
  rig.repo().Git("push -q origin main");
  CHECK(SignedPush(controller, "", "refs/heads/main", "d-4").status == 202);  // the config repo
  CHECK(test::ControllerProcess::WaitFor([&] { return rev("staging-1", kStaging) == head; }));
  CHECK(test::ControllerProcess::WaitFor([&] {
    const auto list = releases()["releases"];
    return !list.empty() &&
           list[0].value("source", "") == "git file://" + app.path().string() + "#" + head;
  }));

  // --now while the config repo cannot be reached: the controller deploys the release before the
  // newest at once and holds it, OutOfSync, until a newer config commit is in force.
  fs::rename(origin, sources.path() / "config-away.git");
  const std::vector<std::string> rollback_now = {DFLOW_EXE,
                                                 "rollback",
                                                 "course-management",
                                                 "--env",
                                                 "staging",
                                                 "--repo",
                                                 rig.repo().path().string(),
                                                 "--server",
                                                 controller.url(""),
                                                 "--now",
                                                 "--push"};
  test::Captured without_token = test::RunCapture(rollback_now, "", {"DFLOW_API_TOKEN="});
  CHECK(without_token.exit_code == 1);
  CHECK(without_token.err.find("API token") != std::string::npos);
  test::Captured wrong_token =
      test::RunCapture(rollback_now, "", {"DFLOW_API_TOKEN=not-the-token"});
  CHECK(wrong_token.exit_code == 1);
  CHECK(wrong_token.err.find("HTTP 401") != std::string::npos);
  CHECK(rev("staging-1", kStaging) == head);

  test::Captured now = test::RunCapture(rollback_now, "", {"DFLOW_API_TOKEN=" + api_token});
  INFO(now.out, now.err);
  CHECK(now.exit_code == 1);  // deployed, but the push could not be made
  CHECK(now.out.find("deploying now: pinned by rollback") != std::string::npos);
  const std::size_t release_at = now.out.find("to release ");
  REQUIRE(release_at != std::string::npos);
  const std::string release_id =
      now.out.substr(release_at + 11, now.out.find(' ', release_at + 11) - release_at - 11);
  CHECK(test::ControllerProcess::WaitFor([&] { return rev("staging-1", kStaging) == pushed; }));
  auto staging_sync = [&] {
    const nlohmann::json now_status = controller.Status();  // the loop must not outlive it
    for (const auto& a : now_status["apps"])
      if (a.value("app", "") == kStaging) return a.value("sync", "");
    return std::string("<missing>");
  };
  CHECK(test::ControllerProcess::WaitFor([&] {
    return staging_sync() == "OutOfSync" &&
           AppStatusError(controller.Status(), kStaging).find("pinned by rollback") == 0;
  }));
  CHECK(rev("prod-1", kProduction) == tagged);  // production is not pinned
  const std::string log = controller.Log() + now.out + now.err;
  CHECK(log.find(api_token) == std::string::npos);

  // --push once the repository is back: the commit lands on main, the controller fetches it,
  // Git agrees with the pin, which is released: Synced on the same commit.
  fs::rename(sources.path() / "config-away.git", origin);
  test::Captured pushed_rollback =
      test::RunCapture({DFLOW_EXE, "rollback", "course-management", "--env", "staging", "--repo",
                        rig.repo().path().string(), "--server", controller.url(""), "--push",
                        "--branch", "rollback-pushed", "--to", release_id},
                       "");
  INFO(pushed_rollback.out, pushed_rollback.err);
  CHECK(pushed_rollback.exit_code == 0);
  CHECK(pushed_rollback.out.find("pushed to main of origin") != std::string::npos);
  CHECK(rig.repo()
            .Git("--git-dir=" + origin.string() + " log -1 --format=%s main")
            .find("to release " + release_id) != std::string::npos);
  CHECK(SignedPush(controller, "", "refs/heads/main", "d-5").status == 202);
  CHECK(test::ControllerProcess::WaitFor([&] {
    return staging_sync() == "Synced" && AppStatusError(controller.Status(), kStaging).empty();
  }));
  CHECK(rev("staging-1", kStaging) == pushed);
  CHECK(controller.Log().find("Git agrees") != std::string::npos);
}

}  // namespace
}  // namespace dflow
