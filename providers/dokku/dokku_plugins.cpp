#include "providers/dokku/dokku_plugins.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "providers/dokku/dokku_report.h"

namespace dflow {

Result<std::vector<ObservedPlugin>> ParsePluginList(const std::vector<std::string>& argv,
                                                    std::string_view out) {
  Result<std::string> document = SingleJsonDocument(argv, out);
  if (!document.ok()) return document.status();
  nlohmann::json json = nlohmann::json::parse(*document);
  if (!json.is_array()) return LineError(argv, 1, "not a JSON array", *document);
  std::vector<ObservedPlugin> plugins;
  for (const nlohmann::json& item : json) {
    bool valid = item.is_object() && item.contains("name") && item["name"].is_string() &&
                 item.contains("version") && item["version"].is_string() &&
                 item.contains("enabled") && item["enabled"].is_boolean();
    if (!valid) return LineError(argv, 1, "not a plugin list", *document);
    plugins.push_back({item["name"].get<std::string>(), item["version"].get<std::string>(),
                       item["enabled"].get<bool>()});
  }
  std::sort(plugins.begin(), plugins.end(),
            [](const ObservedPlugin& a, const ObservedPlugin& b) { return a.name < b.name; });
  return plugins;
}

const ObservedPlugin* FindEnabledPlugin(const std::vector<ObservedPlugin>& plugins,
                                        std::string_view name) {
  for (const ObservedPlugin& plugin : plugins) {
    if (plugin.name == name && plugin.enabled) return &plugin;
  }
  return nullptr;
}

}  // namespace dflow
