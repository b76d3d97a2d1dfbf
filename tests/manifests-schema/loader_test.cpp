#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "manifests-schema/desired_state_json.h"
#include "manifests-schema/desired_state_loader.h"
#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

SourceSnapshot Fixture(const std::string& name) {
  return test::ReadFixtureDir(test::SourceDir() / "tests/fixtures/manifests/valid" / name);
}

const AppSpec& FindApp(const DesiredState& state, const std::string& name) {
  for (const auto& node : state.nodes) {
    for (const auto& app : node.apps) {
      if (app.name == name) return app;
    }
  }
  FAIL("no app " << name);
  throw 0;
}

TEST_CASE("config precedence: environment < service < application override < service override") {
  LoadResult result = LoadDesiredState(Fixture("config-precedence"));
  REQUIRE(result.ok());
  const AppSpec& web = FindApp(*result.desired, "shop-web-staging");
  CHECK(web.config == std::map<std::string, std::string>{{"LEVEL", "application-override"},
                                                         {"ONLY_ENV", "1"},
                                                         {"ONLY_SERVICE", "yes"},
                                                         {"SHARED", "service"}});
  const AppSpec& worker = FindApp(*result.desired, "shop-worker-staging");
  CHECK(worker.config.at("LEVEL") == "service-override");
  // An application-level process count applies only to services declaring that type.
  CHECK(web.processes == std::map<std::string, int>{{"clock", 1}, {"web", 1}});
  CHECK(worker.processes == std::map<std::string, int>{{"worker", 0}});
  CHECK(web.source.git_ref == "develop");
}

TEST_CASE("default placement is every node, and databases go where their linking service runs") {
  LoadResult result = LoadDesiredState(Fixture("anchors-and-placement"));
  REQUIRE(result.ok());
  const DesiredState& state = *result.desired;
  REQUIRE(state.nodes.size() == 2);
  CHECK(state.nodes[0].node.name == "db-host");
  CHECK(state.nodes[0].apps.size() == 2);  // api (pinned) and site (everywhere)
  CHECK(state.nodes[1].apps.size() == 1);
  CHECK(state.nodes[1].apps[0].name == "crm-site-production");
  REQUIRE(state.nodes[0].datastores.size() == 2);
  CHECK(state.nodes[0].datastores[0].name == "crm-main-production");
  CHECK(state.nodes[0].datastores[0].protect);
  CHECK(state.nodes[0].datastores[1].allow_destroy);
  CHECK(state.nodes[1].datastores.empty());
  CHECK(state.nodes[0].traffic.tls);
}

TEST_CASE("the result does not depend on file order and is the same twice") {
  SourceSnapshot a = test::ReadFixtureDir(test::SourceDir() / "sample-repo");
  SourceSnapshot b = a;
  std::reverse(b.files.begin(), b.files.end());
  LoadResult ra = LoadDesiredState(a);
  LoadResult rb = LoadDesiredState(b);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  CHECK(DesiredStateToJson(*ra.desired) == DesiredStateToJson(*rb.desired));
  CHECK(DesiredStateToYaml(*ra.desired) == DesiredStateToYaml(*LoadDesiredState(a).desired));
}

TEST_CASE("the revision of the snapshot is carried into the desired state") {
  SourceSnapshot snapshot = Fixture("minimal");
  snapshot.revision = "3f2a9c1d0b7e4a5f6c8d9e0a1b2c3d4e5f6a7b8c";
  LoadResult result = LoadDesiredState(snapshot);
  REQUIRE(result.ok());
  CHECK(result.desired->revision == snapshot.revision);
  CHECK(DesiredStateToJson(*result.desired)["revision"] == snapshot.revision);
}

TEST_CASE("YAML render keeps plain strings plain and quotes look-alikes") {
  LoadResult result = LoadDesiredState(Fixture("minimal"));
  REQUIRE(result.ok());
  std::string yaml = DesiredStateToYaml(*result.desired);
  CHECK(yaml.find("name: blog-web-production") != std::string::npos);
  CHECK(yaml.find("builder: \"\"") != std::string::npos);
  CHECK(yaml.find("selfHeal: true") != std::string::npos);
  CHECK(yaml.find("port: 22") != std::string::npos);
}

TEST_CASE("warnings alone do not fail the load") {
  SourceSnapshot snapshot = Fixture("minimal");
  snapshot.files[0].content +=
      "---\napiVersion: dflow/v1\nkind: Application\nmetadata: {name: idle}\n"
      "spec:\n  services: [{name: web, source: {image: x}}]\n  environments: {}\n";
  LoadResult result = LoadDesiredState(snapshot);
  CHECK(test::DiagnosticsText(result.diagnostics) ==
        "all.yaml:27:17: warning: application 'idle' is deployed to no environment (add an "
        "environment, e.g. 'production: {}')\n");
  CHECK(result.ok());
}

}  // namespace
}  // namespace dflow

namespace dflow {
namespace {

// Reads the rendered YAML back: quoted scalars are strings; plain ones are booleans, integers,
// or else strings (strings that would read as anything else are emitted quoted).
nlohmann::json YamlToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& item : node) out[item.first.as<std::string>()] = YamlToJson(item.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(YamlToJson(item));
    return out;
  }
  if (node.Tag() != "?") return node.as<std::string>();
  if (node.Scalar() == "true" || node.Scalar() == "false") return node.as<bool>();
  long long number = 0;
  if (YAML::convert<long long>::decode(node, number)) return number;
  return node.Scalar();
}

TEST_CASE("the YAML render is the same tree as the JSON render") {
  LoadResult result = LoadDesiredState(test::ReadFixtureDir(test::SourceDir() / "sample-repo"));
  REQUIRE(result.ok());
  YAML::Node yaml = YAML::Load(DesiredStateToYaml(*result.desired));
  CHECK(YamlToJson(yaml) == DesiredStateToJson(*result.desired));
}

}  // namespace
}  // namespace dflow

namespace dflow {
namespace {

TEST_CASE("a config value too large to send over SSH is refused at validation") {
  SourceSnapshot snapshot = Fixture("minimal");
  snapshot.files[0].content +=
      "---\napiVersion: dflow/v1\nkind: Application\nmetadata: {name: big}\n"
      "spec:\n  services: [{name: web, source: {image: x}, config: {BLOB: " +
      std::string(32 * 1024, 'x') + "}}]\n  environments: {production: {}}\n";
  LoadResult result = LoadDesiredState(snapshot);
  CHECK_FALSE(result.ok());
  const std::string text = test::DiagnosticsText(result.diagnostics);
  CHECK(text.find("value of 'BLOB' in 'config' is 32768 bytes, more than the 16384 dflow can "
                  "send (keep large content in a file or storage mount and put its path in the "
                  "config)") != std::string::npos);
}

}  // namespace
}  // namespace dflow
