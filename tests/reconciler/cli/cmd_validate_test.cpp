// `dflow validate` end to end on hostile repositories: the real binary, its own peak RSS.
// Tests assert bounds (diagnostics, bytes, memory), never times.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

struct Measured {
  int exit_code = -1;  // -1 when it did not exit normally (a crash)
  std::string out;
  std::string err;
  long max_rss_kb = 0;  // the child's own peak resident set (getrusage via wait4)
};

// Runs `dflow validate` with `args`, output to files in `dir`; wait4 gives the child's rusage.
Measured Validate(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {DFLOW_EXE, "validate"});
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string out_path = (dir / "validate.out").string();
  const std::string err_path = (dir / "validate.err").string();
  // Opened before fork: the child only dup2s and execs (see RunCapture).
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE((out >= 0 && err >= 0 && in >= 0));
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in);
  close(out);
  close(err);
  Measured m;
  int status = 0;
  struct rusage usage {};
  REQUIRE(wait4(pid, &status, 0, &usage) == pid);
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  m.max_rss_kb = usage.ru_maxrss;
  m.out = test::ReadFile(out_path);
  m.err = test::ReadFile(err_path);
  return m;
}

// The memory bound of the 100,000-document case. The sanitizers' shadow memory and
// quarantine multiply a process's footprint, so their build gets a wider one.
#if defined(__SANITIZE_ADDRESS__)
constexpr long kMaxRssKb = 400 * 1024;
#else
constexpr long kMaxRssKb = 100 * 1024;
#endif

TEST_CASE("validate on 100000 small documents: at most 101 diagnostics, bounded output, memory") {
  test::ScopedTempDir dir;
  std::string content;
  for (int i = 0; i < 100'000; ++i) content += "---\nx: 1\n";
  test::WriteFile(dir.path() / "repo" / "many.yaml", content);
  const std::string repo = (dir.path() / "repo").string();

  Measured text = Validate(dir.path(), {repo});
  CHECK(text.exit_code == 1);
  CHECK(text.max_rss_kb < kMaxRssKb);
  CHECK(text.err.size() < 32 * 1024);
  CHECK(text.err.starts_with(
      "many.yaml: too many YAML documents: more than 10000 in this revision; those from line "
      "20001 on are not read (merge or remove documents; a fleet needs far fewer)\n"
      "many.yaml:2:1: unknown field 'x' in document"));
  CHECK(text.err.find("and 29901 more (29901 errors, 0 warnings) not shown") != std::string::npos);
  // The totals count what the "and N more" line stands for, not the line itself.
  CHECK(text.err.find("30001 errors, 0 warnings\n") != std::string::npos);

  Measured json = Validate(dir.path(), {repo, "--format", "json"});
  CHECK(json.exit_code == 1);
  CHECK(json.max_rss_kb < kMaxRssKb);
  CHECK(json.out.size() < 64 * 1024);
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["diagnostics"].size() == 101);
  CHECK(parsed["valid"] == false);
}

TEST_CASE("validate on a megabyte git URL: a located error, no crash") {
  test::ScopedTempDir dir;
  const std::string url = "https://git.example.com/" + std::string(1'000'000, 'a');
  test::WriteFile(dir.path() / "repo" / "app.yaml",
                  "apiVersion: dflow/v1\nkind: Application\nmetadata: {name: web}\nspec:\n"
                  "  services:\n    - name: web\n      source:\n        git: " +
                      url + "\n        ref: main\n  environments: {production: {}}\n");
  const std::string repo = (dir.path() / "repo").string();
  for (const char* format : {"text", "json"}) {
    CAPTURE(format);
    Measured run = Validate(dir.path(), {repo, "--format", format});
    CHECK(run.exit_code == 1);
    const std::string& output = std::string(format) == "json" ? run.out : run.err;
    CHECK(output.size() < 4096);
    CHECK(output.find(std::string(format) == "json"
                          ? "\"message\": \"'git' is 1000024 bytes long, more than the 2048 "
                            "allowed\""
                          : "app.yaml:8:14: 'git' is 1000024 bytes long, more than the 2048 "
                            "allowed (write a git URL (https://, ssh://, git@host:path))\n") !=
          std::string::npos);
  }
}

TEST_CASE("validate never follows a link, in the work tree or with --rev") {
  test::ScopedTempDir dir;
  test::GitRepo repo(dir.path() / "config");
  repo.Write("nodes.yaml",
             "apiVersion: dflow/v1\nkind: Node\nmetadata: {name: n1}\nspec: {host: 10.0.0.1}\n");
  repo.Write(".env", "DATABASE_PASSWORD: canary-env-3f9a\n");
  repo.Git("config dflow.token canary-git-config-77c1");
  fs::create_symlink(".env", repo.path() / "env.yaml");
  fs::create_symlink(".git/config", repo.path() / "x.yaml");
  repo.CommitAll("links");
  for (bool from_git : {false, true}) {
    CAPTURE(from_git);
    std::vector<std::string> args = {repo.path().string()};
    if (from_git) args.insert(args.end(), {"--rev", "HEAD"});
    Measured run = Validate(dir.path(), args);
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("env.yaml: symbolic link to '.env' not read: dflow reads only regular "
                       "files (replace the link with a copy of the file, or remove it)\n") !=
          std::string::npos);
    CHECK(run.err.find(std::string(from_git ? "x.yaml: dangling " : "x.yaml: ") +
                       "symbolic link to '.git/config' not read") != std::string::npos);
    CHECK(run.err.find("canary") == std::string::npos);
    CHECK(run.out.find("canary") == std::string::npos);
  }
}

}  // namespace
}  // namespace dflow
