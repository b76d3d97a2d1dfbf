// The controller's fetch in a child process: the real `dflow __fetch-mirror` against real Git
// repos, and stand-in executables (shell scripts) to see exactly what a child is given.
#include "reconciler/source/fetch_process.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// An executable script standing in for dflow, so a test can see what the child receives.
std::string Script(const std::filesystem::path& dir, const std::string& body) {
  const auto path = dir / "fake-dflow";
  test::WriteFile(path, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path.string();
}

TEST_CASE("the child fetches into the mirror and reports the head like FetchIntoMirror") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.Write("env.yaml", "kind: Environment\n");
  const std::string first = origin.CommitAll("first commit");
  GitRemoteOptions options;
  options.url = "file://" + origin.path().string();
  const std::string mirror = (dir.path() / "mirror.git").string();
  FetchProcessOptions process;
  process.executable = DFLOW_EXE;

  auto fetched = FetchIntoMirrorInChild(options, mirror, process);
  REQUIRE_MESSAGE(fetched.ok(), fetched.status().ToString());
  CHECK(fetched->id == first);
  CHECK(fetched->changed);
  CHECK(fetched->summary == "first commit");
  CHECK(fetched->author == "dflow-test <test@dflow.invalid>");

  auto again = FetchIntoMirrorInChild(options, mirror, process);
  REQUIRE(again.ok());
  CHECK_FALSE(again->changed);

  origin.Write("env.yaml", "kind: Environment # 2\n");
  const std::string second = origin.CommitAll("second");
  auto newer = FetchIntoMirrorInChild(options, mirror, process);
  REQUIRE(newer.ok());
  CHECK(newer->id == second);
  CHECK(newer->changed);
}

TEST_CASE("the child's errors come back with their code and message") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.Write("a.yaml", "a: 1\n");
  origin.CommitAll("one");
  FetchProcessOptions process;
  process.executable = DFLOW_EXE;
  const std::string mirror = (dir.path() / "mirror.git").string();

  GitRemoteOptions missing_branch;
  missing_branch.url = "file://" + origin.path().string();
  missing_branch.branch = "no-such-branch";
  auto not_found = FetchIntoMirrorInChild(missing_branch, mirror, process);
  REQUIRE_FALSE(not_found.ok());
  CHECK(not_found.status().code() == Code::kNotFound);
  CHECK(not_found.status().message().find("no-such-branch") != std::string::npos);

  GitRemoteOptions gone;
  gone.url = "file://" + (dir.path() / "nowhere").string();
  auto unavailable = FetchIntoMirrorInChild(gone, mirror, process);
  REQUIRE_FALSE(unavailable.ok());
  CHECK(unavailable.status().code() == Code::kUnavailable);
}

TEST_CASE("credentials reach the child on stdin only, never in its argv or environment") {
  test::ScopedTempDir dir;
  FetchProcessOptions process;
  process.executable =
      Script(dir.path(), "printf '%s\\n' \"$@\" > '" + (dir.path() / "argv").string() +
                             "'\nenv > '" + (dir.path() / "env").string() + "'\ncat > '" +
                             (dir.path() / "stdin").string() +
                             "'\necho '{\"code\":0,\"id\":\"abc123\"}'\n");
  GitRemoteOptions options;
  options.url = "https://git.example.com/team/config.git";
  options.token = Secret("tok-SECRET-1234");
  options.ssh_passphrase = Secret("pass-SECRET-5678");
  options.host_key = "SHA256:pinned-key";
  options.known_hosts_file = "/etc/dflow/known_hosts";

  auto fetched = FetchIntoMirrorInChild(options, (dir.path() / "m").string(), process);
  REQUIRE_MESSAGE(fetched.ok(), fetched.status().ToString());
  CHECK(fetched->id == "abc123");
  for (const char* file : {"argv", "env"}) {
    const std::string seen = ReadAll(dir.path() / file);
    CHECK_MESSAGE(seen.find("SECRET") == std::string::npos, file);
  }
  CHECK(ReadAll(dir.path() / "argv") == "--log-level\nwarn\n__fetch-mirror\n");
  const std::string request = ReadAll(dir.path() / "stdin");
  CHECK(request.find("tok-SECRET-1234") != std::string::npos);
  CHECK(request.find("pass-SECRET-5678") != std::string::npos);
  CHECK(request.find("SHA256:pinned-key") != std::string::npos);
  CHECK(request.find("/etc/dflow/known_hosts") != std::string::npos);
}

TEST_CASE("a child that hangs is killed at the timeout, one that answers nonsense is an error") {
  test::ScopedTempDir dir;
  GitRemoteOptions options;
  options.url = "https://user:hunter2@git.example.com/config.git";

  FetchProcessOptions hanging;
  hanging.executable = Script(dir.path(), "exec sleep 600\n");
  hanging.timeout = std::chrono::milliseconds(300);
  auto timed_out = FetchIntoMirrorInChild(options, (dir.path() / "m").string(), hanging);
  REQUIRE_FALSE(timed_out.ok());
  CHECK(timed_out.status().code() == Code::kTimeout);
  CHECK(timed_out.status().message().find("hunter2") == std::string::npos);

  test::ScopedTempDir other;
  FetchProcessOptions nonsense;
  nonsense.executable = Script(other.path(), "cat >/dev/null\necho 'not json'\n");
  auto garbled = FetchIntoMirrorInChild(options, (dir.path() / "m").string(), nonsense);
  REQUIRE_FALSE(garbled.ok());
  CHECK(garbled.status().code() == Code::kInternal);

  test::ScopedTempDir third;
  FetchProcessOptions failing;
  failing.executable = Script(third.path(), "cat >/dev/null\nexit 3\n");
  auto failed = FetchIntoMirrorInChild(options, (dir.path() / "m").string(), failing);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().message().find("exited with status 3") != std::string::npos);

  FetchProcessOptions absent;
  absent.executable = (dir.path() / "no-such-binary").string();
  auto not_started = FetchIntoMirrorInChild(options, (dir.path() / "m").string(), absent);
  REQUIRE_FALSE(not_started.ok());
  CHECK(not_started.status().code() == Code::kInternal);
}

TEST_CASE("a cancelled fetch kills its child at once, whatever the timeout") {
  test::ScopedTempDir dir;
  GitRemoteOptions options;
  options.url = "https://git.example.com/config.git";
  FetchProcessOptions process;
  process.executable = Script(dir.path(), "exec sleep 600\n");
  process.timeout = std::chrono::hours(1);  // were cancelling broken, the test would time out
  int polls = 0;
  process.cancelled = [&polls] { return ++polls > 2; };  // the controller's Stop(), mid-fetch
  auto cancelled = FetchIntoMirrorInChild(options, (dir.path() / "m").string(), process);
  REQUIRE_FALSE(cancelled.ok());
  CHECK(cancelled.status().code() == Code::kTimeout);
  CHECK(cancelled.status().message() ==
        "fetch https://git.example.com/config.git: cancelled: the controller is stopping");
}

TEST_CASE("ServeFetchRequest refuses a request that is not a fetch request") {
  std::istringstream garbage("not json");
  std::ostringstream out;
  CHECK(ServeFetchRequest(garbage, out) != 0);
  std::istringstream no_url(R"({"mirrorDir":"/tmp/x"})");
  CHECK(ServeFetchRequest(no_url, out) != 0);
  CHECK(out.str().empty());
}

}  // namespace
}  // namespace dflow
