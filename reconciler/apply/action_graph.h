// ActionGraph: which actions of one node's plan must wait for which, so that apply can run
// the rest at the same time (Dokku locks per app, not per node). Action j waits for an
// earlier action i when:
//   - both act on the same app (an app's actions run in plan order);
//   - i is a node proxy step (IsNodeProxyStep) and j is one too or any app action (the proxy
//     and global domain come before the apps that use them);
//   - j imports into, exposes or unexposes a datastore that i creates (or imports into, ...);
//   - j links or unlinks a datastore that i creates or imports into (a move: data first);
//   - j destroys a datastore (it goes last: after every unlink and app destroy before it).
// Anything else is independent: different apps, datastores created side by side.
#pragma once

#include <cstddef>
#include <vector>

#include "providers/dokku/action.h"

namespace dflow {

struct ActionGraph {
  std::vector<std::vector<std::size_t>> waits_for;  // per action: earlier actions it needs
  std::vector<std::vector<std::size_t>> unblocks;   // per action: later actions that need it
};

ActionGraph BuildActionGraph(const std::vector<Action>& actions);

// The most actions any chain of the graph holds one after another (1 for independent actions,
// 0 for none): the fewest sequential steps apply can take.
std::size_t LongestChain(const ActionGraph& graph);

}  // namespace dflow
