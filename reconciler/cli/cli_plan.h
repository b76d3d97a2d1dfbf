// What `dflow plan` and `dflow apply` share: read and validate the repo, reach the selected
// nodes, observe them and plan each one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reconciler/apply/generated_secrets.h"
#include "reconciler/cli/cli_load.h"
#include "reconciler/cli/node_access.h"
#include "reconciler/controller/fleet.h"
#include "reconciler/plan/plan.h"

namespace CLI {
class App;
}

namespace dflow::cli {

struct PlanArgs {
  RepoArgs repo;
  std::string environment;  // only this environment's actions
  std::string node;         // only this node
  SshCredentials credentials;
  int parallel = 8;
  bool allow_mass_delete = false;
  bool allow_datastore_destroy = false;
  // Resolve the git sources' refs first, as the controller does every pass (docs/sources.md).
  bool resolve_refs = false;
};

void AddPlanArgs(CLI::App& sub, PlanArgs& args);

struct PlannedFleet {
  LoadedRepo repo;
  std::unique_ptr<Fleet> fleet;
  std::vector<NodeOutcome> outcomes;  // one per selected node
  PlanOptions options;
  // The themes' generated secrets (in options.secrets too); apply saves what was made.
  std::unique_ptr<GeneratedSecrets> generated;
  bool node_errors = false;  // some node could not be observed (printed already)
  // Remote datastores (on another node than an app that uses them) not created yet: their
  // apps are blocked until the datastore's node has been applied (cmd_apply plans again).
  int remote_pending = 0;
};

// Loads, validates, observes and plans; prints errors to stderr. nullopt when nothing could
// be planned at all (invalid repo, unknown --env/--node).
std::optional<PlannedFleet> PlanFleet(const PlanArgs& args);

// The same for a repo already loaded and validated (loaded.result.ok()).
std::optional<PlannedFleet> PlanLoadedFleet(const PlanArgs& args, LoadedRepo loaded);

// Keeps the actions of one environment (node-level actions stay: they serve every
// environment on the node).
void KeepEnvironment(const std::string& environment, NodePlan& plan);

// The file `dflow apply` keeps generated secrets in: --generated-secrets, else
// generated-secrets.json beside --secrets, else "" (none: nothing generated can be kept).
std::string GeneratedSecretsPath(const RepoArgs& args);

}  // namespace dflow::cli
