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

// The comma list in environment variable `name` (else `fallback`), each in [min, max].
std::vector<int> IntList(const char* name, const char* fallback, long min, long max,
                         const char* example) {
  const char* env = std::getenv(name);
  const std::string text = env && *env ? env : fallback;
  std::istringstream in(text);
  std::vector<int> values;
  for (std::string item; std::getline(in, item, ',');) {
    char* end = nullptr;
    const long value = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || value < min || value > max) {
      std::fprintf(stderr, "%s: want a list like %s; got \"%s\"\n", name, example, text.c_str());
      std::exit(2);
    }
    values.push_back(static_cast<int>(value));
  }
  return values;
}

}  // namespace

std::vector<int> DokkuCosts() { return IntList("BENCH_DOKKU_MS", "0,300", 0, 60000, "0,300"); }

std::vector<int> NodeCounts() { return IntList("BENCH_NODES", "1,10", 1, 1000, "1,10"); }

void SetDokkuCost(int ms) {
  // Renamed into place: a call starting meanwhile reads the old cost or the new, never "".
  const auto next = CostFile().string() + ".next";
  dflow::test::WriteFile(next, std::to_string(ms) + "\n");
  std::filesystem::rename(next, CostFile());
}

dflow::test::SshdNodeOptions CostedNodeOptions() {
  dflow::test::SshdNodeOptions options;
  options.environment = "DOKKU_SIM_DELAY_FILE=" + CostFile().string();
  return options;
}

}  // namespace dflow::bench
