#include "providers/dokku/derived_config.h"

#include <algorithm>

namespace dflow {

std::string DerivedPartKey(const ConfigPart& part) {
  switch (part.kind) {
    case ConfigPart::Kind::kSecret:
      return "${secrets." + part.text + "}";
    case ConfigPart::Kind::kGenerated:
      return "${generated." + part.text + "}";
    default:
      return "";
  }
}

bool NeedsDatastore(const std::vector<ConfigPart>& parts) {
  return std::any_of(parts.begin(), parts.end(), [](const ConfigPart& part) {
    return part.kind == ConfigPart::Kind::kDatastore;
  });
}

std::optional<DatastoreConnection> ParseDatastoreUrl(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos || scheme == 0) return std::nullopt;
  const std::string_view rest = url.substr(scheme + 3);
  // The password is hex for both plugins; the last '@' ends the user info all the same.
  const std::size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view user_info = rest.substr(0, at);
  const std::size_t colon = user_info.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return DatastoreConnection{std::string(url), std::string(user_info.substr(colon + 1))};
}

std::string DatastoreHost(const std::string& engine, const std::string& service) {
  std::string host = "dokku-" + engine + "-" + service;
  std::replace(host.begin(), host.end(), '_', '-');
  std::replace(host.begin(), host.end(), '.', '-');
  return host;
}

namespace {

// The host of a URL ParseDatastoreUrl accepts: between the last '@' and the next ':' or '/'.
std::string_view UrlHost(std::string_view url) {
  const std::size_t at = url.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string_view host = url.substr(at + 1);
  return host.substr(0, host.find_first_of(":/"));
}

}  // namespace

std::optional<DatastoreConnection> LinkedConnection(
    const std::map<std::string, std::string>& config, const std::string& engine,
    const std::string& service) {
  const std::string host = DatastoreHost(engine, service);
  for (const auto& [key, value] : config) {
    if (!key.ends_with("_URL")) continue;
    std::optional<DatastoreConnection> connection = ParseDatastoreUrl(value);
    if (connection && UrlHost(value) == host) return connection;
  }
  return std::nullopt;
}

std::vector<std::string> DatastoreDsnArgv(const std::string& engine, const std::string& service) {
  return {"--quiet", engine + ":info", service, "--dsn"};
}

Result<DatastoreConnection> ParseDatastoreDsn(std::string_view out) {
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' '))
    out.remove_suffix(1);
  if (out.find('\n') == std::string_view::npos) {
    if (std::optional<DatastoreConnection> connection = ParseDatastoreUrl(out)) return *connection;
  }
  return Result<DatastoreConnection>(Code::kFailed,
                                     "the service's DSN is not one <scheme>://user:password@host "
                                     "URL (output not shown: it holds the password)");
}

std::optional<std::string> CompleteDerivedValue(
    const std::vector<ConfigPart>& parts, const std::map<std::string, std::string>& values,
    const std::map<std::string, DatastoreConnection>& connections, std::string* missing) {
  std::string out;
  for (const ConfigPart& part : parts) {
    if (part.kind == ConfigPart::Kind::kText) {
      out += part.text;
      continue;
    }
    if (part.kind == ConfigPart::Kind::kDatastore) {
      auto it = connections.find(part.text);
      if (it == connections.end()) {
        if (missing) *missing = "datastore " + part.text;
        return std::nullopt;
      }
      out += part.field == "url" ? it->second.url : it->second.password;
      continue;
    }
    auto it = values.find(DerivedPartKey(part));
    if (it == values.end()) {
      if (missing) *missing = DerivedPartKey(part);
      return std::nullopt;
    }
    out += it->second;
  }
  return out;
}

}  // namespace dflow
