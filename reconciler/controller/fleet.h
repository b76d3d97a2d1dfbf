// The fleet as the CLI and the controller reach it: one transport per node, made on first use
// and reused (so SSH connections survive across passes), and the observe -> plan step run for
// many nodes in parallel, each node independent of the others.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/observed_state.h"
#include "providers/transport/transport.h"
#include "reconciler/plan/plan.h"

namespace dflow {

// Makes the transport for a node (SSH from its NodeSpec, or local/simulated in tests).
using TransportFactory = std::function<Result<std::unique_ptr<Transport>>(const NodeSpec&)>;

// Everything that decides how a node is reached (host, port, user, host key): a change means a
// new transport.
std::string NodeReachKey(const NodeSpec& node);

class Fleet {
 public:
  explicit Fleet(TransportFactory factory) : factory_(std::move(factory)) {}

  // The node's transport, made on first use. Thread-safe. The pointer stays valid for the
  // Fleet's lifetime unless Forget() is called for the node.
  Result<Transport*> TransportFor(const NodeSpec& node);

  // Drops a node's transport (its spec changed, or it was removed from the repo).
  void Forget(const std::string& node);

  // Sum of every transport's Stats().
  TransportStats Stats() const;

 private:
  TransportFactory factory_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Transport>> transports_;  // GUARDED_BY(mutex_)
  std::map<std::string, std::string> specs_;                      // GUARDED_BY(mutex_)
};

struct NodeOutcome {
  std::string node;
  std::optional<ObservedNode> observed;  // unset when the node could not be observed
  NodePlan plan;                         // empty when not observed
  Status error;                          // why it could not be observed
};

// Observes every node of `nodes` (all of desired.nodes when empty) and plans it, up to
// `parallel` nodes at once. Results in desired.nodes order. A node that fails only fails
// itself.
std::vector<NodeOutcome> ObserveAndPlan(const DesiredState& desired, Fleet& fleet,
                                        const PlanOptions& options,
                                        const std::vector<std::string>& nodes, int parallel,
                                        const ExecOptions& exec = {});

}  // namespace dflow
