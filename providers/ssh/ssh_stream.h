// The SSH side of Transport::StartDokkuStream: one command on a connection of its own, its
// stdout read piece by piece. Internal to providers/.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "manifests-schema/base/status.h"
#include "providers/ssh/ssh_transport.h"
#include "providers/transport/transport.h"

namespace dflow {

// Connects (options.connect_timeout), runs `line` (rendered by RenderRemoteCommand) and closes
// its stdin at once. `name` ("dokku postgres:export") and `describe` ("ssh dokku@...") are for
// messages. `timeout` bounds the whole command, connecting included.
Result<std::unique_ptr<DokkuStream>> OpenSshStream(const SshOptions& options,
                                                   const std::string& describe,
                                                   const std::string& line, const std::string& name,
                                                   std::chrono::milliseconds timeout);

}  // namespace dflow
