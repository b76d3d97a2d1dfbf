#include "reconciler/source/git_mirror.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "manifests-schema/base/leak_check.h"
#include "providers/ssh/ssh_transport.h"
#include "reconciler/source/libgit2.h"

namespace dflow {
namespace {

// libgit2's messages may quote the URL (and its credentials) or the token; neither gets out.
std::string Scrub(const std::string& text, const GitRemoteOptions& options) {
  return ScrubUrls(ScrubSecrets(text, std::vector<Secret>{options.token, options.ssh_passphrase}));
}

struct CredentialState {
  const GitRemoteOptions* options;
  int attempts = 0;
  Status host_key;  // why the ssh host key was refused
  Status auth;      // why authentication failed
};

// libgit2 hands over the ssh server's key; it is checked like a node's (pin, else known_hosts).
int CheckCertificate(git_cert* cert, int /*valid*/, const char* /*host*/, void* payload) {
  auto& state = *static_cast<CredentialState*>(payload);
  const GitRemoteOptions& options = *state.options;
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return GIT_PASSTHROUGH;  // TLS: libgit2's
  if (options.host_key.empty() && options.known_hosts_file.empty()) return GIT_PASSTHROUGH;
  const auto* key = reinterpret_cast<const git_cert_hostkey*>(cert);
  SshRemoteHost remote = SshRemoteHostOf(options.url);
  SshOptions ssh;
  ssh.host = remote.host;
  ssh.port = remote.port;
  ssh.host_key_fingerprint = options.host_key;
  ssh.known_hosts_file = options.known_hosts_file;
  std::string_view blob;
  if (key->type & GIT_CERT_SSH_RAW) blob = std::string_view(key->hostkey, key->hostkey_len);
  state.host_key = VerifyHostKeyBlob(blob, ssh, "the controller config (repo.hostKey)");
  if (state.host_key.ok()) return 0;
  git_error_set_str(GIT_ERROR_SSH, state.host_key.message().c_str());
  return GIT_ECERTIFICATE;
}

int ProvideCredentials(git_credential** out, const char* /*url*/, const char* username_from_url,
                       unsigned int allowed, void* payload) {
  auto& state = *static_cast<CredentialState*>(payload);
  const GitRemoteOptions& options = *state.options;
  // libgit2 asks again after each refusal, forever; and it sets no message of its own then.
  if (++state.attempts > 3) {
    state.auth = Status(Code::kPermissionDenied,
                        "the remote refused the credentials (check the token in repo.tokenFile "
                        "or repo.tokenEnv, or the key in repo.sshKey, and its access rights)");
    git_error_set_str(GIT_ERROR_NET, state.auth.message().c_str());
    return GIT_EAUTH;
  }
  if ((allowed & GIT_CREDENTIAL_SSH_KEY) && !options.ssh_key.empty()) {
    std::string pub = options.ssh_key + ".pub";
    return git_credential_ssh_key_new(out, username_from_url ? username_from_url : "git",
                                      std::filesystem::exists(pub) ? pub.c_str() : nullptr,
                                      options.ssh_key.c_str(),
                                      options.ssh_passphrase.Reveal().c_str());
  }
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && !options.token.empty()) {
    return git_credential_userpass_plaintext_new(
        out, username_from_url ? username_from_url : "x-access-token",
        options.token.Reveal().c_str());
  }
  state.auth = Status(Code::kPermissionDenied,
                      "the remote asks for credentials and none are configured (set "
                      "repo.tokenFile or repo.tokenEnv for https, repo.sshKey for ssh)");
  git_error_set_str(GIT_ERROR_NET, state.auth.message().c_str());
  return GIT_EAUTH;
}

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
  fetch.callbacks.credentials = ProvideCredentials;
  fetch.callbacks.certificate_check = CheckCertificate;
  fetch.callbacks.payload = &credentials;
  fetch.prune = GIT_FETCH_PRUNE;
  std::string spec = "+refs/heads/" + options.branch + ":refs/heads/" + options.branch;
  char* specs[] = {spec.data()};
  git_strarray refspecs = {specs, 1};
  if (git_remote_fetch(remote.get(), &refspecs, &fetch, "dflow fetch") != 0) {
    if (!credentials.host_key.ok()) return credentials.host_key.WithContext(where);
    if (!credentials.auth.ok()) return credentials.auth.WithContext(where);
    return Status(Code::kUnavailable, where + ": " + Scrub(LastGitError(), options));
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
