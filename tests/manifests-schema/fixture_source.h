// Test helper: reads a fixture directory into a SourceSnapshot the way the directory source
// does (every *.yaml / *.yml whose path has no component starting with '.', sorted by path).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/diagnostic.h"
#include "manifests-schema/source_file.h"

namespace dflow::test {

inline std::filesystem::path SourceDir() { return DFLOW_SOURCE_DIR; }

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline bool IsManifestPath(const std::filesystem::path& relative) {
  for (const auto& part : relative) {
    if (part.string().rfind('.', 0) == 0) return false;
  }
  auto ext = relative.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

inline SourceSnapshot ReadFixtureDir(const std::filesystem::path& dir) {
  SourceSnapshot snapshot;
  snapshot.description = dir.filename().string() + "/";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    auto relative = std::filesystem::relative(entry.path(), dir);
    if (!IsManifestPath(relative)) continue;
    SourceFile file;
    file.path = relative.generic_string();
    file.size = entry.file_size();
    file.too_large = file.size > kMaxManifestFileBytes;
    if (!file.too_large) file.content = ReadAll(entry.path());
    snapshot.files.push_back(std::move(file));
  }
  std::sort(snapshot.files.begin(), snapshot.files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  return snapshot;
}

// Rewrites a golden file (run the tests with DFLOW_UPDATE_GOLDEN=1, then review the diff).
inline void WriteGolden(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

// One line per diagnostic, as `dflow validate` prints them.
inline std::string DiagnosticsText(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += d.ToString() + "\n";
  return out;
}

}  // namespace dflow::test
