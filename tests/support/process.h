// Test helpers: run a local program and capture its output; temp directories; /proc.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace dflow::test {

struct Captured {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
  long max_rss_kb = 0;  // the child's own peak resident set (getrusage via wait4)
};

// Runs argv[0] (a path) with argv, feeding `input` on stdin; waits for it to exit.
// `env` entries "K=V" are added to the inherited environment.
Captured RunCapture(const std::vector<std::string>& argv, const std::string& input,
                    const std::vector<std::string>& env = {});

// Splits "a\0b\0" into {"a", "b"}.
std::vector<std::string> SplitNul(const std::string& text);

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, creating parent directories.
void WriteFile(const std::filesystem::path& path, const std::string& content);
std::string ReadFile(const std::filesystem::path& path);

// A /proc file ("" when the process is gone). Plain read(2): a process that exits between open
// and read makes read fail with ESRCH, which std::ifstream can turn into an exception (a flaky
// test crash seen under load).
std::string ReadProcFile(pid_t pid, const char* name);

// The parent of `pid` from /proc/<pid>/stat; -1 when the process is gone.
pid_t ParentOf(pid_t pid);

}  // namespace dflow::test
