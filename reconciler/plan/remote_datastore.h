// A datastore used from another node (docs/datastores.md): exposed on its node's private
// address only, and its URL, rewritten to that address, set on the consuming apps as a
// secret. The pure parts: the expose/unexpose steps of the datastore's node, and the URL.
#pragma once

#include <optional>
#include <string>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/plan/plan.h"

namespace dflow {

// `<engine>:info <svc> --dsn` ("postgres://postgres:pw@dokku-postgres-db:5432/db") with its
// host and port replaced: "postgres://postgres:pw@10.0.0.1:20123/db". nullopt when `dsn` is
// not a URL with an authority.
std::optional<std::string> RemoteDatastoreUrl(const std::string& dsn, const std::string& host,
                                              int port);

// The node's expose/unexpose steps: a datastore with an expose address is exposed there
// (unexposed first when exposed elsewhere); one without is unexposed when exposed. Datastores
// whose state could not be read are left alone.
void PlanDatastoreExposure(const NodeDesiredState& desired, const ObservedNode& observed,
                           NodePlan& plan);

// Unexposes each datastore of the node that is no longer desired here (left the repo, or moved
// to another node) but is still exposed on the node's private address, as dflow exposes them:
// it is kept (datastores are destroyed only as plan.h says), but nothing on another node may
// reach it any more. An exposure dflow did not make (another address) is left alone.
void PlanLeftDatastoreExposure(const NodeDesiredState& desired, const ObservedNode& observed,
                               NodePlan& plan);

// Sets options.secrets[app][variable] for every app's remote datastore whose DSN is known:
// `dsns` maps "<node>/<service>" to the home node's `info --dsn` answer. Returns the number of
// remote datastores whose DSN is not known (not created yet): their apps are blocked until
// they are (RemoteDatastoreBlocked).
int AddRemoteDatastoreSecrets(const DesiredState& desired,
                              const std::map<std::string, std::string>& dsns,
                              SecretValues& secrets);

// Why `app` cannot be planned yet because of a remote datastore (its URL is not known), or
// "" when nothing of that kind is missing.
std::string RemoteDatastoreBlocked(const AppSpec& app, const SecretValues& secrets);

}  // namespace dflow
