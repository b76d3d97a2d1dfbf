// The secret canary: distinctive secret values go in through every door dflow has (the secrets
// file, the config repo URL's password, the forge token, the webhook secret, the badge secret,
// the token of an app's own repository, the password in the URL of a datastore used from
// another node; and the values dflow makes itself: the secrets themes generate once, a bcrypt
// hash, the linked datastores' passwords and URLs that themes copy),
// and every output people or machines see is searched for them, raw and base64-encoded:
// validate, render, plan (text, JSON, markdown), apply, `dflow run`'s log (at debug level),
// /api/v1/status, /api/v1/history, /api/v1/releases, /metrics and the badges.
//
// A feature that takes a new secret adds its value to Canaries() and feeds it in below; a
// feature with a new output adds that output to the checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "manifests-schema/base/base64.h"
#include "manifests-schema/base/digest.h"
#include "reconciler/status/badge.h"
#include "tests/support/controller_process.h"
#include "tests/support/fake_forge.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/git_http_server.h"
#include "tests/support/git_repo.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kNodes = {"prod-1", "prod-2", "staging-1"};
constexpr char kSecretsFileValue[] = "canary-secrets-file-Q7x9Lm";
constexpr char kRepoPassword[] = "canary-repo-password-R2d2Vk";
constexpr char kWebhookSecret[] = "canary-webhook-secret-W3bhZp";
constexpr char kBadgeSecret[] = "canary-badge-secret-B4dgYn";
constexpr char kSourceToken[] = "canary-app-source-token-S0urcT";
const std::string kStagingApp = "course-management-web-staging";
const std::string kRemoteDb = "course-management-courses-db-production";

// The simulator's password of postgres service `service` (tests/dokku-sim/sim_datastores.cpp).
std::string SimPostgresPassword(const std::string& service) {
  return Sha256Hex("postgres/password/" + service).substr(0, 32);
}

struct Canary {
  std::string name;
  std::string value;
};

// Values only known once dflow made them (generated, or read from a datastore on a node).
std::vector<Canary>& MadeCanaries() {
  static std::vector<Canary> made;
  return made;
}

std::vector<Canary> Canaries() {
  std::vector<Canary> all = {{"secrets file value", kSecretsFileValue},
                             {"repo URL password", kRepoPassword},
                             {"forge token", test::kFakeForgeToken},
                             {"webhook secret", kWebhookSecret},
                             {"badge secret", kBadgeSecret},
                             {"app source token", kSourceToken},
                             {"remote datastore password", SimPostgresPassword(kRemoteDb)}};
  all.insert(all.end(), MadeCanaries().begin(), MadeCanaries().end());
  return all;
}

// The sample's themed apps: what dflow generated and what it read from their datastores.
void AddMadeCanaries(const test::FleetRig& rig) {
  const std::vector<std::vector<std::string>> made = {
      {"prod-1", "automation-web-production", "N8N_INSTANCE_OWNER_PASSWORD_HASH"},
      {"prod-1", "automation-web-production", "DB_POSTGRESDB_PASSWORD"},
      {"prod-2", "course-content-web-production", "SECRET"},
      {"prod-2", "course-content-web-production", "ADMIN_PASSWORD"},
      {"prod-2", "course-content-web-production", "DB_CONNECTION_STRING"},
      {"prod-2", "course-content-web-production", "REDIS"},
      {"staging-1", "course-content-web-staging", "SECRET"}};
  for (const auto& m : made) {
    const std::string value = test::ConfigValue(rig, m[0], m[1], m[2]);
    CHECK_MESSAGE(value.size() >= 16, m[1] << " " << m[2] << " = " << value.size() << " bytes");
    MadeCanaries().push_back({"made " + m[1] + " " + m[2], value});
  }
}

// `value` as it shows inside base64 text at each of the three byte alignments: the whole
// encoding, and the characters that only its own bytes decide (without the first group when it
// holds earlier bytes, and without the last group, which may hold later ones).
std::vector<std::string> Base64Forms(const std::string& value) {
  std::vector<std::string> forms = {Base64Encode(value)};
  for (std::size_t shift = 0; shift < 3; ++shift) {
    const std::string encoded = Base64Encode(std::string(shift, '\0') + value);
    const std::size_t skip = shift == 0 ? 0 : 4;
    forms.push_back(encoded.substr(skip, encoded.size() - skip - 4));
  }
  return forms;
}

// The canary found in `text`, raw or in base64, or "" when there is none.
std::string Leak(const std::string& text) {
  for (const Canary& canary : Canaries()) {
    if (text.find(canary.value) != std::string::npos) return canary.name;
    for (const std::string& form : Base64Forms(canary.value))
      if (text.find(form) != std::string::npos) return canary.name + " (base64)";
  }
  return "";
}

void CheckClean(const std::string& output, const std::string& text) {
  const std::string leak = Leak(text);
  CHECK_MESSAGE(leak.empty(), output << " shows the " << leak);
}

test::Captured DflowNoTokens(std::vector<std::string> args) {
  args.insert(args.begin(), DFLOW_EXE);
  return test::RunCapture(args, "", {"DFLOW_FORGE_TOKEN=", "GITHUB_TOKEN="});
}

// The example secrets file with the staging STRIPE_API_KEY set to the canary, and the app
// source token as the gitAuth password of the loopback host.
std::string WriteSecretsFile(const test::FleetRig& rig, const fs::path& dir) {
  std::string text = test::ReadFile(rig.secrets_file());
  const std::string from = "sk_test_change_me";
  REQUIRE(text.find(from) != std::string::npos);
  text.replace(text.find(from), from.size(), kSecretsFileValue);
  // The nodes clone course-management's private repository (on loopback) with the same token,
  // through Dokku's git:auth.
  text += std::string("gitAuth:\n  127.0.0.1:\n    username: x-access-token\n    password: \"") +
          kSourceToken + "\"\n";
  test::WriteFile(dir / "secrets.yaml", text);
  return (dir / "secrets.yaml").string();
}

std::string ConfigValue(const test::FleetRig& rig, const std::string& key) {
  test::Captured got = rig.Dokku("staging-1", {"config:get", kStagingApp, key});
  return got.exit_code == 0 ? got.out : "<unset>";
}

TEST_CASE("the canary itself finds a value raw and inside base64 at any alignment") {
  CHECK(Leak(std::string("x ") + kBadgeSecret + " y") == "badge secret");
  for (const std::string prefix : {"", "a", "ab", "abc"}) {
    CAPTURE(prefix);
    CHECK(Leak(Base64Encode(prefix + kSecretsFileValue + "tail")) == "secrets file value (base64)");
  }
  CHECK(Leak("nothing to see; " + Base64Encode("nor here")).empty());
}

// course-management gets a `reports` service on prod-2 that uses courses-db, which stays on
// prod-1: its DATABASE_URL (with the datastore's password) is read on prod-1.
void AddRemoteConsumer(test::FleetRig& rig) {
  const fs::path manifest = rig.repo().path() / "applications/course-management.yaml";
  std::string text = test::ReadFile(manifest);
  const std::string services = "  services:\n";
  text.replace(text.find(services), services.size(),
               services +
                   "    - name: reports\n"
                   "      source: {image: \"registry.example.com/learning/reports:1.0\"}\n"
                   "      databases: [courses-db]\n");
  const std::string domains = "      domains: [courses.staging.example.com]";
  REQUIRE(text.find(domains) != std::string::npos);
  text.replace(text.find(domains), domains.size(),
               "      services: {web: {domains: [courses.staging.example.com]}}");
  const std::string placement = "      placement: {nodes: [prod-1]}";
  REQUIRE(text.find(placement) != std::string::npos);
  text.replace(text.find(placement), placement.size(),
               placement +
                   "\n      services: {reports: {placement: {nodes: [prod-2]}}}"
                   "\n      databases: {courses-db: {placement: {node: prod-1}}}");
  test::WriteFile(manifest, text);
}

TEST_CASE("no secret shows in any output of the CLI or of dflow run") {
  test::FleetRig rig(kNodes);
  AddRemoteConsumer(rig);
  const std::size_t app_count = rig.AppCount();
  const std::string commit = rig.repo().CommitAll("canary fleet");
  test::ScopedTempDir dir;
  const std::string secrets = WriteSecretsFile(rig, dir.path());
  const std::string repo = rig.repo().path().string();
  const std::vector<std::string> node_args = {"--secrets", secrets, "-i", rig.identity()};
  auto with_nodes = [&](std::vector<std::string> args) {
    args.insert(args.end(), node_args.begin(), node_args.end());
    return DflowNoTokens(args);
  };

  struct Run {
    std::string name;
    test::Captured captured;
    int exit_code;
  };
  const Run cli_runs[] = {
      {"validate", DflowNoTokens({"validate", repo, "--secrets", secrets}), 0},
      {"validate json", DflowNoTokens({"validate", repo, "--secrets", secrets, "--format", "json"}),
       0},
      {"render yaml", DflowNoTokens({"render", repo, "--secrets", secrets}), 0},
      {"render json", DflowNoTokens({"render", repo, "--secrets", secrets, "--format", "json"}), 0},
      {"plan text", with_nodes({"plan", repo, "--live"}), 0},
      {"plan json", with_nodes({"plan", repo, "--live", "--format", "json"}), 0},
      {"plan markdown", with_nodes({"plan", repo, "--live", "--format", "markdown"}), 0},
      {"apply --dry-run", with_nodes({"apply", repo, "--dry-run"}), 0},
  };
  for (const Run& run : cli_runs) {
    CAPTURE(run.name);
    CHECK_MESSAGE(run.captured.exit_code == run.exit_code, run.captured.err);
    CheckClean(run.name + " stdout", run.captured.out);
    CheckClean(run.name + " stderr", run.captured.err);
  }

  // dflow run: the repo over http with a password in its URL, a forge, private badges, a
  // webhook; debug logging, so that every step is in the log.
  test::GitHttpServer git(rig.repo().path(),
                          "Basic " + Base64Encode(std::string("canary:") + kRepoPassword));
  // course-management's own repository, private: its refs resolve with the token of `sources:`.
  test::GitRepo app_source(dir.path() / "course-management");
  app_source.Write("app.txt", "v1\n");
  app_source.CommitAll("v1");
  app_source.Git("tag -a v1.4.2 -m v1.4.2");
  test::GitHttpServer app_git(
      app_source.path(), "Basic " + Base64Encode(std::string("x-access-token:") + kSourceToken));
  rig.PointCourseManagementAt(app_git.Url(), "course-management from a private repository");
  test::WriteFile(dir.path() / "source-token", std::string(kSourceToken) + "\n");
  const std::string app_host = app_git.Url().substr(7, app_git.Url().find('/', 7) - 7);
  test::FakeForge forge(ForgeKind::kGitHub);
  test::WriteFile(dir.path() / "forge-token", std::string(test::kFakeForgeToken) + "\n");
  test::WriteFile(dir.path() / "badge-secret", std::string(kBadgeSecret) + "\r\n");
  test::ControllerProcessOptions options = rig.ControllerOptions();
  options.repo_url = git.Url(std::string("canary:") + kRepoPassword);
  options.secrets_file = secrets;
  options.webhook_secret = kWebhookSecret;
  options.log_level = "debug";
  options.extra_config = "badges: {tokenSecretFile: \"" + (dir.path() / "badge-secret").string() +
                         "\"}\nforge: {kind: github, apiUrl: \"" + forge.Base() +
                         "\", repo: acme/shop, tokenFile: \"" +
                         (dir.path() / "forge-token").string() + "\"}\n" + "sources: {\"" +
                         app_host + "\": {tokenFile: \"" + (dir.path() / "source-token").string() +
                         "\"}}\n";
  test::ControllerProcess controller(options);
  controller.Start();
  const bool converged = test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); });
  const std::string shown = Leak(controller.Log()).empty() ? controller.Log() : "(log leaks)";
  REQUIRE_MESSAGE(converged, shown);
  AddMadeCanaries(rig);

  // Each secret was used, so that a clean output means scrubbed, not unused.
  CHECK(ConfigValue(rig, "STRIPE_API_KEY") == std::string(kSecretsFileValue) + "\n");
  const test::Captured remote_url =
      rig.Dokku("prod-2", {"config:get", "course-management-reports-production", "DATABASE_URL"});
  CHECK(remote_url.out.find(SimPostgresPassword(kRemoteDb) + "@" + rig.PrivateHost("prod-1")) !=
        std::string::npos);
  const std::vector<std::string> auth = git.AuthHeaders();
  CHECK(std::count(auth.begin(), auth.end(),
                   "Basic " + Base64Encode(std::string("canary:") + kRepoPassword)) > 0);
  CHECK(test::ControllerProcess::WaitFor([&] { return !forge.Requests().empty(); }));
  const std::vector<std::string> app_auth = app_git.AuthHeaders();
  CHECK(std::count(app_auth.begin(), app_auth.end(),
                   "Basic " + Base64Encode(std::string("x-access-token:") + kSourceToken)) > 0);
  const std::string body = R"({"ref":"refs/heads/main","after":")" + commit + R"("})";
  test::HttpReply webhook =
      test::HttpPost(controller.url("/api/v1/webhook"), body,
                     {"X-GitHub-Event: push", "X-GitHub-Delivery: canary-1",
                      "X-Hub-Signature-256: sha256=" + HmacSha256Hex(kWebhookSecret, body),
                      "Content-Type: application/json"});
  CHECK(webhook.status == 202);
  const std::string badge_path = "/badge/staging.svg";
  test::HttpReply badge =
      test::HttpGet(controller.url(badge_path + "?token=" + BadgeToken(kBadgeSecret, badge_path)));
  CHECK(badge.status == 200);
  CHECK(test::HttpGet(controller.url(badge_path)).status == 401);

  for (const std::string path :
       {"/api/v1/status", "/api/v1/history", "/api/v1/history?changes=1&limit=500",
        "/api/v1/releases?limit=500", "/metrics"}) {
    test::HttpReply reply = test::HttpGet(controller.url(path));
    CHECK(reply.status == 200);
    CheckClean(path, reply.body);
  }
  CheckClean("badge", badge.body);
  CheckClean("webhook reply", webhook.body);
  for (const auto& request : forge.Requests()) CheckClean("forge request body", request.body);

  // The nodes converged: a real apply now runs nothing, but prints its plan and summary.
  // With the controller's generated secrets (else the CLI would make its own).
  const Run apply{"apply",
                  with_nodes({"apply", repo, "--yes", "--generated-secrets",
                              controller.state_dir() + "/generated-secrets.json"}),
                  0};
  CHECK_MESSAGE(apply.captured.exit_code == 0, apply.captured.err);
  CheckClean("apply stdout", apply.captured.out);
  CheckClean("apply stderr", apply.captured.err);

  // dflow secrets show lists the generated secrets by name, date and hash prefix; --reveal of
  // a secret its theme does not mark `reveal: true` is refused. (An explicit reveal of one that
  // is marked prints its value: that is the one output allowed to.)
  const std::string store = controller.state_dir();
  const Run secrets_runs[] = {
      {"secrets show", DflowNoTokens({"secrets", "show", "--state-dir", store}), 0},
      {"secrets show --reveal",
       DflowNoTokens({"secrets", "show", "course-content", "--reveal", "secret", "-e", "production",
                      "--state-dir", store}),
       1},
  };
  for (const Run& run : secrets_runs) {
    CAPTURE(run.name);
    CHECK_MESSAGE(run.captured.exit_code == run.exit_code, run.captured.err);
    CheckClean(run.name + " stdout", run.captured.out);
    CheckClean(run.name + " stderr", run.captured.err);
  }
  CHECK(secrets_runs[0].captured.out.find("course-content") != std::string::npos);

  controller.Stop();
  CHECK(controller.exit_code() == 0);
  const std::string log = controller.Log();
  CHECK(log.find("following http://***@127.0.0.1:") != std::string::npos);
  CheckClean("dflow run log", log);
}

}  // namespace
}  // namespace dflow
