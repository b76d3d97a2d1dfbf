// bench/converge: the first converge of an empty fleet and a no-op loop after it, for 1, 10 and
// 30 nodes, over real sshd with the Dokku simulator behind it. Each node gets the sample repo's
// shape: two applications of three services with a postgres and a redis. Prints wall time and
// Dokku invocations per node for both; simulated Dokku cost per call: BENCH_DOKKU_MS (100).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "manifests-schema/desired_state_loader.h"
#include "providers/ssh/ssh_transport.h"
#include "reconciler/apply/apply.h"
#include "reconciler/controller/fleet.h"
#include "tests/support/sshd_fixture.h"

namespace {

int CountLines(const std::filesystem::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

std::string Manifests(const std::vector<std::unique_ptr<dflow::test::SshdNode>>& nodes) {
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
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string app : {"shop", "blog"}) {
      const std::string name = app + std::to_string(i);
      yaml += "---\napiVersion: dflow/v1\nkind: Application\nmetadata: {name: " + name +
              "}\nspec:\n  services:\n";
      for (const std::string svc : {"web", "worker", "api"}) {
        yaml += "    - name: " + svc + "\n      source: {image: \"registry.example.com/" + name +
                "-" + svc +
                ":1.0\"}\n      config: {LOG_LEVEL: info, FEATURE: \"on\"}\n"
                "      processes: {web: 2}\n";
        if (svc == "web")
          yaml += "      domains: [" + name +
                  ".example.com]\n      ports: [\"http:80:5000\"]\n"
                  "      databases: [db, cache]\n";
      }
      yaml +=
          "  databases:\n    - {name: db, engine: postgres}\n    - {name: cache, engine: redis}\n"
          "  environments: {production: {placement: {nodes: [node-" +
          std::to_string(i) + "]}}}\n";
    }
  }
  return yaml;
}

struct Pass {
  double seconds = 0;
  int ran = 0;
  bool ok = true;
};

Pass RunPass(const dflow::DesiredState& desired, dflow::Fleet& fleet) {
  const auto start = std::chrono::steady_clock::now();
  dflow::PlanOptions options = dflow::PlanOptionsFor(desired);
  auto outcomes = dflow::ObserveAndPlan(desired, fleet, options, {}, 64);
  std::vector<dflow::NodePlan> plans;
  std::map<std::string, dflow::Transport*> transports;
  for (const auto& o : outcomes) {
    if (!o.observed) {
      std::fprintf(stderr, "%s: %s\n", o.node.c_str(), o.error.message().c_str());
      continue;
    }
    plans.push_back(o.plan);
    for (const auto& n : desired.nodes)
      if (n.node.name == o.node) transports[o.node] = *fleet.TransportFor(n.node);
  }
  dflow::ApplyOptions apply;
  apply.max_parallel_nodes = 64;
  dflow::ApplyResult result = dflow::ApplyPlans(plans, transports, apply);
  if (!result.ok()) std::fprintf(stderr, "%s\n", result.Summary().c_str());
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          result.ran, result.ok()};
}

}  // namespace

int main() {
  const char* cost = std::getenv("BENCH_DOKKU_MS");
  const std::string delay = cost ? cost : "100";
  std::printf("Simulated Dokku cost: %s ms per invocation; 6 apps + 2 datastores per node.\n\n",
              delay.c_str());
  std::printf(
      "| nodes | first converge (s) | Dokku calls/node | no-op loop (s) | Dokku calls/node "
      "(no-op) | actions run (no-op) | peak RSS (MiB) |\n|---|---|---|---|---|---|---|\n");
  for (int count : {1, 10, 30}) {
    dflow::test::SshdNodeOptions options;
    options.dokku_script = "#!/bin/sh\nDOKKU_SIM_DELAY_MS=" + delay + " exec " +
                           std::string(DFLOW_DOKKU_SIM_EXE) + " \"$@\"\n";
    std::vector<std::unique_ptr<dflow::test::SshdNode>> nodes;
    for (int i = 0; i < count; ++i)
      nodes.push_back(std::make_unique<dflow::test::SshdNode>(options));
    dflow::SourceSnapshot snapshot;
    snapshot.description = "bench";
    snapshot.files.push_back({"fleet.yaml", Manifests(nodes), 0, false});
    snapshot.files[0].size = snapshot.files[0].content.size();
    dflow::LoadResult loaded = dflow::LoadDesiredState(snapshot);
    if (!loaded.ok()) {
      for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
      return 1;
    }
    std::map<std::string, dflow::test::SshdNode*> by_name;
    for (int i = 0; i < count; ++i) by_name["node-" + std::to_string(i)] = nodes[i].get();
    dflow::Fleet fleet(
        [&](const dflow::NodeSpec& spec) -> dflow::Result<std::unique_ptr<dflow::Transport>> {
          return dflow::MakeSshTransport(
              by_name.at(spec.name)->MakeOptions(dflow::test::LoginStyle::kShellUser));
        });
    const auto log = nodes[0]->state_dir() / "invocations.log";
    Pass first = RunPass(*loaded.desired, fleet);
    const int first_calls = CountLines(log);
    Pass noop = RunPass(*loaded.desired, fleet);
    const int noop_calls = CountLines(log) - first_calls;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("| %d | %.2f | %d | %.2f | %d | %d | %.1f |%s\n", count, first.seconds, first_calls,
                noop.seconds, noop_calls, noop.ran, usage.ru_maxrss / 1024.0,
                first.ok && noop.ok ? "" : " (failures!)");
    std::fflush(stdout);
  }
  return 0;
}
