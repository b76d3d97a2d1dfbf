// SshConnection: one established, verified and authenticated libssh2 session in non-blocking
// mode. Internal to providers/ (ssh_transport.cpp, ssh_exec.cpp); not thread-safe.
#pragma once

#include <libssh2.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "providers/ssh/ssh_transport.h"

namespace dflow {

class SshConnection {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects the socket, does the SSH handshake, verifies the host key and authenticates,
  // all within `budget`. Messages carry no "ssh user@host:port" prefix (the caller adds it)
  // except the auth failure, which names user@host:port itself.
  static Result<std::unique_ptr<SshConnection>> Open(const SshOptions& options,
                                                     std::chrono::milliseconds budget);

  // Status for libssh2 result `rc` of step `what` (OK for 0): kTimeout for
  // LIBSSH2_ERROR_TIMEOUT, else kUnavailable with libssh2's last error text.
  Status ErrorStatus(const char* what, int rc) const;

  // Drops the connection without waiting for the server when it is broken; otherwise sends
  // a disconnect message first (bounded by one second).
  ~SshConnection();
  SshConnection(const SshConnection&) = delete;
  SshConnection& operator=(const SshConnection&) = delete;

  LIBSSH2_SESSION* session() const { return session_; }

  // Calls `op` until it returns something other than LIBSSH2_ERROR_EAGAIN, waiting on the
  // socket in between; returns LIBSSH2_ERROR_TIMEOUT once `deadline` has passed.
  int Drive(const std::function<int()>& op, Clock::time_point deadline);

  // Waits until the socket is ready in the directions libssh2 is blocked on (always for
  // reading), or until `until`. Returns false on a poll failure.
  bool WaitSocket(Clock::time_point until);

  // libssh2's text for its last error, "" when none.
  std::string LastError() const;

  // Bytes moved through the socket so far, both ways: lets a multiplexing loop tell whether
  // a round of calls did any I/O before it sleeps.
  std::uint64_t io_bytes() const { return io_bytes_; }

  // A broken connection does no more I/O (every send/recv fails at once) and must be dropped.
  bool broken() const { return broken_; }
  void MarkBroken() { broken_ = true; }

 private:
  SshConnection() = default;
  // A connection after the handshake (host key not yet checked), asking the server for
  // host keys of `host_key_algorithms` (comma-separated, in order of preference).
  static Result<std::unique_ptr<SshConnection>> Handshaken(const SshOptions& options,
                                                           std::chrono::milliseconds budget,
                                                           Clock::time_point deadline,
                                                           const char* host_key_algorithms);
  // `first` when its host key is trusted, else a connection showing another, trusted, key
  // of the server, else (accept_new_host_key) `first` with its key recorded.
  static Result<std::unique_ptr<SshConnection>> ChooseTrusted(std::unique_ptr<SshConnection> first,
                                                              const SshOptions& options,
                                                              std::chrono::milliseconds budget,
                                                              Clock::time_point deadline);
  Status ConnectSocket(const SshOptions& options, Clock::time_point deadline);
  Status Handshake(const SshOptions& options, Clock::time_point deadline,
                   const char* host_key_algorithms);
  Status Authenticate(const SshOptions& options, Clock::time_point deadline);
  // 0 when a key was accepted, kNotAccepted when none was, else a libssh2 error. Append what
  // they tried to `tried`.
  static constexpr int kNotAccepted = 1;
  int AuthWithKeyFiles(const SshOptions& options, Clock::time_point deadline,
                       std::vector<std::string>& tried);
  int AuthWithAgent(const SshOptions& options, Clock::time_point deadline,
                    std::vector<std::string>& tried);
  Status DriveStatus(const char* what, const std::function<int()>& op, Clock::time_point deadline);

  static ssize_t Send(libssh2_socket_t fd, const void* buffer, size_t length, int flags,
                      void** abstract);
  static ssize_t Recv(libssh2_socket_t fd, void* buffer, size_t length, int flags, void** abstract);

  int fd_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  bool broken_ = false;
  std::uint64_t io_bytes_ = 0;
  std::chrono::milliseconds budget_{0};  // for "timed out after N ms" messages
};

// "host:port", "[::1]:port" for IPv6 addresses.
std::string SshHostPort(const SshOptions& options);

// "ssh user@host:port": the context of every error, never a secret.
std::string DescribeSsh(const SshOptions& options);

// True for libssh2 error codes after which the session is unusable (socket, protocol or
// crypto failures), false for errors that concern one channel only.
bool IsSessionFatal(int libssh2_rc);

}  // namespace dflow
