// dflow plan: what apply would change on each node, and why, without changing anything.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "reconciler/cli.h"
#include "reconciler/cli_plan.h"
#include "reconciler/plan_format.h"

namespace dflow::cli {
namespace {

struct PlanCommandArgs {
  PlanArgs plan;
  std::string format = "text";
  bool detailed_exitcode = false;
};

int Run(const PlanCommandArgs& args) {
  std::optional<PlannedFleet> planned = PlanFleet(args.plan);
  if (!planned) return kExitFailure;
  std::vector<NodePlan> plans;
  bool changes = false;
  for (const auto& outcome : planned->outcomes) {
    if (!outcome.observed) continue;
    plans.push_back(outcome.plan);
    changes = changes || outcome.plan.HasChanges() || outcome.plan.refused;
  }
  std::cout << (args.format == "json" ? FormatPlansJson(plans) : FormatPlansText(plans));
  if (planned->node_errors) return kExitFailure;
  if (args.detailed_exitcode && changes) return kExitChanges;
  return kExitOk;
}

}  // namespace

Command MakePlanCommand() {
  return {"plan", "Show what apply would change on each node, and why (changes nothing)",
          [](CLI::App& sub) {
            auto args = std::make_shared<PlanCommandArgs>();
            AddPlanArgs(sub, args->plan);
            sub.add_option("--format", args->format, "text or json")
                ->check(CLI::IsMember({"text", "json"}))
                ->default_str("text");
            sub.add_flag("--detailed-exitcode", args->detailed_exitcode,
                         "exit 0 when converged, 2 when changes are pending, 1 on error");
            sub.footer(
                "Exit status: 0 ok (or converged with --detailed-exitcode), 1 invalid repo or "
                "a node could not be observed, 2 changes pending (--detailed-exitcode), 64 "
                "usage error.");
            return std::function<int()>([args] { return Run(*args); });
          }};
}

}  // namespace dflow::cli
