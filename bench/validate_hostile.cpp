// bench/validate_hostile: `dflow validate` (the real binary, as a child process) on commits an
// attacker or a careless user could push: a megabyte scalar, and 100,000 small documents in
// one file. Prints each run's wall time, peak RSS (the child's own, from wait4) and output
// size beside the targets of issue 12. Never fails on a number.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

struct Run {
  int exit_code = -1;
  double seconds = 0;
  long max_rss_kib = 0;
  std::uintmax_t output_bytes = 0;
};

Run Validate(const fs::path& dir, const fs::path& repo, const std::string& format) {
  std::string exe = DFLOW_EXE, validate = "validate", path = repo.string(), flag = "--format",
              fmt = format;
  std::vector<char*> argv = {exe.data(),  validate.data(), path.data(),
                             flag.data(), fmt.data(),      nullptr};
  const fs::path output = dir / "output";
  int out = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out, 1);
    dup2(out, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out);
  Run run;
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  run.max_rss_kib = usage.ru_maxrss;
  run.output_bytes = fs::file_size(output);
  return run;
}

std::string MegabyteScalarRepo() {
  return "apiVersion: dflow/v1\nkind: Application\nmetadata: {name: web}\nspec:\n"
         "  services:\n    - name: web\n      source:\n        git: https://git.example.com/" +
         std::string(1'000'000, 'a') + "\n        ref: main\n  environments: {production: {}}\n";
}

std::string ManyDocumentsRepo() {
  std::string content;
  for (int i = 0; i < 100'000; ++i) content += "---\nx: 1\n";
  return content;
}

}  // namespace

int main() {
  const fs::path dir =
      fs::temp_directory_path() / ("dflow-bench-hostile-" + std::to_string(getpid()));
  struct Case {
    const char* name;
    std::string content;
    const char* target;
  };
  const Case cases[] = {
      {"1 MB scalar (source.git)", MegabyteScalarRepo(), "well under 1 s"},
      {"100,000 documents, one file", ManyDocumentsRepo(), "< 2 s, < 100 MiB"},
  };
  std::printf(
      "| case | format | exit | wall (s) | peak RSS (MiB) | output (bytes) | target |\n"
      "|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    const fs::path repo = dir / "repo";
    fs::remove_all(repo);
    Write(repo / "manifests.yaml", c.content);
    for (const char* format : {"text", "json"}) {
      Run run = Validate(dir, repo, format);
      std::printf("| %s | %s | %d | %.3f | %.1f | %ju | %s |\n", c.name, format, run.exit_code,
                  run.seconds, run.max_rss_kib / 1024.0, run.output_bytes, c.target);
    }
  }
  fs::remove_all(dir);
  return 0;
}
