// DesiredState: what the config repo says each node must run, fully expanded (themes applied,
// defaults filled, per-environment overrides merged, names mapped to Dokku app names).
// Plain data, immutable once built; diff/plan consume it, `dflow render` prints it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace dflow {

struct PortMapping {
  std::string scheme;  // http | https | tcp | udp
  int host_port = 0;
  int container_port = 0;

  std::string ToString() const {  // "http:80:5000", Dokku's own form
    return scheme + ":" + std::to_string(host_port) + ":" + std::to_string(container_port);
  }
  auto operator<=>(const PortMapping&) const = default;
};

// Where an app's code comes from: a Git repo at a ref, or a container image.
struct DeploySource {
  std::string git_url;  // set with git_ref, or empty
  std::string git_ref;  // branch, tag or commit
  std::string image;    // registry/name:tag or @sha256:..., or empty
  bool operator==(const DeploySource&) const = default;
};

// An HTTP health check Dokku runs on the `web` process before it retires the old containers
// (app.json `healthchecks.web`, docs/deployment/zero-downtime-deploys.md). Only for image
// sources: dflow sends the image with this check as a build context (build_context.h), since
// Dokku reads app.json from the image's WORKDIR and upstream images carry none.
struct HealthCheck {
  std::string path;       // "/healthz"; "" = no health check
  int port = 0;           // container port probed
  int expect = 200;       // documented status; Dokku's checker passes any 200-399
  std::string content;    // text the body must contain ("" = not checked)
  int attempts = 0;       // 0 = Dokku's default (3)
  int wait = 0;           // seconds between attempts; 0 = Dokku's default (5)
  int timeout = 0;        // seconds per attempt; 0 = Dokku's default (5)
  int initial_delay = 0;  // seconds after start before the first attempt
  bool enabled() const { return !path.empty(); }
  bool operator==(const HealthCheck&) const = default;
};

// A piece of a config value that the desired state holds by reference, because dflow must not
// or cannot know it when it reads the repo: a secret, a secret a theme has the controller
// generate once, or a linked datastore's password or URL (known on the node only).
struct ConfigPart {
  enum class Kind {
    kText,       // `text` is the text
    kSecret,     // `text` names a value from the controller's secrets file
    kGenerated,  // `text` names a theme secret dflow generates once (generated_secrets.h)
    kDatastore,  // `text` is a datastore service name, `field` is password or url
  };
  Kind kind = Kind::kText;
  std::string text;
  std::string field;
  bool operator==(const ConfigPart&) const = default;
};

// A datastore on another node that an app reaches over the nodes' private network: the
// plugin's own link works within a node only (docs/datastores.md). The app gets the
// datastore's URL, host and port rewritten to `host:port`, as a secret config value.
struct RemoteDatastore {
  std::string name;      // Dokku service name
  std::string engine;    // postgres | redis
  std::string node;      // where it lives
  std::string host;      // that node's private address
  int port = 0;          // the host port it is exposed on there
  std::string variable;  // DATABASE_URL | REDIS_URL: the plugin's usual name
  bool operator==(const RemoteDatastore&) const = default;
};

// How dflow makes a theme's replaceable secret (`generate` / `derive` in the theme), once:
// a random value, a password, or the bcrypt hash of another secret (which it follows).
struct SecretRecipe {
  std::string kind = "random";   // random | password | bcrypt
  int bytes = 32;                // random: bytes of entropy per value
  std::string encoding = "hex";  // random: hex | base64 | base64url
  int count = 1;                 // random: values joined by `join` (Strapi's APP_KEYS)
  std::string join = ",";
  int length = 24;                   // password: characters
  std::vector<std::string> classes;  // password: lower, upper, digit, symbol (none: all but symbol)
  std::string from;                  // bcrypt: the secret hashed
  int cost = 10;                     // bcrypt: log2 rounds
  bool reveal = false;               // the theme lets `dflow secrets show --reveal` print it
  bool operator==(const SecretRecipe&) const = default;
};

// A theme's `product.upgrades` entry: what changes when the product reaches version `to`.
struct ThemeUpgradeNote {
  std::string to;  // semver
  bool breaking = false;
  std::string note;
  bool operator==(const ThemeUpgradeNote&) const = default;
};

// One Dokku app on one node: a service of an application in an environment.
struct AppSpec {
  std::string name;  // Dokku app name, from DokkuAppName() in app_name.h
  std::string application;
  std::string service;
  std::string environment;

  std::map<std::string, std::string> config;  // plain values, overrides already merged
  std::vector<std::string> secret_keys;       // sorted; values come from the secrets file
  // Config (from themes) whose value is completed at apply time: text around references
  // (ConfigPart). Secret as a whole: never rendered but as its template. Keys are not in
  // `config` nor in `secret_keys`.
  std::map<std::string, std::vector<ConfigPart>> derived_config;
  // The recipe of every generated secret derived_config names (and of a bcrypt's source).
  // Values are kept per environment and application, so every service and node gets the same.
  std::map<std::string, SecretRecipe> generated_secrets;
  // A theme with a `version` parameter: "<theme>@<version>", recorded on the app (DFLOW_THEME)
  // so that a change shows as an upgrade; the theme's upgrade notes; the breaking upgrades the
  // Application confirms (`confirmUpgrades`), without which the plan refuses to cross them.
  std::string theme_release;
  std::vector<ThemeUpgradeNote> theme_upgrades;
  std::vector<std::string> confirmed_upgrades;
  std::vector<std::string> domains;  // sorted, lower case
  std::vector<PortMapping> ports;    // sorted
  std::string proxy_type;            // "" = the node's global proxy type (TrafficSpec::proxy)
  std::string builder;  // "" = Dokku auto-detects; else herokuish|dockerfile|pack|nixpacks|...
  DeploySource source;
  HealthCheck health;                                  // image sources only
  std::map<std::string, int> processes;                // process type -> count
  std::vector<std::string> datastores;                 // DatastoreSpec::name values to link, sorted
  std::vector<RemoteDatastore> remote_datastores;      // on other nodes, sorted by name
  std::vector<std::string> checks_disabled;            // process types, sorted
  std::vector<std::string> checks_skipped;             // process types, sorted
  std::map<std::string, std::string> resource_limits;  // "memory" -> "512m", "cpu" -> "1"
  std::map<std::string, std::string> resource_reservations;  // same keys
  std::vector<std::string> storage;                          // "host-path:container-path", sorted
  std::vector<std::string> networks;                         // attached after deploy, sorted
  bool protect = false;                                      // never destroyed by dflow
};

// A datastore service (dokku-postgres / dokku-redis) on one node.
struct DatastoreSpec {
  std::string name;    // Dokku service name
  std::string engine;  // postgres | redis
  std::string application;
  std::string environment;
  bool protect = false;        // never destroyed
  bool allow_destroy = false;  // only then may a removed datastore be destroyed
  std::string move_from;       // move.from: the node whose copy's data is imported once
  // Where the repo places it, as file:line:column (its placement.node, else its name), for
  // refusals made at plan time; not part of the rendered state.
  std::string where;
  // Set when an app on another node uses it: exposed on `expose_host:expose_port` only
  // (the node's private address), else not exposed.
  std::string expose_host;
  int expose_port = 0;
};

// Traffic settings a node gets from its environment(s): which Dokku proxy serves its apps on
// :80 (docs/proxy.md), TLS through Traefik's ACME resolver, or trust in a front proxy.
struct TrafficSpec {
  std::string proxy = "nginx";     // nginx (Dokku's default) | traefik: the node's global type
  bool tls = false;                // traefik only
  std::string letsencrypt_email;   // enables ACME in Traefik when set
  std::string letsencrypt_server;  // "" = production ACME
  // nginx only: the node sits behind a trusted front (an edge proxy or load balancer), so
  // nginx passes on the X-Forwarded-* headers it receives instead of writing its own.
  bool behind_trusted_proxy = false;
  bool operator==(const TrafficSpec&) const = default;
};

struct NodeSpec {
  std::string name;
  std::string host;
  int port = 22;
  std::string user = "dokku";
  std::string host_key;      // "SHA256:..." as ssh-keygen -lf prints it, or "" (known_hosts)
  std::string private_host;  // the address an edge reaches the node's :80 at ("" = host)
  std::map<std::string, std::string> labels;
};

// An edge: one Traefik v3 in front of environments' nodes, configured through one file of
// its file provider that dflow writes over SSH (reference traefik.md §5). Not a Dokku host:
// dflow logs in as a shell user.
struct EdgeSpec {
  std::string name;
  std::string host;
  int port = 22;
  std::string user;                                 // a shell user allowed to write config_dir
  std::string host_key;                             // as NodeSpec::host_key
  std::vector<std::string> environments;            // sorted: whose services it fronts
  std::string config_dir = "/etc/traefik/dynamic";  // the file provider's directory
  std::string file_name = "dflow.yml";              // the one file dflow owns there
  std::string entry_point = "websecure";            // the routers' HTTPS entry point
  std::string cert_resolver = "le";                 // the ACME resolver of its static config
  std::string api_url = "http://127.0.0.1:8080";    // Traefik's API, on the edge's loopback
  bool operator==(const EdgeSpec&) const = default;
};

struct EnvironmentSpec {
  std::string name;
  std::vector<std::string> nodes;  // sorted
  std::string domain;
  bool prune = false;     // destroy managed apps whose service left the repo
  bool self_heal = true;  // put hand-made drift back (else only report it)
  TrafficSpec traffic;
};

struct NodeDesiredState {
  NodeSpec node;
  // Set when an environment lists the node: only then does dflow converge its proxy and
  // global domain (a node no environment uses is left as it is).
  bool in_environment = false;
  TrafficSpec traffic;
  std::string domain;         // the environment's domain: Dokku's global domain ("" = none)
  std::vector<AppSpec> apps;  // sorted by name
  std::vector<DatastoreSpec> datastores;  // sorted by name
};

struct DesiredState {
  std::string revision;                       // commit id the state was read from, or ""
  std::vector<EnvironmentSpec> environments;  // sorted by name
  std::vector<NodeDesiredState> nodes;        // sorted by node name; every declared node
  std::vector<EdgeSpec> edges;                // sorted by name
};

}  // namespace dflow
