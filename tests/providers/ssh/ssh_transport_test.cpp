// The SSH transport against real OpenSSH servers on loopback (tests/support/sshd_fixture.h).
// The nodes here run small scripts instead of the Dokku simulator: bin/dokku prints its argv
// NUL-separated (or acts on a few keywords), and the dokku user's forced command re-splits
// SSH_ORIGINAL_COMMAND with xargs the way Dokku's does.
#include "providers/ssh/ssh_transport.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"
#include "tests/support/wait.h"

namespace dflow {
namespace {

using test::LoginStyle;
using test::SshdNode;
namespace fs = std::filesystem;

const char* kPrintingDokku = R"sh(#!/bin/sh
case "$1" in
  fail) echo "to stdout"; echo "to stderr" >&2; exit 3 ;;
  env) printf '%s\0' "$DOKKU_SIM_STATE" "$(command -v dokku)" ;;
  cat) exec cat ;;
  big) head -c "$2" /dev/zero; exit 0 ;;
  mark-sleep) touch "$2"; exec sleep "$3" ;;
  barrier)
    touch "$2/$$"
    i=0
    while [ "$(ls "$2" | wc -l)" -lt "$3" ]; do
      i=$((i + 1))
      if [ "$i" -gt 600 ]; then echo "barrier: only $(ls "$2" | wc -l) arrived" >&2; exit 1; fi
      sleep 0.05
    done
    echo released ;;
  *) printf '%s\0' "$@" ;;
esac
)sh";

// Dokku's forced command re-splits SSH_ORIGINAL_COMMAND with xargs (quotes honoured).
const char* kXargsForcedCommand = R"sh(#!/bin/bash
mapfile -d '' args < <(printf '%s\n' "$SSH_ORIGINAL_COMMAND" | xargs -n 1 printf '%s\0')
exec dokku "${args[@]}"
)sh";

test::SshdNodeOptions PrintingNode() {
  test::SshdNodeOptions options;
  options.dokku_script = kPrintingDokku;
  options.forced_command_script = kXargsForcedCommand;
  return options;
}

std::string Where(const SshdNode& node) {
  return node.user() + "@127.0.0.1:" + std::to_string(node.port());
}

std::string Prefix(const SshdNode& node) { return "ssh " + Where(node) + ": "; }

ExecResult RunOk(Transport& transport, const std::vector<std::string>& argv,
                 const ExecOptions& options = {}) {
  Result<ExecResult> result = transport.RunDokku(argv, options);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  return result.value();
}

std::vector<std::string> HostileArgv() {
  return {"config:set",
          "two words",
          "it's",
          "\"double\"",
          "'single'",
          "$(touch /tmp/dflow-pwned)",
          "`touch /tmp/dflow-pwned`",
          "a;b && c || d | e > f < g",
          "\\back\\slash\\",
          "tab\there",
          "glob * ? [a-z] ~",
          "dollar $HOME ${HOME}",
          "non-ascii: caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80",
          "'\\''",
          "#not-a-comment",
          "K=V='x'\"y\"",
          "BIG=" + std::string(32 << 10, 'v') + "'\"$(x)`y`;\t"};
}

std::string Base64Decode(const std::string& text) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0, value = 0;
  for (char c : text) {
    if (c == '=') break;
    value = (value << 6) | static_cast<int>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

TEST_CASE("hostile argv reaches dokku byte for byte in both login styles") {
  SshdNode node(PrintingNode());
  for (LoginStyle style : {LoginStyle::kDokkuUser, LoginStyle::kShellUser}) {
    CAPTURE(static_cast<int>(style));
    auto transport = MakeSshTransport(node.MakeOptions(style));
    ExecResult result = RunOk(*transport, HostileArgv());
    CHECK(test::SplitNul(result.out) == HostileArgv());
    CHECK(result.err == "");
    CHECK(result.exit_code == 0);
  }
  CHECK_FALSE(fs::exists("/tmp/dflow-pwned"));
}

TEST_CASE("exit status, stdout and stderr come back apart") {
  SshdNode node(PrintingNode());
  for (LoginStyle style : {LoginStyle::kDokkuUser, LoginStyle::kShellUser}) {
    auto transport = MakeSshTransport(node.MakeOptions(style));
    ExecResult result = RunOk(*transport, {"fail"});
    CHECK(result.exit_code == 3);
    CHECK(result.out == "to stdout\n");
    CHECK(result.err == "to stderr\n");
  }
}

TEST_CASE("both login styles run the node's dokku with the node's state dir") {
  SshdNode node(PrintingNode());
  for (LoginStyle style : {LoginStyle::kDokkuUser, LoginStyle::kShellUser}) {
    auto transport = MakeSshTransport(node.MakeOptions(style));
    CHECK(test::SplitNul(RunOk(*transport, {"env"}).out) ==
          std::vector<std::string>{node.state_dir().string(), (node.bin_dir() / "dokku").string()});
  }
}

TEST_CASE("stdin is sent whole and then closed") {
  SshdNode node(PrintingNode());
  auto transport = MakeSshTransport(node.MakeOptions());
  ExecOptions options;
  for (int i = 0; options.stdin_data.size() < (3u << 20); ++i)
    options.stdin_data += "line " + std::to_string(i) + "\n";
  ExecResult result = RunOk(*transport, {"cat"}, options);
  CHECK(result.out == options.stdin_data);
  CHECK(result.exit_code == 0);
}

TEST_CASE("a command that exits without reading its stdin ends with its own status") {
  // More stdin than the channel's window (2 MiB): the window never opens again once the
  // command is gone, so this waited for ever before.
  SshdNode node(PrintingNode());
  auto transport = MakeSshTransport(node.MakeOptions());
  ExecOptions options;
  options.stdin_data.assign(8u << 20, 'x');
  ExecResult result = RunOk(*transport, {"fail"}, options);
  CHECK(result.exit_code == 3);
  CHECK(result.err == "to stderr\n");
  CHECK(RunOk(*transport, {"fail"}).exit_code == 3);  // the connection is still usable
}

TEST_CASE("an argv the forced command cannot carry is refused before connecting") {
  SshdNode node(PrintingNode());
  auto transport = MakeSshTransport(node.MakeOptions(LoginStyle::kDokkuUser));
  Result<ExecResult> result = transport->RunDokku({"logs", "app", "-n"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kInvalidArgument);
  CHECK(result.status().message() ==
        Prefix(node) +
            "argument 3 cannot be sent to dokku: Dokku's forced command would drop it (it "
            "reads as an echo option)");
  CHECK(transport->Stats().connections_opened == 0);
}

TEST_CASE("a wrong pinned host key is refused and the presented key is named") {
  SshdNode node(PrintingNode());
  SshOptions options = node.MakeOptions();
  options.host_key_fingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  auto transport = MakeSshTransport(options);
  Result<ExecResult> result = transport->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  CHECK(result.status().message() ==
        Prefix(node) + "host key for 127.0.0.1:" + std::to_string(node.port()) +
            " has CHANGED: the pinned hostKey expects "
            "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA but the server presented " +
            node.host_key_fingerprint() +
            "; someone may be intercepting the connection (man-in-the-middle), or the node "
            "was reinstalled; check before trusting the new key");
  CHECK(transport->Stats().connections_opened == 0);
  CHECK(transport->Stats().commands_run == 0);
}

TEST_CASE("an unknown host key is refused with an empty known_hosts") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir dir;
  const std::string known_hosts = (dir.path() / "known_hosts").string();
  test::WriteFile(known_hosts, "");
  SshOptions options = node.MakeOptions();
  options.host_key_fingerprint.clear();
  options.known_hosts_file = known_hosts;
  Result<ExecResult> result = MakeSshTransport(options)->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  const std::string presented = node.host_key_fingerprint();
  CHECK(result.status().message() ==
        Prefix(node) + "host key for 127.0.0.1:" + std::to_string(node.port()) +
            " is not trusted: it is not in " + known_hosts +
            " (no hostKey pin); the server presented " + presented + "; pin it with hostKey: \"" +
            presented + "\" in the Node manifest or add it to known_hosts");
  CHECK(test::ReadFile(known_hosts) == "");
}

TEST_CASE("known_hosts entries are accepted, plain and hashed") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir dir;
  const std::string known_hosts = (dir.path() / "known_hosts").string();
  test::WriteFile(known_hosts, "# a comment\n@cert-authority *.example ssh-ed25519 AAAA\n" +
                                   node.known_hosts_line() + "\n");
  SshOptions options = node.MakeOptions();
  options.host_key_fingerprint.clear();
  options.known_hosts_file = known_hosts;
  CHECK(RunOk(*MakeSshTransport(options), {"apps:list"}).exit_code == 0);

  test::WriteFile(known_hosts, node.known_hosts_line() + "\n");
  test::Captured hashed = test::RunCapture({"/usr/bin/ssh-keygen", "-H", "-f", known_hosts}, "");
  REQUIRE(hashed.exit_code == 0);
  REQUIRE(test::ReadFile(known_hosts).rfind("|1|", 0) == 0);
  CHECK(RunOk(*MakeSshTransport(options), {"apps:list"}).exit_code == 0);
}

TEST_CASE("accept_new_host_key records an unknown key, later connections check it") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir dir;
  const std::string known_hosts = (dir.path() / "known_hosts").string();
  SshOptions options = node.MakeOptions();
  options.host_key_fingerprint.clear();
  options.known_hosts_file = known_hosts;
  options.accept_new_host_key = true;
  CHECK(RunOk(*MakeSshTransport(options), {"apps:list"}).exit_code == 0);
  CHECK(test::ReadFile(known_hosts) == node.known_hosts_line() + "\n");

  options.accept_new_host_key = false;
  CHECK(RunOk(*MakeSshTransport(options), {"apps:list"}).exit_code == 0);
  CHECK(test::ReadFile(known_hosts) == node.known_hosts_line() + "\n");
}

TEST_CASE("a changed host key is refused even with accept_new_host_key") {
  SshdNode node(PrintingNode());
  SshdNode other(PrintingNode());
  test::ScopedTempDir dir;
  const std::string known_hosts = (dir.path() / "known_hosts").string();
  // `other`'s key listed under `node`'s address: what a man in the middle looks like.
  std::string line = other.known_hosts_line();
  line = "[127.0.0.1]:" + std::to_string(node.port()) + line.substr(line.find(' '));
  test::WriteFile(known_hosts, line + "\n");
  SshOptions options = node.MakeOptions();
  options.host_key_fingerprint.clear();
  options.known_hosts_file = known_hosts;
  options.accept_new_host_key = true;
  Result<ExecResult> result = MakeSshTransport(options)->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  CHECK(result.status().message() ==
        Prefix(node) + "host key for 127.0.0.1:" + std::to_string(node.port()) +
            " has CHANGED: " + known_hosts + " expects " + other.host_key_fingerprint() +
            " but the server presented " + node.host_key_fingerprint() +
            "; someone may be intercepting the connection (man-in-the-middle), or the node "
            "was reinstalled; check before trusting the new key");
  CHECK(test::ReadFile(known_hosts) == line + "\n");
}

TEST_CASE("a host key marked @revoked is refused even when also listed") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir dir;
  const std::string known_hosts = (dir.path() / "known_hosts").string();
  std::string line = node.known_hosts_line();
  test::WriteFile(known_hosts, line + "\n@revoked * " + line.substr(line.find(' ') + 1) + "\n");
  SshOptions options = node.MakeOptions();
  options.host_key_fingerprint.clear();
  options.known_hosts_file = known_hosts;
  Result<ExecResult> result = MakeSshTransport(options)->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  CHECK(result.status().message() ==
        Prefix(node) + "host key for 127.0.0.1:" + std::to_string(node.port()) + " (" +
            node.host_key_fingerprint() + ") is marked @revoked in " + known_hosts);
}

test::SshdNodeOptions TwoHostKeys() {
  test::SshdNodeOptions options = PrintingNode();
  options.host_key_types = {"ed25519", "ecdsa"};
  return options;
}

TEST_CASE("a node with several host keys is trusted through any of them") {
  SshdNode node(TwoHostKeys());
  for (const std::string type : {"ecdsa", "ed25519"}) {
    CAPTURE(type);
    SshOptions options = node.MakeOptions();
    options.host_key_fingerprint = node.host_key_fingerprint(type);
    auto transport = MakeSshTransport(options);
    CHECK(RunOk(*transport, {"apps:list"}).exit_code == 0);
    CHECK(transport->Stats().connections_opened == 1);
  }
  test::ScopedTempDir dir;
  const std::string known_hosts = (dir.path() / "known_hosts").string();
  test::WriteFile(known_hosts, node.known_hosts_line("ecdsa") + "\n");
  SshOptions options = node.MakeOptions();
  options.host_key_fingerprint.clear();
  options.known_hosts_file = known_hosts;
  options.accept_new_host_key = true;  // must not add the ed25519 key: the host is known
  CHECK(RunOk(*MakeSshTransport(options), {"apps:list"}).exit_code == 0);
  CHECK(test::ReadFile(known_hosts) == node.known_hosts_line("ecdsa") + "\n");
}

TEST_CASE("a changed key of another type is reported, not taken as a new host") {
  SshdNode node(TwoHostKeys());
  SshdNode other(TwoHostKeys());
  test::ScopedTempDir dir;
  const std::string known_hosts = (dir.path() / "known_hosts").string();
  std::string line = other.known_hosts_line("ecdsa");
  line = "[127.0.0.1]:" + std::to_string(node.port()) + line.substr(line.find(' '));
  test::WriteFile(known_hosts, line + "\n");
  SshOptions options = node.MakeOptions();
  options.host_key_fingerprint.clear();
  options.known_hosts_file = known_hosts;
  options.accept_new_host_key = true;
  Result<ExecResult> result = MakeSshTransport(options)->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  CHECK(result.status().message() ==
        Prefix(node) + "host key for 127.0.0.1:" + std::to_string(node.port()) +
            " has CHANGED: " + known_hosts + " expects " + other.host_key_fingerprint("ecdsa") +
            " but the server presented " + node.host_key_fingerprint("ecdsa") +
            "; someone may be intercepting the connection (man-in-the-middle), or the node "
            "was reinstalled; check before trusting the new key");
  CHECK(test::ReadFile(known_hosts) == line + "\n");
}

TEST_CASE("Sha256Fingerprint matches ssh-keygen") {
  SshdNode node(PrintingNode());
  std::string line = node.known_hosts_line();
  std::string blob64 = line.substr(line.rfind(' ') + 1);
  CHECK(Sha256Fingerprint(Base64Decode(blob64)) == node.host_key_fingerprint());
}

TEST_CASE("a user key the node does not know is refused") {
  SshdNode node(PrintingNode());
  SshOptions options = node.MakeOptions();
  options.identity_files = {test::TestClientKeys().stranger};
  Result<ExecResult> result = MakeSshTransport(options)->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  CHECK(result.status().message() ==
        "ssh auth as " + Where(node) +
            " failed: no key was accepted (tried keys: " + test::TestClientKeys().stranger + ")");
}

TEST_CASE("ed25519, ecdsa and rsa keys log in") {
  SshdNode node(PrintingNode());
  const test::ClientKeys& keys = test::TestClientKeys();
  for (const std::string& key : {keys.ed25519, keys.ecdsa, keys.rsa}) {
    CAPTURE(key);
    SshOptions options = node.MakeOptions();
    options.identity_files = {key};
    CHECK(test::SplitNul(RunOk(*MakeSshTransport(options), {"apps:list"}).out) ==
          std::vector<std::string>{"apps:list"});
  }
}

TEST_CASE("keys are tried in order until one is accepted") {
  SshdNode node(PrintingNode());
  SshOptions options = node.MakeOptions();
  options.identity_files = {test::TestClientKeys().stranger, test::TestClientKeys().ecdsa};
  CHECK(RunOk(*MakeSshTransport(options), {"apps:list"}).exit_code == 0);
}

TEST_CASE("a passphrase-protected key logs in with its passphrase") {
  SshdNode node(PrintingNode());
  SshOptions options = node.MakeOptions();
  options.identity_files = {test::TestClientKeys().encrypted};
  options.passphrase = Secret(test::TestClientKeys().passphrase);
  CHECK(RunOk(*MakeSshTransport(options), {"apps:list"}).exit_code == 0);

  options.passphrase = Secret("wrong");
  Result<ExecResult> result = MakeSshTransport(options)->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  CHECK(result.status().message() ==
        "ssh auth as " + Where(node) +
            " failed: no key was accepted (tried keys: " + test::TestClientKeys().encrypted +
            " (unusable: Unable to extract public key from private key file: Wrong passphrase or "
            "invalid/unrecognized private key file format))");
}

// A real ssh-agent holding `keys` while the object lives.
class ScopedAgent {
 public:
  ScopedAgent(const fs::path& dir, const std::vector<std::string>& keys)
      : socket_((dir / "agent.sock").string()) {
    test::Captured started = test::RunCapture({"/usr/bin/ssh-agent", "-a", socket_, "-s"}, "");
    std::size_t at = started.out.find("SSH_AGENT_PID=");
    REQUIRE_MESSAGE(at != std::string::npos, (started.out + started.err));
    pid_ = std::atoi(started.out.c_str() + at + 14);
    for (const auto& key : keys) {
      test::Captured added =
          test::RunCapture({"/usr/bin/ssh-add", "-q", key}, "", {"SSH_AUTH_SOCK=" + socket_});
      REQUIRE_MESSAGE(added.exit_code == 0, added.err);
    }
    setenv("SSH_AUTH_SOCK", socket_.c_str(), 1);
  }
  ~ScopedAgent() {
    unsetenv("SSH_AUTH_SOCK");
    if (pid_ > 0) kill(pid_, SIGTERM);
  }

 private:
  std::string socket_;
  pid_t pid_ = -1;
};

TEST_CASE("keys held by ssh-agent log in") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir dir;
  ScopedAgent agent(dir.path(), {test::TestClientKeys().stranger, test::TestClientKeys().ecdsa});
  SshOptions options = node.MakeOptions();
  options.identity_files.clear();
  options.use_agent = true;
  CHECK(RunOk(*MakeSshTransport(options), {"apps:list"}).exit_code == 0);

  options.use_agent = false;
  Result<ExecResult> result = MakeSshTransport(options)->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message() ==
        "ssh auth as " + Where(node) + " failed: no key was accepted (tried keys: none)");
}

TEST_CASE("a refused ssh-agent key is named by its comment") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir dir;
  ScopedAgent agent(dir.path(), {test::TestClientKeys().stranger});
  SshOptions options = node.MakeOptions();
  options.identity_files = {test::TestClientKeys().stranger};
  options.use_agent = true;
  Result<ExecResult> result = MakeSshTransport(options)->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  CHECK(result.status().message() ==
        "ssh auth as " + Where(node) + " failed: no key was accepted (tried keys: " +
            test::TestClientKeys().stranger + ", ssh-agent key dflow-test-id_stranger)");
}

TEST_CASE("a refused connection names the address") {
  SshdNode node(PrintingNode());
  node.Stop();
  Result<ExecResult> result = MakeSshTransport(node.MakeOptions())->RunDokku({"apps:list"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kUnavailable);
  CHECK(result.status().message() == Prefix(node) + "connect: Connection refused");
}

TEST_CASE("many commands share one connection") {
  SshdNode node(PrintingNode());
  auto transport = MakeSshTransport(node.MakeOptions());
  for (int i = 0; i < 20; ++i)
    CHECK(test::SplitNul(RunOk(*transport, {"echo", std::to_string(i)}).out) ==
          std::vector<std::string>{"echo", std::to_string(i)});
  CHECK(transport->Stats().connections_opened == 1);
  CHECK(transport->Stats().commands_run == 20);
  CHECK(transport->Describe() == "ssh " + Where(node));
}

TEST_CASE("keepalives sent while idle keep the connection usable") {
  test::SshdNodeOptions node_options = PrintingNode();
  node_options.extra_config = "LogLevel DEBUG1";  // sshd then logs each global request
  SshdNode node(node_options);
  SshOptions options = node.MakeOptions();
  options.keepalive_interval = std::chrono::seconds(1);
  auto transport = MakeSshTransport(options);
  RunOk(*transport, {"apps:list"});
  // Idle until sshd has logged a keepalive (libssh2 counts its interval in whole seconds, so
  // this takes one or two); the limit only stops a broken test.
  REQUIRE(
      test::WaitUntil([&] { return node.Log().find("keepalive@libssh2.org") != std::string::npos; },
                      std::chrono::seconds(20), std::chrono::milliseconds(50)));
  CHECK(RunOk(*transport, {"apps:list"}).exit_code == 0);
  CHECK(transport->Stats().connections_opened == 1);
}

TEST_CASE("commands from several threads share one connection") {
  SshdNode node(PrintingNode());
  auto transport = MakeSshTransport(node.MakeOptions());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::vector<std::string> argv = {"echo", std::to_string(t), std::to_string(i)};
        Result<ExecResult> result = transport->RunDokku(argv);
        if (result.ok() && test::SplitNul(result->out) == argv) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(good == 20);
  CHECK(transport->Stats().connections_opened == 1);
  CHECK(transport->Stats().commands_run == 20);
}

TEST_CASE("RunDokkuMany runs up to max_channels commands at the same time") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir barrier;
  SshOptions options = node.MakeOptions();
  options.max_channels = 4;
  auto transport = MakeSshTransport(options);
  // Each command waits until all four have started: only concurrent channels get through.
  std::vector<std::vector<std::string>> argvs(4, {"barrier", barrier.path().string(), "4"});
  auto results = transport->RunDokkuMany(argvs);
  REQUIRE(results.size() == 4);
  for (auto& result : results) {
    REQUIRE_MESSAGE(result.ok(), result.status().ToString());
    CHECK(result->out == "released\n");
    CHECK(result->exit_code == 0);
  }
  CHECK(transport->Stats().connections_opened == 1);
}

TEST_CASE("RunDokkuFlow starts a follow-up while the rest still run, not after a round") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir barrier;
  auto transport = MakeSshTransport(node.MakeOptions());
  const std::vector<std::string> wait_for_two = {"barrier", barrier.path().string(), "2"};
  // The first call waits for a second arrival, which only the follow-up of `echo go` brings:
  // run in rounds, the first round would never end (the barrier gives up after 30 s).
  std::vector<std::size_t> asked;
  auto results = transport->RunDokkuFlow(
      {{wait_for_two, {}}, {{"echo", "go"}, {}}}, {},
      [&](std::size_t id, const Result<ExecResult>& result) -> std::vector<DokkuCall> {
        asked.push_back(id);
        REQUIRE_MESSAGE(result.ok(), result.status().ToString());
        if (id == 1) return {{wait_for_two, {}}, {{"echo", "third"}, {}}};
        return {};
      });
  REQUIRE(results.size() == 4);
  for (auto& result : results) REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  CHECK(results[0]->out == "released\n");
  CHECK(test::SplitNul(results[1]->out) == std::vector<std::string>{"echo", "go"});
  CHECK(results[2]->out == "released\n");
  CHECK(test::SplitNul(results[3]->out) == std::vector<std::string>{"echo", "third"});
  std::sort(asked.begin(), asked.end());
  CHECK(asked == std::vector<std::size_t>{0, 1, 2, 3});  // each result is handed over once
  CHECK(transport->Stats().connections_opened == 1);
  CHECK(transport->Stats().commands_run == 4);
}

TEST_CASE("RunDokkuFlow: a call that cannot be sent still gets its follow-ups asked") {
  SshdNode node(PrintingNode());
  SshOptions options = node.MakeOptions();
  auto transport = MakeSshTransport(options);
  const std::string too_long(40000, 'x');
  auto results = transport->RunDokkuFlow(
      {{{"echo", too_long}, {}}}, {},
      [&](std::size_t id, const Result<ExecResult>& result) -> std::vector<DokkuCall> {
        if (id == 0) {
          CHECK(result.status().code() == Code::kInvalidArgument);
          return {{{"echo", "after"}, {}}};
        }
        return {};
      });
  REQUIRE(results.size() == 2);
  CHECK_FALSE(results[0].ok());
  REQUIRE_MESSAGE(results[1].ok(), results[1].status().ToString());
  CHECK(test::SplitNul(results[1]->out) == std::vector<std::string>{"echo", "after"});

  node.Stop();  // nothing listens now: every call, follow-ups included, fails as unreachable
  auto down = MakeSshTransport(options);
  int asked = 0;
  auto failed =
      down->RunDokkuFlow({{{"echo", "1"}, {}}}, {},
                         [&](std::size_t, const Result<ExecResult>&) -> std::vector<DokkuCall> {
                           return ++asked < 3 ? std::vector<DokkuCall>{{{"echo", "more"}, {}}}
                                              : std::vector<DokkuCall>{};
                         });
  CHECK(asked == 3);
  REQUIRE(failed.size() == 3);
  for (auto& result : failed) CHECK(result.status().code() == Code::kUnavailable);
}

TEST_CASE("RunDokkuFlow bounds each call by its own timeout") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir marks;
  auto transport = MakeSshTransport(node.MakeOptions());
  ExecOptions options;
  options.timeout = std::chrono::seconds(60);
  const std::string mark = (marks.path() / "started").string();
  auto results = transport->RunDokkuFlow(
      {{{"mark-sleep", mark, "30"}, std::chrono::milliseconds(1500)}, {{"echo", "quick"}, {}}},
      options, nullptr);
  REQUIRE(results.size() == 2);
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].status().code() == Code::kTimeout);
  CHECK(results[0].status().message() ==
        Prefix(node) + "dokku mark-sleep: timed out after 1500 ms");
  REQUIRE(results[1].ok());
}

TEST_CASE("RunDokkuMany keeps results in input order") {
  SshdNode node(PrintingNode());
  SshOptions options = node.MakeOptions(LoginStyle::kShellUser);
  options.max_channels = 3;
  auto transport = MakeSshTransport(options);
  std::vector<std::vector<std::string>> argvs;
  for (int i = 0; i < 10; ++i) argvs.push_back({"echo", std::to_string(i)});
  argvs.push_back({"fail"});
  auto results = transport->RunDokkuMany(argvs);
  REQUIRE(results.size() == 11);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(results[i].ok());
    CHECK(test::SplitNul(results[i]->out) == argvs[i]);
  }
  REQUIRE(results[10].ok());
  CHECK(results[10]->exit_code == 3);
  CHECK(transport->Stats().connections_opened == 1);
  CHECK(transport->Stats().commands_run == 11);
}

TEST_CASE("output over max_output is an error, and the next command reconnects") {
  SshdNode node(PrintingNode());
  auto transport = MakeSshTransport(node.MakeOptions());
  ExecOptions options;
  options.max_output = 1000;
  Result<ExecResult> result = transport->RunDokku({"big", "100000"}, options);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kFailed);
  CHECK(result.status().message() ==
        Prefix(node) + "dokku big: stdout went over the limit of 1000 bytes");
  CHECK(RunOk(*transport, {"big", "1000"}, options).out == std::string(1000, '\0'));
  CHECK(transport->Stats().connections_opened == 2);
}

TEST_CASE("one command over its limits fails alone, the others of the batch complete") {
  SshdNode node(PrintingNode());
  auto transport = MakeSshTransport(node.MakeOptions());
  ExecOptions options;
  options.max_output = 1000;
  auto results = transport->RunDokkuMany({{"big", "100000"}, {"echo", "a"}, {"fail"}}, options);
  REQUIRE(results.size() == 3);
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].status().message() ==
        Prefix(node) + "dokku big: stdout went over the limit of 1000 bytes");
  REQUIRE(results[1].ok());
  CHECK(test::SplitNul(results[1]->out) == std::vector<std::string>{"echo", "a"});
  REQUIRE(results[2].ok());
  CHECK(results[2]->exit_code == 3);
}

TEST_CASE("a command running past its timeout fails, and the next one reconnects") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir dir;
  auto transport = MakeSshTransport(node.MakeOptions());
  ExecOptions options;
  options.timeout = std::chrono::milliseconds(1500);
  auto start = std::chrono::steady_clock::now();
  Result<ExecResult> result =
      transport->RunDokku({"mark-sleep", (dir.path() / "m").string(), "60"}, options);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kTimeout);
  CHECK(result.status().message() == Prefix(node) + "dokku mark-sleep: timed out after 1500 ms");
  CHECK(RunOk(*transport, {"apps:list"}).exit_code == 0);
  CHECK(transport->Stats().connections_opened == 2);
}

TEST_CASE("a frozen node times out within the bound while another node answers") {
  SshdNode frozen(PrintingNode());
  SshdNode healthy(PrintingNode());
  auto to_frozen = MakeSshTransport(frozen.MakeOptions());
  auto to_healthy = MakeSshTransport(healthy.MakeOptions());
  RunOk(*to_frozen, {"apps:list"});
  frozen.Freeze();
  ExecOptions options;
  options.timeout = std::chrono::milliseconds(1500);
  auto start = std::chrono::steady_clock::now();
  Result<ExecResult> result = to_frozen->RunDokku({"apps:list"}, options);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kTimeout);
  CHECK(result.status().message() == Prefix(frozen) + "dokku apps:list: timed out after 1500 ms");
  CHECK(RunOk(*to_healthy, {"apps:list"}).exit_code == 0);

  // A new connection to the frozen node times out in the handshake.
  start = std::chrono::steady_clock::now();
  result = to_frozen->RunDokku({"apps:list"}, options);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kTimeout);
  CHECK(result.status().message() == Prefix(frozen) + "handshake: timed out after 1500 ms");

  frozen.Thaw();
  CHECK(RunOk(*to_frozen, {"apps:list"}).exit_code == 0);
  CHECK(to_frozen->Stats().connections_opened == 2);
}

TEST_CASE("after a restart the same transport reconnects once") {
  SshdNode node(PrintingNode());
  auto transport = MakeSshTransport(node.MakeOptions());
  RunOk(*transport, {"apps:list"});
  CHECK(transport->Stats().connections_opened == 1);
  node.Restart();
  CHECK(RunOk(*transport, {"apps:list"}).exit_code == 0);
  CHECK(RunOk(*transport, {"apps:list"}).exit_code == 0);
  CHECK(transport->Stats().connections_opened == 2);
}

TEST_CASE("a connection that dies mid-command is unavailable and the command is not re-run") {
  SshdNode node(PrintingNode());
  test::ScopedTempDir dir;
  const fs::path marker = dir.path() / "started";
  auto transport = MakeSshTransport(node.MakeOptions());
  RunOk(*transport, {"apps:list"});
  std::thread killer([&] {
    test::WaitUntil([&] { return fs::exists(marker); }, std::chrono::seconds(30));
    node.Kill();
  });
  Result<ExecResult> result = transport->RunDokku({"mark-sleep", marker.string(), "60"});
  killer.join();
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kUnavailable);
  CHECK(result.status().message().rfind(
            Prefix(node) + "connection dropped while dokku mark-sleep ran (", 0) == 0);
  CHECK(result.status().message().find("; it was not run again") != std::string::npos);
  CHECK(transport->Stats().commands_run == 2);
  fs::remove(marker);
  node.Restart();
  CHECK(RunOk(*transport, {"apps:list"}).exit_code == 0);
  CHECK_FALSE(fs::exists(marker));
  CHECK(transport->Stats().connections_opened == 2);
}

}  // namespace
}  // namespace dflow
