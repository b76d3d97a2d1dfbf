#include "providers/transport/shell_quote.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace dflow {
namespace {

// Words that must reach the remote argv byte for byte.
const std::vector<std::string> kHostile = {
    "plain",
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
    "-n-not-an-option",
    "--quiet-lookalike=1",
    "K=V='x'\"y\"",
};

// Splits a command line the way the node would and returns the argv it produced.
std::vector<std::string> SplitAsRemote(const std::string& line, RemoteShell shell) {
  std::string script;
  if (shell == RemoteShell::kPosixShell) {
    // "dokku" is the first word; replace it by a printer of its arguments.
    script = "dokku() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }; " + line;
    return test::SplitNul(test::RunCapture({"/bin/sh", "-c", script}, "").out);
  }
  // Dokku's forced command: the line is re-split by xargs, one token per invocation.
  return test::SplitNul(
      test::RunCapture({"/usr/bin/xargs", "-n", "1", "printf", "%s\\0"}, line).out);
}

TEST_CASE("hostile words survive a POSIX shell exactly") {
  for (const auto& word : kHostile) {
    CAPTURE(word);
    auto line = RenderRemoteCommand({"config:set", word}, RemoteShell::kPosixShell);
    REQUIRE(line.ok());
    CHECK(SplitAsRemote(*line, RemoteShell::kPosixShell) ==
          std::vector<std::string>{"config:set", word});
  }
}

TEST_CASE("a plain command (an edge) is sent without the dokku word, hostile words intact") {
  for (const auto& word : kHostile) {
    CAPTURE(word);
    auto line = RenderRemoteCommand({"printf", "%s\\0", word}, RemoteShell::kPosixCommand);
    REQUIRE(line.ok());
    CHECK(line->rfind("'printf' ", 0) == 0);
    CHECK(test::SplitNul(test::RunCapture({"/bin/sh", "-c", *line}, "").out) ==
          std::vector<std::string>{word});
  }
  CHECK_FALSE(
      RenderRemoteCommand({"printf", std::string("a\0b", 3)}, RemoteShell::kPosixCommand).ok());
}

TEST_CASE("hostile words survive Dokku's forced command (xargs) exactly") {
  for (const auto& word : kHostile) {
    CAPTURE(word);
    auto line = RenderRemoteCommand({"config:set", word}, RemoteShell::kDokkuForcedCommand);
    REQUIRE(line.ok());
    CHECK(SplitAsRemote(*line, RemoteShell::kDokkuForcedCommand) ==
          std::vector<std::string>{"config:set", word});
  }
}

TEST_CASE("newlines are carried by a shell but refused for the forced command") {
  const std::string word = "line1\nline2";
  auto posix = RenderRemoteCommand({"config:set", word}, RemoteShell::kPosixShell);
  REQUIRE(posix.ok());
  CHECK(SplitAsRemote(*posix, RemoteShell::kPosixShell) ==
        std::vector<std::string>{"config:set", word});
  auto forced = RenderRemoteCommand({"config:set", word}, RemoteShell::kDokkuForcedCommand);
  REQUIRE_FALSE(forced.ok());
  CHECK(forced.status().code() == Code::kInvalidArgument);
  CHECK(forced.status().message() ==
        "argument 2 cannot be sent to dokku: it contains a newline (use config:set --encoded "
        "for such values)");
}

TEST_CASE("tokens that /bin/echo would eat are refused for the forced command") {
  for (const std::string word : {"-n", "-e", "-E", "-neE", "--help", "--version"}) {
    CAPTURE(word);
    auto forced = RenderRemoteCommand({"logs", "app", word}, RemoteShell::kDokkuForcedCommand);
    CHECK_FALSE(forced.ok());
    CHECK(RenderRemoteCommand({"logs", "app", word}, RemoteShell::kPosixShell).ok());
  }
}

TEST_CASE("an empty word is carried by a shell but refused for the forced command") {
  auto posix = RenderRemoteCommand({"config:set", ""}, RemoteShell::kPosixShell);
  REQUIRE(posix.ok());
  CHECK(SplitAsRemote(*posix, RemoteShell::kPosixShell) ==
        std::vector<std::string>{"config:set", ""});
  CHECK_FALSE(RenderRemoteCommand({"config:set", ""}, RemoteShell::kDokkuForcedCommand).ok());
}

TEST_CASE("a NUL byte is refused everywhere") {
  const std::string word("a\0b", 3);
  CHECK_FALSE(RenderRemoteCommand({"config:set", word}, RemoteShell::kPosixShell).ok());
  CHECK_FALSE(RenderRemoteCommand({"config:set", word}, RemoteShell::kDokkuForcedCommand).ok());
}

TEST_CASE("git commands through the forced command are sent bare and refuse whitespace") {
  auto ok = RenderRemoteCommand({"git:sync", "--build", "app", "https://x/y.git", "v1"},
                                RemoteShell::kDokkuForcedCommand);
  REQUIRE(ok.ok());
  CHECK(*ok == "git:sync --build app https://x/y.git v1");
  CHECK_FALSE(
      RenderRemoteCommand({"git:sync", "app", "a b"}, RemoteShell::kDokkuForcedCommand).ok());
  CHECK_FALSE(
      RenderRemoteCommand({"git:sync", "app", "a'b"}, RemoteShell::kDokkuForcedCommand).ok());
  CHECK_FALSE(RenderRemoteCommand({"git:sync", "app", ""}, RemoteShell::kDokkuForcedCommand).ok());
}

TEST_CASE("ShellQuote wraps in single quotes and escapes single quotes") {
  CHECK(ShellQuote("abc") == "'abc'");
  CHECK(ShellQuote("") == "''");
  CHECK(ShellQuote("it's") == "'it'\\''s'");
}

TEST_CASE("the POSIX form starts with the dokku word") {
  auto line = RenderRemoteCommand({"--quiet", "apps:list"}, RemoteShell::kPosixShell);
  REQUIRE(line.ok());
  CHECK(*line == "dokku '--quiet' 'apps:list'");
}

}  // namespace
}  // namespace dflow
