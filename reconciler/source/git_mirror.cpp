#include "reconciler/source/git_mirror.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "manifests-schema/base/leak_check.h"
#include "reconciler/source/git_credentials.h"
#include "reconciler/source/libgit2.h"

namespace dflow {
namespace {

Result<GitRepoPtr> OpenOrInitMirror(const std::string& dir, const std::string& url) {
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, dir.c_str()) != 0) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return Status(Code::kUnavailable, "create mirror " + dir + ": " + error.message());
    if (git_repository_init(&raw, dir.c_str(), /*is_bare=*/1) != 0)
      return Status(Code::kUnavailable, "create mirror " + dir + ": " + LastGitError());
  }
  GitRepoPtr repo(raw);
  // The remote URL is (re)set each time so a changed controller config takes effect.
  git_remote* remote = nullptr;
  if (git_remote_lookup(&remote, raw, "origin") != 0) {
    if (git_remote_create_with_fetchspec(&remote, raw, "origin", url.c_str(),
                                         "+refs/heads/*:refs/heads/*") != 0)
      return Status(Code::kUnavailable, "configure mirror remote: " + ScrubUrls(LastGitError()));
  } else if (url != git_remote_url(remote)) {
    git_remote_set_url(raw, "origin", url.c_str());
  }
  git_remote_free(remote);
  return repo;
}

std::string BranchHead(git_repository* repo, const std::string& branch) {
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo, ("refs/heads/" + branch).c_str()) != 0) return "";
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

}  // namespace

SshRemoteHost SshRemoteHostOf(const std::string& url) {
  std::string rest;
  int port = 22;
  if (url.rfind("ssh://", 0) == 0 || url.rfind("git+ssh://", 0) == 0) {
    rest = url.substr(url.find("://") + 3);
    rest = rest.substr(0, rest.find('/'));
    if (std::size_t at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest[0] == '[') {  // [::1]:2222
      std::size_t close = rest.find(']');
      if (close == std::string::npos) return {};
      std::string host = rest.substr(1, close - 1);
      if (close + 1 < rest.size() && rest[close + 1] == ':')
        port = std::atoi(rest.c_str() + close + 2);
      return {host, port};
    }
    if (std::size_t colon = rest.find(':'); colon != std::string::npos) {
      port = std::atoi(rest.c_str() + colon + 1);
      rest = rest.substr(0, colon);
    }
    return {rest, port};
  }
  // scp-like: [user@]host:path, and no "://" anywhere before the colon.
  if (url.find("://") != std::string::npos || url.empty() || url[0] == '/') return {};
  std::size_t colon = url.find(':');
  if (colon == std::string::npos) return {};
  rest = url.substr(0, colon);
  if (std::size_t at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  return {rest, port};
}

Result<FetchedCommit> FetchIntoMirror(const GitRemoteOptions& options,
                                      const std::string& mirror_dir) {
  // libgit2 1.5 (Debian 12) never frees the PCRE2 match data of its config regexes, allocated
  // in git_remote_lookup / git_remote_create (~150-250 KB per fetch). The controller fetches in
  // a short-lived child (fetch_process.h), where that leak ends with the process; a libgit2
  // leak anywhere else, e.g. in `dflow run` itself, is still reported.
  LeaksIgnoredHere libgit2_leaks;
  EnsureLibgit2();
  const std::string where = "fetch " + ScrubUrls(options.url);
  Result<GitRepoPtr> repo = OpenOrInitMirror(mirror_dir, options.url);
  if (!repo.ok()) return repo.status().WithContext(where);
  const std::string before = BranchHead(repo->get(), options.branch);

  git_remote* raw_remote = nullptr;
  git_remote_lookup(&raw_remote, repo->get(), "origin");
  GitRemotePtr remote(raw_remote);
  CredentialState credentials{&options, 0, Status::Ok(), Status::Ok()};
  git_fetch_options fetch = GIT_FETCH_OPTIONS_INIT;
  SetCredentialCallbacks(fetch.callbacks, credentials);
  fetch.prune = GIT_FETCH_PRUNE;
  std::string spec = "+refs/heads/" + options.branch + ":refs/heads/" + options.branch;
  char* specs[] = {spec.data()};
  git_strarray refspecs = {specs, 1};
  if (git_remote_fetch(remote.get(), &refspecs, &fetch, "dflow fetch") != 0) {
    if (!credentials.host_key.ok()) return credentials.host_key.WithContext(where);
    if (!credentials.auth.ok()) return credentials.auth.WithContext(where);
    return Status(Code::kUnavailable, where + ": " + ScrubGitText(LastGitError(), options));
  }

  FetchedCommit result;
  result.id = BranchHead(repo->get(), options.branch);
  if (result.id.empty())
    return Status(Code::kNotFound,
                  where + ": branch '" + options.branch + "' does not exist on the remote");
  result.changed = result.id != before;
  git_oid oid;
  git_oid_fromstr(&oid, result.id.c_str());
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo->get(), &oid) == 0) {
    GitCommitPtr commit(raw_commit);
    const git_signature* author = git_commit_author(raw_commit);
    result.author = std::string(author->name) + " <" + author->email + ">";
    const char* summary = git_commit_summary(raw_commit);
    result.summary = summary ? summary : "";
  }
  return result;
}

}  // namespace dflow
