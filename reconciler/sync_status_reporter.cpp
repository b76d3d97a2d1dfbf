#include "reconciler/sync_status_reporter.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>

#include "reconciler/app_status.h"

namespace dflow {
namespace {

std::string Apps(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " app" : " apps");
}

}  // namespace

EnvironmentCommitStatus EnvironmentStatusOn(const std::vector<AppStatusRecord>& apps,
                                            const std::set<std::string>& desired,
                                            const std::string& revision) {
  std::size_t synced = 0;
  std::vector<std::string> failed;
  for (const auto& app : apps) {
    if (!desired.contains(app.node + "/" + app.app)) continue;
    if (ParseSyncState(app.sync) == SyncState::kFailed) failed.push_back(app.app);
    // An app still on an older revision: its node has not had a pass on this one yet.
    if (ParseSyncState(app.sync) == SyncState::kSynced && app.revision == revision) ++synced;
  }
  const std::size_t total = desired.size();
  if (!failed.empty()) {
    std::string names;
    for (const auto& name : failed) names += (names.empty() ? "" : ", ") + name;
    return {CommitState::kFailure,
            std::to_string(failed.size()) + " of " + Apps(total) + " failed: " + names};
  }
  if (total > 0 && synced == total) return {CommitState::kSuccess, Apps(total) + " synced"};
  return {CommitState::kPending,
          "converging: " + std::to_string(synced) + " of " + Apps(total) + " synced"};
}

SyncStatusReporter::SyncStatusReporter(ForgeOptions options, std::string target_url)
    : options_(std::move(options)), target_url_(std::move(target_url)) {}

void SyncStatusReporter::AfterPass(StatusStore& store, const DesiredState& desired,
                                   const std::string& node, const std::string& revision) {
  // The environments this node runs, each with all its apps on every node.
  std::map<std::string, std::set<std::string>> environments;
  for (const auto& n : desired.nodes)
    for (const auto& app : n.apps)
      if (n.node.name == node) environments[app.environment];
  for (const auto& n : desired.nodes)
    for (const auto& app : n.apps)
      if (environments.contains(app.environment))
        environments[app.environment].insert(n.node.name + "/" + app.name);
  auto apps = store.AppStatuses();
  if (!apps.ok() || revision.empty()) return;
  for (const auto& [environment, keys] : environments) {
    const Posted next{revision, EnvironmentStatusOn(*apps, keys, revision)};
    {
      std::lock_guard lock(mutex_);
      auto it = posted_.find(environment);
      // The description (counts) may change while the state stays: not worth a request.
      if (it != posted_.end() && it->second.first == revision &&
          it->second.second.state == next.second.state)
        continue;
      posted_[environment] = next;  // claimed now, so a concurrent pass does not post it too
    }
    const std::string context = "dflow/sync/" + environment;
    Status sent = SetCommitStatus(options_, revision, context, next.second.state,
                                  next.second.description, target_url_);
    if (sent.ok()) {
      spdlog::info("forge: {} on {}: {}", context, revision.substr(0, 12), next.second.description);
      continue;
    }
    spdlog::warn("forge: setting {} on {}: {} (will retry after the next pass)", context,
                 revision.substr(0, 12), sent.message());
    std::lock_guard lock(mutex_);
    auto it = posted_.find(environment);
    if (it != posted_.end() && it->second == next) posted_.erase(it);
  }
}

Result<std::unique_ptr<SyncStatusReporter>> MakeSyncStatusReporter(const ControllerConfig& config) {
  if (config.forge_kind.empty()) return std::unique_ptr<SyncStatusReporter>();
  auto kind = ParseForgeKind(config.forge_kind);
  if (!kind.ok()) return kind.status();
  ForgeOptions options;
  options.kind = *kind;
  options.api_base_url = config.forge_api_url;
  options.repo = config.forge_repo;
  if (!config.forge_token_file.empty()) {
    std::ifstream in(config.forge_token_file);
    if (!in)
      return Status(Code::kNotFound, "cannot read forge token file " + config.forge_token_file);
    std::getline(in, options.token);
  } else if (const char* value = std::getenv(config.forge_token_env.c_str())) {
    options.token = value;
  }
  if (options.token.empty())
    return Status(
        Code::kInvalidArgument,
        "forge token is empty (forge.tokenFile or forge.tokenEnv in " + config.source_path + ")");
  return std::make_unique<SyncStatusReporter>(std::move(options), config.forge_target_url);
}

}  // namespace dflow
