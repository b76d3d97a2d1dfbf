#include "reconciler/cli/cli_load.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>

#include "manifests-schema/secrets_file.h"
#include "reconciler/source/manifest_source.h"

namespace dflow::cli {

void AddRepoArgs(CLI::App& sub, RepoArgs& args) {
  sub.add_option("path", args.path, "config repo: a directory or a Git repository")
      ->default_str(".");
  sub.add_option("--rev", args.rev,
                 "read the manifests from this branch, tag or commit (no checkout; "
                 "uncommitted files are not seen)");
  sub.add_option("--secrets", args.secrets,
                 "secrets file (kept outside the config repo); missing secrets become errors")
      ->check(CLI::ExistingFile);
}

std::optional<LoadedRepo> LoadRepo(const RepoArgs& args, std::ostream& err) {
  Result<SourceSnapshot> snapshot = ReadManifests(args.path, args.rev);
  if (!snapshot.ok()) {
    err << "dflow: " << snapshot.status().message() << "\n";
    return std::nullopt;
  }
  std::optional<SecretValues> secrets;
  if (!args.secrets.empty()) {
    Result<SecretValues> loaded = LoadSecretsFile(args.secrets);
    if (!loaded.ok()) {
      err << "dflow: " << loaded.status().message() << "\n";
      return std::nullopt;
    }
    secrets = std::move(loaded).value();
  }
  LoadOptions options;
  LoadedRepo loaded{std::move(snapshot).value(), {}, std::move(secrets)};
  options.secrets = loaded.secrets ? &*loaded.secrets : nullptr;
  loaded.result = LoadDesiredState(loaded.snapshot, options);
  return loaded;
}

namespace {

template <typename Items, typename Name>
std::string Known(const Items& items, Name name) {
  std::string known;
  for (const auto& item : items) known += (known.empty() ? "" : ", ") + name(item);
  return known.empty() ? "none" : known;
}

}  // namespace

bool SelectNodes(const DesiredState& desired, const std::string& environment,
                 const std::string& node, std::vector<std::string>& selected, std::ostream& err) {
  selected.clear();
  if (!environment.empty()) {
    auto env = std::find_if(desired.environments.begin(), desired.environments.end(),
                            [&](const auto& e) { return e.name == environment; });
    if (env == desired.environments.end()) {
      err << "dflow: no environment named '" << environment
          << "' (known: " << Known(desired.environments, [](const auto& e) { return e.name; })
          << ")\n";
      return false;
    }
    selected = env->nodes;
  }
  if (!node.empty()) {
    const bool in_scope = selected.empty()
                              ? std::any_of(desired.nodes.begin(), desired.nodes.end(),
                                            [&](const auto& n) { return n.node.name == node; })
                              : std::find(selected.begin(), selected.end(), node) != selected.end();
    if (!in_scope) {
      err << "dflow: no node named '" << node << "'"
          << (environment.empty() ? "" : " in environment " + environment) << " (known: "
          << (selected.empty() ? Known(desired.nodes, [](const auto& n) { return n.node.name; })
                               : Known(selected, [](const auto& n) { return n; }))
          << ")\n";
      return false;
    }
    selected = {node};
  }
  return true;
}

void PrintDiagnostics(const LoadResult& result, std::ostream& out) {
  for (const Diagnostic& d : result.diagnostics) out << d.ToString() << "\n";
}

}  // namespace dflow::cli
