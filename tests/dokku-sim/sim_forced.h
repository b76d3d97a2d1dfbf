// Re-splitting SSH_ORIGINAL_COMMAND the way Dokku's forced command does (§1.5).
#pragma once

#include <string>
#include <vector>

namespace dokku_sim {

// Returns the argv `dokku` runs itself with. xargs' own complaints (unmatched quote) are
// appended to *err; the tokens before the problem are still returned, like the real pipe.
std::vector<std::string> ForcedCommandArgs(const std::string& command, std::string* err);

}  // namespace dokku_sim
