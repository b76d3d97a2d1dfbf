#include "reconciler/controller/desired_in_force.h"

namespace dflow {

AppliedState DesiredInForce::Get() const {
  std::lock_guard lock(mutex_);
  return applied_;
}

void DesiredInForce::Install(std::shared_ptr<const DesiredState> desired,
                             const FetchedCommit& commit) {
  std::lock_guard lock(mutex_);
  applied_ = {std::move(desired), commit};
}

bool DesiredInForce::ready() const {
  std::lock_guard lock(mutex_);
  return applied_.desired != nullptr;
}

SecretValues DesiredInForce::Secrets() const {
  std::lock_guard lock(mutex_);
  return secrets_;
}

void DesiredInForce::SetSecrets(SecretValues secrets) {
  std::lock_guard lock(mutex_);
  secrets_ = std::move(secrets);
}

const NodeDesiredState* FindNode(const DesiredState& desired, const std::string& name) {
  for (const auto& node : desired.nodes)
    if (node.node.name == name) return &node;
  return nullptr;
}

}  // namespace dflow
