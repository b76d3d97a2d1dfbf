#include "providers/edge/traefik_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace dflow {
namespace {

constexpr const char* kFileSuffix = "@file";

Result<nlohmann::json> Get(Transport& edge, const std::string& api_url, const std::string& path) {
  const std::string url = api_url + path;
  Result<ExecResult> run = edge.RunDokku({"curl", "-fsS", "--max-time", "5", url});
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    std::string why = run->err.substr(0, run->err.find('\n'));
    return Status(Code::kUnavailable,
                  edge.Describe() + ": Traefik's API at " + url + " did not answer (curl exit " +
                      std::to_string(run->exit_code) + (why.empty() ? ")" : "): " + why));
  }
  nlohmann::json json = nlohmann::json::parse(run->out, nullptr, false);
  if (json.is_discarded())
    return Status(Code::kFailed, edge.Describe() + ": " + url + " did not answer JSON");
  return json;
}

// "<name>@file" -> "<name>"; "" for another provider's object.
std::string FileName(const nlohmann::json& item) {
  if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) return "";
  const std::string name = item["name"].get<std::string>();
  const std::size_t at = name.rfind(kFileSuffix);
  if (at == std::string::npos || at + std::char_traits<char>::length(kFileSuffix) != name.size())
    return "";
  return name.substr(0, at);
}

}  // namespace

Result<TraefikApiState> ReadTraefikApi(Transport& edge, const std::string& api_url) {
  TraefikApiState state;
  Result<nlohmann::json> version = Get(edge, api_url, "/api/version");
  if (!version.ok()) return version.status();
  if (version->is_object() && version->contains("Version") && (*version)["Version"].is_string())
    state.version = (*version)["Version"].get<std::string>();
  Result<nlohmann::json> routers = Get(edge, api_url, "/api/http/routers");
  if (!routers.ok()) return routers.status();
  for (const auto& item : routers->is_array() ? *routers : nlohmann::json::array()) {
    const std::string name = FileName(item);
    if (name.empty()) continue;
    TraefikRouterState router;
    if (item.contains("status") && item["status"].is_string())
      router.status = item["status"].get<std::string>();
    if (item.contains("error") && item["error"].is_array())
      for (const auto& error : item["error"])
        if (error.is_string()) router.errors.push_back(error.get<std::string>());
    state.routers[name] = std::move(router);
  }
  Result<nlohmann::json> services = Get(edge, api_url, "/api/http/services");
  if (!services.ok()) return services.status();
  for (const auto& item : services->is_array() ? *services : nlohmann::json::array()) {
    const std::string name = FileName(item);
    if (name.empty()) continue;
    TraefikServiceState service;
    if (item.contains("serverStatus") && item["serverStatus"].is_object())
      for (const auto& [url, status] : item["serverStatus"].items())
        if (status.is_string()) service.servers[url] = status.get<std::string>();
    state.services[name] = std::move(service);
  }
  return state;
}

EdgeHealthReport MapEdgeHealth(const TraefikApiState& api, const std::vector<std::string>& routers,
                               const std::vector<std::string>& services) {
  EdgeHealthReport report;
  auto worse = [&](EdgeHealth health) {
    if (static_cast<int>(health) > static_cast<int>(report.health)) report.health = health;
  };
  for (const std::string& name : routers) {
    auto it = api.routers.find(name);
    if (it == api.routers.end()) {
      report.problems.push_back("router " + name + " is missing: Traefik has not taken the file");
      worse(EdgeHealth::kFailed);
    } else if (it->second.status == "disabled") {
      std::string why;
      for (const auto& error : it->second.errors) why += (why.empty() ? "" : "; ") + error;
      report.problems.push_back("router " + name + " is disabled" +
                                (why.empty() ? "" : ": " + why));
      worse(EdgeHealth::kFailed);
    }
  }
  for (const std::string& name : services) {
    auto it = api.services.find(name);
    if (it == api.services.end()) {
      report.problems.push_back("service " + name + " is missing: Traefik has not taken the file");
      worse(EdgeHealth::kFailed);
      continue;
    }
    for (const auto& [url, status] : it->second.servers) {
      if (status == "UP") continue;
      report.problems.push_back("service " + name + ": server " + url + " is " + status);
      worse(EdgeHealth::kDegraded);
    }
  }
  std::sort(report.problems.begin(), report.problems.end());
  return report;
}

std::string_view EdgeHealthName(EdgeHealth health) {
  switch (health) {
    case EdgeHealth::kHealthy:
      return "Healthy";
    case EdgeHealth::kDegraded:
      return "Degraded";
    case EdgeHealth::kFailed:
      return "Failed";
  }
  return "Failed";
}

}  // namespace dflow
