// PlanApp: the ordered actions that bring one desired, dflow-owned app on a node to its
// spec. Used by PlanNode (plan.h), which decides ownership, pruning and node-level steps.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/action.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/plan/plan.h"
#include "reconciler/plan/proxy_plan.h"

namespace dflow {

struct AppContext {
  const AppSpec* spec = nullptr;
  const ObservedApp* live = nullptr;  // nullptr when the app does not exist on the node yet
  const NodeDesiredState* node = nullptr;
  const PlanOptions* options = nullptr;
  const ProxyChange* proxy = nullptr;  // what the node-level proxy steps change (proxy_plan.h)
};

struct AppPlan {
  std::vector<Action> actions;  // in execution order, ending with at most one restart/rebuild
  std::vector<PlanNote> notes;
};

// Precondition: every secret key of the spec has a value in options->secrets (PlanNode
// checks and blocks the app otherwise), and `live`, when set, is managed by dflow for this
// very service.
AppPlan PlanApp(const AppContext& context);

// "<environment>/<application>/<service>", the value of kManagedMarkerKey.
std::string ManagedMarker(const AppSpec& spec);

}  // namespace dflow
