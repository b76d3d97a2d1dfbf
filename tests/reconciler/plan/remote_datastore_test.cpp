// A datastore used from another node: its node's expose steps, the URL rewrite, the
// consuming app's secret and the wait while the datastore does not exist yet.
#include "reconciler/plan/remote_datastore.h"

#include <doctest/doctest.h>

#include "manifests-schema/base/digest.h"
#include "tests/reconciler/plan/plan_fixture.h"

namespace dflow::testing {
namespace {

DatastoreSpec ExposedDb() {
  DatastoreSpec db = ShopDb();
  db.expose_host = "10.0.0.1";
  db.expose_port = 23456;
  return db;
}

AppSpec RemoteConsumer() {
  AppSpec app = Service("report");
  app.secret_keys = {"DATABASE_URL"};
  app.remote_datastores = {{"shop-db", "postgres", "node-1", "10.0.0.1", 23456, "DATABASE_URL"}};
  return app;
}

}  // namespace

TEST_CASE("remote datastore URL: host and port replaced, credentials and path kept") {
  CHECK(RemoteDatastoreUrl("postgres://postgres:pw@dokku-postgres-db:5432/db", "10.0.0.1", 2) ==
        "postgres://postgres:pw@10.0.0.1:2/db");
  CHECK(RemoteDatastoreUrl("redis://:p@ss@dokku-redis-c:6379", "10.0.0.1", 20001) ==
        "redis://:p@ss@10.0.0.1:20001");
  CHECK(RemoteDatastoreUrl("postgres://dokku-postgres-db:5432/db?sslmode=disable", "h", 1) ==
        "postgres://h:1/db?sslmode=disable");
  CHECK_FALSE(RemoteDatastoreUrl("not a url", "h", 1));
  CHECK_FALSE(RemoteDatastoreUrl("postgres:///db", "h", 1));
}

TEST_CASE("a datastore used from another node is exposed on its private address only") {
  NodeDesiredState desired = DesiredNode({}, {ExposedDb()});
  ObservedNode observed = ConvergedNode(DesiredNode({}, {ShopDb()}), Options());
  NodePlan plan = PlanNode(desired, observed, Options());
  CHECK(Lines(plan) ==
        "expose-datastore shop-db: apps on other nodes use postgres datastore shop-db\n");
  REQUIRE(plan.actions.size() == 1);
  CHECK(plan.actions[0].value == "10.0.0.1:23456");
  CHECK(plan.actions[0].engine == "postgres");

  SUBCASE("a missing datastore is created, then exposed") {
    ObservedNode empty = ConvergedNode(DesiredNode({}, {}), Options());
    CHECK(Lines(PlanNode(desired, empty, Options())) ==
          "create-datastore shop-db: postgres datastore missing\n"
          "expose-datastore shop-db: apps on other nodes use postgres datastore shop-db\n");
  }
  SUBCASE("converged: nothing to do") {
    CHECK(Lines(PlanNode(desired, ConvergedNode(desired, Options()), Options())) == "");
  }
  SUBCASE("exposed elsewhere: unexposed, then exposed again") {
    ObservedNode elsewhere = ConvergedNode(desired, Options());
    elsewhere.datastores[0].exposed = "0.0.0.0:5432";
    CHECK(Lines(PlanNode(desired, elsewhere, Options())) ==
          "unexpose-datastore shop-db: postgres datastore shop-db exposed on 0.0.0.0:5432 "
          "instead of 10.0.0.1:23456\n"
          "expose-datastore shop-db: apps on other nodes use postgres datastore shop-db\n");
  }
  SUBCASE("no remote consumer left: unexposed") {
    NodeDesiredState local = DesiredNode({}, {ShopDb()});
    CHECK(Lines(PlanNode(local, ConvergedNode(desired, Options()), Options())) ==
          "unexpose-datastore shop-db: no app on another node uses postgres datastore shop-db "
          "(exposed on 10.0.0.1:23456)\n");
  }
  SUBCASE("unreadable datastore: left alone") {
    observed.datastores[0].read_error = "postgres:info failed";
    CHECK(Lines(PlanNode(desired, observed, Options())) == "");
  }
}

TEST_CASE("the consumer waits for the datastore's URL, then gets it as a hashed secret") {
  DesiredState fleet;
  fleet.nodes.push_back(DesiredNode({}, {ExposedDb()}));
  NodeDesiredState consumer = DesiredNode({RemoteConsumer()}, {});
  consumer.node.name = "node-2";
  fleet.nodes.push_back(consumer);

  PlanOptions options = Options();
  CHECK(AddRemoteDatastoreSecrets(fleet, {}, options.secrets) == 1);
  NodePlan waiting = PlanNode(consumer, ConvergedNode(DesiredNode({}, {}), options), options);
  CHECK(Lines(waiting) == "");
  CHECK(NoteLines(waiting) ==
        "blocked shop-report: waits for postgres datastore shop-db on node node-1 (its URL for "
        "DATABASE_URL is read there once it exists); app not planned\n");

  const std::string dsn = "postgres://postgres:canary-pw@dokku-postgres-shop-db:5432/shop-db";
  CHECK(AddRemoteDatastoreSecrets(fleet, {{"node-1/shop-db", dsn}}, options.secrets) == 0);
  CHECK(options.secrets["shop-report"]["DATABASE_URL"] ==
        "postgres://postgres:canary-pw@10.0.0.1:23456/shop-db");
  NodePlan plan = PlanNode(consumer, ConvergedNode(DesiredNode({}, {}), options), options);
  REQUIRE(plan.actions.size() >= 2);
  CHECK(plan.actions[0].kind == ActionKind::kCreateApp);
  CHECK(plan.actions[1].kind == ActionKind::kSetConfig);
  bool found = false;
  for (const ConfigEntry& e : plan.actions[1].config) {
    if (e.key != "DATABASE_URL") continue;
    found = true;
    CHECK(e.secret);
    CHECK(e.value.empty());
    CHECK(e.value_sha256 == Sha256Hex(options.secrets["shop-report"]["DATABASE_URL"]));
  }
  CHECK(found);
  CHECK(Lines(PlanNode(consumer, ConvergedNode(consumer, options), options)) == "");
}

TEST_CASE("a datastore no longer desired here is unexposed when dflow exposed it, and kept") {
  NodeDesiredState desired = DesiredNode({}, {});
  desired.node.private_host = "10.0.0.1";
  ObservedNode observed = ConvergedNode(DesiredNode({}, {ExposedDb()}), Options());
  REQUIRE(observed.datastores.size() == 1);
  observed.datastores[0].exposed = "10.0.0.1:23456";
  CHECK(Lines(PlanNode(desired, observed, Options())) ==
        "unexpose-datastore shop-db: postgres datastore shop-db is no longer in the repo here "
        "(exposed on 10.0.0.1:23456); it is kept, not exposed\n");

  SUBCASE("exposed on another address (not by dflow): left alone") {
    observed.datastores[0].exposed = "0.0.0.0:5432";
    CHECK(Lines(PlanNode(desired, observed, Options())) == "");
  }
  SUBCASE("not exposed: nothing to do") {
    observed.datastores[0].exposed = "";
    CHECK(Lines(PlanNode(desired, observed, Options())) == "");
  }
}

}  // namespace dflow::testing
