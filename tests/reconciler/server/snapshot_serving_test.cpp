// Status, history and badges answer from the published snapshot, never from SQLite (the API
// has no store to query), and a 10,000-app status is a copy of a string rendered beforehand,
// not a query and a JSON build on a handler thread.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "reconciler/server/controller_api.h"
#include "reconciler/status/status_publisher.h"
#include "reconciler/status/status_store_hook.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace dflow {
namespace {

constexpr std::int64_t kServedAt = 7000;

HttpRequest ApiGet(const std::string& path, std::map<std::string, std::string> query = {}) {
  HttpRequest request;
  request.method = "GET";
  request.target = request.path = path;
  request.query = std::move(query);
  return request;
}

struct ServingRig {
  test::ScopedTempDir dir;
  std::string db_path = (dir.path() / "state.db").string();
  std::unique_ptr<StatusStore> store;
  std::unique_ptr<StatusPublisher> publisher;
  ControllerApi api;

  ServingRig() {
    auto opened = StatusStore::Open(db_path);
    REQUIRE(opened.ok());
    store = WithWriteHook(std::move(opened).value(), [this] {
      if (publisher) publisher->MarkChanged();
    });
    api.snapshot = [this] { return publisher->Current(); };
    api.now = [] { return kServedAt; };
  }

  // Publishing starts after the test's fill: a refresh per write of 10,000 is not the point.
  void StartPublishing() {
    publisher = std::make_unique<StatusPublisher>(*store, std::chrono::milliseconds(0),
                                                  [] { return kServedAt; });
    REQUIRE(publisher->Start().ok());
  }
};

AppStatusRecord FleetApp(int i, const std::string& sync) {
  return {"node-" + std::to_string(i % 10),
          "app-" + std::to_string(i),
          "production",
          "shop-" + std::to_string(i),
          "web",
          sync,
          "Healthy",
          "abc",
          "",
          kServedAt,
          kServedAt};
}

TEST_CASE("status, history and badges answer from the snapshot alone, with the store closed") {
  ServingRig rig;
  REQUIRE(rig.store->PutAppStatus(FleetApp(1, "Synced")).ok());
  ReconcileRecord pass{0, "abc", "interval", kServedAt, kServedAt, "converged", "", "node-1", 1};
  REQUIRE(rig.store->RecordQuietPass(pass).ok());
  rig.StartPublishing();
  const std::shared_ptr<const StatusSnapshot> held = rig.publisher->Current();
  rig.publisher.reset();
  rig.store.reset();  // SQLite is closed: nothing below can query it
  rig.api.snapshot = [held] { return held; };

  HttpResponse status = HandleControllerRequest(rig.api, ApiGet("/api/v1/status"));
  CHECK(status.status == 200);
  CHECK(nlohmann::json::parse(status.body)["apps"][0]["app"] == "app-1");
  HttpResponse history = HandleControllerRequest(rig.api, ApiGet("/api/v1/history"));
  CHECK(history.status == 200);
  CHECK(nlohmann::json::parse(history.body)["reconciles"].size() == 1);
  HttpResponse badge = HandleControllerRequest(rig.api, ApiGet("/badge/shop-1/production.json"));
  CHECK(badge.status == 200);
  CHECK(nlohmann::json::parse(badge.body)["message"] == "synced · healthy");
}

TEST_CASE("no snapshot yet: status, history and badges say 503, health and metrics still answer") {
  ControllerApi api;
  Metrics metrics;
  api.metrics = &metrics;
  CHECK(HandleControllerRequest(api, ApiGet("/api/v1/status")).status == 503);
  CHECK(HandleControllerRequest(api, ApiGet("/api/v1/history")).status == 503);
  CHECK(HandleControllerRequest(api, ApiGet("/badge/production.svg")).status == 503);
  CHECK(HandleControllerRequest(api, ApiGet("/healthz")).status == 200);
  CHECK(HandleControllerRequest(api, ApiGet("/metrics")).status == 200);
}

TEST_CASE(
    "10,000 apps: the status body is rendered once per snapshot, and the history limit holds") {
  ServingRig rig;
  for (int i = 0; i < 10000; ++i)
    REQUIRE(rig.store->PutAppStatus(FleetApp(i, i == 4242 ? "Failed" : "Synced")).ok());
  for (int i = 0; i < kMaxHistoryServed + 20; ++i) {
    ReconcileRecord pass{0, "abc", "interval", kServedAt + i, kServedAt + i, "ok", "", "node-1", 1};
    auto id = rig.store->BeginReconcile(pass);
    REQUIRE(id.ok());
    REQUIRE(rig.store->FinishReconcile(*id, "ok", "", kServedAt + i).ok());
  }
  rig.StartPublishing();
  const auto snapshot = rig.publisher->Current();
  REQUIRE(snapshot->apps.size() == 10000);

  HttpResponse status = HandleControllerRequest(rig.api, ApiGet("/api/v1/status"));
  CHECK(status.status == 200);
  CHECK(status.body == snapshot->status_json);  // the same bytes, not rendered again
  const auto parsed = nlohmann::json::parse(status.body);
  CHECK(parsed["apps"].size() == 10000);
  CHECK(parsed["environments"][0]["sync"] == "Failed");  // app-4242 sets the roll-up

  HttpResponse badge = HandleControllerRequest(rig.api, ApiGet("/badge/shop-4242/production.json"));
  CHECK(nlohmann::json::parse(badge.body)["message"] == "failed");

  auto history = nlohmann::json::parse(
      HandleControllerRequest(rig.api, ApiGet("/api/v1/history", {{"limit", "9999"}})).body);
  CHECK(history["reconciles"].size() == static_cast<std::size_t>(kMaxHistoryServed));
  CHECK(history["reconciles"][0]["startedAt"] ==
        kServedAt + kMaxHistoryServed + 19);  // newest first
}

TEST_CASE("over HTTP, /healthz answers while a 10,000-app status answer is still unread") {
  ServingRig rig;
  for (int i = 0; i < 10000; ++i) REQUIRE(rig.store->PutAppStatus(FleetApp(i, "Synced")).ok());
  rig.StartPublishing();
  auto server = HttpServer::Start(
      {}, [&rig](const HttpRequest& request) { return HandleControllerRequest(rig.api, request); });
  REQUIRE(server.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());

  // A client asks for the status and does not read: megabytes wait in the socket buffers.
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(client >= 0);
  const int small = 4096;  // so the answer cannot fit in the buffers
  setsockopt(client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>((*server)->port()));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string get = "GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(write(client, get.data(), get.size()) == static_cast<ssize_t>(get.size()));
  // The first bytes of the answer prove it is being sent.
  char first[16];
  REQUIRE(read(client, first, sizeof first) > 0);

  // Ordering, not timing: health answers while the status answer is far from delivered.
  auto health = test::HttpGet(base + "/healthz");
  CHECK(health.status == 200);
  std::size_t received = sizeof first;
  char buf[65536];
  timeval generous{30, 0};
  setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &generous, sizeof generous);
  for (ssize_t n; received < rig.publisher->Current()->status_json.size() &&
                  (n = read(client, buf, sizeof buf)) > 0;)
    received += static_cast<std::size_t>(n);
  close(client);
  CHECK(received >= rig.publisher->Current()->status_json.size());  // and it did arrive whole
}

}  // namespace
}  // namespace dflow
