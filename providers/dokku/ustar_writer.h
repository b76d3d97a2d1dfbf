// A minimal POSIX ustar writer for the small build contexts dflow sends to
// `git:from-archive` (build_context.h).
//
// Why not libarchive (Debian libarchive-dev): the archives are two small regular files, and
// what matters is that the same input always gives the same bytes. Here every header field is
// fixed by us (owner 0:0 "root", mode 0644, one fixed mtime, entries in the given order), so
// there is nothing to pin in a library's options, and no new build or runtime dependency.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dflow {

// One regular file: a relative name (at most 100 bytes, no "..", no leading '/') and its bytes.
struct UstarEntry {
  std::string name;
  std::string data;
};

// The archive of `entries`, in that order, ended by two zero blocks. Deterministic: equal
// entries give equal bytes. Names that do not fit the rules above are the caller's bug; they
// are cut to 100 bytes.
std::string WriteUstar(const std::vector<UstarEntry>& entries);

}  // namespace dflow
