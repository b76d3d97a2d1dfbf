// Traefik's API read over SSH on the edge (curl on its loopback) from a fake Traefik API (a
// real HTTP server serving recorded answers), and the health it maps to.
#include "providers/edge/traefik_api.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "providers/ssh/ssh_transport.h"
#include "tests/providers/edge/edge_transport.h"
#include "tests/support/fake_traefik_api.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow {
namespace {

constexpr char kRouters[] = R"json([
  {"entryPoints":["websecure"],"service":"dflow-shop-web-production","rule":"Host(`shop.example.com`)","status":"enabled","using":["websecure"],"name":"dflow-shop-example-com@file","provider":"file"},
  {"service":"api@internal","rule":"PathPrefix(`/api`)","status":"enabled","name":"api@internal","provider":"internal"},
  {"service":"dflow-gone","rule":"Host(`old.example.com`)","status":"disabled","error":["the service \"dflow-gone@file\" does not exist"],"name":"dflow-old-example-com@file","provider":"file"}
])json";

TEST_CASE("edge api: version, file routers and services read over SSH, health mapped") {
  test::SshdNode sshd;
  test::FakeTraefikApi api;
  api.Set("http/routers", kRouters);
  api.Set(
      "http/services",
      R"json([{"loadBalancer":{},"status":"enabled","serverStatus":{"http://10.10.0.11:80":"UP","http://10.10.0.12:80":"UP"},"name":"dflow-shop-web-production@file","provider":"file"}])json");
  auto edge = test::EdgeTransport(sshd);
  Result<TraefikApiState> state = ReadTraefikApi(*edge, api.url());
  REQUIRE_MESSAGE(state.ok(), state.status().ToString());
  CHECK(state->version == "3.7.9");
  CHECK(state->routers.size() == 2);  // api@internal is not ours
  CHECK(state->routers.at("dflow-shop-example-com").status == "enabled");
  CHECK(state->routers.at("dflow-old-example-com").errors ==
        std::vector<std::string>{"the service \"dflow-gone@file\" does not exist"});
  CHECK(state->services.at("dflow-shop-web-production").servers.size() == 2);

  EdgeHealthReport healthy =
      MapEdgeHealth(*state, {"dflow-shop-example-com"}, {"dflow-shop-web-production"});
  CHECK(healthy.health == EdgeHealth::kHealthy);
  CHECK(healthy.problems.empty());

  SUBCASE("a server DOWN is Degraded") {
    api.Set(
        "http/services",
        R"json([{"serverStatus":{"http://10.10.0.11:80":"UP","http://10.10.0.12:80":"DOWN"},"name":"dflow-shop-web-production@file","provider":"file"}])json");
    Result<TraefikApiState> down = ReadTraefikApi(*edge, api.url());
    REQUIRE(down.ok());
    EdgeHealthReport report =
        MapEdgeHealth(*down, {"dflow-shop-example-com"}, {"dflow-shop-web-production"});
    CHECK(report.health == EdgeHealth::kDegraded);
    CHECK(report.problems == std::vector<std::string>{"service dflow-shop-web-production: server "
                                                      "http://10.10.0.12:80 is DOWN"});
  }
  SUBCASE("a disabled router is Failed with Traefik's reason") {
    EdgeHealthReport report = MapEdgeHealth(*state, {"dflow-old-example-com"}, {});
    CHECK(report.health == EdgeHealth::kFailed);
    CHECK(report.problems ==
          std::vector<std::string>{"router dflow-old-example-com is disabled: the service "
                                   "\"dflow-gone@file\" does not exist"});
  }
  SUBCASE("a router missing after the write: the file was not taken") {
    EdgeHealthReport report =
        MapEdgeHealth(*state, {"dflow-new-example-com"}, {"dflow-new-web-production"});
    CHECK(report.health == EdgeHealth::kFailed);
    CHECK(report.problems ==
          std::vector<std::string>{
              "router dflow-new-example-com is missing: Traefik has not taken the file",
              "service dflow-new-web-production is missing: Traefik has not taken the file"});
    CHECK(EdgeHealthName(report.health) == "Failed");
  }
}

TEST_CASE("edge api: an API that does not answer is named with curl's reason") {
  test::SshdNode sshd;
  auto edge = test::EdgeTransport(sshd);
  const std::string url = "http://127.0.0.1:" + std::to_string(test::UnusedLoopbackPort());
  Result<TraefikApiState> state = ReadTraefikApi(*edge, url);
  CHECK(state.status().code() == Code::kUnavailable);
  CHECK(state.status().message().find("Traefik's API at " + url + "/api/version did not answer") !=
        std::string::npos);
}

}  // namespace
}  // namespace dflow
