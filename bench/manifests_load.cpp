// bench/manifests_load: how long dflow takes to read and validate a big config repo.
// Generates a Git repository with 1,000 services across 50 nodes (200 applications of 5
// services, each with a postgres and a redis, alternately in staging and production), commits it,
// then reads it straight from the commit and validates it. Prints wall time per phase and peak RSS.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "manifests-schema/desired_state_loader.h"
#include "reconciler/source/manifest_source.h"

namespace {

constexpr int kNodes = 50;
constexpr int kApplications = 200;
constexpr int kServicesPerApplication = 5;

void Write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string NodesYaml() {
  std::string yaml;
  for (int n = 0; n < kNodes; ++n) {
    yaml += "---\napiVersion: dflow/v1\nkind: Node\nmetadata: {name: node-" + std::to_string(n) +
            "}\nspec: {host: 10.0." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1) +
            "}\n";
  }
  return yaml;
}

std::string EnvironmentsYaml() {
  std::string staging, production;
  for (int n = 0; n < kNodes; ++n) {
    std::string& list = n < 10 ? staging : production;
    list += (list.empty() ? "" : ", ") + std::string("node-") + std::to_string(n);
  }
  return "apiVersion: dflow/v1\nkind: Environment\nmetadata: {name: staging}\nspec:\n  nodes: [" +
         staging +
         "]\n  domain: staging.example.com\n---\napiVersion: dflow/v1\nkind: Environment\n"
         "metadata: {name: production}\nspec:\n  nodes: [" +
         production + "]\n  domain: example.com\n  config: {LOG_LEVEL: info}\n";
}

std::string ApplicationYaml(int a) {
  const std::string name = "app" + std::to_string(a);
  std::string yaml = "apiVersion: dflow/v1\nkind: Application\nmetadata: {name: " + name +
                     "}\nspec:\n  services:\n";
  for (int s = 0; s < kServicesPerApplication; ++s) {
    const std::string svc = "svc" + std::to_string(s);
    yaml += "    - name: " + svc + "\n      source: {git: https://git.example.com/" + name +
            ".git, ref: v1." + std::to_string(s) + "}\n      config:\n";
    for (int k = 0; k < 10; ++k)
      yaml += "        KEY_" + std::to_string(k) + ": \"value " + std::to_string(k) + "\"\n";
    yaml += "      domains: [" + svc + "." + name +
            ".example.com]\n"
            "      ports: [\"http:80:5000\"]\n      processes: {web: 2, worker: 1}\n";
    if (s == 0) yaml += "      databases: [db, cache]\n";
  }
  yaml += "  databases:\n    - {name: db, engine: postgres}\n    - {name: cache, engine: redis}\n";
  yaml += (a % 2 ? "  environments:\n    staging: {placement: {nodes: [node-" +
                       std::to_string(a % 10) + "]}}\n"
                 : "  environments:\n    production: {placement: {nodes: [node-" +
                       std::to_string(10 + a % 40) + "]}}\n");
  return yaml;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main() {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("dflow-bench-manifests-" + std::to_string(getpid()));
  fs::create_directories(dir);
  Write(dir / "nodes.yaml", NodesYaml());
  Write(dir / "environments.yaml", EnvironmentsYaml());
  for (int a = 0; a < kApplications; ++a)
    Write(dir / "applications" / ("app" + std::to_string(a) + ".yaml"), ApplicationYaml(a));
  const std::string git = "cd '" + dir.string() +
                          "' && git init -q -b main && git add -A && git -c user.name=bench "
                          "-c user.email=bench@dflow.invalid commit -q -m bench";
  if (std::system(git.c_str()) != 0) {
    std::fprintf(stderr, "bench: git failed\n");
    return 1;
  }
  const long rss_before = PeakRssKib();
  auto start = std::chrono::steady_clock::now();
  auto snapshot = dflow::ReadManifestsFromGit(dir.string(), "main");
  const double read_s = Seconds(start);
  if (!snapshot.ok()) {
    std::fprintf(stderr, "bench: %s\n", snapshot.status().message().c_str());
    return 1;
  }
  start = std::chrono::steady_clock::now();
  dflow::LoadResult result = dflow::LoadDesiredState(*snapshot);
  const double load_s = Seconds(start);
  if (!result.ok()) {
    for (const auto& d : result.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
    return 1;
  }
  std::size_t apps = 0;
  for (const auto& node : result.desired->nodes) apps += node.apps.size();
  std::printf(
      "| services | nodes | files | Dokku apps | read commit (s) | validate+expand (s) | "
      "total (s) | peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|\n");
  std::printf("| %d | %d | %zu | %zu | %.3f | %.3f | %.3f | %.1f |\n",
              kApplications * kServicesPerApplication, kNodes, snapshot->files.size(), apps, read_s,
              load_s, read_s + load_s, PeakRssKib() / 1024.0);
  (void)rss_before;
  fs::remove_all(dir);
  return 0;
}
