#include "providers/dokku/build_context.h"

#include <doctest/doctest.h>

#include "providers/dokku/dokku_commands.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

HealthCheck N8nHealth() {
  HealthCheck h;
  h.path = "/healthz/readiness";
  h.port = 5678;
  h.attempts = 60;
  h.wait = 5;
  return h;
}

TEST_CASE("app.json holds one startup check for web, with its port and only the fields set") {
  CHECK(HealthAppJson(N8nHealth()) ==
        "{\n"
        "  \"healthchecks\": {\n"
        "    \"web\": [\n"
        "      {\n"
        "        \"attempts\": 60,\n"
        "        \"name\": \"dflow health /healthz/readiness on 5678\",\n"
        "        \"path\": \"/healthz/readiness\",\n"
        "        \"port\": 5678,\n"
        "        \"type\": \"startup\",\n"
        "        \"wait\": 5\n"
        "      }\n"
        "    ]\n"
        "  }\n"
        "}\n");
  HealthCheck directus;
  directus.path = "/server/ping";
  directus.port = 8055;
  directus.content = "pong";
  directus.timeout = 3;
  directus.initial_delay = 10;
  const std::string json = HealthAppJson(directus);
  CHECK(json.find("\"content\": \"pong\"") != std::string::npos);
  CHECK(json.find("\"timeout\": 3") != std::string::npos);
  CHECK(json.find("\"initialDelay\": 10") != std::string::npos);
  CHECK(json.find("attempts") == std::string::npos);
}

TEST_CASE("the build context is deterministic and changes with the image or the check") {
  const std::string a = BuildContextArchive("n8nio/n8n:2.42.6", N8nHealth());
  CHECK(a == BuildContextArchive("n8nio/n8n:2.42.6", N8nHealth()));
  CHECK(a.size() % 512 == 0);
  const std::string digest = BuildContextDigest("n8nio/n8n:2.42.6", N8nHealth());
  CHECK(digest.size() == 16);
  CHECK(digest != BuildContextDigest("n8nio/n8n:2.43.0", N8nHealth()));
  HealthCheck other = N8nHealth();
  other.attempts = 30;
  CHECK(digest != BuildContextDigest("n8nio/n8n:2.42.6", other));
}

TEST_CASE("GNU tar reads the context back: two files, root-owned, fixed time, exact bytes") {
  const std::string archive = BuildContextArchive("directus/directus:12.1.1", N8nHealth());
  test::Captured list = test::RunCapture({"/usr/bin/tar", "-tvf", "-"}, archive, {"TZ=UTC"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.err == "");
  CHECK(list.out.find("-rw-r--r-- root/root") == 0);
  CHECK(list.out.find("2000-01-01 00:00 Dockerfile\n") != std::string::npos);
  CHECK(list.out.find("2000-01-01 00:00 app.json\n") != std::string::npos);
  test::ScopedTempDir dir;
  test::Captured extract =
      test::RunCapture({"/usr/bin/tar", "-xf", "-", "-C", dir.path().string()}, archive);
  REQUIRE(extract.exit_code == 0);
  CHECK(extract.err == "");
  CHECK(test::ReadFile(dir.path() / "Dockerfile") == "FROM directus/directus:12.1.1\n");
  CHECK(test::ReadFile(dir.path() / "app.json") == HealthAppJson(N8nHealth()));
}

TEST_CASE("deploy-archive sends git:from-archive <app> -- with the context on stdin") {
  Action action;
  action.kind = ActionKind::kDeployArchive;
  action.node = "node-1";
  action.app = "automation-web-production";
  action.value = "n8nio/n8n:2.42.6";
  action.health = N8nHealth();
  Result<RenderedCommand> rendered = RenderDokkuCommand(action, {});
  REQUIRE(rendered.ok());
  CHECK(rendered->argv ==
        std::vector<std::string>{"--quiet", "git:from-archive", "automation-web-production", "--"});
  CHECK(rendered->stdin_data == BuildContextArchive("n8nio/n8n:2.42.6", N8nHealth()));
  CHECK(DisplayDokkuCommand(action) == "dokku git:from-archive automation-web-production --");
  action.health = {};
  CHECK_FALSE(RenderDokkuCommand(action, {}).ok());
}

}  // namespace
}  // namespace dflow
