// The themes dflow ships (manifests-schema/themes/*.yaml, compiled in by CMake). A repo may
// define more with `kind: Theme`; a repo Theme with a built-in's name replaces it.
#pragma once

#include <string>
#include <vector>

namespace dflow {

struct BuiltinThemeText {
  const char* name;  // "n8n"
  const char* yaml;  // the Theme document
};

// Sorted by name.
const std::vector<BuiltinThemeText>& BuiltinThemeTexts();

// The file name diagnostics give a built-in theme: "builtin:themes/n8n.yaml".
std::string BuiltinThemeFile(const std::string& name);

}  // namespace dflow
