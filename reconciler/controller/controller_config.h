// The controller's own configuration (/etc/dflow/dflow.yaml by default): where the config repo
// is and how to reach it, how to reach nodes, where state lives, what to listen on. Secrets
// (tokens, webhook secrets, passphrases) are never written in it: it names files or env vars
// that hold them. Invalid configuration is refused at start with file:line:column errors.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "manifests-schema/diagnostic.h"

namespace dflow {

// Credentials for the apps' own repositories on one host (`sources:` in the config), used to
// resolve their refs (docs/sources.md). Repositories on hosts not listed are reached without.
struct AppSourceCredentials {
  std::string host;        // "github.com", "git.example.com:2222" as the URL names it
  std::string token_file;  // https token, read from this file ...
  std::string token_env;   // ... or this environment variable
  std::string ssh_key;     // private key for ssh:// remotes
  std::string host_key;    // ssh:// remotes: "SHA256:..." pin, else ssh.knownHosts
};

struct ControllerConfig {
  // Source: the config repo.
  std::string repo_url;  // file://, https:// or ssh:// (or a local path)
  std::string branch = "main";
  std::string repo_token_file;  // https token, read from this file ...
  std::string repo_token_env;   // ... or this environment variable
  std::string repo_ssh_key;     // private key for ssh:// remotes
  std::string repo_host_key;    // ssh:// remotes: "SHA256:..." pin, else ssh.knownHosts
  std::vector<AppSourceCredentials> app_sources;  // per host, sorted

  // Nodes.
  std::vector<std::string> ssh_identities;  // private keys for the nodes
  std::string ssh_passphrase_file;
  std::string known_hosts_file;  // for nodes without a pinned hostKey
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds command_timeout{600};
  int ssh_max_sessions = 10;  // the nodes' sshd MaxSessions: dflow opens up to this - 2 channels

  // Controller.
  std::string state_dir = "/var/lib/dflow";
  std::string listen = "127.0.0.1:8080";  // "" disables the HTTP server
  std::chrono::seconds interval{60};
  int concurrency = 8;       // nodes handled at once
  std::string secrets_file;  // per-environment secret values
  std::string webhook_secret_file;
  std::string webhook_secret_env;
  // The token of the API's writes (POST /api/v1/pins: `dflow rollback --now`), from this file
  // or environment variable; neither: those writes are refused.
  std::string api_token_file;
  std::string api_token_env;
  int history_keep = 1000;  // reconciles kept in the history
  bool allow_mass_delete = false;
  double max_delete_share = 0.5;

  // Badges (/badge/...): unauthenticated unless a token secret is set.
  bool badges_enabled = true;
  std::vector<std::string> badge_environments;  // empty: all environments
  std::string badge_token_secret_file;          // HMAC secret for ?token=, from this file ...
  std::string badge_token_secret_env;           // ... or this environment variable

  // Forge: where the controller posts commit statuses (dflow/sync/<environment>).
  std::string forge_kind;  // "" = no forge; else github, gitea (forgejo) or gitlab
  std::string forge_api_url;
  std::string forge_repo;
  std::string forge_token_file;
  std::string forge_token_env;
  std::string forge_target_url;  // optional link shown with the status

  std::string source_path;  // the file it was read from, for messages
};

struct ConfigLoadResult {
  ControllerConfig config;
  std::vector<Diagnostic> errors;  // empty when the config is usable
  bool ok() const { return errors.empty(); }
};

// Where the controller config is read from when no --config is given: $DFLOW_CONFIG when set
// and not empty, else /etc/dflow/dflow.yaml.
std::string DefaultConfigPath();

// Reads and validates the YAML text of a controller config. `path` names it in errors.
ConfigLoadResult ParseControllerConfig(const std::string& text, const std::string& path);

// Reads the file at `path`; a missing or unreadable file is one error.
ConfigLoadResult LoadControllerConfig(const std::string& path);

// Parses "30s", "5m", "1h" or a bare number of seconds.
Result<std::chrono::seconds> ParseDuration(const std::string& text);

// The settings (YAML paths, e.g. "repo.url") that differ between the running config and a
// reloaded one but take effect only at start: the source, node SSH access, the state directory
// and the listen address. A SIGHUP reload applies everything else.
std::vector<std::string> SettingsNeedingRestart(const ControllerConfig& running,
                                                const ControllerConfig& reloaded);

// The config a SIGHUP reload runs with: `reloaded`, except the settings that need a restart,
// which keep their running values.
ControllerConfig ConfigAfterReload(const ControllerConfig& running, ControllerConfig reloaded);

}  // namespace dflow
