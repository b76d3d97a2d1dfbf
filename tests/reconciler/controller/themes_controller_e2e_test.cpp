// The controller keeps the secrets themes generate once: in the sample repo (n8n and Directus
// from built-in themes), a restart and a change of an unrelated parameter leave them as they
// were; they are kept in generated-secrets.json of the state directory, which only its owner
// reads, and never appear in the controller's log or status.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/controller_process.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/http_client.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

struct GeneratedKey {
  std::string node;
  std::string app;
  std::string key;
};

// Generated once (and a bcrypt hash of a generated password), per environment.
const std::vector<GeneratedKey> kGeneratedKeys = {
    {"prod-1", "automation-web-production", "N8N_INSTANCE_OWNER_PASSWORD_HASH"},
    {"prod-2", "course-content-web-production", "SECRET"},
    {"prod-2", "course-content-web-production", "ADMIN_PASSWORD"},
    {"staging-1", "course-content-web-staging", "SECRET"},
};

std::vector<std::string> Values(const test::FleetRig& rig) {
  std::vector<std::string> values;
  for (const GeneratedKey& k : kGeneratedKeys)
    values.push_back(test::ConfigValue(rig, k.node, k.app, k.key));
  return values;
}

TEST_CASE("the controller's generated secrets survive a restart and an unrelated change") {
  test::FleetRig rig(test::kSampleRepoNodes);
  const std::size_t app_count = rig.AppCount();
  rig.repo().CommitAll("sample repo");
  test::ControllerProcess controller(rig.ControllerOptions());
  controller.Start();
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); }));
  std::vector<std::string> first = Values(rig);
  for (const std::string& value : first) CHECK(value != "<unset>");
  CHECK(first[1] != first[3]);  // one value per environment
  const fs::path file = fs::path(controller.state_dir()) / "generated-secrets.json";
  REQUIRE(fs::exists(file));
  CHECK((fs::status(file).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  controller.Stop();
  // An unrelated parameter, applied by the restarted controller.
  const fs::path app = rig.repo().path() / "applications/automation.yaml";
  std::stringstream text;
  text << std::ifstream(app).rdbuf();
  std::string yaml = text.str();
  yaml.replace(yaml.find("timezone: Europe/Berlin"), 23, "timezone: Europe/Paris");
  rig.repo().Write("applications/automation.yaml", yaml);
  rig.repo().CommitAll("n8n in Paris");
  controller.Start();
  REQUIRE(test::ControllerProcess::WaitFor([&] {
    return test::ConfigValue(rig, "prod-1", "automation-web-production", "GENERIC_TIMEZONE") ==
           "Europe/Paris";
  }));
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); }));
  CHECK(Values(rig) == first);

  // `dflow secrets rotate` on the state directory: the running controller's next pass makes a
  // new value (it keeps the store in memory, so the command leaves a request, not an edit).
  test::Captured rotate =
      test::RunCapture({DFLOW_EXE, "secrets", "rotate", "course-content", "secret", "--state-dir",
                        controller.state_dir(), "-e", "production"},
                       "");
  CHECK(rotate.exit_code == 0);
  CHECK(rotate.out.find("rotation of production/course-content/secret requested") == 0);
  REQUIRE(test::ControllerProcess::WaitFor([&] {
    const std::string now =
        test::ConfigValue(rig, "prod-2", "course-content-web-production", "SECRET");
    return now != first[1] && now != "<unset>";
  }));
  std::vector<std::string> rotated = Values(rig);
  CHECK(rotated[0] == first[0]);
  CHECK(rotated[2] == first[2]);  // the other secrets of the application stay
  CHECK(rotated[3] == first[3]);  // and the other environment's
  REQUIRE(test::ControllerProcess::WaitFor([&] {
    return fs::is_empty(fs::path(controller.state_dir()) / "generated-secrets.json.rotate");
  }));
  first.push_back(rotated[1]);

  // Canary: the controller printed and served none of them.
  const std::string seen = controller.Log() + controller.Status().dump() +
                           test::HttpGet(controller.url("/api/v1/history?limit=500")).body;
  for (const std::string& value : first) CHECK(seen.find(value) == std::string::npos);
  controller.Stop();
}

}  // namespace
}  // namespace dflow
