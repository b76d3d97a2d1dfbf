// dflow validate: checks every manifest of a config repo and reports ALL errors.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "manifests-schema/diagnostic_format.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/cli_load.h"

namespace dflow::cli {
namespace {

struct ValidateArgs {
  RepoArgs repo;
  std::string format = "text";
};

nlohmann::json DiagnosticsJson(const LoadedRepo& loaded) {
  nlohmann::json diagnostics = nlohmann::json::array();
  for (const Diagnostic& d : loaded.result.diagnostics) {
    diagnostics.push_back(
        {{"file", d.file},
         {"line", d.line},
         {"column", d.column},
         {"severity", d.severity == Diagnostic::Severity::kError ? "error" : "warning"},
         {"message", d.message},
         {"hint", d.hint}});
  }
  return {{"valid", loaded.result.ok()},
          {"source", loaded.snapshot.description},
          {"revision", loaded.snapshot.revision},
          {"files", loaded.snapshot.files.size()},
          {"diagnostics", diagnostics}};
}

void PrintSummary(const LoadedRepo& loaded) {
  const auto& desired = *loaded.result.desired;
  std::size_t apps = 0, datastores = 0;
  for (const auto& node : desired.nodes) {
    apps += node.apps.size();
    datastores += node.datastores.size();
  }
  std::cout << loaded.snapshot.description << ": valid (" << loaded.snapshot.files.size()
            << " files, " << desired.nodes.size() << " nodes, " << desired.environments.size()
            << " environments, " << apps << " Dokku apps, " << datastores << " datastores)\n";
}

int Run(const ValidateArgs& args) {
  std::optional<LoadedRepo> loaded = LoadRepo(args.repo, std::cerr);
  if (!loaded) return kExitFailure;
  if (args.format == "json") {
    std::cout << DiagnosticsJson(*loaded).dump(2) << "\n";
    return loaded->result.ok() ? kExitOk : kExitFailure;
  }
  std::cerr << FormatDiagnostics(loaded->result.diagnostics, loaded->snapshot);
  if (!loaded->result.ok()) {
    std::cerr << loaded->snapshot.description
              << " does not validate; nothing will be applied from this revision\n";
    return kExitFailure;
  }
  PrintSummary(*loaded);
  return kExitOk;
}

}  // namespace

Command MakeValidateCommand() {
  return {"validate", "Check every manifest of a config repo and report all errors",
          [](CLI::App& sub) {
            auto args = std::make_shared<ValidateArgs>();
            AddRepoArgs(sub, args->repo);
            sub.add_option("--format", args->format, "text or json")
                ->check(CLI::IsMember({"text", "json"}))
                ->default_str("text");
            sub.footer(
                "Exit status: 0 valid, 1 invalid (each error printed as file:line:column), "
                "64 usage error.");
            return std::function<int()>([args] { return Run(*args); });
          }};
}

}  // namespace dflow::cli
