// bench/converge: the first converge of empty nodes and the no-op pass after it, over real sshd
// with the Dokku simulator behind it, at each simulated Dokku cost of BENCH_DOKKU_MS (default
// "0,300" ms per call). Shapes: 1 node with 1 app, 1 node with 8 apps, 10 nodes with 8 apps
// each. Every app is issue 14's: one service from an image, 10 config keys, 2 domains, a port
// map, web=2, no datastore (the apps are independent). A pass is ObserveAndPlan + ApplyPlans
// (all nodes at once). Prints, per pass: wall time (and the apply's share), Dokku commands
// per node and the longest chain of commands run one after another (bench/invocation_log.h)
// on node-0 and over all nodes' calls together, and the CPU the pass used on the whole machine
// and in dflow itself (bench/cpu_time.h); then the ratios 8 apps / 1 app and 10 nodes / 1 node.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/cpu_time.h"
#include "bench/dokku_cost.h"
#include "bench/invocation_log.h"
#include "manifests-schema/desired_state_loader.h"
#include "providers/ssh/ssh_transport.h"
#include "reconciler/apply/apply.h"
#include "reconciler/controller/fleet.h"
#include "tests/support/sshd_fixture.h"

namespace {

using dflow::test::SshdNode;
using Nodes = std::vector<std::unique_ptr<SshdNode>>;

constexpr int kConfigKeys = 10;

std::string AppName(int app, std::size_t node) {
  return "app" + std::to_string(app) + "n" + std::to_string(node);
}

std::string Manifests(const Nodes& nodes, int apps) {
  std::string yaml, env_nodes;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string name = "node-" + std::to_string(i);
    yaml += "---\napiVersion: dflow/v1\nkind: Node\nmetadata: {name: " + name +
            "}\nspec: {host: 127.0.0.1, port: " + std::to_string(nodes[i]->port()) +
            ", user: " + nodes[i]->user() + ", hostKey: \"" + nodes[i]->host_key_fingerprint() +
            "\"}\n";
    env_nodes += (i ? ", " : "") + name;
  }
  yaml +=
      "---\napiVersion: dflow/v1\nkind: Environment\nmetadata: {name: production}\nspec: {"
      "nodes: [" +
      env_nodes + "], domain: example.com}\n";
  std::string config;
  for (int k = 0; k < kConfigKeys; ++k)
    config += (k ? ", KEY_" : "KEY_") + std::to_string(k) + ": value-" + std::to_string(k);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (int a = 0; a < apps; ++a) {
      const std::string name = AppName(a, i);
      yaml += "---\napiVersion: dflow/v1\nkind: Application\nmetadata: {name: " + name +
              "}\nspec:\n  services:\n    - name: web\n      source: {image: "
              "\"registry.example.com/" +
              name + ":1.0\"}\n      config: {" + config + "}\n      domains: [" + name +
              ".example.com, www." + name +
              ".example.com]\n      ports: [\"http:80:5000\"]\n      processes: {web: 2}\n"
              "  environments: {production: {placement: {nodes: [node-" +
              std::to_string(i) + "]}}}\n";
    }
  return yaml;
}

struct Pass {
  double seconds = 0;
  double apply_seconds = 0;
  int ran = 0;
  bool ok = true;
  dflow::bench::CallStats node0;  // node-0's calls
  int chain_all = 0;              // longest chain over all nodes' calls together
  double machine_cpu = 0;         // seconds of CPU, every process on the machine
  double dflow_cpu = 0;           // seconds of CPU, this process (dflow's observe, plan, apply)
};

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Pass RunPass(const dflow::DesiredState& desired, dflow::Fleet& fleet) {
  Pass pass;
  const double machine_start = dflow::bench::MachineBusySeconds();
  const double dflow_start = dflow::bench::ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  dflow::PlanOptions options = dflow::PlanOptionsFor(desired);
  auto outcomes = dflow::ObserveAndPlan(desired, fleet, options, {}, 64);
  std::vector<dflow::NodePlan> plans;
  std::map<std::string, dflow::Transport*> transports;
  for (const auto& o : outcomes) {
    if (!o.observed) {
      std::fprintf(stderr, "%s: %s\n", o.node.c_str(), o.error.message().c_str());
      pass.ok = false;
      continue;
    }
    plans.push_back(o.plan);
    for (const auto& n : desired.nodes)
      if (n.node.name == o.node) transports[o.node] = *fleet.TransportFor(n.node);
  }
  const auto apply_start = std::chrono::steady_clock::now();
  dflow::ApplyOptions apply;
  apply.max_parallel_nodes = 64;
  dflow::ApplyResult result = dflow::ApplyPlans(plans, transports, apply);
  if (!result.ok()) std::fprintf(stderr, "%s\n", result.Summary().c_str());
  pass.apply_seconds = Since(apply_start);
  pass.seconds = Since(start);
  pass.machine_cpu = dflow::bench::MachineBusySeconds() - machine_start;
  pass.dflow_cpu = dflow::bench::ProcessCpuSeconds() - dflow_start;
  pass.ran = result.ran;
  pass.ok = pass.ok && result.ok();
  return pass;
}

// Runs a pass and reads what it cost in Dokku calls from the nodes' logs.
Pass MeasurePass(const dflow::DesiredState& desired, dflow::Fleet& fleet, const Nodes& nodes) {
  std::vector<std::size_t> before;
  for (const auto& node : nodes)
    before.push_back(dflow::bench::LogLines(node->state_dir() / "invocations.log"));
  Pass pass = RunPass(desired, fleet);
  std::vector<dflow::bench::Invocation> all;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto calls =
        dflow::bench::ReadInvocations(nodes[i]->state_dir() / "invocations.log", before[i]);
    if (i == 0) pass.node0 = dflow::bench::Summarize(calls);
    if (i == 0) dflow::bench::TraceCalls("pass, node-0", calls);
    all.insert(all.end(), calls.begin(), calls.end());
  }
  pass.chain_all = dflow::bench::LongestChain(all);
  return pass;
}

struct Shape {
  int nodes;
  int apps;  // per node
};

struct Row {
  Pass first, noop;
};

Row Measure(int cost, Shape shape) {
  dflow::bench::SetDokkuCost(cost);
  const dflow::test::SshdNodeOptions options = dflow::bench::CostedNodeOptions();
  Nodes nodes;
  for (int i = 0; i < shape.nodes; ++i) nodes.push_back(std::make_unique<SshdNode>(options));
  dflow::SourceSnapshot snapshot;
  snapshot.description = "bench";
  snapshot.files.push_back({"fleet.yaml", Manifests(nodes, shape.apps), 0, false});
  snapshot.files[0].size = snapshot.files[0].content.size();
  dflow::LoadResult loaded = dflow::LoadDesiredState(snapshot);
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
    std::exit(1);
  }
  std::map<std::string, SshdNode*> by_name;
  for (int i = 0; i < shape.nodes; ++i) by_name["node-" + std::to_string(i)] = nodes[i].get();
  dflow::Fleet fleet(
      [&](const dflow::NodeSpec& spec) -> dflow::Result<std::unique_ptr<dflow::Transport>> {
        return dflow::MakeSshTransport(
            by_name.at(spec.name)->MakeOptions(dflow::test::LoginStyle::kShellUser));
      });
  Row row;
  row.first = MeasurePass(*loaded.desired, fleet, nodes);
  row.noop = MeasurePass(*loaded.desired, fleet, nodes);
  return row;
}

void PrintRow(int cost, Shape shape, const Row& row) {
  const Pass& f = row.first;
  const Pass& n = row.noop;
  std::printf(
      "| %d | %d | %d | %.2f | %.2f | %d | %d | %d | %.1f / %.2f | %.2f | %d | %d | %d | %.1f / "
      "%.2f | %d |%s\n",
      cost, shape.nodes, shape.apps, f.seconds, f.apply_seconds, f.node0.commands,
      f.node0.longest_chain, f.chain_all, f.machine_cpu, f.dflow_cpu, n.seconds, n.node0.commands,
      n.node0.longest_chain, n.chain_all, n.machine_cpu, n.dflow_cpu, n.ran,
      f.ok && n.ok ? "" : " (failures!)");
  std::fflush(stdout);
}

}  // namespace

int main() {
  const std::vector<int> costs = dflow::bench::DokkuCosts();
  const Shape kOneApp{1, 1}, kEightApps{1, 8}, kTenNodes{10, 8};
  std::printf(
      "Converge: apps of one image service each, 10 config keys, 2 domains, a port map, web=2, "
      "no datastore. Dokku ms = simulated cost per call. CPU = seconds used by every process "
      "on the machine (%ld cores) / by dflow.\n\n"
      "| Dokku ms | nodes | apps/node | first converge (s) | of which apply (s) | Dokku "
      "commands/node | longest chain/node | longest chain, all nodes | CPU, machine / dflow (s) "
      "| no-op pass (s) | Dokku commands/node (no-op) | longest chain/node (no-op) | longest "
      "chain, all nodes (no-op) | CPU, machine / dflow (s) (no-op) | actions run (no-op) "
      "|\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
      sysconf(_SC_NPROCESSORS_ONLN));
  std::fflush(stdout);
  std::map<int, std::vector<Row>> rows;
  for (int cost : costs)
    for (Shape shape : {kOneApp, kEightApps, kTenNodes}) {
      rows[cost].push_back(Measure(cost, shape));
      PrintRow(cost, shape, rows[cost].back());
    }
  std::printf(
      "\n| Dokku ms | first converge: 8 apps / 1 app | first converge: 10 nodes / 1 node | no-op: "
      "8 apps / 1 app | no-op: 10 nodes / 1 node |\n|---|---|---|---|---|\n");
  for (const auto& [cost, r] : rows)
    std::printf("| %d | %.2f | %.2f | %.2f | %.2f |\n", cost,
                r[1].first.seconds / r[0].first.seconds, r[2].first.seconds / r[1].first.seconds,
                r[1].noop.seconds / r[0].noop.seconds, r[2].noop.seconds / r[1].noop.seconds);
  return 0;
}
