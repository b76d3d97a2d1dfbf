// The static plan of a pull request: what changes between two revisions of the config repo,
// without reaching any node. The base revision's desired state is turned into the model each
// node would report had dflow applied it (SimulateApplied), and the head is planned against
// that with the ordinary planner, so a PR review speaks the same actions as `dflow plan`.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/plan/plan.h"

namespace dflow {

// What node `desired` would look like right after dflow applied it: every app present,
// marked as dflow's (marker, managed keys, spec digest), deployed from its source at the
// given ref, scaled, linked; its datastores created; Traefik's TLS settings in place.
// `secrets` gives the value each secret key is recorded with (any placeholder will do, as
// long as the head is planned with the same values).
ObservedNode SimulateApplied(const NodeDesiredState& desired, const SecretValues& secrets);

// Every secret key of every app of `desired`, with one fixed placeholder value: a static plan
// never needs (nor shows) secret values, only which keys come and go.
SecretValues PlaceholderSecrets(const DesiredState& desired);

struct StaticPlan {
  std::vector<NodePlan> plans;  // one per node of base or head, sorted by node name
  std::vector<std::string> environments_added;
  std::vector<std::string> environments_removed;
  std::vector<std::string> nodes_added;
  std::vector<std::string> nodes_removed;  // their plan holds one note and no action
};

// Plans `head` against `base` as applied. `options` are the head's (PlanOptionsFor(head),
// plus guards); secrets and previous datastores are filled in here, per node.
StaticPlan PlanBetween(const DesiredState& base, const DesiredState& head, PlanOptions options);

}  // namespace dflow
