// The config repo over HTTP with a token: a real smart-HTTP Git server on loopback
// (tests/support/git_http_server.h) that wants Basic auth.
#include <doctest/doctest.h>

#include "reconciler/source/git_mirror.h"
#include "tests/support/git_http_server.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

constexpr char kToken[] = "tok-SECRET-42";
// base64("x-access-token:tok-SECRET-42"): the user name dflow sends with a token.
constexpr char kExpectedAuth[] = "Basic eC1hY2Nlc3MtdG9rZW46dG9rLVNFQ1JFVC00Mg==";

TEST_CASE("a token-protected HTTP config repo is fetched with the token as the password") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.Write("env.yaml", "kind: Environment\n");
  const std::string head = origin.CommitAll("over http");
  test::GitHttpServer server(origin.path(), kExpectedAuth);

  GitRemoteOptions options;
  options.url = server.Url();
  options.token = Secret(kToken);
  auto fetched = FetchIntoMirror(options, (dir.path() / "mirror.git").string());
  REQUIRE_MESSAGE(fetched.ok(), fetched.status().ToString());
  CHECK(fetched->id == head);
  CHECK(fetched->summary == "over http");
  const auto headers = server.AuthHeaders();
  REQUIRE_FALSE(headers.empty());
  CHECK(headers.front().empty());  // asked first without, as a browser would
  CHECK(headers.back() == kExpectedAuth);
}

TEST_CASE("a wrong or missing token fails clearly, and the token never shows in the error") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.Write("env.yaml", "kind: Environment\n");
  origin.CommitAll("one");
  test::GitHttpServer server(origin.path(), kExpectedAuth);

  GitRemoteOptions wrong;
  wrong.url = server.Url();
  wrong.token = Secret("tok-WRONG-SECRET");
  auto refused = FetchIntoMirror(wrong, (dir.path() / "a.git").string());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kPermissionDenied);
  CHECK(refused.status().message().find("refused the credentials") != std::string::npos);
  CHECK(refused.status().message().find("tok-WRONG-SECRET") == std::string::npos);
  CHECK(refused.status().message().find(server.Url()) != std::string::npos);

  GitRemoteOptions none;
  none.url = server.Url();
  auto anonymous = FetchIntoMirror(none, (dir.path() / "b.git").string());
  REQUIRE_FALSE(anonymous.ok());
  CHECK(anonymous.status().code() == Code::kPermissionDenied);
  CHECK(anonymous.status().message().find("none are configured") != std::string::npos);
}

}  // namespace
}  // namespace dflow
