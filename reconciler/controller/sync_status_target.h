// The commit-status target that the controller config's `forge:` section names.
#pragma once

#include <optional>

#include "manifests-schema/base/status.h"
#include "reconciler/controller/controller_config.h"
#include "reconciler/status/sync_status_reporter.h"

namespace dflow {

// The target of the config's `forge:` section, its token read: nullopt when no forge is
// configured; ReadSecret()'s errors when the token cannot be read, kInvalidArgument when it is
// empty.
Result<std::optional<SyncStatusTarget>> SyncStatusTargetFor(const ControllerConfig& config);

}  // namespace dflow
