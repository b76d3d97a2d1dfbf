#include "providers/dokku/build_context.h"

#include <nlohmann/json.hpp>

#include "manifests-schema/base/digest.h"
#include "providers/dokku/ustar_writer.h"

namespace dflow {

std::string HealthAppJson(const HealthCheck& health) {
  nlohmann::json check = {
      {"type", "startup"},
      {"name", "dflow health " + health.path + " on " + std::to_string(health.port)},
      {"path", health.path},
      // Dokku's default port is 5000, not the app's: always say it.
      {"port", health.port}};
  if (!health.content.empty()) check["content"] = health.content;
  if (health.attempts > 0) check["attempts"] = health.attempts;
  if (health.wait > 0) check["wait"] = health.wait;
  if (health.timeout > 0) check["timeout"] = health.timeout;
  if (health.initial_delay > 0) check["initialDelay"] = health.initial_delay;
  nlohmann::json app = {{"healthchecks", {{"web", nlohmann::json::array({check})}}}};
  return app.dump(2) + "\n";
}

std::string BuildContextArchive(const std::string& image, const HealthCheck& health) {
  return WriteUstar({{"Dockerfile", "FROM " + image + "\n"}, {"app.json", HealthAppJson(health)}});
}

std::string BuildContextDigest(const std::string& image, const HealthCheck& health) {
  return Sha256Hex(BuildContextArchive(image, health)).substr(0, 16);
}

bool ContextAlreadyCommitted(int exit_code, std::string_view err) {
  return exit_code == 1 && err.find("No changes detected, skipping git commit") != err.npos;
}

}  // namespace dflow
