#include "reconciler/cli/cli_plan.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "manifests-schema/secrets_file.h"
#include "reconciler/apply/derived_values.h"
#include "reconciler/controller/remote_datastore_dsns.h"
#include "reconciler/controller/source_refs.h"
#include "reconciler/plan/datastore_move.h"
#include "reconciler/plan/remote_datastore.h"
#include "reconciler/source/fetch_process.h"

namespace dflow::cli {

// Planning itself always sees the whole node, so that apps of other environments are never
// mistaken for orphans; only the output is cut to one environment.
void KeepEnvironment(const std::string& environment, NodePlan& plan) {
  std::erase_if(plan.actions,
                [&](const Action& a) { return !a.app.empty() && a.environment != environment; });
}

namespace {

// A datastore planned on a new node while it still exists on another one: refused, with the
// way out (reconciler/plan/datastore_move.h). Only observed nodes count (all but with --node).
void RefuseForks(const DesiredState& desired, std::vector<NodeOutcome>& outcomes) {
  std::map<std::string, const ObservedNode*> observed;
  for (const NodeOutcome& outcome : outcomes)
    if (outcome.observed) observed[outcome.node] = &*outcome.observed;
  for (NodeOutcome& outcome : outcomes) {
    if (!outcome.observed) continue;
    for (const NodeDesiredState& node : desired.nodes)
      if (node.node.name == outcome.node) PlanDatastoreMoves(node, observed, outcome.plan);
  }
}

}  // namespace

void AddPlanArgs(CLI::App& sub, PlanArgs& args) {
  AddRepoArgs(sub, args.repo);
  sub.add_option("--env", args.environment, "only this environment's changes");
  sub.add_option("--node", args.node, "only this node");
  AddSshCredentialArgs(sub, args.credentials);
  sub.add_option("--parallel", args.parallel, "nodes observed and applied at once")
      ->default_val(8)
      ->check(CLI::Range(1, 256));
  sub.add_flag("--allow-mass-delete", args.allow_mass_delete,
               "allow a plan that destroys most or all managed apps of an environment");
  sub.add_flag("--allow-datastore-destroy", args.allow_datastore_destroy,
               "allow destroying datastores that left the repo (never protected ones)");
  sub.add_flag("--resolve-refs", args.resolve_refs,
               "resolve each git source's ref to its commit first (ls-remote, as the "
               "controller does): a moved branch is planned as a deploy");
}

std::string GeneratedSecretsPath(const RepoArgs& args) {
  if (!args.generated.empty()) return args.generated;
  if (args.secrets.empty()) return "";
  return (std::filesystem::path(args.secrets).parent_path() / "generated-secrets.json").string();
}

std::optional<PlannedFleet> PlanFleet(const PlanArgs& args) {
  std::optional<LoadedRepo> loaded = LoadRepo(args.repo, std::cerr);
  if (!loaded) return std::nullopt;
  PrintDiagnostics(loaded->result, std::cerr);
  if (!loaded->result.ok()) {
    std::cerr << loaded->snapshot.description
              << ": the config repo does not validate; nothing is planned\n";
    return std::nullopt;
  }
  return PlanLoadedFleet(args, std::move(*loaded));
}

std::optional<PlannedFleet> PlanLoadedFleet(const PlanArgs& args, LoadedRepo loaded_repo) {
  std::optional<LoadedRepo> loaded = std::move(loaded_repo);
  const DesiredState& desired = *loaded->result.desired;
  std::vector<std::string> nodes;
  if (!SelectNodes(desired, args.environment, args.node, nodes, std::cerr)) return std::nullopt;

  PlannedFleet planned;
  planned.options = PlanOptionsFor(desired);
  const SecretValues file_values = loaded->secrets ? *loaded->secrets : SecretValues{};
  planned.options.secrets = ResolveAppSecrets(desired, file_values);
  Result<std::unique_ptr<GeneratedSecrets>> generated =
      GeneratedSecrets::Open(GeneratedSecretsPath(args.repo));
  if (!generated.ok()) {
    std::cerr << "dflow: " << generated.status().message() << "\n";
    return std::nullopt;
  }
  planned.generated = std::move(generated).value();
  // `dflow secrets rotate` requests: planned as new values; the apply's save removes them.
  for (const std::string& rotated : planned.generated->TakeRotationRequests())
    std::cerr << "note: generated secret " << rotated << " is rotated: a new value is made\n";
  if (Status status =
          AddDerivedSecretValues(desired, file_values, *planned.generated, planned.options.secrets);
      !status.ok()) {
    std::cerr << "dflow: generate secrets: " << status.message() << "\n";
    return std::nullopt;
  }
  planned.options.allow_mass_delete = args.allow_mass_delete;
  planned.options.allow_datastore_destroy = args.allow_datastore_destroy;
  if (args.resolve_refs) {
    // No credentials here: public and file:// repositories resolve; the controller has
    // `sources:` for the others, which are then planned as on record.
    ResolvedRefs refs = ResolveSourceRefsInChild(SourceRefsQueries(desired, ControllerConfig{}));
    planned.options.resolved_refs = std::move(refs.commits);
    planned.options.unresolved_refs = std::move(refs.errors);
  }
  SshCredentials credentials = args.credentials;
  planned.fleet = std::make_unique<Fleet>(
      [credentials](const NodeSpec& node) { return ConnectToNode(node, credentials); });
  // Apps that use a datastore on another node get its URL, read on that node.
  RemoteDatastoreDsns dsns = ReadRemoteDatastoreDsns(desired, *planned.fleet);
  for (const std::string& error : dsns.errors) {
    std::cerr << "dflow: " << error << "\n";
    planned.node_errors = true;
  }
  planned.remote_pending = AddRemoteDatastoreSecrets(desired, dsns.dsns, planned.options.secrets);
  planned.outcomes = ObserveAndPlan(desired, *planned.fleet, planned.options, nodes, args.parallel);
  RefuseForks(desired, planned.outcomes);
  for (auto& outcome : planned.outcomes) {
    if (!outcome.error.ok()) {
      std::cerr << "dflow: node " << outcome.node << ": " << outcome.error.message() << "\n";
      planned.node_errors = true;
    }
    if (!args.environment.empty()) KeepEnvironment(args.environment, outcome.plan);
  }
  planned.repo = std::move(*loaded);
  return planned;
}

}  // namespace dflow::cli
