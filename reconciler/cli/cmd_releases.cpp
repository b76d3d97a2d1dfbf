// dflow releases: the deploys dflow made for an application or app, newest first, from a running
// controller's API or its state directory (docs/sources.md, "Releases").
#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "manifests-schema/base/secret.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/controller_client.h"
#include "reconciler/cli/release_reader.h"
#include "reconciler/status/releases_json.h"
#include "reconciler/status/status_store.h"

namespace dflow::cli {
namespace {

struct ReleasesArgs {
  std::string app;  // an application or a Dokku app name
  std::string environment;
  std::string server = "http://127.0.0.1:8080";
  std::string state_dir;
  std::string format = "table";
  int limit = 20;
};

std::string When(std::int64_t at) {
  if (at <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &tm);
  return text;
}

void PrintReleaseTable(const nlohmann::json& releases) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "APP", "NODE", "SOURCE", "COMMIT", "TRIGGER", "FINISHED", "RESULT", "BUILD"}};
  for (const auto& r : releases) {
    rows.push_back({std::to_string(r.value("id", std::int64_t{0})), r.value("app", ""),
                    r.value("node", ""), r.value("source", ""),
                    r.value("revision", "").substr(0, 7), r.value("trigger", ""),
                    When(r.value("finishedAt", std::int64_t{0})), r.value("result", ""),
                    r.value("buildId", "").empty() ? "-" : r.value("buildId", "")});
  }
  PrintColumns(rows, std::cout);
  for (const auto& r : releases)
    if (!r.value("message", "").empty())
      std::cout << "release " << r.value("id", std::int64_t{0}) << ": " << r.value("message", "")
                << "\n";
}

int Run(const ReleasesArgs& args) {
  ReleaseQuery query;
  query.server = args.server;
  query.state_dir = args.state_dir;
  query.app = args.app;
  query.environment = args.environment;
  query.limit = args.limit;
  auto releases = ReadReleases(query);
  if (!releases.ok()) {
    std::cerr << "dflow: " << releases.status().message() << "\n";
    return kExitFailure;
  }
  const std::string text = ReleasesJson(*releases, "", "", args.limit);
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.contains("releases")) {
    std::cerr << "dflow: the releases are not JSON\n";
    return kExitFailure;
  }
  if (args.format == "json") {
    std::cout << document.dump(2) << "\n";
    return kExitOk;
  }
  if (document["releases"].empty()) {
    std::cout << "no releases of " << args.app
              << (args.environment.empty() ? "" : " in " + args.environment) << " on record\n";
    return kExitOk;
  }
  PrintReleaseTable(document["releases"]);
  return kExitOk;
}

}  // namespace

Command MakeReleasesCommand() {
  return {"releases",
          "List the deploys dflow made of an application (or one Dokku app), newest first",
          [](CLI::App& sub) {
            auto args = std::make_shared<ReleasesArgs>();
            sub.add_option("APP", args->app, "an application, or a Dokku app name")->required();
            sub.add_option("--env", args->environment, "only this environment");
            auto* server = sub.add_option("--server", args->server, "controller's HTTP address")
                               ->default_str("http://127.0.0.1:8080");
            sub.add_option("--state-dir", args->state_dir,
                           "read the controller's state directory instead")
                ->excludes(server);
            sub.add_option("--limit", args->limit, "at most this many (1 to 500)")
                ->check(CLI::Range(1, kMaxReleasesServed))
                ->default_str("20");
            sub.add_option("--format", args->format, "table or json")
                ->check(CLI::IsMember({"table", "json"}))
                ->default_str("table");
            return std::function<int()>([args] { return Run(*args); });
          }};
}

}  // namespace dflow::cli
