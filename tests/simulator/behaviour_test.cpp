// Dokku behaviour the controller relies on: exit codes, streams, restart semantics, the
// deploy model, datastores, plus the simulator's own log, faults and version override.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/simulator/sim_fixture.h"

namespace dflow::test {
namespace {

long DeployCount(const Sim& sim, const std::string& app) {
  auto doc = nlohmann::json::parse(ReadFile(sim.state() / "apps" / (app + ".json")));
  return doc.value("deploy_count", 0L);
}

const char* kInvalidName =
    " !     App name must begin with lowercase alphanumeric character, and may only contain "
    "lowercase alphanumerics, dots, and hyphens\n";

TEST_CASE("behaviour: app name checks and exit codes") {
  Sim sim;
  Captured missing = sim.Run({"config:export", "nope"});
  CHECK(missing.exit_code == 20);
  CHECK(missing.err == " !     App nope does not exist\n");
  CHECK(missing.out == "");

  Captured invalid = sim.Run({"config:export", "Bad"});
  CHECK(invalid.exit_code == 1);
  CHECK(invalid.err == kInvalidName);

  // Old-rule names (underscores) pass the Go check and then do not exist.
  CHECK(sim.Run({"ps:report", "old_app"}).exit_code == 20);

  Captured empty = sim.Run({"config:export", ""});
  CHECK(empty.exit_code == 1);
  CHECK(empty.err == " !     Please specify an app to run the command on\n");

  // bash verify_app_name turns any failure into exit 20.
  Captured bash = sim.Run({"git:from-image", "Bad", "nginx:1"});
  CHECK(bash.exit_code == 20);
  CHECK(bash.err == " !     App Bad does not exist\n");

  Captured create_bad = sim.Run({"apps:create", "my_app"});
  CHECK(create_bad.exit_code == 1);
  CHECK(create_bad.err == kInvalidName);
  CHECK(sim.Run({"apps:list", "--format", "json"}).out == "[]\n");

  sim.Ok({"apps:create", "web"});
  Captured dup = sim.Run({"apps:create", "web"});
  CHECK(dup.exit_code == 1);
  CHECK(dup.err == " !     Name is already taken\n");
}

TEST_CASE("behaviour: unknown command and version") {
  Sim sim;
  Captured c = sim.Run({"foo", "bar"});
  CHECK(c.exit_code == 1);
  CHECK(c.err ==
        " !     `foo bar` is not a dokku command.\n !     See `dokku help` for a list of "
        "available commands.\n");
  CHECK(sim.Run({"version"}).out == "dokku version 0.38.27\n");
  CHECK(sim.Run({"--version"}).out == "dokku version 0.38.27\n");
  CHECK(sim.Run({"version"}, "", {"DOKKU_SIM_VERSION=0.38.21"}).out == "dokku version 0.38.21\n");
}

TEST_CASE("behaviour: all-app reports with no apps warn on stderr and exit 0") {
  Sim sim;
  for (const char* report : {"apps:report", "ps:report", "domains:report", "ports:report"}) {
    Captured c = sim.Run({report, "--format", "json"});
    CHECK(c.exit_code == 0);
    CHECK(c.out == "");
    CHECK(c.err == " !     You haven't deployed any applications yet\n");
  }
  Captured list = sim.Run({"apps:list"});
  CHECK(list.out == "=====> My Apps\n");
  CHECK(list.err == " !     You haven't deployed any applications yet\n");
}

TEST_CASE("behaviour: report flags, json keys and the all-apps order") {
  Sim sim;
  sim.Ok({"apps:create", "b-app"});
  sim.Ok({"apps:create", "a.app"});
  sim.Ok({"apps:create", "a-app"});
  CHECK(sim.Run({"apps:list", "--format", "json"}).out == "[\"a-app\",\"a.app\",\"b-app\"]\n");
  Captured all = sim.Run({"domains:report", "--format", "json"});
  CHECK(all.out ==
        "{\"app-enabled\":\"true\",\"app-vhosts\":\"a-app.dokku.me\",\"global-enabled\":\"true\","
        "\"global-vhosts\":\"dokku.me\"}\n"
        "{\"app-enabled\":\"true\",\"app-vhosts\":\"a.app\",\"global-enabled\":\"true\","
        "\"global-vhosts\":\"dokku.me\"}\n"
        "{\"app-enabled\":\"true\",\"app-vhosts\":\"b-app.dokku.me\",\"global-enabled\":\"true\","
        "\"global-vhosts\":\"dokku.me\"}\n");

  Captured proxy = sim.Run({"proxy:report", "a-app", "--format", "json"});
  auto json = nlohmann::json::parse(proxy.out);
  CHECK(json["computed-type"] == "nginx");
  CHECK(json["proxy-computed-type"] == "nginx");  // legacy key

  CHECK(sim.Run({"ps:report", "a-app", "--running", "--deployed"}).out == "");
  Captured both = sim.Run({"ps:report", "a-app", "--format", "json", "--running"});
  CHECK(both.exit_code == 1);
  CHECK(both.err == " !     --format flag cannot be specified when specifying an info flag\n");
  Captured bad = sim.Run({"builder:report", "a-app", "--nope"});
  CHECK(bad.exit_code == 1);
  CHECK(
      bad.err ==
      " !     Invalid flag passed, valid flags: --builder-build-dir, --builder-computed-build-dir, "
      "--builder-computed-selected, --builder-computed-skip-cleanup, --builder-detected, "
      "--builder-global-build-dir, --builder-global-selected, --builder-global-skip-cleanup, "
      "--builder-selected, --builder-skip-cleanup\n");
  Captured global = sim.Run({"ps:report", "--global"});
  CHECK(global.out.rfind("=====> --global ps information\n", 0) == 0);
}

TEST_CASE("behaviour: config get/export edge cases") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  Captured missing = sim.Run({"config:get", "web", "NOPE"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out == "");
  CHECK(missing.err == "");
  CHECK(sim.Run({"config:export", "--format", "json-list", "web"}).out == "null\n");
  CHECK(sim.Run({"config:export", "--format", "json", "web"}).out == "{}\n");

  sim.Ok({"config:set", "--encoded", "web", "MULTI=bGluZTEKbGluZTIn"});
  CHECK(sim.Run({"config:get", "web", "MULTI"}).out == "line1\nline2'\n");
  CHECK(sim.Run({"config:export", "--format", "shell", "web"}).out == "MULTI='line1\nline2'\\''' ");
  Captured bad_b64 = sim.Run({"config:set", "--encoded", "web", "X=a"});
  CHECK(bad_b64.exit_code == 1);
  CHECK(bad_b64.err == " !     illegal base64 data at input byte 0 for key 'X'\n");
  Captured bad_key = sim.Run({"config:set", "web", "1X=a"});
  CHECK(bad_key.err == " !     Invalid key name: '1X'\n");
  Captured bad_pair = sim.Run({"config:set", "web", "novalue"});
  CHECK(bad_pair.err == " !     Invalid env pair: novalue\n");
  Captured unset = sim.Run({"config:unset", "web", "NOPE"});
  CHECK(unset.exit_code == 0);
  CHECK(unset.out == "-----> Skipping NOPE, it is not set in the environment\n");
  Captured nokeys = sim.Run({"config:unset", "web"});
  CHECK(nokeys.err == " !     At least one key must be given\n");
}

TEST_CASE("behaviour: config:set restarts a deployed app even without changes") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  Captured before = sim.Run({"config:set", "web", "A=1"});
  CHECK(before.out == "-----> Setting config vars\n       A:  1\n");
  CHECK(DeployCount(sim, "web") == 0);

  sim.Ok({"git:sync", "--build", "web", "https://example.com/r.git", "main"});
  CHECK(DeployCount(sim, "web") == 1);
  Captured again = sim.Run({"config:set", "web", "A=1"});
  CHECK(again.out.find("-----> Restarting app web\n") != std::string::npos);
  CHECK(DeployCount(sim, "web") == 2);
  Captured unset = sim.Run({"config:unset", "web", "MISSING"});
  CHECK(unset.out.find("-----> Restarting app web\n") != std::string::npos);
  CHECK(DeployCount(sim, "web") == 3);

  Captured quiet = sim.Run({"--quiet", "config:set", "--no-restart", "web", "A=2"});
  CHECK(quiet.out == "");
  CHECK(DeployCount(sim, "web") == 3);
  sim.Ok({"ps:set", "web", "restore", "false"});
  sim.Ok({"config:set", "web", "A=3"});
  CHECK(DeployCount(sim, "web") == 3);
}

TEST_CASE("behaviour: deploy model, scale and stop") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Ok({"ps:scale", "web", "web=2", "worker=1"});
  CHECK(DeployCount(sim, "web") == 0);  // not deployed: only stored
  sim.Ok({"git:sync", "--build", "web", "https://example.com/r.git", "v1"});
  CHECK(sim.Run({"ps:report", "web", "--processes"}).out == "3\n");
  Captured status = sim.Run({"ps:report", "web", "--status-worker.1"});
  CHECK(status.out.rfind("running (CID: ", 0) == 0);
  CHECK(status.out.size() == std::string("running (CID: 0123456789a)\n").size());

  sim.Ok({"ps:scale", "web", "web=2"});
  CHECK(DeployCount(sim, "web") == 1);  // unchanged formation: no deploy
  sim.Ok({"ps:scale", "web", "web=3"});
  CHECK(DeployCount(sim, "web") == 2);
  sim.Ok({"ps:scale", "--skip-deploy", "web", "web=1"});
  CHECK(DeployCount(sim, "web") == 2);

  sim.Ok({"ps:stop", "web"});
  CHECK(sim.Run({"ps:report", "web", "--running"}).out == "false\n");
  CHECK(sim.Run({"ps:report", "web", "--status-web.1"}).out.rfind("exited (CID: ", 0) == 0);
  sim.Ok({"ps:start", "web"});
  CHECK(sim.Run({"ps:report", "web", "--running"}).out == "true\n");

  Captured skip =
      sim.Run({"git:sync", "--build-if-changes", "web", "https://example.com/r.git", "v1"});
  CHECK(skip.out.find("       Skipping build as no changes were detected\n") != std::string::npos);
  long count = DeployCount(sim, "web");
  sim.Ok({"git:sync", "--build-if-changes", "web", "https://example.com/r.git", "v2"});
  CHECK(DeployCount(sim, "web") == count + 1);
  std::string sha = sim.Run({"git:report", "web", "--git-sha"}).out;
  CHECK(sim.Run({"apps:report", "web", "--app-deploy-source-metadata"}).out ==
        "https://example.com/r.git#" + sha);
  CHECK(sim.Run({"config:get", "web", "GIT_REV"}).out == sha);
}

TEST_CASE("behaviour: git:from-image with the same image fails without deploying") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Ok({"git:from-image", "web", "nginx:1.27"});
  CHECK(sim.Run({"apps:report", "web", "--app-deploy-source"}).out == "docker-image\n");
  CHECK(sim.Run({"git:report", "web", "--git-source-image"}).out == "nginx:1.27\n");
  long count = DeployCount(sim, "web");
  Captured again = sim.Run({"git:from-image", "web", "nginx:1.27"});
  CHECK(again.exit_code == 1);
  CHECK(again.err ==
        " !     No changes detected, skipping git commit\n !     Call 'ps:rebuild' on app to "
        "rebuild the app from existing source\n");
  CHECK(DeployCount(sim, "web") == count);
}

// A build context as GNU tar writes it (the simulator reads any ustar/GNU tar).
std::string ContextTar(const std::string& app_json) {
  ScopedTempDir dir;
  WriteFile(dir.path() / "Dockerfile", "FROM nginx:1.27\n");
  WriteFile(dir.path() / "app.json", app_json);
  Captured tar = RunCapture(
      {"/usr/bin/tar", "-C", dir.path().string(), "-cf", "-", "Dockerfile", "app.json"}, "");
  REQUIRE(tar.exit_code == 0);
  return tar.out;
}

TEST_CASE("behaviour: git:from-archive from stdin deploys the context and keeps its app.json") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Ok({"git:from-image", "web", "nginx:1.27"});
  const std::string tar = ContextTar(R"({"healthchecks": {"web": [{"path": "/up", "port": 80}]}})");
  long count = DeployCount(sim, "web");
  Captured c = sim.Run({"--quiet", "git:from-archive", "web", "--"}, tar);
  CHECK(c.exit_code == 0);
  CHECK(c.out.find("-----> Fetching tar file from stdin\n" + std::to_string(tar.size()) +
                   "\n-----> Generating build context\n"
                   "       Striping 0 worth of directories from tarball\n"
                   "       Moving unarchived files and folders into place\n"
                   "-----> Updating git repository with specified build context\n") == 0);
  CHECK(c.err.find("event=extraction_started archive_type=tar") != std::string::npos);
  CHECK(DeployCount(sim, "web") == count + 1);
  CHECK(sim.Run({"apps:report", "web", "--app-deploy-source"}).out == "tar\n");
  CHECK(sim.Run({"apps:report", "web", "--app-deploy-source-metadata"}).out == "--\n");
  CHECK(sim.Run({"git:report", "web", "--git-source-image"}).out == "\n");  // cleared
  auto doc = nlohmann::json::parse(ReadFile(sim.state() / "apps" / "web.json"));
  CHECK(doc["app_json"]["healthchecks"]["web"][0]["path"] == "/up");
  // The same context again: Dokku commits nothing and says so.
  Captured again = sim.Run({"git:from-archive", "web", "--"}, tar);
  CHECK(again.exit_code == 1);
  CHECK(again.err.find(" !     No changes detected, skipping git commit\n") != std::string::npos);
  CHECK(DeployCount(sim, "web") == count + 1);
  // Not a tar; no source at all.
  Captured bad = sim.Run({"git:from-archive", "web", "--"}, std::string(1024, 'x'));
  CHECK(bad.exit_code == 2);
  CHECK(bad.err ==
        "tar: This does not look like a tar archive\n"
        "tar: Exiting with failure status due to previous errors\n");
  Captured none = sim.Run({"git:from-archive", "web"});
  CHECK(none.exit_code == 1);
  CHECK(none.err == " !     Please specify an archive url or -- to fetch the archive from stdin\n");
}

TEST_CASE("behaviour: resource:report prints nothing without resource properties") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  Captured c = sim.Run({"resource:report", "web", "--format", "json"});
  CHECK(c.exit_code == 0);
  CHECK(c.out == "");
  sim.Ok({"resource:limit", "--memory", "512m", "web"});
  CHECK(sim.Run({"resource:report", "web", "--format", "json"}).out ==
        "{\"_default_.limit.memory\":\"512m\",\"resource-_default_.limit.memory\":\"512m\"}\n");
}

TEST_CASE("behaviour: ports add is not idempotent") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Ok({"ports:add", "web", "http:80:5000"});
  Captured c = sim.Run({"ports:add", "web", "http:80:5000"});
  CHECK(c.exit_code == 1);
  CHECK(c.err ==
        " !     Error validating all port mappings: The same scheme:host-port is being reused: "
        "http:80\n");
  Captured none = sim.Run({"ports:list", "web2"});
  CHECK(none.exit_code == 20);
}

TEST_CASE("behaviour: domains validation") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  Captured c = sim.Run({"domains:add", "web", "bad_domain.com"});
  CHECK(c.exit_code == 1);
  CHECK(c.err == " !     bad_domain.com is invalid. exiting...\n");
  CHECK(sim.Run({"domains:add", "web", "web.example.com"}).out ==
        "-----> Added web.example.com to web\n");
  CHECK(sim.Run({"domains:add", "web", "web.example.com"}).out ==
        "-----> Skipping: web.example.com already added to web\n");
  sim.Ok({"domains:clear-global"});
  sim.Ok({"apps:create", "other"});
  CHECK(sim.Run({"config:get", "other", "NO_VHOST"}).out == "1\n");
  CHECK(sim.Run({"domains:report", "other", "--domains-app-enabled"}).out == "false\n");
}

TEST_CASE("behaviour: traefik global-only properties") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  Captured app = sim.Run({"traefik:set", "web", "letsencrypt-email", "a@b.c"});
  CHECK(app.exit_code == 1);
  CHECK(app.err == " !     The key 'letsencrypt-email' can only be set globally\n");
  Captured unknown = sim.Run({"traefik:set", "--global", "certresolver", "x"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.rfind(" !     Invalid key specified, valid keys include: api-enabled", 0) == 0);
  CHECK(sim.Run({"traefik:set", "--global", "letsencrypt-email", "a@b.c"}).out ==
        "=====> Setting letsencrypt-email to a@b.c\n");
  auto json =
      nlohmann::json::parse(sim.Run({"traefik:report", "--global", "--format", "json"}).out);
  CHECK(json["global-letsencrypt-email"] == "a@b.c");
  CHECK(json["computed-image"] == "traefik:v3.7.10");
  CHECK(json.size() == 30);
}

TEST_CASE("behaviour: postgres and redis links") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Ok({"postgres:create", "db1"});
  sim.Ok({"postgres:create", "db_2"});
  sim.Ok({"redis:create", "cache"});
  sim.Ok({"postgres:link", "db1", "web"});
  std::string url = sim.Run({"config:get", "web", "DATABASE_URL"}).out;
  CHECK(url.rfind("postgres://postgres:", 0) == 0);
  CHECK(url.find("@dokku-postgres-db1:5432/db1\n") != std::string::npos);
  CHECK(sim.Run({"postgres:info", "db1", "--dsn"}).out == url);

  Captured again = sim.Run({"postgres:link", "db1", "web"});
  CHECK(again.exit_code == 1);
  CHECK(again.err == " !     Already linked as DATABASE_URL\n");

  sim.Ok({"postgres:link", "db_2", "web", "--no-restart"});
  CHECK(sim.Run({"config:get", "web", "DOKKU_POSTGRES_AQUA_URL"})
            .out.find("@dokku-postgres-db-2:5432/db_2") != std::string::npos);
  sim.Ok({"redis:link", "cache", "web"});
  CHECK(sim.Run({"config:get", "web", "REDIS_URL"}).out.find("redis://:") == 0);

  CHECK(sim.Run({"postgres:linked", "db1", "web"}).out == "-----> Service db1 is linked to web\n");
  CHECK(sim.Run({"postgres:app-links", "web"}).out == "db1\ndb_2\n");
  CHECK(sim.Run({"postgres:links", "db1"}).out == "web\n");
  Captured destroy = sim.Run({"postgres:destroy", "db1", "-f"});
  CHECK(destroy.exit_code == 1);
  CHECK(destroy.err == " !     Cannot delete linked service\n");
  sim.Ok({"postgres:unlink", "db1", "web"});
  CHECK(sim.Run({"config:get", "web", "DATABASE_URL"}).exit_code == 1);
  Captured not_linked = sim.Run({"postgres:linked", "db1", "web"});
  CHECK(not_linked.exit_code == 1);
  CHECK(not_linked.err == " !     Service db1 is not linked to web\n");
  sim.Ok({"postgres:destroy", "db1", "-f"});
  Captured gone = sim.Run({"postgres:exists", "db1"});
  CHECK(gone.exit_code == 1);
  CHECK(gone.err == " !     Postgres service db1 does not exist\n");
  CHECK(sim.Run({"--quiet", "postgres:list"}).out == "db_2\n");
}

TEST_CASE("behaviour: invocation log records argv, exit code and state changes") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Run({"apps:list"});
  sim.Run({"apps:exists", "nope"});
  auto lines = sim.LogLines();
  REQUIRE(lines.size() == 3);
  auto first = nlohmann::json::parse(lines[0]);
  CHECK(first["argv"] == nlohmann::json::array({"apps:create", "web"}));
  CHECK(first["exit"] == 0);
  CHECK(first["changed"] == true);
  CHECK(nlohmann::json::parse(lines[1])["changed"] == false);
  CHECK(nlohmann::json::parse(lines[2])["exit"] == 20);
}

TEST_CASE("behaviour: faults file makes matching invocations fail") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  WriteFile(sim.state() / "faults", "# comment\ngit:sync 1  !     deploy exploded\n");
  Captured c = sim.Run({"git:sync", "--build", "web", "https://example.com/r.git"});
  CHECK(c.exit_code == 1);
  CHECK(c.err == " !     deploy exploded\n");
  CHECK(c.out == "");
  auto last = nlohmann::json::parse(sim.LogLines().back());
  CHECK(last["exit"] == 1);
  CHECK(last["changed"] == false);
  CHECK(sim.Run({"ps:report", "web", "--deployed"}).out == "false\n");
}

TEST_CASE("behaviour: concurrent invocations do not tear state") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  constexpr int kWriters = 8;
  std::vector<std::thread> threads;
  std::vector<int> codes(kWriters * 2, -1);
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      std::string pair = "K";  // appends: GCC 12 -O3's -Wrestrict misreads `"K" + ...`
      pair += std::to_string(i);
      pair += "=v";
      codes[i] = sim.Run({"config:set", "--no-restart", "web", pair}, "", {"DOKKU_SIM_DELAY_MS=5"})
                     .exit_code;
    });
    threads.emplace_back([&, i] {
      Captured c = sim.Run({"config:export", "--format", "json", "web"});
      codes[kWriters + i] =
          nlohmann::json::parse(c.out, nullptr, false).is_discarded() ? 99 : c.exit_code;
    });
  }
  for (auto& t : threads) t.join();
  for (int code : codes) CHECK(code == 0);
  auto env = nlohmann::json::parse(sim.Run({"config:export", "--format", "json", "web"}).out);
  CHECK(env.size() == kWriters);
  CHECK(sim.LogLines().size() == 1 + 2 * kWriters + 1);
}

}  // namespace
}  // namespace dflow::test

namespace dflow::test {
namespace {

TEST_CASE("behaviour: docker-options report arrays and datastore --link options") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  CHECK(sim.Run({"docker-options:report", "web", "--format", "json"}).out ==
        "{\"build\":\"\",\"build-list\":[],\"deploy\":\"\",\"deploy-list\":[],"
        "\"docker-options-build\":\"\",\"docker-options-deploy\":\"\",\"docker-options-run\":\"\","
        "\"run\":\"\",\"run-list\":[]}\n");
  sim.Ok({"redis:create", "cache"});
  sim.Ok({"redis:link", "cache", "web", "--no-restart"});
  sim.Ok({"docker-options:add", "web", "deploy", "--shm-size", "256m"});
  CHECK(sim.Run({"docker-options:report", "web", "--docker-options-deploy"}).out ==
        "--link dokku.redis.cache:dokku-redis-cache --shm-size 256m\n");
  Captured two =
      sim.Run({"docker-options:report", "web", "--docker-options-run", "--docker-options-build"});
  CHECK(two.exit_code == 1);
  CHECK(two.err == " !     docker-options:report command allows only a single flag\n");
  sim.Ok({"redis:unlink", "cache", "web", "--no-restart"});
  CHECK(sim.Run({"docker-options:report", "web", "--docker-options-deploy"}).out ==
        "--shm-size 256m\n");
  CHECK(sim.Run({"docker-options:report", "web", "--docker-options-build"}).out == "\n");
}

}  // namespace
}  // namespace dflow::test

namespace dflow::test {
namespace {

TEST_CASE("behaviour: letsencrypt report (jq key order, global filter, bash quirks)") {
  Sim sim;
  Captured none = sim.Run({"letsencrypt:report", "--global", "--format", "json"});
  CHECK(none.exit_code == 1);
  CHECK(none.err == " !     You haven't deployed any applications yet\n");
  sim.Ok({"apps:create", "web"});
  CHECK(sim.Run({"letsencrypt:set", "--global", "email", "ops@example.com"}).out ==
        "=====> Setting email to ops@example.com\n");
  CHECK(sim.Run({"letsencrypt:report", "--global", "--format", "json"}).out ==
        "{\"global-dns-provider\":\"\",\"global-email\":\"ops@example.com\",\"global-graceperiod\":"
        "\"\",\"global-lego-args\":\"\",\"global-lego-docker-options\":\"\",\"global-server\":\"\"}"
        "\n");
  CHECK(sim.Run({"letsencrypt:report", "web", "--letsencrypt-computed-email"}).out ==
        "ops@example.com\n");
  Captured empty = sim.Run({"letsencrypt:report", "web", "--letsencrypt-email"});
  CHECK(empty.exit_code == 1);
  CHECK(empty.err == " !     not deployed\n");
  sim.Ok({"letsencrypt:enable", "web"});
  CHECK(sim.Run({"letsencrypt:active", "web"}).out == "true\n");
}

}  // namespace
}  // namespace dflow::test

namespace dflow::test {
namespace {

TEST_CASE("behaviour: every report gives one JSON object per app with its documented keys") {
  Sim sim;
  sim.Ok({"apps:create", "a"});
  sim.Ok({"apps:create", "b"});
  sim.Ok({"git:sync", "--build", "b", "https://example.com/r.git", "main"});
  sim.Ok({"builder:set", "b", "selected", "dockerfile"});
  sim.Ok({"network:create", "backend"});
  sim.Ok({"network:set", "b", "attach-post-deploy", "backend"});
  sim.Ok({"storage:mount", "b", "/srv/data:/data"});
  const std::map<std::string, std::vector<std::string>> expected = {
      {"apps:report", {"created-at", "deploy-source", "deploy-source-metadata", "locked"}},
      {"builder:report", {"selected", "computed-selected", "detected", "builder-selected"}},
      {"builds:report", {"build-status", "build-id", "build-source", "build-exit-code"}},
      {"checks:report", {"disabled-list", "skipped-list", "computed-wait-to-retire"}},
      {"docker-options:report", {"build", "deploy-list", "run"}},
      {"domains:report", {"app-vhosts", "app-enabled", "global-vhosts"}},
      {"git:report", {"sha", "deploy-branch", "computed-deploy-branch", "source-image"}},
      {"network:report", {"attach-post-deploy", "computed-tld", "web-listeners"}},
      {"ports:report", {"map", "map-json", "map-detected"}},
      {"proxy:report", {"type", "computed-type", "enabled"}},
      {"ps:report", {"deployed", "running", "processes", "restart-policy"}},
      {"storage:report", {"deploy-mounts", "run-mounts", "attachment.1.container-path"}},
  };
  for (const auto& [report, keys] : expected) {
    INFO(report);
    Captured c = sim.Run({report, "--format", "json"});
    REQUIRE(c.exit_code == 0);
    std::istringstream lines(c.out);
    std::string first, second, extra;
    REQUIRE(std::getline(lines, first));
    REQUIRE(std::getline(lines, second));
    CHECK(!std::getline(lines, extra));
    auto b = nlohmann::json::parse(second);
    for (const auto& key : keys) CHECK(b.contains(key));
  }
  auto b_net = nlohmann::json::parse(sim.Run({"network:report", "b", "--format", "json"}).out);
  CHECK(b_net["attach-post-deploy"] == "backend");
  CHECK(b_net["web-listeners"] == "172.17.0.2:5000");
  CHECK(sim.Run({"builder:report", "b", "--builder-computed-selected"}).out == "dockerfile\n");
  auto b_build = nlohmann::json::parse(sim.Run({"builds:report", "b", "--format", "json"}).out);
  CHECK(b_build["build-status"] == "succeeded");
  CHECK(b_build["build-source"] == "git-sync");
  Captured bad_net = sim.Run({"network:set", "b", "attach-post-deploy", "host"});
  CHECK(bad_net.exit_code == 1);
  CHECK(bad_net.err == " !     Invalid network name specified for attach: host\n");
  Captured twice = sim.Run({"network:set", "b", "attach-post-create", "backend"});
  CHECK(twice.err == " !     Network name already associated with this app: backend\n");
  Captured bad_prop = sim.Run({"builder:set", "b", "nope", "x"});
  CHECK(bad_prop.err ==
        " !     Invalid property specified, valid properties include: build-dir, detected, "
        "selected, skip-cleanup\n");
}

}  // namespace
}  // namespace dflow::test

namespace dflow::test {
namespace {

TEST_CASE("behaviour: datastore link restarts like config:set, info layout") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Ok({"git:sync", "--build", "web", "https://example.com/r.git"});
  sim.Ok({"postgres:create", "db"});
  CHECK(sim.Run({"postgres:info", "db", "--links"}).out == "-\n");
  Captured link = sim.Run({"postgres:link", "db", "web"});
  CHECK(link.out.rfind("-----> Setting config vars\n       DATABASE_URL:  postgres://", 0) == 0);
  CHECK(link.out.find("-----> Restarting app web\n") != std::string::npos);
  CHECK(DeployCount(sim, "web") == 2);
  CHECK(sim.Run({"postgres:info", "db", "--links"}).out == "web \n");
  Captured info = sim.Run({"postgres:info", "db"});
  CHECK(info.out.find("=====> db postgres service information\n") == 0);
  CHECK(info.out.find("\n       Status               running                  \n") !=
        std::string::npos);
  Captured bad = sim.Run({"postgres:info", "db", "--nope"});
  CHECK(bad.err.rfind(" !     Invalid flag passed, valid flags: --config-dir --config-options",
                      0) == 0);
  Captured unlink = sim.Run({"--quiet", "postgres:unlink", "db", "web", "--no-restart"});
  CHECK(unlink.out == "       Skipping restart of linked app\n");
  CHECK(DeployCount(sim, "web") == 2);
  Captured again = sim.Run({"postgres:unlink", "db", "web"});
  CHECK(again.exit_code == 1);
  CHECK(again.err == " !     Not linked to app web\n");
  Captured prompt = sim.Run({"postgres:destroy", "db"}, "wrong\n");
  CHECK(prompt.exit_code == 1);
  CHECK(prompt.out == "\n");
  CHECK(prompt.err ==
        " !     WARNING: Potentially Destructive Action\n !     This command will destroy db "
        "Postgres service.\n !     To proceed, type \"db\"\n !     Confirmation did not match db. "
        "Aborted.\n");
  Captured destroyed = sim.Run({"postgres:destroy", "db"}, "db\n");
  CHECK(destroyed.exit_code == 0);
  CHECK(destroyed.out ==
        "\n=====> Deleting db\n       Removing data\n=====> Postgres container deleted: db\n");
}

}  // namespace
}  // namespace dflow::test

namespace dflow::test {
namespace {

TEST_CASE("behaviour: global flags anywhere, --app, and destroy unlinking services") {
  Sim sim;
  sim.Ok({"--quiet", "apps:create", "web"});
  CHECK(sim.Run({"--app", "web", "config:set", "A=1"}).out ==
        "-----> Setting config vars\n       A:  1\n");
  CHECK(sim.Run({"config:get", "--app", "web", "A"}).out == "1\n");
  CHECK(sim.Run({"--quiet", "--app", "web", "ps:report", "--deployed"}).out == "false\n");
  CHECK(sim.Run({"--quiet", "ps:report", "web"}).out.rfind("       Deployed:", 0) == 0);
  sim.Ok({"redis:create", "cache"});
  sim.Ok({"redis:link", "cache", "web"});
  Captured destroy = sim.Run({"apps:destroy", "web", "--force"});
  CHECK(destroy.exit_code == 0);
  CHECK(destroy.out == "-----> Destroying web (including all add-ons)\n");
  CHECK(sim.Run({"redis:links", "cache"}).out == "");
  sim.Ok({"redis:destroy", "cache", "force"});
}

}  // namespace
}  // namespace dflow::test
