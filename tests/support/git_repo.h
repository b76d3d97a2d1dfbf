// A real Git repository for tests, made with the git command line.
#pragma once

#include <filesystem>
#include <string>

namespace dflow::test {

class GitRepo {
 public:
  // Runs `git init -b main` in `path` (created if needed). bare=true makes a bare repo.
  explicit GitRepo(std::filesystem::path path, bool bare = false);

  // Runs git with `args` in the repo; throws std::runtime_error when git fails.
  std::string Git(const std::string& args) const;

  // Writes a file in the work tree (not staged).
  void Write(const std::string& relative, const std::string& content) const;

  // Stages everything and commits; returns the new commit id.
  std::string CommitAll(const std::string& message) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace dflow::test
