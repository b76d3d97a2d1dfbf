#include "reconciler/cli/cli_load.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>

#include "manifests-schema/base/text.h"
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
  sub.add_option("--generated-secrets", args.generated,
                 "where apply keeps the secrets it generates once for themes (default: "
                 "generated-secrets.json beside --secrets)");
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
  std::vector<std::string> names;
  for (const auto& item : items) names.push_back(name(item));
  return names.empty() ? "none" : Join(names, ", ");
}

}  // namespace

std::optional<NodeDesiredState> LoadNode(const RepoArgs& args, const std::string& name,
                                         std::string_view advice, std::ostream& err) {
  std::optional<LoadedRepo> loaded = LoadRepo(args, err);
  if (!loaded) return std::nullopt;
  if (!loaded->result.ok()) {
    PrintDiagnostics(loaded->result, err);
    err << "dflow: the config repo does not validate; " << advice << "\n";
    return std::nullopt;
  }
  const std::vector<NodeDesiredState>& nodes = loaded->result.desired->nodes;
  for (const auto& node : nodes)
    if (node.node.name == name) return node;
  err << "dflow: no node named '" << name << "' in " << loaded->snapshot.description
      << " (known: " << Known(nodes, [](const auto& n) { return n.node.name; })
      << "); declare it in a Node manifest\n";
  return std::nullopt;
}

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
