// dflow status: the fleet at a glance, from a running controller's API or its state directory.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "manifests-schema/base/secret.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/controller_client.h"
#include "reconciler/status/status_json.h"
#include "reconciler/status/status_store.h"

namespace dflow::cli {
namespace {

struct StatusArgs {
  std::string server = "http://127.0.0.1:8080";
  std::string state_dir;
  std::string format = "table";
};

std::string Age(std::int64_t at) {
  if (at <= 0) return "-";
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::int64_t s = std::max<std::int64_t>(0, now - at);
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

// "edge edge-1 (production): Synced Healthy, Traefik 3.1.2, 12s ago" and its problems, indented.
void PrintEdges(const nlohmann::json& edges) {
  for (const auto& edge : edges) {
    std::string environments;
    for (const auto& env : edge.value("environments", nlohmann::json::array()))
      environments += (environments.empty() ? "" : ", ") + env.get<std::string>();
    std::cout << "edge " << edge.value("name", "") << " (" << environments
              << "): " << edge.value("sync", "") << " " << edge.value("detail", "");
    if (!edge.value("traefikVersion", "").empty())
      std::cout << ", Traefik " << edge.value("traefikVersion", "");
    std::cout << ", " << Age(edge.value("updatedAt", std::int64_t{0})) << " ago\n";
    for (const auto& problem : edge.value("problems", nlohmann::json::array()))
      std::cout << "  " << problem.get<std::string>() << "\n";
  }
}

void PrintTable(const nlohmann::json& status) {
  const auto& source = status.value("source", nlohmann::json::object());
  const std::string applied = source.value("appliedRevision", "");
  std::cout << "revision " << (applied.empty() ? "(none applied yet)" : applied.substr(0, 12));
  if (!source.value("appliedMessage", "").empty())
    std::cout << "  \"" << source.value("appliedMessage", "") << "\" by "
              << source.value("appliedAuthor", "");
  std::cout << "\n";
  if (!source.value("error", "").empty()) {
    std::cout << "newest commit " << source.value("attemptedRevision", "").substr(0, 12)
              << " is NOT applied:\n"
              << source.value("error", "") << "\n";
  }
  std::vector<std::vector<std::string>> rows = {
      {"ENVIRONMENT", "APPLICATION", "SERVICE", "NODE", "SYNC", "HEALTH", "COMMIT", "AGE"}};
  for (const auto& app : status.value("apps", nlohmann::json::array())) {
    rows.push_back({app.value("environment", ""), app.value("application", ""),
                    app.value("service", ""), app.value("node", ""), app.value("sync", ""),
                    app.value("health", ""), app.value("revision", "").substr(0, 7),
                    Age(app.value("updatedAt", std::int64_t{0}))});
  }
  PrintColumns(rows, std::cout);
  for (const auto& app : status.value("apps", nlohmann::json::array()))
    if (!app.value("lastError", "").empty())
      std::cout << app.value("app", "") << " on " << app.value("node", "") << ": "
                << app.value("lastError", "") << "\n";
  PrintEdges(status.value("edges", nlohmann::json::array()));
}

int Run(const StatusArgs& args) {
  std::string text;
  if (!args.state_dir.empty()) {
    auto store = StatusStore::Open(args.state_dir + "/state.db");
    if (!store.ok()) {
      std::cerr << "dflow: " << store.status().message() << "\n";
      return kExitFailure;
    }
    text = StatusJson(**store);
  } else {
    auto fetched = GetFromController(args.server, "/api/v1/status");
    if (!fetched.ok()) {
      std::cerr << "dflow: " << fetched.status().message() << "\n";
      return kExitFailure;
    }
    text = *fetched;
  }
  nlohmann::json status = nlohmann::json::parse(text, nullptr, false);
  if (status.is_discarded()) {
    std::cerr << "dflow: the status is not JSON\n";
    return kExitFailure;
  }
  if (args.format == "json")
    std::cout << status.dump(2) << "\n";
  else
    PrintTable(status);
  return kExitOk;
}

}  // namespace

Command MakeStatusCommand() {
  return {"status", "Show every app's sync and health, from a running controller or its state",
          [](CLI::App& sub) {
            auto args = std::make_shared<StatusArgs>();
            auto* server = sub.add_option("--server", args->server, "controller's HTTP address")
                               ->default_str("http://127.0.0.1:8080");
            sub.add_option("--state-dir", args->state_dir,
                           "read the controller's state directory instead")
                ->excludes(server);
            sub.add_option("--format", args->format, "table or json")
                ->check(CLI::IsMember({"table", "json"}))
                ->default_str("table");
            return std::function<int()>([args] { return Run(*args); });
          }};
}

}  // namespace dflow::cli
