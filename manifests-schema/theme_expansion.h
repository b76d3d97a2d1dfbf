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

#include <cstddef>
#include <optional>
#include <vector>

#include "manifests-schema/diagnostic.h"
#include "manifests-schema/manifest_model.h"
#include "manifests-schema/yaml_tree.h"

namespace dflow {

// What all the expansions of one load may still do: copy YAML nodes and evaluate template
// bytes. A large theme (or one multiplied by aliases) used in many environments stops here
// with one error, not in memory or time.
struct ExpansionBudget {
  std::size_t nodes = kMaxYamlNodes;
  std::size_t template_bytes = 64u << 20;
};

struct ThemeExpansion {
  std::vector<ServiceManifest> services;  // derived config in spec.derived_config
  std::vector<DatabaseManifest> databases;
};

// Expands `theme` for `app` in the environment of `env`. Errors point into the Application
// (parameters) or into the theme (templates: the scalar's position plus the offset in it).
// nullopt when any error was reported. Spends `budget`.
std::optional<ThemeExpansion> ExpandTheme(const ThemeManifest& theme,
                                          const ApplicationManifest& app,
                                          const EnvironmentOverride& env, ExpansionBudget& budget,
                                          std::vector<Diagnostic>& diagnostics);

// Checks every template of `theme` (syntax, names, types) with a placeholder value of each
// parameter's type, so a repo theme no application uses yet is checked too. Errors point into
// the templates, as ExpandTheme's do. Spends `budget`'s template bytes.
void CheckThemeTemplates(const ThemeManifest& theme, ExpansionBudget& budget,
                         std::vector<Diagnostic>& diagnostics);

}  // namespace dflow
