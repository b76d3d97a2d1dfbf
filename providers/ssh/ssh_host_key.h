// Host key verification for the SSH transport: a pinned fingerprint, else OpenSSH known_hosts.
// Internal to providers/.
#pragma once

#include <libssh2.h>

#include "manifests-schema/base/status.h"
#include "providers/ssh/ssh_transport.h"

namespace dflow {

enum class HostKeyVerdict {
  kTrusted,   // matches the pin or a known_hosts entry
  kUnknown,   // no pin, and known_hosts lists no key of this type for host:port
  kMismatch,  // differs from the pin or from the known_hosts entry of its type
  kRefused,   // revoked, or the check itself failed
};

struct HostKeyCheck {
  HostKeyVerdict verdict = HostKeyVerdict::kTrusted;
  Status status;  // why it is not trusted (kPermissionDenied, naming the fingerprints)
};

// Checks the key the server presented during the handshake of `session` against
// options.host_key_fingerprint when set, else against options.known_hosts_file (plain or
// hashed entries, @revoked honoured). Never writes anything.
HostKeyCheck CheckHostKey(LIBSSH2_SESSION* session, const SshOptions& options);

// Appends the session's host key to options.known_hosts_file as OpenSSH writes it.
Status RecordHostKey(LIBSSH2_SESSION* session, const SshOptions& options);

// Host key algorithms libssh2 1.10 can verify, and the order to ask for them in (OpenSSH's:
// ed25519 first; libssh2's own order would pick ECDSA on a typical Debian/Ubuntu node, and a
// pin of its ed25519 key would then look like a changed key).
extern const char* const kHostKeyAlgorithms[5];
extern const char* const kHostKeyPreference;

}  // namespace dflow
