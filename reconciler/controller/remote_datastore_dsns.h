// Reads, on each datastore's own node, the connection URL of every datastore that an app on
// another node uses (`<engine>:info <svc> --dsn`), for AddRemoteDatastoreSecrets
// (reconciler/plan/remote_datastore.h). The answers hold passwords: they go to the secret
// values only, never to a log, a status or an error message.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "reconciler/controller/fleet.h"

namespace dflow {

struct RemoteDatastoreDsns {
  std::map<std::string, std::string> dsns;  // "<node>/<service>" -> DSN
  // "node prod-1: postgres datastore x: <why>" for the ones that could not be read for
  // another reason than not existing yet; their consumers stay blocked.
  std::vector<std::string> errors;
};

// One call per remotely used datastore, on its node. A datastore that does not exist yet
// is simply missing from `dsns`. With `consumer_node`, only the datastores its apps use.
RemoteDatastoreDsns ReadRemoteDatastoreDsns(const DesiredState& desired, Fleet& fleet,
                                            const std::string& consumer_node = "");

}  // namespace dflow
