// Fuzzes the manifest loader as `dflow validate` and `dflow render` run it: the files of one
// revision (in memory, the loader's own entry point) -> diagnostics or a desired state, and then
// what is printed of either. The input is a repo in the fuzz_input.h form.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "manifests-schema/desired_state_json.h"
#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/diagnostic_format.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

// Only what a source can produce: relative paths of *.yaml/*.yml files with no hidden or
// empty component (source_file.h), each path once.
bool IsManifestPath(std::string_view path) {
  if (!(path.ends_with(".yaml") || path.ends_with(".yml"))) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash == start || path[start] == '.') return false;
    start = slash + 1;
  }
  return path.find('\0') == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> files;  // sorted by path, last one wins
  for (auto& entry : dflow::fuzz::SplitRepo(input))
    if (IsManifestPath(entry.path)) files[entry.path] = std::move(entry.content);

  dflow::SourceSnapshot snapshot;
  snapshot.description = "fuzz/";
  for (auto& [path, content] : files) {
    dflow::SourceFile file;
    file.path = path;
    file.size = content.size();
    file.too_large = file.size > dflow::kMaxManifestFileBytes;
    if (!file.too_large) file.content = std::move(content);
    snapshot.files.push_back(std::move(file));
  }
  // With secret values, the check that every listed secret has one runs too.
  static const dflow::SecretValues kSecrets = {
      {"production", {{"SMTP_PASSWORD", "x"}, {"course-management/STRIPE_KEY", "y"}}},
      {"staging", {{"SMTP_PASSWORD", "z"}}}};
  dflow::LoadOptions options;
  options.secrets = &kSecrets;
  dflow::LoadResult result = dflow::LoadDesiredState(snapshot, options);
  (void)dflow::FormatDiagnostics(result.diagnostics, snapshot);
  if (result.ok()) {
    (void)dflow::DesiredStateToJson(*result.desired).dump();
    (void)dflow::DesiredStateToYaml(*result.desired);
  }
  return 0;
}
