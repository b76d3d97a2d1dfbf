#include "reconciler/source/git_push.h"

#include "manifests-schema/base/leak_check.h"
#include "reconciler/source/git_credentials.h"
#include "reconciler/source/libgit2.h"

namespace dflow {
namespace {

struct OpenRemote {
  GitRepoPtr repo;
  GitRemotePtr remote;
  GitRemoteOptions options;  // for the credential callbacks and scrubbing
};

Result<OpenRemote> Open(const GitPushTarget& target) {
  EnsureLibgit2();
  OpenRemote open;
  git_repository* raw_repo = nullptr;
  if (git_repository_open_ext(&raw_repo, target.repo_path.c_str(), 0, nullptr) != 0)
    return Status(Code::kNotFound, GitError("open the Git repository " + target.repo_path));
  open.repo.reset(raw_repo);
  git_remote* raw_remote = nullptr;
  if (git_remote_lookup(&raw_remote, open.repo.get(), target.remote.c_str()) != 0)
    return Status(Code::kNotFound, "the clone " + target.repo_path + " has no remote '" +
                                       target.remote + "' (see `git remote -v`; --remote)");
  open.remote.reset(raw_remote);
  const char* url = git_remote_pushurl(raw_remote);
  if (url == nullptr) url = git_remote_url(raw_remote);
  open.options.url = url ? url : "";
  open.options.branch = target.branch;
  open.options.token = target.token;
  open.options.ssh_key = target.ssh_key;
  return open;
}

Status RemoteError(const std::string& what, const CredentialState& credentials,
                   const GitRemoteOptions& options) {
  if (!credentials.host_key.ok()) return credentials.host_key.WithContext(what);
  if (!credentials.auth.ok()) return credentials.auth.WithContext(what);
  return Status(Code::kUnavailable, what + ": " + ScrubGitText(LastGitError(), options));
}

// The credential callbacks' state, plus the remote's answer for the pushed ref. `payload` is
// always this struct seen as its CredentialState base.
struct PushState : CredentialState {
  std::string refused;  // the remote's reason, when it refused the update
};

int OnPushUpdate(const char* /*refname*/, const char* status, void* payload) {
  auto* state = static_cast<PushState*>(static_cast<CredentialState*>(payload));
  if (status != nullptr) state->refused = status;
  return 0;
}

}  // namespace

Result<std::string> CurrentBranchName(const std::string& repo_path) {
  LeaksIgnoredHere libgit2_leaks;
  EnsureLibgit2();
  git_repository* raw_repo = nullptr;
  if (git_repository_open_ext(&raw_repo, repo_path.c_str(), 0, nullptr) != 0)
    return Status(Code::kNotFound, GitError("open the Git repository " + repo_path));
  GitRepoPtr repo(raw_repo);
  git_reference* head = nullptr;
  if (git_repository_head(&head, repo.get()) != 0 || !git_reference_is_branch(head)) {
    git_reference_free(head);
    return Status(Code::kNotFound, "the clone " + repo_path + " has no branch checked out");
  }
  std::string name = git_reference_shorthand(head);
  git_reference_free(head);
  return name;
}

Result<std::string> FetchRemoteBranch(const GitPushTarget& target) {
  LeaksIgnoredHere libgit2_leaks;  // libgit2 1.5's config regexes (see FetchIntoMirror)
  auto open = Open(target);
  if (!open.ok()) return open.status();
  CredentialState credentials{&open->options, 0, Status::Ok(), Status::Ok(), "--git"};
  git_fetch_options fetch = GIT_FETCH_OPTIONS_INIT;
  SetCredentialCallbacks(fetch.callbacks, credentials);
  const std::string tracking = "refs/remotes/" + target.remote + "/" + target.branch;
  std::string spec = "+refs/heads/" + target.branch + ":" + tracking;
  char* specs[] = {spec.data()};
  git_strarray refspecs = {specs, 1};
  const std::string what = "fetch " + target.branch + " from " + ScrubUrls(open->options.url);
  if (git_remote_fetch(open->remote.get(), &refspecs, &fetch, "dflow rollback") != 0)
    return RemoteError(what, credentials, open->options);
  git_oid oid;
  if (git_reference_name_to_id(&oid, open->repo.get(), tracking.c_str()) != 0)
    return Status(Code::kNotFound,
                  what + ": the remote has no branch '" + target.branch + "' (--onto)");
  return tracking;
}

Status PushToRemoteBranch(const GitPushTarget& target, const std::string& source_ref) {
  LeaksIgnoredHere libgit2_leaks;
  auto open = Open(target);
  if (!open.ok()) return open.status();
  PushState state;
  state.options = &open->options;
  state.settings = "--git";
  git_push_options push = GIT_PUSH_OPTIONS_INIT;
  SetCredentialCallbacks(push.callbacks, state);
  push.callbacks.payload = static_cast<CredentialState*>(&state);
  push.callbacks.push_update_reference = OnPushUpdate;
  std::string spec = source_ref + ":refs/heads/" + target.branch;  // no '+': fast-forward only
  char* specs[] = {spec.data()};
  git_strarray refspecs = {specs, 1};
  const std::string what = "push to " + target.branch + " of " + ScrubUrls(open->options.url);
  if (git_remote_push(open->remote.get(), &refspecs, &push) != 0)
    return RemoteError(what, state, open->options);
  if (!state.refused.empty())
    return Status(Code::kFailed, what + ": the remote refused it (" + state.refused + ")");
  return Status::Ok();
}

}  // namespace dflow
