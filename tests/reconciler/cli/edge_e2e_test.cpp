// An edge end to end (docs/edge.md): `dflow apply` on the sample repo with production behind an
// edge (a real sshd, logged in as a shell user) converges the nodes and writes the edge's file in
// one pass; the next plan is empty and the next apply writes nothing; taking a node out of a
// service's placement removes exactly its server line from the file.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/fleet_rig.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Gives the rig's nodes private addresses 10.10.0.11, .12, ... in name order.
void AddPrivateHosts(const test::FleetRig& rig) {
  const fs::path path = rig.repo().path() / "nodes" / "nodes.yaml";
  std::string out;
  int next = 11;
  for (const std::string& line : SplitLines(test::ReadFile(path))) {
    if (line.rfind("spec: {host: 127.0.0.1", 0) == 0 && line.back() == '}')
      out += line.substr(0, line.size() - 1) + ", privateHost: 10.10.0." + std::to_string(next++) +
             "}\n";
    else
      out += line + "\n";
  }
  rig.repo().Write("nodes/nodes.yaml", out);
}

constexpr char kProduction[] = R"(apiVersion: dflow/v1
kind: Environment
metadata: {name: production}
spec:
  nodes: [prod-1, prod-2]
  domain: learn.example.com
  config: {LOG_LEVEL: info, APP_ENV: production}
)";

std::string EdgeManifest(const test::SshdNode& edge, const fs::path& dynamic) {
  return "apiVersion: dflow/v1\nkind: Edge\nmetadata: {name: edge-1}\nspec:\n  host: 127.0.0.1\n"
         "  port: " +
         std::to_string(edge.port()) + "\n  user: " + edge.user() + "\n  hostKey: \"" +
         edge.host_key_fingerprint() +
         "\"\n  environments: [production]\n  configDir: " + dynamic.string() + "\n";
}

ino_t Inode(const fs::path& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

TEST_CASE("edge: one apply converges nodes and edge; a node leaving a placement leaves the file") {
  test::FleetRig rig(test::kSampleRepoNodes);
  test::SshdNode edge;
  test::ScopedTempDir dir;
  const fs::path dynamic = dir.path() / "dynamic";
  fs::create_directory(dynamic);
  const fs::path file = dynamic / "dflow.yml";
  AddPrivateHosts(rig);
  rig.repo().Write("environments/production.yaml", kProduction);
  rig.repo().Write("edges/edge.yaml", EdgeManifest(edge, dynamic));
  rig.repo().CommitAll("production behind edge-1");
  const std::string repo = rig.repo().path().string();

  test::Captured apply = rig.Dflow({"apply", repo, "--yes"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.exit_code == 0);
  CHECK(apply.out.find("edge edge-1 (") != std::string::npos);
  CHECK(apply.out.find("[edge edge-1] ok: wrote " + file.string()) != std::string::npos);
  const test::Captured config =
      test::RunCapture({DFLOW_EXE, "edge", "config", "production", repo}, "");
  REQUIRE(config.exit_code == 0);
  CHECK(test::ReadFile(file) == config.out);
  CHECK(config.out.find("          - url: \"http://10.10.0.11:80\"\n"
                        "          - url: \"http://10.10.0.12:80\"\n") != std::string::npos);
  // The nodes behind the edge: nginx trusting its headers, no certificates of their own.
  CHECK(rig.Dokku("prod-1", {"nginx:report", "--global", "--format", "json"})
            .out.find("\"global-x-forwarded-proto-value\":\"$http_x_forwarded_proto\"") !=
        std::string::npos);

  const test::Captured plan = rig.Dflow({"plan", repo, "--detailed-exitcode"});
  CHECK_MESSAGE(plan.exit_code == 0, plan.out << plan.err);
  CHECK(plan.out.find(file.string() + " is up to date") != std::string::npos);
  const ino_t before = Inode(file);
  test::Captured again = rig.Dflow({"apply", repo, "--yes"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("Nothing to do: every node and edge matches the repo.") !=
        std::string::npos);
  CHECK(Inode(file) == before);

  // community-frontend leaves prod-2: exactly its server line goes.
  const std::string old_document = test::ReadFile(file);
  std::string community = test::ReadFile(rig.repo().path() / "applications/community.yaml");
  const std::string pinned = "        api: {placement: {nodes: [prod-1]}}";
  REQUIRE(community.find(pinned) != std::string::npos);
  community.replace(community.find(pinned), pinned.size(),
                    pinned + "\n        frontend: {placement: {nodes: [prod-1]}}");
  rig.repo().Write("applications/community.yaml", community);
  rig.repo().CommitAll("community-frontend on prod-1 only");
  // A pull request's plan says it from the two revisions alone.
  const test::Captured review = test::RunCapture(
      {DFLOW_EXE, "plan", repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown"}, "");
  CHECK(review.exit_code == 0);
  CHECK(review.out.find("edge edge-1: service dflow-community-frontend-production: server "
                        "http://10.10.0.12:80 removed") != std::string::npos);
  const test::Captured moved = rig.Dflow({"plan", repo, "--detailed-exitcode"});
  CHECK(moved.exit_code == 2);
  CHECK(moved.out.find("edge edge-1 (") != std::string::npos);
  CHECK(moved.out.find(": write " + file.string()) != std::string::npos);
  test::Captured applied = rig.Dflow({"apply", repo, "--yes"});
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  std::vector<std::string> old_lines = SplitLines(old_document);
  const std::vector<std::string> new_lines = SplitLines(test::ReadFile(file));
  REQUIRE(old_lines.size() == new_lines.size() + 1);
  std::size_t gone = 0;
  while (gone < new_lines.size() && old_lines[gone] == new_lines[gone]) ++gone;
  CHECK(old_lines[gone] == "          - url: \"http://10.10.0.12:80\"");
  old_lines.erase(old_lines.begin() + static_cast<std::ptrdiff_t>(gone));
  CHECK(old_lines == new_lines);
  std::string owner;  // the service the removed line belonged to
  for (std::size_t i = 0; i < gone; ++i)
    if (old_lines[i].rfind("    dflow-", 0) == 0) owner = old_lines[i];
  CHECK(owner == "    dflow-community-frontend-production:");
}

}  // namespace
}  // namespace dflow
