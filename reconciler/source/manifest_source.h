// Reads the manifest files of a config repo, either from a directory (the work tree as it is,
// uncommitted files included) or from one commit of a Git repository through libgit2, straight
// from the commit's tree: no checkout, so a half-written work tree is never read.
#pragma once

#include <string>

#include "manifests-schema/base/status.h"
#include "manifests-schema/source_file.h"

namespace dflow {

// Every *.yaml/*.yml under `dir` whose path has no component starting with '.'. Only regular
// files are read: a symbolic link (or a FIFO, device, ...) with a manifest name is reported in
// SourceSnapshot::problems with its target, never followed, and links to directories are not
// descended into. Files over kMaxManifestFileBytes are listed but not read.
Result<SourceSnapshot> ReadManifestsFromDirectory(const std::string& dir);

// The same selection from the tree of `rev` (a branch, tag, commit id or any revspec) in the
// Git repository at `repo_path` (a work tree or a bare repository); a committed symbolic link
// (mode 120000) is likewise reported with its target and never followed. Errors: kNotFound for
// a missing repository or revision, kInvalidArgument for a revision that is not a commit.
Result<SourceSnapshot> ReadManifestsFromGit(const std::string& repo_path, const std::string& rev);

// `dflow validate PATH [--rev REV]`: with a revision, reads it from Git; without, reads the
// directory.
Result<SourceSnapshot> ReadManifests(const std::string& path, const std::string& rev);

}  // namespace dflow
