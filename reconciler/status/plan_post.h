// `dflow plan --post`: the plan goes to the pull request as dflow's one sticky comment and
// the head commit gets the status "dflow/plan". The token comes from the environment and is
// never printed.
#pragma once

#include <string>
#include <string_view>

#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/status.h"
#include "providers/forge/forge_client.h"

namespace dflow {

inline constexpr std::string_view kPlanStatusContext = "dflow/plan";

// DFLOW_FORGE_TOKEN, else the forge's usual variable: GITHUB_TOKEN, GITEA_TOKEN (Forgejo:
// also FORGEJO_TOKEN), GITLAB_TOKEN. `variable` gets the name of the one used, or the
// names looked at when none is set (then the token is empty). Errors: ReadSecretEnv()'s.
Result<Secret> ForgeTokenFromEnvironment(ForgeKind kind, std::string& variable);

struct PlanPost {
  ForgeOptions forge;
  int pr = 0;
  std::string head_sha;
  std::string markdown;
  bool valid = true;        // false: the status is failure
  std::string description;  // of the status: "3 changes, 1 destructive"
  std::string target_url;   // optional link from the status (e.g. the CI run)
};

// Upserts the comment, then sets the status (both are tried). Errors name what failed:
// "post plan comment to github: ..." / "set commit status dflow/plan: ...".
Status PostPlan(const PlanPost& post);

}  // namespace dflow
