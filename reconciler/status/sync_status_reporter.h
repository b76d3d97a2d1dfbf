// Tells the config repo's forge how each environment's sync went: the commit status
// "dflow/sync/<environment>" on the applied commit, after node passes. Posts only when an
// environment's state changed, so an idle controller sends nothing every interval. Requests run
// on the reporter's own thread: a forge that is slow or down never holds up a node's loop.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/forge/forge_client.h"
#include "reconciler/status/status_store.h"

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

// Where commit statuses go: the forge, repo and token, and the link shown with each status.
struct SyncStatusTarget {
  ForgeOptions forge;
  std::string target_url;  // "" for none
};

class SyncStatusReporter {
 public:
  // Posts nothing until it has a target.
  explicit SyncStatusReporter(std::optional<SyncStatusTarget> target = std::nullopt);
  // Lets the request in flight finish (bounded by the forge timeout); statuses still queued
  // are dropped, and a restarted controller posts every environment's status once more.
  ~SyncStatusReporter();
  SyncStatusReporter(const SyncStatusReporter&) = delete;
  SyncStatusReporter& operator=(const SyncStatusReporter&) = delete;

  // After a pass of `node` on `revision` (the commit `desired` was read from): for each
  // environment the node runs, reads the store and queues the environment's status if its
  // revision or state differs from the last one posted for it (a new description alone is not
  // posted). Returns without waiting for the forge; a newer status for an environment replaces
  // one still queued. A failed post is logged (never with the token) and retried after the
  // next pass; it never affects reconciling. Thread-safe.
  void AfterPass(StatusStore& store, const DesiredState& desired, const std::string& node,
                 const std::string& revision);

  // A new target (a SIGHUP reload), or none to stop posting; the same target changes nothing.
  // Otherwise statuses still queued are dropped and every environment's status is posted again
  // after its next pass, so the new forge or repo learns the current state; a request in
  // flight finishes to the old target.
  void SetTarget(std::optional<SyncStatusTarget> target);

  // Blocks until every queued status has been sent or has failed.
  void WaitIdle();

 private:
  using Posted = std::pair<std::string, EnvironmentCommitStatus>;  // revision, status

  void SendQueued();  // the worker thread
  static bool Send(const SyncStatusTarget& target, const std::string& environment,
                   const Posted& status);

  std::mutex mutex_;
  std::optional<SyncStatusTarget> target_;  // GUARDED_BY(mutex_)
  std::condition_variable changed_;
  std::map<std::string, Posted> posted_;  // GUARDED_BY(mutex_); by environment, sent or queued
  std::map<std::string, Posted> queue_;   // GUARDED_BY(mutex_); by environment, not sent yet
  bool sending_ = false;                  // GUARDED_BY(mutex_)
  bool stopping_ = false;                 // GUARDED_BY(mutex_)
  std::thread worker_;                    // last: starts once the members above exist
};

}  // namespace dflow
