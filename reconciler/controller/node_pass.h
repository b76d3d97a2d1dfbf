// One reconcile of one node, as the controller runs it every interval: observe, finish any
// create a dead controller left half done, plan, hold back apps that are backing off, apply,
// then record what happened (history, per-app status, metrics). Nodes never share a pass, so a
// slow or dead node delays only itself.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/desired_state_loader.h"
#include "providers/dokku/dokku_observer.h"
#include "providers/dokku/observed_state.h"
#include "providers/transport/transport.h"
#include "reconciler/plan/plan.h"
#include "reconciler/status/metrics.h"
#include "reconciler/status/status_store.h"

namespace dflow {

// Per app: consecutive failed passes and when the next attempt may run.
struct AppBackoff {
  int failures = 0;
  std::int64_t retry_at = 0;  // unix seconds
};

struct NodePassInput {
  const NodeDesiredState* node = nullptr;
  std::string revision;  // commit of the desired state
  std::string trigger;   // "interval", "webhook", "revision", "verify", ...
  // The node's previous pass worked on this same revision: whatever this pass changes is
  // drift made on the node, not a change from the repo.
  bool same_revision_as_last_pass = false;
  PlanOptions plan_options;
  // Apps held by a rollback pin (`node` has their pinned source): app -> PinNote. They show
  // OutOfSync with the note until Git agrees.
  std::map<std::string, std::string> pins;
  // When set, the pass is of these apps only (their ref moved): the node is observed as usual,
  // but only their actions run and only their statuses are written.
  std::set<std::string> only_apps;
  // The node as observed while the pushed commit was being fetched (a webhook's pass: see
  // source_rounds.h); observed by the pass itself when unset.
  std::optional<Result<ObservedNode>> observed_ahead;
  SecretValues secrets;
  // The other nodes, for the datastores this pass would create (docs/datastores.md, "Moving a
  // datastore"). `datastores_elsewhere` returns, per other node that answered, which of
  // `wanted` it holds (an ObservedNode with only `datastores` filled); unset, no node is asked
  // and nothing is checked. `other_transports` gives a move's old node (nullptr: none).
  std::function<std::map<std::string, ObservedNode>(const std::vector<DatastoreSpec>& wanted)>
      datastores_elsewhere;
  std::function<Transport*(const std::string& node)> other_transports;
  ExecOptions exec;
  std::function<bool()> should_stop;  // SIGTERM: stop after the action in flight
  std::function<std::int64_t()> now;  // unix seconds
  std::chrono::seconds backoff_base{10};
  std::chrono::seconds backoff_cap{600};
};

struct NodePassOutcome {
  Status status;           // why the node could not be observed; its code drives the loop
                           // (loop_policy.h). OK when observed, even if an action failed.
  bool reachable = false;  // the node was observed
  bool applied = false;    // some action ran (so a verification pass should follow)
  bool failed = false;     // an action failed, the plan was refused, or the node unreachable
  std::string error;       // why, for logs
};

// How a pass observes node `node` (so an observation made ahead is the same as the pass's own).
ObserveOptions NodePassObserveOptions(const std::string& node, const ExecOptions& exec);

// Observe, plan (less the apps backing off), apply, record. Writes the history, every app's
// status and the metrics; updates `backoff`. A failed store write is logged and counted,
// never fatal. Thread-compatible: one pass per node at a time.
NodePassOutcome RunNodePass(const NodePassInput& input, Transport& transport, StatusStore& store,
                            Metrics& metrics, std::map<std::string, AppBackoff>& backoff);

// Declares the metrics RunNodePass and the controller update.
void DeclareControllerMetrics(Metrics& metrics);

}  // namespace dflow
