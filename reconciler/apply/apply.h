// ApplyPlans: runs node plans through each node's Transport. Within a node, each action runs
// as soon as the actions it needs have finished (action_graph.h: an app's actions in order,
// a datastore's create before its links, the node's proxy before the apps), the rest at the same
// time over the transport's channels; nodes in parallel (bounded pool). A failure skips only what
// depends on it (failure_scope.h); a transport failure skips the rest of the node. Results
// stay in plan order. Dry run renders every action and runs nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "manifests-schema/desired_state_loader.h"
#include "providers/dokku/action.h"
#include "providers/transport/transport.h"
#include "reconciler/plan/plan.h"

namespace dflow {

enum class ActionOutcome {
  kRan,       // Dokku exited 0
  kFailed,    // non-zero exit, transport error, or the command could not be rendered
  kSkipped,   // not run: an earlier failure, a refused plan, or report-only drift
  kWouldRun,  // dry run: rendered, not run
};

std::string_view ActionOutcomeName(ActionOutcome outcome);  // "ran", "failed", ...

struct ActionResult {
  std::string node;
  std::size_t index = 0;  // position in the node's plan
  Action action;          // holds no secret value (see action.h)
  std::string display;    // redacted command line
  ActionOutcome outcome = ActionOutcome::kSkipped;
  int exit_code = -1;   // Dokku's exit code when it ran
  std::string message;  // why skipped / failed: Dokku's stderr (secrets scrubbed) or a Status
};

struct NodeApplyResult {
  std::string node;
  std::vector<ActionResult> actions;  // one per plan action, in plan order
};

struct ApplyResult {
  std::vector<NodeApplyResult> nodes;  // in the order of the plans given
  int ran = 0;
  int failed = 0;
  int skipped = 0;
  int would_run = 0;
  bool ok() const { return failed == 0; }
  // "ran 5, failed 1, skipped 2" plus one line per failed action.
  std::string Summary() const;
};

struct ActionEvent {
  enum class Phase { kStarted, kFinished };
  Phase phase = Phase::kStarted;
  const ActionResult* result = nullptr;  // outcome valid only when kFinished
  std::size_t total = 0;                 // actions in that node's plan
};

struct ApplyOptions {
  bool dry_run = false;
  std::size_t max_parallel_nodes = 8;
  // Values for the secret config entries, per Dokku app name (ResolveAppSecrets()); checked
  // against the hashes in the plan.
  SecretValues secrets;
  ExecOptions exec;  // per command
  // Asked before each action; when it returns true the remaining actions are skipped (the
  // controller stopping on SIGTERM finishes the action in flight, then stops).
  std::function<bool()> should_stop;
  // Timeout for commands that build or start containers (deploy, rebuild, restart, scale,
  // datastore create/link, traefik start), which take minutes, not seconds.
  std::chrono::milliseconds slow_timeout{30 * 60 * 1000};
  // Called from worker threads, one call at a time (apply serializes them).
  std::function<void(const ActionEvent&)> on_progress;
};

// Returns the Transport for a node, or nullptr when there is none (the node's actions fail).
using TransportLookup = std::function<Transport*(const std::string& node)>;

ApplyResult ApplyPlans(const std::vector<NodePlan>& plans, const TransportLookup& transports,
                       const ApplyOptions& options);

// Convenience: transports by node name.
ApplyResult ApplyPlans(const std::vector<NodePlan>& plans,
                       const std::map<std::string, Transport*>& transports,
                       const ApplyOptions& options);

}  // namespace dflow
