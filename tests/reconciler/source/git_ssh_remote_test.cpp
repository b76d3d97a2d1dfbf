// The config repo over ssh://: libgit2's ssh transport against a real OpenSSH server on
// loopback, with the server's host key checked like a node's (pin, else known_hosts).
#include <doctest/doctest.h>

#include "reconciler/source/git_mirror.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow {
namespace {

struct SshRemoteRig {
  test::ScopedTempDir dir;
  test::SshdNode server;
  std::unique_ptr<test::GitRepo> origin;
  std::string head;

  SshRemoteRig() {
    origin = std::make_unique<test::GitRepo>(dir.path() / "origin");
    origin->Write("env.yaml", "kind: Environment\n");
    head = origin->CommitAll("over ssh");
  }

  GitRemoteOptions Options() const {
    GitRemoteOptions options;
    options.url = "ssh://" + server.user() + "@127.0.0.1:" + std::to_string(server.port()) +
                  origin->path().string();
    options.ssh_key = test::TestClientKeys().shell;
    return options;
  }
  std::string Mirror(const std::string& name) const { return (dir.path() / name).string(); }
};

TEST_CASE("a config repo is fetched over ssh:// when the server's key is pinned") {
  SshRemoteRig rig;
  GitRemoteOptions options = rig.Options();
  options.host_key = rig.server.host_key_fingerprint();
  auto fetched = FetchIntoMirror(options, rig.Mirror("pinned.git"));
  REQUIRE_MESSAGE(fetched.ok(), fetched.status().ToString());
  CHECK(fetched->id == rig.head);
  CHECK(fetched->summary == "over ssh");
}

TEST_CASE("a config repo is fetched over ssh:// when the server's key is in known_hosts") {
  SshRemoteRig rig;
  GitRemoteOptions options = rig.Options();
  options.known_hosts_file = (rig.dir.path() / "known_hosts").string();
  test::WriteFile(options.known_hosts_file, rig.server.known_hosts_line() + "\n");
  auto fetched = FetchIntoMirror(options, rig.Mirror("known.git"));
  REQUIRE_MESSAGE(fetched.ok(), fetched.status().ToString());
  CHECK(fetched->id == rig.head);
}

TEST_CASE("an ssh:// config repo whose host key is wrong or unknown is refused, and says how") {
  SshRemoteRig rig;
  const std::string presented = rig.server.host_key_fingerprint();

  GitRemoteOptions wrong_pin = rig.Options();
  wrong_pin.host_key = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  auto changed = FetchIntoMirror(wrong_pin, rig.Mirror("a.git"));
  REQUIRE_FALSE(changed.ok());
  CHECK(changed.status().code() == Code::kPermissionDenied);
  CHECK(changed.status().message().find("CHANGED") != std::string::npos);
  CHECK(changed.status().message().find(presented) != std::string::npos);

  GitRemoteOptions unknown = rig.Options();
  unknown.known_hosts_file = (rig.dir.path() / "empty_known_hosts").string();
  test::WriteFile(unknown.known_hosts_file, "");
  auto untrusted = FetchIntoMirror(unknown, rig.Mirror("b.git"));
  REQUIRE_FALSE(untrusted.ok());
  CHECK(untrusted.status().code() == Code::kPermissionDenied);
  CHECK(untrusted.status().message().find("repo.hostKey") != std::string::npos);
  CHECK(untrusted.status().message().find(presented) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(rig.Mirror("b.git") + "/refs/heads/main"));
}

TEST_CASE("host and port of ssh remote URLs") {
  CHECK(SshRemoteHostOf("ssh://git@example.com:2222/team/config.git").host == "example.com");
  CHECK(SshRemoteHostOf("ssh://git@example.com:2222/team/config.git").port == 2222);
  CHECK(SshRemoteHostOf("ssh://example.com/config.git").port == 22);
  CHECK(SshRemoteHostOf("ssh://git@[::1]:2200/x").host == "::1");
  CHECK(SshRemoteHostOf("ssh://git@[::1]:2200/x").port == 2200);
  CHECK(SshRemoteHostOf("git@example.com:team/config.git").host == "example.com");
  CHECK(SshRemoteHostOf("git@example.com:team/config.git").port == 22);
  CHECK(SshRemoteHostOf("https://example.com/config.git").port == 0);
  CHECK(SshRemoteHostOf("/srv/config.git").port == 0);
  CHECK(SshRemoteHostOf("file:///srv/config.git").port == 0);
}

}  // namespace
}  // namespace dflow
