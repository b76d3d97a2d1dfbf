#include "reconciler/plan/static_plan.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "manifests-schema/base/text.h"
#include "providers/dokku/build_context.h"
#include "providers/dokku/derived_config.h"
#include "reconciler/plan/app_plan.h"
#include "reconciler/plan/proxy_plan.h"

namespace dflow {
namespace {

// Any fixed value: base and head record the same one, so only keys that come and go show.
constexpr char kSecretPlaceholder[] = "(secret)";

const DatastoreSpec* FindDatastore(const NodeDesiredState& node, const std::string& name) {
  for (const auto& store : node.datastores)
    if (store.name == name) return &store;
  return nullptr;
}

// The config dflow leaves on an app: the repo's values, secrets, and dflow's own keys.
std::map<std::string, std::string> AppliedConfig(const AppSpec& app, const SecretValues& secrets) {
  std::map<std::string, std::string> config = app.config;
  auto values = secrets.find(app.name);
  std::vector<std::string> keys;
  for (const auto& [key, value] : app.config) keys.push_back(key);
  for (const auto& key : app.secret_keys) {
    keys.push_back(key);
    if (values != secrets.end() && values->second.contains(key))
      config[key] = values->second.at(key);
  }
  for (const auto& [key, parts] : app.derived_config) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  config[kManagedMarkerKey] = ManagedMarker(app);
  if (!keys.empty()) config[kManagedKeysKey] = Join(keys, ",");
  if (app.protect) config[kProtectKey] = "true";
  if (!app.theme_release.empty()) config[kThemeReleaseKey] = app.theme_release;
  config[kSpecDigestKey] = AppSpecDigest(app, secrets);
  if (!app.source.git_url.empty())
    config[kDeployedSourceKey] = app.source.git_url + "#" + app.source.git_ref;
  if (app.health.enabled())
    config[kBuildContextKey] = BuildContextDigest(app.source.image, app.health);
  return config;
}

void SetAppliedSource(const AppSpec& app, ObservedApp& live) {
  const DeploySource& source = app.source;
  if (app.health.enabled()) {
    live.deploy_source = "tar";  // git:from-archive <app> -- (build_context.h)
    live.deploy_source_metadata = "--";
  } else if (!source.image.empty()) {
    live.deploy_source = "docker-image";
    live.deploy_source_metadata = source.image;
    live.source_image = source.image;
  } else if (!source.git_url.empty()) {
    live.deploy_source = "git-sync";
    live.deploy_source_metadata = source.git_url + "#" + source.git_ref;
  }
  live.deployed = !live.deploy_source.empty();
  if (live.deployed) live.running = "true";
}

// A theme's apply-time config as apply leaves it, with each link's URL (placeholder password).
void AddAppliedDerivedConfig(const AppSpec& app, const NodeDesiredState& node,
                             const SecretValues& secrets,
                             std::map<std::string, std::string>& config) {
  if (app.derived_config.empty()) return;
  std::map<std::string, DatastoreConnection> connections;
  for (const auto& name : app.datastores) {
    const DatastoreSpec* store = FindDatastore(node, name);
    if (store == nullptr) continue;
    const std::string url =
        store->engine + "://u:" + kSecretPlaceholder + "@" + DatastoreHost(store->engine, name);
    config["DFLOW_STATIC_" + std::to_string(connections.size()) + "_URL"] = url;
    connections[name] = {url, kSecretPlaceholder};
  }
  auto values = secrets.find(app.name);
  for (const auto& [key, parts] : app.derived_config) {
    std::optional<std::string> value = CompleteDerivedValue(
        parts, values == secrets.end() ? std::map<std::string, std::string>{} : values->second,
        connections);
    if (value) config[key] = *value;
  }
}

ObservedApp AppliedApp(const AppSpec& app, const NodeDesiredState& node,
                       const SecretValues& secrets) {
  ObservedApp live;
  live.name = app.name;
  live.managed = true;
  live.config = AppliedConfig(app, secrets);
  live.domains = app.domains;
  live.ports = app.ports;
  live.proxy_type = app.proxy_type;
  live.builder = app.builder;
  SetAppliedSource(app, live);
  live.scale = app.processes;
  live.checks_disabled = app.checks_disabled;
  live.checks_skipped = app.checks_skipped;
  for (const auto& [resource, value] : app.resource_limits)
    live.resources["_default_.limit." + resource] = value;
  for (const auto& [resource, value] : app.resource_reservations)
    live.resources["_default_.reserve." + resource] = value;
  live.storage = app.storage;
  live.networks = app.networks;
  for (const auto& name : app.datastores)
    if (const DatastoreSpec* store = FindDatastore(node, name))
      live.linked_datastores.push_back(store->engine + "/" + name);
  std::sort(live.linked_datastores.begin(), live.linked_datastores.end());
  AddAppliedDerivedConfig(app, node, secrets, live.config);
  return live;
}

const NodeDesiredState* FindNode(const DesiredState& desired, const std::string& name) {
  for (const auto& node : desired.nodes)
    if (node.node.name == name) return &node;
  return nullptr;
}

std::vector<std::string> EnvironmentNames(const DesiredState& desired) {
  std::vector<std::string> names;
  for (const auto& env : desired.environments) names.push_back(env.name);
  return names;
}

// The node's proxy and global domain as dflow leaves them (proxy_plan.h); a node no
// environment lists is taken as Dokku installs it: nginx, no global domain.
void SimulateProxy(const NodeDesiredState& desired, ObservedNode& node) {
  for (const char* plugin : {"nginx-vhosts", "traefik-vhosts"})
    node.plugins.push_back({plugin, "", true});
  node.proxy_read = node.domains_read = true;
  const TrafficSpec installed;  // nothing set: what Dokku has before dflow
  const TrafficSpec& traffic = desired.in_environment ? desired.traffic : installed;
  // Only the proxy in use has its settings converged; the other keeps Dokku's (none).
  for (const auto& [property, value] :
       WantedNginxSettings(traffic.proxy == "nginx" ? traffic : installed))
    node.nginx_global[property] = value;
  for (const auto& [property, value] :
       WantedTraefikSettings(traffic.proxy == "traefik" ? traffic : installed))
    node.traefik_global[property] = value;
  if (!desired.in_environment) return;
  node.proxy_global_type = traffic.proxy;
  if (!desired.domain.empty()) node.global_domains = {desired.domain};
}

NodePlan RemovedNodePlan(const NodeDesiredState& base) {
  NodePlan plan;
  plan.node = base.node.name;
  std::string apps;
  for (const auto& app : base.apps) apps += (apps.empty() ? "" : ", ") + app.name;
  plan.notes.push_back(
      {NoteKind::kInfo, "",
       "node removed from the repo: dflow stops managing it and leaves what runs there as it is" +
           (apps.empty() ? std::string() : " (apps: " + apps + ")"),
       ""});
  return plan;
}

}  // namespace

ObservedNode SimulateApplied(const NodeDesiredState& desired, const SecretValues& secrets) {
  ObservedNode node;
  node.node = desired.node.name;
  SimulateProxy(desired, node);
  for (const auto& app : desired.apps) node.apps.push_back(AppliedApp(app, desired, secrets));
  for (const auto& store : desired.datastores) {
    ObservedDatastore live{store.name, store.engine, {}, "", ""};
    if (store.expose_port > 0)
      live.exposed = store.expose_host + ":" + std::to_string(store.expose_port);
    for (const auto& app : desired.apps)
      if (std::find(app.datastores.begin(), app.datastores.end(), store.name) !=
          app.datastores.end())
        live.linked_apps.push_back(app.name);
    node.datastores.push_back(std::move(live));
  }
  std::sort(node.datastores.begin(), node.datastores.end(),
            [](const ObservedDatastore& a, const ObservedDatastore& b) {
              return std::tie(a.engine, a.name) < std::tie(b.engine, b.name);
            });
  return node;
}

namespace {

void AddPlaceholders(const AppSpec& app, std::map<std::string, std::string>& values) {
  for (const auto& key : app.secret_keys) values[key] = kSecretPlaceholder;
  for (const auto& [key, parts] : app.derived_config) {
    for (const ConfigPart& part : parts)
      if (!DerivedPartKey(part).empty()) values[DerivedPartKey(part)] = kSecretPlaceholder;
    if (!NeedsDatastore(parts)) values[key] = *CompleteDerivedValue(parts, values, {});
  }
}

}  // namespace

SecretValues PlaceholderSecrets(const DesiredState& desired) {
  SecretValues secrets;
  for (const auto& node : desired.nodes)
    for (const auto& app : node.apps) AddPlaceholders(app, secrets[app.name]);
  return secrets;
}

StaticPlan PlanBetween(const DesiredState& base, const DesiredState& head, PlanOptions options) {
  StaticPlan result;
  const SecretValues base_secrets = PlaceholderSecrets(base);
  options.secrets = PlaceholderSecrets(head);
  result.environments_added = Minus(EnvironmentNames(head), EnvironmentNames(base));
  result.environments_removed = Minus(EnvironmentNames(base), EnvironmentNames(head));
  std::set<std::string> names;
  for (const auto& node : base.nodes) names.insert(node.node.name);
  for (const auto& node : head.nodes) names.insert(node.node.name);
  for (const auto& name : names) {
    const NodeDesiredState* before = FindNode(base, name);
    const NodeDesiredState* after = FindNode(head, name);
    if (after == nullptr) {
      result.nodes_removed.push_back(name);
      result.plans.push_back(RemovedNodePlan(*before));
      continue;
    }
    if (before == nullptr) result.nodes_added.push_back(name);
    // A node new to the repo is taken as Dokku installs it (no apps, nginx, no global domain).
    ObservedNode observed = SimulateApplied(before ? *before : NodeDesiredState{},
                                            before ? base_secrets : SecretValues{});
    observed.node = name;
    PlanOptions node_options = options;
    if (before) node_options.previous_datastores = before->datastores;
    result.plans.push_back(PlanNode(*after, observed, node_options));
  }
  return result;
}

}  // namespace dflow
