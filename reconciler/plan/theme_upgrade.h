// A theme's product version change between what an app runs (its DFLOW_THEME record) and the
// repo: an upgrade (or a downgrade), with the theme's notes of the versions it crosses, and the
// breaking ones the Application has not confirmed (`confirmUpgrades`). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"

namespace dflow {

struct ThemeUpgradeStep {
  std::string theme;
  std::string from;  // the version the app runs
  std::string to;    // the repo's
  bool downgrade = false;
  std::vector<ThemeUpgradeNote> crossed;  // upgrades with from < to <= new, in order
  std::vector<std::string> unconfirmed;   // breaking ones not in confirmed_upgrades
  // "upgrade n8n 2.42.6 -> 3.0.0: 3.0.0 (breaking): <note>"
  std::string Describe() const;
};

// nullopt when `live` (the app's DFLOW_THEME value, "" when none) records no other version of
// the same theme (a new app, another theme, the same version).
std::optional<ThemeUpgradeStep> ThemeUpgradeOf(const AppSpec& spec, const std::string& live);

}  // namespace dflow
