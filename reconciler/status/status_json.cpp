#include "reconciler/status/status_json.h"

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "reconciler/status/app_status.h"

namespace dflow {
namespace {

using nlohmann::json;

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

}  // namespace

std::string StatusJson(const std::vector<AppStatusRecord>& apps,
                       const std::optional<SourceStatusRecord>& source) {
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

}  // namespace dflow

namespace dflow {

std::string StatusJson(StatusStore& store) {
  auto apps = store.AppStatuses();
  auto source = store.SourceStatus();
  return StatusJson(apps.ok() ? *apps : std::vector<AppStatusRecord>{},
                    source.ok() ? std::optional<SourceStatusRecord>(*source) : std::nullopt);
}

}  // namespace dflow
