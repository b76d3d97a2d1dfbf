// The published JSON Schema and the loader must agree on what is valid: valid/ fixtures and
// sample-repo/ pass both; invalid/schema/ fixtures fail both; invalid/semantic/ fixtures pass
// the schema (their errors are cross-document rules only the loader sees) and fail the loader
// (fixtures_test.cpp). check_schema.py does the schema side with python3-yaml + jsonschema.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "tests/manifests-schema/fixture_source.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

// Directory -> the verdict the schema must give ("valid" or "invalid").
std::map<std::string, std::string> ExpectedVerdicts() {
  fs::path root = test::SourceDir() / "tests/fixtures/manifests";
  std::map<std::string, std::string> out;
  out[(test::SourceDir() / "sample-repo").string()] = "valid";
  out[(test::SourceDir() / "manifests-schema/themes").string()] = "valid";
  for (auto [dir, verdict] : {std::pair{"valid", "valid"}, std::pair{"invalid/semantic", "valid"},
                              std::pair{"invalid/schema", "invalid"}}) {
    for (const auto& entry : fs::directory_iterator(root / dir)) {
      if (entry.is_directory()) out[entry.path().string()] = verdict;
    }
  }
  return out;
}

TEST_CASE("the JSON Schema accepts and rejects exactly what the loader does") {
  auto expected = ExpectedVerdicts();
  REQUIRE(expected.size() > 60);
  std::vector<std::string> argv = {
      "/usr/bin/python3", (test::SourceDir() / "tests/manifests-schema/check_schema.py").string(),
      (test::SourceDir() / "manifests-schema/dflow.schema.json").string()};
  for (const auto& [dir, verdict] : expected) argv.push_back(dir);
  test::Captured run = test::RunCapture(argv, "");
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  std::istringstream lines(run.out);
  std::string line;
  std::size_t seen = 0;
  while (std::getline(lines, line)) {
    auto space = line.find(' ');
    REQUIRE(space != std::string::npos);
    std::string dir = line.substr(0, space);
    std::string verdict = line.substr(space + 1);
    CAPTURE(line);
    REQUIRE(expected.count(dir) == 1);
    CHECK(verdict.rfind(expected[dir], 0) == 0);
    if (expected[dir] == "valid") CHECK(verdict == "valid");
    ++seen;
  }
  CHECK(seen == expected.size());
}

}  // namespace
}  // namespace dflow
