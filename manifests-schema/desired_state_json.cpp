#include "manifests-schema/desired_state_json.h"

#include "manifests-schema/json_to_yaml.h"
#include "manifests-schema/theme_expression.h"

namespace dflow {
namespace {

using nlohmann::json;

json TrafficJson(const TrafficSpec& t) {
  return {{"proxy", t.proxy},
          {"tls", t.tls},
          {"letsencryptEmail", t.letsencrypt_email},
          {"letsencryptServer", t.letsencrypt_server},
          {"behindTrustedProxy", t.behind_trusted_proxy}};
}

// Fields at Dokku's default (0) are left out, as they are from the app.json dflow sends.
json HealthJson(const HealthCheck& h) {
  json out = {{"path", h.path}, {"port", h.port}, {"expect", h.expect}};
  if (!h.content.empty()) out["content"] = h.content;
  if (h.attempts > 0) out["attempts"] = h.attempts;
  if (h.wait > 0) out["wait"] = h.wait;
  if (h.timeout > 0) out["timeout"] = h.timeout;
  if (h.initial_delay > 0) out["initialDelay"] = h.initial_delay;
  return out;
}

json AppJson(const AppSpec& a) {
  json ports = json::array();
  for (const PortMapping& p : a.ports) ports.push_back(p.ToString());
  json app = {
      {"name", a.name},
      {"application", a.application},
      {"service", a.service},
      {"environment", a.environment},
      {"source", {{"git", a.source.git_url}, {"ref", a.source.git_ref}, {"image", a.source.image}}},
      {"builder", a.builder},
      {"config", a.config},
      {"secretKeys", a.secret_keys},
      {"domains", a.domains},
      {"ports", ports},
      {"proxyType", a.proxy_type},
      {"processes", a.processes},
      {"datastores", a.datastores},
      {"checks", {{"disabled", a.checks_disabled}, {"skipped", a.checks_skipped}}},
      {"resources", {{"limits", a.resource_limits}, {"reservations", a.resource_reservations}}},
      {"storage", a.storage},
      {"networks", a.networks},
      {"protect", a.protect}};
  if (a.health.enabled()) app["health"] = HealthJson(a.health);
  // Only themed apps have it; its values are templates, never secret values.
  if (!a.remote_datastores.empty()) {
    json remote = json::array();
    for (const RemoteDatastore& r : a.remote_datastores) {
      remote.push_back({{"name", r.name},
                        {"engine", r.engine},
                        {"node", r.node},
                        {"address", r.host + ":" + std::to_string(r.port)},
                        {"variable", r.variable}});
    }
    app["remoteDatastores"] = remote;
  }
  if (!a.derived_config.empty()) {
    json derived = json::object();
    for (const auto& [key, parts] : a.derived_config) derived[key] = PartsToTemplate(parts);
    app["derivedConfig"] = derived;
  }
  return app;
}

json DatastoreJson(const DatastoreSpec& d) {
  json out = {{"name", d.name},
              {"engine", d.engine},
              {"application", d.application},
              {"environment", d.environment},
              {"protect", d.protect},
              {"allowDestroy", d.allow_destroy}};
  if (!d.move_from.empty()) out["moveFrom"] = d.move_from;
  if (d.expose_port > 0) out["expose"] = d.expose_host + ":" + std::to_string(d.expose_port);
  return out;
}

json NodeJson(const NodeDesiredState& n) {
  json apps = json::array();
  for (const AppSpec& a : n.apps) apps.push_back(AppJson(a));
  json datastores = json::array();
  for (const DatastoreSpec& d : n.datastores) datastores.push_back(DatastoreJson(d));
  return {{"name", n.node.name},
          {"host", n.node.host},
          {"port", n.node.port},
          {"user", n.node.user},
          {"hostKey", n.node.host_key},
          {"privateHost", n.node.private_host},
          {"labels", n.node.labels},
          {"inEnvironment", n.in_environment},
          {"traffic", TrafficJson(n.traffic)},
          {"globalDomain", n.domain},
          {"apps", apps},
          {"datastores", datastores}};
}

}  // namespace

json DesiredStateToJson(const DesiredState& state) {
  json environments = json::array();
  for (const EnvironmentSpec& e : state.environments) {
    environments.push_back({{"name", e.name},
                            {"nodes", e.nodes},
                            {"domain", e.domain},
                            {"prune", e.prune},
                            {"selfHeal", e.self_heal},
                            {"traffic", TrafficJson(e.traffic)}});
  }
  json nodes = json::array();
  for (const NodeDesiredState& n : state.nodes) nodes.push_back(NodeJson(n));
  json edges = json::array();
  for (const EdgeSpec& e : state.edges) {
    edges.push_back({{"name", e.name},
                     {"host", e.host},
                     {"port", e.port},
                     {"user", e.user},
                     {"hostKey", e.host_key},
                     {"environments", e.environments},
                     {"configDir", e.config_dir},
                     {"fileName", e.file_name},
                     {"entryPoint", e.entry_point},
                     {"certResolver", e.cert_resolver},
                     {"apiUrl", e.api_url}});
  }
  return {{"revision", state.revision},
          {"environments", environments},
          {"nodes", nodes},
          {"edges", edges}};
}

std::string DesiredStateToYaml(const DesiredState& state) {
  return JsonToYaml(DesiredStateToJson(state));
}

}  // namespace dflow
