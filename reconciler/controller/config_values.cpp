#include "reconciler/controller/config_values.h"

#include <charconv>

#include "manifests-schema/base/secret.h"

namespace dflow {

Result<std::pair<std::string, int>> ParseListenAddress(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status(Code::kInvalidArgument, "listen must be host:port");
  const std::string port_text = listen.substr(colon + 1);
  int port = -1;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535)
    return Status(Code::kInvalidArgument, "bad listen port in " + listen);
  return std::make_pair(listen.substr(0, colon), port);
}

BadgeSettings BadgeSettingsOf(const ControllerConfig& config) {
  BadgeSettings settings;
  settings.enabled = config.badges_enabled;
  settings.environments = config.badge_environments;
  if (config.badge_token_secret_file.empty() && config.badge_token_secret_env.empty())
    return settings;
  auto secret = ReadSecret(config.badge_token_secret_file, config.badge_token_secret_env,
                           "badges.tokenSecretFile");
  if (!secret.ok() || secret->empty()) settings.enabled = false;
  if (secret.ok()) settings.token_secret = *secret;
  return settings;
}

GitRemoteOptions RemoteOptionsOf(const ControllerConfig& config) {
  GitRemoteOptions remote;
  remote.url = config.repo_url;
  remote.branch = config.branch;
  remote.ssh_key = config.repo_ssh_key;
  remote.host_key = config.repo_host_key;
  remote.known_hosts_file = config.known_hosts_file;
  auto token = ReadSecret(config.repo_token_file, config.repo_token_env, "repo.tokenFile");
  if (token.ok()) remote.token = *token;
  return remote;
}

}  // namespace dflow
