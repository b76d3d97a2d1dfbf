#include "reconciler/apply/action_graph.h"

#include <algorithm>
#include <map>
#include <string>

namespace dflow {
namespace {

bool TouchesLink(ActionKind kind) {
  return kind == ActionKind::kLinkDatastore || kind == ActionKind::kUnlinkDatastore;
}

// Node steps on one datastore, in plan order: create, import (a move), expose/unexpose.
bool TouchesExposure(ActionKind kind) {
  return kind == ActionKind::kExposeDatastore || kind == ActionKind::kUnexposeDatastore ||
         kind == ActionKind::kImportDatastore;
}

}  // namespace

ActionGraph BuildActionGraph(const std::vector<Action>& actions) {
  ActionGraph graph;
  graph.waits_for.resize(actions.size());
  graph.unblocks.resize(actions.size());
  std::map<std::string, std::size_t> last_of_app;
  std::map<std::string, std::size_t> created;  // "<engine> <service>" -> its last node step
  std::vector<std::size_t> proxy;              // node proxy steps so far
  for (std::size_t j = 0; j < actions.size(); ++j) {
    const Action& action = actions[j];
    std::vector<std::size_t>& needs = graph.waits_for[j];
    if (action.kind == ActionKind::kDestroyDatastore) {
      for (std::size_t i = 0; i < j; ++i) needs.push_back(i);
    } else if (IsNodeProxyStep(action.kind)) {
      if (!proxy.empty()) needs.push_back(proxy.back());  // the chain holds the rest
    } else if (TouchesExposure(action.kind)) {
      // After its create, and after an earlier step (create, import, then expose; a new
      // address: unexpose, expose).
      if (auto it = created.find(action.engine + " " + action.target); it != created.end())
        needs.push_back(it->second);
    } else if (!action.app.empty()) {
      if (auto it = last_of_app.find(action.app); it != last_of_app.end()) {
        needs.push_back(it->second);
      } else {
        if (!proxy.empty()) needs.push_back(proxy.back());  // before the app's first action
      }
      if (TouchesLink(action.kind)) {
        auto create = created.find(action.engine + " " + action.target);
        if (create != created.end()) needs.push_back(create->second);
      }
    }
    std::sort(needs.begin(), needs.end());
    needs.erase(std::unique(needs.begin(), needs.end()), needs.end());
    for (std::size_t i : needs) graph.unblocks[i].push_back(j);
    if (IsNodeProxyStep(action.kind)) proxy.push_back(j);
    if (!action.app.empty()) last_of_app[action.app] = j;
    if (action.kind == ActionKind::kCreateDatastore || TouchesExposure(action.kind))
      created[action.engine + " " + action.target] = j;
  }
  return graph;
}

std::size_t LongestChain(const ActionGraph& graph) {
  // Every action waits only for earlier ones, so one pass in plan order suffices.
  std::vector<std::size_t> depth(graph.waits_for.size(), 1);
  std::size_t longest = 0;
  for (std::size_t j = 0; j < depth.size(); ++j) {
    for (std::size_t i : graph.waits_for[j]) depth[j] = std::max(depth[j], depth[i] + 1);
    longest = std::max(longest, depth[j]);
  }
  return longest;
}

}  // namespace dflow
