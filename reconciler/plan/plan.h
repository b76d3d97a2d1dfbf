// PlanNode: the pure diff of one node's desired state against what it observably runs,
// as an ordered list of typed actions (action.h). Same input, same plan; a converged node
// gives an empty plan; each action says why. Rules: docs/plan.md, docs/ownership.md.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/desired_state_loader.h"
#include "providers/dokku/action.h"
#include "providers/dokku/observed_state.h"

namespace dflow {

// What an environment allows dflow to do (from EnvironmentSpec).
struct EnvironmentPolicy {
  bool prune = false;     // destroy managed apps whose service left the repo
  bool self_heal = true;  // put hand-made drift back; else only report it
};

struct PlanOptions {
  // Per environment name; an environment not listed gets the defaults above (so an app of an
  // environment removed from the repo is never pruned).
  std::map<std::string, EnvironmentPolicy> environments;
  // Dokku app name -> key -> value, as ResolveAppSecrets() (secrets_file.h) makes it; only
  // hashes reach the plan.
  SecretValues secrets;
  // "<git url>#<ref>" -> full commit sha the ref resolves to now (e.g. from ls-remote).
  // With it a moved branch is redeployed; without it see docs/plan.md "Deploys".
  std::map<std::string, std::string> resolved_refs;
  // "<git url>#<ref>" -> why the ref could not be resolved ("source unreachable: ..."): the app
  // keeps the commit it runs, and gets a kStaleSource note saying so.
  std::map<std::string, std::string> unresolved_refs;
  // Datastores that left the repo are kept unless this is set, or the previous revision's
  // spec (below) said allow_destroy; `protect` in that spec always keeps them.
  bool allow_datastore_destroy = false;
  std::vector<DatastoreSpec> previous_datastores;  // last applied revision, this node; optional
  // Datastores the repo moves away with move: {from}: "<old node>/<engine>/<service>" -> the
  // new node. The old copy is kept whatever else allows destroying it, for as long as the
  // repo says move: {from} (PlanOptionsFor fills it).
  std::map<std::string, std::string> moved_away;
  // Mass-delete guard: a plan that destroys every managed app of an environment on the
  // node, or more than this share of them, is refused unless allow_mass_delete.
  double max_delete_share = 0.5;
  bool allow_mass_delete = false;
};

// Fills PlanOptions::environments from the desired state's environments.
PlanOptions PlanOptionsFor(const DesiredState& desired);

// An action on the node itself (Action::app empty): proxy steps, datastores, app destroys.
Action NodeAction(const std::string& node, ActionKind kind, std::string reason);

enum class NoteKind {
  kConflict,     // an app dflow would manage exists but is not dflow's (or another service's)
  kOrphan,       // managed but no longer desired, and kept (pruning off, protected)
  kBlocked,      // desired but cannot be planned (a secret has no value, ...)
  kDrift,        // drift reported, not corrected (self-heal off)
  kUnread,       // its live state could not be read this pass: nothing planned against it
  kStaleSource,  // its git ref could not be resolved: it keeps the commit it runs
  kInfo,         // anything else worth telling (no source to deploy, ...)
};

std::string_view NoteKindName(NoteKind kind);  // "conflict", "orphan", ...

struct PlanNote {
  NoteKind kind = NoteKind::kInfo;
  std::string subject;  // app or datastore name, "" for the node
  std::string message;
  std::string environment;  // the app's environment when known, else ""
  bool operator==(const PlanNote&) const = default;
};

struct NodePlan {
  std::string node;
  // In execution order: node-level setup (traefik, datastores created), then each app's
  // actions contiguously (apps by name), then app destroys, then datastore destroys.
  std::vector<Action> actions;
  std::vector<PlanNote> notes;  // sorted by subject, then kind
  // Set when the mass-delete guard tripped: nothing of this plan may run. `refusal` says
  // why and lists what would have been destroyed.
  bool refused = false;
  std::string refusal;

  // Number of actions that would run (not report-only).
  int ExecutableCount() const;
  int DestructiveCount() const;
  bool HasChanges() const { return ExecutableCount() > 0; }
};

// Plans one node. Pure and deterministic; never fails (what cannot be planned is a note).
NodePlan PlanNode(const NodeDesiredState& desired, const ObservedNode& observed,
                  const PlanOptions& options);

// Digest of everything dflow applies for `app` (secrets by hash), stored on the node as
// DFLOW_SPEC. When the node's digest equals the desired one, the repo has not changed for
// this app since dflow last configured it, so any difference is drift. 16 hex characters.
std::string AppSpecDigest(const AppSpec& app, const SecretValues& secrets);

}  // namespace dflow
