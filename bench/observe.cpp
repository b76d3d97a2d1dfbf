// bench/observe: a full observe of 1, 10 and 30 nodes with 10 apps each, over real sshd (the
// dokku user's forced command) with the Dokku simulator behind it. Prints wall time of the
// first and second loop, Dokku invocations per node, and SSH connections opened per loop
// (the second loop reuses the first loop's connections). Simulated Dokku cost per call:
// BENCH_DOKKU_MS (default 100, about what a real Dokku call costs).
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "manifests-schema/base/parallel_for.h"
#include "providers/dokku/dokku_observer.h"
#include "providers/ssh/ssh_transport.h"
#include "reconciler/controller/fleet.h"
#include "tests/support/sshd_fixture.h"

namespace {

using dflow::test::RunCapture;

int CountLines(const std::filesystem::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

void Dokku(const dflow::test::SshdNode& node, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {DFLOW_DOKKU_SIM_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = RunCapture(argv, "", {"DOKKU_SIM_STATE=" + node.state_dir().string()});
  if (result.exit_code != 0) {
    std::fprintf(stderr, "setup failed: %s\n", result.err.c_str());
    std::exit(1);
  }
}

void Populate(const dflow::test::SshdNode& node, int apps) {
  Dokku(node, {"postgres:create", "shared-db"});
  for (int a = 0; a < apps; ++a) {
    const std::string app = "app-" + std::to_string(a);
    Dokku(node, {"apps:create", app});
    Dokku(node, {"config:set", "--no-restart", app, "DFLOW_MANAGED=production/app/" + app,
                 "LOG_LEVEL=info", "QUOTED='x' \"y\" $(z)"});
    Dokku(node, {"domains:set", app, app + ".example.com"});
    Dokku(node, {"ports:set", app, "http:80:5000"});
    Dokku(node, {"git:from-image", app, "registry.example.com/" + app + ":1.0"});
    Dokku(node, {"ps:scale", app, "web=2"});
    if (a == 0) Dokku(node, {"postgres:link", "shared-db", app, "--no-restart"});
  }
  std::filesystem::remove(node.state_dir() / "invocations.log");
}

double ObserveAll(const std::vector<std::unique_ptr<dflow::test::SshdNode>>& nodes,
                  std::vector<std::unique_ptr<dflow::Transport>>& transports, int* failures) {
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
  *failures = failed;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  const char* cost = std::getenv("BENCH_DOKKU_MS");
  const std::string delay = cost ? cost : "100";
  const int kApps = 10;
  std::printf("Simulated Dokku cost: %s ms per invocation; %d apps per node.\n\n", delay.c_str(),
              kApps);
  std::printf(
      "| nodes | 1st observe (s) | 2nd observe (s) | Dokku calls/node | SSH connections 1st "
      "loop | SSH connections 2nd loop | peak RSS (MiB) |\n|---|---|---|---|---|---|---|\n");
  for (int count : {1, 10, 30}) {
    dflow::test::SshdNodeOptions options;
    options.forced_command_script = "#!/bin/sh\nDOKKU_SIM_DELAY_MS=" + delay + " exec " +
                                    std::string(DFLOW_DOKKU_SIM_EXE) + " --ssh-forced-command\n";
    std::vector<std::unique_ptr<dflow::test::SshdNode>> nodes;
    std::vector<std::unique_ptr<dflow::Transport>> transports;
    for (int i = 0; i < count; ++i) {
      nodes.push_back(std::make_unique<dflow::test::SshdNode>(options));
      Populate(*nodes.back(), kApps);
      transports.push_back(dflow::MakeSshTransport(nodes.back()->MakeOptions()));
    }
    int failures = 0;
    const double first = ObserveAll(nodes, transports, &failures);
    int connections_first = 0;
    for (auto& t : transports) connections_first += t->Stats().connections_opened;
    const int calls = CountLines(nodes[0]->state_dir() / "invocations.log");
    const double second = ObserveAll(nodes, transports, &failures);
    int connections_total = 0;
    for (auto& t : transports) connections_total += t->Stats().connections_opened;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("| %d | %.2f | %.2f | %d | %d | %d | %.1f |%s\n", count, first, second, calls,
                connections_first, connections_total - connections_first, usage.ru_maxrss / 1024.0,
                failures ? " (failures!)" : "");
    std::fflush(stdout);
  }
  return 0;
}
