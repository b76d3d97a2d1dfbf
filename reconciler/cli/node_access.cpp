#include "reconciler/cli/node_access.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "manifests-schema/base/secret.h"
#include "providers/ssh/ssh_transport.h"

namespace dflow::cli {
namespace {

std::vector<std::string> DefaultIdentities() {
  if (const char* identity = std::getenv("DFLOW_SSH_IDENTITY"); identity && *identity)
    return {identity};
  std::vector<std::string> found;
  if (const char* home = std::getenv("HOME")) {
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
      std::filesystem::path key = std::filesystem::path(home) / ".ssh" / name;
      if (std::filesystem::exists(key)) found.push_back(key.string());
    }
  }
  return found;
}

}  // namespace

void AddSshCredentialArgs(CLI::App& sub, SshCredentials& credentials) {
  sub.add_option("--identity,-i", credentials.identity_files,
                 "SSH private key (repeatable; default $DFLOW_SSH_IDENTITY or ~/.ssh/id_*)")
      ->check(CLI::ExistingFile);
  sub.add_option("--passphrase-file", credentials.passphrase_file,
                 "file holding the key's passphrase (default: $DFLOW_SSH_PASSPHRASE)")
      ->check(CLI::ExistingFile);
  sub.add_option("--known-hosts", credentials.known_hosts_file,
                 "known_hosts file for nodes without a pinned hostKey");
  sub.add_flag("--accept-new-host-key", credentials.accept_new_host_key,
               "record an unknown host key in --known-hosts (never a changed one)");
  sub.add_option("--connect-timeout", credentials.connect_timeout_seconds,
                 "seconds to wait for a node's SSH handshake")
      ->default_val(10);
  sub.add_option("--ssh-max-sessions", credentials.max_sessions,
                 "the nodes' sshd MaxSessions; dflow runs up to min(8, this - 2) Dokku commands "
                 "at once on a node")
      ->default_val(10)
      ->check(CLI::Range(3, 1000));
}

int ChannelsFor(int max_sessions) { return std::max(1, std::min(8, max_sessions - 2)); }

Result<std::unique_ptr<Transport>> ConnectToNode(const NodeSpec& node,
                                                 const SshCredentials& credentials,
                                                 std::optional<RemoteShell> shell) {
  // `dflow run` (ssh.passphraseFile) and the CLI (--passphrase-file) both come here.
  Result<Secret> passphrase =
      ReadSecret(credentials.passphrase_file, "DFLOW_SSH_PASSPHRASE", "passphrase file");
  if (!passphrase.ok()) return passphrase.status();
  SshOptions options;
  options.host = node.host;
  options.port = node.port;
  options.user = node.user;
  options.identity_files =
      credentials.identity_files.empty() ? DefaultIdentities() : credentials.identity_files;
  options.passphrase = *passphrase;
  options.host_key_fingerprint = node.host_key;
  options.known_hosts_file = credentials.known_hosts_file;
  options.accept_new_host_key = credentials.accept_new_host_key;
  options.connect_timeout = std::chrono::seconds(credentials.connect_timeout_seconds);
  options.max_channels = ChannelsFor(credentials.max_sessions);
  options.shell = shell;
  return MakeSshTransport(std::move(options));
}

}  // namespace dflow::cli
