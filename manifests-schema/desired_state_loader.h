// Turns the manifest files of one revision into a validated DesiredState, or into the full
// list of what is wrong with them. This is the only entry point the rest of dflow uses.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/diagnostic.h"
#include "manifests-schema/source_file.h"

namespace dflow {

// Secret values per environment, from the controller's side (never from the config repo):
// environment name -> (key -> value).
using SecretValues = std::map<std::string, std::map<std::string, std::string>>;

struct LoadOptions {
  // When set, every secret key a service lists must have a value for its environment, and a
  // missing one is an error. When unset, secrets are not checked.
  const SecretValues* secrets = nullptr;
};

struct LoadResult {
  std::optional<DesiredState> desired;  // set only when there is no error diagnostic
  // All errors and warnings, sorted (whole-file problems first, then by file, line, column),
  // up to kMaxDiagnostics; beyond that the first ones and a last "and N more"
  // (diagnostic_limit.h).
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return desired.has_value(); }
};

// Parses, validates, expands themes and fills defaults. Never throws; hostile input (alias
// bombs, deep nesting, huge or binary files, megabyte scalars, 100,000 documents) yields
// diagnostics, not crashes or hangs; work and memory are bounded by kMaxYamlNodes,
// kMaxYamlDocuments and kMaxDiagnostics.
LoadResult LoadDesiredState(const SourceSnapshot& snapshot, const LoadOptions& options = {});

}  // namespace dflow
