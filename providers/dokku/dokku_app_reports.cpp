#include "providers/dokku/dokku_app_reports.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

namespace dflow {
namespace {

// Reads each key into its string; the first missing key is the error.
Status ReadKeys(const std::vector<std::string>& argv, const ReportObject& object,
                std::initializer_list<std::pair<const char*, std::string*>> keys) {
  for (const auto& [key, value] : keys) {
    Result<std::string> found = RequireKey(argv, object, key);
    if (!found.ok()) return found.status();
    *value = std::move(found).value();
  }
  return Status::Ok();
}

Status ValueError(const std::vector<std::string>& argv, const std::string& key,
                  const std::string& what, const std::string& value) {
  return OutputError(argv, "key \"" + key + "\": " + what + ": \"" + value.substr(0, 200) + "\"");
}

bool ParsePort(std::string_view text, int& port) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, port);
  return !text.empty() && error == std::errc() && ptr == end && port >= 0 && port <= 65535;
}

Result<PortMapping> PortFromJson(const std::vector<std::string>& argv, const nlohmann::json& item,
                                 const std::string& value) {
  auto is_port = [](const nlohmann::json& j) {
    return j.is_number_integer() && j.get<long long>() >= 0 && j.get<long long>() <= 65535;
  };
  if (!item.is_object() || !item.contains("scheme") || !item["scheme"].is_string() ||
      !item.contains("host_port") || !is_port(item["host_port"]) ||
      !item.contains("container_port") || !is_port(item["container_port"])) {
    return ValueError(argv, "map-json", "not a port mapping list", value);
  }
  return PortMapping{item["scheme"].get<std::string>(), item["host_port"].get<int>(),
                     item["container_port"].get<int>()};
}

std::vector<std::string> Sorted(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  return words;
}

// "running (CID: 0123456789a)" -> "running"; the container id is not state we compare.
std::string ContainerState(const std::string& value) {
  std::size_t cut = value.find(" (CID:");
  return cut == std::string::npos ? value : value.substr(0, cut);
}

}  // namespace

const std::vector<AppReportKind>& AllAppReports() {
  static const std::vector<AppReportKind> kKinds = {
      {"apps", ApplyAppsReport},       {"domains", ApplyDomainsReport},
      {"ports", ApplyPortsReport},     {"proxy", ApplyProxyReport},
      {"ps", ApplyPsReport},           {"builder", ApplyBuilderReport},
      {"git", ApplyGitReport},         {"checks", ApplyChecksReport},
      {"network", ApplyNetworkReport}, {"storage", ApplyStorageReport},
  };
  return kKinds;
}

Status ApplyAppsReport(const std::vector<std::string>& argv, const ReportObject& object,
                       ObservedApp& app) {
  std::string source, metadata;
  if (Status read = ReadKeys(argv, object,
                             {{"deploy-source", &source}, {"deploy-source-metadata", &metadata}});
      !read.ok())
    return read;
  app.deploy_source = source;
  app.deploy_source_metadata = metadata;
  return Status::Ok();
}

Status ApplyDomainsReport(const std::vector<std::string>& argv, const ReportObject& object,
                          ObservedApp& app) {
  std::string vhosts, enabled;
  if (Status read = ReadKeys(argv, object, {{"app-vhosts", &vhosts}, {"app-enabled", &enabled}});
      !read.ok())
    return read;
  Result<bool> is_enabled = ParseBoolValue(argv, "app-enabled", enabled);
  if (!is_enabled.ok()) return is_enabled.status();
  app.domains = Sorted(SplitWords(vhosts, " \t\n"));
  app.vhosts_enabled = *is_enabled;
  return Status::Ok();
}

Result<std::vector<PortMapping>> ParsePortMapJson(const std::vector<std::string>& argv,
                                                  const std::string& value) {
  if (value.empty()) return std::vector<PortMapping>{};
  nlohmann::json json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return ValueError(argv, "map-json", "not JSON", value);
  if (json.is_null()) return std::vector<PortMapping>{};
  if (!json.is_array()) return ValueError(argv, "map-json", "not a port mapping list", value);
  std::vector<PortMapping> ports;
  for (const nlohmann::json& item : json) {
    Result<PortMapping> port = PortFromJson(argv, item, value);
    if (!port.ok()) return port.status();
    ports.push_back(*port);
  }
  std::sort(ports.begin(), ports.end());
  return ports;
}

Result<std::vector<PortMapping>> ParsePortMapList(const std::vector<std::string>& argv,
                                                  const std::string& value) {
  std::vector<PortMapping> ports;
  for (const std::string& word : SplitWords(value, " \t\n")) {
    std::vector<std::string> parts = SplitWords(word, ":");
    PortMapping port;
    if (parts.size() != 3 || std::count(word.begin(), word.end(), ':') != 2 ||
        !ParsePort(parts[1], port.host_port) || !ParsePort(parts[2], port.container_port)) {
      return ValueError(argv, "map", "not scheme:host:container", word);
    }
    port.scheme = parts[0];
    ports.push_back(port);
  }
  std::sort(ports.begin(), ports.end());
  return ports;
}

Status ApplyPortsReport(const std::vector<std::string>& argv, const ReportObject& object,
                        ObservedApp& app) {
  // map-json exists from 0.38.26 on; older 0.38.x hosts only give the space-joined map.
  Result<std::vector<PortMapping>> ports = std::vector<PortMapping>{};
  if (auto json = object.find("map-json"); json != object.end()) {
    ports = ParsePortMapJson(argv, json->second);
  } else {
    std::string map;
    if (Status read = ReadKeys(argv, object, {{"map", &map}}); !read.ok()) return read;
    ports = ParsePortMapList(argv, map);
  }
  if (!ports.ok()) return ports.status();
  app.ports = std::move(ports).value();
  return Status::Ok();
}

Status ApplyProxyReport(const std::vector<std::string>& argv, const ReportObject& object,
                        ObservedApp& app) {
  std::string type, enabled;
  if (Status read = ReadKeys(argv, object, {{"type", &type}, {"enabled", &enabled}}); !read.ok())
    return read;
  Result<bool> is_enabled = ParseBoolValue(argv, "enabled", enabled);
  if (!is_enabled.ok()) return is_enabled.status();
  app.proxy_type = type;
  app.proxy_enabled = *is_enabled;
  return Status::Ok();
}

Status ApplyPsReport(const std::vector<std::string>& argv, const ReportObject& object,
                     ObservedApp& app) {
  std::string deployed, running, processes;
  if (Status read =
          ReadKeys(argv, object,
                   {{"deployed", &deployed}, {"running", &running}, {"processes", &processes}});
      !read.ok())
    return read;
  Result<bool> is_deployed = ParseBoolValue(argv, "deployed", deployed);
  if (!is_deployed.ok()) return is_deployed.status();
  if (running != "true" && running != "false" && running != "mixed") {
    return ValueError(argv, "running", "not true/false/mixed", running);
  }
  Result<int> count = ParseIntValue(argv, "processes", processes);
  if (!count.ok()) return count.status();
  app.deployed = *is_deployed;
  app.running = running;
  app.process_count = *count;
  app.process_status.clear();
  static const std::string kStatusPrefix = "status-";
  for (const auto& [key, value] : object) {
    if (key.rfind(kStatusPrefix, 0) != 0) continue;
    app.process_status[key.substr(kStatusPrefix.size())] = ContainerState(value);
  }
  return Status::Ok();
}

Status ApplyBuilderReport(const std::vector<std::string>& argv, const ReportObject& object,
                          ObservedApp& app) {
  std::string selected;
  if (Status read = ReadKeys(argv, object, {{"selected", &selected}}); !read.ok()) return read;
  app.builder = selected;
  return Status::Ok();
}

Status ApplyGitReport(const std::vector<std::string>& argv, const ReportObject& object,
                      ObservedApp& app) {
  std::string sha, image;
  if (Status read = ReadKeys(argv, object, {{"sha", &sha}, {"source-image", &image}}); !read.ok())
    return read;
  app.git_sha = sha;
  app.source_image = image;
  return Status::Ok();
}

std::vector<std::string> ParseChecksList(const std::string& value) {
  if (value == "none") return {};
  return Sorted(SplitWords(value, ", \t"));
}

Status ApplyChecksReport(const std::vector<std::string>& argv, const ReportObject& object,
                         ObservedApp& app) {
  std::string disabled, skipped;
  if (Status read =
          ReadKeys(argv, object, {{"disabled-list", &disabled}, {"skipped-list", &skipped}});
      !read.ok())
    return read;
  app.checks_disabled = ParseChecksList(disabled);
  app.checks_skipped = ParseChecksList(skipped);
  return Status::Ok();
}

Status ApplyNetworkReport(const std::vector<std::string>& argv, const ReportObject& object,
                          ObservedApp& app) {
  // network:set joins the names with commas; tolerate spaces as well.
  std::string networks;
  if (Status read = ReadKeys(argv, object, {{"attach-post-deploy", &networks}}); !read.ok())
    return read;
  app.networks = Sorted(SplitWords(networks, ", \t"));
  return Status::Ok();
}

Result<std::vector<std::string>> ParseBindMounts(const std::vector<std::string>& argv,
                                                 const std::string& key, const std::string& value) {
  std::vector<std::string> words = SplitWords(value, " \t\n");
  std::vector<std::string> mounts;
  for (std::size_t i = 0; i < words.size(); i += 2) {
    if (words[i] != "-v" || i + 1 == words.size()) {
      return ValueError(argv, key, "not a list of -v mounts", value);
    }
    mounts.push_back(words[i + 1]);
  }
  return Sorted(std::move(mounts));
}

Status ApplyStorageReport(const std::vector<std::string>& argv, const ReportObject& object,
                          ObservedApp& app) {
  std::string mounts;
  if (Status read = ReadKeys(argv, object, {{"deploy-mounts", &mounts}}); !read.ok()) return read;
  Result<std::vector<std::string>> parsed = ParseBindMounts(argv, "deploy-mounts", mounts);
  if (!parsed.ok()) return parsed.status();
  app.storage = std::move(parsed).value();
  return Status::Ok();
}

Status ApplyBuildsReport(const std::vector<std::string>& argv, const ReportObject& object,
                         ObservedApp& app) {
  std::string status, id;
  if (Status read = ReadKeys(argv, object, {{"build-status", &status}, {"build-id", &id}});
      !read.ok())
    return read;
  app.last_build_status = status;
  app.last_build_id = id;
  return Status::Ok();
}

}  // namespace dflow
