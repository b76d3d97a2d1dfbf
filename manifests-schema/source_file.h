// A manifest file as read from the config repo: its path relative to the repo root and its
// bytes. Produced by the source (a directory or a Git commit tree), consumed by the loader.
// Which files are manifests: every *.yaml / *.yml whose path has no component starting with
// '.' (so .github/ workflows are not read).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "manifests-schema/diagnostic.h"

namespace dflow {

// Files larger than this are not read into memory: the loader reports them as too large.
inline constexpr std::uint64_t kMaxManifestFileBytes = 1u << 20;
// All the manifest files of one revision together: past either bound the revision is refused
// with one error and nothing more is read, so a commit of 10,000 one-MiB files cannot take 10 GiB.
inline constexpr std::size_t kMaxManifestFiles = 10'000;
inline constexpr std::uint64_t kMaxManifestRevisionBytes = 64u << 20;

struct SourceFile {
  std::string path;        // relative, '/'-separated, e.g. "apps/courses.yaml"
  std::string content;     // raw bytes, not yet checked for UTF-8; empty when too_large
  std::uint64_t size = 0;  // size in bytes as stored
  bool too_large = false;  // size > kMaxManifestFileBytes: content was not read
};

// All the manifest files of one revision, sorted by path.
struct SourceSnapshot {
  std::string revision;     // full commit id, or "" when read from a plain directory
  std::string description;  // for messages: "sample-repo/" or "repo@3f2a9c1"
  std::vector<SourceFile> files;
  // Problems found while reading (a symlink pointing out of the repo, an unreadable file):
  // the loader reports them with its own diagnostics.
  std::vector<Diagnostic> problems;
};

}  // namespace dflow
