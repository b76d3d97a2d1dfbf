// A datastore used from another node, end to end on the simulated fleet (issue 17's "done
// when"): a service on prod-2 gets DATABASE_URL pointing at prod-1's private address, where
// the datastore is exposed and nowhere else; one `dflow apply` converges and the next plan is
// empty; without the remote consumer the datastore is unexposed again. The URL's password
// shows in no output.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "manifests-schema/datastore_placement.h"
#include "reconciler/plan/remote_datastore.h"
#include "tests/support/fleet_rig.h"
#include "tests/support/process.h"

// Named, because the folder's tests are compiled as one unity file.
namespace dflow::remote_datastore_e2e_test {
namespace {

namespace fs = std::filesystem;

constexpr char kEnvironment[] = R"(apiVersion: dflow/v1
kind: Environment
metadata: {name: production}
spec: {nodes: [prod-1, prod-2]}
)";

constexpr char kShop[] = R"(apiVersion: dflow/v1
kind: Application
metadata: {name: shop}
spec:
  services:
    - name: web
      source: {image: "registry.example.com/shop/web:1.0"}
      databases: [db]
    - name: report
      source: {image: "registry.example.com/shop/report:1.0"}
      databases: [db]
  databases:
    - {name: db, engine: postgres, placement: {node: prod-1}}
  environments:
    production:
      services:
        web: {placement: {nodes: [prod-1]}}
        report: {placement: {nodes: [prod-2]}}
)";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The sample repo's nodes file only: the rest is this test's small application.
void WriteRepo(test::FleetRig& rig, const std::string& shop) {
  for (const char* dir : {"applications", "environments", "edges"})
    fs::remove_all(rig.repo().path() / dir);
  rig.repo().Write("environments/production.yaml", kEnvironment);
  rig.repo().Write("applications/shop.yaml", shop);
  rig.repo().CommitAll("shop");
}

std::string Run(const test::FleetRig& rig, const std::string& node,
                const std::vector<std::string>& args) {
  test::Captured c = rig.Dokku(node, args);
  return c.exit_code == 0 ? c.out : "<exit " + std::to_string(c.exit_code) + ">" + c.err;
}

TEST_CASE("remote datastore: exposed on its node's private address, its URL set on the other") {
  test::FleetRig rig({"prod-1", "prod-2"});
  WriteRepo(rig, kShop);
  const std::string repo = rig.repo().path().string();
  const std::string db = "shop-db-production";
  const std::string address =
      rig.PrivateHost("prod-1") + ":" + std::to_string(PreferredExposePort(db));

  const test::Captured apply = rig.Dflow({"apply", repo, "--yes"});
  INFO(apply.out << apply.err);
  REQUIRE(apply.exit_code == 0);
  CHECK(Contains(apply.out, "expose-datastore"));
  CHECK(Contains(apply.out, "planning their apps again"));
  const test::Captured plan = rig.Dflow({"plan", repo, "--detailed-exitcode"});
  CHECK_MESSAGE(plan.exit_code == 0, plan.out << plan.err);

  // prod-1: exposed on its private address only; its own service keeps the plugin's link.
  CHECK(Run(rig, "prod-1", {"postgres:info", db, "--exposed-ports"}) == "5432->" + address + " \n");
  CHECK(Run(rig, "prod-1", {"postgres:links", db}) == "shop-web-production\n");
  // prod-2: the URL of prod-1's datastore, pointing at that address; no datastore there.
  std::string dsn = Run(rig, "prod-1", {"postgres:info", db, "--dsn"});
  REQUIRE(!dsn.empty());
  dsn.pop_back();
  const std::string password = dsn.substr(dsn.find("postgres:", 11) + 9, 32);
  REQUIRE(password.size() == 32);
  CHECK(Run(rig, "prod-2", {"config:get", "shop-report-production", "DATABASE_URL"}) ==
        *RemoteDatastoreUrl(dsn, rig.PrivateHost("prod-1"), PreferredExposePort(db)) + "\n");
  CHECK(Run(rig, "prod-2", {"--quiet", "postgres:list"}) == "");
  for (const test::Captured* c : {&apply, &plan}) {
    CHECK_FALSE(Contains(c->out, password));
    CHECK_FALSE(Contains(c->err, password));
  }

  // No consumer on another node left: unexposed, and again one apply converges.
  std::string local = kShop;
  const std::string report = "        report: {placement: {nodes: [prod-2]}}\n";
  local.replace(local.find(report), report.size(),
                "        report: {placement: {nodes: [prod-1]}}\n");
  WriteRepo(rig, local);
  const test::Captured moved = rig.Dflow({"apply", repo, "--yes"});
  INFO(moved.out << moved.err);
  REQUIRE(moved.exit_code == 0);
  CHECK(Contains(moved.out, "unexpose-datastore"));
  CHECK(Run(rig, "prod-1", {"postgres:info", db, "--exposed-ports"}) == "-\n");
  CHECK(Run(rig, "prod-1", {"postgres:links", db}) ==
        "shop-web-production\nshop-report-production\n");
  CHECK(rig.Dflow({"plan", repo, "--detailed-exitcode"}).exit_code == 0);
  CHECK_FALSE(Contains(moved.out, password));

  // The datastore placed on prod-2 while its data is on prod-1: refused, nothing forked.
  std::string elsewhere = local;
  const std::string placed = "placement: {node: prod-1}}";
  elsewhere.replace(elsewhere.find(placed), placed.size(), "placement: {node: prod-2}}");
  WriteRepo(rig, elsewhere);
  const test::Captured refused = rig.Dflow({"apply", repo, "--yes"});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(Contains(refused.out, "REFUSED: plan refused on node prod-2: postgres datastore " + db +
                                  " is on node prod-1 with its data"));
  CHECK(Run(rig, "prod-2", {"--quiet", "postgres:list"}) == "");
}

}  // namespace
}  // namespace dflow::remote_datastore_e2e_test
