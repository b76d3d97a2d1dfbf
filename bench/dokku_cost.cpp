#include "bench/dokku_cost.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tests/support/process.h"

namespace dflow::bench {
namespace {

const std::filesystem::path& CostFile() {
  static const dflow::test::ScopedTempDir dir;
  static const std::filesystem::path file = [] {
    auto path = dir.path() / "dokku_ms";
    dflow::test::WriteFile(path, "0\n");
    return path;
  }();
  return file;
}

// `read` is a shell builtin: the cost costs no extra process per call.
std::string Script(const std::string& sim_args) {
  return "#!/bin/sh\nread -r ms < '" + CostFile().string() + "'\nDOKKU_SIM_DELAY_MS=$ms exec " +
         std::string(DFLOW_DOKKU_SIM_EXE) + " " + sim_args + "\n";
}

}  // namespace

std::vector<int> DokkuCosts() {
  const char* env = std::getenv("BENCH_DOKKU_MS");
  std::istringstream in(env && *env ? env : "0,300");
  std::vector<int> costs;
  for (std::string item; std::getline(in, item, ',');) {
    char* end = nullptr;
    const long ms = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || ms < 0 || ms > 60000) {
      std::fprintf(stderr, "BENCH_DOKKU_MS: want milliseconds like 0,300; got \"%s\"\n", env);
      std::exit(2);
    }
    costs.push_back(static_cast<int>(ms));
  }
  return costs;
}

void SetDokkuCost(int ms) {
  // Renamed into place: a call starting meanwhile reads the old cost or the new, never "".
  const auto next = CostFile().string() + ".next";
  dflow::test::WriteFile(next, std::to_string(ms) + "\n");
  std::filesystem::rename(next, CostFile());
}

std::string DokkuScript() { return Script("\"$@\""); }

std::string ForcedCommandScript() { return Script("--ssh-forced-command"); }

}  // namespace dflow::bench
