// ObserveNode through the real local transport against the Dokku simulator (tests/dokku-sim):
// state is made with Dokku commands, then observed, and must come back exactly.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "providers/dokku/dokku_observer.h"
#include "providers/dokku/dokku_report.h"
#include "providers/dokku/observed_state_json.h"
#include "providers/transport/local_transport.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

using Argv = std::vector<std::string>;

// A simulated node: its state folder and a local transport running dokku-sim on it.
class SimNode {
 public:
  SimNode() {
    LocalOptions options;
    options.dokku_path = DFLOW_DOKKU_SIM_EXE;
    options.extra_env = {"DOKKU_SIM_STATE=" + dir_.path().string(), "DOKKU_SIM_NOW=1700000000"};
    transport_ = MakeLocalTransport(std::move(options));
  }

  // Runs a setup command that must succeed; returns its stdout.
  std::string Do(const Argv& argv) {
    Result<ExecResult> result = transport_->RunDokku(argv, {});
    REQUIRE_MESSAGE(result.ok(), result.status().ToString());
    REQUIRE_MESSAGE(result->exit_code == 0,
                    std::string(DescribeCommand(argv) + ": " + result->err));
    return result->out;
  }

  Result<ObservedNode> Observe() {
    std::filesystem::remove(dir_.path() / "invocations.log");
    ObserveOptions options;
    options.node = "sim-1";
    return ObserveNode(*transport_, options);
  }

  // Adds a rule to the simulator's faults file (tests/dokku-sim/README.md, "Faults").
  void Fault(const std::string& rule) {
    test::WriteFile(dir_.path() / "faults", test::ReadFile(dir_.path() / "faults") + rule + "\n");
  }

  // The invocations.log lines written since the last Observe() started.
  std::vector<std::string> LoggedInvocations() const {
    return SplitLines(test::ReadFile(dir_.path() / "invocations.log"));
  }

 private:
  test::ScopedTempDir dir_;
  std::unique_ptr<Transport> transport_;
};

// A config value no shell, quoting layer or JSON encoder may alter.
std::string Tricky(const std::string& tag) {
  return "it's \"quoted\" $HOME ${PATH} `id` $(whoami) \\ caf\xc3\xa9 \xe2\x9c\x93 " + tag +
         "\nsecond line\ttab";
}

ObservedApp UndeployedApp(const std::string& name) {
  ObservedApp app;
  app.name = name;
  app.running = "false";
  return app;
}

// Compares as JSON (every field) so that a failure prints the whole difference.
void CheckSameApps(const ObservedNode& actual, const std::vector<ObservedApp>& apps,
                   const std::vector<ObservedDatastore>& datastores) {
  ObservedNode expected;
  expected.apps = apps;
  expected.datastores = datastores;
  nlohmann::json got = ObservedNodeToJson(actual);
  nlohmann::json want = ObservedNodeToJson(expected);
  CHECK(got["apps"].dump(2) == want["apps"].dump(2));
  CHECK(got["datastores"].dump(2) == want["datastores"].dump(2));
}

void CheckReadOnlyQuietCalls(const std::vector<std::string>& log) {
  for (const std::string& line : log) {
    nlohmann::json entry = nlohmann::json::parse(line);
    CHECK(entry["argv"][0] == "--quiet");
    CHECK(entry["changed"] == false);
  }
}

TEST_CASE("observe sim: a node without apps") {
  SimNode sim;
  Result<ObservedNode> node = sim.Observe();
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->node == "sim-1");
  CHECK(node->dokku_version == "0.38.27");
  CHECK(node->apps.empty());
  CHECK(node->datastores.empty());
  CHECK(node->traefik_global.at("letsencrypt-email").empty());
  CHECK(node->traefik_global.count("computed-image") == 0);
  // A fresh Dokku: nginx by default, the installer's global domain, nginx's own headers.
  CHECK(node->proxy_read);
  CHECK(node->proxy_global_type == "");
  CHECK(node->domains_read);
  CHECK(node->global_domains == std::vector<std::string>{"dokku.me"});
  CHECK(node->nginx_global.at("x-forwarded-for-value") == "");
  CHECK(node->nginx_global.count("computed-x-forwarded-for-value") == 0);
  // plugin:list, apps:list; the proxy, domains, nginx and traefik globals, postgres:list,
  // redis:list (no apps: no app reports).
  std::vector<std::string> log = sim.LoggedInvocations();
  CHECK(log.size() == 8);
  CHECK(node->invocations == 8);
  CheckReadOnlyQuietCalls(log);
}

TEST_CASE("observe sim: one deployed app with every setting") {
  SimNode sim;
  sim.Do({"apps:create", "web"});
  sim.Do({"config:set", "--no-restart", "web", "DFLOW_MANAGED=production/courses/web",
          "TRICKY=" + Tricky("web")});
  sim.Do({"ps:scale", "--skip-deploy", "web", "web=2", "worker=1"});
  sim.Do({"domains:set", "web", "www.example.com", "courses.example.com"});
  sim.Do({"ports:set", "web", "https:443:5000", "http:80:5000"});
  sim.Do({"checks:disable", "web", "worker"});
  sim.Do({"checks:skip", "web", "web,release"});
  sim.Do({"builder:set", "web", "selected", "dockerfile"});
  sim.Do({"proxy:set", "web", "type", "traefik"});
  sim.Do({"network:create", "backend"});
  sim.Do({"network:set", "web", "attach-post-deploy", "backend"});
  sim.Do({"storage:mount", "web", "/srv/uploads:/app/uploads"});
  sim.Do({"resource:limit", "--memory", "512m", "web"});
  sim.Do({"resource:reserve", "--cpu", "1", "--process-type", "web", "web"});
  sim.Do({"postgres:create", "courses_db"});
  sim.Do({"postgres:link", "courses_db", "web", "--no-restart"});
  sim.Do({"traefik:set", "--global", "letsencrypt-email", "ops@example.com"});
  sim.Do({"proxy:set", "--global", "type", "traefik"});
  sim.Do({"domains:set-global", "learn.example.com", "example.org"});
  sim.Do({"nginx:set", "--global", "x-forwarded-proto-value", "$http_x_forwarded_proto"});
  const std::string sha = "0123456789abcdef0123456789abcdef01234567";
  sim.Do({"git:sync", "--build", "web", "https://git.example.com/acme/courses.git", sha});
  std::string dsn = sim.Do({"--quiet", "postgres:info", "courses_db", "--dsn"});
  dsn.pop_back();

  Result<ObservedNode> node = sim.Observe();
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  ObservedApp web;
  web.name = "web";
  web.managed = true;
  web.config = {{"DATABASE_URL", dsn},
                {"DFLOW_MANAGED", "production/courses/web"},
                {"GIT_REV", sha},
                {"TRICKY", Tricky("web")}};
  web.domains = {"courses.example.com", "www.example.com"};
  web.ports = {{"http", 80, 5000}, {"https", 443, 5000}};
  web.proxy_type = "traefik";
  web.builder = "dockerfile";
  web.deploy_source = "git-sync";
  web.deploy_source_metadata = "https://git.example.com/acme/courses.git#" + sha;
  web.git_sha = sha;
  web.deployed = true;
  web.running = "true";
  web.process_count = 3;
  web.scale = {{"web", 2}, {"worker", 1}};
  web.process_status = {{"web.1", "running"}, {"web.2", "running"}, {"worker.1", "running"}};
  web.checks_disabled = {"worker"};
  web.checks_skipped = {"release", "web"};
  web.resources = {{"_default_.limit.memory", "512m"}, {"web.reserve.cpu", "1"}};
  web.storage = {"/srv/uploads:/app/uploads"};
  web.networks = {"backend"};
  web.linked_datastores = {"postgres/courses_db"};
  CheckSameApps(*node, {web}, {{"courses_db", "postgres", {"web"}, "", ""}});
  CHECK(node->traefik_global.at("letsencrypt-email") == "ops@example.com");
  CHECK(node->proxy_global_type == "traefik");
  CHECK(node->global_domains == std::vector<std::string>{"learn.example.com", "example.org"});
  CHECK(node->nginx_global.at("x-forwarded-proto-value") == "$http_x_forwarded_proto");
  // 2 lists + 10 reports + 4 globals + 2 datastore lists + 3 per app + 2 per service.
  CHECK(sim.LoggedInvocations().size() == 23);
  CHECK(node->invocations == 23);
}

TEST_CASE("observe sim: 30 apps cost 16 + 2 engines + 3 per app + 2 per service") {
  SimNode sim;
  std::vector<ObservedApp> expected;
  for (int i = 0; i < 30; ++i) {
    std::string name = std::string("app-") + (i < 10 ? "0" : "") + std::to_string(i);
    sim.Do({"apps:create", name});
    sim.Do({"config:set", "--no-restart", name, "DFLOW_MANAGED=staging/app/" + name,
            "TRICKY=" + Tricky(name)});
    sim.Do({"domains:set", name, name + ".example.com"});
    sim.Do({"ports:set", name, "http:80:" + std::to_string(5000 + i)});
    sim.Do({"ps:scale", "--skip-deploy", name, "web=" + std::to_string(i % 3 + 1)});
    ObservedApp app = UndeployedApp(name);
    app.managed = true;
    app.config = {{"DFLOW_MANAGED", "staging/app/" + name}, {"TRICKY", Tricky(name)}};
    app.domains = {name + ".example.com"};
    app.ports = {{"http", 80, 5000 + i}};
    app.scale = {{"web", i % 3 + 1}};
    expected.push_back(app);
  }
  sim.Do({"apps:create", "handmade"});  // not created by dflow: not managed
  expected.push_back(UndeployedApp("handmade"));
  expected.back().domains = {"handmade.dokku.me"};
  expected.back().scale = {{"web", 1}};  // the ps plugin's post-create trigger
  sim.Do({"postgres:create", "shared_db"});
  sim.Do({"postgres:link", "shared_db", "app-07", "--no-restart"});
  std::string dsn = sim.Do({"--quiet", "postgres:info", "shared_db", "--dsn"});
  dsn.pop_back();
  expected[7].config["DATABASE_URL"] = dsn;
  expected[7].linked_datastores = {"postgres/shared_db"};

  Result<ObservedNode> node = sim.Observe();
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CheckSameApps(*node, expected, {{"shared_db", "postgres", {"app-07"}, "", ""}});
  std::vector<std::string> log = sim.LoggedInvocations();
  CHECK(log.size() == 16 + 2 + 3 * 31 + 2);
  CHECK(node->invocations == 16 + 2 + 3 * 31 + 2);
  CHECK(node->attempts == 1);
  CheckReadOnlyQuietCalls(log);
}

TEST_CASE("observe sim: a Dokku below 0.38.22 is refused") {
  test::ScopedTempDir dir;
  LocalOptions options;
  options.dokku_path = DFLOW_DOKKU_SIM_EXE;
  options.extra_env = {"DOKKU_SIM_STATE=" + dir.path().string(), "DOKKU_SIM_VERSION=0.38.21"};
  auto transport = MakeLocalTransport(std::move(options));
  Result<ObservedNode> node = ObserveNode(*transport, {});
  CHECK(node.status().code() == Code::kNotReady);
  CHECK(node.status().message() ==
        "local: Dokku 0.38.21 is too old: dflow needs Dokku 0.38.22 or newer");
}

TEST_CASE("observe sim: a failing report stops the observation with Dokku's error") {
  SimNode sim;
  sim.Do({"apps:create", "web"});
  sim.Fault("ps:report 1  !     Cannot connect to the Docker daemon");
  Result<ObservedNode> node = sim.Observe();
  CHECK(node.status().code() == Code::kFailed);
  CHECK(node.status().message() ==
        "local: dokku --quiet ps:report --format json: exit 1:  !     Cannot connect to the "
        "Docker daemon");
}

TEST_CASE("observe sim: an app that keeps vanishing gives up after three attempts") {
  SimNode sim;
  sim.Do({"apps:create", "web"});
  sim.Fault("config:export 20  !     App web does not exist");
  Result<ObservedNode> node = sim.Observe();
  CHECK(node.status().code() == Code::kUnavailable);
  CHECK(node.status().message() ==
        "local: gave up after 3 attempts: the node changed during the observation: dokku "
        "--quiet config:export --format json web: app does not exist");
  CHECK(sim.LoggedInvocations().size() == 3 * (16 + 2 + 3));
}

}  // namespace
}  // namespace dflow
