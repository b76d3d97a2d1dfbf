// The sample repo's edge end to end (issue 16's "done when"): on the simulated fleet, with
// production behind edge-1 (a real sshd where dflow logs in as a shell user), one `dflow apply`
// converges the nodes and writes the edge's file, which routes community.example.com to both
// production nodes; a second apply writes nothing; taking prod-2 out of community-frontend's
// placement removes exactly its server line from the file.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/fake_traefik_api.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/process.h"

// Named, because the folder's tests are compiled as one unity file.
namespace dflow::sample_edge_e2e_test {
namespace {

namespace fs = std::filesystem;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The file's identity and last change: a rewrite (temp file, rename) changes the inode.
struct FileStamp {
  ino_t inode = 0;
  timespec mtime{};
  bool operator==(const FileStamp& o) const {
    return inode == o.inode && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

FileStamp Stamp(const fs::path& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return {st.st_ino, st.st_mtim};
}

// The server lines of service `service` in an edge document, in order.
std::vector<std::string> ServersOf(const std::string& document, const std::string& service) {
  std::vector<std::string> servers;
  bool inside = false;
  for (const std::string& line : Lines(document)) {
    if (line.rfind("    ", 0) == 0 && line.size() > 4 && line[4] != ' ')
      inside = line == "    " + service + ":";
    else if (inside && line.rfind("          - url: ", 0) == 0)
      servers.push_back(line.substr(17));
  }
  return servers;
}

// Makes `api` answer as a Traefik that took `document`: every router enabled, every server UP.
void ServeAsTaken(test::FakeTraefikApi& api, const std::string& document) {
  nlohmann::json routers = nlohmann::json::array(), services = nlohmann::json::array();
  std::string section;
  for (const std::string& line : Lines(document)) {
    if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      section = line.substr(2);
    } else if (line.rfind("    ", 0) == 0 && line.size() > 4 && line[4] != ' ') {
      const std::string name = line.substr(4, line.size() - 5) + "@file";
      if (section == "routers:")
        routers.push_back({{"name", name}, {"provider", "file"}, {"status", "enabled"}});
      if (section == "services:")
        services.push_back({{"name", name}, {"provider", "file"}, {"serverStatus", {}}});
    } else if (section == "services:" && line.rfind("          - url: \"", 0) == 0) {
      services.back()["serverStatus"][line.substr(18, line.size() - 19)] = "UP";
    }
  }
  api.Set("http/routers", routers.dump());
  api.Set("http/services", services.dump());
}

std::string ServerLine(const test::FleetRig& rig, const std::string& node) {
  return "          - url: \"http://" + rig.PrivateHost(node) + ":80\"";
}

TEST_CASE(
    "sample edge: one apply converges nodes and edge, a second writes nothing, a node leaving a "
    "placement leaves the file") {
  test::FleetRig rig(test::kSampleRepoNodes);
  rig.repo().CommitAll("sample repo");
  const std::string repo = rig.repo().path().string();
  const fs::path file = rig.edge_file();

  const test::Captured apply = rig.Dflow({"apply", repo, "--yes"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.exit_code == 0);
  CHECK(Contains(apply.out, "[edge edge-1] ok: wrote " + file.string()));
  const test::Captured plan = rig.Dflow({"plan", repo, "--detailed-exitcode"});
  CHECK_MESSAGE(plan.exit_code == 0, plan.out << plan.err);
  CHECK(Contains(plan.out, "edge edge-1 (" + rig.edge().user() +
                               "@127.0.0.1:" + std::to_string(rig.edge().port()) +
                               "): " + file.string() + " is up to date"));

  // The file is the repo's document: community.example.com routed to prod-1 and prod-2.
  const std::string document = rig.EdgeDocument();
  const test::Captured config =
      test::RunCapture({DFLOW_EXE, "edge", "config", "production", repo}, "");
  REQUIRE(config.exit_code == 0);
  CHECK(document == config.out);
  CHECK(Contains(document,
                 "    dflow-community-example-com:\n"
                 "      entryPoints:\n"
                 "        - \"websecure\"\n"
                 "      rule: \"Host(`community.example.com`)\"\n"
                 "      service: \"dflow-community-frontend-production\"\n"));
  CHECK(ServersOf(document, "dflow-community-frontend-production") ==
        std::vector<std::string>{"\"http://" + rig.PrivateHost("prod-1") + ":80\"",
                                 "\"http://" + rig.PrivateHost("prod-2") + ":80\""});
  CHECK_FALSE(Contains(document, "staging"));  // staging is behind no edge
  // The nodes behind the edge: nginx trusting its headers, no certificates of their own.
  for (const std::string node : {"prod-1", "prod-2"}) {
    CAPTURE(node);
    const std::string nginx = rig.Dokku(node, {"nginx:report", "--global", "--format", "json"}).out;
    CHECK(Contains(nginx, "\"global-x-forwarded-proto-value\":\"$http_x_forwarded_proto\""));
    const std::string proxy = rig.Dokku(node, {"proxy:report", "--global", "--format", "json"}).out;
    CHECK_FALSE(Contains(proxy, "\"global-type\":\"traefik\""));  // Dokku's nginx stays
  }

  // What Traefik made of it, read on the edge: nothing answers at its apiUrl yet, so the file
  // is right but the check fails; a Traefik that took the file serves production.
  const std::vector<std::string> check = {DFLOW_EXE, "edge", "check",       "production",
                                          repo,      "-i",   rig.identity()};
  const test::Captured no_api = test::RunCapture(check, "");
  INFO(no_api.out << no_api.err);
  CHECK(no_api.exit_code == 1);
  CHECK(Contains(no_api.out, "  OK    file " + file.string() + ": as the config repo says"));
  test::FakeTraefikApi api(rig.edge_api_port());
  ServeAsTaken(api, document);
  const test::Captured served = test::RunCapture(check, "");
  INFO(served.out << served.err);
  CHECK(served.exit_code == 0);
  CHECK(Contains(served.out, "  OK    routes: Healthy (7 router(s), 7 service(s))\n"));
  CHECK(Contains(served.out, "edge-1 serves production\n"));

  // A second apply writes nothing: the same file, untouched, and the output says so.
  const FileStamp before = Stamp(file);
  const test::Captured again = rig.Dflow({"apply", repo, "--yes"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(Contains(again.out, "Nothing to do: every node and edge matches the repo."));
  CHECK_FALSE(Contains(again.out, "[edge edge-1]"));
  CHECK(Stamp(file) == before);
  CHECK(rig.EdgeDocument() == document);

  // prod-2 leaves community-frontend's placement: exactly its server line goes.
  const std::string old_document = document;
  REQUIRE(Contains(old_document, ServerLine(rig, "prod-2")));

  std::string community = test::ReadFile(rig.repo().path() / "applications/community.yaml");
  const std::string pinned = "        api: {placement: {nodes: [prod-1]}}";
  REQUIRE(Contains(community, pinned));
  community.replace(community.find(pinned), pinned.size(),
                    pinned + "\n        frontend: {placement: {nodes: [prod-1]}}");
  rig.repo().Write("applications/community.yaml", community);
  rig.repo().CommitAll("community-frontend on prod-1 only");
  // A pull request's plan says it from the two revisions alone.
  const test::Captured review = test::RunCapture(
      {DFLOW_EXE, "plan", repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown"}, "");
  CHECK(review.exit_code == 0);
  CHECK(Contains(review.out,
                 "edge edge-1: service dflow-community-frontend-production: server "
                 "http://" +
                     rig.PrivateHost("prod-2") + ":80 removed"));
  const test::Captured moved = rig.Dflow({"plan", repo, "--detailed-exitcode"});
  CHECK(moved.exit_code == 2);
  CHECK(Contains(moved.out, ": write " + rig.edge_file().string()));

  const test::Captured applied = rig.Dflow({"apply", repo, "--yes"});
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  CHECK(rig.Dflow({"plan", repo, "--detailed-exitcode"}).exit_code == 0);
  // Line by line: the new document is the old one without prod-2's line of that service.
  std::vector<std::string> old_lines = Lines(old_document);
  const std::vector<std::string> new_lines = Lines(rig.EdgeDocument());
  REQUIRE(old_lines.size() == new_lines.size() + 1);
  std::size_t gone = 0;
  while (gone < new_lines.size() && old_lines[gone] == new_lines[gone]) ++gone;
  CHECK(old_lines[gone] == ServerLine(rig, "prod-2"));
  std::string owner;  // the service the removed line belonged to
  for (std::size_t i = 0; i < gone; ++i)
    if (old_lines[i].rfind("    dflow-", 0) == 0) owner = old_lines[i];
  CHECK(owner == "    dflow-community-frontend-production:");
  old_lines.erase(old_lines.begin() + static_cast<std::ptrdiff_t>(gone));
  CHECK(old_lines == new_lines);
}

// The rig's edge is a plain shell for every key, so rigs of both login styles reach it: with the
// dokku user's key (a forced command on the nodes), `edge check` still reads the edge's files.
TEST_CASE("sample edge: the rig's edge gives the dokku user's key a shell, not Dokku") {
  test::FleetRig rig(test::kSampleRepoNodes, test::LoginStyle::kDokkuUser);
  const test::Captured check = test::RunCapture(
      {DFLOW_EXE, "edge", "check", "production", rig.repo().path().string(), "-i", rig.identity()},
      "");
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(Contains(check.out, "  FAIL  file " + rig.edge_file().string() + ": missing\n"));
}

}  // namespace
}  // namespace dflow::sample_edge_e2e_test
