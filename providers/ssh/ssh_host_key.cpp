#include "providers/ssh/ssh_host_key.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "manifests-schema/base/base64.h"
#include "providers/ssh/ssh_connection.h"

namespace dflow {
namespace {

// The key type name an SSH public key blob starts with ("ssh-ed25519", ...).
std::string KeyTypeName(std::string_view blob) {
  if (blob.size() < 4) return "";
  std::size_t len =
      (static_cast<unsigned char>(blob[0]) << 24) | (static_cast<unsigned char>(blob[1]) << 16) |
      (static_cast<unsigned char>(blob[2]) << 8) | static_cast<unsigned char>(blob[3]);
  if (len > blob.size() - 4) return "";
  return std::string(blob.substr(4, len));
}

int KnownHostKeyType(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
      return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

// How OpenSSH names host:port in known_hosts.
std::string KnownHostName(const SshOptions& options) {
  if (options.port == 22) return options.host;
  return "[" + options.host + "]:" + std::to_string(options.port);
}

std::string HostPort(const SshOptions& options) { return SshHostPort(options); }

// Strips "=" padding so that a pin copied with or without it compares equal.
std::string NormalizeFingerprint(std::string_view text) {
  while (!text.empty() && (text.back() == '=' || text.back() == ' ' || text.back() == '\n'))
    text.remove_suffix(1);
  return std::string(text);
}

// `pin_where` names where a pin goes: the Node manifest for nodes, the controller config for
// the config repo.
Status Untrusted(const SshOptions& options, const std::string& presented, std::string_view why,
                 std::string_view pin_where) {
  return Status(Code::kPermissionDenied,
                "host key for " + HostPort(options) + " is not trusted: " + std::string(why) +
                    "the server presented " + presented + "; pin it with hostKey: \"" + presented +
                    "\" in " + std::string(pin_where) + " or add it to known_hosts");
}

Status Changed(const SshOptions& options, const std::string& expected, const std::string& presented,
               std::string_view where) {
  return Status(Code::kPermissionDenied,
                "host key for " + HostPort(options) + " has CHANGED: " + std::string(where) +
                    " expects " + expected + " but the server presented " + presented +
                    "; someone may be intercepting the connection (man-in-the-middle), or the "
                    "node was reinstalled; check before trusting the new key");
}

using KnownHosts = std::unique_ptr<LIBSSH2_KNOWNHOSTS, decltype(&libssh2_knownhost_free)>;

// Reads known_hosts line by line so that one entry libssh2 cannot parse (a security-key type,
// a @cert-authority line) does not hide the others. Returns true when a @revoked line lists
// `blob` (OpenSSH refuses a revoked key for every host).
bool ReadKnownHosts(LIBSSH2_KNOWNHOSTS* hosts, const std::string& path, std::string_view blob) {
  std::ifstream in(path);
  std::string line;
  bool revoked = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string first, type, key;
    fields >> first;
    if (first.empty() || first[0] == '#') continue;
    if (first[0] == '@') {
      std::string host_patterns;
      fields >> host_patterns >> type >> key;
      if (first == "@revoked" && Base64Decode(key) == blob) revoked = true;
      continue;
    }
    line += '\n';
    (void)libssh2_knownhost_readline(hosts, line.data(), line.size(),
                                     LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  }
  return revoked;
}

HostKeyCheck Refused(HostKeyVerdict verdict, Status status) {
  return HostKeyCheck{verdict, std::move(status)};
}

HostKeyCheck CheckKnownHosts(LIBSSH2_SESSION* session, const SshOptions& options,
                             std::string_view blob, int type, const std::string& presented,
                             std::string_view pin_where = "the Node manifest") {
  if (options.known_hosts_file.empty())
    return Refused(
        HostKeyVerdict::kUnknown,
        Untrusted(options, presented, "no hostKey pin and no known_hosts file; ", pin_where));
  KnownHosts hosts(libssh2_knownhost_init(session), &libssh2_knownhost_free);
  if (!hosts)
    return Refused(HostKeyVerdict::kRefused,
                   Status(Code::kInternal, "libssh2_knownhost_init failed"));
  if (ReadKnownHosts(hosts.get(), options.known_hosts_file, blob))
    return Refused(
        HostKeyVerdict::kRefused,
        Status(Code::kPermissionDenied, "host key for " + HostPort(options) + " (" + presented +
                                            ") is marked @revoked in " + options.known_hosts_file));
  libssh2_knownhost* entry = nullptr;
  int rc = libssh2_knownhost_checkp(
      hosts.get(), options.host.c_str(), options.port, blob.data(), blob.size(),
      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | KnownHostKeyType(type), &entry);
  if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH) return HostKeyCheck{};
  if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
    std::string expected = entry ? Sha256Fingerprint(Base64Decode(entry->key)) : "another key";
    return Refused(HostKeyVerdict::kMismatch,
                   Changed(options, expected, presented, options.known_hosts_file));
  }
  if (rc != LIBSSH2_KNOWNHOST_CHECK_NOTFOUND)
    return Refused(HostKeyVerdict::kRefused,
                   Status(Code::kInternal, "known_hosts check failed for " + HostPort(options)));
  return Refused(
      HostKeyVerdict::kUnknown,
      Untrusted(options, presented,
                "it is not in " + options.known_hosts_file + " (no hostKey pin); ", pin_where));
}

std::string_view SessionHostKey(LIBSSH2_SESSION* session, int* type) {
  std::size_t length = 0;
  const char* key = libssh2_session_hostkey(session, &length, type);
  return key ? std::string_view(key, length) : std::string_view();
}

}  // namespace

std::string Sha256Fingerprint(std::string_view host_key_blob) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(host_key_blob.data(), host_key_blob.size(), digest, &size, EVP_sha256(), nullptr);
  std::string encoded = Base64Encode(std::string_view(reinterpret_cast<char*>(digest), size));
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return "SHA256:" + encoded;
}

HostKeyCheck CheckHostKey(LIBSSH2_SESSION* session, const SshOptions& options) {
  int type = LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
  std::string_view blob = SessionHostKey(session, &type);
  if (blob.empty())
    return Refused(HostKeyVerdict::kRefused,
                   Status(Code::kInternal, "the server presented no host key"));
  std::string presented = Sha256Fingerprint(blob);
  if (options.host_key_fingerprint.empty())
    return CheckKnownHosts(session, options, blob, type, presented);
  std::string pinned = NormalizeFingerprint(options.host_key_fingerprint);
  if (pinned == presented) return HostKeyCheck{};
  return Refused(HostKeyVerdict::kMismatch,
                 Changed(options, pinned, presented, "the pinned hostKey"));
}

namespace {

// The libssh2 host key type of a key blob, from the type name it starts with.
int HostKeyTypeOfBlob(std::string_view blob) {
  const std::string name = KeyTypeName(blob);
  if (name == "ssh-ed25519") return LIBSSH2_HOSTKEY_TYPE_ED25519;
  if (name == "ecdsa-sha2-nistp256") return LIBSSH2_HOSTKEY_TYPE_ECDSA_256;
  if (name == "ecdsa-sha2-nistp384") return LIBSSH2_HOSTKEY_TYPE_ECDSA_384;
  if (name == "ecdsa-sha2-nistp521") return LIBSSH2_HOSTKEY_TYPE_ECDSA_521;
  if (name == "ssh-rsa") return LIBSSH2_HOSTKEY_TYPE_RSA;
  if (name == "ssh-dss") return LIBSSH2_HOSTKEY_TYPE_DSS;
  return LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
}

}  // namespace

Status VerifyHostKeyBlob(std::string_view blob, const SshOptions& options,
                         std::string_view pin_where) {
  if (blob.empty()) return Status(Code::kPermissionDenied, "the server presented no host key");
  const std::string presented = Sha256Fingerprint(blob);
  if (!options.host_key_fingerprint.empty()) {
    std::string pinned = NormalizeFingerprint(options.host_key_fingerprint);
    if (pinned == presented) return Status::Ok();
    return Changed(options, pinned, presented, "the pinned hostKey");
  }
  // libssh2's known_hosts functions want a session only for its allocator.
  std::unique_ptr<LIBSSH2_SESSION, int (*)(LIBSSH2_SESSION*)> session(libssh2_session_init(),
                                                                      &libssh2_session_free);
  if (!session) return Status(Code::kInternal, "libssh2_session_init failed");
  return CheckKnownHosts(session.get(), options, blob, HostKeyTypeOfBlob(blob), presented,
                         pin_where)
      .status;
}

Status RecordHostKey(LIBSSH2_SESSION* session, const SshOptions& options) {
  int type = LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
  std::string_view blob = SessionHostKey(session, &type);
  std::ofstream out(options.known_hosts_file, std::ios::app);
  out << KnownHostName(options) << ' ' << KeyTypeName(blob) << ' ' << Base64Encode(blob) << '\n';
  out.flush();
  if (!out)
    return Status(Code::kPermissionDenied, "cannot record the host key of " + HostPort(options) +
                                               " in " + options.known_hosts_file);
  return Status::Ok();
}

const char* const kHostKeyAlgorithms[] = {"ssh-ed25519", "ecdsa-sha2-nistp256",
                                          "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"};
const char* const kHostKeyPreference =
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa";

}  // namespace dflow
