#include <doctest/doctest.h>

#include "manifests-schema/desired_state_json.h"
#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/secrets_file.h"
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

namespace dflow {
namespace {

TEST_CASE("packaging/secrets.example.yaml covers every secret key of sample-repo") {
  Result<SecretValues> secrets =
      LoadSecretsFile((test::SourceDir() / "packaging/secrets.example.yaml").string());
  REQUIRE(secrets.ok());
  LoadOptions options;
  options.secrets = &secrets.value();
  LoadResult result =
      LoadDesiredState(test::ReadFixtureDir(test::SourceDir() / "sample-repo"), options);
  CHECK(test::DiagnosticsText(result.diagnostics) == "");
  CHECK(result.ok());
}

TEST_CASE("sample-repo without its secret values fails naming the first missing key") {
  SecretValues empty;
  LoadOptions options;
  options.secrets = &empty;
  LoadResult result =
      LoadDesiredState(test::ReadFixtureDir(test::SourceDir() / "sample-repo"), options);
  REQUIRE_FALSE(result.ok());
  CHECK(result.diagnostics.front().ToString() ==
        "applications/community.yaml:15:17: no value for secret 'SMTP_PASSWORD' of service "
        "'community/api' in environment 'staging' (add it to the secrets file under "
        "'staging')");
}

}  // namespace
}  // namespace dflow
