#include "providers/dokku/dokku_app_reports.h"

#include <doctest/doctest.h>

#include "tests/providers/dokku/dokku_fixtures.h"

namespace dflow {
namespace {

std::vector<std::string> ReportCommand(const std::string& plugin) {
  return {"--quiet", plugin + ":report", "--format", "json"};
}

// Applies the fixture report of `plugin` to two fresh apps.
std::vector<ObservedApp> Apply(const std::string& plugin, ReportApplier apply) {
  std::vector<std::string> argv = ReportCommand(plugin);
  Result<std::vector<ReportObject>> objects =
      ParseReportLines(argv, test::JsonFixture(plugin + "-report.jsonl"));
  REQUIRE_MESSAGE(objects.ok(), objects.status().ToString());
  std::vector<ObservedApp> apps(objects->size());
  for (std::size_t i = 0; i < apps.size(); ++i) {
    Status status = apply(argv, (*objects)[i], apps[i]);
    REQUIRE_MESSAGE(status.ok(), status.ToString());
  }
  return apps;
}

TEST_CASE("apps report: deploy source and metadata") {
  std::vector<ObservedApp> apps = Apply("apps", ApplyAppsReport);
  CHECK(apps[0].deploy_source == "git-sync");
  CHECK(apps[0].deploy_source_metadata ==
        "https://deploy:t0ken@git.example.com/acme/node.git#a1b2c3d4e5");
  CHECK(apps[1].deploy_source.empty());
  CHECK(apps[1].deploy_source_metadata.empty());
}

TEST_CASE("domains report: vhosts sorted, enabled flag") {
  std::vector<ObservedApp> apps = Apply("domains", ApplyDomainsReport);
  CHECK(apps[0].domains == std::vector<std::string>{"node.example.com", "www.example.com"});
  CHECK(apps[0].vhosts_enabled);
  CHECK(apps[1].domains.empty());
  CHECK_FALSE(apps[1].vhosts_enabled);
}

TEST_CASE("ports report: map-json is parsed as JSON, null is none") {
  std::vector<ObservedApp> apps = Apply("ports", ApplyPortsReport);
  CHECK(apps[0].ports == std::vector<PortMapping>{{"http", 80, 5000}, {"https", 443, 5000}});
  CHECK(apps[1].ports.empty());
}

TEST_CASE("ports map-json: the value of the verbatim text sample") {
  std::string text = test::SampleOutput("ports-report");
  std::string marker = "Ports map json:";
  std::size_t start = text.find(marker);
  REQUIRE(start != std::string::npos);
  std::size_t end = text.find('\n', start);
  std::string value = text.substr(start + marker.size(), end - start - marker.size());
  value = value.substr(value.find_first_not_of(' '));
  Result<std::vector<PortMapping>> ports = ParsePortMapJson(ReportCommand("ports"), value);
  REQUIRE(ports.ok());
  CHECK(*ports == std::vector<PortMapping>{{"http", 80, 5000}, {"https", 443, 5000}});
}

TEST_CASE("ports map-json: empty forms and malformed values") {
  std::vector<std::string> argv = ReportCommand("ports");
  CHECK(ParsePortMapJson(argv, "null")->empty());
  CHECK(ParsePortMapJson(argv, "[]")->empty());
  CHECK(ParsePortMapJson(argv, "")->empty());
  CHECK(ParsePortMapJson(argv, "http:80:5000").status().message() ==
        "dokku --quiet ports:report --format json: key \"map-json\": not JSON: \"http:80:5000\"");
  CHECK(ParsePortMapJson(argv, R"([{"scheme":"http","host_port":"80","container_port":5000}])")
            .status()
            .message() ==
        "dokku --quiet ports:report --format json: key \"map-json\": not a port mapping list: "
        "\"[{\"scheme\":\"http\",\"host_port\":\"80\",\"container_port\":5000}]\"");
}

TEST_CASE("ports map: the space-joined form older 0.38 hosts give") {
  Result<std::vector<PortMapping>> ports =
      ParsePortMapList(ReportCommand("ports"), test::SampleOutput("ports-report-map-flag"));
  REQUIRE(ports.ok());
  CHECK(*ports == std::vector<PortMapping>{
                      {"http", 1234, 5001}, {"http", 8080, 5002}, {"https", 8443, 5003}});
  ObservedApp app;
  REQUIRE(
      ApplyPortsReport(ReportCommand("ports"), {{"map", "https:443:5000 http:80:5000"}}, app).ok());
  CHECK(app.ports == std::vector<PortMapping>{{"http", 80, 5000}, {"https", 443, 5000}});
  CHECK(ParsePortMapList(ReportCommand("ports"), "http:80").status().message() ==
        "dokku --quiet ports:report --format json: key \"map\": not scheme:host:container: "
        "\"http:80\"");
}

TEST_CASE("proxy report: raw per-app type, not the computed one") {
  std::vector<ObservedApp> apps = Apply("proxy", ApplyProxyReport);
  CHECK(apps[0].proxy_type == "traefik");
  CHECK(apps[0].proxy_enabled);
  CHECK(apps[1].proxy_type.empty());
  CHECK_FALSE(apps[1].proxy_enabled);
}

TEST_CASE("ps report: deployed, running, count and container states") {
  std::vector<ObservedApp> apps = Apply("ps", ApplyPsReport);
  CHECK(apps[0].deployed);
  CHECK(apps[0].running == "mixed");
  CHECK(apps[0].process_count == 3);
  CHECK(apps[0].process_status == std::map<std::string, std::string>{{"web.1", "running"},
                                                                     {"web.2", "running"},
                                                                     {"worker.1", "exited"}});
  CHECK_FALSE(apps[1].deployed);
  CHECK(apps[1].running == "false");
  CHECK(apps[1].process_status.empty());
}

TEST_CASE("ps report: a running value Dokku does not print is an error") {
  ObservedApp app;
  Status status = ApplyPsReport(
      ReportCommand("ps"), {{"deployed", "true"}, {"running", "yes"}, {"processes", "1"}}, app);
  CHECK(status.message() ==
        "dokku --quiet ps:report --format json: key \"running\": not true/false/mixed: \"yes\"");
}

TEST_CASE("ps report: legacy keys alone do not count") {
  ObservedApp app;
  Status status = ApplyPsReport(
      ReportCommand("ps"), {{"ps-deployed", "true"}, {"running", "true"}, {"processes", "1"}}, app);
  CHECK(status.message() == "dokku --quiet ps:report --format json: key \"deployed\" missing");
}

TEST_CASE("builder and git reports") {
  std::vector<ObservedApp> builders = Apply("builder", ApplyBuilderReport);
  CHECK(builders[0].builder == "dockerfile");
  CHECK(builders[1].builder.empty());
  std::vector<ObservedApp> git = Apply("git", ApplyGitReport);
  CHECK(git[0].git_sha == "a1b2c3d4e5");
  CHECK(git[0].source_image.empty());
  CHECK(git[1].git_sha.empty());
}

TEST_CASE("checks report: none, comma lists and _all_") {
  std::vector<ObservedApp> apps = Apply("checks", ApplyChecksReport);
  CHECK(apps[0].checks_disabled == std::vector<std::string>{"worker"});
  CHECK(apps[0].checks_skipped == std::vector<std::string>{"release", "web"});
  CHECK(apps[1].checks_disabled.empty());
  CHECK(apps[1].checks_skipped == std::vector<std::string>{"_all_"});
  CHECK(ParseChecksList("none").empty());
  CHECK(ParseChecksList("worker,web") == std::vector<std::string>{"web", "worker"});
}

TEST_CASE("network report: attach-post-deploy is a comma list") {
  std::vector<ObservedApp> apps = Apply("network", ApplyNetworkReport);
  CHECK(apps[0].networks == std::vector<std::string>{"backend", "metrics"});
  CHECK(apps[1].networks.empty());
}

TEST_CASE("storage report: -v mounts, sorted") {
  std::vector<ObservedApp> apps = Apply("storage", ApplyStorageReport);
  CHECK(apps[0].storage ==
        std::vector<std::string>{"/srv/uploads:/app/uploads:ro",
                                 "/var/lib/dokku/data/storage/node-js-app:/app/storage"});
  CHECK(apps[1].storage.empty());
  // The mount of the verbatim storage:list sample, in report form.
  std::string mount = test::SampleOutput("storage-list-quiet");
  mount.pop_back();
  Result<std::vector<std::string>> parsed =
      ParseBindMounts(ReportCommand("storage"), "deploy-mounts", "-v " + mount);
  CHECK(*parsed == std::vector<std::string>{"/tmp/mount:/mount"});
  CHECK(ParseBindMounts(ReportCommand("storage"), "deploy-mounts", "/a:/b").status().message() ==
        "dokku --quiet storage:report --format json: key \"deploy-mounts\": not a list of -v "
        "mounts: \"/a:/b\"");
}

TEST_CASE("builds report: the last build's status") {
  std::vector<std::string> argv = {"--quiet", "builds:report", "node-js-app", "--format", "json"};
  std::string line = test::JsonFixture("builds-report-node-js-app.json");
  line.pop_back();
  Result<ReportObject> object = ParseReportLine(argv, 1, line);
  REQUIRE(object.ok());
  ObservedApp app;
  REQUIRE(ApplyBuildsReport(argv, *object, app).ok());
  CHECK(app.last_build_status == "succeeded");
}

TEST_CASE("all-app reports: the ten plugins in their fixed order") {
  std::vector<std::string> plugins;
  for (const AppReportKind& kind : AllAppReports()) plugins.push_back(kind.plugin);
  CHECK(plugins == std::vector<std::string>{"apps", "domains", "ports", "proxy", "ps", "builder",
                                            "git", "checks", "network", "storage"});
}

}  // namespace
}  // namespace dflow
