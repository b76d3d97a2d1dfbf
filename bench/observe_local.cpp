// Observe benchmark: how many Dokku invocations and how long ObserveNode takes for a node
// with A apps, run through the local transport against the Dokku simulator with a per-call
// delay that mimics real Dokku. Prints figures; asserts nothing.
//
//   bench_observe <path/to/dokku-sim> [apps=30] [delay_ms=100] [parallel=8]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "providers/dokku/dokku_observer.h"
#include "providers/transport/local_transport.h"

namespace {

std::unique_ptr<dflow::Transport> Sim(const std::string& sim, const std::string& state,
                                      int delay_ms, int parallel) {
  dflow::LocalOptions options;
  options.dokku_path = sim;
  options.extra_env = {"DOKKU_SIM_STATE=" + state,
                       "DOKKU_SIM_DELAY_MS=" + std::to_string(delay_ms)};
  options.max_parallel = parallel;
  return dflow::MakeLocalTransport(std::move(options));
}

bool Setup(dflow::Transport& transport, int apps) {
  for (int i = 0; i < apps; ++i) {
    std::string name = "app-" + std::to_string(i);
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"apps:create", name},
             {"config:set", "--no-restart", name, "DFLOW_MANAGED=bench/app/" + name},
             {"ports:set", name, "http:80:5000"}}) {
      auto result = transport.RunDokku(argv, {});
      if (!result.ok() || result->exit_code != 0) return false;
    }
  }
  return true;
}

void Measure(const char* label, dflow::Transport& transport) {
  auto start = std::chrono::steady_clock::now();
  dflow::Result<dflow::ObservedNode> node = dflow::ObserveNode(transport, {});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  if (!node.ok()) {
    std::printf("%-10s error: %s\n", label, node.status().ToString().c_str());
    return;
  }
  std::printf("%-10s apps=%zu invocations=%d attempts=%d wall_ms=%lld\n", label, node->apps.size(),
              node->invocations, node->attempts, static_cast<long long>(ms));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <dokku-sim> [apps] [delay_ms] [parallel]\n", argv[0]);
    return 64;
  }
  int apps = argc > 2 ? std::atoi(argv[2]) : 30;
  int delay_ms = argc > 3 ? std::atoi(argv[3]) : 100;
  int parallel = argc > 4 ? std::atoi(argv[4]) : 8;
  std::string state = (std::filesystem::temp_directory_path() /
                       ("dflow-bench-observe-" + std::to_string(::getpid())))
                          .string();
  std::filesystem::create_directories(state);
  if (!Setup(*Sim(argv[1], state, 0, 1), apps)) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  std::printf("observe: %d apps, %d ms per dokku call\n", apps, delay_ms);
  Measure("serial", *Sim(argv[1], state, delay_ms, 1));
  Measure("parallel", *Sim(argv[1], state, delay_ms, parallel));
  std::filesystem::remove_all(state);
  return 0;
}
