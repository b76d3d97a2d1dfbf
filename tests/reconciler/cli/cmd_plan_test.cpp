// `dflow plan` as people and CI run it: the real binary on a real Git repo made from
// sample-repo/, posting to a fake forge served over real HTTP on loopback. The nodes of
// sample-repo are documentation addresses: a static plan that exits 0 never touched them.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/fake_forge.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

test::Captured Dflow(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), DFLOW_EXE);
  // The runner's own tokens must not leak into these runs.
  env.insert(
      env.begin(),
      {"DFLOW_FORGE_TOKEN=", "GITHUB_TOKEN=", "GITEA_TOKEN=", "FORGEJO_TOKEN=", "GITLAB_TOKEN="});
  return test::RunCapture(args, "", env);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr char kNewApp[] = R"(apiVersion: dflow/v1
kind: Application
metadata: {name: wiki}
spec:
  services:
    - name: web
      source: {image: "registry.example.com/wiki:1.0"}
      config: {THEME: dark}
  environments: {production: {}}
)";

// A config repo whose first commit is sample-repo/ and whose second one creates an app
// (wiki, production), changes one (community api: new image, staging web=3) and deletes one
// (assessment-engine: destroyed in staging, which prunes; orphaned in production).
class ConfigRepo {
 public:
  ConfigRepo() : repo_(dir_.path() / "config") {
    fs::copy(fs::path(DFLOW_SOURCE_DIR) / "sample-repo", repo_.path(), fs::copy_options::recursive);
    base_ = repo_.CommitAll("base");
  }

  std::string CommitChange() {
    std::string community = test::ReadFile(repo_.path() / "applications/community.yaml");
    Replace(community, "community-api:1.8.0", "community-api:1.9.0");
    Replace(community, "processes: {web: 1}}", "processes: {web: 3}}");
    repo_.Write("applications/community.yaml", community);
    fs::remove(repo_.path() / "applications/assessment-engine.yaml");
    repo_.Write("applications/wiki.yaml", kNewApp);
    return repo_.CommitAll("change");
  }

  std::string CommitBroken() {
    repo_.Write("applications/broken.yaml",
                "apiVersion: dflow/v1\nkind: Application\nmetadata: {name: broken}\nspec:\n"
                "  services:\n    - name: web\n      procesess: {web: 1}\n"
                "  environments: {production: {}}\n");
    return repo_.CommitAll("broken");
  }

  std::string Commit(const std::string& file, const std::string& content) {
    repo_.Write(file, content);
    return repo_.CommitAll("edit " + file);
  }

  std::string path() const { return repo_.path().string(); }
  const std::string& base() const { return base_; }

 private:
  static void Replace(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  }

  test::ScopedTempDir dir_;
  test::GitRepo repo_;
  std::string base_;
};

std::vector<std::string> PostArgs(const test::FakeForge& forge, const std::string& kind) {
  return {"--post", kind, "--pr", "7", "--forge-url", forge.Base(), "--forge-repo", "acme/shop"};
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The commit statuses the forge received: "sha state context".
std::vector<std::string> Statuses(test::FakeForge& forge) {
  std::vector<std::string> statuses;
  for (const auto& r : forge.Requests()) {
    const auto at = r.target.find("/statuses/");
    if (r.method != "POST" || at == std::string::npos) continue;
    auto body = nlohmann::json::parse(r.body);
    statuses.push_back(r.target.substr(at + 10) + " " + body.at("state").get<std::string>() + " " +
                       body.at("context").get<std::string>());
  }
  return statuses;
}

TEST_CASE("a static plan between two commits shows apps created, changed and deleted") {
  ConfigRepo repo;
  const std::string head = repo.CommitChange();
  test::Captured text = Dflow({"plan", repo.path(), "--base", repo.base(), "--head", head});
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(Contains(text.out, "  1. create-app wiki-web-production: app missing\n"));
  CHECK(Contains(text.out,
                 "deploy-image community-api-staging: image "
                 "registry.example.com/learning/community-api:1.9.0 is not deployed\n"));
  CHECK(Contains(text.out, "scale community-api-staging: scale web=3\n"));
  CHECK(Contains(text.out,
                 "  !! DESTROY app assessment-engine-web-staging: "
                 "staging/assessment-engine/web is no longer in the repo (pruning on)\n"));
  CHECK(Contains(text.out,
                 "  - orphan assessment-engine-web-production: orphaned: "
                 "production/assessment-engine/web is no longer in the repo (pruning "
                 "off)\n"));

  // Any revspec will do, and markdown carries the per-environment summary.
  test::Captured md =
      Dflow({"plan", repo.path(), "--base", "HEAD~1", "--head", "main", "--format", "markdown"});
  REQUIRE(md.exit_code == 0);
  CHECK(Contains(md.out, "### dflow plan: base HEAD\\~1 → head " + head.substr(0, 12) + "\n"));
  CHECK(Contains(md.out,
                 "**Summary:** production: 1 app created, 1 changed, 2 orphaned (kept); "
                 "staging: 1 app changed, 2 deleted\n"));
  CHECK(Contains(md.out, "> - destroy app <code>assessment-engine-web-staging</code>"));

  // JSON adds what came and went to the node plans.
  test::Captured json =
      Dflow({"plan", repo.path(), "--base", repo.base(), "--head", head, "--format", "json"});
  REQUIRE(json.exit_code == 0);
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["nodes"].size() == 3);
  CHECK(parsed["destructive"] == 2);
  CHECK(parsed["nodes_added"] == nlohmann::json::array());
  CHECK(parsed["environments_removed"] == nlohmann::json::array());

  // Same revision twice: nothing to do.
  test::Captured same =
      Dflow({"plan", repo.path(), "--base", head, "--head", head, "--detailed-exitcode"});
  CHECK(same.exit_code == 0);
  CHECK(same.out ==
        "node prod-1: no changes\nnode prod-2: no changes\nnode staging-1: no changes\n");
  test::Captured changes = Dflow({"plan", repo.path(), "--base", repo.base(), "--head", head,
                                  "--detailed-exitcode", "--env", "staging"});
  CHECK(changes.exit_code == 2);
  CHECK(changes.out.starts_with("node staging-1: 5 changes, 2 destructive\n"));  // no edge:
  // production's edge-1 shows with --env production only.
  test::Captured production =
      Dflow({"plan", repo.path(), "--base", repo.base(), "--head", head, "--env", "production"});
  CHECK(
      production.out.starts_with("edge edge-1: route wiki-web-production.learn.example.com "
                                 "added (service dflow-wiki-web-production)\n"
                                 "edge edge-1: route exams.example.com removed"));
  CHECK_FALSE(Contains(
      Dflow({"plan", repo.path(), "--base", repo.base(), "--head", head, "--node", "prod-1"}).out,
      "edge edge-1"));
}

TEST_CASE("--post creates the PR comment once, later runs edit it, and sets dflow/plan") {
  ConfigRepo repo;
  const std::string first_head = repo.CommitChange();
  test::FakeForge forge(ForgeKind::kGitHub);
  forge.AddComment("LGTM");
  const std::string token_env = std::string("GITHUB_TOKEN=") + test::kFakeForgeToken;

  test::Captured first =
      Dflow(Concat({"plan", repo.path(), "--base", repo.base(), "--head", first_head},
                   PostArgs(forge, "github")),
            {token_env});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  std::vector<std::string> bodies = forge.Bodies();
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[1].starts_with(std::string(kPlanCommentMarker) + "\n### dflow plan: base "));
  CHECK(Contains(bodies[1], "production: 1 app created, 1 changed"));
  CHECK(Statuses(forge) == std::vector<std::string>{first_head + " success dflow/plan"});
  CHECK(Contains(first.err, "plan posted to github acme/shop #7 (token from GITHUB_TOKEN)"));
  CHECK_FALSE(Contains(first.out + first.err, test::kFakeForgeToken));

  std::string wiki = kNewApp;
  wiki.replace(wiki.find("dark"), 4, "light");
  const std::string second_head = repo.Commit("applications/wiki.yaml", wiki);
  test::Captured second =
      Dflow(Concat({"plan", repo.path(), "--base", repo.base(), "--head", second_head},
                   PostArgs(forge, "github")),
            {"DFLOW_FORGE_TOKEN=" + std::string(test::kFakeForgeToken)});
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  bodies = forge.Bodies();
  REQUIRE(bodies.size() == 2);  // edited, not duplicated
  CHECK(bodies[0] == "LGTM");
  CHECK(Contains(bodies[1], "THEME=light"));
  CHECK(forge.Methods() == std::vector<std::string>{"GET", "POST", "POST", "GET", "PATCH", "POST"});
  CHECK(Statuses(forge) == std::vector<std::string>{first_head + " success dflow/plan",
                                                    second_head + " success dflow/plan"});
}

TEST_CASE("a head that does not validate: errors with file:line, failure status, exit 1") {
  ConfigRepo repo;
  const std::string head = repo.CommitBroken();
  test::FakeForge forge(ForgeKind::kGitea);
  test::Captured run = Dflow(Concat({"plan", repo.path(), "--base", repo.base(), "--head", head},
                                    PostArgs(forge, "gitea")),
                             {std::string("GITEA_TOKEN=") + test::kFakeForgeToken});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(Contains(run.err, "applications/broken.yaml:7:7: unknown field 'procesess'"));
  CHECK(run.out == "");  // text format: the errors went to stderr
  REQUIRE(forge.Bodies().size() == 1);
  const std::string body = forge.Bodies()[0];
  CHECK(Contains(body, ":x: **The head does not validate** (2 errors)"));
  CHECK(Contains(body,
                 "- <code>applications/broken.yaml:7:7</code> error: unknown field "
                 "'procesess'"));
  CHECK(Statuses(forge) == std::vector<std::string>{head + " failure dflow/plan"});
}

TEST_CASE("a forge API error is a clear message and exit 1, without the token") {
  ConfigRepo repo;
  const std::string head = repo.CommitChange();
  test::FakeForge forge(ForgeKind::kGitHub);
  forge.FailWith(500, R"({"message":"database on fire"})");
  test::Captured run = Dflow(Concat({"plan", repo.path(), "--base", repo.base(), "--head", head},
                                    PostArgs(forge, "github")),
                             {std::string("GITHUB_TOKEN=") + test::kFakeForgeToken});
  CHECK(run.exit_code == 1);
  CHECK(Contains(run.err, "dflow: post plan comment to github: "));
  CHECK(Contains(run.err, "HTTP 500"));
  CHECK(Contains(run.err, "database on fire"));
  CHECK_FALSE(Contains(run.out + run.err, test::kFakeForgeToken));

  // No token at all: said before any request is made.
  test::FakeForge quiet(ForgeKind::kGitHub);
  test::Captured no_token = Dflow(Concat(
      {"plan", repo.path(), "--base", repo.base(), "--head", head}, PostArgs(quiet, "github")));
  CHECK(no_token.exit_code == 1);
  CHECK(Contains(no_token.err,
                 "dflow plan: --post github: no token; set DFLOW_FORGE_TOKEN or GITHUB_TOKEN\n"));
  CHECK(quiet.Requests().empty());
}

TEST_CASE("a base that does not validate: the head is planned against empty nodes, said") {
  ConfigRepo repo;
  const std::string broken = repo.CommitBroken();
  const std::string head = repo.Commit("applications/broken.yaml", "# emptied\n");
  test::Captured run =
      Dflow({"plan", repo.path(), "--base", broken, "--head", head, "--format", "markdown"});
  CHECK(run.exit_code == 0);
  CHECK(Contains(run.err, "dflow: warning: base "));
  CHECK(Contains(run.out, "- :warning: base "));
  CHECK(Contains(run.out, "does not validate; the head is planned against empty nodes\n"));
  CHECK(Contains(run.out,
                 "- nodes added: <code>prod-1</code>, <code>prod-2</code>, "
                 "<code>staging-1</code>\n"));
}

TEST_CASE("--live --head REV plans a commit against the real nodes, in markdown too") {
  test::FleetRig rig({"prod-1", "prod-2", "staging-1"});
  const std::string head = rig.repo().CommitAll("fleet");
  rig.repo().Write("applications/wiki.yaml", kNewApp);  // uncommitted: not part of the head
  test::Captured run =
      Dflow({"plan", rig.repo().path().string(), "--live", "--head", head, "--secrets",
             rig.secrets_file(), "-i", rig.identity(), "--format", "markdown"},
            {"HOME=" + rig.repo().path().string()});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(Contains(run.out, "### dflow plan: head " + head.substr(0, 12) + " against the nodes\n"));
  CHECK(Contains(run.out,
                 "**Summary:** production: 9 apps created; staging: 8 apps created; "
                 "32 node-level changes\n"));
  CHECK_FALSE(Contains(run.out, "wiki"));
  CHECK_FALSE(Contains(run.out, "WARNING"));
}

TEST_CASE("plan flags that contradict each other are usage errors") {
  ConfigRepo repo;
  CHECK(Dflow({"plan", repo.path(), "--live", "--base", "HEAD"}).exit_code == 64);
  test::Captured no_pr = Dflow({"plan", repo.path(), "--base", "HEAD", "--head", "HEAD", "--post",
                                "github", "--forge-repo", "a/b"});
  CHECK(no_pr.exit_code == 64);
  CHECK(Contains(no_pr.err, "--post needs --pr N"));
  test::Captured bad_base = Dflow({"plan", repo.path(), "--base", "no-such-branch"});
  CHECK(bad_base.exit_code == 1);
  CHECK(Contains(bad_base.err, "dflow: base: "));
}

}  // namespace
}  // namespace dflow
