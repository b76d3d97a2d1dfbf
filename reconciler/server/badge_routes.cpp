#include "reconciler/server/badge_routes.h"

#include <algorithm>
#include <optional>

#include "manifests-schema/base/digest.h"
#include "reconciler/status/app_status.h"
#include "reconciler/status/badge.h"

namespace dflow {
namespace {

constexpr std::string_view kPrefix = "/badge/";

enum class Format { kSvg, kJson };

// A badge path split into its names: one name (environment or application) or two.
struct BadgeTarget {
  std::vector<std::string> names;
  Format format = Format::kSvg;
};

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::optional<BadgeTarget> ParseTarget(std::string_view path) {
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  BadgeTarget target;
  if (EndsWith(path, ".svg")) {
    path.remove_suffix(4);
  } else if (EndsWith(path, ".json")) {
    path.remove_suffix(5);
    target.format = Format::kJson;
  } else {
    return std::nullopt;
  }
  while (true) {
    const std::size_t slash = path.find('/');
    target.names.emplace_back(path.substr(0, slash));
    if (target.names.back().empty()) return std::nullopt;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (target.names.size() > 2) return std::nullopt;
  return target;
}

std::string QueryValue(const HttpRequest& request, const std::string& key) {
  auto it = request.query.find(key);
  return it == request.query.end() ? "" : it->second;
}

bool Listed(const BadgeSettings& settings, const std::string& environment) {
  return settings.environments.empty() ||
         std::find(settings.environments.begin(), settings.environments.end(), environment) !=
             settings.environments.end();
}

// The apps a badge stands for; empty when the names match nothing visible.
// `environment` is set when the badge stands for an environment.
std::vector<AppStatusRecord> PartsOf(const std::vector<AppStatusRecord>& apps,
                                     const BadgeSettings& settings, const BadgeTarget& target,
                                     bool& environment) {
  std::vector<AppStatusRecord> by_env, by_app;
  for (const auto& app : apps) {
    if (!Listed(settings, app.environment)) continue;
    if (target.names.size() == 2) {
      if (app.application == target.names[0] && app.environment == target.names[1])
        by_app.push_back(app);
      continue;
    }
    if (app.environment == target.names[0]) by_env.push_back(app);
    if (app.application == target.names[0]) by_app.push_back(app);
  }
  environment = !by_env.empty();
  return by_env.empty() ? by_app : by_env;  // an environment wins over an application
}

// The edges in front of `environment`: their routes are part of the environment's health.
std::vector<const EdgeStatusRecord*> EdgesOf(const std::vector<EdgeStatusRecord>& edges,
                                             const std::string& environment) {
  std::vector<const EdgeStatusRecord*> fronting;
  for (const auto& edge : edges)
    if (std::find(edge.environments.begin(), edge.environments.end(), environment) !=
        edge.environments.end())
      fronting.push_back(&edge);
  return fronting;
}

// The revision all parts run, or "mixed" while they differ (a rollout in progress).
std::string CommonRevision(const std::vector<AppStatusRecord>& parts) {
  for (const auto& part : parts)
    if (part.revision != parts.front().revision) return "mixed";
  return parts.front().revision;
}

BadgeStatus RollupStatus(const std::vector<AppStatusRecord>& parts,
                         const std::vector<const EdgeStatusRecord*>& edges,
                         const HttpRequest& request, std::int64_t now) {
  std::vector<SyncState> syncs;
  std::vector<HealthState> healths;
  std::int64_t oldest_synced = now;
  for (const auto& part : parts) {
    syncs.push_back(ParseSyncState(part.sync));
    healths.push_back(ParseHealthState(part.health));
    oldest_synced = std::min(oldest_synced, part.synced_at);
  }
  for (const auto* edge : edges) {
    syncs.push_back(ParseSyncState(edge->sync));
    healths.push_back(ParseHealthState(edge->health));
  }
  BadgeStatus status = StatusBadge(WorstSync(syncs), WorstHealth(healths));
  if (QueryValue(request, "revision") == "1")
    status.message = WithRevision(status.message, CommonRevision(parts));
  // synced_at 0: some part was never seen Synced, so there is no converge to date.
  if (QueryValue(request, "age") == "1" && oldest_synced > 0)
    status.message = WithAge(status.message, std::chrono::seconds(now - oldest_synced));
  return status;
}

std::string DefaultLabel(const BadgeTarget& target) {
  return target.names.size() == 2 ? target.names[0] + "/" + target.names[1] : target.names[0];
}

bool EtagMatches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  // A list of tags, possibly weak (W/"..."): any equal one matches.
  std::size_t at = 0;
  while (at < if_none_match.size()) {
    std::size_t comma = if_none_match.find(',', at);
    std::string tag = if_none_match.substr(at, comma == std::string::npos ? comma : comma - at);
    tag.erase(0, tag.find_first_not_of(" \t"));
    tag.erase(tag.find_last_not_of(" \t") + 1);
    if (tag.starts_with("W/")) tag.erase(0, 2);
    if (tag == etag) return true;
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return false;
}

HttpResponse Render(int status, const BadgeStatus& badge, const std::string& label, Format format,
                    const HttpRequest& request) {
  BadgeSpec spec;
  spec.label = label;
  spec.message = badge.message;
  spec.color = badge.color;
  if (QueryValue(request, "style") == "flat-square") spec.style = BadgeStyle::kFlatSquare;
  HttpResponse response;
  response.status = status;
  if (format == Format::kSvg) {
    response.content_type = "image/svg+xml";
    response.body = RenderBadgeSvg(spec);
  } else {
    response.content_type = "application/json";
    response.body = RenderBadgeJson(spec).dump() + "\n";
  }
  // GitHub's image proxy (camo) refetches only what says it must revalidate.
  response.headers["Cache-Control"] = "no-cache, max-age=0, must-revalidate";
  const std::string etag = "\"" + Sha256Hex(response.body).substr(0, 32) + "\"";
  response.headers["ETag"] = etag;
  if (EtagMatches(request.Header("if-none-match"), etag)) {
    response.status = 304;
    response.body.clear();
  }
  return response;
}

}  // namespace

bool IsBadgePath(const std::string& path) { return path.starts_with(kPrefix); }

HttpResponse HandleBadgeRequest(const StatusSnapshot* snapshot, const BadgeSettings& settings,
                                std::int64_t now, const HttpRequest& request) {
  std::optional<BadgeTarget> target = ParseTarget(request.path);
  const Format format = target ? target->format : Format::kSvg;
  const std::string label = QueryValue(request, "label");
  auto not_found = [&] {
    return Render(404, NotFoundBadge(), label.empty() ? "dflow" : label, format, request);
  };
  if (!target || !settings.enabled) return not_found();
  if (!settings.token_secret.empty() &&
      !CheckBadgeToken(settings.token_secret.Reveal(), request.path,
                       QueryValue(request, "token"))) {
    return Render(401, {"unauthorized", "lightgrey"}, label.empty() ? "dflow" : label, format,
                  request);
  }
  if (snapshot == nullptr) {
    return Render(503, StatusBadge(SyncState::kUnknown, HealthState::kUnknown),
                  label.empty() ? DefaultLabel(*target) : label, format, request);
  }
  bool environment = false;
  std::vector<AppStatusRecord> parts = PartsOf(snapshot->apps, settings, *target, environment);
  if (parts.empty()) return not_found();
  const auto edges = environment ? EdgesOf(snapshot->edges, target->names[0])
                                 : std::vector<const EdgeStatusRecord*>{};
  return Render(200, RollupStatus(parts, edges, request, now),
                label.empty() ? DefaultLabel(*target) : label, format, request);
}

}  // namespace dflow
