// Follows one branch of a remote config repo in a bare mirror inside the state directory
// (libgit2). Manifests are then read from the fetched commit's tree (manifest_source.h), never
// from a work tree. A failed fetch leaves the mirror, and so the last good commit, as it was.
#pragma once

#include <string>

#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/status.h"

namespace dflow {

struct GitRemoteOptions {
  std::string url;  // file://..., /path, https://..., ssh://git@host/path or git@host:path
  std::string branch = "main";
  Secret token;         // https: sent as the password (user "x-access-token")
  std::string ssh_key;  // ssh: private key path (public key beside it as <path>.pub if present)
  Secret ssh_passphrase;
  // ssh: the server's host key, "SHA256:..." as ssh-keygen -lf prints it; else it must be in
  // known_hosts_file. With neither, libgit2's own check (~/.ssh/known_hosts) applies.
  std::string host_key;
  std::string known_hosts_file;
};

// host and port of an ssh remote URL (ssh://[user@]host[:port]/path, or scp-like
// [user@]host:path with port 22); port 0 when `url` is not an ssh URL.
struct SshRemoteHost {
  std::string host;
  int port = 0;
};
SshRemoteHost SshRemoteHostOf(const std::string& url);

struct FetchedCommit {
  std::string id;        // full commit id of the branch head
  std::string author;    // "Name <email>"
  std::string summary;   // first line of the message
  bool changed = false;  // differs from what the mirror held before this fetch
};

// Fetches `options.branch` into the bare repository at `mirror_dir` (created on first use) and
// returns its head. Errors (messages scrubbed of tokens): kUnavailable for network trouble,
// kNotFound when the branch does not exist on the remote, kPermissionDenied when the remote
// refuses the credentials or wants some and none are configured, or when an ssh server's host
// key is not the pinned or known one.
Result<FetchedCommit> FetchIntoMirror(const GitRemoteOptions& options,
                                      const std::string& mirror_dir);

}  // namespace dflow
