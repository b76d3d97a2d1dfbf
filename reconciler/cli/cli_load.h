// What validate, render, plan and apply share: read the config repo (directory or commit),
// load secrets, validate, and print diagnostics the same way.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/desired_state_loader.h"

namespace CLI {
class App;
}

namespace dflow::cli {

struct RepoArgs {
  std::string path = ".";  // a directory or a Git repository
  std::string rev;         // read this commit's tree instead of the directory
  std::string secrets;     // controller-side secrets file (never in the config repo)
  // Where `dflow apply` keeps the secrets it generates for themes (generated_secrets.h); ""
  // = generated-secrets.json beside `secrets`.
  std::string generated;
};

// Declares PATH, --rev and --secrets on a subcommand.
void AddRepoArgs(CLI::App& sub, RepoArgs& args);

struct LoadedRepo {
  SourceSnapshot snapshot;
  LoadResult result;
  std::optional<SecretValues> secrets;  // set when --secrets was given
};

// Reads and validates. A failure to read at all (no such repo or revision, unreadable
// secrets file) is printed to `err` and returns nullopt; validation errors are returned in
// LoadedRepo::result for the caller to print.
std::optional<LoadedRepo> LoadRepo(const RepoArgs& args, std::ostream& err);

// The desired state of the node named `name` in the config repo `args`, for the commands that
// work on one node (node check, observe --node). Prints why to `err` and returns nullopt when
// the repo cannot be read, when it does not validate (its diagnostics, then "the config repo
// does not validate; " + `advice`), or when it declares no such node (the message names the
// nodes it does declare).
std::optional<NodeDesiredState> LoadNode(const RepoArgs& args, const std::string& name,
                                         std::string_view advice, std::ostream& err);

// Resolves --env/--node to the node names they select (empty = every node). Prints why and
// returns false when either names something that does not exist.
bool SelectNodes(const DesiredState& desired, const std::string& environment,
                 const std::string& node, std::vector<std::string>& selected, std::ostream& err);

// Prints each diagnostic as "file:line:column: error: message (hint)".
void PrintDiagnostics(const LoadResult& result, std::ostream& out);

}  // namespace dflow::cli
