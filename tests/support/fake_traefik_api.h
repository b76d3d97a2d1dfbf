// A fake Traefik API for tests: `python3 -m http.server` on the loopback serving files named
// like the API's paths (api/version, api/http/routers, ...) with the answers Traefik v3 gives.
// Real HTTP, so what reads it (curl on an "edge" over SSH) runs as it would against Traefik.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/support/process.h"

namespace dflow::test {

inline int UnusedLoopbackPort() {
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

class FakeTraefikApi {
 public:
  // Listens on 127.0.0.1:`port` (e.g. the apiUrl port of a FleetRig's edge).
  explicit FakeTraefikApi(int port = UnusedLoopbackPort()) : port_(port) {
    std::filesystem::create_directories(dir_.path() / "api/http");
    Set("version",
        R"json({"Version":"3.7.9","Codename":"x","startDate":"2026-12-01T00:00:00Z"})json");
    Set("http/routers", "[]");  // a Traefik with no routes yet
    Set("http/services", "[]");
    pid_ = fork();
    if (pid_ == 0) {
      int quiet = open("/dev/null", O_WRONLY);  // its request log is noise in test output
      dup2(quiet, 1);
      dup2(quiet, 2);
      execlp("python3", "python3", "-m", "http.server", "--bind", "127.0.0.1",
             std::to_string(port_).c_str(), "--directory", dir_.path().c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {  // until it answers
      if (RunCapture({"/usr/bin/curl", "-fsS", url() + "/api/version"}, "").exit_code == 0) return;
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
    WriteFile(dir_.path() / "api" / path, body);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  ScopedTempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace dflow::test
