#include "providers/forge_client.h"

#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "reconciler/http_server.h"

namespace dflow {
namespace {

constexpr char kToken[] = "tok-SECRET-123";
constexpr char kSha[] = "0123456789abcdef0123456789abcdef01234567";

struct Recorded {
  std::string method;
  std::string target;  // raw, as sent: percent-encoding kept
  std::string auth;    // the auth header this forge uses
  std::string body;
};

// An in-memory forge speaking the REST dialect of one kind, for pull request 7 of acme/shop.
class FakeForge {
 public:
  explicit FakeForge(ForgeKind kind) : kind_(kind) {
    auto server = HttpServer::Start({}, [this](const HttpRequest& r) { return Handle(r); });
    REQUIRE(server.ok());
    server_ = std::move(server).value();
  }

  ForgeOptions Options() const {
    ForgeOptions options;
    options.kind = kind_;
    options.api_base_url = Base() + "/";
    options.repo = "acme/shop";
    options.token = kToken;
    return options;
  }

  std::string Base() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  void AddComment(const std::string& body, bool system = false) {
    std::lock_guard lock(mutex_);
    comments_.push_back({next_id_++, body, system});
  }
  void FailWith(int status, std::string body) {
    std::lock_guard lock(mutex_);
    failure_ = std::make_pair(status, std::move(body));
  }
  void SetLinkOverride(std::string link) {
    std::lock_guard lock(mutex_);
    link_override_ = std::move(link);
  }
  std::vector<Recorded> Requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<std::string> Bodies() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> bodies;
    for (const auto& c : comments_) bodies.push_back(c.body);
    return bodies;
  }
  std::vector<std::string> Methods() {
    std::vector<std::string> methods;
    for (const auto& r : Requests()) methods.push_back(r.method);
    return methods;
  }

  // The request paths this kind uses, relative to the server root.
  std::string Prefix() const {
    return kind_ == ForgeKind::kGitea ? "/api/v1" : kind_ == ForgeKind::kGitLab ? "/api/v4" : "";
  }
  std::string Repo() const {
    return Prefix() + (kind_ == ForgeKind::kGitLab ? "/projects/acme%2Fshop" : "/repos/acme/shop");
  }
  std::string ListPath() const {
    return Repo() +
           (kind_ == ForgeKind::kGitLab ? "/merge_requests/7/notes" : "/issues/7/comments");
  }
  std::string EditPath(long long id) const {
    if (kind_ == ForgeKind::kGitLab) return ListPath() + "/" + std::to_string(id);
    return Repo() + "/issues/comments/" + std::to_string(id);
  }
  std::string AuthHeaderName() const {
    return kind_ == ForgeKind::kGitLab ? "private-token" : "authorization";
  }
  std::string ExpectedAuth() const {
    if (kind_ == ForgeKind::kGitHub) return std::string("Bearer ") + kToken;
    if (kind_ == ForgeKind::kGitea) return std::string("token ") + kToken;
    return kToken;
  }

 private:
  struct StoredComment {
    long long id;
    std::string body;
    bool system;
  };

  static HttpResponse Json(int status, const nlohmann::json& json) {
    HttpResponse response;
    response.status = status;
    response.content_type = "application/json";
    response.body = json.dump();
    return response;
  }

  HttpResponse Handle(const HttpRequest& r) {
    std::lock_guard lock(mutex_);
    std::string path = r.target.substr(0, r.target.find('?'));
    requests_.push_back({r.method, r.target, r.Header(AuthHeaderName()), r.body});
    if (r.Header(AuthHeaderName()) != ExpectedAuth()) {
      return Json(401, {{"message", "Bad credentials"}});
    }
    if (failure_) {
      HttpResponse response = Json(failure_->first, nullptr);
      response.body = failure_->second;
      return response;
    }
    if (path == ListPath() && r.method == "GET") return List(r);
    if (path == ListPath() && r.method == "POST") {
      comments_.push_back({next_id_++, nlohmann::json::parse(r.body).at("body"), false});
      return Json(201, {{"id", comments_.back().id}, {"body", comments_.back().body}});
    }
    for (auto& c : comments_) {
      if (path == EditPath(c.id) && r.method == (kind_ == ForgeKind::kGitLab ? "PUT" : "PATCH")) {
        c.body = nlohmann::json::parse(r.body).at("body");
        return Json(200, {{"id", c.id}, {"body", c.body}});
      }
    }
    if (path.rfind(Repo() + "/statuses/", 0) == 0 && r.method == "POST") {
      return Json(201, nlohmann::json::parse(r.body));
    }
    return Json(404, {{"message", "Not Found"}});
  }

  // Pages like the real thing: GitHub and Gitea announce the next page in a Link header,
  // the GitLab fake only with X-Next-Page (so both mechanisms are exercised).
  HttpResponse List(const HttpRequest& r) {
    std::string size_key = kind_ == ForgeKind::kGitea ? "limit" : "per_page";
    std::size_t per_page = r.query.count(size_key) ? std::stoul(r.query.at(size_key)) : 30;
    std::size_t page = r.query.count("page") ? std::stoul(r.query.at("page")) : 1;
    nlohmann::json items = nlohmann::json::array();
    for (std::size_t i = (page - 1) * per_page; i < comments_.size() && i < page * per_page; ++i) {
      items.push_back({{"id", comments_[i].id}, {"body", comments_[i].body}});
      if (kind_ == ForgeKind::kGitLab) items.back()["system"] = comments_[i].system;
    }
    HttpResponse response = Json(200, items);
    bool more = page * per_page < comments_.size();
    if (link_override_) {
      response.headers["Link"] = *link_override_;
    } else if (more && kind_ == ForgeKind::kGitLab) {
      response.headers["X-Next-Page"] = std::to_string(page + 1);
    } else if (more) {
      std::string next = Base() + ListPath() + "?" + size_key + "=" + std::to_string(per_page) +
                         "&page=" + std::to_string(page + 1);
      response.headers["Link"] =
          "<" + next + ">; rel=\"next\", <" + Base() + ListPath() + "?page=99>; rel=\"last\"";
    }
    return response;
  }

  ForgeKind kind_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mutex_;
  std::vector<Recorded> requests_;
  std::vector<StoredComment> comments_;
  long long next_id_ = 1000;
  std::optional<std::pair<int, std::string>> failure_;
  std::optional<std::string> link_override_;
};

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
  options.token = "wrong";
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
  auto server = HttpServer::Start({}, [](const HttpRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    return HttpResponse{};
  });
  REQUIRE(server.ok());
  ForgeOptions options;
  options.api_base_url = "http://127.0.0.1:" + std::to_string((*server)->port());
  options.repo = "acme/shop";
  options.token = kToken;
  options.timeout = std::chrono::seconds(1);
  Status status = SetCommitStatus(options, kSha, "dflow", CommitState::kSuccess, "", "");
  CHECK(status.code() == Code::kTimeout);
  CHECK(status.message() == std::string("github: POST /repos/acme/shop/statuses/") + kSha +
                                ": no complete answer within 1s");
}

TEST_CASE("bad options are refused before any request") {
  ForgeOptions options;
  options.token = kToken;
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
  options.token = "";
  CHECK(UpsertPullRequestComment(options, 7, "x").code() == Code::kInvalidArgument);
  CHECK(ParseForgeKind("forgejo").value() == ForgeKind::kGitea);
  CHECK(ParseForgeKind("bitbucket").status().message() ==
        "unknown forge \"bitbucket\" (expected github, gitea, forgejo or gitlab)");
}

}  // namespace
}  // namespace dflow
