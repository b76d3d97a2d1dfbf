// dflow edge config ENV / dflow edge check ENV: the edge Traefik in front of an environment
// (docs/edge.md). `config` prints the one file dflow owns on the edge, from the config repo
// alone; `check` compares it with the edge's copy, lists the other provider files there, and
// reads Traefik's version and routers from its API over SSH, with the fix for each problem.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "manifests-schema/base/digest.h"
#include "providers/edge/edge_file.h"
#include "providers/edge/traefik_api.h"
#include "providers/ssh/ssh_transport.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/cli_edges.h"
#include "reconciler/cli/cli_load.h"
#include "reconciler/cli/node_access.h"
#include "reconciler/plan/edge_document.h"

namespace dflow::cli {
namespace {

struct EdgeArgs {
  std::string environment;
  RepoArgs repo;
  SshCredentials credentials;
};

// The edge in front of `environment`, or nullptr after saying why.
const EdgeSpec* EdgeOf(const DesiredState& desired, const std::string& environment) {
  bool known = false;
  for (const auto& env : desired.environments) known = known || env.name == environment;
  if (!known) {
    std::cerr << "dflow: no environment named '" << environment << "'\n";
    return nullptr;
  }
  for (const auto& edge : desired.edges)
    for (const auto& env : edge.environments)
      if (env == environment) return &edge;
  std::cerr << "dflow: environment '" << environment
            << "' is behind no edge (add an Edge manifest that lists it: docs/edge.md)\n";
  return nullptr;
}

std::optional<DesiredState> Load(const EdgeArgs& args) {
  std::optional<LoadedRepo> loaded = LoadRepo(args.repo, std::cerr);
  if (!loaded) return std::nullopt;
  PrintDiagnostics(loaded->result, std::cerr);
  if (!loaded->result.ok()) return std::nullopt;
  return *loaded->result.desired;
}

int RunConfig(const EdgeArgs& args) {
  std::optional<DesiredState> desired = Load(args);
  if (!desired) return kExitFailure;
  const EdgeSpec* edge = EdgeOf(*desired, args.environment);
  if (!edge) return kExitFailure;
  Result<std::string> document = RenderEdgeDocument(*desired, *edge);
  if (!document.ok()) {
    std::cerr << "dflow: " << document.status().message() << "\n";
    return kExitFailure;
  }
  std::cout << *document;
  return kExitOk;
}

int RunCheck(const EdgeArgs& args) {
  std::optional<DesiredState> desired = Load(args);
  if (!desired) return kExitFailure;
  const EdgeSpec* edge = EdgeOf(*desired, args.environment);
  if (!edge) return kExitFailure;
  Result<EdgeDocument> model = BuildEdgeDocument(*desired, *edge);
  if (!model.ok()) {
    std::cerr << "dflow: " << model.status().message() << "\n";
    return kExitFailure;
  }
  const std::string document = EdgeDocumentYaml(*model);
  Result<std::unique_ptr<Transport>> transport = ConnectToEdge(*edge, args.credentials);
  if (!transport.ok()) {
    std::cerr << "dflow: " << transport.status().message() << "\n";
    return kExitFailure;
  }
  const std::string path = edge->config_dir + "/" + edge->file_name;
  std::cout << "edge " << edge->name << " (" << edge->user << "@" << edge->host << ":" << edge->port
            << ")\n";
  int failed = 0;
  auto line = [&](bool ok, const std::string& what, const std::string& fix = "") {
    std::cout << "  " << (ok ? "OK  " : "FAIL") << "  " << what << "\n";
    if (!ok) {
      ++failed;
      if (!fix.empty()) std::cout << "        fix: " << fix << "\n";
    }
  };
  Result<EdgeFileState> file = ReadEdgeFile(**transport, edge->config_dir, edge->file_name);
  if (!file.ok()) {
    line(false, "file " + path + ": " + file.status().message(),
         "sudo install -d -o " + edge->user + " " + edge->config_dir +
             "   # on the edge; then point Traefik's file provider at it (docs/edge.md)");
  } else {
    const std::string want = Sha256Hex(document);
    if (!file->exists)
      line(false, "file " + path + ": missing", "dflow apply   # writes it");
    else if (file->sha256 != want)
      line(false,
           "file " + path + ": differs from the config repo (sha256 " + file->sha256.substr(0, 12) +
               ", want " + want.substr(0, 12) + ")",
           "dflow apply   # writes it");
    else
      line(true, "file " + path + ": as the config repo says (sha256 " + want.substr(0, 12) + ")");
    for (const auto& other : file->other_files)
      std::cout << "  NOTE  " << edge->config_dir << "/" << other
                << ": another file Traefik reads; dflow leaves it alone (a router or service "
                   "name it shares with dflow's file is skipped by Traefik)\n";
  }
  Result<TraefikApiState> api = ReadTraefikApi(**transport, edge->api_url);
  if (!api.ok()) {
    line(false, "traefik: " + api.status().message(),
         "enable Traefik's API on the edge's loopback (api.insecure: true, entry point traefik "
         "on 127.0.0.1:8080; docs/edge.md), or set apiUrl in the Edge manifest");
  } else {
    line(true,
         "traefik " + (api->version.empty() ? std::string("(version unknown)") : api->version));
    std::vector<std::string> routers, services;
    for (const auto& router : model->routers) routers.push_back(router.name);
    for (const auto& service : model->services) services.push_back(service.name);
    EdgeHealthReport health = MapEdgeHealth(*api, routers, services);
    line(health.health != EdgeHealth::kFailed,
         "routes: " + std::string(EdgeHealthName(health.health)) + " (" +
             std::to_string(routers.size()) + " router(s), " + std::to_string(services.size()) +
             " service(s))",
         "dflow apply, then see Traefik's log on the edge for the reason");
    for (const auto& problem : health.problems) std::cout << "        " << problem << "\n";
  }
  if (failed == 0) {
    std::cout << edge->name << " serves " << args.environment << "\n";
    return kExitOk;
  }
  std::cout << edge->name << " is not ready: " << failed << " check(s) failed\n";
  return kExitFailure;
}

void AddEnvAndRepo(CLI::App& sub, EdgeArgs& args) {
  sub.add_option("ENV", args.environment, "the environment the edge fronts")->required();
  AddRepoArgs(sub, args.repo);
}

}  // namespace

Command MakeEdgeCommand() {
  return {"edge",
          "The edge Traefik in front of an environment: 'edge config ENV' prints its file, "
          "'edge check ENV' compares it with the edge's and reads Traefik's routes",
          [](CLI::App& sub) {
            auto run = std::make_shared<std::function<int()>>();
            auto args = std::make_shared<EdgeArgs>();
            sub.require_subcommand(1);
            CLI::App* config = sub.add_subcommand(
                "config", "Print the file dflow writes on the edge of ENV (nothing is contacted)");
            AddEnvAndRepo(*config, *args);
            config->callback([run, args] { *run = [args] { return RunConfig(*args); }; });
            CLI::App* check = sub.add_subcommand(
                "check", "Compare the edge's file with the config repo and read Traefik's routes");
            AddEnvAndRepo(*check, *args);
            AddSshCredentialArgs(*check, args->credentials);
            check->footer(
                "Logs in to the edge as its Edge manifest's user (a shell user), reads the file's "
                "hash and the other provider files beside it, then Traefik's version, routers and "
                "services from its API on the edge's loopback (curl over SSH). Read-only.\nExit "
                "codes: 0 the edge serves ENV as the repo says, 1 otherwise, 64 usage.");
            check->callback([run, args] { *run = [args] { return RunCheck(*args); }; });
            return std::function<int()>([run] { return *run ? (*run)() : kExitUsage; });
          }};
}

}  // namespace dflow::cli
