#include "reconciler/controller_api.h"

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "reconciler/app_status.h"

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

// Roll-up of the apps that share a key (environment, or environment + application).
json Rollup(const std::vector<const AppStatusRecord*>& apps) {
  std::vector<SyncState> syncs;
  std::vector<HealthState> healths;
  for (const auto* app : apps) {
    syncs.push_back(ParseSyncState(app->sync));
    healths.push_back(ParseHealthState(app->health));
  }
  return {{"sync", SyncStateName(WorstSync(syncs))},
          {"health", HealthStateName(WorstHealth(healths))},
          {"apps", apps.size()}};
}

HttpResponse History(const ControllerApi& api, const HttpRequest& request) {
  int limit = 50;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    try {
      limit = std::clamp(std::stoi(it->second), 1, 500);
    } catch (const std::exception&) {
      return Json(400, {{"error", "limit must be a number from 1 to 500"}});
    }
  }
  auto changes = request.query.find("changes");
  const bool changes_only = changes != request.query.end() && changes->second != "0";
  auto history = api.store->History(limit, changes_only);
  if (!history.ok()) return Json(503, {{"error", history.status().message()}});
  json reconciles = json::array();
  for (const auto& [r, actions] : *history) {
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

HttpResponse Webhook(const ControllerApi& api, const HttpRequest& request) {
  const std::string secret = api.webhook_secret ? api.webhook_secret() : "";
  if (secret.empty()) return Json(404, {{"error", "webhooks are not configured"}});
  HeaderLookup headers = [&request](std::string_view name) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return request.Header(lower);
  };
  Result<Forge> forge = VerifyWebhook(headers, request.body, secret);
  if (!forge.ok()) return Json(401, {{"error", forge.status().message()}});
  Result<PushEvent> event = ParsePushEvent(*forge, headers, request.body);
  if (!event.ok()) return Json(400, {{"error", event.status().message()}});
  if (!api.deliveries->Record(event->delivery_id))
    return Json(200, {{"queued", false}, {"reason", "delivery already seen"}});
  if (event->event != "push") return Json(200, {{"queued", false}, {"reason", "not a push"}});
  if (event->ref != "refs/heads/" + api.branch)
    return Json(200, {{"queued", false}, {"reason", "push to another branch"}});
  api.trigger("webhook " + event->after.substr(0, 12));
  return Json(202, {{"queued", true}});
}

HttpResponse Badge(const ControllerApi& api, const HttpRequest& request) {
  const BadgeSettings settings = api.badges ? api.badges() : BadgeSettings{};
  const std::int64_t now = api.now ? api.now()
                                   : std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
  return HandleBadgeRequest(*api.store, settings, now, request);
}

}  // namespace

std::string StatusJson(StatusStore& store) {
  auto apps = store.AppStatuses();
  auto source = store.SourceStatus();
  json out;
  if (source.ok()) {
    out["source"] = {{"appliedRevision", source->applied_revision},
                     {"appliedAuthor", source->applied_author},
                     {"appliedMessage", source->applied_message},
                     {"attemptedRevision", source->attempted_revision},
                     {"error", source->error},
                     {"updatedAt", source->updated_at}};
  }
  std::map<std::string, std::vector<const AppStatusRecord*>> by_env, by_application;
  json list = json::array();
  if (apps.ok()) {
    for (const auto& a : *apps) {
      by_env[a.environment].push_back(&a);
      by_application[a.application + "\n" + a.environment].push_back(&a);
      list.push_back({{"node", a.node},
                      {"app", a.app},
                      {"environment", a.environment},
                      {"application", a.application},
                      {"service", a.service},
                      {"sync", a.sync},
                      {"health", a.health},
                      {"revision", a.revision},
                      {"lastError", a.last_error},
                      {"updatedAt", a.updated_at},
                      {"syncedAt", a.synced_at}});
    }
  }
  json environments = json::array(), applications = json::array();
  for (const auto& [env, items] : by_env) {
    json rollup = Rollup(items);
    rollup["name"] = env;
    environments.push_back(rollup);
  }
  for (const auto& [key, items] : by_application) {
    json rollup = Rollup(items);
    rollup["name"] = items.front()->application;
    rollup["environment"] = items.front()->environment;
    applications.push_back(rollup);
  }
  out["environments"] = environments;
  out["applications"] = applications;
  out["apps"] = list;
  return out.dump(2) + "\n";
}

HttpResponse HandleControllerRequest(const ControllerApi& api, const HttpRequest& request) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/healthz" && get) return Text(200, "ok\n");
  if (request.path == "/readyz" && get) {
    if (api.ready && api.ready()) return Text(200, "ready\n");
    return Text(503, "not ready: no valid desired state yet\n");
  }
  if (request.path == "/api/v1/status" && get) {
    HttpResponse response = Text(200, StatusJson(*api.store));
    response.content_type = "application/json";
    return response;
  }
  if (request.path == "/api/v1/history" && get) return History(api, request);
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
  return Text(404, "not found\n");
}

}  // namespace dflow
