// Action: one typed step of a node's plan, i.e. one Dokku invocation. Plain data made by
// PlanNode (plan.h), rendered to argv by providers/dokku_commands.h, run by apply.h.
// Header-only so that providers/ can render actions without linking the reconciler.
//
// An Action never holds a secret value: a secret config entry carries its key and the
// SHA-256 of its value only. The value is looked up again when the argv is rendered.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/desired_state.h"

namespace dflow {

// Reserved config keys dflow writes on the apps it manages (docs/ownership.md).
inline constexpr const char* kManagedKeysKey = "DFLOW_KEYS";       // comma list of owned keys
inline constexpr const char* kProtectKey = "DFLOW_PROTECT";        // "true" = never destroy
inline constexpr const char* kSpecDigestKey = "DFLOW_SPEC";        // digest of the applied spec
inline constexpr const char* kDeployedSourceKey = "DFLOW_SOURCE";  // "<url>#<ref>" deployed
inline constexpr const char* kThemeReleaseKey = "DFLOW_THEME";     // "<theme>@<version>"

enum class ActionKind {
  // Node level (Action::app is empty).
  kSetGlobalDomain,     // domains:set-global <domain> (domains:clear-global when empty)
  kSetGlobalProxyType,  // proxy:set --global type <type>
  kSetNginxGlobal,      // nginx:set --global <property> [value]
  kSetTraefikGlobal,    // traefik:set --global <property> [value]
  kStopNginx,           // nginx:stop
  kStopTraefik,         // traefik:stop
  kStartNginx,          // nginx:start
  kStartTraefik,        // traefik:start
  kCreateDatastore,     // <engine>:create <service>
  kDestroyDatastore,    // <engine>:destroy <service> -f
  kExposeDatastore,     // <engine>:expose <service> <host:port> (value)
  kUnexposeDatastore,   // <engine>:unexpose <service>
  // <engine>:import <service>, its stdin streamed from `<engine>:export <service>` on node
  // `value` (the datastore's old node: move.from), through dflow.
  kImportDatastore,
  // App level.
  kCreateApp,  // apps:create <app>
  kSetConfig,  // config:set --encoded --no-restart <app> K=base64(V)...
  // The same for a theme's apply-time config (AppSpec::derived_config) that needs a linked
  // datastore's password or URL: apply reads `<engine>:info <svc> --dsn` first (derived_config.h).
  kSetDerivedConfig,
  kUnsetConfig,              // config:unset --no-restart <app> K...
  kSetBuilder,               // builder:set <app> selected [builder]
  kSetProxyType,             // proxy:set <app> type [type]
  kSetDomains,               // domains:set <app> d... (domains:clear <app> when the list is empty)
  kBuildProxyConfig,         // proxy:build-config <app> (nginx re-reads its settings)
  kSetPorts,                 // ports:set <app> s:h:c... (ports:clear <app> when empty)
  kEnableChecks,             // checks:enable <app> [p1,p2] (no list = every process type)
  kDisableChecks,            // checks:disable <app> p1,p2
  kSkipChecks,               // checks:skip <app> p1,p2
  kSetResourceLimits,        // resource:limit --memory 512m --cpu clear ... <app>
  kSetResourceReservations,  // resource:reserve ... <app>
  kMountStorage,             // storage:mount <app> host:container
  kUnmountStorage,           // storage:unmount <app> host:container
  kSetNetworks,              // network:set <app> attach-post-deploy [n...]
  kLinkDatastore,            // <engine>:link <service> <app> --no-restart
  kUnlinkDatastore,          // <engine>:unlink <service> <app> --no-restart
  kScale,                    // ps:scale [--skip-deploy] <app> type=n...
  kGitAuth,                  // git:auth <host> <username>, the password on stdin (netrc)
  kDeployGit,                // git:sync --build <app> <url> <ref>
  kDeployImage,              // git:from-image <app> <image>
  // git:from-archive <app> --: `value` (an image) with `health` as a build context, a tar on
  // stdin (build_context.h).
  kDeployArchive,
  kRebuild,     // ps:rebuild <app>
  kRestart,     // ps:restart <app>
  kDestroyApp,  // apps:destroy <app> --force
};

// The node's proxy and global-domain steps: they configure what every app is served by, so
// they run one after another, in plan order, before any app action.
inline bool IsNodeProxyStep(ActionKind kind) {
  switch (kind) {
    case ActionKind::kSetGlobalDomain:
    case ActionKind::kSetGlobalProxyType:
    case ActionKind::kSetNginxGlobal:
    case ActionKind::kSetTraefikGlobal:
    case ActionKind::kStopNginx:
    case ActionKind::kStopTraefik:
    case ActionKind::kStartNginx:
    case ActionKind::kStartTraefik:
      return true;
    default:
      return false;
  }
}

// Stable kebab-case name, used in plan output and JSON: "create-app", "set-config", ...
inline std::string_view ActionKindName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kSetGlobalDomain:
      return "set-global-domain";
    case ActionKind::kSetGlobalProxyType:
      return "set-global-proxy-type";
    case ActionKind::kSetNginxGlobal:
      return "set-nginx-global";
    case ActionKind::kSetTraefikGlobal:
      return "set-traefik-global";
    case ActionKind::kStopNginx:
      return "stop-nginx";
    case ActionKind::kStopTraefik:
      return "stop-traefik";
    case ActionKind::kStartNginx:
      return "start-nginx";
    case ActionKind::kStartTraefik:
      return "start-traefik";
    case ActionKind::kCreateDatastore:
      return "create-datastore";
    case ActionKind::kDestroyDatastore:
      return "destroy-datastore";
    case ActionKind::kExposeDatastore:
      return "expose-datastore";
    case ActionKind::kUnexposeDatastore:
      return "unexpose-datastore";
    case ActionKind::kImportDatastore:
      return "import-datastore";
    case ActionKind::kCreateApp:
      return "create-app";
    case ActionKind::kSetConfig:
      return "set-config";
    case ActionKind::kSetDerivedConfig:
      return "set-derived-config";
    case ActionKind::kUnsetConfig:
      return "unset-config";
    case ActionKind::kSetBuilder:
      return "set-builder";
    case ActionKind::kSetProxyType:
      return "set-proxy-type";
    case ActionKind::kSetDomains:
      return "set-domains";
    case ActionKind::kBuildProxyConfig:
      return "build-proxy-config";
    case ActionKind::kSetPorts:
      return "set-ports";
    case ActionKind::kEnableChecks:
      return "enable-checks";
    case ActionKind::kDisableChecks:
      return "disable-checks";
    case ActionKind::kSkipChecks:
      return "skip-checks";
    case ActionKind::kSetResourceLimits:
      return "set-resource-limits";
    case ActionKind::kSetResourceReservations:
      return "set-resource-reservations";
    case ActionKind::kMountStorage:
      return "mount-storage";
    case ActionKind::kUnmountStorage:
      return "unmount-storage";
    case ActionKind::kSetNetworks:
      return "set-networks";
    case ActionKind::kLinkDatastore:
      return "link-datastore";
    case ActionKind::kUnlinkDatastore:
      return "unlink-datastore";
    case ActionKind::kScale:
      return "scale";
    case ActionKind::kGitAuth:
      return "git-auth";
    case ActionKind::kDeployGit:
      return "deploy-git";
    case ActionKind::kDeployImage:
      return "deploy-image";
    case ActionKind::kDeployArchive:
      return "deploy-archive";
    case ActionKind::kRebuild:
      return "rebuild";
    case ActionKind::kRestart:
      return "restart";
    case ActionKind::kDestroyApp:
      return "destroy-app";
  }
  return "unknown";
}

// One key of a kSetConfig action. For a secret, `value` is empty and `value_sha256` holds
// the lower-case hex SHA-256 of the value the plan was made with.
struct ConfigEntry {
  std::string key;
  std::string value;  // plain values only
  bool secret = false;
  std::string value_sha256;  // secrets only
  bool operator==(const ConfigEntry&) const = default;
};

struct Action {
  ActionKind kind = ActionKind::kCreateApp;
  std::string node;
  std::string app;           // Dokku app name; "" for node-level actions
  std::string environment;   // the app's environment (where its secrets are looked up)
  std::string reason;        // why: "config FOO changed", "app missing", ...
  bool destructive = false;  // destroys an app or a datastore (data loss possible)
  bool report_only = false;  // drift shown but not applied (self-heal off); apply skips it

  // Payload; which fields matter depends on kind (see ActionKind).
  std::string target;  // datastore service name, or the traefik property
  std::string engine;  // postgres | redis, for datastore actions
  std::string value;   // builder, proxy type, traefik property value ("" = clear), image
  std::string git_url;
  std::string git_ref;
  bool skip_deploy = false;         // kScale: set the counts only (a deploy follows)
  std::vector<std::string> values;  // domains, ports, storage, networks, process types, keys
  std::vector<ConfigEntry> config;  // kSetConfig, kSetDerivedConfig, sorted by key
  // kSetDerivedConfig: each key's template (its value_sha256 is "" when the plan could not
  // know the value: the datastore is linked in this same apply); `settings` maps each
  // datastore service it reads to its engine.
  std::map<std::string, std::vector<ConfigPart>> derived;
  HealthCheck health;                           // kDeployArchive
  std::map<std::string, std::string> settings;  // resources ("memory" -> "512m" | "clear"),
                                                // scale ("web" -> "2")

  bool operator==(const Action&) const = default;
};

}  // namespace dflow
