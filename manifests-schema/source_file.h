// A manifest file as read from the config repo: its path relative to the repo root and its
// bytes. Produced by the source (a directory or a Git commit tree), consumed by the loader.
#pragma once

#include <string>
#include <vector>

namespace dflow {

struct SourceFile {
  std::string path;     // relative, '/'-separated, e.g. "apps/courses.yaml"
  std::string content;  // raw bytes, not yet checked for UTF-8
};

// All the manifest files of one revision, sorted by path.
struct SourceSnapshot {
  std::string revision;  // full commit id, or "" when read from a plain directory
  std::string description;  // for messages: "sample-repo/" or "repo@3f2a9c1"
  std::vector<SourceFile> files;
};

}  // namespace dflow
