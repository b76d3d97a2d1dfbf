// dflow apply: plans, shows the plan, and applies it node by node (nodes in parallel), then
// writes the edges' files that differ (docs/edge.md).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <mutex>

#include "reconciler/apply/apply.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/cli_edges.h"
#include "reconciler/cli/cli_plan.h"
#include "reconciler/plan/plan_format.h"

namespace dflow::cli {
namespace {

struct ApplyCommandArgs {
  PlanArgs plan;
  bool dry_run = false;
  bool yes = false;
};

bool Confirm(int changes) {
  if (!isatty(STDIN_FILENO)) {
    std::cerr << "dflow: not on a terminal: pass --yes to apply " << changes
              << " change(s), or --dry-run to see them\n";
    return false;
  }
  std::cout << "Apply " << changes << " change(s)? Type 'yes' to go on: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "yes";
}

void PrintProgress(const ActionEvent& event) {
  const ActionResult& r = *event.result;
  if (event.phase == ActionEvent::Phase::kStarted) return;
  std::cout << "[" << r.node << " " << r.index + 1 << "/" << event.total << "] "
            << ActionOutcomeName(r.outcome) << ": " << ActionKindName(r.action.kind)
            << (r.action.app.empty() ? "" : " " + r.action.app) << " — " << r.action.reason << "\n";
  if (r.outcome == ActionOutcome::kFailed && !r.message.empty())
    std::cout << "    " << r.message << "\n";
  std::cout << std::flush;
}

// Apps that use a datastore on another node wait until it exists there: once this apply
// has created it, one more round plans and applies them (docs/datastores.md).
bool SecondRound(const ApplyCommandArgs& args, const PlannedFleet& first) {
  if (first.remote_pending == 0 || args.dry_run) return true;
  std::cout << "Datastores used from other nodes now exist: planning their apps again\n";
  std::optional<PlannedFleet> again = PlanLoadedFleet(args.plan, first.repo);
  if (!again) return false;
  std::vector<NodePlan> plans;
  std::map<std::string, Transport*> transports;
  for (const auto& outcome : again->outcomes) {
    if (!outcome.observed) continue;
    if (outcome.plan.ExecutableCount() > 0) plans.push_back(outcome.plan);
    // Every node's, not only those with a plan: a move's export runs on its old node.
    for (const auto& node : again->repo.result.desired->nodes) {
      if (node.node.name != outcome.node) continue;
      auto transport = again->fleet->TransportFor(node.node);
      if (transport.ok()) transports[outcome.node] = *transport;
    }
  }
  if (plans.empty()) return !again->node_errors;
  std::cout << FormatPlansText(plans);
  ApplyOptions options;
  options.max_parallel_nodes = static_cast<std::size_t>(args.plan.parallel);
  options.secrets = again->options.secrets;
  options.on_progress = PrintProgress;
  ApplyResult result = ApplyPlans(plans, transports, options);
  std::cout << result.Summary() << "\n";
  return result.ok() && !again->node_errors;
}

int Run(const ApplyCommandArgs& args) {
  std::optional<PlannedFleet> planned = PlanFleet(args.plan);
  if (!planned) return kExitFailure;
  std::vector<NodePlan> plans;
  std::map<std::string, Transport*> transports;
  int changes = 0;
  for (const auto& outcome : planned->outcomes) {
    if (!outcome.observed) continue;
    plans.push_back(outcome.plan);
    changes += outcome.plan.ExecutableCount();
    for (const auto& node : planned->repo.result.desired->nodes) {
      if (node.node.name != outcome.node) continue;
      auto transport = planned->fleet->TransportFor(node.node);
      if (transport.ok()) transports[outcome.node] = *transport;
    }
  }
  const DesiredState& desired = *planned->repo.result.desired;
  // The edges too, unless --node narrows the run to one node.
  const std::vector<EdgePlan> edges =
      args.plan.node.empty() ? PlanEdges(desired, args.plan.credentials, args.plan.environment)
                             : std::vector<EdgePlan>{};
  bool edge_errors = false;
  for (const EdgePlan& edge : edges) {
    changes += edge.changes() ? 1 : 0;
    edge_errors = edge_errors || !edge.error.empty();
  }
  std::cout << FormatPlansText(plans) << FormatEdgePlansText(edges);
  if (changes == 0) {
    std::cout << "Nothing to do: every node" << (edges.empty() ? "" : " and edge")
              << " matches the repo.\n";
    return planned->node_errors || edge_errors ? kExitFailure : kExitOk;
  }
  if (!args.dry_run && !args.yes && !Confirm(changes)) return kExitFailure;

  // Generated secrets are kept before any node gets them, so a failed apply loses none.
  if (!args.dry_run && planned->generated->Pending()) {
    if (planned->generated->path().empty()) {
      std::cerr << "dflow: themes need secrets generated once, and there is nowhere to keep "
                   "them: pass --secrets FILE (they go beside it) or --generated-secrets FILE\n";
      return kExitFailure;
    }
    if (Status saved = planned->generated->Save(); !saved.ok()) {
      std::cerr << "dflow: " << saved.message() << "\n";
      return kExitFailure;
    }
  }
  ApplyOptions options;
  options.dry_run = args.dry_run;
  options.max_parallel_nodes = static_cast<std::size_t>(args.plan.parallel);
  options.secrets = planned->options.secrets;
  options.on_progress = PrintProgress;
  ApplyResult result = ApplyPlans(plans, transports, options);
  std::cout << result.Summary() << "\n";
  // A refused plan ran nothing: it needs the user (its refusal says what to do).
  const bool refused =
      std::any_of(plans.begin(), plans.end(), [](const NodePlan& plan) { return plan.refused; });
  const bool second_ok = result.ok() && !refused && SecondRound(args, *planned);
  // The edges last: a service's new node is up before the edge sends it traffic.
  const bool edges_ok = args.dry_run || ApplyEdges(desired, edges, std::cout);
  return result.ok() && !refused && second_ok && edges_ok && !planned->node_errors && !edge_errors
             ? kExitOk
             : kExitFailure;
}

}  // namespace

Command MakeApplyCommand() {
  return {"apply", "Plan, then change the nodes until they match the repo", [](CLI::App& sub) {
            auto args = std::make_shared<ApplyCommandArgs>();
            AddPlanArgs(sub, args->plan);
            sub.add_flag("--dry-run", args->dry_run, "render every command, run none");
            sub.add_flag("--yes,-y", args->yes, "do not ask for confirmation");
            sub.footer(
                "Exit status: 0 applied (or nothing to do), 1 invalid repo, a node "
                "unreachable, a node's plan refused or an action failed, 64 usage error.");
            return std::function<int()>([args] { return Run(*args); });
          }};
}

}  // namespace dflow::cli
