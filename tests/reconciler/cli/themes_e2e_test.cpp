// The built-in themes applied on simulated Dokku nodes behind real sshd: from nothing, one
// `dflow apply` converges (the next plan is empty), a second changes nothing, the secrets dflow
// generates once are the same on every node and survive re-applies, new processes and a change
// of an unrelated parameter, and the tools' variables carry the linked datastores' values.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "providers/dokku/derived_config.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

constexpr char kThemedApps[] = R"(apiVersion: dflow/v1
kind: Application
metadata: {name: automation}
spec:
  theme: n8n
  parameters: {domain: n8n.learn.example.com, ownerEmail: ops@example.com, runners: external}
  environments:
    production:
      services:
        web: {placement: {nodes: [prod-1]}}   # Dokku links a database within a node
---
apiVersion: dflow/v1
kind: Application
metadata: {name: cms}
spec:
  theme: strapi
  parameters:
    domain: cms.learn.example.com
    repo: https://git.example.com/learn/cms.git
    ref: v1.0.0
  environments:
    production: {placement: {nodes: [prod-2]}}
---
apiVersion: dflow/v1
kind: Application
metadata: {name: content}
spec:
  theme: directus
  parameters: {domain: content.learn.example.com, adminEmail: ops@example.com}
  environments:
    production: {placement: {nodes: [prod-1]}}
)";

// The durable secrets: from the operator's secrets file.
constexpr char kSecretsFile[] = R"(production:
  automation:
    N8N_ENCRYPTION_KEY: "n8n-durable-canary-6d1f"
  cms:
    ENCRYPTION_KEY: "strapi-durable-canary-0b7e"
)";

// The generated, derived and datastore-derived keys each theme sets, per node and Dokku app.
// n8n's runners run on both nodes, its web (with the database) on prod-1 only.
struct ThemedKeys {
  std::string node;
  std::string app;
  std::vector<std::string> keys;
};
const std::vector<ThemedKeys> kThemedKeys = {
    {"prod-1",
     "automation-web-production",
     {"N8N_INSTANCE_OWNER_PASSWORD_HASH", "DB_POSTGRESDB_PASSWORD", "N8N_RUNNERS_AUTH_TOKEN"}},
    {"prod-1", "automation-runners-production", {"N8N_RUNNERS_AUTH_TOKEN"}},
    {"prod-2", "automation-runners-production", {"N8N_RUNNERS_AUTH_TOKEN"}},
    {"prod-2",
     "cms-web-production",
     {"APP_KEYS", "API_TOKEN_SALT", "ADMIN_JWT_SECRET", "TRANSFER_TOKEN_SALT", "JWT_SECRET"}},
    {"prod-1",
     "content-web-production",
     {"SECRET", "ADMIN_PASSWORD", "DB_CONNECTION_STRING", "REDIS"}},
};

class ThemesRig {
 public:
  ThemesRig() : rig_(test::kSampleRepoNodes) {
    for (const auto& entry : fs::directory_iterator(rig_.repo().path() / "applications"))
      fs::remove(entry.path());
    rig_.repo().Write("applications/themes.yaml", kThemedApps);
    rig_.repo().CommitAll("three themes");
    test::WriteFile(dir_.path() / "secrets.yaml", kSecretsFile);
  }

  // dflow with this rig's key, the secrets file above and the generated secrets beside it.
  test::Captured Dflow(std::vector<std::string> args) const {
    args.insert(args.begin(), DFLOW_EXE);
    for (const std::string& more :
         {std::string("--secrets"), (dir_.path() / "secrets.yaml").string(), std::string("-i"),
          rig_.identity()})
      args.push_back(more);
    test::Captured run = test::RunCapture(args, "", {"DFLOW_FORGE_TOKEN=", "GITHUB_TOKEN="});
    output_ += run.out + run.err;
    return run;
  }

  void ApplyThenPlanEmpty() const {
    const std::string repo = rig_.repo().path().string();
    const test::Captured apply = Dflow({"apply", repo, "--yes"});
    REQUIRE_MESSAGE(apply.exit_code == 0, apply.out << apply.err);
    const test::Captured plan = Dflow({"plan", repo, "--detailed-exitcode"});
    REQUIRE_MESSAGE(plan.exit_code == 0, "plan after apply:\n" << plan.out << plan.err);
  }

  // "node app key" -> value, for every key of kThemedKeys.
  std::map<std::string, std::string> Values() const {
    std::map<std::string, std::string> values;
    for (const ThemedKeys& app : kThemedKeys)
      for (const std::string& key : app.keys)
        values[app.node + " " + app.app + " " + key] =
            test::ConfigValue(rig_, app.node, app.app, key);
    return values;
  }

  test::FleetRig& rig() { return rig_; }
  const std::string& output() const { return output_; }
  const fs::path& dir() const { return dir_.path(); }

 private:
  test::FleetRig rig_;
  test::ScopedTempDir dir_;
  mutable std::string output_;  // everything dflow printed, for the canary checks
};

std::string Password(const std::string& url) {
  std::optional<DatastoreConnection> connection = ParseDatastoreUrl(url);
  return connection ? connection->password : "<no password in url>";
}

TEST_CASE("n8n, Strapi and Directus apply from nothing in one pass and keep their secrets") {
  ThemesRig themes;
  themes.ApplyThenPlanEmpty();
  const auto first = themes.Values();
  test::FleetRig& rig = themes.rig();

  for (const auto& [key, value] : first) {
    CAPTURE(key);
    CHECK(value != "<unset>");
  }
  // Generated once for the application: the same in each of its apps, on every node.
  const std::string token = first.at("prod-1 automation-web-production N8N_RUNNERS_AUTH_TOKEN");
  CHECK(token.size() == 64);  // 32 bytes, hex
  CHECK(first.at("prod-1 automation-runners-production N8N_RUNNERS_AUTH_TOKEN") == token);
  CHECK(first.at("prod-2 automation-runners-production N8N_RUNNERS_AUTH_TOKEN") == token);
  // The tools' variables carry the linked datastores' values.
  CHECK(first.at("prod-1 automation-web-production DB_POSTGRESDB_PASSWORD") ==
        Password(test::ConfigValue(rig, "prod-1", "automation-web-production", "DATABASE_URL")));
  CHECK(test::ConfigValue(rig, "prod-1", "automation-web-production", "DB_POSTGRESDB_HOST") ==
        "dokku-postgres-automation-db-production");
  CHECK(first.at("prod-1 content-web-production DB_CONNECTION_STRING") ==
        test::ConfigValue(rig, "prod-1", "content-web-production", "DATABASE_URL"));
  CHECK(first.at("prod-1 content-web-production REDIS") ==
        test::ConfigValue(rig, "prod-1", "content-web-production", "REDIS_URL"));
  // Formats: bcrypt of the owner password ($2b$, cost 10), Strapi's four app keys.
  const std::string hash =
      first.at("prod-1 automation-web-production N8N_INSTANCE_OWNER_PASSWORD_HASH");
  CHECK(hash.rfind("$2b$10$", 0) == 0);
  CHECK(hash.size() == 60);
  const std::string app_keys = first.at("prod-2 cms-web-production APP_KEYS");
  CHECK(std::count(app_keys.begin(), app_keys.end(), ',') == 3);
  CHECK(first.at("prod-1 content-web-production SECRET").size() == 43);  // base64url of 32

  // A second apply changes nothing; the generated file is kept beside the secrets file, 0600.
  const std::string repo = rig.repo().path().string();
  const test::Captured again = themes.Dflow({"apply", repo, "--yes"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("Nothing to do") != std::string::npos);
  const fs::path generated = themes.dir() / "generated-secrets.json";
  REQUIRE(fs::exists(generated));
  const fs::perms owner_only = fs::perms::owner_read | fs::perms::owner_write;
  CHECK((fs::status(generated).permissions() & fs::perms::all) == owner_only);
  CHECK(themes.Values() == first);

  // An unrelated parameter changes config and restarts, but no secret.
  std::string apps = kThemedApps;
  apps.replace(apps.find("runners: external}"), 18, "runners: external, timezone: Europe/Berlin}");
  rig.repo().Write("applications/themes.yaml", apps);
  rig.repo().CommitAll("n8n in Berlin");
  themes.ApplyThenPlanEmpty();
  CHECK(test::ConfigValue(rig, "prod-1", "automation-web-production", "GENERIC_TIMEZONE") ==
        "Europe/Berlin");
  CHECK(themes.Values() == first);

  // Canary: no durable, generated or datastore-derived value in anything dflow printed.
  const std::string& printed = themes.output();
  CHECK(printed.find("durable-canary") == std::string::npos);
  for (const auto& [key, value] : first) {
    CAPTURE(key);
    CHECK(printed.find(value) == std::string::npos);
    CHECK(printed.find(Password(value)) == std::string::npos);
  }
  CHECK(printed.find("generated once") != std::string::npos);  // the plan says where from
}

}  // namespace
}  // namespace dflow
