// Helpers shared by the fuzz targets: turning one fuzzer input (a byte string) into the several
// files of a config repo, and into headers and a body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dflow::fuzz {

// One file of a repo written as text. A seed is readable and editable by hand:
//   #@file apps/shop.yaml      <- a regular file (also #@exec: mode 100755, #@link: a symlink
//   kind: Application             whose content is the link target)
//   ...
// Bytes before the first marker are the file "manifests.yaml".
struct RepoEntry {
  enum class Kind { kFile, kExec, kLink };
  Kind kind = Kind::kFile;
  std::string path;
  std::string content;
};

inline std::vector<RepoEntry> SplitRepo(std::string_view input) {
  std::vector<RepoEntry> entries;
  RepoEntry current{RepoEntry::Kind::kFile, "manifests.yaml", ""};
  bool started = false;
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t end = input.find('\n', pos);
    std::size_t next = end == std::string_view::npos ? input.size() : end + 1;
    std::string_view line = input.substr(pos, next - pos);
    RepoEntry::Kind kind;
    std::string_view rest;
    if (line.starts_with("#@file ")) {
      kind = RepoEntry::Kind::kFile, rest = line.substr(7);
    } else if (line.starts_with("#@exec ")) {
      kind = RepoEntry::Kind::kExec, rest = line.substr(7);
    } else if (line.starts_with("#@link ")) {
      kind = RepoEntry::Kind::kLink, rest = line.substr(7);
    } else {
      current.content.append(line);
      pos = next;
      continue;
    }
    if (started || !current.content.empty()) entries.push_back(std::move(current));
    if (rest.ends_with('\n')) rest.remove_suffix(1);
    current = RepoEntry{kind, std::string(rest), ""};
    started = true;
    pos = next;
  }
  if (started || !current.content.empty()) entries.push_back(std::move(current));
  return entries;
}

}  // namespace dflow::fuzz
