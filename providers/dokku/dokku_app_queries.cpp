#include "providers/dokku/dokku_app_queries.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "providers/dokku/dokku_report.h"

namespace dflow {
namespace {

// "<proctype|_default_>.<limit|reserve>.<resource>", as resource:report names properties.
bool IsResourceKey(const std::string& key) {
  std::vector<std::string> parts = SplitWords(key, ".");
  return parts.size() == 3 && std::count(key.begin(), key.end(), '.') == 2 &&
         (parts[1] == "limit" || parts[1] == "reserve");
}

}  // namespace

Result<std::map<std::string, std::string>> ParseConfigExport(const std::vector<std::string>& argv,
                                                             std::string_view out) {
  Result<std::string> document = SingleJsonDocument(argv, out, /*secret=*/true);
  if (!document.ok()) return document.status();
  nlohmann::json json = nlohmann::json::parse(*document);
  if (!json.is_object()) return OutputError(argv, "output is not a JSON object");
  std::map<std::string, std::string> config;
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string()) {
      return OutputError(argv, "value of \"" + key + "\" is not a string");
    }
    config.emplace(key, value.get<std::string>());
  }
  return config;
}

Result<std::map<std::string, int>> ParseScaleJson(const std::vector<std::string>& argv,
                                                  std::string_view out) {
  Result<std::string> document = SingleJsonDocument(argv, out);
  if (!document.ok()) return document.status();
  nlohmann::json json = nlohmann::json::parse(*document);
  if (!json.is_array()) return LineError(argv, 1, "not a JSON array", *document);
  std::map<std::string, int> scale;
  for (const nlohmann::json& item : json) {
    bool valid = item.is_object() && item.contains("process_type") &&
                 item["process_type"].is_string() && item.contains("quantity") &&
                 item["quantity"].is_number_integer() && item["quantity"].get<long long>() >= 0 &&
                 item["quantity"].get<long long>() <= 1'000'000;
    if (!valid) return LineError(argv, 1, "not a process scale list", *document);
    auto [it, inserted] =
        scale.emplace(item["process_type"].get<std::string>(), item["quantity"].get<int>());
    if (!inserted) return LineError(argv, 1, "process type \"" + it->first + "\" twice", *document);
  }
  return scale;
}

Result<std::map<std::string, std::string>> ParseResourceReport(const std::vector<std::string>& argv,
                                                               std::string_view out) {
  std::map<std::string, std::string> resources;
  // Dokku prints nothing at all for an app without resource properties.
  if (out.find_first_not_of(" \t\r\n") == std::string_view::npos) return resources;
  Result<std::string> document = SingleJsonDocument(argv, out);
  if (!document.ok()) return document.status();
  Result<ReportObject> object = ParseReportLine(argv, 1, *document);
  if (!object.ok()) return object.status();
  static const std::string kLegacyPrefix = "resource-";
  for (const auto& [key, value] : *object) {
    bool legacy =
        key.rfind(kLegacyPrefix, 0) == 0 && object->count(key.substr(kLegacyPrefix.size())) != 0;
    if (legacy) continue;
    if (!IsResourceKey(key)) {
      return LineError(argv, 1, "unexpected resource key \"" + key + "\"", *document);
    }
    resources.emplace(key, value);
  }
  return resources;
}

}  // namespace dflow
