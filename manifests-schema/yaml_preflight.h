// A dry run of yaml-cpp's parser before YAML::LoadAll builds anything. yaml-cpp 0.7 never
// returns from LoadAll on some inputs: a ',' where a document should start (the file ","
// alone) is a token no rule consumes, so each call of the parser makes one more empty
// document at the same place and memory grows until the process dies (found by the
// manifest_loader and controller_config fuzzers). The dry run stops there and says where.
#pragma once

#include <optional>
#include <string>

#include "manifests-schema/diagnostic.h"

namespace dflow {

// A diagnostic for `path` when yaml-cpp would loop forever on `content`, else nullopt (a
// syntax error is left to the real parse, which reports it with its place).
std::optional<Diagnostic> PreflightYaml(const std::string& path, const std::string& content);

}  // namespace dflow
