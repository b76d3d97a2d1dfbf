#include "reconciler/controller/controller_config.h"

#include <doctest/doctest.h>

namespace dflow {
namespace {

TEST_CASE("a full controller config is read with its defaults filled") {
  auto result = ParseControllerConfig(R"(
repo:
  url: https://git.example.com/acme/fleet.git
  branch: production
  tokenFile: /etc/dflow/repo-token
ssh:
  identity: [/etc/dflow/id_ed25519, /etc/dflow/id_rsa]
  knownHosts: /etc/dflow/known_hosts
  connectTimeout: 5s
  maxSessions: 6
stateDir: /var/lib/dflow
listen: 0.0.0.0:9000
interval: 2m
concurrency: 16
webhook:
  secretEnv: DFLOW_WEBHOOK_SECRET
maxDeleteShare: 0.25
)",
                                      "dflow.yaml");
  REQUIRE(result.ok());
  const auto& c = result.config;
  CHECK(c.repo_url == "https://git.example.com/acme/fleet.git");
  CHECK(c.branch == "production");
  CHECK(c.ssh_identities == std::vector<std::string>{"/etc/dflow/id_ed25519", "/etc/dflow/id_rsa"});
  CHECK(c.connect_timeout == std::chrono::seconds(5));
  CHECK(c.command_timeout == std::chrono::seconds(600));
  CHECK(c.ssh_max_sessions == 6);
  CHECK(ParseControllerConfig("repo: {url: x}\n", "d.yaml").config.ssh_max_sessions == 10);
  CHECK(c.interval == std::chrono::seconds(120));
  CHECK(c.concurrency == 16);
  CHECK(c.webhook_secret_env == "DFLOW_WEBHOOK_SECRET");
  CHECK(c.max_delete_share == doctest::Approx(0.25));
  CHECK(c.history_keep == 1000);
}

TEST_CASE("every error of a bad config is reported with its place") {
  auto result = ParseControllerConfig(R"(repo:
  url: file:///srv/fleet.git
  brnch: main
interval: soon
concurrency: 0
webhook:
  secret: hunter2
colour: blue
)",
                                      "/etc/dflow/dflow.yaml");
  REQUIRE(result.errors.size() == 5);
  CHECK(result.errors[0].ToString() ==
        "/etc/dflow/dflow.yaml:3:3: unknown field 'repo.brnch' (known: url, branch, tokenFile, "
        "tokenEnv, sshKey, hostKey)");
  CHECK(result.errors[1].ToString() ==
        "/etc/dflow/dflow.yaml:4:11: interval must be a positive duration (write it like 30s, "
        "5m or 1h)");
  CHECK(result.errors[2].ToString() ==
        "/etc/dflow/dflow.yaml:5:14: concurrency must be a whole number from 1 to 256");
  CHECK(result.errors[3].message == "webhook.secret must not be written in the config file");
  CHECK(result.errors[3].ToString().find("hunter2") == std::string::npos);
  CHECK(result.errors[4].line == 8);
  CHECK(result.errors[4].message == "unknown field 'colour'");
}

TEST_CASE("missing repo url, invalid YAML and a missing file are refused") {
  auto no_repo = ParseControllerConfig("interval: 30s\n", "c.yaml");
  REQUIRE(no_repo.errors.size() == 1);
  CHECK(no_repo.errors[0].message == "repo.url is required");
  auto bad_yaml = ParseControllerConfig("repo: [unclosed\n", "c.yaml");
  REQUIRE(bad_yaml.errors.size() == 1);
  CHECK(bad_yaml.errors[0].message.starts_with("YAML syntax error: "));
  CHECK(bad_yaml.errors[0].hint == "check indentation, quotes and brackets");
  auto missing = LoadControllerConfig("/nonexistent/dflow.yaml");
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].message == "cannot read the controller config");
}

TEST_CASE("badges and the forge are read from their sections") {
  auto result = ParseControllerConfig(R"(repo: {url: file:///srv/fleet.git}
badges:
  enabled: false
  environments: [production]
  tokenSecretEnv: BADGE_SECRET
forge:
  kind: forgejo
  apiUrl: https://git.example.com
  repo: acme/fleet
  tokenFile: /etc/dflow/forge-token
)",
                                      "dflow.yaml");
  REQUIRE(result.ok());
  const auto& c = result.config;
  CHECK_FALSE(c.badges_enabled);
  CHECK(c.badge_environments == std::vector<std::string>{"production"});
  CHECK(c.badge_token_secret_env == "BADGE_SECRET");
  CHECK(c.forge_kind == "forgejo");
  CHECK(c.forge_api_url == "https://git.example.com");
  CHECK(c.forge_repo == "acme/fleet");
  CHECK(c.forge_token_file == "/etc/dflow/forge-token");
  auto defaults = ParseControllerConfig("repo: {url: x}\n", "dflow.yaml");
  CHECK(defaults.config.badges_enabled);
  CHECK(defaults.config.badge_environments.empty());
  CHECK(defaults.config.forge_kind.empty());
}

TEST_CASE("bad badges and forge sections are refused with their place") {
  auto result = ParseControllerConfig(R"(repo: {url: x}
badges:
  enabled: maybe
  environments: production
  tokenSecret: hunter2
forge:
  kind: bitbucket
  token: hunter3
)",
                                      "dflow.yaml");
  std::vector<std::string> errors;
  for (const auto& e : result.errors) errors.push_back(e.ToString());
  CHECK(errors == std::vector<std::string>{
                      "dflow.yaml:3:12: badges.enabled must be true or false",
                      "dflow.yaml:4:17: badges.environments must be a list of environment names",
                      "dflow.yaml:5:3: badges.tokenSecret must not be written in the config file "
                      "(put it in a file (badges.tokenSecretFile) or an env var "
                      "(badges.tokenSecretEnv))",
                      "dflow.yaml:8:3: forge.token must not be written in the config file (put it "
                      "in a file (forge.tokenFile) or an env var (forge.tokenEnv))",
                      "dflow.yaml:7:3: forge.kind must be github, gitea, forgejo or gitlab",
                      "dflow.yaml:7:3: forge.repo is required (owner/name (GitLab: group/project "
                      "or a project id))",
                      "dflow.yaml:7:3: forge needs tokenFile or tokenEnv (a token allowed to set "
                      "commit statuses)"});
}

TEST_CASE("numbers, lists and YAML types are checked with their place") {
  auto result = ParseControllerConfig(R"(repo: {url: x}
maxDeleteShare: .nan
ssh:
  identity: [/etc/dflow/key, [nested]]
  maxSessions: 2
historyKeep: '100'
allowMassDelete: yes
)",
                                      "dflow.yaml");
  std::vector<std::string> errors;
  std::string all;
  for (const auto& e : result.errors) {
    errors.push_back(e.ToString());
    all += e.ToString() + "\n";
  }
  INFO(all);
  CHECK(errors == std::vector<std::string>{
                      "dflow.yaml:2:17: maxDeleteShare must be a number from 0 to 1",
                      "dflow.yaml:4:30: ssh.identity must be a path or a list of paths",
                      "dflow.yaml:5:16: ssh.maxSessions must be a whole number from 3 to 1000",
                      "dflow.yaml:6:14: historyKeep must be a whole number from 10 to 1000000"});
  CHECK(result.config.ssh_identities == std::vector<std::string>{"/etc/dflow/key"});
  CHECK(result.config.allow_mass_delete);
  auto share = ParseControllerConfig("repo: {url: x}\nmaxDeleteShare: .5\n", "dflow.yaml");
  REQUIRE(share.ok());
  CHECK(share.config.max_delete_share == doctest::Approx(0.5));
}

TEST_CASE("a duplicated key and a second document are refused") {
  auto twice = ParseControllerConfig("repo: {url: x}\ninterval: 1m\ninterval: 2m\n", "c.yaml");
  REQUIRE(twice.errors.size() == 1);
  CHECK(twice.errors[0].line == 3);
  auto two_documents = ParseControllerConfig("repo: {url: x}\n---\nrepo: {url: y}\n", "c.yaml");
  REQUIRE(two_documents.errors.size() == 1);
  CHECK(two_documents.errors[0].message == "the controller config must be one YAML document");
}

TEST_CASE("durations") {
  CHECK(*ParseDuration("45") == std::chrono::seconds(45));
  CHECK(*ParseDuration("45s") == std::chrono::seconds(45));
  CHECK(*ParseDuration("3m") == std::chrono::seconds(180));
  CHECK(*ParseDuration("1h") == std::chrono::seconds(3600));
  CHECK_FALSE(ParseDuration("1d").ok());
  CHECK_FALSE(ParseDuration("m").ok());
  CHECK_FALSE(ParseDuration("").ok());
  CHECK_FALSE(ParseDuration("99999999999").ok());
}

TEST_CASE("a reload names the changed settings that only a restart applies") {
  auto parse = [](const std::string& text) {
    auto result = ParseControllerConfig(text, "dflow.yaml");
    REQUIRE(result.ok());
    return result.config;
  };
  const ControllerConfig running =
      parse("repo: {url: file:///srv/a.git}\ninterval: 1m\nconcurrency: 4\n");
  // What a reload applies is not listed.
  CHECK(SettingsNeedingRestart(running, parse("repo: {url: file:///srv/a.git}\ninterval: 5m\n"
                                              "concurrency: 2\nbadges: {enabled: false}\n"))
            .empty());
  CHECK(SettingsNeedingRestart(running, parse("repo: {url: file:///srv/b.git, branch: prod}\n"
                                              "listen: 127.0.0.1:9999\nssh: {knownHosts: /k}\n")) ==
        std::vector<std::string>{"repo.url", "repo.branch", "ssh.knownHosts", "listen"});

  // The reloaded config keeps those running values and takes everything else.
  const ControllerConfig after = ConfigAfterReload(
      running, parse("repo: {url: file:///srv/b.git}\nlisten: 127.0.0.1:9999\ninterval: 5m\n"
                     "concurrency: 2\nssh: {commandTimeout: 30s}\n"));
  CHECK(after.repo_url == "file:///srv/a.git");
  CHECK(after.listen == running.listen);
  CHECK(after.interval == std::chrono::minutes(5));
  CHECK(after.concurrency == 2);
  CHECK(after.command_timeout == std::chrono::seconds(30));
  CHECK(SettingsNeedingRestart(running, after).empty());
}

}  // namespace
}  // namespace dflow
