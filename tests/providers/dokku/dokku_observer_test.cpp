#include "providers/dokku/dokku_observer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>

#include "providers/dokku/dokku_report.h"
#include "providers/dokku/observed_state_json.h"
#include "tests/providers/dokku/dokku_fixtures.h"

namespace dflow {
namespace {

using Argv = std::vector<std::string>;

// A node's Dokku as canned answers keyed by argv; records every call and every batch.
class FakeDokku final : public Transport {
 public:
  // Queues an answer for `argv`; calls take them in order and the last one repeats.
  void On(const Argv& argv, std::string out, int exit_code = 0, std::string err = "") {
    answers_[argv].push_back(ExecResult{exit_code, std::move(out), std::move(err)});
  }
  // Drops the answers queued for `argv` and queues this one.
  void Set(const Argv& argv, std::string out, int exit_code = 0, std::string err = "") {
    answers_.erase(argv);
    On(argv, std::move(out), exit_code, std::move(err));
  }
  void OnError(const Argv& argv, Status status) { errors_.emplace(argv, std::move(status)); }

  Result<ExecResult> RunDokku(const Argv& argv, const ExecOptions&) override {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back(argv);
    if (auto error = errors_.find(argv); error != errors_.end()) return error->second;
    auto it = answers_.find(argv);
    if (it == answers_.end()) {
      return ExecResult{1, "", " !     `" + DescribeCommand(argv) + "` is not a dokku command.\n"};
    }
    ExecResult result = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return result;
  }

  std::vector<Result<ExecResult>> RunDokkuMany(const std::vector<Argv>& argvs,
                                               const ExecOptions& options) override {
    batches_.push_back(argvs.size());
    return Transport::RunDokkuMany(argvs, options);
  }

  std::string Describe() const override { return "fake"; }
  TransportStats Stats() const override { return {0, static_cast<int>(calls_.size())}; }

  const std::vector<Argv>& calls() const { return calls_; }
  const std::vector<std::size_t>& batches() const { return batches_; }

 private:
  std::mutex mutex_;
  std::map<Argv, std::deque<ExecResult>> answers_;
  std::map<Argv, Status> errors_;
  std::vector<Argv> calls_;
  std::vector<std::size_t> batches_;
};

Argv Report(const std::string& plugin) {
  return {"--quiet", plugin + ":report", "--format", "json"};
}
const Argv kVersion = {"--quiet", "version"};
Argv Config(const std::string& app) {
  return {"--quiet", "config:export", "--format", "json", app};
}
Argv Scale(const std::string& app) { return {"--quiet", "ps:scale", "--format", "json", app}; }
Argv Resource(const std::string& app) {
  return {"--quiet", "resource:report", app, "--format", "json"};
}
const Argv kPluginListJson = {"--quiet", "plugin:list", "--format", "json"};
const Argv kCoursesDbLinks = {"--quiet", "postgres:info", "courses_db", "--links"};
const Argv kCoursesDbExposed = {"--quiet", "postgres:info", "courses_db", "--exposed-ports"};

const std::vector<std::string> kPlugins = {"apps",    "domains", "ports",  "proxy",   "ps",
                                           "builder", "git",     "checks", "network", "storage"};

// The two-app node of tests/fixtures/dokku-json, with one postgres service linked to
// node-js-app, traefik enabled and redis installed but disabled.
void TwoAppNode(FakeDokku& dokku) {
  dokku.On(kVersion, "dokku version 0.38.27\n");
  dokku.On(kPluginListJson, test::JsonFixture("plugin-list.json"));
  dokku.On(test::kAppListArgv, test::SampleOutput("apps-list-json"));
  for (const std::string& plugin : kPlugins) {
    dokku.On(Report(plugin), test::JsonFixture(plugin + "-report.jsonl"));
  }
  dokku.On({"--quiet", "traefik:report", "--global", "--format", "json"},
           test::JsonFixture("traefik-report-global.json"));
  dokku.On({"--quiet", "postgres:list"}, "courses_db\n");
  dokku.On(Config("node-js-app"), test::JsonFixture("config-export-node-js-app.json"));
  dokku.On(Config("python-app"), "{}\n");
  dokku.On(Scale("node-js-app"), test::JsonFixture("ps-scale-node-js-app.json"));
  dokku.On(Scale("python-app"), test::SampleOutput("ps-scale-json-empty"));
  dokku.On(Resource("node-js-app"), test::JsonFixture("resource-report-node-js-app.json"));
  dokku.On(Resource("python-app"), "");
  dokku.On(Report("builds"), test::JsonFixture("builds-report-node-js-app.json") +
                                 "{\"build-status\":\"\",\"build-id\":\"\"}\n");
  dokku.On(kCoursesDbLinks, "node-js-app \n");
  dokku.On(kCoursesDbExposed, "5432->10.0.0.11:23456 \n");
}

ObservedNode ExpectedTwoAppNode() {
  ObservedApp node_app;
  node_app.name = "node-js-app";
  node_app.managed = true;
  node_app.config = {
      {"DATABASE_URL", "postgres://postgres:pw0@dokku-postgres-courses-db:5432/courses_db"},
      {"DFLOW_MANAGED", "production/courses/web"},
      {"GREETING", "line1\nline2 \"quoted\" 'single' $HOME `tick` caf\xc3\xa9 \xe2\x9c\x93"}};
  node_app.domains = {"node.example.com", "www.example.com"};
  node_app.ports = {{"http", 80, 5000}, {"https", 443, 5000}};
  node_app.proxy_type = "traefik";
  node_app.builder = "dockerfile";
  node_app.deploy_source = "git-sync";
  node_app.deploy_source_metadata = "https://deploy:t0ken@git.example.com/acme/node.git#a1b2c3d4e5";
  node_app.git_sha = "a1b2c3d4e5";
  node_app.deployed = true;
  node_app.running = "mixed";
  node_app.process_count = 3;
  node_app.scale = {{"web", 2}, {"worker", 1}};
  node_app.process_status = {{"web.1", "running"}, {"web.2", "running"}, {"worker.1", "exited"}};
  node_app.checks_disabled = {"worker"};
  node_app.checks_skipped = {"release", "web"};
  node_app.resources = {{"_default_.limit.memory", "512m"}, {"web.reserve.cpu", "1"}};
  node_app.storage = {"/srv/uploads:/app/uploads:ro",
                      "/var/lib/dokku/data/storage/node-js-app:/app/storage"};
  node_app.networks = {"backend", "metrics"};
  node_app.linked_datastores = {"postgres/courses_db"};

  ObservedApp python_app;
  python_app.name = "python-app";
  python_app.vhosts_enabled = false;
  python_app.proxy_enabled = false;
  python_app.running = "false";
  python_app.checks_skipped = {"_all_"};

  ObservedNode node;
  node.node = "prod-1";
  node.dokku_version = "0.38.27";
  node.plugins = {{"00_dokku-standard", "0.38.27", true},
                  {"apps", "0.38.27", true},
                  {"postgres", "1.48.0", true},
                  {"redis", "1.43.0", false},
                  {"traefik-vhosts", "0.38.27", true}};
  node.traefik_global = {{"api-enabled", ""},
                         {"basic-auth-password", "s3cret-pw"},
                         {"dns-provider-CF_API_TOKEN", "cf-t0ken"},
                         {"image", ""},
                         {"letsencrypt-email", "ops@example.com"},
                         {"log-level", ""}};
  node.apps = {node_app, python_app};
  node.datastores = {{"courses_db", "postgres", {"node-js-app"}, "10.0.0.11:23456", ""}};
  return node;
}

ObserveOptions Options() {
  ObserveOptions options;
  options.node = "prod-1";
  return options;
}

// Compares as JSON so that a failure prints the whole difference.
void CheckSameState(ObservedNode actual, ObservedNode expected) {
  actual.invocations = expected.invocations = 0;
  actual.attempts = expected.attempts = 0;
  CHECK(ObservedNodeToJson(actual).dump(2) == ObservedNodeToJson(expected).dump(2));
}

TEST_CASE("observe: a two-app node gives every field of every app") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CheckSameState(*node, ExpectedTwoAppNode());
  CHECK(node->apps[1].last_build_status.empty());  // builds not asked for
}

TEST_CASE("observe: 2 + 10 + 1 + 1 + 3 per app + 2 per service calls, three deep") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE(node.ok());
  // Run in rounds (this fake has no channels): the plugin and app lists; then every all-app
  // report but apps:report, traefik, the service list and the per-app queries; then
  // apps:report (after the other reports) and the service's links and exposed ports.
  CHECK(dokku.batches() == std::vector<std::size_t>{2, 17, 3});
  CHECK(node->invocations == 22);
  CHECK(node->attempts == 1);
  CHECK(dokku.calls().size() == 22);
  for (const Argv& argv : dokku.calls()) CHECK(argv.front() == "--quiet");
  // Each all-app report runs once per node, not once per app.
  CHECK(std::count(dokku.calls().begin(), dokku.calls().end(), Report("ps")) == 1);
  CHECK(std::count(dokku.calls().begin(), dokku.calls().end(), Report("apps")) == 1);
  // apps:list once, and no `version`: the core plugin's version is Dokku's.
  CHECK(std::count(dokku.calls().begin(), dokku.calls().end(), test::kAppListArgv) == 1);
  CHECK(std::count(dokku.calls().begin(), dokku.calls().end(), kVersion) == 0);
  CHECK(node->dokku_version == "0.38.27");
  // redis is installed but disabled: not observed.
  for (const Argv& argv : dokku.calls()) CHECK(argv[1].rfind("redis:", 0) != 0);
}

TEST_CASE("observe: builds:report once for all apps, only when asked") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  ObserveOptions options = Options();
  options.include_builds = true;
  Result<ObservedNode> node = ObserveNode(dokku, options);
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->apps[0].last_build_status == "succeeded");
  CHECK(node->apps[1].last_build_status.empty());
  CHECK(dokku.batches() == std::vector<std::size_t>{2, 18, 3});
  CHECK(node->invocations == 23);
  CHECK(std::count(dokku.calls().begin(), dokku.calls().end(), Report("builds")) == 1);
}

TEST_CASE("observe: a node without apps skips the all-app reports") {
  FakeDokku empty;
  empty.On(kPluginListJson, test::JsonFixture("plugin-list.json"));
  empty.On(test::kAppListArgv, "[]\n");
  empty.On({"--quiet", "traefik:report", "--global", "--format", "json"}, "{}\n");
  empty.On({"--quiet", "postgres:list"}, "courses_db\n");
  empty.On(kCoursesDbLinks, "-\n");
  empty.On(kCoursesDbExposed, "-\n");
  Result<ObservedNode> node = ObserveNode(empty, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->apps.empty());
  CHECK(node->dokku_version == "0.38.27");
  REQUIRE(node->datastores.size() == 1);
  CHECK(node->datastores[0].linked_apps.empty());
  CHECK(empty.batches() == std::vector<std::size_t>{2, 2, 2});
  CHECK(node->invocations == 6);
  CHECK(node->datastores[0].exposed.empty());
}

TEST_CASE("observe: a node without traefik-vhosts or datastore plugins") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set({"--quiet", "plugin:list", "--format", "json"},
            "[{\"name\":\"apps\",\"version\":\"0.38.27\",\"enabled\":true,\"core\":true}]\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->traefik_global.empty());
  CHECK(node->datastores.empty());
  CHECK(node->apps[0].linked_datastores.empty());
  // No core plugin named 00_dokku-standard: `version` says which Dokku this is, first.
  CHECK(dokku.batches() == std::vector<std::size_t>{2, 1, 15, 1});
  CHECK(node->dokku_version == "0.38.27");
}

TEST_CASE("observe: a Dokku older than 0.38.22 is refused after the plugin list") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set(kPluginListJson,
            "[{\"name\":\"00_dokku-standard\",\"version\":\"0.38.21\",\"enabled\":true}]\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  CHECK(node.status().code() == Code::kNotReady);
  CHECK(node.status().message() ==
        "fake: Dokku 0.38.21 is too old: dflow needs Dokku 0.38.22 or newer");
  CHECK(dokku.calls().size() == 2);
}

TEST_CASE("observe: a Dokku without a JSON plugin list is named by `version`") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  // Before 0.38.22 plugin:list ignores --format and prints its table.
  dokku.Set(kPluginListJson,
            "plugn: 0.13.0\n  00_dokku-standard    0.30.0 enabled    dokku core\n");
  dokku.Set(kVersion, "dokku version 0.30.0\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  CHECK(node.status().code() == Code::kNotReady);
  CHECK(node.status().message() ==
        "fake: Dokku 0.30.0 is too old: dflow needs Dokku 0.38.22 or newer");
  CHECK(dokku.batches() == std::vector<std::size_t>{2, 1});

  FakeDokku missing;  // no Dokku at all: the shell says 127 to both
  missing.On(kPluginListJson, "", 127, "sh: 1: dokku: not found\n");
  missing.On(test::kAppListArgv, "", 127, "sh: 1: dokku: not found\n");
  missing.On(kVersion, "", 127, "sh: 1: dokku: not found\n");
  Result<ObservedNode> none = ObserveNode(missing, Options());
  CHECK(none.status().code() == Code::kNotReady);
  CHECK(none.status().message() ==
        "fake: dokku is not installed on the node (exit 127: command not found)");
}

TEST_CASE("observe: an app created during the reports restarts the observation") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  std::string full = test::JsonFixture("ps-report.jsonl");
  dokku.Set(Report("ps"), full + full.substr(0, full.find('\n') + 1));  // 3 lines, 2 apps
  dokku.On(Report("ps"), full);
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->attempts == 2);
  CHECK(node->invocations == 22 + 22);
  CHECK(dokku.batches() == std::vector<std::size_t>{2, 17, 3, 2, 17, 3});
  CheckSameState(*node, ExpectedTwoAppNode());
}

TEST_CASE("observe: apps:report naming another app restarts the observation") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  // Same count, another app: python-app destroyed and other-app created during the reports.
  std::string apps = test::JsonFixture("apps-report.jsonl");
  std::string swapped = apps;
  for (std::size_t at; (at = swapped.find("/home/dokku/python-app")) != std::string::npos;)
    swapped.replace(at, std::string("/home/dokku/python-app").size(), "/home/dokku/other-app");
  dokku.Set(Report("apps"), swapped);
  dokku.On(Report("apps"), apps);
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->attempts == 2);
  CHECK(node->invocations == 44);
  CheckSameState(*node, ExpectedTwoAppNode());
}

TEST_CASE("observe: an app destroyed before its config is read restarts the observation") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set(Config("python-app"), "", 20, " !     App python-app does not exist\n");
  dokku.On(Config("python-app"), "{}\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->attempts == 2);
  CheckSameState(*node, ExpectedTwoAppNode());
}

TEST_CASE("observe: a datastore destroyed meanwhile restarts the observation") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set(kCoursesDbLinks, "", 1, " !     Postgres service courses_db does not exist\n");
  dokku.On(kCoursesDbLinks, "node-js-app \n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->attempts == 2);
  CheckSameState(*node, ExpectedTwoAppNode());
}

TEST_CASE("observe: another datastore info failure leaves only that datastore's links unread") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set(kCoursesDbLinks, "", 1, " !     Service container does not exist\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  REQUIRE(node->datastores.size() == 1);
  CHECK(node->datastores[0].read_error ==
        "dokku --quiet postgres:info courses_db --links: exit 1:  !     Service container does "
        "not exist");
  CHECK(node->datastores[0].linked_apps.empty());
  REQUIRE(node->apps.size() == 2);
  CHECK(node->apps[0].read_error.empty());
  CHECK(node->apps[0].config.size() == 3);
}

TEST_CASE("observe: an app list that keeps changing gives up after max_attempts") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  std::string full = test::JsonFixture("ps-report.jsonl");
  dokku.Set(Report("ps"), full.substr(0, full.find('\n') + 1));
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  CHECK(node.status().code() == Code::kUnavailable);
  CHECK(node.status().message() ==
        "fake: gave up after 3 attempts: the node changed during the observation: dokku "
        "--quiet ps:report --format json gave 1 reports for 2 apps");
  CHECK(dokku.batches() == std::vector<std::size_t>{2, 17, 3, 2, 17, 3, 2, 17, 3});
}

TEST_CASE("observe: unexpected report output is an error quoting command and line") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  std::string git = test::JsonFixture("git-report.jsonl");
  dokku.Set(Report("git"),
            git.substr(0, git.find('\n') + 1) + "=====> python-app git information\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  CHECK(node.status().code() == Code::kFailed);
  CHECK(node.status().message() ==
        "fake: dokku --quiet git:report --format json: line 2: not JSON: =====> python-app git "
        "information");
}

TEST_CASE("observe: a report without a short key makes that app Unknown, naming the key") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set(Report("builder"), "{\"selected\":\"\"}\n{\"builder-selected\":\"pack\"}\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  REQUIRE(node->apps.size() == 2);
  CHECK(node->apps[0].name == "node-js-app");
  CHECK(node->apps[0].read_error.empty());
  CHECK(node->apps[1].read_error ==
        "dokku --quiet builder:report --format json: key \"selected\" missing");
}

TEST_CASE("observe: a failing per-app command makes that app Unknown with its stderr") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set(Scale("node-js-app"), "", 1, " !     boom\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  REQUIRE(node->apps.size() == 2);
  CHECK(node->apps[0].read_error ==
        "dokku --quiet ps:scale --format json node-js-app: exit 1:  !     boom");
  CHECK(node->apps[1].name == "python-app");
  CHECK(node->apps[1].read_error.empty());
  CHECK(node->attempts == 1);
}

TEST_CASE("observe: a failing node-wide command fails the observation as a command failure") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set(Report("ps"), "", 1, " !     ps plugin broken\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  CHECK(node.status().code() == Code::kFailed);  // the node answered: not kUnavailable
  CHECK(node.status().message() ==
        "fake: dokku --quiet ps:report --format json: exit 1:  !     ps plugin broken");
}

TEST_CASE("observe: a config error never quotes a value") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.Set(Config("node-js-app"), "export SECRET='hunter2'\n");
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  REQUIRE_MESSAGE(node.ok(), node.status().ToString());
  CHECK(node->apps[0].read_error ==
        "dokku --quiet config:export --format json node-js-app: output is not JSON");
}

TEST_CASE("observe: a transport failure is returned as the transport said") {
  FakeDokku dokku;
  TwoAppNode(dokku);
  dokku.OnError(kPluginListJson, Status(Code::kTimeout, "ssh: no answer within 120000 ms"));
  Result<ObservedNode> node = ObserveNode(dokku, Options());
  CHECK(node.status().code() == Code::kTimeout);
  CHECK(node.status().message() == "fake: ssh: no answer within 120000 ms");
}

}  // namespace
}  // namespace dflow
