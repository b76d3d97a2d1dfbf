#include "tests/support/sshd_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/wait.h"

namespace dflow::test {
namespace {

namespace fs = std::filesystem;

const char* kSshd = "/usr/sbin/sshd";
const char* kKeygen = "/usr/bin/ssh-keygen";

void MakeKey(const fs::path& path, const std::string& type, const std::string& passphrase) {
  std::vector<std::string> argv = {
      kKeygen, "-q",         "-t", type,
      "-N",    passphrase,   "-C", "dflow-test-" + path.filename().string(),
      "-f",    path.string()};
  if (type == "rsa") argv.insert(argv.end(), {"-b", "2048"});
  Captured made = RunCapture(argv, "");
  if (made.exit_code != 0) throw std::runtime_error("ssh-keygen " + type + ": " + made.err);
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string CurrentUser() {
  passwd* entry = getpwuid(getuid());
  if (!entry) throw std::runtime_error("no passwd entry for the current user");
  return entry->pw_name;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool PortAccepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

void WriteExecutable(const fs::path& path, const std::string& content) {
  WriteFile(path, content);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
}

struct ProcStat {
  char state = 'X';  // 'X' when the process is gone
  pid_t ppid = -1;
};

// State and parent of `pid` from /proc/<pid>/stat.
ProcStat ReadStat(pid_t pid) {
  const std::string stat = ReadProcFile(pid, "stat");
  std::size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return {};
  std::istringstream fields(stat.substr(close_paren + 2));
  ProcStat result;
  fields >> result.state >> result.ppid;
  return result;
}

bool Gone(pid_t pid) {
  char state = ReadStat(pid).state;
  return state == 'X' || state == 'Z';
}

bool Stopped(pid_t pid) {
  char state = ReadStat(pid).state;
  return state == 'T' || Gone(pid);
}

// Signals are asynchronous: waits until every process has acted on one, so that a test never
// races a server that is still half alive.
template <typename Predicate>
void WaitAll(const std::vector<pid_t>& pids, Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (pid_t pid : pids) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!WaitUntil([&] { return done(pid); }, left))
      throw std::runtime_error("process " + std::to_string(pid) + " did not act on a signal");
  }
}

// `root` and all its descendants (sshd children call setsid, so no process group covers
// them); parents come before their children.
std::vector<pid_t> ProcessTree(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> all;  // pid, ppid
  for (const auto& entry : fs::directory_iterator("/proc")) {
    pid_t pid = static_cast<pid_t>(std::atoi(entry.path().filename().c_str()));
    if (pid > 0) all.emplace_back(pid, ParentOf(pid));
  }
  std::vector<pid_t> tree = {root};
  for (std::size_t i = 0; i < tree.size(); ++i)
    for (const auto& [pid, ppid] : all)
      if (ppid == tree[i]) tree.push_back(pid);
  return tree;
}

std::string SimulatorExe() { return DFLOW_DOKKU_SIM_EXE; }

}  // namespace

const ClientKeys& TestClientKeys() {
  static ScopedTempDir dir;
  static const ClientKeys keys = [] {
    ClientKeys k;
    fs::path base = dir.path();
    k.passphrase = "correct horse battery staple";
    k.ed25519 = (base / "id_ed25519").string();
    k.ecdsa = (base / "id_ecdsa").string();
    k.rsa = (base / "id_rsa").string();
    k.encrypted = (base / "id_encrypted").string();
    k.shell = (base / "id_shell").string();
    k.stranger = (base / "id_stranger").string();
    MakeKey(k.ed25519, "ed25519", "");
    MakeKey(k.ecdsa, "ecdsa", "");
    MakeKey(k.rsa, "rsa", "");
    MakeKey(k.encrypted, "ed25519", k.passphrase);
    MakeKey(k.shell, "ed25519", "");
    MakeKey(k.stranger, "ed25519", "");
    return k;
  }();
  return keys;
}

SshdNode::SshdNode(SshdNodeOptions options) : options_(std::move(options)), user_(CurrentUser()) {
  WriteFiles();
  // The free port can be taken by someone else before sshd binds it: try a few.
  for (int attempt = 0;; ++attempt) {
    port_ = FreePort();
    try {
      Start();
      return;
    } catch (const std::runtime_error&) {
      if (attempt == 4) throw;
    }
  }
}

SshdNode::~SshdNode() {
  if (pid_ > 0) {
    SignalTree(SIGKILL);
    Reap();
  }
}

void SshdNode::WriteFiles() {
  for (const std::string& type : options_.host_key_types) host_keys_.push_back(MakeHostKey(type));
  fs::create_directories(state_dir());
  WriteExecutable(dir() / "forced-command",
                  options_.forced_command_script.empty()
                      ? "#!/bin/sh\nexec '" + SimulatorExe() + "' --ssh-forced-command\n"
                      : options_.forced_command_script);
  // `dokku` on the PATH is the simulator itself (a link, not a script that execs it: one
  // process less per Dokku call, which the benchmarks count).
  if (options_.dokku_script.empty()) {
    fs::create_directories(bin_dir());
    fs::remove(bin_dir() / "dokku");
    fs::create_symlink(SimulatorExe(), bin_dir() / "dokku");
  } else {
    WriteExecutable(bin_dir() / "dokku", options_.dokku_script);
  }
  const ClientKeys& keys = TestClientKeys();
  // Exactly the options Dokku's sshcommand acl-add writes.
  const std::string forced = "command=\"" + (dir() / "forced-command").string() +
                             "\",no-agent-forwarding,no-user-rc,no-X11-forwarding,"
                             "no-port-forwarding ";
  std::string authorized;
  for (const auto& key : {keys.ed25519, keys.ecdsa, keys.rsa, keys.encrypted})
    authorized += forced + FirstLine(ReadFile(key + ".pub")) + "\n";
  authorized += FirstLine(ReadFile(keys.shell + ".pub")) + "\n";
  WriteFile(dir() / "authorized_keys", authorized);
}

SshdNode::HostKey SshdNode::MakeHostKey(const std::string& type) const {
  HostKey key;
  key.path = dir() / ("ssh_host_" + type + "_key");
  MakeKey(key.path, type, "");
  std::istringstream pub(FirstLine(ReadFile(key.path.string() + ".pub")));
  std::string algorithm, blob;
  pub >> algorithm >> blob;
  key.pub = algorithm + " " + blob;
  Captured listed = RunCapture({kKeygen, "-lf", key.path.string() + ".pub"}, "");
  std::istringstream fields(listed.out);
  std::string bits;
  fields >> bits >> key.fingerprint;
  if (key.fingerprint.rfind("SHA256:", 0) != 0)
    throw std::runtime_error("ssh-keygen -lf: " + listed.out + listed.err);
  return key;
}

const SshdNode::HostKey& SshdNode::FindHostKey(const std::string& type) const {
  for (const HostKey& key : host_keys_)
    if (key.path.filename() == "ssh_host_" + type + "_key") return key;
  throw std::runtime_error("the node has no " + type + " host key");
}

const std::string& SshdNode::host_key_fingerprint(const std::string& type) const {
  return FindHostKey(type).fingerprint;
}

std::string SshdNode::known_hosts_line(const std::string& type) const {
  return "[" + host_ + "]:" + std::to_string(port_) + " " + FindHostKey(type).pub;
}

std::string SshdNode::SshdConfig() const {
  const std::string path = bin_dir().string() + ":/usr/local/bin:/usr/bin:/bin";
  const std::vector<std::string> lines = {
      // sshd keeps the first value it reads for a keyword: the extra lines go first to win.
      options_.extra_config,
      "Port " + std::to_string(port_),
      "ListenAddress 127.0.0.1",
      "PidFile " + (dir() / "sshd.pid").string(),
      "AuthorizedKeysFile " + (dir() / "authorized_keys").string(),
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin yes",
      "PubkeyAuthentication yes",
      // libssh2 1.10 signs with RSA keys only as ssh-rsa (SHA-1), which OpenSSH 8.8+ refuses
      // by default.
      "PubkeyAcceptedAlgorithms +ssh-rsa",
      "UseDNS no",
      "PrintMotd no",
      "MaxSessions 32",
      "MaxStartups 64",
      "LogLevel VERBOSE",
      // HOME is the node's folder, so the login shell never sources the real user's
      // ~/.bashrc (on developer machines that can cost more than Dokku itself).
      "SetEnv PATH=" + path + " DOKKU_SIM_STATE=" + state_dir().string() + " HOME=" +
          dir().string() + (options_.environment.empty() ? "" : " ") + options_.environment,
  };
  std::string config;
  for (const auto& line : lines) config += line + "\n";
  for (const HostKey& key : host_keys_) config += "HostKey " + key.path.string() + "\n";
  return config;
}

void SshdNode::Start() {
  const fs::path config = dir() / "sshd_config";
  WriteFile(config, SshdConfig());
  if (getuid() == 0) fs::create_directories("/run/sshd");
  const std::string log = (dir() / "sshd.log").string();
  pid_t pid = fork();
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execl(kSshd, kSshd, "-D", "-e", "-f", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  bool exited = false;
  const bool accepting = WaitUntil(
      [&] {
        int status = 0;
        exited = exited || waitpid(pid_, &status, WNOHANG) == pid_;
        return exited || PortAccepts(port_);
      },
      std::chrono::seconds(20), std::chrono::milliseconds(20));
  if (exited) {
    pid_ = -1;
    throw std::runtime_error("sshd exited at start: " + Log());
  }
  if (!accepting) {
    Kill();
    throw std::runtime_error("sshd did not accept connections: " + Log());
  }
}

std::string SshdNode::Log() const { return ReadFile(dir() / "sshd.log"); }

SshOptions SshdNode::MakeOptions(LoginStyle style) const {
  SshOptions options;
  options.host = host_;
  options.port = port_;
  options.user = user_;
  const ClientKeys& keys = TestClientKeys();
  options.identity_files = {style == LoginStyle::kDokkuUser ? keys.ed25519 : keys.shell};
  options.use_agent = false;
  options.host_key_fingerprint = host_key_fingerprint();
  options.shell =
      style == LoginStyle::kDokkuUser ? RemoteShell::kDokkuForcedCommand : RemoteShell::kPosixShell;
  return options;
}

std::vector<pid_t> SshdNode::SignalTree(int signal) {
  if (pid_ <= 0) return {};
  // Collect first: once the listener dies its children move to another parent.
  std::vector<pid_t> tree = ProcessTree(pid_);
  for (pid_t pid : tree) kill(pid, signal);
  return tree;
}

void SshdNode::Reap() {
  if (pid_ <= 0) return;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void SshdNode::Stop() {
  SignalTree(SIGCONT);  // a frozen process cannot act on SIGTERM
  std::vector<pid_t> tree = SignalTree(SIGTERM);
  Reap();
  WaitAll(tree, Gone);
}

void SshdNode::Kill() {
  std::vector<pid_t> tree = SignalTree(SIGKILL);
  Reap();
  WaitAll(tree, Gone);
}

void SshdNode::Freeze() { WaitAll(SignalTree(SIGSTOP), Stopped); }

void SshdNode::Thaw() { SignalTree(SIGCONT); }

void SshdNode::Restart() {
  Stop();
  Start();
}

}  // namespace dflow::test
