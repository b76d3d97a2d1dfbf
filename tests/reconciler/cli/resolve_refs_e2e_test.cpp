// `dflow plan --resolve-refs` and `dflow apply --resolve-refs`: the CLI resolves git refs as the
// controller does (docs/sources.md), so a branch that moved is planned and deployed as its new
// commit, and the next plan is empty; without the flag the CLI trusts the commit on record. A
// private app repository is deployed with the secrets file's gitAuth, given to Dokku's git:auth
// on stdin.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/support/fleet_rig.h"
#include "tests/support/git_http_server.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

TEST_CASE("the CLI resolves refs when asked: a moved branch deploys its new commit") {
  test::FleetRig rig({"staging-1", "prod-1", "prod-2"});
  test::ScopedTempDir sources;
  test::GitRepo app(sources.path() / "course-management");
  app.Write("app.txt", "one\n");
  app.CommitAll("one");
  app.Git("tag -a v1.4.2 -m v1.4.2");
  rig.PointCourseManagementAt("file://" + app.path().string(),
                              "course-management from a local repository");
  const std::string repo = rig.repo().path().string();
  const std::string staging = "course-management-web-staging";

  test::Captured first = rig.Dflow({"apply", repo, "--yes", "--resolve-refs", "--env", "staging"});
  REQUIRE_MESSAGE(first.exit_code == 0, first.out << first.err);
  const std::string head = app.Git("rev-parse HEAD").substr(0, 40);
  CHECK(test::ConfigValue(rig, "staging-1", staging, "GIT_REV") == head);

  app.Write("app.txt", "two\n");
  const std::string moved = app.CommitAll("two");
  // Without the flag the commit on record is trusted: nothing to do.
  CHECK(rig.Dflow({"plan", repo, "--env", "staging", "--detailed-exitcode"}).exit_code == 0);
  test::Captured plan =
      rig.Dflow({"plan", repo, "--env", "staging", "--resolve-refs", "--detailed-exitcode"});
  CHECK(plan.exit_code == 2);
  CHECK(plan.out.find("ref main moved: " + head.substr(0, 12) + " -> " + moved.substr(0, 12)) !=
        std::string::npos);
  test::Captured apply = rig.Dflow({"apply", repo, "--yes", "--resolve-refs", "--env", "staging"});
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.out << apply.err);
  CHECK(test::ConfigValue(rig, "staging-1", staging, "GIT_REV") == moved);
  CHECK(rig.Dflow({"plan", repo, "--env", "staging", "--resolve-refs", "--detailed-exitcode"})
            .exit_code == 0);
}

TEST_CASE("a private app repository: git:auth from the secrets file, the password on stdin") {
  test::FleetRig rig({"staging-1", "prod-1", "prod-2"});
  test::ScopedTempDir sources;
  test::GitRepo app(sources.path() / "course-management");
  app.Write("app.txt", "private\n");
  const std::string head = app.CommitAll("private code");
  const std::string password = "gh-private-7f3a";
  test::GitHttpServer server(app.path(), "Basic ZGVwbG95LWJvdDpnaC1wcml2YXRlLTdmM2E=");
  rig.PointCourseManagementAt(server.Url(), "course-management from a private repository");
  const std::string repo = rig.repo().path().string();
  const std::string staging = "course-management-web-staging";

  // The rig's secrets file is the repo's example: this test writes a copy of its own.
  const fs::path secrets = sources.path() / "secrets.yaml";
  const std::string original = test::ReadFile(rig.secrets_file());
  test::WriteFile(secrets, original);
  auto dflow = [&](std::vector<std::string> args) {
    args.insert(args.begin(), DFLOW_EXE);
    for (const std::string& more :
         {std::string("--secrets"), secrets.string(), std::string("-i"), rig.identity()})
      args.push_back(more);
    return test::RunCapture(args, "");
  };

  // Without credentials the clone is refused on the node: that app fails, the others converge.
  test::Captured refused = dflow({"apply", repo, "--yes", "--env", "staging"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.find("git-auth") == std::string::npos);
  CHECK(test::ConfigValue(rig, "staging-1", staging, "GIT_REV") == "<unset>");
  CHECK(test::ConfigValue(rig, "staging-1", "community-frontend-staging", "DFLOW_MANAGED") != "");

  test::WriteFile(secrets, original +
                               "gitAuth:\n  127.0.0.1:\n    username: deploy-bot\n"
                               "    password: \"" +
                               password + "\"\n");
  test::Captured plan = dflow({"plan", repo, "--env", "staging"});
  CHECK(plan.out.find("dokku git:auth 127.0.0.1 deploy-bot") != std::string::npos);
  test::Captured apply = dflow({"apply", repo, "--yes", "--env", "staging"});
  INFO(apply.out, apply.err);
  CHECK(apply.exit_code == 0);
  CHECK(test::ConfigValue(rig, "staging-1", staging, "GIT_REV") == head);
  CHECK(dflow({"plan", repo, "--env", "staging", "--detailed-exitcode"}).exit_code == 0);
  // Dokku got it on stdin, never in argv: not in the node's command log, not in any output.
  const std::string invocations =
      test::ReadFile(rig.node("staging-1").state_dir() / "invocations.log");
  CHECK(invocations.find("git:auth") != std::string::npos);
  for (const std::string& seen :
       {invocations, refused.out, refused.err, plan.out, plan.err, apply.out, apply.err})
    CHECK(seen.find(password) == std::string::npos);

  // A bad entry is refused with its place in the file, and no value.
  test::WriteFile(secrets, original +
                               "gitAuth:\n  https://127.0.0.1:\n    username: x\n"
                               "    password: " +
                               password + "\n");
  test::Captured bad = dflow({"plan", repo, "--env", "staging"});
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("is not a host name") != std::string::npos);
  CHECK(bad.err.find(password) == std::string::npos);
}

}  // namespace
}  // namespace dflow
