// Host key verification for the SSH transport: a pinned fingerprint, else OpenSSH known_hosts.
// Internal to providers/.
#pragma once

#include <libssh2.h>

#include "manifests-schema/status.h"
#include "providers/ssh_transport.h"

namespace dflow {

// Checks the key the server presented during the handshake of `session`.
// With options.host_key_fingerprint set, the key must have that fingerprint. Otherwise it
// must be listed for host:port in options.known_hosts_file (plain or hashed entries); an
// unknown key is recorded there only with options.accept_new_host_key, a changed key never.
// Fails with kPermissionDenied naming the presented (and the expected) fingerprints.
Status VerifyHostKey(LIBSSH2_SESSION* session, const SshOptions& options);

}  // namespace dflow
