// FailureScope: what one failed action takes down with it on its node, so that one failure
// stays one failure. Only the actions that need the failed one are skipped:
//   - a transport failure (connection lost, auth refused): the node's other actions would
//     fail the same way, so the rest of the node is skipped;
//   - an app's action: the rest of that app (its later steps assume the earlier ones);
//   - a datastore that could not be created: the links to it, and the rest of every app that
//     links it (it would start without its database);
//   - a node proxy step (proxy type, global domain, nginx/Traefik settings, start/stop): the
//     later proxy steps (they configure the same proxy);
//   - a datastore that could not be destroyed: nothing else needs it gone.
#pragma once

#include <map>
#include <set>
#include <string>

#include "providers/dokku/action.h"

namespace dflow {

class FailureScope {
 public:
  // Records that `action` failed; `node_unreachable` when the transport itself failed.
  void Failed(const Action& action, bool node_unreachable);

  // Why `action` must not run because of an earlier failure, or "". An app action skipped
  // for a failed dependency also marks the rest of its app.
  std::string Blocked(const Action& action);

 private:
  std::string node_stop_;                                 // set once the node is unreachable
  std::map<std::string, std::string> failed_apps_;        // app -> why its later steps are skipped
  std::map<std::string, std::string> failed_datastores_;  // "<engine> <svc>" -> "created"|"moved"
  std::string proxy_failure_;                             // the failed proxy step's kind
};

}  // namespace dflow
