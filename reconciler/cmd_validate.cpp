#include <CLI/CLI.hpp>

#include "reconciler/cli.h"
namespace dflow::cli {
Command MakeValidateCommand() {
  return {"validate", "check the manifests",
          [](CLI::App&) { return std::function<int()>([] { return kExitFailure; }); }};
}
Command MakeRenderCommand() {
  return {"render", "print the desired state",
          [](CLI::App&) { return std::function<int()>([] { return kExitFailure; }); }};
}
}  // namespace dflow::cli
