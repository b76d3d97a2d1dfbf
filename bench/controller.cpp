// bench/controller: `dflow run` as a process against simulated nodes (real sshd, the Dokku
// simulator at each simulated cost of BENCH_DOKKU_MS, default "0,300" ms per call).
// `controller webhook` (issue 14): 1 and 10 nodes x 10 apps, several signed push webhooks
// (BENCH_PUSHES, default 5 for 1 node, 3 for 10) each for a one-key config change; per push,
// the time from sending the webhook and from its 2xx answer to the first Dokku command on any
// node (the nodes' invocations.log), to the change being on every node, and the push's Dokku
// commands per node and longest chain (bench/invocation_log.h); p50 and max over the pushes.
// `controller healthz`: how long /healthz takes while status documents are being fetched and
// 1,000 idle clients hold connections. No argument: both, plus (at the last cost of the list)
// the controller's peak RSS with 30 nodes x 10 apps once converged, its CPU use while idle,
// and whether its RSS grows over many one-second loops.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/dokku_cost.h"
#include "bench/invocation_log.h"
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

// LOG_LEVEL of `app` on `node`, "" when unset. Read from the simulator's state file (written
// by rename, so never half a document), not through `dokku config:get`: a probe must not show
// up among the node's Dokku calls.
std::string LogLevelOn(const SshdNode& node, const std::string& app) {
  std::ifstream in(node.state_dir() / "apps" / (app + ".json"));
  const auto state = nlohmann::json::parse(in, nullptr, false);
  if (state.is_discarded() || !state.contains("config")) return "";
  return state["config"].value("LOG_LEVEL", "");
}

// Every app on `nodes` has LOG_LEVEL=`level`.
bool LevelEverywhere(const std::vector<std::unique_ptr<SshdNode>>& nodes,
                     const std::string& level) {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (const std::string app : {"shop", "blog"})
      for (int s = 0; s < kServices; ++s)
        if (LogLevelOn(*nodes[i],
                       app + std::to_string(i) + "-s" + std::to_string(s) + "-production") != level)
          return false;
  return true;
}

struct Fleet {
  std::vector<std::unique_ptr<SshdNode>> nodes;
  dflow::test::ScopedTempDir dir;
  std::unique_ptr<dflow::test::GitRepo> repo;
  std::unique_ptr<ControllerProcess> controller;
  std::size_t apps = 0;

  // Nodes at the current cost (bench::SetDokkuCost).
  Fleet(int count, const std::string& interval) {
    const dflow::test::SshdNodeOptions options = dflow::bench::CostedNodeOptions();
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
    o.log_level = std::getenv("BENCH_CONTROLLER_LOG") ? "debug" : "warn";
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
int HealthzLatency() {
  Fleet fleet(10, "60s");
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

double Percentile(std::vector<double> values, double share) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(share * values.size()))];
}

// "p50 / max" of `values`, each printed with `format`.
std::string P50Max(const std::vector<double>& values, const char* format) {
  const std::string both = std::string(format) + " / " + format;
  char cell[64];
  std::snprintf(cell, sizeof cell, both.c_str(), Percentile(values, 0.5), Percentile(values, 1.0));
  return cell;
}

std::filesystem::path LogOf(const SshdNode& node) { return node.state_dir() / "invocations.log"; }

// Every node's newest pass is of `commit` and finished.
bool PassesDone(const ControllerProcess& controller, std::size_t nodes, const std::string& commit) {
  const auto reply = dflow::test::HttpGet(controller.url("/api/v1/history?limit=500"));
  const auto history = nlohmann::json::parse(reply.body, nullptr, false);
  if (history.is_discarded() || !history.contains("reconciles")) return false;
  for (std::size_t i = 0; i < nodes; ++i) {
    const std::string node = "node-" + std::to_string(i);
    bool newest_done = false;
    for (const auto& record : history["reconciles"])
      if (record.value("node", "") == node) {
        newest_done = record.value("revision", "") == commit && record.value("finishedAt", 0) != 0;
        break;
      }
    if (!newest_done) return false;
  }
  return true;
}

// SSH logins `node` has accepted so far (sshd logs each at LogLevel VERBOSE).
int Logins(const SshdNode& node) {
  const std::string log = node.Log();
  int count = 0;
  for (std::size_t at = 0; (at = log.find("Accepted publickey", at)) != std::string::npos; ++at)
    ++count;
  return count;
}

// Waits until no node has logged a Dokku call for a second.
void WaitQuiet(const std::vector<std::unique_ptr<SshdNode>>& nodes) {
  std::vector<std::size_t> last;
  for (int quiet = 0; quiet < 5;) {
    std::vector<std::size_t> now;
    for (const auto& node : nodes) now.push_back(dflow::bench::LogLines(LogOf(*node)));
    quiet = now == last ? quiet + 1 : 0;
    last = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// One push, as its columns show it.
struct Push {
  double answer_ms = 0;           // webhook sent -> 2xx answer
  double sent_to_first_ms = 0;    // webhook sent -> first Dokku command started, any node
  double answer_to_first_ms = 0;  // 2xx answer -> first Dokku command started
  double changed_s = 0;           // webhook sent -> the new value in every app (polled, 0.2 s)
  double done_s = 0;              // webhook sent -> the push's last Dokku command ended
  int commands = 0;               // node-0's Dokku commands for this push
  int chain = 0;                  // longest chain over all nodes' calls of this push
  int connections = 0;            // SSH logins node-0 accepted during the push
  bool ok = true;
};

// The push's Dokku calls on every node: from the lines each log had `before`.
void ReadCalls(const std::vector<std::unique_ptr<SshdNode>>& nodes,
               const std::vector<std::size_t>& before, std::int64_t sent_us,
               std::int64_t answered_us, Push& push) {
  std::vector<dflow::bench::Invocation> all;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto calls = dflow::bench::ReadInvocations(LogOf(*nodes[i]), before[i]);
    if (i == 0) push.commands = static_cast<int>(calls.size());
    all.insert(all.end(), calls.begin(), calls.end());
  }
  dflow::bench::TraceCalls("push, all nodes", all);
  push.chain = dflow::bench::LongestChain(all);
  const dflow::bench::Invocation* first = dflow::bench::FirstStartedAfter(all, sent_us);
  if (!first) {
    push.ok = false;
    return;
  }
  push.sent_to_first_ms = static_cast<double>(first->start_us - sent_us) / 1000.0;
  push.answer_to_first_ms = static_cast<double>(first->start_us - answered_us) / 1000.0;
  std::int64_t last_end = 0;
  for (const auto& call : all) last_end = std::max(last_end, call.end_us);
  push.done_s = static_cast<double>(last_end - sent_us) / 1e6;
}

// One signed push for LOG_LEVEL=`level`; returns once the controller is idle again.
Push OnePush(Fleet& fleet, const std::string& level, int number) {
  fleet.repo->Write("fleet.yaml", Manifests(fleet.nodes, level));
  const std::string commit = fleet.repo->CommitAll("log level " + level);
  const std::string body = R"({"ref":"refs/heads/main","after":")" + commit + R"("})";
  std::vector<std::size_t> before;
  for (const auto& node : fleet.nodes) before.push_back(dflow::bench::LogLines(LogOf(*node)));
  Push push;
  const int logins_before = Logins(*fleet.nodes[0]);
  const std::int64_t sent_us = dflow::bench::RealtimeMicros();
  const auto reply = dflow::test::HttpPost(
      fleet.controller->url("/api/v1/webhook"), body,
      {"X-GitHub-Event: push", "X-GitHub-Delivery: bench-" + std::to_string(number),
       "X-Hub-Signature-256: sha256=" + dflow::HmacSha256Hex("bench", body)});
  const std::int64_t answered_us = dflow::bench::RealtimeMicros();
  push.ok = reply.status / 100 == 2;
  push.answer_ms = static_cast<double>(answered_us - sent_us) / 1000.0;
  push.ok =
      push.ok && ControllerProcess::WaitFor([&] { return LevelEverywhere(fleet.nodes, level); },
                                            std::chrono::seconds(600));
  push.changed_s = static_cast<double>(dflow::bench::RealtimeMicros() - sent_us) / 1e6;
  // The pass goes on after the change (a verifying observe, status): let it end first.
  push.ok =
      push.ok && ControllerProcess::WaitFor(
                     [&] { return PassesDone(*fleet.controller, fleet.nodes.size(), commit); },
                     std::chrono::seconds(600));
  WaitQuiet(fleet.nodes);
  ReadCalls(fleet.nodes, before, sent_us, answered_us, push);
  push.connections = Logins(*fleet.nodes[0]) - logins_before;
  return push;
}

// BENCH_PUSHES, else 5 with one node and 1 with more (each push of 10 nodes takes half a
// minute at 300 ms).
int Pushes(int nodes) {
  const char* env = std::getenv("BENCH_PUSHES");
  if (env && std::atoi(env) > 0) return std::atoi(env);
  return nodes == 1 ? 5 : 1;
}

void PrintPushRow(int cost, int nodes, const std::vector<Push>& pushes) {
  auto column = [&](double Push::*field) {
    std::vector<double> values;
    for (const auto& push : pushes) values.push_back(push.*field);
    return values;
  };
  std::vector<double> commands, chain, connections;
  bool ok = true;
  for (const auto& push : pushes) {
    commands.push_back(push.commands);
    chain.push_back(push.chain);
    connections.push_back(push.connections);
    ok = ok && push.ok;
  }
  std::printf("| %d | %d | %zu | %s | %s | %s | %s | %s | %s | %s | %s |%s\n", cost, nodes,
              pushes.size(), P50Max(column(&Push::answer_ms), "%.1f").c_str(),
              P50Max(column(&Push::sent_to_first_ms), "%.0f").c_str(),
              P50Max(column(&Push::answer_to_first_ms), "%.0f").c_str(),
              P50Max(column(&Push::changed_s), "%.1f").c_str(),
              P50Max(column(&Push::done_s), "%.1f").c_str(), P50Max(commands, "%.0f").c_str(),
              P50Max(chain, "%.0f").c_str(), P50Max(connections, "%.0f").c_str(),
              ok ? "" : " (failures!)");
  std::fflush(stdout);
}

// Issue 14's table: for each cost and node count, a few pushes.
int WebhookLatency(const std::vector<int>& costs) {
  std::printf(
      "Webhook: 10 apps per node; interval 10m (only the webhook triggers); each push changes "
      "LOG_LEVEL of every app. Cells are p50 / max over the pushes. Dokku ms = simulated cost "
      "per call.\n\n"
      "| Dokku ms | nodes | pushes | webhook answer (ms) | sent -> first Dokku command (ms) | "
      "2xx -> first Dokku command (ms) | sent -> new value in every app (s) | sent -> last "
      "Dokku command done (s) | Dokku commands/node | longest chain, all nodes | SSH logins/node "
      "|\n|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  for (int cost : costs)
    for (int count : dflow::bench::NodeCounts()) {
      // The first converge is not measured: at no cost, it takes seconds instead of a minute.
      const auto row_start = std::chrono::steady_clock::now();
      dflow::bench::SetDokkuCost(0);
      Fleet fleet(count, "10m");
      if (!fleet.Converged()) {
        std::fprintf(stderr, "did not converge\n%s\n", fleet.controller->Log().c_str());
        return 1;
      }
      WaitQuiet(fleet.nodes);
      dflow::bench::SetDokkuCost(cost);
      std::vector<Push> pushes;
      for (int p = 0; p < Pushes(count); ++p)
        pushes.push_back(OnePush(fleet, "push" + std::to_string(p), p));
      PrintPushRow(cost, count, pushes);
      if (std::getenv("BENCH_CONTROLLER_LOG"))
        std::fprintf(stderr, "controller log:\n%s\n", fleet.controller->Log().c_str());
      std::fprintf(
          stderr, "(%d ms, %d nodes: %.0f s; node-0 accepted %d SSH logins in all)\n", cost, count,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - row_start).count(),
          Logins(*fleet.nodes[0]));
    }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  if (!only.empty() && only != "healthz" && only != "webhook") {
    std::fprintf(stderr, "usage: controller [webhook|healthz]\n");
    return 2;
  }
  const std::vector<int> costs = dflow::bench::DokkuCosts();
  if (only != "healthz" && WebhookLatency(costs) != 0) return 1;
  if (only == "webhook") return 0;
  // The rest at one cost: the last of the list.
  dflow::bench::SetDokkuCost(costs.back());
  if (only == "healthz") return HealthzLatency();
  std::printf("\nDokku ms = %d for the tables below.\n", costs.back());
  Fleet big(30, "60s");
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
  dflow::bench::SetDokkuCost(0);
  Fleet busy(1, "1s");
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
  dflow::bench::SetDokkuCost(costs.back());
  return HealthzLatency();
}
