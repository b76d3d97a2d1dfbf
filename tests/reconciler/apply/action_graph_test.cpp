#include "reconciler/apply/action_graph.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace dflow {
namespace {

using Needs = std::vector<std::vector<std::size_t>>;

Action Make(ActionKind kind, const std::string& app = "", const std::string& engine = "",
            const std::string& target = "") {
  Action action;
  action.kind = kind;
  action.node = "n1";
  action.app = app;
  action.engine = engine;
  action.target = target;
  return action;
}

TEST_CASE("action graph: each app in plan order, apps and datastore creates independent") {
  const std::vector<Action> actions = {
      Make(ActionKind::kCreateDatastore, "", "postgres", "db"),    // 0
      Make(ActionKind::kCreateApp, "a"),                           // 1
      Make(ActionKind::kSetConfig, "a"),                           // 2
      Make(ActionKind::kCreateApp, "b"),                           // 3
      Make(ActionKind::kLinkDatastore, "a", "postgres", "db"),     // 4
      Make(ActionKind::kDeployImage, "b"),                         // 5
      Make(ActionKind::kLinkDatastore, "b", "redis", "db"),        // 6: another engine's db
      Make(ActionKind::kDestroyDatastore, "", "postgres", "old"),  // 7
  };
  const ActionGraph graph = BuildActionGraph(actions);
  CHECK(graph.waits_for == Needs{{}, {}, {1}, {}, {0, 2}, {3}, {5}, {0, 1, 2, 3, 4, 5, 6}});
  CHECK(graph.unblocks[0] == std::vector<std::size_t>{4, 7});
  CHECK(graph.unblocks[2] == std::vector<std::size_t>{4, 7});
  CHECK(LongestChain(graph) == 4);  // a: create, config, link; then the destroy
}

TEST_CASE("action graph: a datastore is exposed after its create and after its unexpose") {
  const std::vector<Action> actions = {
      Make(ActionKind::kCreateDatastore, "", "postgres", "db"),    // 0
      Make(ActionKind::kExposeDatastore, "", "postgres", "db"),    // 1
      Make(ActionKind::kUnexposeDatastore, "", "redis", "cache"),  // 2
      Make(ActionKind::kExposeDatastore, "", "redis", "cache"),    // 3
      Make(ActionKind::kCreateApp, "a"),                           // 4
      Make(ActionKind::kLinkDatastore, "a", "postgres", "db"),     // 5
  };
  const ActionGraph graph = BuildActionGraph(actions);
  CHECK(graph.waits_for == Needs{{}, {0}, {}, {2}, {}, {1, 4}});
}

TEST_CASE("action graph: Traefik steps one after another, before every app") {
  const std::vector<Action> actions = {
      Make(ActionKind::kSetTraefikGlobal),                       // 0
      Make(ActionKind::kStopTraefik),                            // 1
      Make(ActionKind::kStartTraefik),                           // 2
      Make(ActionKind::kCreateApp, "a"),                         // 3
      Make(ActionKind::kCreateApp, "b"),                         // 4
      Make(ActionKind::kSetProxyType, "a"),                      // 5
      Make(ActionKind::kCreateDatastore, "", "redis", "cache"),  // 6: needs no proxy
  };
  const ActionGraph graph = BuildActionGraph(actions);
  CHECK(graph.waits_for == Needs{{}, {0}, {1}, {2}, {2}, {3}, {}});
  CHECK(LongestChain(graph) == 5);
}

TEST_CASE("action graph: an empty plan has no chain") {
  CHECK(LongestChain(BuildActionGraph({})) == 0);
  CHECK(LongestChain(BuildActionGraph(
            {Make(ActionKind::kCreateApp, "a"), Make(ActionKind::kCreateApp, "b")})) == 1);
}

}  // namespace
}  // namespace dflow
