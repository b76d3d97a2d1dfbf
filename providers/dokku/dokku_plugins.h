// Parser for `plugin:list --format json` (0.38.22+), the way to see installed plugins
// (postgres, redis, letsencrypt) through dokku@ (reference/dokku.md §3.19).
#pragma once

#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"
#include "providers/dokku/observed_state.h"

namespace dflow {

// [{"name":..,"version":..,"enabled":true,...}] -> plugins sorted by name. "name" and
// "version" must be strings and "enabled" a boolean; other fields are ignored.
Result<std::vector<ObservedPlugin>> ParsePluginList(const std::vector<std::string>& argv,
                                                    std::string_view out);

// The plugin named `name` when it is listed and enabled, else nullptr.
const ObservedPlugin* FindEnabledPlugin(const std::vector<ObservedPlugin>& plugins,
                                        std::string_view name);

}  // namespace dflow
