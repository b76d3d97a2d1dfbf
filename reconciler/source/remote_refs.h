// Which commit each git-sourced service's ref names now: the refs of the app's repository are
// listed with libgit2 (`ls-remote`: no clone, no checkout), once per repository per pass, and
// each ref (branch, tag or full sha) is resolved against the listing. The controller and the
// CLI run it in the short-lived fetch child (fetch_process.h): Debian 12's libgit2 1.5 leaks on
// every remote operation.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "reconciler/source/git_mirror.h"

namespace dflow {

// One repository and the refs wanted from it. `remote.branch` is unused.
struct SourceRefsQuery {
  GitRemoteOptions remote;
  std::vector<std::string> refs;  // "main", "v1.4.2", "refs/heads/x", a full sha
  std::string settings;           // where its credentials are configured, for hints
};

struct ResolvedRefs {
  // "<url>#<ref>" -> full commit sha, for every ref that resolved.
  std::map<std::string, std::string> commits;
  // "<url>#<ref>" -> why it did not ("source unreachable: ...", "ref x not found on url"):
  // such a service keeps the commit it runs.
  std::map<std::string, std::string> errors;
};

// 40 lower-case hex digits: a commit named outright, which needs no lookup.
bool IsFullCommitSha(const std::string& ref);

// The remote's refs: "refs/heads/main" -> sha; an annotated tag maps to the commit it points at.
// Errors as FetchIntoMirror's (scrubbed of tokens and URL credentials).
Result<std::map<std::string, std::string>> ListRemoteRefs(const GitRemoteOptions& remote,
                                                          const std::string& settings = "repo");

// `ref` against a listing: a full sha is itself (no lookup); else refs/heads/<ref>, then
// refs/tags/<ref>, then <ref> as a full ref name. kNotFound when none exists.
Result<std::string> ResolveRef(const std::map<std::string, std::string>& listing,
                               const std::string& ref);

// Every query's refs, one listing per query. Full-sha refs need no network.
ResolvedRefs ResolveSourceRefs(const std::vector<SourceRefsQuery>& queries);

}  // namespace dflow
