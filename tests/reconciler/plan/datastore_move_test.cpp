// A datastore placed on a new node while its data is on another: refused, never forked.
#include "reconciler/plan/datastore_move.h"

#include <doctest/doctest.h>

#include "tests/reconciler/plan/plan_fixture.h"

namespace dflow::testing {

TEST_CASE("a datastore that exists on another node is not created empty on this one") {
  NodeDesiredState moved = DesiredNode({}, {ShopDb()});
  moved.node.name = "node-2";
  ObservedNode here = ConvergedNode(DesiredNode({}, {}), Options());
  ObservedNode there = ConvergedNode(DesiredNode({}, {ShopDb()}), Options());
  NodePlan plan = PlanNode(moved, here, Options());
  REQUIRE(Lines(plan) == "create-datastore shop-db: postgres datastore missing\n");
  std::map<std::string, const ObservedNode*> fleet = {{"node-1", &there}, {"node-2", &here}};

  SUBCASE("without move: refused, saying what, where and how to go on") {
    RefuseDatastoreForks(moved, fleet, plan);
    CHECK(plan.refused);
    CHECK(plan.refusal ==
          "plan refused on node node-2: postgres datastore shop-db is on node node-1 with its "
          "data, and the repo places it on node node-2: creating it here would start an empty "
          "copy beside it. Keep it on node-1 (placement: {node: node-1}), or move it with move: "
          "{from: node-1} on the database");
  }
  SUBCASE("with move: still refused until moves are built, with the commands to run") {
    moved.datastores[0].move_from = "node-1";
    RefuseDatastoreForks(moved, fleet, plan);
    CHECK(plan.refused);
    CHECK(plan.refusal ==
          "plan refused on node node-2: postgres datastore shop-db moves from node node-1 "
          "(move.from), but dflow does not move data yet: on node-1 run `dokku postgres:export "
          "shop-db > dump`, on node-2 `dokku postgres:create shop-db` and `dokku postgres:import "
          "shop-db < dump`, then apply again");
  }
  SUBCASE("nowhere else: created as usual") {
    fleet.erase("node-1");
    RefuseDatastoreForks(moved, fleet, plan);
    CHECK_FALSE(plan.refused);
  }
  SUBCASE("already on this node: nothing to create, nothing refused") {
    NodePlan converged = PlanNode(moved, ConvergedNode(moved, Options()), Options());
    RefuseDatastoreForks(moved, fleet, converged);
    CHECK_FALSE(converged.refused);
  }
}

}  // namespace dflow::testing
