// The controller's pass over an edge (edge_pass.h) against a real sshd logged in as a shell user
// and a fake Traefik API on its loopback: the first pass writes the document and says
// "Progressing"; the next reads Traefik's view back and maps it onto the edge's status; a
// hand-made change to the file is put back; an unreadable API, a missing directory or nothing to
// route never write anything.
#include "reconciler/controller/edge_pass.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "providers/edge/traefik_api.h"
#include "reconciler/plan/edge_document.h"
#include "reconciler/status/status_store.h"
#include "tests/manifests-schema/fixture_source.h"
#include "tests/providers/edge/edge_transport.h"
#include "tests/support/fake_traefik_api.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

struct EdgePassRig {
  test::SshdNode sshd;
  test::FakeTraefikApi api;
  test::ScopedTempDir dir;
  DesiredState desired;
  std::unique_ptr<StatusStore> store;
  std::unique_ptr<Transport> edge;
  Metrics metrics;

  EdgePassRig() {
    LoadResult loaded = LoadDesiredState(
        test::ReadFixtureDir(test::SourceDir() / "tests/fixtures/manifests/valid/edge"));
    REQUIRE(loaded.ok());
    desired = *loaded.desired;
    desired.revision = "0123456789abcdef0123456789abcdef01234567";
    REQUIRE(desired.edges.size() == 1);
    EdgeSpec& spec = desired.edges[0];
    spec.host = "127.0.0.1";
    spec.port = sshd.port();
    spec.config_dir = (dir.path() / "dynamic").string();
    spec.api_url = api.url();
    fs::create_directories(spec.config_dir);
    auto opened = StatusStore::Open((dir.path() / "state.db").string());
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    edge = test::EdgeTransport(sshd);
    DeclareEdgeMetrics(metrics);
  }

  const EdgeSpec& spec() const { return desired.edges[0]; }
  fs::path file() const { return fs::path(spec().config_dir) / spec().file_name; }

  EdgePassOutcome Pass(const std::string& trigger = "interval") {
    EdgePassInput input{&spec(), &desired, desired.revision, trigger, [] { return 1000; }};
    return RunEdgePass(input, *edge, *store, metrics);
  }

  EdgeStatusRecord Status() {
    auto edges = store->EdgeStatuses();
    REQUIRE(edges.ok());
    REQUIRE(edges->size() == 1);
    return edges->front();
  }

  // The API as Traefik shows it once it took the file: every router enabled, every server
  // `server_status`.
  void TakeFile(const std::string& server_status = "UP") {
    Result<EdgeDocument> document = BuildEdgeDocument(desired, spec());
    REQUIRE(document.ok());
    std::string routers = "[", services = "[";
    for (const auto& router : document->routers)
      routers += std::string(routers.size() > 1 ? "," : "") + R"json({"name":")json" + router.name +
                 R"json(@file","provider":"file","status":"enabled","service":")json" +
                 router.service + R"json("})json";
    for (const auto& service : document->services) {
      std::string servers;
      for (const auto& url : service.urls)
        servers +=
            std::string(servers.empty() ? "" : ",") + "\"" + url + "\":\"" + server_status + "\"";
      services += std::string(services.size() > 1 ? "," : "") + R"json({"name":")json" +
                  service.name +
                  R"json(@file","provider":"file","status":"enabled","serverStatus":{)json" +
                  servers + "}}";
    }
    api.Set("http/routers", routers + "]");
    api.Set("http/services", services + "]");
  }
};

TEST_CASE("edge pass: writes the document, then reads Traefik's view back") {
  EdgePassRig rig;
  Result<std::string> want = RenderEdgeDocument(rig.desired, rig.spec());
  REQUIRE(want.ok());

  EdgePassOutcome first = rig.Pass("revision");
  CHECK(first.status.ok());
  CHECK(first.wrote);
  CHECK_FALSE(first.failed);
  CHECK(test::ReadFile(rig.file()) == *want);
  EdgeStatusRecord written = rig.Status();
  CHECK(written.sync == "Synced");
  CHECK(written.health == "Progressing");
  CHECK(written.environments == std::vector<std::string>{"production"});
  CHECK(written.revision == rig.desired.revision);

  auto history = rig.store->History(10);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK(history->front().first.node == "edge/edge-1");
  CHECK(history->front().first.trigger == "revision");
  CHECK(history->front().first.result == "ok");
  REQUIRE(history->front().second.size() == 1);
  CHECK(history->front().second[0].action.rfind("write " + rig.file().string() + " (sha256 - -> ",
                                                0) == 0);

  SUBCASE("Traefik took the file and every server is UP: Healthy, nothing written") {
    rig.TakeFile("UP");
    const auto mtime = fs::last_write_time(rig.file());
    EdgePassOutcome second = rig.Pass("readback");
    CHECK_FALSE(second.wrote);
    CHECK_FALSE(second.failed);
    CHECK(fs::last_write_time(rig.file()) == mtime);
    EdgeStatusRecord status = rig.Status();
    CHECK(status.sync == "Synced");
    CHECK(status.health == "Healthy");
    CHECK(status.detail == "Healthy");
    CHECK(status.traefik_version == "3.7.9");
    CHECK(status.problems.empty());
    CHECK(rig.metrics.Render().find("dflow_edge_healthy{edge=\"edge-1\"} 1") != std::string::npos);
    auto quiet = rig.store->History(10);
    REQUIRE(quiet.ok());
    CHECK(quiet->front().first.result == "converged");
  }
  SUBCASE("a server DOWN: Degraded, with the server named") {
    rig.TakeFile("DOWN");
    rig.Pass();
    EdgeStatusRecord status = rig.Status();
    CHECK(status.health == "Degraded");
    CHECK(status.detail == "Degraded");
    CHECK(status.problems.find("http://10.10.0.11:80 is DOWN") != std::string::npos);
  }
  SUBCASE("the file was not taken (no routers in the API): Failed") {
    rig.Pass();  // the fake API still shows no routes
    EdgeStatusRecord status = rig.Status();
    CHECK(status.health == "Degraded");
    CHECK(status.detail == "Failed");
    CHECK_FALSE(status.problems.empty());
  }
  SUBCASE("the API does not answer: Unknown, and the file is still ours") {
    rig.api.Stop();
    EdgePassOutcome pass = rig.Pass();
    CHECK_FALSE(pass.failed);
    EdgeStatusRecord status = rig.Status();
    CHECK(status.sync == "Synced");
    CHECK(status.health == "Unknown");
    CHECK(status.problems.find("Traefik's API cannot be read") != std::string::npos);
  }
  SUBCASE("a hand-made change to the file is put back") {
    test::WriteFile(rig.file(), "http: {}\n");
    EdgePassOutcome again = rig.Pass();
    CHECK(again.wrote);
    CHECK(test::ReadFile(rig.file()) == *want);
  }
}

TEST_CASE("edge pass: a missing directory fails the edge and writes nothing") {
  EdgePassRig rig;
  fs::remove_all(rig.spec().config_dir);
  EdgePassOutcome pass = rig.Pass();
  CHECK(pass.failed);
  CHECK_FALSE(pass.wrote);
  CHECK_FALSE(pass.status.ok());
  CHECK(pass.error.find(rig.spec().config_dir) != std::string::npos);
  CHECK_FALSE(fs::exists(rig.spec().config_dir));
  EdgeStatusRecord status = rig.Status();
  CHECK(status.sync == "Unknown");
  CHECK(status.problems == pass.error);
}

TEST_CASE("edge pass: nothing to route keeps the edge's file as it is") {
  EdgePassRig rig;
  test::WriteFile(rig.file(), "# the last document\n");
  for (auto& node : rig.desired.nodes) node.apps.clear();
  EdgePassOutcome pass = rig.Pass();
  CHECK_FALSE(pass.failed);
  CHECK_FALSE(pass.wrote);
  CHECK(test::ReadFile(rig.file()) == "# the last document\n");
  CHECK(rig.Status().problems.find("edge 'edge-1'") == 0);
}

}  // namespace
}  // namespace dflow
