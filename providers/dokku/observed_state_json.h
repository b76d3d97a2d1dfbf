// The JSON form of ObservedNode that `dflow observe` prints and scripts rely on. The shape is
// documented, key by key, in docs/observe-json.md; change both together.
#pragma once

#include <nlohmann/json.hpp>

#include "manifests-schema/base/secret.h"
#include "providers/dokku/observed_state.h"

namespace dflow {

// Renders `node` (camelCase keys, every ObservedApp field, ports as "scheme:host:container").
// With `redact`, every app config value and the secret Traefik settings (basic-auth-password,
// dns-provider-*) become kRedacted (secret.h); use it wherever the output reaches a log.
// Credentials in a URL inside deployment metadata ("https://user:token@host/...") are always
// replaced by kRedacted.
nlohmann::json ObservedNodeToJson(const ObservedNode& node, bool redact = false);

}  // namespace dflow
