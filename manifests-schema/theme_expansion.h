// Theme expansion: an Application that says `theme: <name>` with `parameters` becomes, in each
// of its environments, the services and databases the theme's templates give for those
// parameters, exactly as if they were written in the Application; the builder then checks and
// merges them like hand-written ones (overrides included). Pure and deterministic.
//
// Per service, a theme may write what an Application's service takes, plus:
//   when: "${expr}"        the service (or datastore) exists only when expr is true;
//   secretConfig: {K: v}   values that are secret: `${secrets.x}` or a secret parameter alone
//                          becomes a secret key K (from the secrets file, like `secrets: [K]`);
//                          anything else with a reference (a datastore password or URL, a
//                          generated secret, a secret inside text) becomes derived config.
// A template that gives "" drops its list item or map entry (an unset config key).
// Names in templates: params.*, product.*, app.name, env.name, app.network (a Dokku network
// name for the services of this application and environment to share), secrets.<name>,
// datastores.<name>.{host,port,user,database,password,url} (redis: host, port, password, url),
// services.<name>.host (the app's address on a Dokku network: <dokku-app>.web).
#pragma once

#include <optional>
#include <vector>

#include "manifests-schema/diagnostic.h"
#include "manifests-schema/manifest_model.h"

namespace dflow {

struct ThemeExpansion {
  std::vector<ServiceManifest> services;  // derived config in spec.derived_config
  std::vector<DatabaseManifest> databases;
};

// Expands `theme` for `app` in the environment of `env`. Errors point into the Application
// (parameters) or into the theme (templates: the scalar's position plus the offset in it).
// nullopt when any error was reported.
std::optional<ThemeExpansion> ExpandTheme(const ThemeManifest& theme,
                                          const ApplicationManifest& app,
                                          const EnvironmentOverride& env,
                                          std::vector<Diagnostic>& diagnostics);

}  // namespace dflow
