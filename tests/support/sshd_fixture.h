// SshdNode: a real OpenSSH server on loopback, standing in for a Dokku node in tests.
//
// One unix user (whoever runs the tests), two login styles told apart by the key used:
//   - kDokkuUser: the key's authorized_keys line carries a forced command, exactly as Dokku's
//     sshcommand writes it; the forced command runs the Dokku simulator with
//     --ssh-forced-command (it re-splits SSH_ORIGINAL_COMMAND like Dokku does).
//   - kShellUser: a key without forced command; `dokku` on the PATH sshd sets is a script in
//     the node's bin dir that runs the simulator.
// The simulator keeps the node's state in state_dir() (DOKKU_SIM_STATE).
// Test code: failures throw std::runtime_error (doctest reports them).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "providers/ssh/ssh_transport.h"
#include "tests/support/process.h"

namespace dflow::test {

enum class LoginStyle { kDokkuUser, kShellUser };

// Client keys, made once per test process and shared by every node. All of them are in
// each node's authorized_keys except `stranger`.
struct ClientKeys {
  std::string ed25519;     // dokku user (forced command)
  std::string ecdsa;       // dokku user
  std::string rsa;         // dokku user (sshd also accepts ssh-rsa signatures: libssh2 1.10)
  std::string encrypted;   // ed25519 with `passphrase`, dokku user
  std::string passphrase;  // of `encrypted`
  std::string shell;       // ed25519, shell user (no forced command)
  std::string stranger;    // ed25519, not authorized anywhere
};
const ClientKeys& TestClientKeys();

struct SshdNodeOptions {
  // Contents of the forced-command script of the dokku user's keys; sshd runs it with
  // SSH_ORIGINAL_COMMAND set. Empty: `exec <simulator> --ssh-forced-command`.
  std::string forced_command_script;
  // Contents of bin/dokku, first on the PATH of every session. Empty: a link to the simulator.
  std::string dokku_script;
  // Host key types (ssh-keygen -t), made once: Restart() keeps them.
  std::vector<std::string> host_key_types = {"ed25519"};
  // Extra sshd_config lines; they come first, so they override the fixture's own.
  std::string extra_config;
  // Extra `NAME=value` words (space-separated, no quoting) for every session's environment.
  std::string environment;
};

class SshdNode {
 public:
  // Makes the node's files and starts sshd; returns once the port accepts connections.
  explicit SshdNode(SshdNodeOptions options = {});
  ~SshdNode();  // kills sshd and everything it started, reaps it, removes the files
  SshdNode(const SshdNode&) = delete;
  SshdNode& operator=(const SshdNode&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1"
  int port() const { return port_; }
  const std::string& user() const { return user_; }  // the unix user that logs in
  // "SHA256:..." of the host key of `type` (one of SshdNodeOptions::host_key_types).
  const std::string& host_key_fingerprint(const std::string& type = "ed25519") const;
  // "[127.0.0.1]:<port> ssh-ed25519 AAAA..." as OpenSSH writes it in known_hosts.
  std::string known_hosts_line(const std::string& type = "ed25519") const;
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path state_dir() const { return dir() / "state"; }
  std::filesystem::path bin_dir() const { return dir() / "bin"; }
  std::string Log() const;  // sshd's log so far (LogLevel VERBOSE)
  pid_t pid() const { return pid_; }

  // Options to reach this node in `style`: host, port, user, the style's key, the pinned
  // host key, no agent, and the matching RemoteShell.
  SshOptions MakeOptions(LoginStyle style = LoginStyle::kDokkuUser) const;

  // Faults. Each signals sshd and every process it started (sessions, commands), and waits
  // until they all have acted on it.
  void Stop();     // SIGTERM: all exit
  void Kill();     // SIGKILL: all exit
  void Freeze();   // SIGSTOP: connections hang, nothing answers
  void Thaw();     // SIGCONT
  void Restart();  // Stop (if running) and start again: same port, same host key

 private:
  void WriteFiles();
  std::string SshdConfig() const;
  void Start();
  std::vector<pid_t> SignalTree(int signal);  // returns the processes signalled
  void Reap();

  SshdNodeOptions options_;
  ScopedTempDir dir_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::string user_;
  struct HostKey {
    std::filesystem::path path;
    std::string fingerprint;
    std::string pub;  // "ssh-ed25519 AAAA..."
  };
  HostKey MakeHostKey(const std::string& type) const;
  const HostKey& FindHostKey(const std::string& type) const;
  std::vector<HostKey> host_keys_;
  pid_t pid_ = -1;
};

}  // namespace dflow::test
