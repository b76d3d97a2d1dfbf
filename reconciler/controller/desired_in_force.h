// The desired state the controller is converging the nodes to, with the commit it came from
// and the secret values it was validated with. Written by the source loop, read by every node
// loop and the HTTP readiness check. Thread-safe: readers get a copy (a shared_ptr to the
// immutable DesiredState and the commit), never a reference into the holder.
#pragma once

#include <memory>
#include <mutex>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/desired_state_loader.h"
#include "reconciler/source/git_mirror.h"

namespace dflow {

struct AppliedState {
  std::shared_ptr<const DesiredState> desired;  // null until a commit validated
  FetchedCommit commit;
};

class DesiredInForce {
 public:
  AppliedState Get() const;
  void Install(std::shared_ptr<const DesiredState> desired, const FetchedCommit& commit);
  bool ready() const;  // a desired state is in force

  SecretValues Secrets() const;
  void SetSecrets(SecretValues secrets);

 private:
  mutable std::mutex mutex_;
  AppliedState applied_;  // GUARDED_BY(mutex_)
  SecretValues secrets_;  // GUARDED_BY(mutex_)
};

// The node called `name` in `desired`, or null.
const NodeDesiredState* FindNode(const DesiredState& desired, const std::string& name);

}  // namespace dflow
