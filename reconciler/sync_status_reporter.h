// Tells the config repo's forge how each environment's sync went: the commit status
// "dflow/sync/<environment>" on the applied commit, after node passes. Posts only when an
// environment's state changed, so an idle controller sends nothing every interval.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "providers/forge_client.h"
#include "reconciler/controller_config.h"
#include "reconciler/status_store.h"

namespace dflow {

struct EnvironmentCommitStatus {
  CommitState state = CommitState::kPending;
  std::string description;  // e.g. "3 apps synced", "1 of 3 apps failed: shop-web"
  bool operator==(const EnvironmentCommitStatus&) const = default;
};

// The status of `environment` on `revision` from the apps' statuses: failure when any app
// failed, success when every app is Synced on `revision`, else pending (a node has not yet
// caught up, or changes are being applied). Pure.
EnvironmentCommitStatus EnvironmentStatusOn(const std::vector<AppStatusRecord>& apps,
                                            const std::string& environment,
                                            const std::string& revision);

class SyncStatusReporter {
 public:
  // `options` carries the forge, repo and token; `target_url` ("" for none) is linked from
  // the status.
  SyncStatusReporter(ForgeOptions options, std::string target_url);

  // After a node pass on `revision`: for each of `environments` (those the node runs), reads
  // the store and posts the environment's status if it differs from the last one posted for
  // it. A failed post is logged (never with the token) and retried after the next pass; it
  // never affects reconciling. Thread-safe; the HTTP request runs outside the lock.
  void AfterPass(StatusStore& store, const std::string& revision,
                 const std::set<std::string>& environments);

 private:
  using Posted = std::pair<std::string, EnvironmentCommitStatus>;  // revision, status

  const ForgeOptions options_;
  const std::string target_url_;
  std::mutex mutex_;
  std::map<std::string, Posted> posted_;  // GUARDED_BY(mutex_); by environment
};

// The reporter for the config's `forge:` section: null when no forge is configured;
// kNotFound when the token file cannot be read, kInvalidArgument when the token is empty.
Result<std::unique_ptr<SyncStatusReporter>> MakeSyncStatusReporter(const ControllerConfig& config);

}  // namespace dflow
