// dflow observe: what one node really runs, as Dokku reports it, in a stable JSON/YAML shape
// (docs/observe-json.md). Read-only: it never changes the node.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "manifests-schema/json_to_yaml.h"
#include "providers/dokku/dokku_observer.h"
#include "providers/dokku/observed_state_json.h"
#include "providers/transport/local_transport.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/cli_load.h"
#include "reconciler/cli/node_access.h"

namespace dflow::cli {
namespace {

struct ObserveArgs {
  std::string repo;  // with --node: take the node's address and host key from the manifests
  std::string rev;
  std::string node;
  NodeSpec ad_hoc;  // --host/--port/--user/--host-key
  bool local = false;
  std::string dokku = "dokku";
  SshCredentials credentials;
  std::string format = "yaml";
  bool redact = false;
};

Result<std::unique_ptr<Transport>> OpenTransport(const ObserveArgs& args, std::string& name) {
  if (args.local) {
    name = "local";
    LocalOptions options;
    options.dokku_path = args.dokku;
    return MakeLocalTransport(std::move(options));
  }
  NodeSpec node = args.ad_hoc;
  if (!args.node.empty()) {
    // LoadNode prints why it fails; Run prints nothing more for kNotFound.
    std::optional<NodeDesiredState> from_repo = LoadNode(
        RepoArgs{args.repo, args.rev, "", ""}, args.node, "fix it or use --host", std::cerr);
    if (!from_repo) return Status(Code::kNotFound, "node not found");
    node = from_repo->node;
  }
  name = node.name.empty() ? node.host : node.name;
  return ConnectToNode(node, args.credentials);
}

int Run(const ObserveArgs& args) {
  if (args.node.empty() && args.ad_hoc.host.empty() && !args.local) {
    std::cerr << "dflow observe: say which node: --repo PATH --node NAME, --host HOST, or "
                 "--local\nRun 'dflow observe --help' for more.\n";
    return kExitUsage;
  }
  std::string name;
  Result<std::unique_ptr<Transport>> transport = OpenTransport(args, name);
  if (!transport.ok()) {
    if (transport.status().code() != Code::kNotFound || args.node.empty())
      std::cerr << "dflow: " << transport.status().message() << "\n";
    return kExitFailure;
  }
  ObserveOptions options;
  options.node = name;
  Result<ObservedNode> observed = ObserveNode(**transport, options);
  if (!observed.ok()) {
    std::cerr << "dflow: observe " << name << ": " << observed.status().message() << "\n";
    return kExitFailure;
  }
  nlohmann::json json = ObservedNodeToJson(*observed, args.redact);
  std::cout << (args.format == "json" ? json.dump(2) + "\n" : JsonToYaml(json));
  return kExitOk;
}

}  // namespace

Command MakeObserveCommand() {
  return {
      "observe", "Print what one node really runs, as Dokku reports it (read-only)",
      [](CLI::App& sub) {
        auto args = std::make_shared<ObserveArgs>();
        auto* repo = sub.add_option("--repo", args->repo, "config repo that declares --node");
        sub.add_option("--rev", args->rev, "read the config repo at this revision")->needs(repo);
        auto* node =
            sub.add_option("--node", args->node, "node name from the config repo")->needs(repo);
        repo->needs(node);
        auto* host = sub.add_option("--host", args->ad_hoc.host, "ad hoc node address");
        sub.add_option("--port", args->ad_hoc.port, "SSH port")->default_val(22)->needs(host);
        sub.add_option("--user", args->ad_hoc.user,
                       "SSH user: 'dokku' (forced command) or a shell user running dokku")
            ->default_val("dokku")
            ->needs(host);
        sub.add_option("--host-key", args->ad_hoc.host_key,
                       "pinned host key, SHA256:... as ssh-keygen -lf prints it")
            ->needs(host);
        auto* local = sub.add_flag("--local", args->local, "run dokku on this machine");
        sub.add_option("--dokku", args->dokku, "dokku executable for --local")->needs(local);
        node->excludes(host)->excludes(local);
        host->excludes(local);
        AddSshCredentialArgs(sub, args->credentials);
        sub.add_option("--format", args->format, "yaml or json")
            ->check(CLI::IsMember({"yaml", "json"}))
            ->default_str("yaml");
        sub.add_flag("--redact", args->redact, "print config values as ***");
        return std::function<int()>([args] { return Run(*args); });
      }};
}

}  // namespace dflow::cli
