#include "reconciler/plan/theme_upgrade.h"

#include <algorithm>

#include "manifests-schema/base/text.h"
#include "manifests-schema/semver.h"

namespace dflow {

std::string ThemeUpgradeStep::Describe() const {
  std::string text =
      std::string(downgrade ? "downgrade " : "upgrade ") + theme + " " + from + " -> " + to;
  for (const ThemeUpgradeNote& u : crossed) {
    std::string note = Trim(u.note);
    text += "; " + u.to + (u.breaking ? " (breaking)" : "") + (note.empty() ? "" : ": " + note);
  }
  return text;
}

std::optional<ThemeUpgradeStep> ThemeUpgradeOf(const AppSpec& spec, const std::string& live) {
  const std::size_t at = spec.theme_release.find('@');
  const std::size_t live_at = live.find('@');
  if (at == std::string::npos || live_at == std::string::npos) return std::nullopt;
  ThemeUpgradeStep step;
  step.theme = spec.theme_release.substr(0, at);
  if (live.substr(0, live_at) != step.theme) return std::nullopt;
  step.from = live.substr(live_at + 1);
  step.to = spec.theme_release.substr(at + 1);
  std::optional<Semver> from = ParseSemver(step.from);
  std::optional<Semver> to = ParseSemver(step.to);
  if (!from || !to || CompareSemver(*from, *to) == 0) return std::nullopt;
  step.downgrade = CompareSemver(*to, *from) < 0;
  const Semver& low = step.downgrade ? *to : *from;
  const Semver& high = step.downgrade ? *from : *to;
  for (const ThemeUpgradeNote& u : spec.theme_upgrades) {
    std::optional<Semver> v = ParseSemver(u.to);
    if (!v || CompareSemver(*v, low) <= 0 || CompareSemver(*v, high) > 0) continue;
    step.crossed.push_back(u);
    const bool confirmed = std::find(spec.confirmed_upgrades.begin(), spec.confirmed_upgrades.end(),
                                     u.to) != spec.confirmed_upgrades.end();
    if (u.breaking && !confirmed) step.unconfirmed.push_back(u.to);
  }
  std::sort(step.crossed.begin(), step.crossed.end(),
            [](const ThemeUpgradeNote& a, const ThemeUpgradeNote& b) {
              return CompareSemver(*ParseSemver(a.to), *ParseSemver(b.to)) < 0;
            });
  return step;
}

}  // namespace dflow
