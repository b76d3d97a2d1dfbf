// The simulator reproduces the verbatim Dokku samples byte for byte (stdout vs stderr and
// exit codes included). Each test builds the sample's state with simulator commands.
#include <doctest/doctest.h>

#include "tests/simulator/sim_fixture.h"

namespace dflow::test {
namespace {

// Runs the sample's command and expects its body on stdout, nothing on stderr, exit 0.
void ExpectStdout(const Sim& sim, const std::string& name, const std::string& app = "test-app") {
  Sample s = LoadSample(name, app);
  Captured c = sim.Run(SampleArgs(s));
  INFO("sample ", name, " stderr: ", c.err);
  CHECK(c.exit_code == 0);
  CHECK(c.err == "");
  CHECK(c.out == s.body);
}

// Runs the sample's command and expects its body on stderr, nothing on stdout.
void ExpectStderr(const Sim& sim, const std::string& name, int exit_code,
                  const std::string& app = "test-app") {
  Sample s = LoadSample(name, app);
  Captured c = sim.Run(SampleArgs(s));
  INFO("sample ", name);
  CHECK(c.exit_code == exit_code);
  CHECK(c.out == "");
  CHECK(c.err == s.body);
}

TEST_CASE("samples: apps:list text, quiet and json") {
  Sim sim;
  sim.Ok({"apps:create", "python-app"});
  sim.Ok({"apps:create", "node-js-app"});
  ExpectStdout(sim, "apps-list");
  ExpectStdout(sim, "apps-list-quiet");
  ExpectStdout(sim, "apps-list-json");
}

TEST_CASE("samples: apps:exists of a missing app exits 20 on stderr") {
  Sim sim;
  ExpectStderr(sim, "apps-exists-missing", 20);
}

TEST_CASE("samples: apps:destroy with --force") {
  Sim sim;
  sim.Ok({"apps:create", "node-js-app"});
  ExpectStdout(sim, "apps-destroy-force");
  CHECK(sim.Run({"apps:exists", "node-js-app"}).exit_code == 20);
}

TEST_CASE("samples: apps:destroy confirmation prompt") {
  Sim sim;
  sim.Ok({"apps:create", "node-js-app"});
  Sample s = LoadSample("apps-destroy-confirm");
  REQUIRE(s.lines.size() == 5);
  // Line 4 is the prompt plus what the user typed (echoed by the terminal).
  REQUIRE(s.lines[3].rfind("> ", 0) == 0);
  Captured c = sim.Run(SampleArgs(s), s.lines[3].substr(2) + "\n");
  CHECK(c.exit_code == 0);
  CHECK(c.err == s.lines[0] + "\n" + s.lines[1] + "\n" + s.lines[2] + "\n");
  CHECK(c.out == "> " + s.lines[4] + "\n");

  sim.Ok({"apps:create", "node-js-app"});
  Captured wrong = sim.Run(SampleArgs(s), "other\n");
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out == "> ");
  CHECK(wrong.err.find("Confirmation did not match test. Aborted.\n") != std::string::npos);
  Captured closed = sim.Run(SampleArgs(s));
  CHECK(closed.exit_code == 1);
  CHECK(closed.err.find(" !     EOF\n") != std::string::npos);
  CHECK(sim.Run({"apps:exists", "node-js-app"}).exit_code == 0);
}

TEST_CASE("samples: checks disable and skip") {
  Sim sim;
  sim.Ok({"apps:create", "node-js-app"});
  ExpectStdout(sim, "checks-disable");
  ExpectStdout(sim, "checks-skip");
  Captured c = sim.Run({"checks:report", "node-js-app", "--format", "json"});
  CHECK(c.out ==
        "{\"computed-wait-to-retire\":\"60\",\"disabled-list\":\"none\",\"global-wait-to-retire\":"
        "\"\",\"skipped-list\":\"worker,web\",\"wait-to-retire\":\"\"}\n");
}

TEST_CASE("samples: config export formats and show") {
  Sim sim;
  sim.Ok({"apps:create", "test-app"});
  sim.Ok({"config:set", "test-app", "zKey=true", "bKey=true", "BKEY=true", "aKey=true"});
  ExpectStdout(sim, "config-export-docker-args");
  ExpectStdout(sim, "config-export-json-list");
  ExpectStdout(sim, "config-export-json");
  ExpectStdout(sim, "config-show");
  ExpectStderr(sim, "config-set-no-pairs-error", 1);
}

TEST_CASE("samples: domains:report after a global domain is set") {
  Sim sim;
  sim.Ok({"domains:set-global", "dokku.org"});
  sim.Ok({"apps:create", "node-js-app"});
  ExpectStdout(sim, "domains-report");
}

TEST_CASE("samples: git:report info flag") {
  Sim sim;
  sim.Ok({"apps:create", "test-app"});
  ExpectStdout(sim, "git-report-computed-deploy-branch-flag");
}

TEST_CASE("samples: network create, list, exists, destroy") {
  Sim sim;
  ExpectStdout(sim, "network-create");
  ExpectStdout(sim, "network-list");
  ExpectStderr(sim, "network-exists-missing", 1);
  ExpectStdout(sim, "network-destroy-force");
  Captured c = sim.Run({"network:exists", "test-network"});
  CHECK(c.exit_code == 1);
}

TEST_CASE("samples: plugin:list layout") {
  Sim sim;
  // Install exactly the plugin set of the sample, then compare the layout.
  Sample s = LoadSample("plugin-list");
  std::string json = "[";
  for (size_t i = 1; i < s.lines.size(); ++i) {
    std::istringstream in(s.lines[i]);
    std::string name, version, enabled, word, description;
    in >> name >> version >> enabled;
    while (in >> word) description += (description.empty() ? "" : " ") + word;
    json += std::string(i > 1 ? "," : "") + "{\"name\":\"" + name + "\",\"version\":\"" + version +
            "\",\"enabled\":" + (enabled == "enabled" ? "true" : "false") +
            ",\"core\":true,\"description\":\"" + description + "\"}";
  }
  WriteFile(sim.state() / "plugins.json", json + "]");
  ExpectStdout(sim, "plugin-list");
}

TEST_CASE("samples: plugin:list default set includes the datastore plugins") {
  Sim sim;
  Captured c = sim.Run({"plugin:list", "--format", "json"});
  CHECK(c.exit_code == 0);
  CHECK(c.out.find(
            "{\"name\":\"postgres\",\"version\":\"1.48.0\",\"enabled\":true,\"core\":false,") !=
        std::string::npos);
  CHECK(c.out.find("\"name\":\"redis\"") != std::string::npos);
  CHECK(c.out.find("\"name\":\"letsencrypt\"") != std::string::npos);
}

TEST_CASE("samples: ports list, report and map flag") {
  Sim sim;
  sim.Ok({"apps:create", "node-js-app"});
  sim.Ok({"ports:set", "node-js-app", "http:80:5000"});
  ExpectStdout(sim, "ports-list");

  sim.Ok({"git:sync", "--build", "node-js-app", "https://example.com/app.git", "main"});
  sim.Ok({"ports:set", "node-js-app", "https:443:5000", "http:80:5000"});
  ExpectStdout(sim, "ports-report");

  sim.Ok({"apps:create", "test-app"});
  sim.Ok({"ports:set", "test-app", "http:1234:5001", "https:8443:5003", "http:8080:5002"});
  ExpectStdout(sim, "ports-report-map-flag");
}

TEST_CASE("samples: postgres:list --quiet and redis:info --dsn") {
  Sim sim;
  sim.Ok({"postgres:create", "l"});
  ExpectStdout(sim, "postgres-list-quiet");

  sim.Ok({"redis:create", "l"});
  Sample s = LoadSample("redis-info-dsn");
  Captured c = sim.Run(SampleArgs(s));
  REQUIRE(c.exit_code == 0);
  // The sample shows the password as $password; ours is a deterministic 64-hex string.
  size_t at = c.out.find('@');
  REQUIRE(at != std::string::npos);
  std::string password = c.out.substr(9, at - 9);
  CHECK(password.size() == 64);
  CHECK(password.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(c.out.substr(0, 9) + "$password" + c.out.substr(at) == s.body);
}

TEST_CASE("samples: proxy:set type") {
  Sim sim;
  sim.Ok({"apps:create", "node-js-app"});
  ExpectStdout(sim, "proxy-set-type");
  CHECK(sim.Run({"proxy:report", "node-js-app", "--proxy-type"}).out == "caddy\n");
}

TEST_CASE("samples: ps:report of a never deployed app") {
  Sim sim;
  sim.Ok({"apps:create", "node-js-app"});
  ExpectStdout(sim, "ps-report");
}

TEST_CASE("samples: ps:scale report forms") {
  Sim sim;
  sim.Ok({"apps:create", "test-app"});
  ExpectStdout(sim, "ps-scale-json");  // web=1 from the ps post-create trigger, as in the bats
  // The bats test gets [] by deleting the scale file; here every type goes to 0 (scale.old)
  // and the deploy drops them.
  sim.Ok({"ps:scale", "--skip-deploy", "test-app", "web=0"});
  sim.Ok({"git:sync", "--build", "test-app", "https://example.com/app.git"});
  ExpectStdout(sim, "ps-scale-json-empty");

  sim.Ok({"apps:create", "node-js-app"});
  sim.Ok({"git:sync", "--build", "node-js-app", "https://example.com/app.git"});
  ExpectStdout(sim, "ps-scale");

  sim.Ok({"ps:scale", "--skip-deploy", "test-app", "beat=0", "web=4", "worker=1"});
  ExpectStdout(sim, "ps-scale-quiet");
}

TEST_CASE("samples: resource limit set, clear and show") {
  Sim sim;
  sim.Ok({"apps:create", "node-js-app"});
  ExpectStdout(sim, "resource-limit-set");
  sim.Ok({"resource:limit", "--cpu", "100", "node-js-app"});
  ExpectStdout(sim, "resource-limit-clear-one");
  sim.Ok({"resource:limit", "--memory-swap", "100", "--network", "100", "node-js-app"});
  // The docs sample lost the trailing space that reportResourceType prints after "key:" for
  // an unset value ("%v: %v"); compare with trailing spaces stripped, and check them apart.
  Sample s = LoadSample("resource-limit-show");
  Captured c = sim.Run(SampleArgs(s));
  CHECK(c.exit_code == 0);
  std::string stripped;
  std::istringstream lines(c.out);
  for (std::string line; std::getline(lines, line);) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    stripped += line + "\n";
  }
  CHECK(stripped == s.body);
  CHECK(c.out.find("       cpu: \n") != std::string::npos);
}

TEST_CASE("samples: storage list and unmount error") {
  Sim sim;
  sim.Ok({"apps:create", "test-app"});
  sim.Ok({"storage:mount", "test-app", "/tmp/mount:/mount"});
  ExpectStdout(sim, "storage-list-quiet");
  sim.Ok({"storage:unmount", "test-app", "/tmp/mount:/mount"});
  ExpectStderr(sim, "storage-unmount-missing-error", 1);

  sim.Ok({"apps:create", "node-js-app"});
  sim.Ok({"storage:mount", "node-js-app", "/var/lib/dokku/data/storage/node-js-app:/app/storage"});
  ExpectStdout(sim, "storage-list");
}

}  // namespace
}  // namespace dflow::test
