#include "providers/ssh/ssh_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "manifests-schema/base/leak_check.h"
#include "manifests-schema/base/text.h"
#include "providers/ssh/ssh_host_key.h"

namespace dflow {
namespace {

using Clock = SshConnection::Clock;

void InitLibssh2Once() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

int MillisUntil(Clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
}

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// Waits for a non-blocking connect() to finish; returns the socket error (0 on success) or
// ETIMEDOUT.
int FinishConnect(int fd, Clock::time_point deadline) {
  while (true) {
    pollfd pfd{fd, POLLOUT, 0};
    int n = poll(&pfd, 1, MillisUntil(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) {
      if (Clock::now() >= deadline) return ETIMEDOUT;
      continue;
    }
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    return error;
  }
}

// Connects to one address; returns the fd or -errno.
int ConnectAddress(const addrinfo* ai, Clock::time_point deadline) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return -errno;
  int error = 0;
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    error = errno == EINPROGRESS ? FinishConnect(fd, deadline) : errno;
  }
  if (error != 0) {
    close(fd);
    return -error;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  return fd;
}

std::string ErrorName(int libssh2_rc) { return "libssh2 error " + std::to_string(libssh2_rc); }

}  // namespace

std::string SshHostPort(const SshOptions& options) {
  const bool ipv6 = options.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
}

std::string DescribeSsh(const SshOptions& options) {
  return "ssh " + options.user + "@" + SshHostPort(options);
}

bool IsSessionFatal(int rc) {
  switch (rc) {
    case LIBSSH2_ERROR_CHANNEL_FAILURE:
    case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
    case LIBSSH2_ERROR_CHANNEL_CLOSED:
    case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
    case LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED:
    case LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED:
    case LIBSSH2_ERROR_CHANNEL_UNKNOWN:
    case LIBSSH2_ERROR_CHANNEL_OUTOFORDER:
      return false;
    default:
      return rc < 0 && rc != LIBSSH2_ERROR_EAGAIN;
  }
}

Result<std::unique_ptr<SshConnection>> SshConnection::Open(const SshOptions& options,
                                                           std::chrono::milliseconds budget) {
  InitLibssh2Once();
  const Clock::time_point deadline = Clock::now() + budget;
  auto first = Handshaken(options, budget, deadline, kHostKeyPreference);
  if (!first.ok()) return first.status().WithContext(DescribeSsh(options));
  auto trusted = ChooseTrusted(std::move(first).value(), options, budget, deadline);
  if (!trusted.ok()) return trusted.status().WithContext(DescribeSsh(options));
  std::unique_ptr<SshConnection> conn = std::move(trusted).value();
  // The auth failure names user@host:port itself.
  Status status = conn->Authenticate(options, deadline);
  if (!status.ok()) {
    conn->MarkBroken();  // nothing to say goodbye to
    return status;
  }
  return conn;
}

Result<std::unique_ptr<SshConnection>> SshConnection::Handshaken(const SshOptions& options,
                                                                 std::chrono::milliseconds budget,
                                                                 Clock::time_point deadline,
                                                                 const char* host_key_algorithms) {
  std::unique_ptr<SshConnection> conn(new SshConnection());
  conn->budget_ = budget;
  Status status = conn->ConnectSocket(options, deadline);
  if (status.ok()) status = conn->Handshake(options, deadline, host_key_algorithms);
  if (!status.ok()) {
    conn->MarkBroken();
    return status;
  }
  return conn;
}

// A server usually has several host keys (ed25519, ecdsa, rsa) and shows one per connection.
// When the first one shown is not the trusted one, the others are asked for in turn: the
// server proves it holds whichever key a handshake shows, so any trusted one will do. Only
// when none is trusted, and none contradicts known_hosts, may an unknown key be recorded.
Result<std::unique_ptr<SshConnection>> SshConnection::ChooseTrusted(
    std::unique_ptr<SshConnection> first, const SshOptions& options,
    std::chrono::milliseconds budget, Clock::time_point deadline) {
  HostKeyCheck check = CheckHostKey(first->session_, options);
  if (check.verdict == HostKeyVerdict::kTrusted) return first;
  if (check.verdict == HostKeyVerdict::kRefused) return check.status;
  const bool can_trust = !options.host_key_fingerprint.empty() || !options.known_hosts_file.empty();
  const char* shown = libssh2_session_methods(first->session_, LIBSSH2_METHOD_HOSTKEY);
  Status refusal = check.status;
  bool mismatch = check.verdict == HostKeyVerdict::kMismatch;
  for (const char* algorithm : kHostKeyAlgorithms) {
    if (!can_trust || (shown && std::strcmp(shown, algorithm) == 0)) continue;
    auto other = Handshaken(options, budget, deadline, algorithm);
    if (!other.ok()) {
      if (other.status().code() == Code::kTimeout) return other.status();
      continue;  // the server has no key of this type
    }
    HostKeyCheck other_check = CheckHostKey((*other)->session_, options);
    if (other_check.verdict == HostKeyVerdict::kTrusted) return std::move(other).value();
    if (other_check.verdict == HostKeyVerdict::kRefused) return other_check.status;
    if (other_check.verdict == HostKeyVerdict::kMismatch && !mismatch) {
      mismatch = true;  // a changed key is the news to report, not an unknown one
      refusal = other_check.status;
    }
  }
  if (mismatch || !options.accept_new_host_key || !options.host_key_fingerprint.empty() ||
      options.known_hosts_file.empty())
    return refusal;
  Status recorded = RecordHostKey(first->session_, options);
  if (!recorded.ok()) return recorded;
  return first;
}

SshConnection::~SshConnection() {
  if (session_) {
    if (!broken_) {
      // A polite goodbye, but never wait long for it.
      Drive([&] { return libssh2_session_disconnect(session_, "dflow closing"); },
            Clock::now() + std::chrono::seconds(1));
    }
    // From here on every send/recv fails at once (see Send/Recv), so freeing channels that
    // still wait for the server cannot block or write into a reused descriptor.
    broken_ = true;
    libssh2_session_free(session_);
  }
  if (fd_ >= 0) close(fd_);
}

Status SshConnection::ConnectSocket(const SshOptions& options, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::string port = std::to_string(options.port);
  int gai = getaddrinfo(options.host.c_str(), port.c_str(), &hints, &list);
  if (gai != 0)
    return Status(Code::kUnavailable, "resolve " + options.host + ": " + gai_strerror(gai));
  int last = -ECONNREFUSED;
  for (addrinfo* ai = list; ai && fd_ < 0; ai = ai->ai_next) {
    int fd = ConnectAddress(ai, deadline);
    if (fd >= 0)
      fd_ = fd;
    else
      last = fd;
  }
  freeaddrinfo(list);
  if (fd_ >= 0) return Status::Ok();
  if (last == -ETIMEDOUT)
    return Status(Code::kTimeout, "connect: timed out after " + Millis(budget_));
  return Status(Code::kUnavailable, std::string("connect: ") + std::strerror(-last));
}

Status SshConnection::Handshake(const SshOptions& options, Clock::time_point deadline,
                                const char* host_key_algorithms) {
  session_ = libssh2_session_init_ex(nullptr, nullptr, nullptr, this);
  if (!session_) return Status(Code::kInternal, "libssh2_session_init failed");
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_SEND,
                               reinterpret_cast<void*>(&SshConnection::Send));
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_RECV,
                               reinterpret_cast<void*>(&SshConnection::Recv));
  libssh2_session_set_blocking(session_, 0);
  if (libssh2_session_method_pref(session_, LIBSSH2_METHOD_HOSTKEY, host_key_algorithms) != 0)
    return Status(Code::kInternal,
                  std::string("host key algorithms ") + host_key_algorithms + ": " + LastError());
  // No reply wanted: libssh2 never consumes keepalive replies, they would pile up.
  libssh2_keepalive_config(session_, 0, static_cast<unsigned>(options.keepalive_interval.count()));
  return DriveStatus(
      "handshake", [&] { return libssh2_session_handshake(session_, fd_); }, deadline);
}

Status SshConnection::DriveStatus(const char* what, const std::function<int()>& op,
                                  Clock::time_point deadline) {
  return ErrorStatus(what, Drive(op, deadline));
}

Status SshConnection::ErrorStatus(const char* what, int rc) const {
  if (rc == 0) return Status::Ok();
  if (rc == LIBSSH2_ERROR_TIMEOUT)
    return Status(Code::kTimeout, std::string(what) + ": timed out after " + Millis(budget_));
  std::string message = LastError();
  return Status(Code::kUnavailable,
                std::string(what) + ": " + (message.empty() ? ErrorName(rc) : message));
}

namespace {

bool IsRefusal(int rc) {
  return rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED || rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED;
}

}  // namespace

Status SshConnection::Authenticate(const SshOptions& options, Clock::time_point deadline) {
  std::vector<std::string> tried;  // for the message: paths and agent key comments, no secrets
  int rc = AuthWithKeyFiles(options, deadline, tried);
  if (rc == kNotAccepted) rc = AuthWithAgent(options, deadline, tried);
  if (rc == 0) return Status::Ok();
  if (rc != kNotAccepted) return ErrorStatus("auth", rc).WithContext(DescribeSsh(options));
  return Status(Code::kPermissionDenied, "ssh auth as " + options.user + "@" +
                                             SshHostPort(options) +
                                             " failed: no key was accepted (tried keys: " +
                                             (tried.empty() ? "none" : Join(tried, ", ")) + ")");
}

int SshConnection::AuthWithKeyFiles(const SshOptions& options, Clock::time_point deadline,
                                    std::vector<std::string>& tried) {
  const char* passphrase =
      options.passphrase.empty() ? nullptr : options.passphrase.Reveal().c_str();
  for (const auto& path : options.identity_files) {
    // No public key path: libssh2 derives it from the private key (checked with ed25519,
    // ecdsa, rsa and encrypted OpenSSH-format keys on libssh2 1.10 with OpenSSL).
    // libssh2 1.10 (Debian 12) leaks the private exponent BIGNUM it makes while deriving the
    // public key of an OpenSSH-format ECDSA key file (gen_publickey_from_ecdsa_openssh_priv_data:
    // BN_new, BN_bin2bn, never BN_free), 56 bytes per login.
    LeaksIgnoredHere libssh2_leaks;
    int rc = Drive(
        [&] {
          return libssh2_userauth_publickey_fromfile_ex(session_, options.user.c_str(),
                                                        static_cast<unsigned>(options.user.size()),
                                                        nullptr, path.c_str(), passphrase);
        },
        deadline);
    if (rc == 0) return 0;
    if (rc == LIBSSH2_ERROR_FILE) {
      tried.push_back(path + " (unusable: " + LastError() + ")");
    } else if (IsRefusal(rc)) {
      tried.push_back(path);
    } else {
      return rc;
    }
  }
  return kNotAccepted;
}

int SshConnection::AuthWithAgent(const SshOptions& options, Clock::time_point deadline,
                                 std::vector<std::string>& tried) {
  const char* agent_socket = std::getenv("SSH_AUTH_SOCK");
  if (!options.use_agent || !agent_socket || !*agent_socket) return kNotAccepted;
  std::unique_ptr<LIBSSH2_AGENT, void (*)(LIBSSH2_AGENT*)> agent(libssh2_agent_init(session_),
                                                                 [](LIBSSH2_AGENT* a) {
                                                                   libssh2_agent_disconnect(a);
                                                                   libssh2_agent_free(a);
                                                                 });
  if (!agent || libssh2_agent_connect(agent.get()) != 0 ||
      libssh2_agent_list_identities(agent.get()) != 0)
    return kNotAccepted;  // no usable agent: as if it held no key
  libssh2_agent_publickey* identity = nullptr;
  libssh2_agent_publickey* previous = nullptr;
  while (libssh2_agent_get_identity(agent.get(), &identity, previous) == 0) {
    previous = identity;
    int rc =
        Drive([&] { return libssh2_agent_userauth(agent.get(), options.user.c_str(), identity); },
              deadline);
    tried.push_back(std::string("ssh-agent key ") +
                    (identity->comment && *identity->comment ? identity->comment : "?"));
    if (rc == 0 || !IsRefusal(rc)) return rc;
  }
  return kNotAccepted;
}

int SshConnection::Drive(const std::function<int()>& op, Clock::time_point deadline) {
  while (true) {
    int rc = op();
    if (rc != LIBSSH2_ERROR_EAGAIN) return rc;
    if (Clock::now() >= deadline) return LIBSSH2_ERROR_TIMEOUT;
    if (!WaitSocket(deadline)) return LIBSSH2_ERROR_SOCKET_RECV;
  }
}

bool SshConnection::WaitSocket(Clock::time_point until) {
  if (broken_) return false;
  short events = POLLIN;
  if (session_ && (libssh2_session_block_directions(session_) & LIBSSH2_SESSION_BLOCK_OUTBOUND))
    events |= POLLOUT;
  pollfd pfd{fd_, events, 0};
  int n = poll(&pfd, 1, MillisUntil(until));
  return n >= 0 || errno == EINTR;
}

std::string SshConnection::LastError() const {
  if (!session_) return "";
  char* message = nullptr;
  int length = 0;
  libssh2_session_last_error(session_, &message, &length, 0);
  return message ? std::string(message, static_cast<std::size_t>(length)) : "";
}

ssize_t SshConnection::Send(libssh2_socket_t fd, const void* buffer, size_t length, int flags,
                            void** abstract) {
  auto* self = static_cast<SshConnection*>(*abstract);
  if (self->broken_) return -ECONNABORTED;
  ssize_t n = send(fd, buffer, length, flags | MSG_NOSIGNAL);
  if (n < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  self->io_bytes_ += static_cast<std::uint64_t>(n);
  return n;
}

ssize_t SshConnection::Recv(libssh2_socket_t fd, void* buffer, size_t length, int flags,
                            void** abstract) {
  auto* self = static_cast<SshConnection*>(*abstract);
  if (self->broken_) return -ECONNABORTED;
  ssize_t n = recv(fd, buffer, length, flags);
  if (n < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  self->io_bytes_ += static_cast<std::uint64_t>(n);
  return n;
}

}  // namespace dflow
