// ObservedState: what a node really runs, as Dokku reports it. Read-only data built by the
// observer (dokku_observer.h); diff compares it with NodeDesiredState.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"

namespace dflow {

// The config key that marks an app as created and owned by dflow. Its value is
// "<environment>/<application>/<service>". Apps without it are never modified or destroyed.
inline constexpr const char* kManagedMarkerKey = "DFLOW_MANAGED";

struct ObservedApp {
  std::string name;
  bool managed = false;  // config holds kManagedMarkerKey

  std::map<std::string, std::string> config;  // every key, as config:export --format json
  std::vector<std::string> domains;           // app vhosts, sorted
  bool vhosts_enabled = true;
  std::vector<PortMapping> ports;  // the raw per-app map (not the detected one), sorted
  std::string proxy_type;          // raw per-app value ("" = global default)
  bool proxy_enabled = true;
  std::string builder;  // raw selected builder ("" = auto-detect)

  std::string deploy_source;           // apps:report deploy-source: git-sync, docker-image, ...
  std::string deploy_source_metadata;  // "<url>#<sha>", image ref, ...
  std::string git_sha;                 // git:report sha
  std::string source_image;            // git:report source-image

  bool deployed = false;
  std::string running;                                // "true" | "false" | "mixed" | ""
  int process_count = 0;                              // containers, -1 when Dokku could not tell
  std::map<std::string, int> scale;                   // ps:scale: process type -> desired count
  std::map<std::string, std::string> process_status;  // "web.1" -> "running", "exited", ...

  std::vector<std::string> checks_disabled;  // process types, "_all_", sorted
  std::vector<std::string> checks_skipped;
  std::map<std::string, std::string> resources;  // "_default_.limit.memory" -> "512m"
  std::vector<std::string> storage;              // "host:container" bind mounts, sorted
  std::vector<std::string> networks;             // attach-post-deploy networks, sorted
  std::vector<std::string> linked_datastores;    // "postgres/<svc>", "redis/<svc>", sorted
  std::string last_build_status;                 // builds:report build-status, "" if none
  std::string last_build_id;                     // builds:report build-id, "" if none

  // Set when a command about this app failed or printed what could not be parsed: the node
  // answered, but the app's state is Unknown. The planner plans nothing against it (no create,
  // change or destroy) and its status names the command.
  std::string read_error;
};

struct ObservedDatastore {
  std::string name;
  std::string engine;                    // postgres | redis
  std::vector<std::string> linked_apps;  // sorted
  std::string exposed;     // the host side it is exposed on ("10.0.0.1:20123", "2345"), "" = not
  std::string read_error;  // its links could not be read (then linked_apps is empty)
};

struct ObservedPlugin {
  std::string name;
  std::string version;
  bool enabled = false;
};

struct ObservedNode {
  std::string node;           // node name (from the manifests, or the host for ad hoc)
  std::string dokku_version;  // "0.38.27"
  std::vector<ObservedPlugin> plugins;
  // traefik:report --global: each raw global-<prop> key with "global-" removed
  // ("letsencrypt-email" -> "ops@example.com"); empty when traefik-vhosts is not enabled.
  std::map<std::string, std::string> traefik_global;
  // nginx:report --global: the same for nginx-vhosts ("x-forwarded-for-value" -> "");
  // empty when nginx-vhosts is not enabled.
  std::map<std::string, std::string> nginx_global;
  // proxy:report --global global-type: the raw global proxy type ("" = Dokku's default, nginx).
  std::string proxy_global_type;
  // domains:report --global global-vhosts: the node's global domains ("" = none).
  std::vector<std::string> global_domains;
  // Whether the proxy/domains globals above were read (their core plugins are enabled).
  bool proxy_read = false;
  bool domains_read = false;
  std::vector<ObservedApp> apps;              // sorted by name
  std::vector<ObservedDatastore> datastores;  // sorted by engine, name

  // How the observation went (not node state; diff ignores them).
  int invocations = 0;  // dokku commands run, over all attempts
  int attempts = 0;     // 1 unless the app list changed during the observation
};

}  // namespace dflow
