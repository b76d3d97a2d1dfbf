// dflow render: prints the expanded desired state per node — every Dokku app with every
// setting dflow manages, themes expanded — in a stable order. Values completed at apply time
// (a theme's derived config) are printed as templates: ${datastores.<svc>.password},
// ${generated.<name>}, ${secrets.<name>}; never a secret value.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "manifests-schema/desired_state_json.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/cli_load.h"

namespace dflow::cli {
namespace {

struct RenderArgs {
  RepoArgs repo;
  std::string environment;
  std::string node;
  std::string format = "yaml";
};

template <typename Item, typename Name>
std::string Known(const std::vector<Item>& items, Name name) {
  std::string known;
  for (const auto& item : items) known += (known.empty() ? "" : ", ") + name(item);
  return known.empty() ? "none" : known;
}

// Keeps only what the --env / --node filters select. Returns false (after printing why)
// when a filter names something that does not exist.
bool ApplyFilters(const RenderArgs& args, DesiredState& desired) {
  if (!args.environment.empty()) {
    auto& envs = desired.environments;
    auto env = std::find_if(envs.begin(), envs.end(),
                            [&](const auto& e) { return e.name == args.environment; });
    if (env == envs.end()) {
      std::cerr << "dflow: no environment named '" << args.environment
                << "' (known: " << Known(envs, [](const auto& e) { return e.name; }) << ")\n";
      return false;
    }
    EnvironmentSpec kept = *env;
    envs = {kept};
    std::erase_if(desired.nodes, [&](const NodeDesiredState& n) {
      return std::find(kept.nodes.begin(), kept.nodes.end(), n.node.name) == kept.nodes.end();
    });
    for (auto& node : desired.nodes) {
      std::erase_if(node.apps, [&](const AppSpec& a) { return a.environment != kept.name; });
      std::erase_if(node.datastores,
                    [&](const DatastoreSpec& d) { return d.environment != kept.name; });
    }
  }
  if (!args.node.empty()) {
    auto& nodes = desired.nodes;
    const bool known = std::any_of(nodes.begin(), nodes.end(),
                                   [&](const auto& n) { return n.node.name == args.node; });
    if (!known) {
      std::cerr << "dflow: no node named '" << args.node << "'"
                << (args.environment.empty() ? "" : " in environment " + args.environment)
                << " (known: " << Known(nodes, [](const auto& n) { return n.node.name; }) << ")\n";
      return false;
    }
    std::erase_if(nodes, [&](const NodeDesiredState& n) { return n.node.name != args.node; });
  }
  return true;
}

int Run(const RenderArgs& args) {
  // Themed apps whose config apply cannot complete yet are shown with their templates.
  std::optional<LoadedRepo> loaded = LoadRepo(args.repo, std::cerr);
  if (!loaded) return kExitFailure;
  PrintDiagnostics(loaded->result, std::cerr);
  if (!loaded->result.ok()) return kExitFailure;
  DesiredState desired = *loaded->result.desired;
  if (!ApplyFilters(args, desired)) return kExitFailure;
  if (args.format == "json") {
    std::cout << DesiredStateToJson(desired).dump(2) << "\n";
  } else {
    std::cout << DesiredStateToYaml(desired);
  }
  return kExitOk;
}

}  // namespace

Command MakeRenderCommand() {
  return {"render", "Print the desired state per node: every Dokku app dflow will manage",
          [](CLI::App& sub) {
            auto args = std::make_shared<RenderArgs>();
            AddRepoArgs(sub, args->repo);
            sub.add_option("--env", args->environment, "only this environment");
            sub.add_option("--node", args->node, "only this node");
            sub.add_option("--format", args->format, "yaml or json")
                ->check(CLI::IsMember({"yaml", "json"}))
                ->default_str("yaml");
            return std::function<int()>([args] { return Run(*args); });
          }};
}

}  // namespace dflow::cli
