// Golden tests of theme expansion: every tests/fixtures/themes/<case>/ (a repo using a built-in
// theme) must load and render exactly <case>.expected.json, the expanded desired state.
// DFLOW_UPDATE_GOLDEN=1 rewrites the expected files; review the diff before committing.
#include <doctest/doctest.h>

#include <filesystem>

#include "manifests-schema/desired_state_json.h"
#include "manifests-schema/desired_state_loader.h"
#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

TEST_CASE("each built-in theme expands to its golden desired state") {
  fs::path root = test::SourceDir() / "tests/fixtures/themes";
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  CHECK(cases.size() >= 5);
  LoadOptions options;
  for (const fs::path& dir : cases) {
    CAPTURE(dir.filename().string());
    LoadResult result = LoadDesiredState(test::ReadFixtureDir(dir), options);
    CHECK(test::DiagnosticsText(result.diagnostics) == "");
    REQUIRE(result.ok());
    std::string actual = DesiredStateToJson(*result.desired).dump(2) + "\n";
    fs::path golden = root / (dir.filename().string() + ".expected.json");
    if (std::getenv("DFLOW_UPDATE_GOLDEN")) test::WriteGolden(golden, actual);
    REQUIRE_MESSAGE(fs::exists(golden), golden.string());
    CHECK(actual == test::ReadAll(golden));
  }
}

TEST_CASE("the same repo expands to the same desired state every time") {
  fs::path dir = test::SourceDir() / "tests/fixtures/themes/n8n-external-runners";
  LoadOptions options;
  std::string first =
      DesiredStateToJson(*LoadDesiredState(test::ReadFixtureDir(dir), options).desired).dump();
  std::string second =
      DesiredStateToJson(*LoadDesiredState(test::ReadFixtureDir(dir), options).desired).dump();
  CHECK(first == second);
}

TEST_CASE("a theme whose config needs apply-time values loads: validate accepts it") {
  LoadResult result = LoadDesiredState(
      test::ReadFixtureDir(test::SourceDir() / "tests/fixtures/themes/n8n-defaults"));
  CHECK(test::DiagnosticsText(result.diagnostics) == "");
  REQUIRE(result.ok());
  const AppSpec& web = result.desired->nodes[0].apps[0];
  CHECK(web.derived_config.count("DB_POSTGRESDB_PASSWORD") == 1);
  // The hash's recipe and the password it follows, which config never names.
  REQUIRE(web.generated_secrets.count("ownerPassword") == 1);
  CHECK(web.generated_secrets.at("ownerPasswordHash").kind == "bcrypt");
  CHECK(web.generated_secrets.at("ownerPasswordHash").from == "ownerPassword");
  CHECK(web.generated_secrets.at("ownerPassword").length == 24);
}

}  // namespace
}  // namespace dflow
