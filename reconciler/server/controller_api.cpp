#include "reconciler/server/controller_api.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/text.h"
#include "reconciler/status/releases_json.h"

namespace dflow {
namespace {

using nlohmann::json;

HttpResponse Json(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump(2) + "\n";
  response.headers["Cache-Control"] = "no-store";
  return response;
}

HttpResponse Text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::shared_ptr<const StatusSnapshot> SnapshotOf(const ControllerApi& api) {
  return api.snapshot ? api.snapshot() : nullptr;
}

HttpResponse NoSnapshot() { return Json(503, {{"error", "the status is not available yet"}}); }

HttpResponse History(const ControllerApi& api, const HttpRequest& request) {
  int limit = 50;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    try {
      limit = std::clamp(std::stoi(it->second), 1, kMaxHistoryServed);
    } catch (const std::exception&) {
      return Json(400, {{"error",
                         "limit must be a number from 1 to " + std::to_string(kMaxHistoryServed)}});
    }
  }
  auto changes = request.query.find("changes");
  const bool changes_only = changes != request.query.end() && changes->second != "0";
  const auto snapshot = SnapshotOf(api);
  if (!snapshot) return NoSnapshot();
  const HistoryEntries& history = changes_only ? snapshot->changes : snapshot->history;
  json reconciles = json::array();
  for (std::size_t i = 0; i < history.size() && i < static_cast<std::size_t>(limit); ++i) {
    const auto& [r, actions] = history[i];
    json items = json::array();
    for (const auto& a : actions)
      items.push_back({{"node", a.node},
                       {"app", a.app},
                       {"action", a.action},
                       {"result", a.result},
                       {"error", a.error},
                       {"at", a.at}});
    reconciles.push_back({{"id", r.id},
                          {"node", r.node},
                          {"passes", r.passes},
                          {"revision", r.revision},
                          {"trigger", r.trigger},
                          {"startedAt", r.started_at},
                          {"finishedAt", r.finished_at},
                          {"result", r.result},
                          {"message", r.message},
                          {"actions", items}});
  }
  return Json(200, {{"reconciles", reconciles}});
}

HttpResponse Releases(const ControllerApi& api, const HttpRequest& request) {
  int limit = 50;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    try {
      limit = std::clamp(std::stoi(it->second), 1, kMaxReleasesServed);
    } catch (const std::exception&) {
      return Json(400, {{"error", "limit must be a number from 1 to " +
                                      std::to_string(kMaxReleasesServed)}});
    }
  }
  auto query = [&](const char* key) {
    auto it = request.query.find(key);
    return it == request.query.end() ? std::string() : it->second;
  };
  const auto snapshot = SnapshotOf(api);
  if (!snapshot) return NoSnapshot();
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/json";
  response.body = ReleasesJson(snapshot->releases, query("app"), query("env"), limit);
  response.headers["Cache-Control"] = "no-store";
  return response;
}

HttpResponse Webhook(const ControllerApi& api, const HttpRequest& request) {
  const Secret secret = api.webhook_secret ? api.webhook_secret() : Secret();
  if (secret.empty()) return Json(404, {{"error", "webhooks are not configured"}});
  HeaderLookup headers = [&request](std::string_view name) {
    return request.Header(AsciiLower(name));
  };
  Result<Forge> forge = VerifyWebhook(headers, request.body, secret.Reveal());
  if (!forge.ok()) return Json(401, {{"error", forge.status().message()}});
  Result<PushEvent> event = ParsePushEvent(*forge, headers, request.body);
  if (!event.ok()) return Json(400, {{"error", event.status().message()}});
  if (!api.deliveries->Record(event->delivery_id, request.body))
    return Json(200, {{"queued", false}, {"reason", "delivery already seen"}});
  if (event->event != "push") return Json(200, {{"queued", false}, {"reason", "not a push"}});
  const bool config_repo =
      event->repository_urls.empty() ||
      std::any_of(event->repository_urls.begin(), event->repository_urls.end(),
                  [&](const std::string& url) { return SameRepository(url, api.repo_url); });
  if (!config_repo && api.app_push && api.app_push(event->repository_urls, event->ref))
    return Json(202, {{"queued", true}, {"for", "app sources"}});
  // Any other push to the followed branch fetches the config repo, even from a repository whose
  // URLs differ from repo.url (a mirror): a needless fetch costs little, a missed push a pass.
  if (event->ref != "refs/heads/" + api.branch)
    return Json(200, {{"queued", false}, {"reason", "push to another branch"}});
  api.config_push(event->after);
  return Json(202, {{"queued", true}});
}

HttpResponse Badge(const ControllerApi& api, const HttpRequest& request) {
  const BadgeSettings settings = api.badges ? api.badges() : BadgeSettings{};
  const std::int64_t now = api.now ? api.now()
                                   : std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
  return HandleBadgeRequest(SnapshotOf(api).get(), settings, now, request);
}

// The API token must be configured and presented, compared in constant time.
HttpResponse Pin(const ControllerApi& api, const HttpRequest& request) {
  const Secret token = api.api_token ? api.api_token() : Secret();
  if (token.empty())
    return Json(403, {{"error",
                       "API writes are off: set api.tokenFile or api.tokenEnv in the controller "
                       "config"}});
  const std::string presented = request.Header("authorization");
  const std::string expected = "Bearer " + token.Reveal();
  if (!ConstantTimeEquals(HmacSha256Hex("dflow", presented), HmacSha256Hex("dflow", expected)))
    return Json(401, {{"error", "missing or wrong API token (Authorization: Bearer ...)"}});
  return api.pin(request.body);
}

}  // namespace

HttpResponse HandleControllerRequest(const ControllerApi& api, const HttpRequest& request) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/healthz" && get) return Text(200, "ok\n");
  if (request.path == "/readyz" && get) {
    if (api.ready && api.ready()) return Text(200, "ready\n");
    return Text(503, "not ready: no valid desired state yet\n");
  }
  if (request.path == "/api/v1/status" && get) {
    const auto snapshot = SnapshotOf(api);
    if (!snapshot) return NoSnapshot();
    HttpResponse response = Text(200, snapshot->status_json);
    response.content_type = "application/json";
    return response;
  }
  if (request.path == "/api/v1/history" && get) return History(api, request);
  if (request.path == "/api/v1/releases" && get) return Releases(api, request);
  if (request.path == "/metrics" && get) {
    HttpResponse response = Text(200, api.metrics->Render());
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  }
  if (IsBadgePath(request.path) && get) return Badge(api, request);
  if (request.path == "/api/v1/webhook") {
    if (request.method != "POST") return Text(405, "use POST\n");
    return Webhook(api, request);
  }
  if (request.path == "/api/v1/pins" && api.pin) {
    if (request.method != "POST") return Text(405, "use POST\n");
    return Pin(api, request);
  }
  return Text(404, "not found\n");
}

}  // namespace dflow
