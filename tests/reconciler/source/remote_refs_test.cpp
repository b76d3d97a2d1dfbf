// The apps' refs resolved against real repositories: a local one over file://, and a
// token-protected one over smart HTTP, listed in-process and in the fetch child.
#include "reconciler/source/remote_refs.h"

#include <doctest/doctest.h>

#include "reconciler/source/fetch_process.h"
#include "tests/support/git_http_server.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

constexpr char kAppToken[] = "tok-APP-SOURCE-7";
// base64("x-access-token:tok-APP-SOURCE-7")
constexpr char kAppAuth[] = "Basic eC1hY2Nlc3MtdG9rZW46dG9rLUFQUC1TT1VSQ0UtNw==";

SourceRefsQuery Query(const std::string& url, std::vector<std::string> refs,
                      const std::string& settings = "") {
  SourceRefsQuery query;
  query.remote.url = url;
  query.refs = std::move(refs);
  query.settings = settings;
  return query;
}

GitRemoteOptions Remote(const std::string& url) {
  GitRemoteOptions remote;
  remote.url = url;
  return remote;
}

struct AppRepo {
  test::ScopedTempDir dir;
  test::GitRepo repo{dir.path() / "app"};
  std::string first, second;
  AppRepo() {
    repo.Write("app.txt", "one\n");
    first = repo.CommitAll("one");
    repo.Git("tag -a v1.0.0 -m release");  // annotated: listed as a tag object and its ^{}
    repo.Git("tag light");                 // lightweight
    repo.Write("app.txt", "two\n");
    second = repo.CommitAll("two");
  }
  std::string Url() const { return "file://" + repo.path().string(); }
};

TEST_CASE("a repository's refs are listed, branches, tags and full shas resolve") {
  AppRepo app;
  auto listing = ListRemoteRefs(Remote(app.Url()));
  REQUIRE_MESSAGE(listing.ok(), listing.status().ToString());
  CHECK(ResolveRef(*listing, "main").value() == app.second);
  CHECK(ResolveRef(*listing, "refs/heads/main").value() == app.second);
  CHECK(ResolveRef(*listing, "v1.0.0").value() == app.first);  // the commit, not the tag object
  CHECK(ResolveRef(*listing, "light").value() == app.first);
  CHECK(ResolveRef(*listing, app.first).value() == app.first);
  auto missing = ResolveRef(*listing, "no-such-branch");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message().find("no-such-branch") != std::string::npos);
}

TEST_CASE("refs resolve per repository, an unreachable one affects only its own refs") {
  AppRepo app;
  test::ScopedTempDir gone;
  const std::string unreachable = "file://" + (gone.path() / "missing.git").string();
  std::vector<SourceRefsQuery> queries = {
      Query(app.Url(), {"main", "v1.0.0", "nope"}),
      Query(unreachable, {"main", app.first}, "sources.example")};
  ResolvedRefs resolved = ResolveSourceRefs(queries);
  CHECK(resolved.commits.at(app.Url() + "#main") == app.second);
  CHECK(resolved.commits.at(app.Url() + "#v1.0.0") == app.first);
  CHECK(resolved.errors.at(app.Url() + "#nope").find("does not exist") != std::string::npos);
  CHECK(resolved.errors.at(unreachable + "#main").rfind("source unreachable: ", 0) == 0);
  CHECK(resolved.commits.at(unreachable + "#" + app.first) == app.first);  // no network needed
  CHECK(resolved.commits.size() == 3);
  CHECK(resolved.errors.size() == 2);

  SUBCASE("the same, in the fetch child") {
    FetchProcessOptions process;
    process.executable = DFLOW_EXE;
    ResolvedRefs child = ResolveSourceRefsInChild(queries, process);
    CHECK(child.commits == resolved.commits);
    CHECK(child.errors == resolved.errors);
  }
  SUBCASE("a child that cannot run makes every networked ref an error, shas still resolve") {
    FetchProcessOptions process;
    process.executable = "/nonexistent/dflow";
    ResolvedRefs child = ResolveSourceRefsInChild(queries, process);
    CHECK(child.commits.size() == 1);
    CHECK(child.errors.size() == 4);
    CHECK(child.errors.at(app.Url() + "#main").rfind("source unreachable: ", 0) == 0);
  }
}

TEST_CASE("a token-protected app repository over HTTP: the token is sent and never shown") {
  AppRepo app;
  test::GitHttpServer server(app.repo.path(), kAppAuth);
  FetchProcessOptions process;
  process.executable = DFLOW_EXE;

  SourceRefsQuery with_token = Query(server.Url(), {"main"}, "sources.127.0.0.1");
  with_token.remote.token = Secret(kAppToken);
  ResolvedRefs ok = ResolveSourceRefsInChild({with_token}, process);
  CHECK(ok.commits.at(server.Url() + "#main") == app.second);
  CHECK(server.AuthHeaders().back() == kAppAuth);

  SourceRefsQuery without = Query(server.Url(), {"main"}, "sources.127.0.0.1");
  ResolvedRefs refused = ResolveSourceRefsInChild({without}, process);
  REQUIRE(refused.errors.count(server.Url() + "#main") == 1);
  const std::string& why = refused.errors.at(server.Url() + "#main");
  CHECK(why.find("sources.127.0.0.1.tokenFile") != std::string::npos);
  CHECK(why.find(kAppToken) == std::string::npos);
}

}  // namespace
}  // namespace dflow
