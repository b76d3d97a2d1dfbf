// Reads a service's `health` map (an HTTP check Dokku runs at deploy, desired_state.h
// HealthCheck). Internal to the manifest parser.
#pragma once

#include <optional>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/field_reader.h"

namespace dflow {

// `health: {path, port, expect, content, attempts, wait, timeout, initialDelay}`. Every
// problem is reported at its node (file:line:col) through `reader`; nullopt then.
// Durations are whole seconds: an integer or "30s", "2m".
std::optional<HealthCheck> ReadHealthCheck(FieldReader& reader, const YamlNode& node);

}  // namespace dflow
