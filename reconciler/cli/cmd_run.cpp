// dflow run: the long-running controller (see controller.h). Signals: SIGTERM/SIGINT finish
// the action in flight and stop; SIGHUP re-reads the configuration file.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "manifests-schema/base/secret.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/cli_edges.h"
#include "reconciler/cli/node_access.h"
#include "reconciler/controller/controller.h"
#include "reconciler/controller/controller_config.h"

namespace dflow::cli {
namespace {

struct RunArgs {
  std::string config_path;
  std::string repo;
  std::string branch;
  std::string state_dir;
  std::string listen;
  std::string interval;
};

// The config file, then flags on top. Prints the errors and returns nullopt when invalid.
std::optional<ControllerConfig> ReadConfig(const RunArgs& args, bool at_start) {
  ConfigLoadResult loaded = LoadControllerConfig(args.config_path);
  ControllerConfig config = loaded.config;
  // A missing repo.url may be given by flag; every other error stands.
  std::erase_if(loaded.errors, [&](const Diagnostic& d) {
    return !args.repo.empty() && d.message == "repo.url is required";
  });
  // An error quotes its line of the config file, which may be repo.url with a password in it.
  for (const auto& error : loaded.errors) std::cerr << ScrubUrls(error.ToString()) << "\n";
  if (!loaded.ok()) {
    if (at_start) std::cerr << "dflow: invalid controller configuration; not starting\n";
    return std::nullopt;
  }
  if (!args.repo.empty()) config.repo_url = args.repo;
  if (!args.branch.empty()) config.branch = args.branch;
  if (!args.state_dir.empty()) config.state_dir = args.state_dir;
  if (!args.listen.empty()) config.listen = args.listen == "off" ? "" : args.listen;
  if (!args.interval.empty()) {
    auto interval = ParseDuration(args.interval);
    if (!interval.ok() || interval->count() <= 0) {
      std::cerr << "dflow: --interval must be a positive duration like 30s or 5m\n";
      return std::nullopt;
    }
    config.interval = *interval;
  }
  return config;
}

SshCredentials CredentialsOf(const ControllerConfig& config) {
  SshCredentials credentials;
  credentials.identity_files = config.ssh_identities;
  credentials.passphrase_file = config.ssh_passphrase_file;
  credentials.known_hosts_file = config.known_hosts_file;
  credentials.connect_timeout_seconds = static_cast<int>(config.connect_timeout.count());
  credentials.max_sessions = config.ssh_max_sessions;
  return credentials;
}

TransportFactory SshFactory(const ControllerConfig& config) {
  return [credentials = CredentialsOf(config)](const NodeSpec& node) {
    return ConnectToNode(node, credentials);
  };
}

// Edges: the same keys and host-key rules, as the edge's shell user (docs/edge.md).
EdgeTransportFactory EdgeSshFactory(const ControllerConfig& config) {
  return [credentials = CredentialsOf(config)](const EdgeSpec& edge) {
    return ConnectToEdge(edge, credentials);
  };
}

int Run(const RunArgs& args) {
  std::optional<ControllerConfig> config = ReadConfig(args, /*at_start=*/true);
  if (!config) return kExitFailure;
  // Signals are taken by this thread with sigwait; every other thread has them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto controller = Controller::Start(*config, SshFactory(*config), EdgeSshFactory(*config));
  if (!controller.ok()) {
    std::cerr << "dflow: cannot start: " << controller.status().message() << "\n";
    return kExitFailure;
  }
  spdlog::info("dflow {} following {} branch {} every {}s", DFLOW_VERSION,
               ScrubUrls(config->repo_url), config->branch, config->interval.count());
  for (;;) {
    int signal = 0;
    sigwait(&signals, &signal);
    if (signal == SIGHUP) {
      std::optional<ControllerConfig> reloaded = ReadConfig(args, /*at_start=*/false);
      if (!reloaded) {
        spdlog::error("SIGHUP: the new configuration is invalid; keeping the running one");
        continue;
      }
      Status status = (*controller)->Reload(*reloaded);
      if (!status.ok()) {
        spdlog::error("SIGHUP: {}", status.message());
        continue;
      }
      spdlog::info("SIGHUP: configuration reloaded");
      std::string pending;
      for (const auto& name : SettingsNeedingRestart(*config, *reloaded))
        pending += (pending.empty() ? "" : ", ") + name;
      if (!pending.empty())
        spdlog::warn("SIGHUP: changed {}: these take effect only when dflow restarts", pending);
      continue;
    }
    spdlog::info("signal {}: finishing the action in flight, then stopping", signal);
    (*controller)->Stop();
    (*controller)->Wait();
    spdlog::info("stopped");
    return kExitOk;
  }
}

}  // namespace

Command MakeRunCommand() {
  return {"run", "Run the controller: follow the config repo and keep every node converged",
          [](CLI::App& sub) {
            auto args = std::make_shared<RunArgs>();
            args->config_path = DefaultConfigPath();
            sub.add_option("--config,-c", args->config_path,
                           "controller configuration file (default $DFLOW_CONFIG or "
                           "/etc/dflow/dflow.yaml)");
            sub.add_option("--repo", args->repo, "config repo URL (overrides repo.url)");
            sub.add_option("--branch", args->branch, "branch to follow (overrides repo.branch)");
            sub.add_option("--state-dir", args->state_dir, "state directory (overrides stateDir)");
            sub.add_option("--listen", args->listen,
                           "HTTP address host:port, or 'off' (overrides listen)");
            sub.add_option("--interval", args->interval,
                           "reconcile interval, e.g. 30s or 5m (overrides interval)");
            sub.footer(
                "Signals: SIGTERM/SIGINT stop after the action in flight; SIGHUP reloads "
                "the configuration file.");
            return std::function<int()>([args] { return Run(*args); });
          }};
}

}  // namespace dflow::cli
