#include "reconciler/source/git_commit_file.h"

#include "manifests-schema/base/leak_check.h"
#include "reconciler/source/libgit2.h"

namespace dflow {
namespace {

using GitSignaturePtr =
    std::unique_ptr<git_signature, GitDeleter<git_signature, git_signature_free>>;
using GitReferencePtr =
    std::unique_ptr<git_reference, GitDeleter<git_reference, git_reference_free>>;

std::string OidHex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

}  // namespace

Result<std::string> CommitFileToNewBranch(const FileCommit& change) {
  LeaksIgnoredHere libgit2_leaks;  // libgit2 1.5's config regexes (see FetchIntoMirror)
  EnsureLibgit2();
  git_repository* raw_repo = nullptr;
  if (git_repository_open_ext(&raw_repo, change.repo_path.c_str(), 0, nullptr) != 0)
    return Status(Code::kNotFound, GitError("open the Git repository " + change.repo_path));
  GitRepoPtr repo(raw_repo);
  git_object* raw_base = nullptr;
  if (git_revparse_single(&raw_base, repo.get(), change.base.c_str()) != 0)
    return Status(Code::kNotFound, GitError("find " + change.base));
  GitObjectPtr base(raw_base);
  git_object* raw_commit = nullptr;
  if (git_object_peel(&raw_commit, base.get(), GIT_OBJECT_COMMIT) != 0)
    return Status(Code::kNotFound, GitError(change.base + " is not a commit"));
  GitObjectPtr parent(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, reinterpret_cast<git_commit*>(parent.get())) != 0)
    return Status(Code::kFailed, GitError("read the tree of " + change.base));
  GitTreePtr tree(raw_tree);

  git_oid blob;
  if (git_blob_create_from_buffer(&blob, repo.get(), change.content.data(),
                                  change.content.size()) != 0)
    return Status(Code::kFailed, GitError("store " + change.path));
  git_tree_update update{};
  update.action = GIT_TREE_UPDATE_UPSERT;
  update.id = blob;
  update.filemode = GIT_FILEMODE_BLOB;
  update.path = change.path.c_str();
  git_oid new_tree_id;
  if (git_tree_create_updated(&new_tree_id, repo.get(), tree.get(), 1, &update) != 0)
    return Status(Code::kFailed, GitError("build the new tree"));
  git_tree* raw_new_tree = nullptr;
  if (git_tree_lookup(&raw_new_tree, repo.get(), &new_tree_id) != 0)
    return Status(Code::kFailed, GitError("read the new tree"));
  GitTreePtr new_tree(raw_new_tree);

  git_signature* raw_signature = nullptr;
  if (git_signature_default(&raw_signature, repo.get()) != 0 &&
      git_signature_now(&raw_signature, "dflow", "dflow@localhost") != 0)
    return Status(Code::kFailed, GitError("make a signature"));
  GitSignaturePtr signature(raw_signature);
  const git_commit* parents[] = {reinterpret_cast<git_commit*>(parent.get())};
  git_oid commit;
  if (git_commit_create(&commit, repo.get(), nullptr, signature.get(), signature.get(), "UTF-8",
                        change.message.c_str(), new_tree.get(), 1, parents) != 0)
    return Status(Code::kFailed, GitError("commit"));
  git_commit* raw_new_commit = nullptr;
  if (git_commit_lookup(&raw_new_commit, repo.get(), &commit) != 0)
    return Status(Code::kFailed, GitError("read the new commit"));
  GitCommitPtr new_commit(raw_new_commit);
  git_reference* raw_branch = nullptr;
  if (git_branch_create(&raw_branch, repo.get(), change.branch.c_str(), new_commit.get(),
                        /*force=*/0) != 0)
    return Status(Code::kFailed, GitError("create the branch " + change.branch));
  GitReferencePtr branch(raw_branch);
  return OidHex(commit);
}

}  // namespace dflow
