// libgit2 for reconciler/source's .cpp files only: owning handles, the last error's text and
// the one library initialisation. This is the only header that includes git2.h; no header of
// this folder includes it, so libgit2 does not leak to the layers above.
#pragma once

#include <git2.h>

#include <memory>
#include <string>
#include <string_view>

namespace dflow {

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const { Free(p); }
};
using GitRepoPtr = std::unique_ptr<git_repository, GitDeleter<git_repository, git_repository_free>>;
using GitRemotePtr = std::unique_ptr<git_remote, GitDeleter<git_remote, git_remote_free>>;
using GitCommitPtr = std::unique_ptr<git_commit, GitDeleter<git_commit, git_commit_free>>;
using GitObjectPtr = std::unique_ptr<git_object, GitDeleter<git_object, git_object_free>>;
using GitTreePtr = std::unique_ptr<git_tree, GitDeleter<git_tree, git_tree_free>>;
using GitBlobPtr = std::unique_ptr<git_blob, GitDeleter<git_blob, git_blob_free>>;
using GitOdbPtr = std::unique_ptr<git_odb, GitDeleter<git_odb, git_odb_free>>;
using GitEntryPtr =
    std::unique_ptr<git_tree_entry, GitDeleter<git_tree_entry, git_tree_entry_free>>;

// Initialises libgit2 once per process; safe to call from any thread, any number of times.
void EnsureLibgit2();

// The text of this thread's last libgit2 error, or "unknown libgit2 error" when it set none.
std::string LastGitError();

// `what`, followed by ": " and this thread's last libgit2 error when there is one.
std::string GitError(std::string_view what);

}  // namespace dflow
