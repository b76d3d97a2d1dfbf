#include "reconciler/controller/sync_status_target.h"

#include "manifests-schema/base/secret.h"

namespace dflow {

Result<std::optional<SyncStatusTarget>> SyncStatusTargetFor(const ControllerConfig& config) {
  if (config.forge_kind.empty()) return std::optional<SyncStatusTarget>();
  auto kind = ParseForgeKind(config.forge_kind);
  if (!kind.ok()) return kind.status();
  ForgeOptions options;
  options.kind = *kind;
  options.api_base_url = config.forge_api_url;
  options.repo = config.forge_repo;
  auto token = ReadSecret(config.forge_token_file, config.forge_token_env, "forge.tokenFile");
  if (!token.ok()) return token.status();
  options.token = *token;
  if (options.token.empty())
    return Status(
        Code::kInvalidArgument,
        "forge token is empty (forge.tokenFile or forge.tokenEnv in " + config.source_path + ")");
  return std::optional<SyncStatusTarget>(
      SyncStatusTarget{std::move(options), config.forge_target_url});
}

}  // namespace dflow
