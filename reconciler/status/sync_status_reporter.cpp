#include "reconciler/status/sync_status_reporter.h"

#include <spdlog/spdlog.h>

#include "reconciler/status/app_status.h"

namespace dflow {
namespace {

bool SameTarget(const std::optional<SyncStatusTarget>& a,
                const std::optional<SyncStatusTarget>& b) {
  if (!a || !b) return !a && !b;
  return a->forge.kind == b->forge.kind && a->forge.api_base_url == b->forge.api_base_url &&
         a->forge.repo == b->forge.repo && a->forge.token == b->forge.token &&
         a->target_url == b->target_url;
}

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

SyncStatusReporter::SyncStatusReporter(std::optional<SyncStatusTarget> target)
    : target_(std::move(target)), worker_([this] { SendQueued(); }) {}

SyncStatusReporter::~SyncStatusReporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (!queue_.empty())
      spdlog::info(
          "forge: stopping with {} commit status(es) not sent; they are sent after a "
          "restart",
          queue_.size());
  }
  changed_.notify_all();
  worker_.join();
}

void SyncStatusReporter::AfterPass(StatusStore& store, const DesiredState& desired,
                                   const std::string& node, const std::string& revision) {
  {
    std::lock_guard lock(mutex_);
    if (!target_) return;  // no forge: a pass costs nothing here
  }
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
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    if (!target_) return;  // turned off meanwhile
    for (const auto& [environment, keys] : environments) {
      const Posted next{revision, EnvironmentStatusOn(*apps, keys, revision)};
      auto it = posted_.find(environment);
      // The description (counts) may change while the state stays: not worth a request.
      if (it != posted_.end() && it->second.first == revision &&
          it->second.second.state == next.second.state)
        continue;
      posted_[environment] = next;  // claimed now, so a concurrent pass does not queue it too
      queue_[environment] = next;
      queued = true;
    }
  }
  if (queued) changed_.notify_all();
}

void SyncStatusReporter::SetTarget(std::optional<SyncStatusTarget> target) {
  std::lock_guard lock(mutex_);
  if (SameTarget(target_, target)) return;  // a reload that left the forge alone
  target_ = std::move(target);
  queue_.clear();
  posted_.clear();
}

void SyncStatusReporter::WaitIdle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return stopping_ || (queue_.empty() && !sending_); });
}

void SyncStatusReporter::SendQueued() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    auto entry = queue_.extract(queue_.begin());
    if (!target_) continue;
    const SyncStatusTarget target = *target_;
    sending_ = true;
    lock.unlock();
    const bool sent = Send(target, entry.key(), entry.mapped());
    lock.lock();
    sending_ = false;
    if (!sent) {  // forget it, so that the next pass queues it again
      auto it = posted_.find(entry.key());
      if (it != posted_.end() && it->second == entry.mapped()) posted_.erase(it);
    }
    changed_.notify_all();
  }
  sending_ = false;
  changed_.notify_all();
}

bool SyncStatusReporter::Send(const SyncStatusTarget& target, const std::string& environment,
                              const Posted& status) {
  const auto& [revision, next] = status;
  const std::string context = "dflow/sync/" + environment;
  Status sent = SetCommitStatus(target.forge, revision, context, next.state, next.description,
                                target.target_url);
  if (sent.ok()) {
    spdlog::info("forge: {} on {}: {}", context, revision.substr(0, 12), next.description);
    return true;
  }
  spdlog::warn("forge: setting {} on {}: {} (will retry after the next pass)", context,
               revision.substr(0, 12), sent.message());
  return false;
}

}  // namespace dflow
