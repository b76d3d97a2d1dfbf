// dflow badge-token: the URLs of private badges, ?token= included, from the controller's
// badge secret (badges.tokenSecretFile or badges.tokenSecretEnv in its config).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "manifests-schema/base/secret.h"
#include "reconciler/cli/cli.h"
#include "reconciler/controller/controller_config.h"
#include "reconciler/server/badge_routes.h"
#include "reconciler/status/badge.h"

namespace dflow::cli {
namespace {

struct BadgeTokenArgs {
  std::string config_path;
  std::vector<std::string> paths;
};

Result<Secret> BadgeSecret(const ControllerConfig& config) {
  if (config.badge_token_secret_file.empty() && config.badge_token_secret_env.empty())
    return Status(Code::kInvalidArgument,
                  config.source_path +
                      ": badges need no token (set badges.tokenSecretFile or "
                      "badges.tokenSecretEnv to make them private)");
  auto secret = ReadSecret(config.badge_token_secret_file, config.badge_token_secret_env,
                           "badges.tokenSecretFile");
  if (!secret.ok()) return secret.status();
  if (secret->empty()) return Status(Code::kInvalidArgument, "the badge token secret is empty");
  return secret;
}

int BadgeTokens(const BadgeTokenArgs& args) {
  ConfigLoadResult loaded = LoadControllerConfig(args.config_path);
  for (const auto& error : loaded.errors) std::cerr << ScrubUrls(error.ToString()) << "\n";
  if (!loaded.ok()) return kExitFailure;
  auto secret = BadgeSecret(loaded.config);
  if (!secret.ok()) {
    std::cerr << "dflow: " << secret.status().message() << "\n";
    return kExitFailure;
  }
  for (const auto& path : args.paths) {
    if (!IsBadgePath(path) || path.find('?') != std::string::npos) {
      std::cerr << "dflow: " << path
                << ": not a badge path (write it like /badge/shop/production.svg, no query)\n";
      return kExitUsage;
    }
    std::cout << path << "?token=" << BadgeToken(secret->Reveal(), path) << "\n";
  }
  return kExitOk;
}

}  // namespace

Command MakeBadgeTokenCommand() {
  return {"badge-token", "Print private badge URLs: each path with its ?token=", [](CLI::App& sub) {
            auto args = std::make_shared<BadgeTokenArgs>();
            args->config_path = DefaultConfigPath();
            sub.add_option("paths", args->paths,
                           "badge paths, e.g. /badge/shop/production.svg (a token is valid "
                           "for exactly one path: .svg and .json need one each)")
                ->required();
            sub.add_option("--config,-c", args->config_path,
                           "controller configuration file with badges.tokenSecretFile or "
                           "badges.tokenSecretEnv (default $DFLOW_CONFIG or "
                           "/etc/dflow/dflow.yaml)");
            sub.footer(
                "Prints PATH?token=HEX per path; append other options with &, e.g. "
                "&style=flat-square.");
            return std::function<int()>([args] { return BadgeTokens(*args); });
          }};
}

}  // namespace dflow::cli
