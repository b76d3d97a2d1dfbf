#include "reconciler/status/status_json.h"

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "reconciler/status/app_status.h"

namespace dflow {
namespace {

using nlohmann::json;

// Roll-up of the apps that share a key (environment, or environment + application), and of the
// edges in front of them: a route the edge cannot serve is the environment's problem too.
json Rollup(const std::vector<const AppStatusRecord*>& apps,
            const std::vector<const EdgeStatusRecord*>& edges = {}) {
  std::vector<SyncState> syncs;
  std::vector<HealthState> healths;
  for (const auto* app : apps) {
    syncs.push_back(ParseSyncState(app->sync));
    healths.push_back(ParseHealthState(app->health));
  }
  for (const auto* edge : edges) {
    syncs.push_back(ParseSyncState(edge->sync));
    healths.push_back(ParseHealthState(edge->health));
  }
  return {{"sync", SyncStateName(WorstSync(syncs))},
          {"health", HealthStateName(WorstHealth(healths))},
          {"apps", apps.size()}};
}

}  // namespace

std::string StatusJson(const std::vector<AppStatusRecord>& apps,
                       const std::optional<SourceStatusRecord>& source,
                       const std::vector<EdgeStatusRecord>& edges) {
  json out;
  if (source) {
    out["source"] = {{"appliedRevision", source->applied_revision},
                     {"appliedAuthor", source->applied_author},
                     {"appliedMessage", source->applied_message},
                     {"attemptedRevision", source->attempted_revision},
                     {"error", source->error},
                     {"updatedAt", source->updated_at}};
  }
  std::map<std::string, std::vector<const AppStatusRecord*>> by_env, by_application;
  json list = json::array();
  for (const auto& a : apps) {
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
  std::map<std::string, std::vector<const EdgeStatusRecord*>> edges_by_env;
  json edge_list = json::array();
  for (const auto& e : edges) {
    for (const auto& env : e.environments) edges_by_env[env].push_back(&e);
    json problems = json::array();
    std::size_t start = 0;
    while (start < e.problems.size()) {
      std::size_t end = e.problems.find('\n', start);
      if (end == std::string::npos) end = e.problems.size();
      if (end > start) problems.push_back(e.problems.substr(start, end - start));
      start = end + 1;
    }
    edge_list.push_back({{"name", e.edge},
                         {"environments", e.environments},
                         {"sync", e.sync},
                         {"health", e.health},
                         {"detail", e.detail},
                         {"problems", problems},
                         {"fileSha256", e.file_sha256},
                         {"traefikVersion", e.traefik_version},
                         {"revision", e.revision},
                         {"updatedAt", e.updated_at}});
  }
  json environments = json::array(), applications = json::array();
  for (const auto& [env, items] : by_env) {
    auto edge = edges_by_env.find(env);
    json rollup = Rollup(
        items, edge == edges_by_env.end() ? std::vector<const EdgeStatusRecord*>{} : edge->second);
    rollup["name"] = env;
    if (edge != edges_by_env.end()) rollup["edge"] = edge->second.front()->edge;
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
  out["edges"] = edge_list;
  return out.dump(2) + "\n";
}

}  // namespace dflow

namespace dflow {

std::string StatusJson(StatusStore& store) {
  auto apps = store.AppStatuses();
  auto source = store.SourceStatus();
  auto edges = store.EdgeStatuses();
  return StatusJson(apps.ok() ? *apps : std::vector<AppStatusRecord>{},
                    source.ok() ? std::optional<SourceStatusRecord>(*source) : std::nullopt,
                    edges.ok() ? *edges : std::vector<EdgeStatusRecord>{});
}

}  // namespace dflow
