// The table of subcommands. Each Make*Command() lives in cmd_<name>.cpp.
#include "reconciler/cli.h"

namespace dflow::cli {

Command MakeValidateCommand();
Command MakeRenderCommand();

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      MakeValidateCommand(),
      MakeRenderCommand(),
  };
  return commands;
}

}  // namespace dflow::cli
