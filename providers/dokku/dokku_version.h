// The Dokku version gate: dflow drives Dokku 0.38.22 or newer (reference/dokku.md, target).
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "manifests-schema/base/status.h"

namespace dflow {

struct DokkuVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  std::string ToString() const;  // "0.38.27"
  auto operator<=>(const DokkuVersion&) const = default;
};

// The oldest Dokku dflow observes and drives.
inline constexpr DokkuVersion kMinimumDokkuVersion{0, 38, 22};

// Parses the stdout of `dokku version`: one line matching
// `^dokku version (?:\d+:)?v?(\d+)\.(\d+)\.(\d+)` ("dokku version 0.38.27",
// "dokku version v0.38.27-33-g33896f5d7", "dokku version 1700000000:0.38.27"). Anything else
// is kFailed "unrecognised `dokku version` output: <first line>".
Result<DokkuVersion> ParseDokkuVersion(std::string_view out);

// Ok when `version` >= kMinimumDokkuVersion, else kNotReady
// "Dokku <found> is too old: dflow needs Dokku 0.38.22 or newer".
Status CheckDokkuVersion(const DokkuVersion& version);

}  // namespace dflow
