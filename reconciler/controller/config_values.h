// Values the controller derives from its configuration: the listen address, the badge settings,
// the config repo's remote (secrets are read with manifests-schema/base/secret.h).
#pragma once

#include <string>
#include <utility>

#include "manifests-schema/base/status.h"
#include "reconciler/controller/controller_config.h"
#include "reconciler/server/badge_routes.h"
#include "reconciler/source/git_mirror.h"

namespace dflow {

// "host:port" split at the last colon; the port is a number from 0 to 65535.
Result<std::pair<std::string, int>> ParseListenAddress(const std::string& listen);

// A configured but unreadable or empty token secret turns badges off rather than open.
BadgeSettings BadgeSettingsOf(const ControllerConfig& config);

// The config repo's remote, its token read (a token that cannot be read is left empty: the
// fetch then fails with kPermissionDenied naming the setting).
GitRemoteOptions RemoteOptionsOf(const ControllerConfig& config);

}  // namespace dflow
