// End to end: SIGTERM stops `dflow run` promptly even while its fetch of the config repo hangs
// on a remote that never answers (the fetch child is killed, not waited for).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/controller_process.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

// A loopback port whose connections the kernel completes (the backlog) and nobody answers:
// an HTTP Git remote that hangs.
class SilentRemote {
 public:
  SilentRemote() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentRemote() { close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/config.git"; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Whether `parent` has a `dflow __fetch-mirror` child running.
bool FetchChildOf(pid_t parent) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry.path().filename().c_str()));
    if (pid > 0 && test::ParentOf(pid) == parent &&
        test::ReadProcFile(pid, "cmdline").find("__fetch-mirror") != std::string::npos)
      return true;
  }
  return false;
}

TEST_CASE("SIGTERM stops dflow run while its fetch hangs on a silent remote") {
  SilentRemote remote;
  test::ControllerProcessOptions options;
  options.repo_url = remote.url();
  options.log_level = "debug";
  test::ControllerProcess controller(options);
  controller.Start();
  REQUIRE(test::ControllerProcess::WaitFor([&] { return FetchChildOf(controller.pid()); }));
  // Without cancelling, this would wait out the fetch timeout (minutes; past the test's own).
  controller.Stop();
  INFO(controller.Log());
  CHECK(controller.exit_code() == 0);
  CHECK(controller.Log().find("stopped") != std::string::npos);
  // A stop is not the remote's failure: nothing about it is recorded as a fetch error.
  CHECK(controller.Log().find("cancelled") == std::string::npos);
}

}  // namespace
}  // namespace dflow
