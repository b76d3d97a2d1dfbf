// The apps' own repositories as the controller follows them (docs/sources.md): which (url, ref)
// pairs the desired state deploys from git, with each repository's credentials from `sources:`
// in the controller config, and what changed between two resolutions.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "reconciler/controller/controller_config.h"
#include "reconciler/source/remote_refs.h"

namespace dflow {

// "github.com" of https://user@github.com/o/r.git, "git.example.com:2222" of
// ssh://git@git.example.com:2222/o/r, "github.com" of git@github.com:o/r.git; "" for local
// paths and file:// URLs.
std::string SourceHostOf(const std::string& url);

// One query per git repository of `desired` (sorted by URL), with every ref of it the desired
// state names, and the credentials `config.app_sources` holds for its host (tokens read now;
// an unreadable token is left empty, so the listing fails naming the setting).
std::vector<SourceRefsQuery> SourceRefsQueries(const DesiredState& desired,
                                               const ControllerConfig& config);

// Per node, the apps whose "<url>#<ref>" is one of `keys`: what a moved ref wakes.
std::map<std::string, std::set<std::string>> AppsRunning(const DesiredState& desired,
                                                         const std::vector<std::string>& keys);

// Whether some service of `desired` follows `ref` ("refs/heads/<branch>") of one of `urls`
// (the pushed repository's addresses; SameRepository decides).
bool FollowsPushedBranch(const DesiredState& desired, const std::vector<std::string>& urls,
                         const std::string& ref);

// The "<url>#<ref>" keys whose commit differs between `before` and `after` (first resolutions
// are not moves). Sorted.
std::vector<std::string> MovedKeys(const ResolvedRefs& before, const ResolvedRefs& after);

// "<url>#<ref> moved: <old> -> <new>" for every ref whose commit differs from `before` (refs
// resolved for the first time are not moves). Sorted.
std::vector<std::string> MovedRefs(const ResolvedRefs& before, const ResolvedRefs& after);

}  // namespace dflow
