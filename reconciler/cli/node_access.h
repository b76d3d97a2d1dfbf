// How the CLI reaches nodes: the SSH credentials that live on the controller's side (never in
// the config repo) combined with a Node manifest's address and pinned host key.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/transport/shell_quote.h"
#include "providers/transport/transport.h"

namespace CLI {
class App;
}

namespace dflow::cli {

struct SshCredentials {
  std::vector<std::string> identity_files;  // default: $DFLOW_SSH_IDENTITY, else ~/.ssh/id_*
  std::string passphrase_file;              // else $DFLOW_SSH_PASSPHRASE
  std::string known_hosts_file;             // used for nodes without a pinned hostKey
  bool accept_new_host_key = false;
  int connect_timeout_seconds = 10;
  int command_timeout_seconds = 600;
  int max_sessions = 10;  // the nodes' sshd MaxSessions (OpenSSH's default)
};

// Channels dflow opens at once on one node: min(8, max_sessions - 2), at least 1, which leaves
// sessions free for an operator's own `ssh` beside dflow.
int ChannelsFor(int max_sessions);

// Declares --identity, --passphrase-file, --known-hosts, --accept-new-host-key,
// --connect-timeout on a subcommand.
void AddSshCredentialArgs(CLI::App& sub, SshCredentials& credentials);

// An SSH transport to `node` (connects lazily). Fails only for unusable credentials
// (an unreadable passphrase file). `shell`: how the far side reads commands (default: from
// the user, as SshOptions::shell; kPosixCommand for an edge).
Result<std::unique_ptr<Transport>> ConnectToNode(const NodeSpec& node,
                                                 const SshCredentials& credentials,
                                                 std::optional<RemoteShell> shell = std::nullopt);

}  // namespace dflow::cli
