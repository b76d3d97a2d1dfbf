// bench/observe: a no-op observe over real sshd (the dokku user's forced command) with the
// Dokku simulator behind it. Each node has issue 14's shape: 8 apps, each with 10 config keys,
// 2 domains, a port map, web=2 and a link to one shared postgres (the redis plugin installed,
// no redis service). 1 and 10 nodes (BENCH_NODES, e.g. "1,10,30"), observed in parallel, at each
// simulated Dokku cost of BENCH_DOKKU_MS (default "0,300" ms per call). The 1st observe opens the
// SSH connections, the 2nd reuses them. Prints, per row: wall time of both, Dokku commands per node
// and the longest chain of commands run one after another (bench/invocation_log.h) of the 2nd, on
// node-0 and over all nodes' calls together, the most commands in flight at once on node-0, SSH
// connections opened per loop, and the process's peak RSS so far.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/dokku_cost.h"
#include "bench/invocation_log.h"
#include "manifests-schema/base/parallel_for.h"
#include "providers/dokku/dokku_observer.h"
#include "providers/ssh/ssh_transport.h"
#include "reconciler/controller/fleet.h"
#include "tests/support/sshd_fixture.h"

namespace {

using dflow::test::SshdNode;
using Nodes = std::vector<std::unique_ptr<SshdNode>>;

constexpr int kApps = 8;
constexpr int kConfigKeys = 10;

// Setup runs the simulator directly: no SSH, no simulated cost, not in the measured logs.
void Dokku(const SshdNode& node, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {DFLOW_DOKKU_SIM_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = dflow::test::RunCapture(argv, "", {"DOKKU_SIM_STATE=" + node.state_dir().string()});
  if (result.exit_code != 0) {
    std::fprintf(stderr, "setup failed: %s\n", result.err.c_str());
    std::exit(1);
  }
}

void Populate(const SshdNode& node) {
  Dokku(node, {"postgres:create", "shared-db"});
  for (int a = 0; a < kApps; ++a) {
    const std::string app = "app-" + std::to_string(a);
    Dokku(node, {"apps:create", app});
    std::vector<std::string> config = {"config:set", "--no-restart", app,
                                       "DFLOW_MANAGED=production/app/" + app,
                                       "QUOTED='x' \"y\" $(z)"};
    for (int k = 2; k < kConfigKeys; ++k)
      config.push_back("KEY_" + std::to_string(k) + "=value-" + std::to_string(k));
    Dokku(node, config);
    Dokku(node, {"domains:set", app, app + ".example.com", "www." + app + ".example.com"});
    Dokku(node, {"ports:set", app, "http:80:5000"});
    Dokku(node, {"git:from-image", app, "registry.example.com/" + app + ":1.0"});
    Dokku(node, {"ps:scale", app, "web=2"});
    Dokku(node, {"postgres:link", "shared-db", app, "--no-restart"});
  }
}

std::vector<std::size_t> LogSizes(const Nodes& nodes) {
  std::vector<std::size_t> sizes;
  for (const auto& node : nodes)
    sizes.push_back(dflow::bench::LogLines(node->state_dir() / "invocations.log"));
  return sizes;
}

// The calls of every node since `sizes`, node by node.
std::vector<std::vector<dflow::bench::Invocation>> CallsSince(
    const Nodes& nodes, const std::vector<std::size_t>& sizes) {
  std::vector<std::vector<dflow::bench::Invocation>> calls;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    calls.push_back(
        dflow::bench::ReadInvocations(nodes[i]->state_dir() / "invocations.log", sizes[i]));
  return calls;
}

double ObserveAll(const Nodes& nodes, std::vector<std::unique_ptr<dflow::Transport>>& transports,
                  int* failures) {
  const auto start = std::chrono::steady_clock::now();
  std::atomic<int> failed{0};
  dflow::ParallelFor(nodes.size(), static_cast<int>(nodes.size()), [&](std::size_t i) {
    dflow::ObserveOptions options;
    options.node = "node-" + std::to_string(i);
    auto observed = dflow::ObserveNode(*transports[i], options);
    if (!observed.ok()) {
      std::fprintf(stderr, "observe failed: %s\n", observed.status().message().c_str());
      ++failed;
    }
  });
  *failures += failed;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Connections(const std::vector<std::unique_ptr<dflow::Transport>>& transports) {
  int total = 0;
  for (const auto& t : transports) total += t->Stats().connections_opened;
  return total;
}

// One row: `nodes` observed twice at the current cost, with fresh transports.
std::string MeasureRow(int cost, const Nodes& nodes) {
  dflow::bench::SetDokkuCost(cost);
  std::vector<std::unique_ptr<dflow::Transport>> transports;
  for (const auto& node : nodes) transports.push_back(dflow::MakeSshTransport(node->MakeOptions()));
  int failures = 0;
  const double first = ObserveAll(nodes, transports, &failures);
  const int connections_first = Connections(transports);
  const auto before = LogSizes(nodes);
  const double second = ObserveAll(nodes, transports, &failures);
  const auto calls = CallsSince(nodes, before);
  std::vector<dflow::bench::Invocation> all;
  for (const auto& node_calls : calls) all.insert(all.end(), node_calls.begin(), node_calls.end());
  const auto node0 = dflow::bench::Summarize(calls[0]);
  dflow::bench::TraceCalls("2nd observe, node-0, " + std::to_string(cost) + " ms", calls[0]);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  char row[512];
  std::snprintf(
      row, sizeof row, "| %d | %zu | %.2f | %d | %d | %d | %d | %.2f | %d | %d | %.1f |%s", cost,
      nodes.size(), second, node0.commands, node0.longest_chain, dflow::bench::LongestChain(all),
      node0.max_in_flight, first, connections_first, Connections(transports) - connections_first,
      usage.ru_maxrss / 1024.0, failures ? " (failures!)" : "");
  return row;
}

}  // namespace

int main() {
  const std::vector<int> costs = dflow::bench::DokkuCosts();
  std::printf(
      "Observe, no-op: %d apps per node (%d config keys, 2 domains, a port map, web=2, all "
      "linked to one postgres); nodes in parallel. Dokku ms = simulated cost per call.\n\n",
      kApps, kConfigKeys);
  std::fflush(stdout);
  // Nodes are made and populated once per count, then observed at every cost.
  std::map<std::pair<int, std::size_t>, std::string> rows;
  for (int count : dflow::bench::NodeCounts()) {
    const dflow::test::SshdNodeOptions options = dflow::bench::CostedNodeOptions();
    Nodes nodes;
    for (int i = 0; i < count; ++i) {
      nodes.push_back(std::make_unique<SshdNode>(options));
      Populate(*nodes.back());
    }
    for (int cost : costs) {
      rows[{cost, nodes.size()}] = MeasureRow(cost, nodes);
      std::fprintf(stderr, "%s\n", rows[{cost, nodes.size()}].c_str());
    }
  }
  std::printf(
      "| Dokku ms | nodes | 2nd observe (s) | Dokku commands/node | longest chain/node | longest "
      "chain, all nodes | most in flight/node | 1st observe (s) | SSH connections 1st loop | SSH "
      "connections 2nd loop | peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& [key, row] : rows) std::printf("%s\n", row.c_str());
  return 0;
}
