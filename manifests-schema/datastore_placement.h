// Datastores used across nodes: which app links which datastore through the plugin (same
// node) and which reaches it over the private network (another node), and where each
// remotely used datastore is exposed. docs/datastores.md.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"

namespace dflow {

// The plugin's usual variable for a datastore of `engine`: DATABASE_URL (postgres),
// REDIS_URL (redis).
std::string DatastoreUrlVariable(const std::string& engine);

// The host port a datastore named `name` is exposed on when no other exposed datastore of
// its node took it: in [20000, 30000), from the name's hash, so it does not move when other
// datastores come and go.
int PreferredExposePort(const std::string& name);

// An app whose remote datastore's variable is taken (by its config, a secret, or another
// datastore of the same engine).
struct RemoteDatastoreConflict {
  std::string app;  // Dokku app name
  std::string message;
  std::string hint;
};

// Takes every AppSpec::datastores entry that lives on another node out of `datastores` into
// `remote_datastores` (its variable added to the app's secret_keys: the value is known on
// the datastore's node only), and gives each datastore used from another node its expose
// address: its node's private host and a port unique on that node (PreferredExposePort, then
// the next free one in name order). Expects every node's datastores and private hosts filled
// in. Returns the apps where the variable was taken (their remote datastores are left out).
std::vector<RemoteDatastoreConflict> PlaceRemoteDatastores(DesiredState& state);

}  // namespace dflow
