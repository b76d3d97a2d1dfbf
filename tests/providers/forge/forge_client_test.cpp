#include "providers/forge/forge_client.h"

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "tests/support/fake_forge.h"
#include "tests/support/wait.h"

namespace dflow {
namespace {

constexpr const char* kToken = test::kFakeForgeToken;
constexpr char kSha[] = "0123456789abcdef0123456789abcdef01234567";

using test::FakeForge;

const ForgeKind kKinds[] = {ForgeKind::kGitHub, ForgeKind::kGitea, ForgeKind::kGitLab};

std::string Marked(const std::string& markdown) {
  return std::string(kPlanCommentMarker) + "\n" + markdown;
}

TEST_CASE("the plan comment is created once, then edited in place, and left alone if unchanged") {
  for (ForgeKind kind : kKinds) {
    CAPTURE(ForgeKindName(kind));
    FakeForge forge(kind);
    forge.AddComment("LGTM");
    ForgeOptions options = forge.Options();

    REQUIRE(UpsertPullRequestComment(options, 7, "plan: 2 changes").ok());
    CHECK(forge.Bodies() == std::vector<std::string>{"LGTM", Marked("plan: 2 changes")});
    CHECK(forge.Methods() == std::vector<std::string>{"GET", "POST"});

    REQUIRE(UpsertPullRequestComment(options, 7, "plan: no changes").ok());
    CHECK(forge.Bodies() == std::vector<std::string>{"LGTM", Marked("plan: no changes")});
    std::string edit = kind == ForgeKind::kGitLab ? "PUT" : "PATCH";
    CHECK(forge.Methods() == std::vector<std::string>{"GET", "POST", "GET", edit});

    REQUIRE(UpsertPullRequestComment(options, 7, "plan: no changes").ok());
    CHECK(forge.Methods() == std::vector<std::string>{"GET", "POST", "GET", edit, "GET"});

    auto requests = forge.Requests();
    CHECK(requests[1].target == forge.ListPath());
    CHECK(requests[3].target == forge.EditPath(1001));
    CHECK(nlohmann::json::parse(requests[3].body) ==
          nlohmann::json{{"body", Marked("plan: no changes")}});
    for (const auto& r : requests) CHECK(r.auth == forge.ExpectedAuth());
  }
}

TEST_CASE("a marker already in the markdown is not added twice") {
  FakeForge forge(ForgeKind::kGitHub);
  std::string markdown = "## Plan\n" + std::string(kPlanCommentMarker) + "\nbody";
  REQUIRE(UpsertPullRequestComment(forge.Options(), 7, markdown).ok());
  CHECK(forge.Bodies() == std::vector<std::string>{markdown});
}

TEST_CASE("the marked comment is found on a later page and edited, not duplicated") {
  for (ForgeKind kind : kKinds) {
    CAPTURE(ForgeKindName(kind));
    FakeForge forge(kind);
    for (int i = 0; i < 240; ++i) forge.AddComment("chatter " + std::to_string(i));
    forge.AddComment(Marked("old plan"));  // id 1240, the 241st comment
    for (int i = 0; i < 9; ++i) forge.AddComment("more chatter");

    REQUIRE(UpsertPullRequestComment(forge.Options(), 7, "new plan").ok());
    auto bodies = forge.Bodies();
    CHECK(bodies.size() == 250);
    CHECK(bodies[240] == Marked("new plan"));
    auto requests = forge.Requests();
    // 100 per page on GitHub and GitLab (3 pages), 50 on Gitea (5 pages), then one edit.
    std::size_t pages = kind == ForgeKind::kGitea ? 5 : 3;
    REQUIRE(requests.size() == pages + 1);
    for (std::size_t i = 0; i < pages; ++i) {
      CHECK(requests[i].method == "GET");
      CHECK(requests[i].target.find("page=" + std::to_string(i + 1)) != std::string::npos);
    }
    CHECK(requests[pages].target == forge.EditPath(1240));
  }
}

TEST_CASE("GitLab system notes never count as the plan comment") {
  FakeForge forge(ForgeKind::kGitLab);
  forge.AddComment(Marked("quoted by a system note"), /*system=*/true);
  REQUIRE(UpsertPullRequestComment(forge.Options(), 7, "plan").ok());
  CHECK(forge.Methods() == std::vector<std::string>{"GET", "POST"});
}

TEST_CASE("a pagination link to another host is refused, so the token never goes there") {
  FakeForge forge(ForgeKind::kGitHub);
  forge.SetLinkOverride(
      "<http://evil.example/repos/acme/shop/issues/7/comments?page=2>; "
      "rel=\"next\"");
  Status status = UpsertPullRequestComment(forge.Options(), 7, "plan");
  CHECK(status.code() == Code::kFailed);
  CHECK(status.message() == "github: refusing a pagination link outside the API root");
  CHECK(forge.Methods() == std::vector<std::string>{"GET"});
}

TEST_CASE("commit statuses are posted with each forge's URL, fields and auth header") {
  for (ForgeKind kind : kKinds) {
    CAPTURE(ForgeKindName(kind));
    FakeForge forge(kind);
    REQUIRE(SetCommitStatus(forge.Options(), kSha, "dflow/plan", CommitState::kFailure,
                            "2 changes pending", "https://dflow.example/plan/1")
                .ok());
    REQUIRE(
        SetCommitStatus(forge.Options(), kSha, "dflow/plan", CommitState::kSuccess, "", "").ok());
    auto requests = forge.Requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].target == forge.Repo() + "/statuses/" + kSha);
    CHECK(requests[0].auth == forge.ExpectedAuth());
    bool gitlab = kind == ForgeKind::kGitLab;
    nlohmann::json expected = {{"state", gitlab ? "failed" : "failure"},
                               {gitlab ? "name" : "context", "dflow/plan"},
                               {"description", "2 changes pending"},
                               {"target_url", "https://dflow.example/plan/1"}};
    CHECK(nlohmann::json::parse(requests[0].body) == expected);
    nlohmann::json second = {
        {"state", "success"}, {gitlab ? "name" : "context", "dflow/plan"}, {"description", ""}};
    CHECK(nlohmann::json::parse(requests[1].body) == second);
  }
}

TEST_CASE("pending is pending everywhere and long descriptions are cut on a UTF-8 boundary") {
  FakeForge forge(ForgeKind::kGitLab);
  std::string description = std::string(139, 'x') + "\u00e9tat";  // byte 140 splits the é
  REQUIRE(
      SetCommitStatus(forge.Options(), "abcdef1", "dflow", CommitState::kPending, description, "")
          .ok());
  auto body = nlohmann::json::parse(forge.Requests().at(0).body);
  CHECK(body["state"] == "pending");
  CHECK(body["description"] == std::string(139, 'x'));
}

TEST_CASE("an API error names the forge, request, HTTP code and forge message, never the token") {
  FakeForge forge(ForgeKind::kGitHub);
  forge.FailWith(403, R"({"message":"Resource not accessible by integration"})");
  Status status = SetCommitStatus(forge.Options(), kSha, "dflow", CommitState::kSuccess, "", "");
  CHECK(status.code() == Code::kPermissionDenied);
  CHECK(status.message() == std::string("github: POST /repos/acme/shop/statuses/") + kSha +
                                ": HTTP 403: Resource not accessible by integration");

  FakeForge gitlab(ForgeKind::kGitLab);
  gitlab.FailWith(404, R"({"message":"404 Project Not Found"})");
  status = UpsertPullRequestComment(gitlab.Options(), 7, "plan");
  CHECK(status.code() == Code::kNotFound);
  CHECK(status.message() ==
        "gitlab: GET /api/v4/projects/acme%2Fshop/merge_requests/7/notes?per_page=100&page=1"
        "&sort=asc&order_by=created_at: HTTP 404: 404 Project Not Found");

  FakeForge gitea(ForgeKind::kGitea);
  gitea.FailWith(500, std::string("<html>oops ") + kToken + "</html>");  // echoes the token
  status = UpsertPullRequestComment(gitea.Options(), 7, "plan");
  CHECK(status.code() == Code::kUnavailable);
  CHECK(status.message() ==
        "gitea: GET /api/v1/repos/acme/shop/issues/7/comments?limit=50&page=1: HTTP 500: "
        "<html>oops ***</html>");
  CHECK(status.ToString().find(kToken) == std::string::npos);
}

TEST_CASE("a wrong token gets 401 as permission denied") {
  FakeForge forge(ForgeKind::kGitea);
  ForgeOptions options = forge.Options();
  options.token = Secret("wrong");
  Status status = UpsertPullRequestComment(options, 7, "plan");
  CHECK(status.code() == Code::kPermissionDenied);
  CHECK(status.message() ==
        "gitea: GET /api/v1/repos/acme/shop/issues/7/comments?limit=50&page=1: HTTP 401: "
        "Bad credentials");
}

TEST_CASE("responses over the size bound fail the call") {
  FakeForge forge(ForgeKind::kGitHub);
  for (int i = 0; i < 50; ++i) forge.AddComment(std::string(1000, 'x'));
  ForgeOptions options = forge.Options();
  options.max_response_bytes = 10000;
  Status status = UpsertPullRequestComment(options, 7, "plan");
  CHECK(status.code() == Code::kFailed);
  CHECK(status.message() ==
        "github: GET /repos/acme/shop/issues/7/comments?per_page=100&page=1: response larger "
        "than 10000 bytes");
}

TEST_CASE("an unreachable forge is unavailable") {
  ForgeOptions options;
  {
    FakeForge forge(ForgeKind::kGitHub);
    options = forge.Options();
  }  // the server is gone, its port closed
  Status status = SetCommitStatus(options, kSha, "dflow", CommitState::kSuccess, "", "");
  CHECK(status.code() == Code::kUnavailable);
  CHECK(status.message() == std::string("github: POST /repos/acme/shop/statuses/") + kSha +
                                ": Couldn't connect to server");
}

TEST_CASE("a forge that does not answer in time gives kTimeout") {
  // The server answers only once the client has given up (or after a cap that only stops a
  // broken test): the timeout is the one thing that can end the call.
  std::atomic<bool> client_done{false};
  auto server = HttpServer::Start({}, [&client_done](const HttpRequest&) {
    test::WaitUntil([&] { return client_done.load(); }, std::chrono::seconds(30));
    return HttpResponse{};
  });
  // Declared after the server, so destroyed before it: the handler is released on every exit.
  struct Release {
    std::atomic<bool>& done;
    ~Release() { done = true; }
  } release{client_done};
  REQUIRE(server.ok());
  ForgeOptions options;
  options.api_base_url = "http://127.0.0.1:" + std::to_string((*server)->port());
  options.repo = "acme/shop";
  options.token = Secret(kToken);
  options.timeout = std::chrono::seconds(1);
  Status status = SetCommitStatus(options, kSha, "dflow", CommitState::kSuccess, "", "");
  client_done = true;
  CHECK(status.code() == Code::kTimeout);
  CHECK(status.message() == std::string("github: POST /repos/acme/shop/statuses/") + kSha +
                                ": no complete answer within 1s");
}

TEST_CASE("bad options are refused before any request") {
  ForgeOptions options;
  options.token = Secret(kToken);
  options.repo = "acme";
  CHECK(UpsertPullRequestComment(options, 7, "x").message() ==
        "forge repo must be \"owner/name\", got \"acme\"");
  options.repo = "acme/../x";
  CHECK(UpsertPullRequestComment(options, 7, "x").message() ==
        "forge repo must be \"owner/name\", got \"acme/../x\"");
  options.repo = "acme/shop";
  CHECK(UpsertPullRequestComment(options, 0, "x").message() ==
        "pull request number must be positive");
  CHECK(SetCommitStatus(options, "main/../x", "c", CommitState::kSuccess, "", "").message() ==
        "commit id must be 7 to 64 hex digits, got \"main/../x\"");
  CHECK(SetCommitStatus(options, kSha, "", CommitState::kSuccess, "", "").message() ==
        "commit status context is empty");
  options.kind = ForgeKind::kGitea;
  CHECK(UpsertPullRequestComment(options, 7, "x").message() == "gitea needs the server's base URL");
  options.api_base_url = "ftp://git.example.com";
  CHECK(UpsertPullRequestComment(options, 7, "x").message() ==
        "forge base URL must start with https:// or http://");
  options.api_base_url = "https://git.example.com";
  options.token = Secret();
  CHECK(UpsertPullRequestComment(options, 7, "x").code() == Code::kInvalidArgument);
  CHECK(ParseForgeKind("forgejo").value() == ForgeKind::kGitea);
  CHECK(ParseForgeKind("bitbucket").status().message() ==
        "unknown forge \"bitbucket\" (expected github, gitea, forgejo or gitlab)");
}

}  // namespace
}  // namespace dflow
