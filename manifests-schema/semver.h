// Semantic versions and the ranges a theme says it supports (product.supported: ">=2.17.0
// <3.0.0"). Only what themes need: MAJOR.MINOR.PATCH with an optional pre-release, compared as
// semver.org says for the numbers (a pre-release sorts before its release; pre-releases are
// compared as text); a range is comparators separated by spaces, all of which must hold.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dflow {

struct Semver {
  long major = 0;
  long minor = 0;
  long patch = 0;
  std::string prerelease;  // after '-', "" for a release (build metadata after '+' is dropped)
};

std::optional<Semver> ParseSemver(std::string_view text);
int CompareSemver(const Semver& a, const Semver& b);  // <0, 0, >0

// True when `range` is well formed: comparators (>=, >, <=, <, =, or none for =) each followed
// by a version, separated by spaces.
bool IsSemverRange(std::string_view range);
// True when `version` satisfies every comparator of `range` (a malformed range is false).
bool SemverSatisfies(const Semver& version, std::string_view range);

}  // namespace dflow
