#include "reconciler/plan/datastore_move.h"

#include <algorithm>

namespace dflow {
namespace {

// The plan's create of `d`, or actions.end().
std::vector<Action>::iterator FindCreate(NodePlan& plan, const DatastoreSpec& d) {
  return std::find_if(plan.actions.begin(), plan.actions.end(), [&](const Action& a) {
    return a.kind == ActionKind::kCreateDatastore && a.engine == d.engine && a.target == d.name;
  });
}

bool Holds(const ObservedNode& node, const DatastoreSpec& d) {
  return std::any_of(
      node.datastores.begin(), node.datastores.end(),
      [&](const ObservedDatastore& o) { return o.engine == d.engine && o.name == d.name; });
}

// The other node (move.from first, then by name) that has a datastore of this engine and
// name, or "".
std::string HeldElsewhere(const std::string& self, const DatastoreSpec& d,
                          const std::map<std::string, const ObservedNode*>& observed) {
  auto from = observed.find(d.move_from);
  if (from != observed.end() && from->second != nullptr && Holds(*from->second, d))
    return d.move_from;
  for (const auto& [name, node] : observed)
    if (name != self && node != nullptr && Holds(*node, d)) return name;
  return "";
}

std::string Forked(const std::string& self, const DatastoreSpec& d, const std::string& old) {
  return (d.where.empty() ? "" : d.where + ": ") + d.engine + " datastore " + d.name +
         " is on node " + old + " with its data, and the repo places it on node " + self +
         ": creating it here would start an empty copy beside it. Keep it on " + old +
         " (placement: {node: " + old + "}), or move it with move: {from: " + old +
         "} on the database";
}

std::string Unseen(const DatastoreSpec& d) {
  return d.engine + " datastore " + d.name + " moves from node " + d.move_from +
         " (move.from), which could not be observed: whether its data is there cannot be told. "
         "Apply again once node " +
         d.move_from + " answers";
}

Action ImportAction(const NodePlan& plan, const DatastoreSpec& d) {
  Action action = NodeAction(plan.node, ActionKind::kImportDatastore,
                             "moves from node " + d.move_from + " (move.from): its data is copied");
  action.engine = d.engine;
  action.target = d.name;
  action.value = d.move_from;
  return action;
}

}  // namespace

void PlanDatastoreMoves(const NodeDesiredState& node,
                        const std::map<std::string, const ObservedNode*>& observed,
                        NodePlan& plan) {
  std::string reasons;
  auto refuse = [&](const std::string& why) { reasons += (reasons.empty() ? "" : "; ") + why; };
  for (const DatastoreSpec& d : node.datastores) {
    auto create = FindCreate(plan, d);
    if (create == plan.actions.end()) continue;
    auto from = observed.find(d.move_from);
    if (!d.move_from.empty() && (from == observed.end() || from->second == nullptr)) {
      refuse(Unseen(d));
      continue;
    }
    const std::string old = HeldElsewhere(node.node.name, d, observed);
    if (old.empty()) continue;  // a new datastore, or a move already done
    if (old != d.move_from) {
      refuse(Forked(node.node.name, d, old));
      continue;
    }
    plan.actions.insert(create + 1, ImportAction(plan, d));
  }
  if (reasons.empty()) return;
  const bool already = plan.refused;
  plan.refused = true;
  plan.refusal = already ? plan.refusal + "; " + reasons
                         : "plan refused on node " + plan.node + ": " + reasons;
}

}  // namespace dflow
