// The credentials and host-key callbacks libgit2 calls during a fetch or a ref listing, shared
// by the config repo's mirror and the apps' source repositories. For reconciler/source's .cpp
// files only (it includes git2.h through libgit2.h).
#pragma once

#include <string>

#include "manifests-schema/base/status.h"
#include "reconciler/source/git_mirror.h"
#include "reconciler/source/libgit2.h"

namespace dflow {

// What the callbacks need and what they found; one per remote operation.
struct CredentialState {
  const GitRemoteOptions* options;
  int attempts = 0;
  Status host_key;  // why the ssh host key was refused
  Status auth;      // why authentication failed
  // The controller settings that hold these credentials, for the hints in errors.
  std::string settings = "repo";
};

// Points `callbacks` at the shared credential and certificate callbacks with `state`.
void SetCredentialCallbacks(git_remote_callbacks& callbacks, CredentialState& state);

// libgit2's messages may quote the URL (and its credentials) or the token; neither gets out.
std::string ScrubGitText(const std::string& text, const GitRemoteOptions& options);

}  // namespace dflow
