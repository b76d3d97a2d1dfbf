// Runs FetchIntoMirror (git_mirror.h) in a short-lived child process: `dflow __fetch-mirror`.
// Why: libgit2 1.5 (Debian 12) leaks the PCRE2 match data of its config regexes on every
// fetch, and the controller fetches every interval for months. In a child, whatever libgit2
// keeps dies with the process. Credentials travel over the child's stdin, never its argv or
// environment, so `ps` cannot show them.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "reconciler/source/git_mirror.h"
#include "reconciler/source/remote_refs.h"

namespace dflow {

struct FetchProcessOptions {
  std::string executable = "/proc/self/exe";  // a dflow binary (tests point at one)
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};  // then the child is killed
  // Polled while the child runs; true kills it at once (the controller is stopping: SIGTERM
  // must not wait for a hung remote until the timeout).
  std::function<bool()> cancelled;
};

// The child's argv: never carries the token, the passphrase or the URL's password.
std::vector<std::string> FetchProcessArgv(const FetchProcessOptions& process);

// Same contract as FetchIntoMirror. Extra errors: kTimeout when the child runs past
// `process.timeout` or is cancelled, kInternal when it cannot be started or answers nonsense.
Result<FetchedCommit> FetchIntoMirrorInChild(const GitRemoteOptions& options,
                                             const std::string& mirror_dir,
                                             const FetchProcessOptions& process = {});

// ResolveSourceRefs (remote_refs.h) in the child, every repository's credentials on its stdin.
// When the child fails or runs past `process.timeout`, every ref that needed the network is an
// error with that reason (full-sha refs still resolve). No child when no ref needs the network.
ResolvedRefs ResolveSourceRefsInChild(const std::vector<SourceRefsQuery>& queries,
                                      const FetchProcessOptions& process = {});

// The child's side: reads one request (JSON) from `in`, fetches, writes one reply (JSON) to
// `out`. Returns the process exit code (0 when a reply was written).
int ServeFetchRequest(std::istream& in, std::ostream& out);

}  // namespace dflow
