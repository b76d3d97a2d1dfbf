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

TEST_CASE("an application using a theme defined in the repo is refused, not dropped") {
  SourceSnapshot snapshot = test::ReadFixtureDir(test::SourceDir() / "manifests-schema/themes");
  std::string app =
      "apiVersion: dflow/v1\nkind: Application\nmetadata: {name: cms}\n"
      "spec:\n  theme: strapi\n  parameters: {domain: cms.example.com}\n  environments: {}\n";
  snapshot.files.push_back({"cms.yaml", app, app.size(), false});
  LoadResult result = LoadDesiredState(snapshot);
  CHECK_FALSE(result.ok());
  CHECK(test::DiagnosticsText(result.diagnostics) ==
        "cms.yaml:5:10: themes are not expanded yet: application 'cms' uses theme 'strapi' "
        "(write its services out in the Application for now)\n");
}

}  // namespace
}  // namespace dflow
