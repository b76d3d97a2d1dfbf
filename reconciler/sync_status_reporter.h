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

#include "manifests-schema/desired_state.h"
#include "providers/forge_client.h"
#include "reconciler/controller_config.h"
#include "reconciler/status_store.h"

namespace dflow {

struct EnvironmentCommitStatus {
  CommitState state = CommitState::kPending;
  std::string description;  // e.g. "3 apps synced", "1 of 3 apps failed: shop-web"
  bool operator==(const EnvironmentCommitStatus&) const = default;
};

// The status of an environment on `revision`: failure when any of its apps failed, success
// when every app of `desired` ("node/app" keys: the environment's apps in the desired state)
// is Synced on `revision`, else pending (a node has not caught up yet, or changes are being
// applied). Store records outside `desired` are left out. Pure.
EnvironmentCommitStatus EnvironmentStatusOn(const std::vector<AppStatusRecord>& apps,
                                            const std::set<std::string>& desired,
                                            const std::string& revision);

class SyncStatusReporter {
 public:
  // `options` carries the forge, repo and token; `target_url` ("" for none) is linked from
  // the status.
  SyncStatusReporter(ForgeOptions options, std::string target_url);

  // After a pass of `node` on `revision` (the commit `desired` was read from): for each
  // environment the node runs, reads the store and posts the environment's status if its
  // revision or state differs from the last one posted for it (a new description alone is not
  // posted). A failed post is logged (never with the token) and retried after the next pass;
  // it never affects reconciling. Thread-safe; the HTTP request runs outside the lock.
  void AfterPass(StatusStore& store, const DesiredState& desired, const std::string& node,
                 const std::string& revision);

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
