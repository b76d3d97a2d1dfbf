// The Git forge's REST API, for the two things dflow tells a forge: a sticky plan comment on
// a pull/merge request and a commit status. GitHub (and GitHub Enterprise), Gitea/Forgejo and
// GitLab. libcurl stays inside the .cpp. Every call is bounded in time and response size, and
// no error message ever contains the token.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/status.h"

namespace dflow {

enum class ForgeKind { kGitHub, kGitea, kGitLab };

std::string_view ForgeKindName(ForgeKind kind);  // "github", "gitea", "gitlab"
// "github", "gitea" (also "forgejo"), "gitlab"; kInvalidArgument otherwise.
Result<ForgeKind> ParseForgeKind(std::string_view name);

struct ForgeOptions {
  ForgeKind kind = ForgeKind::kGitHub;
  // GitHub: the API root, "https://api.github.com" when empty (Enterprise:
  // "https://ghe.example.com/api/v3"). Gitea and GitLab: the server root
  // ("https://git.example.com"); "/api/v1" or "/api/v4" is appended. GitLab defaults to
  // "https://gitlab.com"; Gitea has no default.
  std::string api_base_url;
  // "owner/name" for GitHub and Gitea; for GitLab a numeric project id or a path
  // "group/subgroup/project".
  std::string repo;
  Secret token;                      // sent only in the auth header, never logged or returned
  std::chrono::seconds timeout{20};  // per HTTP request, connect included
  std::size_t max_response_bytes = 8u << 20;  // larger responses fail the call
  int max_pages = 50;                         // comment listing stops with an error beyond
};

// Marks dflow's plan comment so that later runs edit it instead of adding another.
inline constexpr std::string_view kPlanCommentMarker = "<!-- dflow:plan -->";

// Makes pull request (GitLab: merge request iid) `pr_number` carry exactly one comment with
// kPlanCommentMarker: lists the comments (following pagination) and edits the first one that
// holds the marker, or creates it. The comment body is the marker, a newline, then `markdown`
// (the marker is not added twice). An unchanged body is left alone (no request).
// Errors: kInvalidArgument for bad options; kPermissionDenied (HTTP 401/403), kNotFound (404),
// kUnavailable (network, HTTP 429/5xx), kTimeout, kFailed (other HTTP errors, oversize or
// malformed responses). Messages read "<kind>: <METHOD> <path>: HTTP <code>: <forge message>".
Status UpsertPullRequestComment(const ForgeOptions& options, int pr_number,
                                std::string_view markdown);

enum class CommitState { kPending, kSuccess, kFailure };

// Sets the status `context` of commit `sha` (hex, 7 to 64 digits). GitLab calls the context
// "name" and the failure state "failed". `description` is cut to 140 bytes (GitHub's limit) on
// a UTF-8 boundary; an empty `target_url` is left out. Errors as UpsertPullRequestComment.
Status SetCommitStatus(const ForgeOptions& options, std::string_view sha, std::string_view context,
                       CommitState state, std::string_view description,
                       std::string_view target_url);

}  // namespace dflow
