#include "reconciler/status/app_status.h"

#include <algorithm>
#include <array>

namespace dflow {
namespace {

constexpr std::array<std::string_view, 5> kSyncNames = {"Synced", "Progressing", "Unknown",
                                                        "OutOfSync", "Failed"};
constexpr std::array<std::string_view, 5> kHealthNames = {"Healthy", "Progressing", "Unknown",
                                                          "Missing", "Degraded"};

int DesiredContainers(const AppSpec& desired) {
  int total = 0;
  for (const auto& [type, count] : desired.processes) total += count;
  return desired.processes.empty() ? 1 : total;  // Dokku runs one web process by default
}

}  // namespace

std::string_view SyncStateName(SyncState state) { return kSyncNames[static_cast<int>(state)]; }
std::string_view HealthStateName(HealthState state) {
  return kHealthNames[static_cast<int>(state)];
}

SyncState ParseSyncState(std::string_view name) {
  auto it = std::find(kSyncNames.begin(), kSyncNames.end(), name);
  return it == kSyncNames.end() ? SyncState::kUnknown
                                : static_cast<SyncState>(it - kSyncNames.begin());
}

HealthState ParseHealthState(std::string_view name) {
  auto it = std::find(kHealthNames.begin(), kHealthNames.end(), name);
  return it == kHealthNames.end() ? HealthState::kUnknown
                                  : static_cast<HealthState>(it - kHealthNames.begin());
}

SyncState WorstSync(const std::vector<SyncState>& states) {
  if (states.empty()) return SyncState::kUnknown;
  return *std::max_element(states.begin(), states.end());
}

HealthState WorstHealth(const std::vector<HealthState>& states) {
  if (states.empty()) return HealthState::kUnknown;
  return *std::max_element(states.begin(), states.end());
}

HealthState HealthOf(const AppSpec& desired, const ObservedApp* observed) {
  if (observed == nullptr) return HealthState::kMissing;
  if (observed->last_build_status == "running") return HealthState::kProgressing;
  if (observed->last_build_status == "failed") return HealthState::kDegraded;
  if (!observed->deployed) return HealthState::kMissing;
  if (observed->process_count < 0) return HealthState::kUnknown;
  if (observed->running != "true") return HealthState::kDegraded;
  for (const auto& [container, status] : observed->process_status)
    if (!status.starts_with("running")) return HealthState::kDegraded;
  if (observed->process_count < DesiredContainers(desired)) return HealthState::kDegraded;
  return HealthState::kHealthy;
}

}  // namespace dflow
