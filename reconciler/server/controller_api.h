// The controller's HTTP surface, separate from the controller's loops so that it can be read
// and tested on its own: routes, JSON shapes, the webhook's checks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "manifests-schema/base/secret.h"
#include "reconciler/server/badge_routes.h"
#include "reconciler/server/http_server.h"
#include "reconciler/server/webhook.h"
#include "reconciler/status/metrics.h"
#include "reconciler/status/status_snapshot.h"

namespace dflow {

struct ControllerApi {
  // The newest status snapshot (status_publisher.h); null: status, history and badges answer
  // 503. Handlers never read the status store itself.
  std::function<std::shared_ptr<const StatusSnapshot>()> snapshot;
  Metrics* metrics = nullptr;
  DeliveryLog* deliveries = nullptr;
  std::function<bool()> ready;             // a valid desired state is in force
  std::function<Secret()> webhook_secret;  // empty: webhook disabled
  std::string branch;                      // pushes to other branches are ignored
  std::string repo_url;                    // the config repo's, to tell its pushes apart
  // A push to another repository: true when some service follows that repository's pushed
  // branch (its refs are then resolved at once); null: such pushes are ignored.
  std::function<bool(const std::vector<std::string>& urls, const std::string& ref)> app_push;
  // A push to the config repo's branch: fetch and reconcile now (the pushed commit's sha).
  std::function<void(const std::string&)> config_push;
  std::function<BadgeSettings()> badges;  // null: badges on, for all, no token
  std::function<std::int64_t()> now;      // unix seconds; null: the system clock
  // Writes (POST /api/v1/pins) need `Authorization: Bearer <api_token>`; an empty token
  // refuses them all.
  std::function<Secret()> api_token;
  // A rollback pin's JSON body (`dflow rollback --now`); answers as the controller decides.
  // Null: 404.
  std::function<HttpResponse(const std::string& body)> pin;
};

// Every answer comes from memory (the snapshot, the metrics registry), so no route waits on
// SQLite or on the loop.
// GET  /healthz             200 "ok" while the process serves
// GET  /readyz              200 once a valid desired state is in force, else 503
// GET  /api/v1/status       JSON: source, environments, applications, apps (docs/api.md)
// GET  /api/v1/history      JSON: newest node passes with their actions (?limit=N, max 500;
//                           ?changes=1 leaves out the passes that ran nothing)
// GET  /badge/...          status badges, SVG or JSON (reconciler/badge_routes.h)
// GET  /metrics             Prometheus text
// POST /api/v1/webhook      push webhooks (GitHub, Gitea/Forgejo, GitLab); 401 when the
//                           signature is wrong or missing, 202 when a reconcile was queued;
//                           pushes to the apps' own repositories resolve their refs at once
// POST /api/v1/pins         a rollback pin (docs/sources.md, "Rollback"); 401 without the API
//                           token, 403 when no token is configured
HttpResponse HandleControllerRequest(const ControllerApi& api, const HttpRequest& request);

}  // namespace dflow
