// Renders a DesiredState for people and tools (`dflow render`). The JSON form is stable:
// camelCase keys, documented in manifests-schema/README.md ("Rendered desired state"), lists
// in the model's sorted order. Secret KEYS are listed (secretKeys); values never appear.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "manifests-schema/desired_state.h"

namespace dflow {

nlohmann::json DesiredStateToJson(const DesiredState& state);

// The same tree as DesiredStateToJson, as block-style YAML (object keys sorted).
std::string DesiredStateToYaml(const DesiredState& state);

}  // namespace dflow
