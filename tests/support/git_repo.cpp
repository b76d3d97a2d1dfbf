#include "tests/support/git_repo.h"

#include <stdexcept>

#include "tests/support/process.h"

namespace dflow::test {
namespace {

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

GitRepo::GitRepo(std::filesystem::path path, bool bare) : path_(std::move(path)) {
  std::filesystem::create_directories(path_);
  Git(std::string("init -q -b main") + (bare ? " --bare" : ""));
}

std::string GitRepo::Git(const std::string& args) const {
  Captured result =
      RunCapture({"/bin/sh", "-c",
                  "cd \"$0\" && git -c user.name=dflow-test -c user.email=test@dflow.invalid "
                  "-c commit.gpgsign=false " +
                      args,
                  path_.string()},
                 "");
  if (result.exit_code != 0) throw std::runtime_error("git " + args + " failed: " + result.err);
  return Trim(result.out);
}

void GitRepo::Write(const std::string& relative, const std::string& content) const {
  WriteFile(path_ / relative, content);
}

std::string GitRepo::CommitAll(const std::string& message) const {
  Git("add -A");
  Git("commit -q --allow-empty -m '" + message + "'");
  return Git("rev-parse HEAD");
}

}  // namespace dflow::test
