// Runs the loader over tests/fixtures/manifests: every valid/<case>/ must load with no
// diagnostics and render exactly <case>.expected.json; every invalid/<kind>/<case>/ must fail
// with exactly the diagnostics in its expected.txt (file:line:column: message (hint)).
// DFLOW_UPDATE_GOLDEN=1 rewrites the expected files; review the diff before committing.
#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "manifests-schema/desired_state_json.h"
#include "manifests-schema/desired_state_loader.h"
#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> CaseDirs(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void CheckGolden(const fs::path& golden, const std::string& actual) {
  if (std::getenv("DFLOW_UPDATE_GOLDEN")) test::WriteGolden(golden, actual);
  REQUIRE_MESSAGE(fs::exists(golden), golden.string());
  CHECK(actual == test::ReadAll(golden));
}

const fs::path kFixtures = test::SourceDir() / "tests/fixtures/manifests";

TEST_CASE("valid fixtures load without diagnostics and render their expected JSON") {
  auto cases = CaseDirs(kFixtures / "valid");
  CHECK(cases.size() >= 4);
  for (const fs::path& dir : cases) {
    CAPTURE(dir.filename().string());
    LoadResult result = LoadDesiredState(test::ReadFixtureDir(dir));
    CHECK(test::DiagnosticsText(result.diagnostics) == "");
    REQUIRE(result.ok());
    fs::path golden = dir.parent_path() / (dir.filename().string() + ".expected.json");
    CheckGolden(golden, DesiredStateToJson(*result.desired).dump(2) + "\n");
  }
}

void CheckInvalid(const fs::path& kind_dir) {
  auto cases = CaseDirs(kind_dir);
  for (const fs::path& dir : cases) {
    CAPTURE(dir.filename().string());
    LoadResult result = LoadDesiredState(test::ReadFixtureDir(dir));
    CHECK_FALSE(result.ok());
    CHECK_FALSE(result.diagnostics.empty());
    CheckGolden(dir / "expected.txt", test::DiagnosticsText(result.diagnostics));
  }
}

TEST_CASE("invalid fixtures that the JSON Schema also rejects report exact diagnostics") {
  CHECK(CaseDirs(kFixtures / "invalid/schema").size() >= 25);
  CheckInvalid(kFixtures / "invalid/schema");
}

TEST_CASE("invalid fixtures that only cross-checks catch report exact diagnostics") {
  CHECK(CaseDirs(kFixtures / "invalid/semantic").size() >= 15);
  CheckInvalid(kFixtures / "invalid/semantic");
}

}  // namespace
}  // namespace dflow
