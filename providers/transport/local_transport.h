// LocalTransport: runs a `dokku` executable on this machine, for the one-server setup (dflow
// on the Dokku host itself) and for tests against the Dokku simulator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "providers/transport/transport.h"

namespace dflow {

struct LocalOptions {
  // The executable. A value without '/' is looked up on PATH (the PATH of the environment
  // below) when the transport is made.
  std::string dokku_path = "dokku";
  // "K=V" entries added to the inherited environment, replacing an inherited K
  // (e.g. "DOKKU_SIM_STATE=/tmp/node1" for the simulator).
  std::vector<std::string> extra_env;
  // How many commands RunDokkuMany and RunDokkuFlow run at once.
  int max_parallel = 8;
};

// Runs argv directly (no shell, so any byte but NUL reaches dokku unchanged) with stdout and
// stderr read apart, stdin fed from ExecOptions::stdin_data then closed. The child runs in
// its own process group; on ExecOptions::timeout the group is killed (SIGKILL) and the call
// fails with kTimeout; output over ExecOptions::max_output on either stream kills it too
// and fails with kFailed. A dokku_path that cannot be found or run gives kUnavailable. A
// child killed by signal N reports exit code 128+N. Errors name the Dokku subcommand only,
// never the other arguments (they may hold config values). Thread-safe.
// Stats: commands_run counts started commands; connections_opened stays 0.
std::unique_ptr<Transport> MakeLocalTransport(LocalOptions options);

}  // namespace dflow
