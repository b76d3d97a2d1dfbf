// The two status axes operators know from Argo CD, per Dokku app, and their roll-ups:
// sync (does the node match the repo?) and health (do the app's processes run?).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/observed_state.h"

namespace dflow {

enum class SyncState { kSynced, kProgressing, kUnknown, kOutOfSync, kFailed };
enum class HealthState { kHealthy, kProgressing, kUnknown, kMissing, kDegraded };

std::string_view SyncStateName(SyncState state);      // "Synced", "OutOfSync", ...
std::string_view HealthStateName(HealthState state);  // "Healthy", "Degraded", ...
// Inverse of the *Name functions; Unknown for anything else.
SyncState ParseSyncState(std::string_view name);
HealthState ParseHealthState(std::string_view name);

// The worst of several states: the enums are declared best first, so worst = largest.
// An empty list is Unknown.
SyncState WorstSync(const std::vector<SyncState>& states);
HealthState WorstHealth(const std::vector<HealthState>& states);

// Health of one app from what Dokku reports: Missing when the app or its deploy is absent,
// Progressing while a build runs, Degraded when a build failed, a process is not running or
// fewer containers run than the desired scale, else Healthy. `observed` may be null (no such
// app on the node).
HealthState HealthOf(const AppSpec& desired, const ObservedApp* observed);

}  // namespace dflow
