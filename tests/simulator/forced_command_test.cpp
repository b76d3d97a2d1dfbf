// `dokku-sim --ssh-forced-command` re-splits SSH_ORIGINAL_COMMAND like Dokku's forced
// command: checked against values rendered by dflow::RenderRemoteCommand and against the
// machine's real `xargs -n 1` + /bin/echo + readarray pipeline.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "providers/transport/shell_quote.h"
#include "tests/simulator/sim_fixture.h"

namespace dflow::test {
namespace {

std::vector<std::string> LastLoggedArgv(const Sim& sim) {
  auto lines = sim.LogLines();
  REQUIRE(!lines.empty());
  auto entry = nlohmann::json::parse(lines.back());
  return entry["argv"].get<std::vector<std::string>>();
}

// What the real dokku script would run for SSH_ORIGINAL_COMMAND=`command` (non-git path).
std::vector<std::string> RealXargsSplit(const std::string& command) {
  Captured c =
      RunCapture({"/bin/bash", "-c",
                  "readarray -t a < <(printf '%s' \"$1\" | xargs -n 1 2>/dev/null); printf '%s\\0' "
                  "\"${a[@]}\"",
                  "_", command},
                 "");
  REQUIRE(c.exit_code == 0);
  return SplitNul(c.out);
}

TEST_CASE("forced command: hostile config values round-trip through RenderRemoteCommand") {
  Sim sim;
  auto send = [&](const std::vector<std::string>& argv) {
    auto line = RenderRemoteCommand(argv, RemoteShell::kDokkuForcedCommand);
    REQUIRE(line.ok());
    return sim.Forced(line.value());
  };
  REQUIRE(send({"apps:create", "web"}).exit_code == 0);
  std::map<std::string, std::string> values = {
      {"QUOTE", "it's"},
      {"DQUOTE", "a \"b\" c"},
      {"SUBST", "$(touch /tmp/pwned) and ${HOME}"},
      {"BACKTICK", "`id`"},
      {"BACKSLASH", "back\\slash\\"},
      {"TAB", "tab\there"},
      {"UNICODE", "\xC3\xBC\x6E\xC3\xAF\x63\xC3\xB6\x64\xC3\xA9 \xE2\x9C\x93"},
      {"SHELL", "semi;colon && pipe | amp & gt > lt <"},
      {"SPACES", "  leading and trailing  "},
      {"GLOB", "* ? [a-z] ~"},
      {"HASH", "#not a comment"},
      {"EQUALS", "a=b=c"},
      {"DASHN", "-n"},
      {"EMPTY", ""},
  };
  std::vector<std::string> argv = {"config:set", "--no-restart", "web"};
  for (const auto& [k, v] : values) argv.push_back(k + "=" + v);
  Captured set = send(argv);
  INFO(set.err);
  REQUIRE(set.exit_code == 0);

  Captured exported = send({"config:export", "--format", "json", "web"});
  REQUIRE(exported.exit_code == 0);
  auto json = nlohmann::json::parse(exported.out);
  CHECK(json.get<std::map<std::string, std::string>>() == values);
  // Go's encoder escapes HTML characters.
  CHECK(exported.out.find("\\u0026\\u0026") != std::string::npos);
}

TEST_CASE("forced command: splitting matches the real xargs + echo pipeline") {
  Sim sim;
  const std::vector<std::string> commands = {
      "apps:list",
      "foo 'a b' \"c d\" e\\ f '' -n -e -E x ''",
      "foo '' ''",
      "foo ''",
      "foo -neE -nx -Ee -en",
      "foo\ta  \t b",
      "foo 'x\"y' \"p'q\" ab\"c d\"e",
      "foo 'unterminated",
      "foo \"a\\\"b\"",
      "foo \\' \\\\",
      "--quiet apps:list --format json",
      "foo --version",
      "foo --help",
      "   ",
      "foo $(id) `id` ; rm -rf / | cat",
      "foo '\xC3\xBC' \xE2\x9C\x93",
  };
  for (const auto& command : commands) {
    INFO("SSH_ORIGINAL_COMMAND=", command);
    sim.Forced(command);
    CHECK(LastLoggedArgv(sim) == RealXargsSplit(command));
  }
}

TEST_CASE("forced command: known cases") {
  Sim sim;
  sim.Forced("foo 'a b' '' -n -e x ''");
  CHECK(LastLoggedArgv(sim) == std::vector<std::string>{"foo", "a b", "", "", "x"});

  Captured unmatched = sim.Forced("apps:list 'oops");
  CHECK(unmatched.err.find("xargs: unmatched single quote; by default quotes are special to xargs "
                           "unless you use the -0 option\n") == 0);
  CHECK(LastLoggedArgv(sim) == std::vector<std::string>{"apps:list"});
}

TEST_CASE("forced command: a first word containing git is split on whitespace only") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Forced("git:sync web 'https://example.com/a b.git'");
  CHECK(LastLoggedArgv(sim) ==
        std::vector<std::string>{"git:sync", "web", "'https://example.com/a", "b.git'"});
  // Leading global flags are skipped before the check, as the dokku script shifts them.
  sim.Forced("--quiet git:sync web 'x y'");
  CHECK(LastLoggedArgv(sim) == std::vector<std::string>{"--quiet", "git:sync", "web", "'x", "y'"});
  // Any word merely containing "git" counts.
  sim.Forced("digital 'a b'");
  CHECK(LastLoggedArgv(sim) == std::vector<std::string>{"digital", "'a", "b'"});

  auto line =
      RenderRemoteCommand({"git:sync", "--build", "web", "https://example.com/r.git", "main"},
                          RemoteShell::kDokkuForcedCommand);
  REQUIRE(line.ok());
  Captured c = sim.Forced(line.value());
  CHECK(c.exit_code == 0);
  CHECK(sim.Run({"apps:report", "web", "--app-deploy-source"}).out == "git-sync\n");
}

TEST_CASE("forced command: empty SSH_ORIGINAL_COMMAND shows help") {
  Sim sim;
  Captured c = sim.Run({"--ssh-forced-command"});
  CHECK(c.exit_code == 0);
  CHECK(c.out.rfind(
            "Usage: dokku [--quiet|--trace|--force] COMMAND <app> [command-specific-options]\n",
            0) == 0);
}

}  // namespace
}  // namespace dflow::test
