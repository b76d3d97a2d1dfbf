// Parsers for the per-app Dokku calls that have no all-app form (reference/dokku.md §4):
// config:export, ps:scale and resource:report.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

// `config:export --format json <app>`: {"K":"v",...} -> key -> value. Values are secrets,
// so errors quote nothing of the output: kFailed "<cmd>: output is not JSON" and alike.
Result<std::map<std::string, std::string>> ParseConfigExport(const std::vector<std::string>& argv,
                                                             std::string_view out);

// `ps:scale --format json <app>`: [{"process_type":"web","quantity":1}] or [] ->
// process type -> quantity. A duplicate type or a negative quantity is an error.
Result<std::map<std::string, int>> ParseScaleJson(const std::vector<std::string>& argv,
                                                  std::string_view out);

// `resource:report <app> --format json`: keys "<proctype|_default_>.<limit|reserve>.<res>"
// -> value. Empty output or {} means no resource properties. The legacy duplicate keys
// ("resource-" + a key also present) are dropped; any other key shape is an error.
Result<std::map<std::string, std::string>> ParseResourceReport(const std::vector<std::string>& argv,
                                                               std::string_view out);

}  // namespace dflow
