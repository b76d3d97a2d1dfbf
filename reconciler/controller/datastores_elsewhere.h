// For the controller's fork check (reconciler/plan/datastore_move.h): which other nodes hold
// the datastores a node's pass would create. The CLI observes every node instead.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/controller/fleet.h"

namespace dflow {

// Asks every node of `desired` but `self` whether it holds each of `wanted`
// (`<engine>:exists <service>`: one call per datastore and node, only when a pass would create
// one). Returns an ObservedNode per node that answered every call, with only `node` and
// `datastores` filled; a node that could not be reached or asked is left out.
std::map<std::string, ObservedNode> FindDatastoresElsewhere(
    const DesiredState& desired, Fleet& fleet, const std::string& self,
    const std::vector<DatastoreSpec>& wanted, const ExecOptions& exec);

}  // namespace dflow
