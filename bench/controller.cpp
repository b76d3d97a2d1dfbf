// bench/controller: `dflow run` as a process against simulated nodes (real sshd, the Dokku
// simulator with BENCH_DOKKU_MS per call, default 100). Prints the time from a signed push
// webhook to the one-key config change being on every node (1 and 10 nodes), the controller's
// peak RSS with 30 nodes x 10 apps once converged, its CPU use while idle, and whether its
// RSS grows over many one-second loops, and how long /healthz takes while status documents are
// being fetched and 1,000 idle clients hold connections (`controller healthz` runs only that).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "manifests-schema/base/digest.h"
#include "reconciler/server/webhook.h"
#include "tests/support/controller_process.h"
#include "tests/support/git_repo.h"
#include "tests/support/http_client.h"
#include "tests/support/sshd_fixture.h"

namespace {

using dflow::test::ControllerProcess;
using dflow::test::SshdNode;

constexpr int kServices = 5;  // x 2 applications = 10 apps per node

std::string Manifests(const std::vector<std::unique_ptr<SshdNode>>& nodes,
                      const std::string& level) {
  std::string yaml, names;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    yaml += "---\napiVersion: dflow/v1\nkind: Node\nmetadata: {name: node-" + std::to_string(i) +
            "}\nspec: {host: 127.0.0.1, port: " + std::to_string(nodes[i]->port()) +
            ", user: " + nodes[i]->user() + ", hostKey: \"" + nodes[i]->host_key_fingerprint() +
            "\"}\n";
    names += (i ? ", node-" : "node-") + std::to_string(i);
  }
  yaml +=
      "---\napiVersion: dflow/v1\nkind: Environment\nmetadata: {name: production}\n"
      "spec: {nodes: [" +
      names + "], domain: example.com, config: {LOG_LEVEL: " + level + "}}\n";
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (const std::string app : {"shop", "blog"}) {
      yaml += "---\napiVersion: dflow/v1\nkind: Application\nmetadata: {name: " + app +
              std::to_string(i) + "}\nspec:\n  services:\n";
      for (int s = 0; s < kServices; ++s)
        yaml += "    - {name: s" + std::to_string(s) + ", source: {image: \"reg.example.com/" +
                app + ":1\"}, processes: {web: 1}}\n";
      yaml +=
          "  environments: {production: {placement: {nodes: [node-" + std::to_string(i) + "]}}}\n";
    }
  return yaml;
}

long StatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

std::string ConfigOn(const SshdNode& node, const std::string& app) {
  auto r = dflow::test::RunCapture({DFLOW_DOKKU_SIM_EXE, "config:get", app, "LOG_LEVEL"}, "",
                                   {"DOKKU_SIM_STATE=" + node.state_dir().string()});
  return r.out;
}

struct Fleet {
  std::vector<std::unique_ptr<SshdNode>> nodes;
  dflow::test::ScopedTempDir dir;
  std::unique_ptr<dflow::test::GitRepo> repo;
  std::unique_ptr<ControllerProcess> controller;
  std::size_t apps = 0;

  Fleet(int count, const std::string& delay, const std::string& interval) {
    dflow::test::SshdNodeOptions options;
    options.dokku_script = "#!/bin/sh\nDOKKU_SIM_DELAY_MS=" + delay + " exec " +
                           std::string(DFLOW_DOKKU_SIM_EXE) + " \"$@\"\n";
    for (int i = 0; i < count; ++i) nodes.push_back(std::make_unique<SshdNode>(options));
    apps = static_cast<std::size_t>(count) * 2 * kServices;
    repo = std::make_unique<dflow::test::GitRepo>(dir.path() / "repo");
    repo->Write("fleet.yaml", Manifests(nodes, "info"));
    repo->CommitAll("fleet");
    dflow::test::ControllerProcessOptions o;
    o.repo_url = "file://" + repo->path().string();
    o.identity = dflow::test::TestClientKeys().shell;
    o.webhook_secret = "bench";
    o.interval = interval;
    o.log_level = "warn";
    controller = std::make_unique<ControllerProcess>(o);
    controller->Start();
  }

  bool Converged() {
    return ControllerProcess::WaitFor(
        [&] { return dflow::test::AllSynced(controller->Status(), apps); },
        std::chrono::seconds(600));
  }
};

// An open TCP connection that never sends a byte.
struct IdleConnection {
  int fd = -1;
  explicit IdleConnection(int port) : fd(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (fd >= 0) connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  ~IdleConnection() {
    if (fd >= 0) close(fd);
  }
  IdleConnection(const IdleConnection&) = delete;
  IdleConnection& operator=(const IdleConnection&) = delete;
};

// Milliseconds of `count` sequential GET /healthz, sorted.
std::vector<double> HealthzTimes(const ControllerProcess& controller, int count) {
  std::vector<double> times;
  for (int i = 0; i < count; ++i) {
    const auto start = std::chrono::steady_clock::now();
    dflow::test::HttpGet(controller.url("/healthz"));
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return times;
}

void PrintLatencyRow(const char* what, const std::vector<double>& times) {
  auto at = [&](double share) {
    return times[std::min(times.size() - 1, static_cast<std::size_t>(share * times.size()))];
  };
  std::printf("| %s | %.2f | %.2f | %.2f |\n", what, at(0.5), at(0.99), times.back());
  std::fflush(stdout);
}

// /healthz while the fleet is converged and idle, then while two clients fetch the status and
// history in a loop and 1,000 idle connections are held (the server caps and evicts them).
int HealthzLatency(const std::string& delay) {
  Fleet fleet(10, delay, "60s");
  if (!fleet.Converged()) {
    std::fprintf(stderr, "did not converge\n%s\n", fleet.controller->Log().c_str());
    return 1;
  }
  std::printf(
      "\n| /healthz, 10 nodes x 10 apps, 500 requests | p50 ms | p99 ms | max ms |\n"
      "|---|---|---|---|\n");
  PrintLatencyRow("idle", HealthzTimes(*fleet.controller, 500));
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (const std::string path : {"/api/v1/status", "/api/v1/history?limit=500"})
    readers.emplace_back([&, path] {
      while (!stop) dflow::test::HttpGet(fleet.controller->url(path));
    });
  const std::string url = fleet.controller->url("/");
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(std::make_unique<IdleConnection>(port));
  PrintLatencyRow("status + history readers, 1,000 idle clients",
                  HealthzTimes(*fleet.controller, 500));
  stop = true;
  for (auto& reader : readers) reader.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  if (!only.empty() && only != "healthz") {
    std::fprintf(stderr, "usage: controller [healthz]\n");
    return 2;
  }
  const char* cost = std::getenv("BENCH_DOKKU_MS");
  const std::string delay = cost ? cost : "100";
  if (only == "healthz") return HealthzLatency(delay);
  std::printf(
      "Simulated Dokku cost: %s ms per invocation; 10 apps per node; interval 10m (only "
      "the webhook triggers).\n\n| nodes | webhook -> one-key change on every node (s) |\n"
      "|---|---|\n",
      delay.c_str());
  for (int count : {1, 10}) {
    Fleet fleet(count, delay, "10m");
    if (!fleet.Converged()) {
      std::fprintf(stderr, "did not converge\n%s\n", fleet.controller->Log().c_str());
      return 1;
    }
    fleet.repo->Write("fleet.yaml", Manifests(fleet.nodes, "debug"));
    const std::string commit = fleet.repo->CommitAll("log level debug");
    const std::string body = R"({"ref":"refs/heads/main","after":")" + commit + R"("})";
    const auto start = std::chrono::steady_clock::now();
    dflow::test::HttpPost(fleet.controller->url("/api/v1/webhook"), body,
                          {"X-GitHub-Event: push", "X-GitHub-Delivery: bench-1",
                           "X-Hub-Signature-256: sha256=" + dflow::HmacSha256Hex("bench", body)});
    bool done = ControllerProcess::WaitFor(
        [&] {
          for (std::size_t i = 0; i < fleet.nodes.size(); ++i)
            for (const std::string app : {"shop", "blog"})
              if (ConfigOn(*fleet.nodes[i], app + std::to_string(i) + "-s0-production") !=
                  "debug\n")
                return false;
          return true;
        },
        std::chrono::seconds(600));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("| %d | %.2f%s |\n", count, seconds, done ? "" : " (not reached)");
    std::fflush(stdout);
  }
  Fleet big(30, delay, "60s");
  const bool converged = big.Converged();
  const pid_t pid = big.controller->pid();
  const double cpu_before = CpuSeconds(pid);
  std::this_thread::sleep_for(std::chrono::seconds(20));
  const double idle_cpu = (CpuSeconds(pid) - cpu_before) / 20.0 * 100.0;
  std::printf("\n| 30 nodes x 10 apps | value |\n|---|---|\n");
  std::printf("| converged | %s |\n", converged ? "yes" : "no");
  std::printf("| controller peak RSS | %.1f MiB |\n", StatusKib(pid, "VmHWM") / 1024.0);
  std::printf("| controller CPU while idle (20 s, interval 60 s) | %.2f %% of one core |\n",
              idle_cpu);

  // Memory over time: every loop fetches the repo and re-observes the node. RSS must not
  // grow with the number of loops (libgit2's per-fetch leak stays in the fetch child).
  Fleet busy(1, "0", "1s");
  if (!busy.Converged()) return 1;
  const pid_t busy_pid = busy.controller->pid();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const long rss_start = StatusKib(busy_pid, "VmRSS");
  constexpr int kLoops = 120;
  std::this_thread::sleep_for(std::chrono::seconds(kLoops));
  const long rss_end = StatusKib(busy_pid, "VmRSS");
  std::printf("\n| 1 node, interval 1 s | value |\n|---|---|\n");
  std::printf("| RSS once converged | %.1f MiB |\n", rss_start / 1024.0);
  std::printf("| RSS after %d more loops (fetch + observe each) | %.1f MiB |\n", kLoops,
              rss_end / 1024.0);
  std::printf("| growth per loop | %.1f KiB |\n",
              static_cast<double>(rss_end - rss_start) / kLoops);
  return HealthzLatency(delay);
}
