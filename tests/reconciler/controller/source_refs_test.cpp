// The apps' repositories as the controller config and the desired state name them: hosts,
// credentials per host, and what a new resolution moved.
#include "reconciler/controller/source_refs.h"

#include <doctest/doctest.h>

#include "tests/support/process.h"

namespace dflow {
namespace {

TEST_CASE("a source URL's host, as `sources:` names it") {
  CHECK(SourceHostOf("https://github.com/acme/shop.git") == "github.com");
  CHECK(SourceHostOf("https://x-access-token:t@git.example.com:8443/a/b") ==
        "git.example.com:8443");
  CHECK(SourceHostOf("ssh://git@git.example.com:2222/a/b.git") == "git.example.com:2222");
  CHECK(SourceHostOf("git@github.com:acme/shop.git") == "github.com");
  CHECK(SourceHostOf("file:///srv/git/shop.git") == "");
  CHECK(SourceHostOf("/srv/git/shop.git") == "");
}

TEST_CASE("the `sources:` section is read per host, a token in the file is refused") {
  auto result = ParseControllerConfig(R"(
repo: {url: https://git.example.com/fleet.git}
sources:
  github.com: {tokenFile: /etc/dflow/github-token}
  git.example.com:2222: {sshKey: /etc/dflow/id_git, hostKey: "SHA256:abc"}
)",
                                      "dflow.yaml");
  REQUIRE(result.ok());
  REQUIRE(result.config.app_sources.size() == 2);
  CHECK(result.config.app_sources[0].host == "git.example.com:2222");
  CHECK(result.config.app_sources[0].ssh_key == "/etc/dflow/id_git");
  CHECK(result.config.app_sources[1].token_file == "/etc/dflow/github-token");

  auto bad = ParseControllerConfig(R"(
repo: {url: https://git.example.com/fleet.git}
sources:
  github.com: {token: ghp_SECRET, user: x}
)",
                                   "dflow.yaml");
  REQUIRE(bad.errors.size() == 2);
  CHECK(bad.errors[0].line == 4);
  CHECK(bad.errors[0].message == "sources.github.com.token must not be written in the config file");
  CHECK(bad.errors[1].message == "unknown field 'sources.github.com.user'");
}

TEST_CASE("one query per repository with every ref, and the host's credentials") {
  test::ScopedTempDir dir;
  test::WriteFile(dir.path() / "token", "tok-123\n");
  DesiredState desired;
  NodeDesiredState node;
  AppSpec a, b, c, image;
  a.source = {"https://github.com/acme/shop.git", "main", ""};
  b.source = {"https://github.com/acme/shop.git", "v1.0.0", ""};
  c.source = {"file:///srv/other.git", "main", ""};
  image.source = {"", "", "nginx:1.27"};
  node.apps = {a, b, c, image};
  desired.nodes = {node, node};  // the same app on two nodes: one query
  ControllerConfig config;
  config.app_sources = {{"github.com", (dir.path() / "token").string(), "", "", ""}};
  std::vector<SourceRefsQuery> queries = SourceRefsQueries(desired, config);
  REQUIRE(queries.size() == 2);
  CHECK(queries[0].remote.url == "file:///srv/other.git");
  CHECK(queries[0].remote.token.empty());
  CHECK(queries[0].settings == "");
  CHECK(queries[1].refs == std::vector<std::string>{"main", "v1.0.0"});
  CHECK(queries[1].remote.token.Reveal() == "tok-123");
  CHECK(queries[1].settings == "sources.github.com");
}

TEST_CASE("moves are refs whose commit changed, not refs seen for the first time") {
  ResolvedRefs before, after;
  before.commits = {{"u#main", std::string(40, 'a')}, {"u#v1", std::string(40, 'b')}};
  after.commits = {{"u#main", std::string(40, 'c')},
                   {"u#v1", std::string(40, 'b')},
                   {"u#new", std::string(40, 'd')}};
  CHECK(MovedRefs(before, after) ==
        std::vector<std::string>{"u#main moved: aaaaaaaaaaaa -> cccccccccccc"});
}

}  // namespace
}  // namespace dflow
