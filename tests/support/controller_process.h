// `dflow run` as a real process for end-to-end tests: its own config file and state directory,
// an HTTP port of its own, stopped (SIGTERM) or killed (SIGKILL) like an operator would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/process.h"

namespace dflow::test {

struct ControllerProcessOptions {
  std::string repo_url;
  std::string identity;
  std::string secrets_file;
  std::string webhook_secret;  // written to a file the config names
  // Long enough that idle no-op passes (an observe of every node) do not eat the CPU the other
  // tests need, short enough for the tests that wait for one (drift put back, a fetch).
  std::string interval = "5s";
  std::string log_level = "info";
  std::string extra_config;  // YAML appended to the generated config (badges:, forge:, ...)
};

class ControllerProcess {
 public:
  // Writes the config; Start() runs it.
  explicit ControllerProcess(ControllerProcessOptions options);
  ~ControllerProcess();  // kills it if still running

  void Start();  // runs `dflow run`, returns when /healthz answers
  void Stop();   // SIGTERM, waits for the exit; returns the exit code
  void Kill();   // SIGKILL, waits
  int exit_code() const { return exit_code_; }

  std::string url(const std::string& path) const;
  nlohmann::json Status() const;  // GET /api/v1/status
  std::string Log() const;
  const std::string& state_dir() const { return state_dir_; }
  const std::string& config_path() const { return config_path_; }  // rewrite, then SIGHUP
  pid_t pid() const { return pid_; }

  // Polls `done` every 200 ms until it is true or `limit` passes; returns whether it became
  // true. The limit is generous: tests assert outcomes, not speed.
  static bool WaitFor(const std::function<bool()>& done,
                      std::chrono::seconds limit = std::chrono::seconds(120));

 private:
  ControllerProcessOptions options_;
  ScopedTempDir dir_;
  std::string state_dir_;
  std::string config_path_;
  int port_ = 0;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// The status lists exactly `apps` apps and every one is Synced.
bool AllSynced(const nlohmann::json& status, std::size_t apps);

}  // namespace dflow::test
