// Dokku's destructive-action prompt (§1.6), for apps:destroy, network:destroy, ...
#pragma once

#include <string>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

// Prints the three warnings and "> ", reads one word like Go's fmt.Scanln. Returns 0 when
// the answer matches `name`, else the exit code (1) after printing the failure.
int AskForDestructiveConfirmation(Ctx& ctx, const std::string& name, const std::string& type);

}  // namespace dokku_sim
