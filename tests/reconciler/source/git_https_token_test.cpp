// The config repo over HTTP with a token: a real smart-HTTP Git server on loopback (git
// upload-pack behind our HTTP server, as git-http-backend would run it) that wants Basic auth.
// Plain http stands in for https here: the token is sent the same way, TLS is libgit2's.
#include <doctest/doctest.h>

#include <mutex>

#include "reconciler/server/http_server.h"
#include "reconciler/source/git_mirror.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

constexpr char kToken[] = "tok-SECRET-42";
// base64("x-access-token:tok-SECRET-42"): the user name dflow sends with a token.
constexpr char kExpectedAuth[] = "Basic eC1hY2Nlc3MtdG9rZW46dG9rLVNFQ1JFVC00Mg==";

std::string PktLine(const std::string& text) {
  char length[5];
  std::snprintf(length, sizeof length, "%04zx", text.size() + 4);
  return length + text;
}

class TokenGitServer {
 public:
  explicit TokenGitServer(std::filesystem::path repo) : repo_(std::move(repo)) {
    auto server = HttpServer::Start({}, [this](const HttpRequest& r) { return Handle(r); });
    REQUIRE(server.ok());
    server_ = std::move(server).value();
  }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/config.git";
  }
  std::vector<std::string> AuthHeaders() const {
    std::lock_guard lock(mutex_);
    return auth_headers_;
  }

 private:
  HttpResponse Handle(const HttpRequest& request) {
    const std::string auth = request.Header("authorization");
    {
      std::lock_guard lock(mutex_);
      auth_headers_.push_back(auth);
    }
    if (auth != kExpectedAuth) {
      HttpResponse denied{401, "text/plain", "authentication required\n", {}};
      denied.headers["WWW-Authenticate"] = "Basic realm=\"config\"";
      return denied;
    }
    if (request.path == "/config.git/info/refs") {
      auto refs = test::RunCapture(
          {"/usr/bin/git", "upload-pack", "--stateless-rpc", "--advertise-refs", repo_.string()},
          "");
      return {200,
              "application/x-git-upload-pack-advertisement",
              PktLine("# service=git-upload-pack\n") + "0000" + refs.out,
              {}};
    }
    if (request.method == "POST" && request.path == "/config.git/git-upload-pack") {
      auto pack = test::RunCapture(
          {"/usr/bin/git", "upload-pack", "--stateless-rpc", repo_.string()}, request.body);
      return {200, "application/x-git-upload-pack-result", pack.out, {}};
    }
    return {404, "text/plain", "not found\n", {}};
  }

  std::filesystem::path repo_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mutex_;
  std::vector<std::string> auth_headers_;
};

TEST_CASE("a token-protected HTTP config repo is fetched with the token as the password") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.Write("env.yaml", "kind: Environment\n");
  const std::string head = origin.CommitAll("over http");
  TokenGitServer server(origin.path());

  GitRemoteOptions options;
  options.url = server.Url();
  options.token = kToken;
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
  TokenGitServer server(origin.path());

  GitRemoteOptions wrong;
  wrong.url = server.Url();
  wrong.token = "tok-WRONG-SECRET";
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
