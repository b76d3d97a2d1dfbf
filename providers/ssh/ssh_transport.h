// SSH transport: runs `dokku <argv...>` on a node over one kept-open libssh2 connection.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/status.h"
#include "providers/transport/shell_quote.h"
#include "providers/transport/transport.h"

namespace dflow {

struct SshOptions {
  std::string host;
  int port = 22;
  std::string user = "dokku";
  std::vector<std::string>
      identity_files;                // private key files tried in order (ed25519, ecdsa, rsa)
  Secret passphrase;                 // for the identity files
  bool use_agent = true;             // try ssh-agent ($SSH_AUTH_SOCK) when set
  std::string host_key_fingerprint;  // "SHA256:..." pin as `ssh-keygen -lf` prints it
  std::string known_hosts_file;      // used when there is no pin
  bool accept_new_host_key = false;  // explicit opt-in: record an unknown key in known_hosts_file
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::seconds keepalive_interval{30};
  // Concurrent channels over the one connection: min(8, MaxSessions - 2) for OpenSSH's default
  // MaxSessions of 10, which leaves room for an interactive `ssh` beside dflow.
  int max_channels = 8;
  std::optional<RemoteShell> shell;  // default: kDokkuForcedCommand when user == "dokku", else
                                     // kPosixShell
};

// Connects lazily on the first command, keeps the one connection open and reuses it across
// commands (and across controller loops), reconnects when it has dropped.
//
// Errors (all prefixed with Describe(), e.g. "ssh dokku@127.0.0.1:2222: connect: Connection
// refused"): kUnavailable when the node cannot be reached or the connection dropped (a command
// whose connection dropped after it was sent is NOT re-run: it may have changed state),
// kTimeout when connecting or a command ran past its bound (the connection is then dropped
// and made again next time), kPermissionDenied for an untrusted host key or refused keys,
// kInvalidArgument for an argv the remote side cannot carry, kFailed when a command's output
// went over ExecOptions::max_output. Thread-safe; commands from several threads share the
// one connection in turn; RunDokkuMany and RunDokkuFlow run up to max_channels channels at once
// over it.
std::unique_ptr<Transport> MakeSshTransport(SshOptions options);

// "SHA256:<base64 without padding>" of a raw host key blob, as ssh-keygen -lf prints it.
std::string Sha256Fingerprint(std::string_view host_key_blob);

// Checks a host key presented outside our own SSH sessions (libgit2's ssh transport) the way
// the transport checks its own: against options.host_key_fingerprint when set, else
// options.known_hosts_file for options.host:options.port. kPermissionDenied says why and how to
// fix it; `pin_where` names where a pin goes in that message.
Status VerifyHostKeyBlob(std::string_view host_key_blob, const SshOptions& options,
                         std::string_view pin_where);

}  // namespace dflow
