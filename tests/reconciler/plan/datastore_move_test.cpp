// A datastore placed on a new node while its data is on another: refused, never forked; with
// move: {from} the create is followed by the import of the old copy's data.
#include "reconciler/plan/datastore_move.h"

#include <doctest/doctest.h>

#include "providers/dokku/dokku_commands.h"
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
    moved.datastores[0].where = "applications/shop.yaml:12:30";
    PlanDatastoreMoves(moved, fleet, plan);
    CHECK(plan.refused);
    CHECK(plan.refusal ==
          "plan refused on node node-2: applications/shop.yaml:12:30: postgres datastore shop-db "
          "is on node node-1 with its "
          "data, and the repo places it on node node-2: creating it here would start an empty "
          "copy beside it. Keep it on node-1 (placement: {node: node-1}), or move it with move: "
          "{from: node-1} on the database");
  }
  SUBCASE("with move: created, then the old node's export imported, before any link") {
    moved.datastores[0].move_from = "node-1";
    PlanDatastoreMoves(moved, fleet, plan);
    CHECK_FALSE(plan.refused);
    CHECK(Lines(plan) ==
          "create-datastore shop-db: postgres datastore missing\n"
          "import-datastore shop-db: moves from node node-1 (move.from): its data is copied\n");
    CHECK(plan.actions[1].value == "node-1");
    CHECK(DisplayDokkuCommand(plan.actions[1]) ==
          "dokku postgres:export shop-db (on node node-1) | dokku postgres:import shop-db");
  }
  SUBCASE("with move from a node that could not be observed: refused") {
    moved.datastores[0].move_from = "node-3";
    PlanDatastoreMoves(moved, fleet, plan);
    CHECK(plan.refused);
    CHECK(plan.refusal ==
          "plan refused on node node-2: postgres datastore shop-db moves from node node-3 "
          "(move.from), which could not be observed: whether its data is there cannot be told. "
          "Apply again once node node-3 answers");
  }
  SUBCASE("with move from another node than the one holding it: refused as a fork") {
    moved.datastores[0].move_from = "node-3";
    ObservedNode empty = ConvergedNode(DesiredNode({}, {}), Options());
    fleet["node-3"] = &empty;
    PlanDatastoreMoves(moved, fleet, plan);
    CHECK(plan.refused);
    CHECK(plan.refusal.find("is on node node-1 with its data") != std::string::npos);
  }
  SUBCASE("nowhere else: created as usual") {
    fleet.erase("node-1");
    PlanDatastoreMoves(moved, fleet, plan);
    CHECK_FALSE(plan.refused);
  }
  SUBCASE("already on this node: nothing to create, nothing refused") {
    NodePlan converged = PlanNode(moved, ConvergedNode(moved, Options()), Options());
    PlanDatastoreMoves(moved, fleet, converged);
    CHECK_FALSE(converged.refused);
  }
}

TEST_CASE("the old copy of a moved datastore is kept, even where destroying is allowed") {
  NodeDesiredState old_node = DesiredNode({}, {});
  ObservedNode there = ConvergedNode(DesiredNode({}, {ShopDb()}), Options());
  PlanOptions options = Options();
  options.allow_datastore_destroy = true;
  CHECK(Lines(PlanNode(old_node, there, options)) ==
        "destroy-datastore shop-db: postgres datastore shop-db is no longer in the repo (destroy "
        "allowed)\n");
  options.moved_away[old_node.node.name + "/postgres/shop-db"] = "node-2";
  const NodePlan kept = PlanNode(old_node, there, options);
  CHECK(Lines(kept) == "");
  REQUIRE(kept.notes.size() == 1);
  CHECK(kept.notes[0].message ==
        "postgres datastore shop-db is not in the repo; kept (protected: moved to node node-2 by "
        "move.from; destroy it by hand once the copy there is checked)");
}

}  // namespace dflow::testing
