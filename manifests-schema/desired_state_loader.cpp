#include "manifests-schema/desired_state_loader.h"

#include <algorithm>
#include <set>

#include "manifests-schema/builtin_themes.h"
#include "manifests-schema/desired_state_builder.h"
#include "manifests-schema/diagnostic_limit.h"
#include "manifests-schema/manifest_parser.h"
#include "manifests-schema/yaml_tree.h"

namespace dflow {
namespace {

// What one load may still read: YAML nodes and documents, shared by all files.
struct LoadBudget {
  std::size_t nodes = kMaxYamlNodes;
  std::size_t documents = kMaxYamlDocuments;
  DiagnosticLimit diagnostics;
};

// Checks the bytes of one file, parses its documents and reads each one into `manifests`.
void LoadFile(const SourceFile& file, Manifests& manifests, std::vector<Diagnostic>& diagnostics,
              LoadBudget& budget) {
  if (file.too_large) {
    diagnostics.push_back({file.path, 0, 0,
                           "file too large: " + std::to_string(file.size) + " bytes",
                           "manifest files are at most " + std::to_string(kMaxManifestFileBytes) +
                               " bytes; split it"});
    return;
  }
  int line = 0;
  int column = 0;
  if (!IsValidUtf8(file.content, line, column)) {
    diagnostics.push_back({file.path, line, column, "not a UTF-8 text file",
                           "manifests must be UTF-8 YAML; remove binary files or rename them"});
    return;
  }
  std::vector<YamlNode> documents =
      ParseYamlDocuments(file.path, file.content, diagnostics, budget.nodes, budget.documents);
  budget.diagnostics.Trim(diagnostics);
  for (const YamlNode& doc : documents) {
    ParseManifestDocument(file.path, doc, manifests, diagnostics);
    budget.diagnostics.Trim(diagnostics);
  }
}

// The built-in themes the applications use, unless the repo defines a theme of that name.
void AddBuiltinThemes(Manifests& manifests, std::vector<Diagnostic>& diagnostics) {
  std::set<std::string> defined;
  std::set<std::string> used;
  for (const ThemeManifest& t : manifests.themes) defined.insert(t.name.value);
  for (const ApplicationManifest& a : manifests.applications) {
    if (a.theme) used.insert(a.theme->value);
  }
  for (const BuiltinThemeText& builtin : BuiltinThemeTexts()) {
    if (!used.count(builtin.name) || defined.count(builtin.name)) continue;
    std::string file = BuiltinThemeFile(builtin.name);
    std::size_t nodes = kMaxYamlNodes;
    std::size_t first = manifests.themes.size();
    for (const YamlNode& doc : ParseYamlDocuments(file, builtin.yaml, diagnostics, nodes)) {
      ParseManifestDocument(file, doc, manifests, diagnostics);
    }
    for (std::size_t i = first; i < manifests.themes.size(); ++i) {
      manifests.themes[i].builtin = true;
    }
  }
}

bool HasError(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

}  // namespace

LoadResult LoadDesiredState(const SourceSnapshot& snapshot, const LoadOptions& options) {
  LoadResult result;
  LoadBudget budget;
  result.diagnostics = snapshot.problems;
  budget.diagnostics.Trim(result.diagnostics);
  Manifests manifests;
  for (const SourceFile& file : snapshot.files) {
    LoadFile(file, manifests, result.diagnostics, budget);
  }
  if (manifests.documents == 0 && !HasError(result.diagnostics)) {
    result.diagnostics.push_back(
        {"", 0, 0,
         "no dflow manifests found in " +
             (snapshot.description.empty() ? std::string("the repository") : snapshot.description),
         "add YAML files with 'apiVersion: dflow/v1' documents; sample-repo/ shows the layout"});
  }
  // Cross-document checks only make sense on documents that read cleanly; they still run so
  // that one commit shows as many problems as possible.
  AddBuiltinThemes(manifests, result.diagnostics);
  std::optional<DesiredState> desired = BuildDesiredState(manifests, options, result.diagnostics);
  budget.diagnostics.Finish(result.diagnostics);  // sorted, the first 100, then "and N more"
  if (desired && !HasError(result.diagnostics)) {
    desired->revision = snapshot.revision;
    result.desired = std::move(desired);
  }
  return result;
}

}  // namespace dflow
