// `dflow secrets rotate` and `dflow secrets show` (cmd_secrets_store.cpp), added beside
// `dflow secrets generate` (cmd_secrets.cpp).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

namespace dflow::cli {

// Adds the subcommand to `sub`; when it is chosen, its callback puts its handler in `*run`.
void AddRotateCommand(CLI::App& sub, const std::shared_ptr<std::function<int()>>& run);
void AddShowCommand(CLI::App& sub, const std::shared_ptr<std::function<int()>>& run);

}  // namespace dflow::cli
