#include "reconciler/cli/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

namespace dflow::cli {
namespace {

constexpr const char* kDescription =
    "dflow keeps Dokku nodes the way a Git repository of YAML manifests says they should be.";

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("dflow");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace

int Main(int argc, char** argv) {
  try {
    CLI::App app(kDescription, "dflow");
    app.set_version_flag("--version", std::string("dflow ") + DFLOW_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off (logs go to stderr)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->default_str("info");

    // CLI11 would say "A subcommand is required" for a mistyped command; name it instead.
    if (argc > 1 && argv[1][0] != '-') {
      const std::string word = argv[1];
      bool known = false;
      for (const Command& command : Commands()) known = known || word == command.name;
      if (!known) {
        std::cerr << "dflow: unknown command '" << word << "'\nRun 'dflow --help' for the list.\n";
        return kExitUsage;
      }
    }

    std::function<int()> run;
    for (const Command& command : Commands()) {
      CLI::App* sub = app.add_subcommand(command.name, command.summary);
      if (command.hidden) sub->group("");
      auto handler = command.attach(*sub);
      sub->callback([&run, handler] { run = handler; });
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int code = app.exit(e);  // prints help, version, or the error with a hint
      if (code == 0) return kExitOk;
      return kExitUsage;
    }
    SetUpLogging(log_level);
    return run ? run() : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "dflow: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace dflow::cli
