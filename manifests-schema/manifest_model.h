// The parsed manifests of one revision, before cross-document checks: one struct per kind,
// with positions kept for everything a later check may point at. Internal to the loader
// (manifest_parser.h fills it, desired_state_builder.h turns it into a DesiredState).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/field_reader.h"
#include "manifests-schema/theme_parameters.h"
#include "manifests-schema/yaml_tree.h"

namespace dflow {

struct NodeManifest {
  Located name;
  NodeSpec spec;  // name, host, port, user, host_key, private_host, labels filled
};

struct EdgeManifest {
  Located name;
  std::vector<Located> environments;
  EdgeSpec spec;  // every field but environments filled (the builder sorts those in)
};

struct EnvironmentManifest {
  Located name;
  std::vector<Located> nodes;
  std::map<std::string, std::string> config;
  EnvironmentSpec spec;  // name, domain, prune, self_heal, traffic filled; nodes sorted later
};

// Per-environment changes to one service, or to every service of an application.
struct Override {
  Pos pos;
  std::optional<Located> ref;
  std::optional<Located> image;
  std::map<std::string, std::string> config;
  std::map<std::string, int> processes;
  Pos processes_pos;
  std::optional<std::vector<std::string>> domains;
  Pos domains_pos;
  std::optional<std::vector<Located>> placement;  // node names
};

// `environments.<env>.databases.<db>`: where the database lives in that environment.
struct DatabaseOverride {
  Located name;
  std::optional<Located> node;       // placement.node
  std::optional<Located> move_from;  // move.from
};

struct EnvironmentOverride {
  Located environment;
  Override all;                                        // applies to every service
  std::optional<YamlNode> parameters;                  // theme parameters for this environment
  std::vector<std::pair<Located, Override>> services;  // service name -> its own override
  std::vector<DatabaseOverride> databases;
};

struct ServiceManifest {
  Located name;
  bool git_source = false;  // else image
  AppSpec spec;  // source, builder, config, domains, ports, processes, checks, resources,
                 // storage, networks, protect filled
  std::vector<Located> secret_keys;
  std::vector<Located> databases;
  Pos databases_pos;
};

struct DatabaseManifest {
  Located name;
  std::string engine;
  bool protect = false;
  bool allow_destroy = false;
  std::optional<Located> node;       // placement.node: where it lives (else its consumers' node)
  std::optional<Located> move_from;  // move.from: the node its data is moved from
};

struct ApplicationManifest {
  Located name;
  std::string file;  // where it is written
  std::optional<Located> theme;
  std::optional<YamlNode> parameters;     // the theme parameters map
  std::vector<Located> confirm_upgrades;  // `confirmUpgrades`: breaking upgrades allowed
  std::vector<ServiceManifest> services;
  std::vector<DatabaseManifest> databases;
  std::vector<EnvironmentOverride> environments;
  Pos environments_pos;
  bool environments_is_map = false;
};

// A value a theme needs that is not a parameter (`spec.secrets`).
struct ThemeSecret {
  Located name;
  // Durable (losing it loses data): from the secrets file. Replaceable: generated once by the
  // controller, kept in its state (docs/themes.md).
  bool durable = false;
  std::string generator;    // how a value is made, for `dflow themes show` ("random 32 bytes hex")
  SecretRecipe recipe;      // replaceable ones: how dflow generates it
  bool has_recipe = false;  // `generate` or `derive` was given
};

struct ThemeManifest {
  Located name;
  std::string file;      // "themes/n8n.yaml (built in)" or the repo path
  bool builtin = false;  // shipped with dflow (manifests-schema/themes/)
  std::string version;   // metadata.version, the recipe's
  std::string description;
  ThemeProduct product;
  std::vector<ThemeParameter> parameters;
  std::vector<ThemeSecret> secrets;
  YamlNode datastores;  // the templates, expanded per application and environment
  YamlNode services;
  std::vector<std::pair<std::string, std::string>> notes;  // `notes`: title -> text
};

struct Manifests {
  std::vector<NodeManifest> nodes;
  std::vector<EdgeManifest> edges;
  std::vector<EnvironmentManifest> environments;
  std::vector<ApplicationManifest> applications;
  std::vector<ThemeManifest> themes;
  int documents = 0;  // dflow documents seen, valid or not
};

}  // namespace dflow
