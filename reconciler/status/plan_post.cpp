#include "reconciler/status/plan_post.h"

#include <vector>

namespace dflow {

Result<Secret> ForgeTokenFromEnvironment(ForgeKind kind, std::string& variable) {
  std::vector<const char*> names = {"DFLOW_FORGE_TOKEN"};
  if (kind == ForgeKind::kGitHub) names.push_back("GITHUB_TOKEN");
  if (kind == ForgeKind::kGitea) names.insert(names.end(), {"GITEA_TOKEN", "FORGEJO_TOKEN"});
  if (kind == ForgeKind::kGitLab) names.push_back("GITLAB_TOKEN");
  variable.clear();
  for (const char* name : names) {
    Result<Secret> value = ReadSecretEnv(name);
    if (!value.ok() || !value->empty()) {
      variable = name;
      return value;
    }
    variable += (variable.empty() ? "" : " or ") + std::string(name);
  }
  return Secret();
}

Status PostPlan(const PlanPost& post) {
  const std::string forge(ForgeKindName(post.forge.kind));
  std::string errors;
  Status comment = UpsertPullRequestComment(post.forge, post.pr, post.markdown);
  if (!comment.ok()) errors = "post plan comment to " + forge + ": " + comment.message();
  Status status = SetCommitStatus(post.forge, post.head_sha, kPlanStatusContext,
                                  post.valid ? CommitState::kSuccess : CommitState::kFailure,
                                  post.description, post.target_url);
  if (!status.ok()) {
    errors += (errors.empty() ? "" : "; ") + std::string("set commit status ") +
              std::string(kPlanStatusContext) + " on " + forge + ": " + status.message();
  }
  if (errors.empty()) return Status::Ok();
  return Status(comment.ok() ? status.code() : comment.code(), errors);
}

}  // namespace dflow
