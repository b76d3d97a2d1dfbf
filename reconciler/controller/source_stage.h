// The controller's source stage: fetch the followed branch into the mirror (in a child
// process, fetch_process.h), read the manifests from the new commit's tree and validate them.
// Its Status codes are the error contract (loop_policy.h): fetch errors as FetchIntoMirror
// gives them, kInvalidManifest for a commit that does not validate.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state.h"
#include "manifests-schema/desired_state_loader.h"
#include "reconciler/source/git_mirror.h"

namespace dflow {

struct SourceStageInput {
  GitRemoteOptions remote;
  std::string mirror_dir;
  std::string fetch_executable = "/proc/self/exe";  // dflow, run as `dflow __fetch-mirror`
  SecretValues secrets;                             // every secret a service lists must be here
  std::string last_attempted;       // the commit the previous pass fetched ("" on the first)
  bool force = false;               // validate again even if the commit did not change (a reload)
  std::function<bool()> cancelled;  // polled during the fetch: the controller is stopping
};

struct SourceOutcome {
  Status status;         // OK, the fetch's error, or kInvalidManifest (the diagnostics)
  FetchedCommit commit;  // what was fetched (id "" when the fetch failed)
  // The new desired state: set only when `commit` is new (or forced) and validates.
  std::shared_ptr<const DesiredState> desired;
};

SourceOutcome RunSourceStage(const SourceStageInput& input);

// The desired state of commit `revision` in the mirror: kNotFound when the commit is not
// there, kInvalidManifest (every error diagnostic, one per line) when it does not validate.
Result<std::shared_ptr<const DesiredState>> LoadCommit(const std::string& mirror_dir,
                                                       const std::string& revision,
                                                       const SecretValues& secrets);

}  // namespace dflow
