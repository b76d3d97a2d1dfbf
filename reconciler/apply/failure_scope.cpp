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
  } else if (action.kind == ActionKind::kCreateDatastore ||
             action.kind == ActionKind::kImportDatastore) {
    failed_datastores_.emplace(DatastoreOf(action),
                               action.kind == ActionKind::kCreateDatastore ? "created" : "moved");
  } else if (IsNodeProxyStep(action.kind)) {
    if (proxy_failure_.empty()) proxy_failure_ = kind;
  }
}

std::string FailureScope::Blocked(const Action& action) {
  if (!node_stop_.empty()) return node_stop_;
  if (!action.app.empty()) {
    if (auto it = failed_apps_.find(action.app); it != failed_apps_.end()) return it->second;
    auto store = failed_datastores_.find(DatastoreOf(action));
    if (action.kind == ActionKind::kLinkDatastore && store != failed_datastores_.end()) {
      const std::string why = "skipped: app " + action.app + " needs datastore " +
                              DatastoreOf(action) + ", which could not be " + store->second;
      failed_apps_.emplace(action.app, why);
      return why;
    }
    return "";
  }
  if (action.kind == ActionKind::kImportDatastore &&
      failed_datastores_.contains(DatastoreOf(action)))
    return "skipped: datastore " + DatastoreOf(action) + " could not be created";
  if (IsNodeProxyStep(action.kind) && !proxy_failure_.empty())
    return "skipped: an earlier proxy step failed (" + proxy_failure_ + ")";
  return "";
}

}  // namespace dflow
