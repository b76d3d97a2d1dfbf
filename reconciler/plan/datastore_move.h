// A datastore whose node changes must not silently start empty on the new node while its data
// stays on the old one (docs/datastores.md, "Moving a datastore"). Needs other nodes'
// observations, so the CLI runs it once all nodes are observed, the controller once it has
// asked the other nodes for the datastores a pass would create.
#pragma once

#include <map>
#include <string>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/plan/plan.h"

namespace dflow {

// For each datastore `plan` (the plan of `node`) would create that exists on another node of
// `observed` (node name -> its observation; the other nodes' datastores are all it reads):
//   - move: {from} names that node: the create is followed by a kImportDatastore from it (the
//     export streamed into the import), which the datastore's links wait for;
//   - else the plan is refused, saying which datastore, where, and how to go on.
// A datastore with move: {from} whose old node is not in `observed` (unreachable, or not
// asked) refuses the plan too: where its data is cannot be told.
void PlanDatastoreMoves(const NodeDesiredState& node,
                        const std::map<std::string, const ObservedNode*>& observed, NodePlan& plan);

}  // namespace dflow
