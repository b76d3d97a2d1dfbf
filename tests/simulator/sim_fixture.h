// Test fixture for the Dokku simulator: a fresh state folder and helpers to run dokku-sim.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace dflow::test {

class Sim {
 public:
  // Runs `dokku <args...>` on this node.
  Captured Run(const std::vector<std::string>& args, const std::string& input = "",
               std::vector<std::string> env = {}) const {
    std::vector<std::string> argv = {DFLOW_DOKKU_SIM_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    env.push_back("DOKKU_SIM_STATE=" + state().string());
    return RunCapture(argv, input, env);
  }

  // Runs the forced command with SSH_ORIGINAL_COMMAND = `command`.
  Captured Forced(const std::string& command) const {
    return Run({"--ssh-forced-command"}, "", {"SSH_ORIGINAL_COMMAND=" + command});
  }

  // Runs a setup command and requires it to succeed.
  void Ok(const std::vector<std::string>& args) const {
    Captured c = Run(args);
    INFO("setup command failed: ", args.empty() ? "" : args[0], " stderr: ", c.err);
    REQUIRE(c.exit_code == 0);
  }

  std::filesystem::path state() const { return dir_.path() / "state"; }

  // Lines of invocations.log.
  std::vector<std::string> LogLines() const {
    std::vector<std::string> lines;
    std::ifstream in(state() / "invocations.log");
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }

 private:
  ScopedTempDir dir_;
};

// A verbatim sample from tests/simulator/dokku-samples/: its command line and its body
// (every line between the command and the trailing `# source` line).
struct Sample {
  std::string command;
  std::string body;
  std::vector<std::string> lines;
};

inline Sample LoadSample(const std::string& name, const std::string& test_app = "test-app") {
  std::string text = ReadFile(std::filesystem::path(DFLOW_SOURCE_DIR) /
                              "tests/simulator/dokku-samples" / (name + ".txt"));
  auto replace_all = [](std::string s, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
      s.replace(pos, from.size(), to);
    return s;
  };
  text = replace_all(text, "$TEST_APP", test_app);
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  REQUIRE(lines.size() >= 2);
  REQUIRE(lines.front().rfind("$ dokku ", 0) == 0);
  REQUIRE(lines.back().rfind("# source", 0) == 0);
  Sample s;
  s.command = lines.front().substr(8);
  s.lines.assign(lines.begin() + 1, lines.end() - 1);
  for (const auto& l : s.lines) s.body += l + "\n";
  return s;
}

// The sample's command split on spaces (samples contain no quoting).
inline std::vector<std::string> SampleArgs(const Sample& s) {
  std::vector<std::string> args;
  std::istringstream in(s.command);
  std::string w;
  while (in >> w) args.push_back(w);
  return args;
}

}  // namespace dflow::test
