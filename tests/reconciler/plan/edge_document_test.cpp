// The edge document (reference traefik.md §2, §5.2, §6): golden bytes per case, the same bytes
// for the same input in any order, Traefik's JSON Schema (check_edge_schema.py, python3-yaml +
// jsonschema) over every golden file, the checks the schema cannot make, and the refusals.
// DFLOW_UPDATE_GOLDEN=1 rewrites tests/fixtures/edge/*.yml; review the diff before committing.
// DFLOW_TRAEFIK_SCHEMA overrides where the schema is read from (default: ../shared/reference/
// traefik-schemas/traefik-v3-file-provider.json beside the source tree, as in CI).
#include "reconciler/plan/edge_document.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "tests/manifests-schema/fixture_source.h"
#include "tests/support/process.h"

// Named, because the folder's tests are compiled as one unity file (static_plan_test.cpp has
// its own SampleRepo()).
namespace dflow::edge_document_test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr const char* kRevision = "4f0c2d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a392";

AppSpec App(const std::string& application, const std::string& service,
            const std::string& environment, std::vector<std::string> domains) {
  AppSpec app;
  app.name = application + "-" + service + "-" + environment;
  app.application = application;
  app.service = service;
  app.environment = environment;
  app.domains = std::move(domains);
  app.ports = {PortMapping{"http", 80, 5000}};
  return app;
}

NodeDesiredState Node(const std::string& name, const std::string& host,
                      const std::string& private_host, std::vector<AppSpec> apps) {
  NodeDesiredState node;
  node.node.name = name;
  node.node.host = host;
  node.node.private_host = private_host;
  node.in_environment = true;
  node.apps = std::move(apps);
  return node;
}

EdgeSpec Edge(std::vector<std::string> environments = {"production"}) {
  EdgeSpec edge;
  edge.name = "edge-1";
  edge.host = "203.0.113.5";
  edge.user = "traefik";
  edge.environments = std::move(environments);
  return edge;
}

struct EdgeCase {
  std::string name;  // golden file: tests/fixtures/edge/<name>.yml
  DesiredState desired;
  EdgeSpec edge;
};

// sample-repo/ as the loader reads it, with its edge in front of production and the production
// nodes' private addresses: community-frontend runs on prod-1 and prod-2, the others on one.
EdgeCase SampleRepo() {
  LoadResult result = LoadDesiredState(test::ReadFixtureDir(test::SourceDir() / "sample-repo"));
  REQUIRE(test::DiagnosticsText(result.diagnostics) == "");
  DesiredState desired = *result.desired;
  desired.revision = kRevision;
  REQUIRE(desired.edges.size() == 1);
  return {"sample-repo", desired, desired.edges.front()};
}

// One node, no private address (the edge dials its host); a staging app and an app with no
// domain on the same node are not routed.
EdgeCase OneNode() {
  DesiredState desired;
  desired.revision = kRevision;
  AppSpec worker = App("shop", "worker", "production", {});
  desired.nodes = {
      Node("node-1", "203.0.113.30", "",
           {App("shop", "api", "production", {"api.shop.example.com"}),
            App("shop", "web", "production", {"www.shop.example.com", "shop.example.com"}), worker,
            App("shop", "web", "staging", {"staging.shop.example.com"})})};
  return {"one-node", desired, Edge()};
}

// Before: admin ran on node-2 only. After: its placement left node-2, so no node runs it.
DesiredState BeforeAdminLeft() {
  DesiredState desired;
  desired.revision = kRevision;
  AppSpec web = App("shop", "web", "production", {"shop.example.com"});
  desired.nodes = {Node("node-1", "203.0.113.31", "10.0.0.31", {web}),
                   Node("node-2", "203.0.113.32", "10.0.0.32",
                        {App("shop", "admin", "production", {"admin.shop.example.com"}), web})};
  return desired;
}

EdgeCase AdminLeftItsLastNode() {
  DesiredState desired = BeforeAdminLeft();
  for (auto& node : desired.nodes) {
    std::erase_if(node.apps, [](const AppSpec& app) { return app.service == "admin"; });
  }
  return {"left-last-node", desired, Edge()};
}

// Five services with ten domains each over three nodes: 50 routers.
EdgeCase FiftyDomains() {
  DesiredState desired;
  desired.revision = kRevision;
  desired.nodes = {Node("node-a", "203.0.113.41", "10.1.0.1", {}),
                   Node("node-b", "203.0.113.42", "10.1.0.2", {}),
                   Node("node-c", "203.0.113.43", "10.1.0.3", {})};
  for (int s = 0; s < 5; ++s) {
    std::vector<std::string> domains;
    for (int d = 0; d < 10; ++d) {
      std::string domain = "d";  // appends: GCC 12 -O3's -Wrestrict misreads `"d" + ...`
      domain += std::to_string(d);
      domain += ".s";
      domain += std::to_string(s);
      domain += ".example.com";
      domains.push_back(domain);
    }
    std::sort(domains.begin(), domains.end());
    AppSpec app = App("site", "s" + std::to_string(s), "production", domains);
    // s0 on a; s1 on a, b; s2 on a, b, c; s3 on b; s4 on b, c.
    const std::vector<std::vector<int>> placement = {{0}, {0, 1}, {0, 1, 2}, {1}, {1, 2}};
    for (int n : placement[s]) desired.nodes[n].apps.push_back(app);
  }
  return {"fifty-domains", desired, Edge()};
}

// Names no manifest would pass: long ones, upper case, '_', '@', '.', UTF-8, names that collide
// once sanitised, a 240-byte domain, quotes and a backslash, IPv6 and host-name addresses, and an
// edge with non-default entry point and resolver.
EdgeCase HostileNames() {
  DesiredState desired;
  desired.revision = kRevision;
  const std::string label(60, 'x');
  const std::string long_domain = label + "." + label + "." + label + "." + label + ".com";
  AppSpec long_app = App(std::string(120, 'a'), "web", "production", {long_domain});
  AppSpec long_app_2 = App(std::string(120, 'a'), "api", "production",
                           {label + "." + label + "." + label + ".example.com"});
  AppSpec upper = App("Shop_Web", "@x", "production", {"a-b.example.com"});
  AppSpec dotted = App("shop.web", "-x", "production", {"a.b-example.com"});
  AppSpec utf8 = App("caf\xc3\xa9", "web", "production",
                     {"quote\"and\\backslash.example.com", "xn--caf-dma.example.com"});
  desired.nodes = {Node("node-v6", "node-v6.example.net", "fd00:10::11", {long_app, upper}),
                   Node("node-name", "203.0.113.50", "Node-Name.internal.example",
                        {long_app, long_app_2, dotted, utf8})};
  EdgeSpec edge = Edge();
  edge.entry_point = "web_secure";
  edge.cert_resolver = "le-dns";
  return {"hostile-names", desired, edge};
}

std::vector<EdgeCase> Cases() {
  return {SampleRepo(), OneNode(), AdminLeftItsLastNode(), FiftyDomains(), HostileNames()};
}

fs::path GoldenPath(const std::string& name) {
  return test::SourceDir() / "tests/fixtures/edge" / (name + ".yml");
}

std::string Render(const EdgeCase& c) {
  Result<std::string> yaml = RenderEdgeDocument(c.desired, c.edge);
  REQUIRE_MESSAGE(yaml.ok(), yaml.status().ToString());
  return *yaml;
}

// `desired` with its nodes, each node's apps and each app's domains in a random order.
DesiredState Shuffled(DesiredState desired, unsigned seed) {
  std::mt19937 random(seed);
  std::shuffle(desired.nodes.begin(), desired.nodes.end(), random);
  for (auto& node : desired.nodes) {
    std::shuffle(node.apps.begin(), node.apps.end(), random);
    for (auto& app : node.apps) std::shuffle(app.domains.begin(), app.domains.end(), random);
  }
  return desired;
}

TEST_CASE("edge documents render their golden bytes") {
  const bool update = std::getenv("DFLOW_UPDATE_GOLDEN") != nullptr;
  for (const EdgeCase& c : Cases()) {
    CAPTURE(c.name);
    const std::string yaml = Render(c);
    if (update) {
      fs::create_directories(GoldenPath(c.name).parent_path());
      test::WriteGolden(GoldenPath(c.name), yaml);
    }
    REQUIRE_MESSAGE(fs::exists(GoldenPath(c.name)), GoldenPath(c.name).string());
    CHECK(yaml == test::ReadAll(GoldenPath(c.name)));
  }
}

TEST_CASE("edge documents do not depend on the order of nodes, apps and domains") {
  for (const EdgeCase& c : Cases()) {
    CAPTURE(c.name);
    const std::string expected = Render(c);
    for (unsigned seed = 1; seed <= 20; ++seed) {
      CAPTURE(seed);
      Result<std::string> shuffled = RenderEdgeDocument(Shuffled(c.desired, seed), c.edge);
      REQUIRE(shuffled.ok());
      CHECK(*shuffled == expected);
    }
  }
}

TEST_CASE("edge sample-repo document routes community.example.com over both production nodes") {
  const std::string yaml = Render(SampleRepo());
  CHECK(yaml.find("# Traefik dynamic configuration of edge 'edge-1', written by dflow from "
                  "config revision " +
                  std::string(kRevision) + ".\n") == 0);
  CHECK(yaml.find("    dflow-community-example-com:\n"
                  "      entryPoints:\n"
                  "        - \"websecure\"\n"
                  "      rule: \"Host(`community.example.com`)\"\n"
                  "      service: \"dflow-community-frontend-production\"\n"
                  "      tls:\n"
                  "        certResolver: \"le\"\n") != std::string::npos);
  CHECK(yaml.find("        servers:\n"
                  "          - url: \"http://10.0.0.11:80\"\n"
                  "          - url: \"http://10.0.0.12:80\"\n") != std::string::npos);
  CHECK(yaml.find("staging") == std::string::npos);
}

TEST_CASE("edge service that left its last node loses its router and its service") {
  Result<EdgeDocument> before = BuildEdgeDocument(BeforeAdminLeft(), Edge());
  Result<EdgeDocument> after = BuildEdgeDocument(AdminLeftItsLastNode().desired, Edge());
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  auto names = [](const auto& items) {
    std::vector<std::string> out;
    for (const auto& item : items) out.push_back(item.name);
    return out;
  };
  CHECK(names(before->routers) ==
        std::vector<std::string>{"dflow-admin-shop-example-com", "dflow-shop-example-com"});
  CHECK(names(before->services) ==
        std::vector<std::string>{"dflow-shop-admin-production", "dflow-shop-web-production"});
  CHECK(names(after->routers) == std::vector<std::string>{"dflow-shop-example-com"});
  CHECK(names(after->services) == std::vector<std::string>{"dflow-shop-web-production"});
  CHECK(after->services[0].nodes == std::vector<std::string>{"node-1", "node-2"});
}

TEST_CASE("edge routes only services that run web processes") {
  DesiredState desired;
  AppSpec worker = App("shop", "jobs", "production", {"shop-jobs-production.example.com"});
  worker.processes = {{"worker", 2}};  // a default vhost, but nothing serves HTTP
  AppSpec scaled_down = App("shop", "old", "production", {"old.example.com"});
  scaled_down.processes = {{"web", 0}};
  AppSpec web = App("shop", "web", "production", {"shop.example.com"});
  web.processes = {{"web", 2}, {"worker", 1}};
  desired.nodes = {Node("node-1", "203.0.113.30", "", {worker, scaled_down, web})};
  Result<EdgeDocument> document = BuildEdgeDocument(desired, Edge());
  REQUIRE(document.ok());
  REQUIRE(document->routers.size() == 1);
  CHECK(document->routers[0].domain == "shop.example.com");
  REQUIRE(document->services.size() == 1);
  CHECK(document->services[0].app == "shop-web-production");
}

TEST_CASE("edge names stay short, sanitised and distinct for hostile input") {
  Result<EdgeDocument> document = BuildEdgeDocument(HostileNames().desired, HostileNames().edge);
  REQUIRE(document.ok());
  const std::regex name_pattern("dflow-[a-z0-9-]+");
  std::set<std::string> routers, services;
  for (const EdgeRouter& router : document->routers) {
    CAPTURE(router.name);
    CHECK(std::regex_match(router.name, name_pattern));
    CHECK(router.name.size() <= kMaxEdgeNameLength);
    CHECK(routers.insert(router.name).second);
  }
  for (const EdgeService& service : document->services) {
    CAPTURE(service.name);
    CHECK(std::regex_match(service.name, name_pattern));
    CHECK(service.name.size() <= kMaxEdgeNameLength);
    CHECK(services.insert(service.name).second);
  }
  CHECK(routers.size() == 6);
  CHECK(services.size() == 5);
  // "a-b.example.com" and "a.b-example.com" both sanitise to dflow-a-b-example-com: both get a
  // hash; a name no other shares keeps its plain form.
  CHECK(routers.count("dflow-a-b-example-com") == 0);
  CHECK(routers.count("dflow-xn--caf-dma-example-com") == 1);
  // The two 120-byte applications share their first 100 bytes; their hashes differ.
  CHECK(services.count("dflow-caf---web-production") == 1);
  for (const EdgeService& service : document->services) {
    if (service.app == HostileNames().desired.nodes[0].apps[0].name)
      CHECK(service.nodes == std::vector<std::string>{"node-name", "node-v6"});
  }
}

TEST_CASE("edge IPv6 addresses are bracketed in server URLs") {
  Result<EdgeDocument> document = BuildEdgeDocument(HostileNames().desired, HostileNames().edge);
  REQUIRE(document.ok());
  std::set<std::string> urls;
  for (const EdgeService& service : document->services)
    urls.insert(service.urls.begin(), service.urls.end());
  CHECK(urls ==
        std::set<std::string>{"http://Node-Name.internal.example:80", "http://[fd00:10::11]:80"});
}

// --- Traefik's JSON Schema, and what it cannot check (reference traefik.md §6) ---

fs::path SchemaPath() {
  if (const char* path = std::getenv("DFLOW_TRAEFIK_SCHEMA")) return path;
  return (test::SourceDir() / "../shared/reference/traefik-schemas/traefik-v3-file-provider.json")
      .lexically_normal();
}

// Runs check_edge_schema.py over `files`; returns its output.
test::Captured CheckSchema(const std::vector<fs::path>& files) {
  const std::string missing =
      "Traefik schema not found at " + SchemaPath().string() + " (set DFLOW_TRAEFIK_SCHEMA)";
  REQUIRE_MESSAGE(fs::exists(SchemaPath()), missing);
  std::vector<std::string> argv = {
      "/usr/bin/python3",
      (test::SourceDir() / "tests/reconciler/plan/check_edge_schema.py").string(), "--schema",
      SchemaPath().string()};
  for (const fs::path& file : files) argv.push_back(file.string());
  return test::RunCapture(argv, "");
}

// The key paths dflow may emit, names of routers and services as '*', all in Traefik since v3.0
// (§2.1). The schema does not describe serversTransports and lets keys it knows through.
const std::set<std::string> kAllowedKeyPaths = {
    "http",
    "http.routers",
    "http.routers.*",
    "http.routers.*.entryPoints",
    "http.routers.*.rule",
    "http.routers.*.service",
    "http.routers.*.tls",
    "http.routers.*.tls.certResolver",
    "http.serversTransports",
    "http.serversTransports.*",
    "http.serversTransports.*.forwardingTimeouts",
    "http.serversTransports.*.forwardingTimeouts.dialTimeout",
    "http.serversTransports.*.forwardingTimeouts.idleConnTimeout",
    "http.serversTransports.*.forwardingTimeouts.responseHeaderTimeout",
    "http.serversTransports.*.maxIdleConnsPerHost",
    "http.services",
    "http.services.*",
    "http.services.*.loadBalancer",
    "http.services.*.loadBalancer.healthCheck",
    "http.services.*.loadBalancer.healthCheck.hostname",
    "http.services.*.loadBalancer.healthCheck.interval",
    "http.services.*.loadBalancer.healthCheck.path",
    "http.services.*.loadBalancer.healthCheck.timeout",
    "http.services.*.loadBalancer.passHostHeader",
    "http.services.*.loadBalancer.servers",
    "http.services.*.loadBalancer.servers.url",
    "http.services.*.loadBalancer.serversTransport",
};

// Checks that every object's keys are sorted and on the allowlist. `path` has names as '*'.
void CheckKeys(const Json& node, const std::string& path) {
  if (node.is_array()) {
    for (const Json& item : node) CheckKeys(item, path);
    return;
  }
  if (!node.is_object()) return;
  std::string previous;
  for (const auto& [key, value] : node.items()) {
    CAPTURE(path);
    CHECK(previous < key);
    previous = key;
    const bool named =
        path == "http.routers" || path == "http.services" || path == "http.serversTransports";
    const std::string child = (path.empty() ? "" : path + ".") + (named ? "*" : key);
    CHECK_MESSAGE(kAllowedKeyPaths.count(child) == 1, child);
    CheckKeys(value, child);
  }
}

// The parsed file says exactly what the model says: quoting round-trips, and every router's
// service exists, every service has a server and a router, every name is clean.
void CheckTree(const Json& http, const EdgeDocument& model) {
  const Json& routers = http.at("routers");
  const Json& services = http.at("services");
  REQUIRE(routers.size() == model.routers.size());
  REQUIRE(services.size() == model.services.size());
  std::set<std::string> referenced;
  for (const EdgeRouter& router : model.routers) {
    CAPTURE(router.name);
    const Json& tree = routers.at(router.name);
    CHECK(tree.at("rule") == "Host(`" + router.domain + "`)");
    CHECK(tree.at("entryPoints") == Json::array({model.entry_point}));
    CHECK(tree.at("tls").at("certResolver") == model.cert_resolver);
    CHECK(services.contains(tree.at("service").get<std::string>()));
    referenced.insert(tree.at("service").get<std::string>());
  }
  for (const EdgeService& service : model.services) {
    CAPTURE(service.name);
    const Json& lb = services.at(service.name).at("loadBalancer");
    std::vector<std::string> urls;
    for (const Json& server : lb.at("servers")) urls.push_back(server.at("url").get<std::string>());
    CHECK(urls == service.urls);
    CHECK(!urls.empty());
    CHECK(lb.at("healthCheck").at("hostname") == service.domains.front());
    CHECK(http.at("serversTransports").contains(lb.at("serversTransport").get<std::string>()));
    CHECK(referenced.count(service.name) == 1);
  }
}

TEST_CASE("edge golden documents validate against Traefik's schema and say what the model says") {
  std::vector<EdgeCase> cases = Cases();
  std::vector<fs::path> files;
  for (const EdgeCase& c : cases) files.push_back(GoldenPath(c.name));
  test::Captured run = CheckSchema(files);
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  std::istringstream lines(run.out);
  std::string line;
  std::size_t seen = 0;
  while (std::getline(lines, line)) {
    Json parsed = Json::parse(line);
    REQUIRE(seen < cases.size());
    const EdgeCase& c = cases[seen++];
    CAPTURE(c.name);
    REQUIRE(parsed.at("file") == GoldenPath(c.name).string());
    CHECK(test::ReadAll(GoldenPath(c.name)).find("{{") == std::string::npos);
    CheckKeys(parsed.at("document"), "");
    Result<EdgeDocument> model = BuildEdgeDocument(c.desired, c.edge);
    REQUIRE(model.ok());
    CheckTree(parsed.at("document").at("http"), *model);
  }
  CHECK(seen == cases.size());
}

TEST_CASE("edge schema check rejects a service with no server and an empty document") {
  test::ScopedTempDir dir;
  std::string yaml = Render(OneNode());
  const std::string servers = "        servers:\n          - url: \"http://203.0.113.30:80\"\n";
  REQUIRE(yaml.find(servers) != std::string::npos);
  yaml.replace(yaml.find(servers), servers.size(), "        servers: []\n");
  test::WriteFile(dir.path() / "no-server.yml", yaml);
  test::WriteFile(dir.path() / "empty.yml", "# nothing\n");
  test::Captured run = CheckSchema({dir.path() / "no-server.yml"});
  CHECK(run.exit_code == 1);
  // The wording after the path is jsonschema's and changes between its versions.
  const std::string where = (dir.path() / "no-server.yml").string() +
                            ": http/services/dflow-shop-api-production/loadBalancer/servers: [] ";
  CHECK(run.err.rfind(where, 0) == 0);
  run = CheckSchema({dir.path() / "empty.yml"});
  CHECK(run.exit_code == 1);
  CHECK(run.err == (dir.path() / "empty.yml").string() +
                       ": is empty (Traefik would remove every route it had from the file)\n");
}

// --- Refusals ---

std::string RenderError(const DesiredState& desired, const EdgeSpec& edge, Code code) {
  Result<std::string> yaml = RenderEdgeDocument(desired, edge);
  REQUIRE_FALSE(yaml.ok());
  CHECK(yaml.status().code() == code);
  return yaml.status().message();
}

DesiredState WithDomain(const std::string& domain) {
  DesiredState desired = OneNode().desired;
  desired.nodes[0].apps[1].domains = {domain, "shop.example.com"};
  return desired;
}

TEST_CASE("edge refuses '{{', backticks and line breaks in written values") {
  CHECK(RenderError(WithDomain("{{ env \"HOME\" }}.example.com"), Edge(), Code::kInvalidManifest) ==
        "edge 'edge-1': domain '{{ env \"HOME\" }}.example.com' of Dokku app "
        "'shop-web-production' contains '{{' (Traefik renders the file as a Go template)");
  CHECK(RenderError(WithDomain("a`) || Host(`evil.example.com"), Edge(), Code::kInvalidManifest) ==
        "edge 'edge-1': domain 'a`) || Host(`evil.example.com' of Dokku app "
        "'shop-web-production' contains a backtick (Traefik quotes rule values in backticks)");
  CHECK(RenderError(WithDomain("a.example.com\nhttp: {}"), Edge(), Code::kInvalidManifest) ==
        "edge 'edge-1': domain 'a.example.com\\nhttp: {}' of Dokku app 'shop-web-production' "
        "contains a line break");
  CHECK(RenderError(WithDomain("caf\xc3\xa9.example.com"), Edge(), Code::kInvalidManifest) ==
        "edge 'edge-1': domain 'caf\\xc3\\xa9.example.com' of Dokku app 'shop-web-production' "
        "contains a control or non-ASCII byte");
}

TEST_CASE("edge refuses bad edge settings, revisions and node addresses") {
  EdgeSpec edge = Edge();
  edge.entry_point = "web{{secure}}";
  CHECK(RenderError(OneNode().desired, edge, Code::kInvalidManifest) ==
        "edge 'edge-1': entry point 'web{{secure}}' contains '{{' (Traefik renders the file as a "
        "Go template)");
  edge = Edge();
  edge.cert_resolver = "";
  CHECK(RenderError(OneNode().desired, edge, Code::kInvalidManifest) ==
        "edge 'edge-1': certificate resolver is empty");
  DesiredState desired = OneNode().desired;
  desired.revision = "abc\n# injected";
  CHECK(RenderError(desired, Edge(), Code::kInvalidManifest) ==
        "edge 'edge-1': revision 'abc\\n# injected' contains a line break");
  desired = OneNode().desired;
  desired.nodes[0].node.private_host = "10.0.0.1`";
  CHECK(RenderError(desired, Edge(), Code::kInvalidManifest) ==
        "edge 'edge-1': node 'node-1' address '10.0.0.1`' contains a backtick (Traefik quotes "
        "rule values in backticks)");
  desired.nodes[0].node.private_host = "10.0.0.1/admin";
  CHECK(RenderError(desired, Edge(), Code::kInvalidManifest) ==
        "edge 'edge-1': node 'node-1' address '10.0.0.1/admin' is not a host name or IP address");
}

TEST_CASE("edge refuses to render an empty document") {
  const std::string expected =
      "edge 'edge-1': nothing to route: no app of environments staging has both a domain and a "
      "node, and an empty document would remove every route of the edge";
  DesiredState desired = OneNode().desired;
  desired.nodes[0].apps.pop_back();  // the staging app
  CHECK(RenderError(desired, Edge({"staging"}), Code::kNotReady) == expected);
  CHECK(RenderError(DesiredState{}, Edge({}), Code::kNotReady) ==
        "edge 'edge-1': nothing to route: no app of environments (none) has both a domain and a "
        "node, and an empty document would remove every route of the edge");
  desired = AdminLeftItsLastNode().desired;
  for (auto& node : desired.nodes) node.apps.clear();  // every service left every node
  CHECK(RenderError(desired, Edge(), Code::kNotReady).find("nothing to route") !=
        std::string::npos);
}

TEST_CASE("edge refuses a domain two apps claim and an app whose nodes disagree") {
  DesiredState desired = OneNode().desired;
  desired.nodes[0].apps[0].domains.push_back("shop.example.com");
  CHECK(RenderError(desired, Edge(), Code::kInvalidManifest) ==
        "edge 'edge-1': domain 'shop.example.com' is claimed by Dokku apps 'shop-api-production' "
        "and 'shop-web-production'");
  desired = BeforeAdminLeft();
  desired.nodes[1].apps[1].domains = {"shop.example.com", "www.shop.example.com"};
  CHECK(RenderError(desired, Edge(), Code::kInternal) ==
        "edge 'edge-1': Dokku app 'shop-web-production' has domains 'shop.example.com "
        "www.shop.example.com' on node 'node-2' but 'shop.example.com' on node 'node-1'");
}

}  // namespace
}  // namespace dflow::edge_document_test
