// Prints a JSON value as block-style YAML (keys in the JSON object's order, which
// nlohmann::json keeps sorted), for the CLI's --format yaml outputs.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace dflow {

std::string JsonToYaml(const nlohmann::json& value);

}  // namespace dflow
