// A commit of one changed file made straight into a Git repository's object store (libgit2):
// `dflow rollback` writes its one-value edit this way, on a branch of its own, so the user's work
// tree, index and checked-out branch are never touched.
#pragma once

#include <string>

#include "manifests-schema/base/status.h"

namespace dflow {

struct FileCommit {
  std::string repo_path;  // a work tree or a bare repository
  std::string base;       // the revision to build on ("HEAD", a branch, a commit id)
  std::string path;       // '/'-separated, relative to the repository's root
  std::string content;    // the file's new bytes
  std::string branch;     // the new branch (must not exist yet)
  std::string message;
};

// The new commit's id. Its author and committer are the repository's user.name/user.email, else
// "dflow <dflow@localhost>". Errors: kNotFound (repository or base), kFailed (the branch exists,
// or libgit2 refused).
Result<std::string> CommitFileToNewBranch(const FileCommit& commit);

}  // namespace dflow
