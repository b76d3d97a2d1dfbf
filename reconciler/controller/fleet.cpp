#include "reconciler/controller/fleet.h"

#include <algorithm>

#include "manifests-schema/base/parallel_for.h"
#include "providers/dokku/dokku_observer.h"

namespace dflow {
namespace {}  // namespace

std::string NodeReachKey(const NodeSpec& node) {
  return node.host + "\n" + std::to_string(node.port) + "\n" + node.user + "\n" + node.host_key;
}

Result<Transport*> Fleet::TransportFor(const NodeSpec& node) {
  std::lock_guard lock(mutex_);
  auto it = transports_.find(node.name);
  if (it != transports_.end() && specs_[node.name] == NodeReachKey(node)) return it->second.get();
  Result<std::unique_ptr<Transport>> made = factory_(node);
  if (!made.ok()) return made.status();
  Transport* raw = made->get();
  transports_[node.name] = std::move(made).value();
  specs_[node.name] = NodeReachKey(node);
  return raw;
}

void Fleet::Forget(const std::string& node) {
  std::lock_guard lock(mutex_);
  transports_.erase(node);
  specs_.erase(node);
}

TransportStats Fleet::Stats() const {
  std::lock_guard lock(mutex_);
  TransportStats total;
  for (const auto& [name, transport] : transports_) {
    TransportStats s = transport->Stats();
    total.connections_opened += s.connections_opened;
    total.commands_run += s.commands_run;
  }
  return total;
}

std::vector<NodeOutcome> ObserveAndPlan(const DesiredState& desired, Fleet& fleet,
                                        const PlanOptions& options,
                                        const std::vector<std::string>& nodes, int parallel,
                                        const ExecOptions& exec) {
  std::vector<const NodeDesiredState*> selected;
  for (const auto& node : desired.nodes) {
    if (nodes.empty() || std::find(nodes.begin(), nodes.end(), node.node.name) != nodes.end())
      selected.push_back(&node);
  }
  std::vector<NodeOutcome> outcomes(selected.size());
  ParallelFor(selected.size(), parallel, [&](std::size_t i) {
    const NodeDesiredState& node = *selected[i];
    NodeOutcome& outcome = outcomes[i];
    outcome.node = node.node.name;
    outcome.plan.node = node.node.name;
    Result<Transport*> transport = fleet.TransportFor(node.node);
    if (!transport.ok()) {
      outcome.error = transport.status();
      return;
    }
    ObserveOptions observe;
    observe.node = node.node.name;
    observe.exec = exec;
    Result<ObservedNode> observed = ObserveNode(**transport, observe);
    if (!observed.ok()) {
      outcome.error = observed.status();
      return;
    }
    outcome.plan = PlanNode(node, *observed, options);
    outcome.observed = std::move(observed).value();
  });
  return outcomes;
}

}  // namespace dflow
