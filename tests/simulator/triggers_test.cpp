// What Dokku's plugin triggers change besides a command's own property
// (docs/dokku-side-effects.md), as the simulator models them.
#include <doctest/doctest.h>

#include "tests/simulator/sim_fixture.h"

namespace dflow::test {
namespace {

std::string Formation(const Sim& sim, const std::string& app) {
  return sim.Run({"ps:scale", "--format", "json", app}).out;
}

TEST_CASE("triggers: apps:create gives the formation web=1") {
  Sim sim;
  sim.Ok({"apps:create", "jobs"});
  CHECK(Formation(sim, "jobs") == "[{\"process_type\":\"web\",\"quantity\":1}]\n");
  Captured report = sim.Run({"ps:scale", "jobs"});
  CHECK(report.exit_code == 0);
  CHECK(report.out ==
        "-----> Scaling for jobs\n"
        "proctype: qty\n"
        "--------: ---\n"
        "web:  1\n");
}

TEST_CASE("triggers: ps:scale merges into the web=1 of apps:create") {
  Sim sim;
  sim.Ok({"apps:create", "jobs"});
  sim.Ok({"ps:scale", "--skip-deploy", "jobs", "worker=1"});
  CHECK(sim.Run({"--quiet", "ps:scale", "jobs"}).out == "web:  1\nworker: 1\n");
  CHECK(Formation(sim, "jobs") ==
        "[{\"process_type\":\"web\",\"quantity\":1},{\"process_type\":\"worker\",\"quantity\":1}]"
        "\n");
  // The first deploy starts both.
  sim.Ok({"git:sync", "--build", "jobs", "https://example.com/jobs.git", "v1"});
  CHECK(sim.Run({"ps:report", "jobs", "--processes"}).out == "2\n");
}

TEST_CASE("triggers: a type scaled to 0 without a Procfile is shown until the next deploy") {
  Sim sim;
  sim.Ok({"apps:create", "jobs"});
  sim.Ok({"ps:scale", "--skip-deploy", "jobs", "web=0", "worker=1"});
  // scale.old keeps web=0 in the report (getFormations), sorted by type.
  CHECK(sim.Run({"--quiet", "ps:scale", "jobs"}).out == "web:  0\nworker: 1\n");
  // The release rewrites scale.old and core-post-deploy deletes it.
  sim.Ok({"git:sync", "--build", "jobs", "https://example.com/jobs.git", "v1"});
  CHECK(Formation(sim, "jobs") == "[{\"process_type\":\"worker\",\"quantity\":1}]\n");
  CHECK(sim.Run({"ps:report", "jobs", "--processes"}).out == "1\n");
}

TEST_CASE("triggers: the next ps:scale rewrites scale.old from its own tuples") {
  Sim sim;
  sim.Ok({"apps:create", "jobs"});
  sim.Ok({"ps:scale", "--skip-deploy", "jobs", "web=0", "worker=1"});
  sim.Ok({"ps:scale", "--skip-deploy", "jobs", "worker=3"});
  CHECK(Formation(sim, "jobs") == "[{\"process_type\":\"worker\",\"quantity\":3}]\n");
}

TEST_CASE("triggers: domains:set on an app with vhosts off stores NO_VHOST=0") {
  Sim sim;
  sim.Ok({"domains:clear-global"});
  sim.Ok({"apps:create", "shop"});
  CHECK(sim.Run({"config:get", "shop", "NO_VHOST"}).out == "1\n");
  sim.Ok({"domains:set", "shop", "shop.example.com"});
  CHECK(sim.Run({"config:get", "shop", "NO_VHOST"}).out == "0\n");
  CHECK(sim.Run({"domains:report", "shop", "--domains-app-enabled"}).out == "true\n");
  CHECK(sim.Run({"domains:report", "shop", "--domains-app-vhosts"}).out == "shop.example.com\n");
}

TEST_CASE("triggers: enabling vhosts on an nginx app clears a port map on 80 or 443") {
  Sim sim;
  sim.Ok({"domains:clear-global"});
  sim.Ok({"apps:create", "shop"});
  sim.Ok({"apps:create", "api"});
  sim.Ok({"apps:create", "edge"});
  sim.Ok({"ports:set", "shop", "http:80:5000"});
  sim.Ok({"ports:set", "api", "http:8080:5000"});
  sim.Ok({"ports:set", "edge", "http:80:5000"});
  sim.Ok({"proxy:set", "edge", "type", "traefik"});
  sim.Ok({"domains:set-global", "example.com"});
  for (const char* app : {"shop", "api", "edge"}) sim.Ok({"domains:set", app, "x.example.org"});
  CHECK(sim.Run({"ports:report", "shop", "--ports-map"}).out == "\n");
  CHECK(sim.Run({"ports:report", "api", "--ports-map"}).out == "http:8080:5000\n");
  CHECK(sim.Run({"ports:report", "edge", "--ports-map"}).out == "http:80:5000\n");
  // With a global domain, domains_enable overwrote the list with the default vhost.
  CHECK(sim.Run({"domains:report", "shop", "--domains-app-vhosts"}).out == "shop.example.com\n");
}

TEST_CASE("triggers: a second domains:set keeps the list the first one lost") {
  Sim sim;
  sim.Ok({"domains:clear-global"});
  sim.Ok({"apps:create", "shop"});
  sim.Ok({"domains:set-global", "example.com"});
  sim.Ok({"domains:set", "shop", "x.example.org"});
  CHECK(sim.Run({"domains:report", "shop", "--domains-app-vhosts"}).out == "shop.example.com\n");
  sim.Ok({"domains:set", "shop", "x.example.org"});
  CHECK(sim.Run({"domains:report", "shop", "--domains-app-vhosts"}).out == "x.example.org\n");
}

TEST_CASE("triggers: domains:enable restarts a deployed app, domains:set does not") {
  Sim sim;
  sim.Ok({"apps:create", "shop"});
  sim.Ok({"git:sync", "--build", "shop", "https://example.com/shop.git", "v1"});
  sim.Ok({"domains:disable", "shop"});
  Captured enable = sim.Run({"domains:enable", "shop"});
  CHECK(enable.exit_code == 0);
  CHECK(enable.out.rfind("-----> Restarting app shop\n", 0) == 0);
  sim.Ok({"domains:disable", "shop"});
  Captured set = sim.Run({"domains:set", "shop", "x.example.org"});
  CHECK(set.out == "-----> Set x.example.org for shop\n");
}

TEST_CASE("triggers: git:sync --build clears the source image of an earlier git:from-image") {
  Sim sim;
  sim.Ok({"apps:create", "api"});
  sim.Ok({"git:from-image", "api", "registry.example.com/api:1"});
  CHECK(sim.Run({"git:report", "api", "--git-source-image"}).out == "registry.example.com/api:1\n");
  sim.Ok({"git:sync", "--build", "api", "https://example.com/api.git", "v1"});
  CHECK(sim.Run({"git:report", "api", "--git-source-image"}).out == "\n");
  // So the same image can be deployed again.
  sim.Ok({"git:from-image", "api", "registry.example.com/api:1"});
}

TEST_CASE("triggers: git:from-image stores GIT_REV and, on a new app, the deploy branch") {
  Sim sim;
  sim.Ok({"apps:create", "api"});
  sim.Ok({"git:from-image", "api", "registry.example.com/api:1"});
  const std::string sha = sim.Run({"git:report", "api", "--git-sha"}).out;
  CHECK(sha.size() == 41);
  CHECK(sim.Run({"config:get", "api", "GIT_REV"}).out == sha);
  CHECK(sim.Run({"git:report", "api", "--git-deploy-branch"}).out == "master\n");
}

}  // namespace
}  // namespace dflow::test
