// `dflow run` with 2,000 idle HTTP clients connected (a scan, a leaky proxy, an attacker): the
// HTTP side keeps its own connections bounded, so the fetch child and the SSH pass still have
// file descriptors, a pushed commit still reaches the node, and /healthz still answers.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "tests/support/controller_process.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/http_client.h"

namespace dflow {
namespace {

constexpr int kIdleClients = 2000;

// An open TCP connection that never sends a byte; closed on destruction.
class IdleClient {
 public:
  explicit IdleClient(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~IdleClient() {
    if (fd_ >= 0) close(fd_);
  }
  IdleClient(const IdleClient&) = delete;
  IdleClient& operator=(const IdleClient&) = delete;
  bool connected() const { return connected_; }

 private:
  int fd_;
  bool connected_ = false;
};

int PortOf(const std::string& url) {
  return std::stoi(
      url.substr(url.rfind(':') + 1, url.find('/', url.rfind(':')) - url.rfind(':') - 1));
}

std::size_t OpenFiles(pid_t pid) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++count;
  return count;
}

TEST_CASE("2,000 idle HTTP clients: a pushed commit still reaches the node, /healthz answers") {
  // This process holds the 2,000 client sockets; the controller's own count is what is checked.
  rlimit limit{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  REQUIRE_MESSAGE(limit.rlim_max >= kIdleClients + 200, "the hard open-files limit is too low");
  if (limit.rlim_cur < kIdleClients + 200) {
    limit.rlim_cur = kIdleClients + 200;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &limit) == 0);
  }

  test::FleetRig rig(test::kSampleRepoNodes);
  const std::size_t app_count = rig.AppCount();
  rig.repo().CommitAll("initial");
  test::ControllerProcess controller(rig.ControllerOptions());  // fetches at the interval
  controller.Start();
  REQUIRE(test::ControllerProcess::WaitFor(
      [&] { return test::AllSynced(controller.Status(), app_count); }));

  const int port = PortOf(controller.url("/"));
  std::vector<std::unique_ptr<IdleClient>> idle;
  for (int i = 0; i < kIdleClients; ++i) {
    idle.push_back(std::make_unique<IdleClient>(port));
    REQUIRE(idle.back()->connected());  // the listen backlog takes them even past the cap
  }
  CHECK(test::HttpGet(controller.url("/healthz")).status == 200);
  // The server closed the longest-idle ones to stay under its cap (256, http_server.h).
  CHECK(OpenFiles(controller.pid()) < 400);

  const std::string app = "course-management-web-staging";
  const std::filesystem::path file = rig.repo().path() / "applications/course-management.yaml";
  std::string text = test::ReadFile(file);
  const auto at = text.find("UPLOAD_LIMIT_MB: 50");
  REQUIRE(at != std::string::npos);
  text.replace(at, std::string("UPLOAD_LIMIT_MB: 50").size(), "UPLOAD_LIMIT_MB: 64");
  test::WriteFile(file, text);
  const std::string commit = rig.repo().CommitAll("raise the upload limit");
  // Fetched by the fetch child, applied over SSH: both need descriptors of their own.
  CHECK(test::ControllerProcess::WaitFor(
      [&] { return test::ConfigValue(rig, "staging-1", app, "UPLOAD_LIMIT_MB") == "64"; }));
  CHECK(test::ControllerProcess::WaitFor(
      [&] { return controller.Status()["source"].value("appliedRevision", "") == commit; }));
  CHECK(test::HttpGet(controller.url("/healthz")).status == 200);
  CHECK(OpenFiles(controller.pid()) < 400);
  INFO(controller.Log());
  CHECK(controller.Log().find("Too many open files") == std::string::npos);
  idle.clear();
  controller.Stop();
  CHECK(controller.exit_code() == 0);
}

}  // namespace
}  // namespace dflow
