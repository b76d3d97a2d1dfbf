// A fake Git forge for tests of forge calls (providers/forge_client.h) and of the controller's
// commit statuses.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "providers/forge/forge_client.h"
#include "reconciler/server/http_server.h"

namespace dflow::test {

inline constexpr char kFakeForgeToken[] = "tok-SECRET-123";

struct Recorded {
  std::string method;
  std::string target;  // raw, as sent: percent-encoding kept
  std::string auth;    // the auth header this forge uses
  std::string body;
};

// An in-memory forge speaking the REST dialect of one kind (comments of pull request 7 of
// acme/shop, commit statuses), served over real HTTP on loopback. It records every request,
// checks the auth header against kFakeForgeToken (401 otherwise) and can be told to fail.
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
    options.token = Secret(kFakeForgeToken);
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
  void Recover() {  // answers normally again after FailWith
    std::lock_guard lock(mutex_);
    failure_.reset();
  }
  // Until Release(), each request is recorded and then left unanswered (for at most a minute),
  // like a forge that hangs.
  void Hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    released_.notify_all();
  }
  int Answered() {
    std::lock_guard lock(mutex_);
    return answered_;
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
    if (kind_ == ForgeKind::kGitHub) return std::string("Bearer ") + kFakeForgeToken;
    if (kind_ == ForgeKind::kGitea) return std::string("token ") + kFakeForgeToken;
    return kFakeForgeToken;
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
    std::unique_lock lock(mutex_);
    requests_.push_back({r.method, r.target, r.Header(AuthHeaderName()), r.body});
    released_.wait_for(lock, std::chrono::minutes(1), [this] { return !held_; });
    ++answered_;
    return Respond(r);
  }

  HttpResponse Respond(const HttpRequest& r) {  // under mutex_
    std::string path = r.target.substr(0, r.target.find('?'));
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
  std::condition_variable released_;
  bool held_ = false;
  int answered_ = 0;
  std::vector<Recorded> requests_;
  std::vector<StoredComment> comments_;
  long long next_id_ = 1000;
  std::optional<std::pair<int, std::string>> failure_;
  std::optional<std::string> link_override_;
};

}  // namespace dflow::test
