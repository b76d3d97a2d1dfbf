#include "reconciler/source/remote_refs.h"

#include <algorithm>

#include "manifests-schema/base/leak_check.h"
#include "manifests-schema/base/secret.h"
#include "reconciler/source/git_credentials.h"
#include "reconciler/source/libgit2.h"

namespace dflow {
namespace {

std::string Hex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

}  // namespace

bool IsFullCommitSha(const std::string& ref) {
  return ref.size() == 40 && ref.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Result<std::map<std::string, std::string>> ListRemoteRefs(const GitRemoteOptions& options,
                                                          const std::string& settings) {
  LeaksIgnoredHere libgit2_leaks;  // as in FetchIntoMirror: run in the fetch child
  EnsureLibgit2();
  const std::string where = "list refs of " + ScrubUrls(options.url);
  git_remote* raw = nullptr;
  if (git_remote_create_detached(&raw, options.url.c_str()) != 0)
    return Status(Code::kInvalidArgument, where + ": " + ScrubGitText(LastGitError(), options));
  GitRemotePtr remote(raw);
  CredentialState credentials{&options, 0, Status::Ok(), Status::Ok(), settings};
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  SetCredentialCallbacks(callbacks, credentials);
  if (git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) != 0) {
    if (!credentials.host_key.ok()) return credentials.host_key.WithContext(where);
    if (!credentials.auth.ok()) return credentials.auth.WithContext(where);
    return Status(Code::kUnavailable, where + ": " + ScrubGitText(LastGitError(), options));
  }
  const git_remote_head** heads = nullptr;
  size_t count = 0;
  if (git_remote_ls(&heads, &count, remote.get()) != 0)
    return Status(Code::kUnavailable, where + ": " + ScrubGitText(LastGitError(), options));
  std::map<std::string, std::string> listing;
  for (size_t i = 0; i < count; ++i) {
    std::string name = heads[i]->name;
    // "refs/tags/v1^{}" is the commit an annotated tag points at: it wins over the tag object.
    if (name.ends_with("^{}")) {
      listing[name.substr(0, name.size() - 3)] = Hex(heads[i]->oid);
      continue;
    }
    listing.emplace(name, Hex(heads[i]->oid));
  }
  git_remote_disconnect(remote.get());
  return listing;
}

Result<std::string> ResolveRef(const std::map<std::string, std::string>& listing,
                               const std::string& ref) {
  if (IsFullCommitSha(ref)) return ref;
  for (const std::string& name : {"refs/heads/" + ref, "refs/tags/" + ref, ref}) {
    auto found = listing.find(name);
    if (found != listing.end()) return found->second;
  }
  return Status(Code::kNotFound, "ref '" + ref + "' does not exist on the remote");
}

ResolvedRefs ResolveSourceRefs(const std::vector<SourceRefsQuery>& queries) {
  ResolvedRefs resolved;
  for (const SourceRefsQuery& query : queries) {
    const std::string& url = query.remote.url;
    bool needs_listing = false;
    for (const std::string& ref : query.refs) {
      if (IsFullCommitSha(ref))
        resolved.commits[url + "#" + ref] = ref;
      else
        needs_listing = true;
    }
    if (!needs_listing) continue;
    auto listing =
        ListRemoteRefs(query.remote, query.settings.empty() ? "sources" : query.settings);
    for (const std::string& ref : query.refs) {
      if (IsFullCommitSha(ref)) continue;
      const std::string key = url + "#" + ref;
      if (!listing.ok()) {
        resolved.errors[key] = "source unreachable: " + listing.status().message();
        continue;
      }
      Result<std::string> commit = ResolveRef(*listing, ref);
      if (commit.ok())
        resolved.commits[key] = *commit;
      else
        resolved.errors[key] = commit.status().message() + " (" + ScrubUrls(url) + ")";
    }
  }
  return resolved;
}

}  // namespace dflow
