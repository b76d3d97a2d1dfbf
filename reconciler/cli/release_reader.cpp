#include "reconciler/cli/release_reader.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "manifests-schema/base/secret.h"
#include "providers/forge/http_call.h"
#include "reconciler/cli/controller_client.h"
#include "reconciler/status/releases_json.h"

namespace dflow::cli {
namespace {

Result<std::vector<ReleaseRecord>> FromServer(const ReleaseQuery& query) {
  auto body = GetFromController(query.server, "/api/v1/releases?app=" + UrlEscape(query.app) +
                                                  "&env=" + UrlEscape(query.environment) +
                                                  "&limit=" + std::to_string(query.limit));
  if (!body.ok()) return body.status();
  nlohmann::json document = nlohmann::json::parse(*body, nullptr, false);
  if (document.is_discarded() || !document["releases"].is_array())
    return Status(Code::kUnavailable, ScrubUrls(query.server) + " answered no releases document");
  std::vector<ReleaseRecord> releases;
  for (const auto& r : document["releases"]) {
    ReleaseRecord record;
    record.id = r.value("id", std::int64_t{0});
    record.node = r.value("node", "");
    record.app = r.value("app", "");
    record.environment = r.value("environment", "");
    record.application = r.value("application", "");
    record.service = r.value("service", "");
    record.source = r.value("source", "");
    record.config_digest = r.value("configDigest", "");
    record.revision = r.value("revision", "");
    record.trigger = r.value("trigger", "");
    record.started_at = r.value("startedAt", std::int64_t{0});
    record.finished_at = r.value("finishedAt", std::int64_t{0});
    record.result = r.value("result", "");
    record.message = r.value("message", "");
    record.build_id = r.value("buildId", "");
    releases.push_back(std::move(record));
  }
  return releases;
}

}  // namespace

Result<std::vector<ReleaseRecord>> ReadReleases(const ReleaseQuery& query) {
  if (query.state_dir.empty()) return FromServer(query);
  auto store = StatusStore::Open(query.state_dir + "/state.db");
  if (!store.ok()) return store.status();
  auto all = (*store)->Releases("", "", kMaxReleasesServed);
  if (!all.ok()) return all.status();
  std::vector<ReleaseRecord> releases;
  for (const ReleaseRecord& r : *all)
    if (ReleaseMatches(r, query.app, query.environment) &&
        static_cast<int>(releases.size()) < query.limit)
      releases.push_back(r);
  return releases;
}

}  // namespace dflow::cli
