// The themes a config repo can use, as plain data for `dflow themes list|show`: dflow's
// built-in ones (manifests-schema/themes/) and the repo's `kind: Theme` documents; a repo
// theme replaces a built-in one of the same name.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/diagnostic.h"
#include "manifests-schema/source_file.h"

namespace dflow {

struct ThemeParameterInfo {
  std::string name;
  std::string type;
  std::string default_value;  // as written in the theme ("${product.defaultVersion}"), or ""
  bool has_default = false;
  bool required = false;
  bool secret = false;  // from the secrets file, never in Git
  bool env_overridable = true;
  std::vector<std::string> enum_values;
  std::string range;  // ints: "1 to 20", "at least 1", ...; "" otherwise
  std::string description;
};

struct ThemeSecretInfo {
  std::string name;
  bool durable = false;    // from the secrets file; else generated once by the controller
  std::string generator;   // "kind random, bytes 32, encoding hex"
  bool generated = false;  // has a recipe (`generate` or `derive`)
  SecretRecipe recipe;
};

struct ThemeInfo {
  std::string name;
  std::string file;  // "builtin:themes/n8n.yaml" or the path in the repo
  bool builtin = false;
  std::string version;  // the recipe's
  std::string description;
  std::string product;
  std::string default_version;
  std::string supported;
  std::vector<ThemeParameterInfo> parameters;
  std::vector<ThemeSecretInfo> secrets;
  std::vector<std::string> services;    // names, "runners when ${...}" for conditional ones
  std::vector<std::string> datastores;  // "db (postgres)", "cache (redis) when ${...}"
  std::vector<std::pair<std::string, std::string>> notes;
};

struct ThemeCatalog {
  std::vector<ThemeInfo> themes;        // sorted by name
  std::vector<Diagnostic> diagnostics;  // problems of the repo's documents, if any
};

// Reads the Theme documents of `snapshot` (an empty snapshot gives the built-in themes only).
ThemeCatalog LoadThemeCatalog(const SourceSnapshot& snapshot);

}  // namespace dflow
