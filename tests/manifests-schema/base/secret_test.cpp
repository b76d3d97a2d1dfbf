#include "manifests-schema/base/secret.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace dflow {
namespace {

std::string Streamed(const Secret& secret) {
  std::ostringstream out;
  out << "token=" << secret;
  return out.str();
}

TEST_CASE("a Secret prints *** and reveals its value only when asked") {
  const Secret secret("hunter2-CANARY");
  CHECK(Streamed(secret) == "token=***");
  CHECK(secret.Reveal() == "hunter2-CANARY");
  CHECK_FALSE(secret.empty());
  CHECK(Secret().empty());
  CHECK(Secret("a") == Secret("a"));
  CHECK_FALSE(Secret("a") == Secret("b"));
}

TEST_CASE("a secret file loses one trailing line break, LF or CRLF, and nothing else") {
  test::ScopedTempDir dir;
  struct Case {
    std::string content;
    std::string value;
  };
  const Case cases[] = {
      {"tok3n", "tok3n"},
      {"tok3n\n", "tok3n"},
      {"tok3n\r\n", "tok3n"},
      {"", ""},
      {"\n", ""},
      {" spaced tok3n ", " spaced tok3n "},
      {"a@b:c/d\n", "a@b:c/d"},
      {"tok3n\r", "tok3n"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.content);
    const std::string path = (dir.path() / "secret").string();
    test::WriteFile(path, c.content);
    Result<Secret> read = ReadSecretFile(path, "repo.tokenFile");
    REQUIRE(read.ok());
    CHECK(read->Reveal() == c.value);
  }
}

TEST_CASE("a secret file of more than one line is refused without showing its content") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "secret").string();
  for (const std::string content : {"first\nsecond\n", "tok3n\n\n", "tok3n\r\r", "a\rb"}) {
    CAPTURE(content);
    test::WriteFile(path, content);
    Result<Secret> read = ReadSecretFile(path, "forge.tokenFile");
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == Code::kInvalidArgument);
    CHECK(read.status().message() ==
          "forge.tokenFile " + path +
              " holds more than one line (a secret is one line, optionally ending in a line "
              "break)");
  }
}

TEST_CASE("a missing, unreadable or oversized secret file names the setting and the file") {
  test::ScopedTempDir dir;
  const std::string missing = (dir.path() / "missing").string();
  Result<Secret> read = ReadSecretFile(missing, "webhook.secretFile");
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == Code::kNotFound);
  CHECK(read.status().message() ==
        "cannot read webhook.secretFile " + missing + ": No such file or directory");

  read = ReadSecretFile(dir.path().string(), "webhook.secretFile");
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().message() ==
        "cannot read webhook.secretFile " + dir.path().string() + ": Is a directory");

  const std::string big = (dir.path() / "big").string();
  test::WriteFile(big, std::string(64 * 1024 + 1, 'x'));
  read = ReadSecretFile(big, "badges.tokenSecretFile");
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == Code::kInvalidArgument);
  CHECK(read.status().message() == "badges.tokenSecretFile " + big +
                                       " is larger than 65536 bytes (a secret file holds one "
                                       "line)");
  test::WriteFile(big, std::string(64 * 1024, 'x'));
  CHECK(ReadSecretFile(big, "badges.tokenSecretFile").ok());

  if (geteuid() != 0) {  // root reads anything
    const std::string locked = (dir.path() / "locked").string();
    test::WriteFile(locked, "tok3n");
    chmod(locked.c_str(), 0);
    read = ReadSecretFile(locked, "ssh.passphraseFile");
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == Code::kPermissionDenied);
    CHECK(read.status().message() ==
          "cannot read ssh.passphraseFile " + locked + ": Permission denied");
  }
}

TEST_CASE("an environment variable follows the same one-line rule, and unset is empty") {
  unsetenv("DFLOW_TEST_SECRET");
  CHECK(ReadSecretEnv("DFLOW_TEST_SECRET").value().empty());
  setenv("DFLOW_TEST_SECRET", "tok3n\r\n", 1);
  CHECK(ReadSecretEnv("DFLOW_TEST_SECRET").value().Reveal() == "tok3n");
  setenv("DFLOW_TEST_SECRET", "tok\n3n", 1);
  Result<Secret> read = ReadSecretEnv("DFLOW_TEST_SECRET");
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().message() ==
        "environment variable DFLOW_TEST_SECRET holds more than one line (a secret is one line, "
        "optionally ending in a line break)");
  unsetenv("DFLOW_TEST_SECRET");
}

TEST_CASE("a setting reads its file first, else its variable, else nothing") {
  test::ScopedTempDir dir;
  const std::string file = (dir.path() / "token").string();
  test::WriteFile(file, "from-file\n");
  setenv("DFLOW_TEST_SECRET", "from-env", 1);
  CHECK(ReadSecret(file, "DFLOW_TEST_SECRET", "repo.tokenFile").value().Reveal() == "from-file");
  CHECK(ReadSecret("", "DFLOW_TEST_SECRET", "repo.tokenFile").value().Reveal() == "from-env");
  CHECK(ReadSecret("", "", "repo.tokenFile").value().empty());
  CHECK(ReadSecret(file + ".missing", "DFLOW_TEST_SECRET", "repo.tokenFile").status().code() ==
        Code::kNotFound);
  unsetenv("DFLOW_TEST_SECRET");
}

TEST_CASE("URL credentials are scrubbed wherever a URL sits in the text") {
  struct Case {
    std::string text;
    std::string scrubbed;
  };
  const Case cases[] = {
      {"https://user:tok3n@git.example.com/a.git", "https://***@git.example.com/a.git"},
      {"https://tok3n@git.example.com/a.git", "https://***@git.example.com/a.git"},
      {"https://user:p@ss@git.example.com", "https://***@git.example.com"},
      {"https://u:p@host:8443?x=1#y", "https://***@host:8443?x=1#y"},
      {"https://u:p@host#frag", "https://***@host#frag"},
      {"fetch https://u:p@a.example/x: HTTP 401; retry https://v:q@b.example",
       "fetch https://***@a.example/x: HTTP 401; retry https://***@b.example"},
      {R"({"url":"https://u:p@host"})", R"({"url":"https://***@host"})"},
      {"https://git.example.com/a@b.git", "https://git.example.com/a@b.git"},
      {"git@github.com:acme/fleet.git", "git@github.com:acme/fleet.git"},
      {"ssh://git@host:22/x", "ssh://***@host:22/x"},
      {"file:///srv/x.git", "file:///srv/x.git"},
      {"https://@host/x", "https://@host/x"},
      {"see https:// and mail me@example.com", "see https:// and mail me@example.com"},
      {"", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(ScrubUrls(c.text) == c.scrubbed);
  }
}

TEST_CASE("known secret values are scrubbed everywhere, longer ones first") {
  CHECK(ScrubSecrets("fatal: could not read https://deploy:t0ken@git.example.com/",
                     std::vector<std::string>{"deploy:t0ken"}) ==
        "fatal: could not read https://***@git.example.com/");
  CHECK(ScrubSecrets("a tok tok a", std::vector<std::string>{"tok", ""}) == "a *** *** a");
  CHECK(ScrubSecrets("key=abcdef", std::vector<std::string>{"abc", "abcdef"}) == "key=***");
  CHECK(ScrubSecrets("x*y", std::vector<std::string>{"*"}) == "x***y");
  CHECK(ScrubSecrets("Bearer s3cr3t", std::vector<Secret>{Secret("s3cr3t")}) == "Bearer ***");
  CHECK(ScrubSecrets("nothing here", std::vector<Secret>{}) == "nothing here");
}

}  // namespace
}  // namespace dflow
