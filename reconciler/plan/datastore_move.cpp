#include "reconciler/plan/datastore_move.h"

#include <algorithm>

namespace dflow {
namespace {

bool Creates(const NodePlan& plan, const DatastoreSpec& d) {
  return std::any_of(plan.actions.begin(), plan.actions.end(), [&](const Action& a) {
    return a.kind == ActionKind::kCreateDatastore && a.engine == d.engine && a.target == d.name;
  });
}

// The other node (by name order) that has a datastore of this engine and name, or "".
std::string HeldElsewhere(const std::string& self, const DatastoreSpec& d,
                          const std::map<std::string, const ObservedNode*>& observed) {
  for (const auto& [name, node] : observed) {
    if (name == self || node == nullptr) continue;
    for (const ObservedDatastore& o : node->datastores)
      if (o.engine == d.engine && o.name == d.name) return name;
  }
  return "";
}

std::string Explain(const std::string& self, const DatastoreSpec& d, const std::string& old) {
  const std::string what = d.engine + " datastore " + d.name;
  if (d.move_from == old) {
    return what + " moves from node " + old +
           " (move.from), but dflow does not move data yet: " + "on " + old + " run `dokku " +
           d.engine + ":export " + d.name + " > dump`, on " + self + " `dokku " + d.engine +
           ":create " + d.name + "` and `dokku " + d.engine + ":import " + d.name +
           " < dump`, then apply again";
  }
  return what + " is on node " + old + " with its data, and the repo places it on node " + self +
         ": creating it here would start an empty copy beside it. Keep it on " + old +
         " (placement: {node: " + old + "}), or move it with move: {from: " + old +
         "} on the database";
}

}  // namespace

void RefuseDatastoreForks(const NodeDesiredState& node,
                          const std::map<std::string, const ObservedNode*>& observed,
                          NodePlan& plan) {
  std::string reasons;
  for (const DatastoreSpec& d : node.datastores) {
    if (!Creates(plan, d)) continue;
    const std::string old = HeldElsewhere(node.node.name, d, observed);
    if (old.empty()) continue;
    reasons += (reasons.empty() ? "" : "; ") + Explain(node.node.name, d, old);
  }
  if (reasons.empty()) return;
  const bool already = plan.refused;
  plan.refused = true;
  plan.refusal = already ? plan.refusal + "; " + reasons
                         : "plan refused on node " + plan.node + ": " + reasons;
}

}  // namespace dflow
