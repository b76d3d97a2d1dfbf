// dflow node check NODE: is this node ready for dflow? (reconciler/node_check.h)
// Read-only: it runs `dokku version`, `dokku plugin:list` and the proxy/domains reports.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "reconciler/cli/cli.h"
#include "reconciler/cli/cli_load.h"
#include "reconciler/cli/node_access.h"
#include "reconciler/cli/node_check.h"

namespace dflow::cli {
namespace {

struct NodeCheckArgs {
  std::string node;
  std::string repo = ".";
  std::string rev;
  SshCredentials credentials;
  std::string format = "text";
};

// The public key to name in the login fix: the first identity's .pub when it exists.
std::string IdentityHint(const SshCredentials& credentials) {
  if (credentials.identity_files.empty()) return "";
  std::string pub = credentials.identity_files.front() + ".pub";
  return std::filesystem::exists(pub) ? pub : "";
}

int RunCheck(const NodeCheckArgs& args) {
  std::optional<NodeDesiredState> node = LoadNode(RepoArgs{args.repo, args.rev, "", ""}, args.node,
                                                  "fix it first (dflow validate)", std::cerr);
  if (!node) return kExitFailure;
  Result<std::unique_ptr<Transport>> transport = ConnectToNode(node->node, args.credentials);
  if (!transport.ok()) {
    std::cerr << "dflow: " << transport.status().message() << "\n";
    return kExitFailure;
  }
  NodeCheckOptions options;
  options.known_hosts_file = args.credentials.known_hosts_file;
  options.identity_hint = IdentityHint(args.credentials);
  NodeCheckReport report = CheckNode(*node, **transport, options);
  std::cout << (args.format == "json" ? FormatNodeCheckJson(report) : FormatNodeCheckText(report));
  return report.ready() ? kExitOk : kExitFailure;
}

void AttachCheck(CLI::App& check, std::function<int()>& run) {
  auto args = std::make_shared<NodeCheckArgs>();
  check.add_option("NODE", args->node, "node name, as its Node manifest declares it")->required();
  check.add_option("--repo", args->repo, "config repo (directory or Git repository)")
      ->default_str(".");
  check.add_option("--rev", args->rev, "read the config repo at this revision");
  AddSshCredentialArgs(check, args->credentials);
  check.add_option("--format", args->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text");
  check.footer(
      "Checks, in order: the node answers on SSH, its host key is trusted (pinned hostKey, else "
      "--known-hosts), the login works, Dokku is installed in a version dflow supports, and "
      "the Dokku plugins the node's apps and datastores need are installed and enabled; for a "
      "node in an environment, its proxy is the one the environment asks for (whether it runs "
      "cannot be observed through Dokku: the check says so and how to make sure), the proxy's "
      "settings match, and the global domain is the environment's domain. Each failing item "
      "comes with the command that fixes it.\nExit codes: 0 ready, 1 not ready "
      "(or the repo cannot be read), 64 usage.");
  check.callback([&run, args] { run = [args] { return RunCheck(*args); }; });
}

}  // namespace

Command MakeNodeCommand() {
  return {"node", "Commands about one node: 'node check NODE' tells whether it is ready",
          [](CLI::App& sub) {
            auto run = std::make_shared<std::function<int()>>();
            sub.require_subcommand(1);
            AttachCheck(*sub.add_subcommand("check",
                                            "Tell whether a node is ready for dflow, "
                                            "with the fix for each failing item"),
                        *run);
            return std::function<int()>([run] { return *run ? (*run)() : kExitUsage; });
          }};
}

}  // namespace dflow::cli
