// Fetching one branch of a clone's remote and pushing a commit onto it (libgit2): what
// `dflow rollback --push` needs to commit on the branch the controller follows. The push is a
// fast-forward only, so a branch that moved meanwhile is never overwritten.
#pragma once

#include <string>

#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/status.h"

namespace dflow {

struct GitPushTarget {
  std::string repo_path;  // the user's clone
  std::string remote = "origin";
  std::string branch;   // on the remote: "main"
  Secret token;         // https remotes: sent as the password
  std::string ssh_key;  // ssh remotes: private key (known_hosts as libgit2 reads it)
};

// The short name of the branch the clone has checked out. kNotFound on a detached HEAD.
Result<std::string> CurrentBranchName(const std::string& repo_path);

// Fetches the remote's branch into refs/remotes/<remote>/<branch> and returns that ref's name.
// Errors: kNotFound (no such remote or branch), kPermissionDenied, kUnavailable.
Result<std::string> FetchRemoteBranch(const GitPushTarget& target);

// Pushes the local ref `source_ref` to the remote's branch. kFailed when the remote refuses it
// (not a fast-forward: the branch moved), with the remote's reason.
Status PushToRemoteBranch(const GitPushTarget& target, const std::string& source_ref);

}  // namespace dflow
