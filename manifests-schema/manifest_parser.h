// Reads one YAML document (apiVersion dflow/v1, kind, metadata, spec) into the Manifests model,
// reporting every unknown field, wrong type, missing field and bad syntax of a value.
// Cross-document checks (references, duplicates, collisions) are desired_state_builder's job.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/diagnostic.h"
#include "manifests-schema/manifest_model.h"
#include "manifests-schema/yaml_tree.h"

namespace dflow {

inline constexpr const char* kApiVersion = "dflow/v1";
inline constexpr int kMaxProcessCount = 100;

// The themes dflow ships (reference/themes.md); a repo may define more with kind: Theme.
const std::vector<std::string>& BuiltinThemes();

void ParseManifestDocument(const std::string& file, const YamlNode& document, Manifests& out,
                           std::vector<Diagnostic>& diagnostics);

}  // namespace dflow
