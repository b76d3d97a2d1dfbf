#include <doctest/doctest.h>

#include "manifests-schema/desired_state_json.h"
#include "manifests-schema/desired_state_loader.h"
#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

TEST_CASE("sample-repo validates with no diagnostics") {
  LoadResult result = LoadDesiredState(test::ReadFixtureDir(test::SourceDir() / "sample-repo"));
  CHECK(test::DiagnosticsText(result.diagnostics) == "");
  REQUIRE(result.ok());
  CHECK(result.desired->nodes.size() == 3);
  CHECK(result.desired->environments.size() == 2);
}

TEST_CASE("sample-repo renders to the pinned JSON") {
  LoadResult result = LoadDesiredState(test::ReadFixtureDir(test::SourceDir() / "sample-repo"));
  REQUIRE(result.ok());
  std::string rendered = DesiredStateToJson(*result.desired).dump(2) + "\n";
  auto golden = test::SourceDir() / "tests/fixtures/sample-repo.expected.json";
  if (std::getenv("DFLOW_UPDATE_GOLDEN")) test::WriteGolden(golden, rendered);
  CHECK(rendered == test::ReadAll(golden));
}

}  // namespace
}  // namespace dflow
