#include <doctest/doctest.h>

#include <algorithm>

#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/manifest_parser.h"
#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

TEST_CASE("the built-in theme files validate as Theme documents") {
  SourceSnapshot snapshot = test::ReadFixtureDir(test::SourceDir() / "manifests-schema/themes");
  REQUIRE(snapshot.files.size() == BuiltinThemes().size());
  for (std::size_t i = 0; i < snapshot.files.size(); ++i) {
    CHECK(snapshot.files[i].path == BuiltinThemes()[i] + ".yaml");
  }
  LoadResult result = LoadDesiredState(snapshot);
  CHECK(test::DiagnosticsText(result.diagnostics) == "");
  CHECK(result.ok());
}

TEST_CASE("a theme defined in the repo replaces the built-in one of the same name") {
  std::string repo =
      "apiVersion: dflow/v1\nkind: Node\nmetadata: {name: n1}\nspec: {host: 203.0.113.1}\n---\n"
      "apiVersion: dflow/v1\nkind: Environment\nmetadata: {name: production}\n"
      "spec: {nodes: [n1]}\n---\n"
      "apiVersion: dflow/v1\nkind: Theme\nmetadata: {name: strapi}\n"
      "spec:\n  services: [{name: site, source: {image: \"nginx:1.27\"}}]\n---\n"
      "apiVersion: dflow/v1\nkind: Application\nmetadata: {name: cms}\n"
      "spec:\n  theme: strapi\n  environments: {production: {}}\n";
  SourceSnapshot snapshot;
  snapshot.files.push_back({"repo.yaml", repo, repo.size(), false});
  LoadResult result = LoadDesiredState(snapshot);
  CHECK(test::DiagnosticsText(result.diagnostics) == "");
  REQUIRE(result.ok());
  REQUIRE(result.desired->nodes.at(0).apps.size() == 1);
  CHECK(result.desired->nodes[0].apps[0].name == "cms-site-production");
  CHECK(result.desired->nodes[0].apps[0].source.image == "nginx:1.27");
}

TEST_CASE("an unknown theme is refused with the known ones") {
  std::string repo =
      "apiVersion: dflow/v1\nkind: Application\nmetadata: {name: cms}\n"
      "spec:\n  theme: strapy\n  environments: {}\n";
  SourceSnapshot snapshot;
  snapshot.files.push_back({"cms.yaml", repo, repo.size(), false});
  CHECK(test::DiagnosticsText(LoadDesiredState(snapshot).diagnostics) ==
        "cms.yaml:5:10: unknown theme 'strapy' (did you mean 'strapi'?)\n");
}

}  // namespace
}  // namespace dflow
