// The built-in themes applied on simulated Dokku nodes behind real sshd: from nothing, one
// `dflow apply` converges (the next plan is empty), a second changes nothing, the secrets dflow
// generates once are the same on every node and survive re-applies, new processes and a change
// of an unrelated parameter, and the tools' variables carry the linked datastores' values.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
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

  // `dflow secrets ...` on the store beside the secrets file; its output joins the canary's
  // unless it is an explicit --reveal.
  test::Captured Secrets(std::vector<std::string> args, bool canary = true) const {
    args.insert(args.begin(), {DFLOW_EXE, "secrets"});
    args.push_back("--secrets");
    args.push_back((dir_.path() / "secrets.yaml").string());
    test::Captured run = test::RunCapture(args, "");
    if (canary) output_ += run.out + run.err;
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

// The app.json the node's last git:from-archive deployed (the simulator keeps it), or null.
nlohmann::json DeployedAppJson(test::FleetRig& rig, const std::string& node,
                               const std::string& app) {
  const fs::path state = rig.node(node).state_dir() / "apps" / (app + ".json");
  nlohmann::json doc = nlohmann::json::parse(test::ReadFile(state), nullptr, false);
  return doc.is_object() ? doc.value("app_json", nlohmann::json()) : nlohmann::json();
}

// The one web check of that app.json, or null.
nlohmann::json WebCheck(test::FleetRig& rig, const std::string& node, const std::string& app) {
  const nlohmann::json app_json = DeployedAppJson(rig, node, app);
  if (!app_json.is_object()) return nullptr;
  const nlohmann::json web = app_json["healthchecks"]["web"];
  return web.is_array() && web.size() == 1 ? web[0] : nlohmann::json();
}

std::string Password(const std::string& url) {
  std::optional<DatastoreConnection> connection = ParseDatastoreUrl(url);
  return connection ? connection->password : "<no password in url>";
}

TEST_CASE("n8n, Strapi and Directus apply from nothing in one pass and keep their secrets") {
  ThemesRig themes;
  themes.ApplyThenPlanEmpty();
  auto first = themes.Values();
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

  // The image themes deploy with their health checks: the node got the app.json, from stdin.
  const nlohmann::json n8n_check = WebCheck(rig, "prod-1", "automation-web-production");
  CHECK(n8n_check.value("path", "") == "/healthz/readiness");
  CHECK(n8n_check.value("port", 0) == 5678);
  CHECK(n8n_check.value("attempts", 0) == 60);
  CHECK(n8n_check.value("wait", 0) == 5);
  const nlohmann::json directus_check = WebCheck(rig, "prod-1", "content-web-production");
  CHECK(directus_check.value("path", "") == "/server/ping");
  CHECK(directus_check.value("content", "") == "pong");
  CHECK(rig.Dokku("prod-1", {"apps:report", "content-web-production", "--app-deploy-source"}).out ==
        "tar\n");
  // No health in the runners service, and Strapi's is in its own repo: no archive for them.
  CHECK(DeployedAppJson(rig, "prod-2", "automation-runners-production").is_null());
  CHECK(DeployedAppJson(rig, "prod-2", "cms-web-production").is_null());

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

  // dflow secrets show: names, dates, hash prefixes; a value only on an explicit --reveal of
  // a secret the theme marks reveal: true.
  test::Captured show = themes.Secrets({"show", "automation"});
  CHECK(show.exit_code == 0);
  CHECK(show.out.find("ENVIRONMENT  APPLICATION  SECRET             GENERATED") == 0);
  CHECK(show.out.find("\nproduction   automation   runnersToken       20") != std::string::npos);
  CHECK(show.out.find(" derived\n") != std::string::npos);  // the owner password's hash
  CHECK(show.out.find(" reveal\n") != std::string::npos);   // the owner password
  CHECK(show.out.find("content") == std::string::npos);
  test::Captured reveal = themes.Secrets({"show", "automation", "--reveal", "runnersToken"});
  CHECK(reveal.exit_code == 1);
  CHECK(reveal.err == "dflow: secret 'runnersToken' is not marked 'reveal: true' by its theme\n");
  reveal = themes.Secrets({"show", "automation", "--reveal", "ownerPassword"}, false);
  CHECK(reveal.exit_code == 0);
  CHECK(reveal.out.size() == 25);  // 24 characters and a newline

  // dflow secrets rotate: the next apply makes a new value, the same on every node and app;
  // a derived value follows its source, and is not rotated itself.
  test::Captured rotate = themes.Secrets({"rotate", "automation", "ownerPasswordHash"});
  CHECK(rotate.exit_code == 1);
  CHECK(rotate.err.find("is derived (bcrypt) from another secret") != std::string::npos);
  rotate = themes.Secrets({"rotate", "automation", "encryptionKey"});
  CHECK(rotate.exit_code == 1);
  CHECK(rotate.err.find("(it has: ownerPassword, ownerPasswordHash, runnersToken)") !=
        std::string::npos);
  rotate = themes.Secrets({"rotate", "automation", "runnersToken"});
  REQUIRE(rotate.exit_code == 0);
  CHECK(rotate.out.find("rotation of production/automation/runnersToken requested") == 0);
  themes.ApplyThenPlanEmpty();
  std::map<std::string, std::string> rotated = themes.Values();
  const std::string new_token =
      rotated.at("prod-1 automation-web-production N8N_RUNNERS_AUTH_TOKEN");
  CHECK(new_token != token);
  CHECK(rotated.at("prod-1 automation-runners-production N8N_RUNNERS_AUTH_TOKEN") == new_token);
  CHECK(rotated.at("prod-2 automation-runners-production N8N_RUNNERS_AUTH_TOKEN") == new_token);
  CHECK(rotated.at("prod-1 automation-web-production N8N_INSTANCE_OWNER_PASSWORD_HASH") == hash);
  CHECK(fs::is_empty(themes.dir() / "generated-secrets.json.rotate"));
  REQUIRE(themes.Secrets({"rotate", "automation", "ownerPassword"}).exit_code == 0);
  themes.ApplyThenPlanEmpty();
  CHECK(test::ConfigValue(rig, "prod-1", "automation-web-production",
                          "N8N_INSTANCE_OWNER_PASSWORD_HASH") != hash);
  rotated = themes.Values();
  std::map<std::string, std::string> all_values = first;
  for (const auto& [key, value] : rotated) all_values[key + " (rotated)"] = value;
  first = rotated;

  // An unrelated parameter changes config and restarts, but no secret.
  std::string apps = kThemedApps;
  apps.replace(apps.find("runners: external}"), 18, "runners: external, timezone: Europe/Berlin}");
  rig.repo().Write("applications/themes.yaml", apps);
  rig.repo().CommitAll("n8n in Berlin");
  themes.ApplyThenPlanEmpty();
  CHECK(test::ConfigValue(rig, "prod-1", "automation-web-production", "GENERIC_TIMEZONE") ==
        "Europe/Berlin");
  CHECK(themes.Values() == first);

  // A new image redeploys the build context (a new Dockerfile, the same check), in one pass.
  const std::string context_before =
      test::ConfigValue(rig, "prod-1", "content-web-production", "DFLOW_CONTEXT");
  apps.replace(apps.find("adminEmail: ops@example.com}"), 28,
               "adminEmail: ops@example.com, version: 12.2.0}");
  rig.repo().Write("applications/themes.yaml", apps);
  rig.repo().CommitAll("Directus 12.2.0");
  themes.ApplyThenPlanEmpty();
  CHECK(test::ConfigValue(rig, "prod-1", "content-web-production", "DFLOW_CONTEXT") !=
        context_before);
  CHECK(WebCheck(rig, "prod-1", "content-web-production") == directus_check);
  CHECK(themes.output().find("image directus/directus:12.2.0 or its health check changed") !=
        std::string::npos);

  // Canary: no durable, generated or datastore-derived value in anything dflow printed.
  const std::string& printed = themes.output();
  CHECK(printed.find("durable-canary") == std::string::npos);
  for (const auto& [key, value] : all_values) {
    CAPTURE(key);
    CHECK(printed.find(value) == std::string::npos);
    CHECK(printed.find(Password(value)) == std::string::npos);
  }
  CHECK(printed.find("generated once") != std::string::npos);  // the plan says where from
}

}  // namespace
}  // namespace dflow
