// The dflow command line: a table of subcommands (cli_commands.cpp), each in its own
// cmd_<name>.cpp. Exit codes are part of the interface; scripts rely on them.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace dflow::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // invalid input, or the work failed
inline constexpr int kExitChanges = 2;  // plan --detailed-exitcode: changes pending
inline constexpr int kExitUsage = 64;   // bad flags or arguments (EX_USAGE)

// One subcommand: Attach() declares its options on `sub` and returns the function that runs
// it once parsing succeeded; that function returns the exit code.
struct Command {
  const char* name;
  const char* summary;
  std::function<std::function<int()>(CLI::App& sub)> attach;
  bool hidden = false;  // internal: not listed by --help
};

// The table of every subcommand, in the order --help lists them.
const std::vector<Command>& Commands();

// Parses argv and runs the chosen subcommand. Never throws.
int Main(int argc, char** argv);

}  // namespace dflow::cli
