// The controller's badge endpoints: which status a badge path names, who may read it, and the
// HTTP caching around it. Rendering itself is reconciler/badge.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "manifests-schema/base/secret.h"
#include "reconciler/server/http_server.h"
#include "reconciler/status/status_snapshot.h"

namespace dflow {

// The `badges:` section of the controller config, secrets resolved.
struct BadgeSettings {
  bool enabled = true;
  std::vector<std::string> environments;  // empty: every environment has badges
  Secret token_secret;                    // empty: badges need no token
};

// True for paths under /badge/ (the caller routes them here).
bool IsBadgePath(const std::string& path);

// GET /badge/{application}/{environment}.svg  one application in one environment
// GET /badge/{name}.svg                        an environment's apps, or else an application
//                                              in every environment (an environment wins when a
//                                              name is both; use the two-part form for the app)
// .json instead of .svg: the shields.io endpoint document.
// Query: label=TEXT, style=flat-square, revision=1 (applied commit's short hash), age=1 (time
// since the parts were last seen Synced), token=HEX (required when token_secret is set:
// BadgeToken(secret, path) for exactly this path, without the query).
// Status: the worst sync and health of the parts (StatusBadge); an environment's parts include
// the edge in front of it (an application's badge shows its apps only). Unknown, hidden (not listed
// in `environments`) or disabled badges: grey "not found", 404. A missing or wrong token: grey
// "unauthorized", 401, checked before any lookup so it reveals no names. Every answer carries
// Cache-Control no-cache and an ETag; a matching If-None-Match gets 304 without a body.
// `now` is unix seconds, for the age. No snapshot (null): a grey "unknown" badge, 503.
HttpResponse HandleBadgeRequest(const StatusSnapshot* snapshot, const BadgeSettings& settings,
                                std::int64_t now, const HttpRequest& request);

}  // namespace dflow
