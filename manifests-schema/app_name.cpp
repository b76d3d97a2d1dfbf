#include "manifests-schema/app_name.h"

namespace dflow {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string Join3(std::string_view a, std::string_view b, std::string_view c) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size() + 2);
  out.append(a).append("-").append(b).append("-").append(c);
  return out;
}

}  // namespace

std::string DokkuAppName(std::string_view application, std::string_view service,
                         std::string_view environment) {
  return Join3(application, service, environment);
}

std::string DatastoreServiceName(std::string_view application, std::string_view database,
                                 std::string_view environment) {
  return Join3(application, database, environment);
}

bool IsValidManifestName(std::string_view name) {
  if (name.empty() || name.size() > kMaxDokkuNameLength) return false;
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsValidDokkuName(std::string_view name) {
  if (name.empty() || name.size() > kMaxDokkuNameLength) return false;
  if (!IsLowerAlnum(name.front())) return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

std::string DefaultVhost(std::string_view app, std::string_view global_domain) {
  if (global_domain.empty()) return "";
  if (app.find('.') != std::string_view::npos) return std::string(app);
  return std::string(app) + "." + std::string(global_domain);
}

}  // namespace dflow
