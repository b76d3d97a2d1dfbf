#include "reconciler/apply/failure_scope.h"

namespace dflow {
namespace {

std::string DatastoreOf(const Action& action) { return action.engine + " " + action.target; }

}  // namespace

void FailureScope::Failed(const Action& action, bool node_unreachable) {
  const std::string kind(ActionKindName(action.kind));
  if (node_unreachable) {
    if (node_stop_.empty())
      node_stop_ = "skipped: the node stopped answering (" + kind + " failed)";
  } else if (!action.app.empty()) {
    failed_apps_.emplace(action.app, "skipped: an earlier action of app " + action.app + " failed");
  } else if (action.kind == ActionKind::kCreateDatastore) {
    failed_datastores_.insert(DatastoreOf(action));
  } else if (IsNodeProxyStep(action.kind)) {
    if (proxy_failure_.empty()) proxy_failure_ = kind;
  }
}

std::string FailureScope::Blocked(const Action& action) {
  if (!node_stop_.empty()) return node_stop_;
  if (!action.app.empty()) {
    if (auto it = failed_apps_.find(action.app); it != failed_apps_.end()) return it->second;
    if (action.kind == ActionKind::kLinkDatastore &&
        failed_datastores_.contains(DatastoreOf(action))) {
      const std::string why = "skipped: app " + action.app + " needs datastore " +
                              DatastoreOf(action) + ", which could not be created";
      failed_apps_.emplace(action.app, why);
      return why;
    }
    return "";
  }
  if (IsNodeProxyStep(action.kind) && !proxy_failure_.empty())
    return "skipped: an earlier proxy step failed (" + proxy_failure_ + ")";
  return "";
}

}  // namespace dflow
