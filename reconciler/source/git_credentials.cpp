#include "reconciler/source/git_credentials.h"

#include <filesystem>

#include "providers/ssh/ssh_transport.h"

namespace dflow {
namespace {

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
  state.host_key =
      VerifyHostKeyBlob(blob, ssh, "the controller config (" + state.settings + ".hostKey)");
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
                        "the remote refused the credentials (check the token in " + state.settings +
                            ".tokenFile or .tokenEnv, or the key in " + state.settings +
                            ".sshKey, and its access rights)");
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
  state.auth =
      Status(Code::kPermissionDenied,
             "the remote asks for credentials and none are configured (set " + state.settings +
                 ".tokenFile or .tokenEnv for https, " + state.settings + ".sshKey for ssh)");
  git_error_set_str(GIT_ERROR_NET, state.auth.message().c_str());
  return GIT_EAUTH;
}

}  // namespace

std::string ScrubGitText(const std::string& text, const GitRemoteOptions& options) {
  return ScrubUrls(ScrubSecrets(text, std::vector<Secret>{options.token, options.ssh_passphrase}));
}

void SetCredentialCallbacks(git_remote_callbacks& callbacks, CredentialState& state) {
  callbacks.credentials = ProvideCredentials;
  callbacks.certificate_check = CheckCertificate;
  callbacks.payload = &state;
}

}  // namespace dflow
