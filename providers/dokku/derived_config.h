// Completing a theme's apply-time config (AppSpec::derived_config): the values dflow holds
// (secrets file, generated secrets) and a linked datastore's connection, which only the node
// knows. Pure, except that the connection is read with DatastoreDsnArgv() by the caller; so the
// cross-node datastores (issue 17) can read it on another node with the same functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state.h"

namespace dflow {

// Where a part's value sits in an app's SecretValues: "${secrets.x}" or "${generated.x}" (not
// a config key, so it never clashes with one). "" for text and datastore parts.
std::string DerivedPartKey(const ConfigPart& part);

// True when a part of `parts` is a datastore's password or URL.
bool NeedsDatastore(const std::vector<ConfigPart>& parts);

// A datastore service's connection as its plugin prints it (reference dokku.md §3.18):
// `<scheme>://<user>:<password>@<host>:<port>[/<database>]`.
struct DatastoreConnection {
  std::string url;
  std::string password;
};

std::optional<DatastoreConnection> ParseDatastoreUrl(std::string_view url);

// The host a linked service's container has: dokku-<engine>-<service>, '.' and '_' as '-'.
std::string DatastoreHost(const std::string& engine, const std::string& service);

// The connection a link put in the app's config (DATABASE_URL, REDIS_URL, an alias or
// DOKKU_<ENGINE>_<COLOR>_URL): the one URL whose host is the service's. nullopt when none.
std::optional<DatastoreConnection> LinkedConnection(
    const std::map<std::string, std::string>& config, const std::string& engine,
    const std::string& service);

// `--quiet <engine>:info <service> --dsn`: the service's URL on the node that runs it.
std::vector<std::string> DatastoreDsnArgv(const std::string& engine, const std::string& service);

// Its stdout: one URL line. The error never quotes the output (it holds the password).
Result<DatastoreConnection> ParseDatastoreDsn(std::string_view out);

// The value of `parts`: texts as they are, secrets and generated ones from `values` (an app's
// SecretValues, under DerivedPartKey), datastores from `connections` (service -> connection).
// nullopt when a value is missing; `missing` then names the first (never a value).
std::optional<std::string> CompleteDerivedValue(
    const std::vector<ConfigPart>& parts, const std::map<std::string, std::string>& values,
    const std::map<std::string, DatastoreConnection>& connections, std::string* missing = nullptr);

}  // namespace dflow
