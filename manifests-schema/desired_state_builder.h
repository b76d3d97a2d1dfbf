// Cross-document checks (names, references, placement, collisions, secrets) and the
// expansion of parsed manifests into the DesiredState. Internal to the loader.
#pragma once

#include <optional>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/diagnostic.h"
#include "manifests-schema/manifest_model.h"

namespace dflow {

// Appends every problem to `diagnostics`; returns the state only when none is an error.
std::optional<DesiredState> BuildDesiredState(const Manifests& manifests,
                                              const LoadOptions& options,
                                              std::vector<Diagnostic>& diagnostics);

}  // namespace dflow
