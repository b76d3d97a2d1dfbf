// The default controller config that the package installs (packaging/dflow.yaml) is read by
// the real parser: as shipped it asks only for repo.url, and with every commented key turned
// on it is valid and the defaults it documents are the parser's defaults.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "reconciler/controller/controller_config.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

const std::string kPackagedConfig = std::string(DFLOW_SOURCE_DIR) + "/packaging/dflow.yaml";

// Turns "#key: v" and "#  key: v" lines into YAML; prose comments ("# text") stay comments.
std::string UncommentKeys(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    bool is_key = line.size() > 1 && line[0] == '#' && line[1] != ' ';
    bool is_nested = line.rfind("#  ", 0) == 0;
    out += (is_key || is_nested) ? line.substr(1) : line;
    out += "\n";
  }
  return out;
}

TEST_CASE("the packaged config as shipped asks for repo.url and nothing else") {
  auto result = LoadControllerConfig(kPackagedConfig);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].message == "repo.url is required");
  CHECK(result.errors[0].hint == "the Git URL or path of the config repo");
  CHECK(result.config.state_dir == "/var/lib/dflow");
}

TEST_CASE("the packaged config with every key uncommented is valid and documents the defaults") {
  auto result = ParseControllerConfig(UncommentKeys(test::ReadFile(kPackagedConfig)), "dflow.yaml");
  std::string errors;
  for (const auto& error : result.errors) errors += error.ToString() + "\n";
  INFO(errors);
  REQUIRE(result.ok());
  const ControllerConfig& c = result.config;
  const ControllerConfig defaults;
  CHECK(c.repo_url == "https://git.example.com/acme/dokku-config.git");
  CHECK(c.repo_token_file == "/etc/dflow/repo-token");
  CHECK(c.repo_token_env == "DFLOW_REPO_TOKEN");
  CHECK(c.repo_ssh_key == "/etc/dflow/repo-key");
  CHECK(c.ssh_identities == std::vector<std::string>{"/etc/dflow/node-key"});
  CHECK(c.ssh_passphrase_file == "/etc/dflow/node-key-passphrase");
  CHECK(c.known_hosts_file == "/var/lib/dflow/known_hosts");
  CHECK(c.secrets_file == "/etc/dflow/secrets.yaml");
  CHECK(c.webhook_secret_file == "/etc/dflow/webhook-secret");
  CHECK(c.webhook_secret_env == "DFLOW_WEBHOOK_SECRET");
  CHECK(c.badge_environments == std::vector<std::string>{"production", "staging"});
  CHECK(c.badge_token_secret_file == "/etc/dflow/badge-secret");
  CHECK(c.badge_token_secret_env == "DFLOW_BADGE_SECRET");
  CHECK(c.forge_kind == "github");
  CHECK(c.forge_api_url == "https://api.github.com");
  CHECK(c.forge_repo == "acme/dokku-config");
  CHECK(c.forge_token_file == "/etc/dflow/forge-token");
  CHECK(c.forge_token_env == "DFLOW_FORGE_TOKEN");
  // The values the file shows as defaults are the ones the parser uses without them.
  CHECK(c.branch == defaults.branch);
  CHECK(c.connect_timeout == defaults.connect_timeout);
  CHECK(c.command_timeout == defaults.command_timeout);
  CHECK(c.state_dir == defaults.state_dir);
  CHECK(c.listen == defaults.listen);
  CHECK(c.interval == defaults.interval);
  CHECK(c.concurrency == defaults.concurrency);
  CHECK(c.history_keep == defaults.history_keep);
  CHECK(c.allow_mass_delete == defaults.allow_mass_delete);
  CHECK(c.badges_enabled == defaults.badges_enabled);
  CHECK(c.max_delete_share == doctest::Approx(defaults.max_delete_share));
}

}  // namespace
}  // namespace dflow
