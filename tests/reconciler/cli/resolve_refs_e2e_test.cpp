// `dflow plan --resolve-refs` and `dflow apply --resolve-refs`: the CLI resolves git refs as the
// controller does (docs/sources.md), so a branch that moved is planned and deployed as its new
// commit, and the next plan is empty; without the flag the CLI trusts the commit on record.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/support/fleet_rig.h"
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
  const fs::path manifest = rig.repo().path() / "applications/course-management.yaml";
  std::string text = test::ReadFile(manifest);
  const std::string url = "https://git.example.com/learning/course-management.git";
  text.replace(text.find(url), url.size(), "file://" + app.path().string());
  test::WriteFile(manifest, text);
  rig.repo().CommitAll("course-management from a local repository");
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

}  // namespace
}  // namespace dflow
