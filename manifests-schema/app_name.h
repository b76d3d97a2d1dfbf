// The ONE rule that maps manifest names to Dokku names. Everything that needs a Dokku app or
// datastore service name (loader, diff, status, CLI) calls these functions.
//
//   Dokku app name        = <application>-<service>-<environment>
//   datastore service name = <application>-<database>-<environment>
//
// e.g. application "course-management", service "web", environment "production" gives the
// Dokku app "course-management-web-production". Manifest names are DNS labels
// ([a-z0-9], inner '-'), so the result matches Dokku's ^[a-z0-9][a-z0-9.-]*$ without dots (a dot
// would make Dokku use the app name as a hostname). Validation rejects a result longer than
// kMaxDokkuNameLength and two different (application, service, environment) triples that map to
// the same name ("a-b"/"c" and "a"/"b-c").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dflow {

// A DNS label: Dokku app names end up in hostnames (<app>.<global domain>), and Postgres
// database names (the datastore service name) are limited to 63 bytes as well.
inline constexpr std::size_t kMaxDokkuNameLength = 63;

// Names in manifests (node, environment, application, service, database, theme).
inline constexpr const char* kManifestNamePattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$";

std::string DokkuAppName(std::string_view application, std::string_view service,
                         std::string_view environment);

std::string DatastoreServiceName(std::string_view application, std::string_view database,
                                 std::string_view environment);

// The vhost Dokku gives a new app on a node whose global domain is `global_domain`
// (plugins/domains/functions get_default_vhosts): "<app>.<global_domain>" (dflow's app names
// have no dots, which would make Dokku use the name itself). "" when there is no domain.
std::string DefaultVhost(std::string_view app, std::string_view global_domain);

// True when `name` is lower-case letters, digits and inner hyphens, 1..63 bytes.
bool IsValidManifestName(std::string_view name);

// True when Dokku accepts `name` for a new app and dflow can use it: ^[a-z0-9][a-z0-9-]*$
// (no dots), at most kMaxDokkuNameLength bytes.
bool IsValidDokkuName(std::string_view name);

}  // namespace dflow
