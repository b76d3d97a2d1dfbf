// A datastore whose node changes must not silently start empty on the new node while its data
// stays on the old one (docs/datastores.md, "Moving a datastore"). Needs every node's
// observation, so the CLI runs it once all nodes are observed.
#pragma once

#include <map>
#include <string>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/plan/plan.h"

namespace dflow {

// Refuses `plan` (the plan of `node`) when it would create a datastore that exists on
// another node of `observed` (node name -> its observation): the refusal says which, where,
// and how to go on. `move: {from}` naming that node does not lift the refusal yet: the move
// itself is not built, so the refusal says how to move the data by hand.
void RefuseDatastoreForks(const NodeDesiredState& node,
                          const std::map<std::string, const ObservedNode*>& observed,
                          NodePlan& plan);

}  // namespace dflow
