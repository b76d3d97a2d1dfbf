// The table of subcommands. Each Make*Command() lives in cmd_<name>.cpp.
#include "reconciler/cli/cli.h"

namespace dflow::cli {

Command MakeValidateCommand();
Command MakeRenderCommand();
Command MakeObserveCommand();
Command MakePlanCommand();
Command MakeApplyCommand();
Command MakeRunCommand();
Command MakeStatusCommand();
Command MakeReleasesCommand();
Command MakeRollbackCommand();
Command MakeNodeCommand();
Command MakeEdgeCommand();
Command MakeThemesCommand();
Command MakeSecretsCommand();
Command MakeBadgeTokenCommand();
Command MakeFetchMirrorCommand();

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      MakeValidateCommand(), MakeRenderCommand(),     MakeObserveCommand(),
      MakePlanCommand(),     MakeApplyCommand(),      MakeRunCommand(),
      MakeStatusCommand(),   MakeReleasesCommand(),   MakeRollbackCommand(),
      MakeNodeCommand(),     MakeEdgeCommand(),       MakeThemesCommand(),
      MakeSecretsCommand(),  MakeBadgeTokenCommand(), MakeFetchMirrorCommand(),
  };
  return commands;
}

}  // namespace dflow::cli
