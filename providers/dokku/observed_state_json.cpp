#include "providers/dokku/observed_state_json.h"

#include <string>

namespace dflow {
namespace {

bool IsSecretTraefikKey(const std::string& key) {
  return key == "basic-auth-password" || key.rfind("dns-provider-", 0) == 0;
}

nlohmann::json PortsToJson(const std::vector<PortMapping>& ports) {
  nlohmann::json list = nlohmann::json::array();
  for (const PortMapping& port : ports) list.push_back(port.ToString());
  return list;
}

nlohmann::json ConfigToJson(const std::map<std::string, std::string>& config, bool redact) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : config) object[key] = redact ? std::string(kRedacted) : value;
  return object;
}

nlohmann::json AppToJson(const ObservedApp& app, bool redact) {
  return {
      {"name", app.name},
      {"managed", app.managed},
      {"config", ConfigToJson(app.config, redact)},
      {"domains", app.domains},
      {"vhostsEnabled", app.vhosts_enabled},
      {"ports", PortsToJson(app.ports)},
      {"proxy", app.proxy_type},
      {"proxyEnabled", app.proxy_enabled},
      {"builder", app.builder},
      {"source",
       {{"deploySource", app.deploy_source},
        {"deploySourceMetadata", ScrubUrls(app.deploy_source_metadata)},
        {"gitSha", app.git_sha},
        {"sourceImage", app.source_image}}},
      {"deployed", app.deployed},
      {"running", app.running},
      {"processCount", app.process_count},
      {"processes", app.scale},
      {"processStatus", app.process_status},
      {"checksDisabled", app.checks_disabled},
      {"checksSkipped", app.checks_skipped},
      {"resources", app.resources},
      {"storage", app.storage},
      {"networks", app.networks},
      {"linkedDatastores", app.linked_datastores},
      {"lastBuildStatus", app.last_build_status},
      {"readError", ScrubUrls(app.read_error)},
  };
}

nlohmann::json TraefikToJson(const std::map<std::string, std::string>& settings, bool redact) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : settings) {
    bool hide = redact && IsSecretTraefikKey(key) && !value.empty();
    object[key] = hide ? std::string(kRedacted) : value;
  }
  return object;
}

}  // namespace

nlohmann::json ObservedNodeToJson(const ObservedNode& node, bool redact) {
  nlohmann::json plugins = nlohmann::json::array();
  for (const ObservedPlugin& plugin : node.plugins) {
    plugins.push_back(
        {{"name", plugin.name}, {"version", plugin.version}, {"enabled", plugin.enabled}});
  }
  nlohmann::json apps = nlohmann::json::array();
  for (const ObservedApp& app : node.apps) apps.push_back(AppToJson(app, redact));
  nlohmann::json datastores = nlohmann::json::array();
  for (const ObservedDatastore& store : node.datastores) {
    datastores.push_back({{"name", store.name},
                          {"engine", store.engine},
                          {"linkedApps", store.linked_apps},
                          {"exposed", store.exposed},
                          {"readError", ScrubUrls(store.read_error)}});
  }
  return {
      {"node", node.node},
      {"dokkuVersion", node.dokku_version},
      {"plugins", plugins},
      {"proxyGlobalType", node.proxy_global_type},
      {"globalDomains", node.global_domains},
      {"nginxGlobal", node.nginx_global},
      {"traefikGlobal", TraefikToJson(node.traefik_global, redact)},
      {"apps", apps},
      {"datastores", datastores},
      {"observation", {{"invocations", node.invocations}, {"attempts", node.attempts}}},
  };
}

}  // namespace dflow
