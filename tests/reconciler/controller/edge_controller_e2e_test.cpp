// End to end: `dflow run` keeps the sample repo's edge (docs/edge.md, "The controller"): it writes
// the edge's file once, reads Traefik's view back through a fake Traefik API on the edge's
// loopback, shows the edge in the status and the environment's roll-up, and puts a hand-edited
// file back.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "manifests-schema/base/digest.h"
#include "reconciler/plan/edge_document.h"
#include "tests/support/controller_process.h"
#include "tests/support/fake_traefik_api.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/http_client.h"

namespace dflow {
namespace {

// The API as Traefik shows it once it took `document`: every router enabled, every server
// `server_status`.
void TakeDocument(test::FakeTraefikApi& api, const EdgeDocument& document,
                  const std::string& server_status) {
  nlohmann::json routers = nlohmann::json::array(), services = nlohmann::json::array();
  for (const auto& router : document.routers)
    routers.push_back({{"name", router.name + "@file"},
                       {"provider", "file"},
                       {"status", "enabled"},
                       {"service", router.service}});
  for (const auto& service : document.services) {
    nlohmann::json servers = nlohmann::json::object();
    for (const auto& url : service.urls) servers[url] = server_status;
    services.push_back({{"name", service.name + "@file"},
                        {"provider", "file"},
                        {"status", "enabled"},
                        {"serverStatus", servers}});
  }
  api.Set("http/routers", routers.dump());
  api.Set("http/services", services.dump());
}

nlohmann::json Edge(const nlohmann::json& status) {
  const auto edges = status.value("edges", nlohmann::json::array());
  return edges.empty() ? nlohmann::json::object() : edges[0];
}

std::string EnvironmentHealth(const nlohmann::json& status, const std::string& name) {
  for (const auto& env : status.value("environments", nlohmann::json::array()))
    if (env.value("name", "") == name) return env.value("health", "");
  return "";
}

TEST_CASE("dflow run writes the edge once, reads Traefik's view back and puts a hand edit back") {
  test::FleetRig rig(test::kSampleRepoNodes);
  const std::size_t app_count = rig.AppCount();
  const DesiredState desired = rig.Load();
  REQUIRE(desired.edges.size() == 1);
  Result<EdgeDocument> document = BuildEdgeDocument(desired, desired.edges[0]);
  REQUIRE(document.ok());
  test::FakeTraefikApi api(rig.edge_api_port());
  TakeDocument(api, *document, "UP");
  rig.repo().CommitAll("sample repo with its edge");

  test::ControllerProcess controller(rig.ControllerOptions());
  controller.Start();
  const bool healthy = test::ControllerProcess::WaitFor([&] {
    const nlohmann::json status = controller.Status();
    return test::AllSynced(status, app_count) && Edge(status).value("detail", "") == "Healthy";
  });
  INFO(controller.Status().dump(2), controller.Log());
  REQUIRE(healthy);
  const std::string written = rig.EdgeDocument();
  CHECK(Edge(controller.Status())["fileSha256"] == Sha256Hex(written));
  CHECK(Edge(controller.Status())["traefikVersion"] == "3.7.9");
  CHECK(written.find("Host(`community.example.com`)") != std::string::npos);
  CHECK(EnvironmentHealth(controller.Status(), "production") == "Healthy");

  // One write in the history; the passes since were quiet.
  auto history = nlohmann::json::parse(
      test::HttpGet(controller.url("/api/v1/history?changes=1&limit=500")).body);
  int writes = 0;
  for (const auto& reconcile : history["reconciles"])
    if (reconcile.value("node", "") == "edge/edge-1") ++writes;
  CHECK(writes == 1);

  // A server goes down: the edge, and so production, is Degraded.
  TakeDocument(api, *document, "DOWN");
  CHECK(test::ControllerProcess::WaitFor([&] {
    const nlohmann::json status = controller.Status();
    return Edge(status).value("health", "") == "Degraded" &&
           EnvironmentHealth(status, "production") == "Degraded";
  }));

  // By hand on the edge: the next pass puts dflow's document back.
  test::WriteFile(rig.edge_file(), "http: {}\n");
  CHECK(test::ControllerProcess::WaitFor([&] { return rig.EdgeDocument() == written; }));
}

}  // namespace
}  // namespace dflow
