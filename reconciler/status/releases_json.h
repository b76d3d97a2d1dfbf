// The /api/v1/releases document (docs/api.md): the deploys dflow made, newest first. What the
// HTTP API serves and what `dflow releases --state-dir` prints from.
#pragma once

#include <string>
#include <vector>

#include "reconciler/status/status_store.h"

namespace dflow {

// The most releases /api/v1/releases can return (its `limit` is capped there).
inline constexpr int kMaxReleasesServed = 500;

// True when `release` is of `app` (a Dokku app or an application name; "" matches all) in
// `environment` ("" matches all).
bool ReleaseMatches(const ReleaseRecord& release, const std::string& app,
                    const std::string& environment);

// {"releases": [{"id", "node", "app", "environment", "application", "service", "source",
// "configDigest", "revision", "trigger", "startedAt", "finishedAt", "result", "message",
// "buildId"}]} of the matching releases, at most `limit`, in the order given.
std::string ReleasesJson(const std::vector<ReleaseRecord>& releases, const std::string& app,
                         const std::string& environment, int limit);

}  // namespace dflow
