// Traefik's API read over SSH on the edge (curl on its loopback) from a fake Traefik API (a
// real HTTP server serving recorded answers), and the health it maps to.
#include "providers/edge/traefik_api.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "providers/ssh/ssh_transport.h"
#include "tests/providers/edge/edge_transport.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A fake Traefik API: `python3 -m http.server` on the loopback serving files named like the
// API's paths, with the answers a Traefik v3 gives.
class FakeTraefikApi {
 public:
  FakeTraefikApi() : port_(FreePort()) {
    std::filesystem::create_directories(dir_.path() / "api/http");
    Set("version",
        R"json({"Version":"3.7.9","Codename":"x","startDate":"2026-12-01T00:00:00Z"})json");
    pid_ = fork();
    if (pid_ == 0) {
      execlp("python3", "python3", "-m", "http.server", "--bind", "127.0.0.1",
             std::to_string(port_).c_str(), "--directory", dir_.path().c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {  // until it answers
      if (test::RunCapture({"/usr/bin/curl", "-fsS", url() + "/api/version"}, "").exit_code == 0)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Stop();
    FAIL("the fake Traefik API did not start");
  }
  ~FakeTraefikApi() { Stop(); }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void Set(const std::string& path, const std::string& body) {
    test::WriteFile(dir_.path() / "api" / path, body);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  test::ScopedTempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

constexpr char kRouters[] = R"json([
  {"entryPoints":["websecure"],"service":"dflow-shop-web-production","rule":"Host(`shop.example.com`)","status":"enabled","using":["websecure"],"name":"dflow-shop-example-com@file","provider":"file"},
  {"service":"api@internal","rule":"PathPrefix(`/api`)","status":"enabled","name":"api@internal","provider":"internal"},
  {"service":"dflow-gone","rule":"Host(`old.example.com`)","status":"disabled","error":["the service \"dflow-gone@file\" does not exist"],"name":"dflow-old-example-com@file","provider":"file"}
])json";

TEST_CASE("edge api: version, file routers and services read over SSH; health mapped") {
  test::SshdNode sshd;
  FakeTraefikApi api;
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
  const std::string url = "http://127.0.0.1:" + std::to_string(FreePort());
  Result<TraefikApiState> state = ReadTraefikApi(*edge, url);
  CHECK(state.status().code() == Code::kUnavailable);
  CHECK(state.status().message().find("Traefik's API at " + url + "/api/version did not answer") !=
        std::string::npos);
}

}  // namespace
}  // namespace dflow
