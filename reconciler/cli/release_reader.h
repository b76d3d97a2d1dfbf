// The releases `dflow releases` and `dflow rollback` read: from a running controller's API
// (/api/v1/releases) or straight from its state directory.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "reconciler/status/status_store.h"

namespace dflow::cli {

struct ReleaseQuery {
  std::string server = "http://127.0.0.1:8080";
  std::string state_dir;  // when set, read here instead of the server
  std::string app;        // an application or Dokku app name; "" for all
  std::string environment;
  int limit = 20;
};

// Newest first. Errors name the server (credentials scrubbed) or the state directory.
Result<std::vector<ReleaseRecord>> ReadReleases(const ReleaseQuery& query);

}  // namespace dflow::cli
