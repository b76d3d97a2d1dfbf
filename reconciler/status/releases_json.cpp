#include "reconciler/status/releases_json.h"

#include <nlohmann/json.hpp>

namespace dflow {

bool ReleaseMatches(const ReleaseRecord& release, const std::string& app,
                    const std::string& environment) {
  return (app.empty() || release.app == app || release.application == app) &&
         (environment.empty() || release.environment == environment);
}

std::string ReleasesJson(const std::vector<ReleaseRecord>& releases, const std::string& app,
                         const std::string& environment, int limit) {
  nlohmann::json list = nlohmann::json::array();
  for (const ReleaseRecord& r : releases) {
    if (static_cast<int>(list.size()) >= limit) break;
    if (!ReleaseMatches(r, app, environment)) continue;
    list.push_back({{"id", r.id},
                    {"node", r.node},
                    {"app", r.app},
                    {"environment", r.environment},
                    {"application", r.application},
                    {"service", r.service},
                    {"source", r.source},
                    {"configDigest", r.config_digest},
                    {"revision", r.revision},
                    {"trigger", r.trigger},
                    {"startedAt", r.started_at},
                    {"finishedAt", r.finished_at},
                    {"result", r.result},
                    {"message", r.message},
                    {"buildId", r.build_id}});
  }
  return nlohmann::json{{"releases", list}}.dump(2) + "\n";
}

}  // namespace dflow
