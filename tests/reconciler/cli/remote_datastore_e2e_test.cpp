// A datastore used from another node, end to end on the simulated fleet (issue 17's "done
// when"): a service on prod-2 gets DATABASE_URL pointing at prod-1's private address, where
// the datastore is exposed and nowhere else; one `dflow apply` converges and the next plan is
// empty; without the remote consumer the datastore is unexposed again. The URL's password
// shows in no output. Placed on another node, it is refused, or with move: {from} moved there:
// its dump streamed through dflow (200 MiB, in bounded memory), the old copy kept; and moved
// back by the controller (`dflow run`).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "manifests-schema/datastore_placement.h"
#include "reconciler/plan/remote_datastore.h"
#include "tests/support/controller_process.h"
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

fs::path DataFile(test::FleetRig& rig, const std::string& node, const std::string& service) {
  return rig.node(node).state_dir() / "services" / "postgres" / (service + ".data");
}

// The datastore's dump, written straight into the simulator's state (no SSH): 200 MiB of
// pseudo-random bytes (1 MiB under ASan, where memory is not measured). Returns its size.
std::uintmax_t SeedData(const fs::path& path) {
#if defined(__SANITIZE_ADDRESS__)
  constexpr int kMiB = 1;
#else
  constexpr int kMiB = 200;
#endif
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<std::uint64_t> block((1u << 20) / sizeof(std::uint64_t));
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < kMiB; ++i) {
    for (std::uint64_t& word : block) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      word = x;
    }
    out.write(reinterpret_cast<const char*>(block.data()),
              static_cast<std::streamsize>(block.size() * sizeof(std::uint64_t)));
  }
  out.close();
  return fs::file_size(path);
}

bool SameBytes(const fs::path& a, const fs::path& b) {
  std::ifstream left(a, std::ios::binary);
  std::ifstream right(b, std::ios::binary);
  std::vector<char> l(1 << 20);
  std::vector<char> r(1 << 20);
  while (left && right) {
    left.read(l.data(), static_cast<std::streamsize>(l.size()));
    right.read(r.data(), static_cast<std::streamsize>(r.size()));
    if (left.gcount() != right.gcount() ||
        !std::equal(l.begin(), l.begin() + left.gcount(), r.begin()))
      return false;
  }
  return left.eof() && right.eof();
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
  // Where the repo says so: the line of the new placement, as file:line:column.
  const std::size_t placed_at = elsewhere.find("placement: {node: prod-2}}");
  const std::size_t line_start = elsewhere.rfind('\n', placed_at) + 1;
  const std::string where =
      "applications/shop.yaml:" +
      std::to_string(std::count(elsewhere.begin(), elsewhere.begin() + placed_at, '\n') + 1) + ":" +
      std::to_string(placed_at - line_start + 1 + std::string("placement: {node: ").size());
  CHECK(Contains(refused.out, "REFUSED: plan refused on node prod-2: " + where +
                                  ": postgres datastore " + db +
                                  " is on node prod-1 with its data"));
  CHECK(Run(rig, "prod-2", {"--quiet", "postgres:list"}) == "");

  // With move: {from: prod-1} (the services go along): export there, create and import here,
  // then link; the data crosses through dflow in bounded memory, byte for byte.
  std::string moving = kShop;
  for (const char* service : {"web", "report"}) {
    const std::string from = std::string("        ") + service + ": {placement: {nodes: [prod-";
    const std::size_t at = moving.find(from);
    moving.replace(at + from.size(), 1, "2");
  }
  moving.replace(moving.find(placed), placed.size(),
                 "placement: {node: prod-2}, move: {from: prod-1}}");
  WriteRepo(rig, moving);
  const fs::path old_data = DataFile(rig, "prod-1", db);
  const std::uintmax_t size = SeedData(old_data);
  const test::Captured planned = rig.Dflow({"plan", repo});
  INFO(planned.out << planned.err);
  REQUIRE(planned.exit_code == 0);
  const std::size_t import = planned.out.find("$ dokku postgres:export " + db +
                                              " (on node prod-1) | dokku postgres:import " + db);
  const std::size_t create = planned.out.find("$ dokku postgres:create " + db);
  const std::size_t link = planned.out.find("$ dokku postgres:link " + db);
  CHECK(create < import);
  CHECK(import < link);
  CHECK(link != std::string::npos);

  // The export fails: the apply says so, and what state the new copy is in; the old one stays.
  const fs::path faults = rig.node("prod-1").state_dir() / "faults";
  test::WriteFile(faults, "postgres:export 1 export broke\n");
  const test::Captured broken = rig.Dflow({"apply", repo, "--yes"});
  INFO(broken.out << broken.err);
  CHECK(broken.exit_code == 1);
  CHECK(Contains(broken.out, "dokku postgres:export: exit 1: export broke"));
  CHECK(Contains(broken.out,
                 "the copy on node prod-2 holds an incomplete import: destroy it "
                 "there (`dokku postgres:destroy " +
                     db + " -f`)"));
  CHECK(fs::file_size(old_data) == size);
  fs::remove(faults);
  REQUIRE(rig.Dokku("prod-2", {"postgres:destroy", db, "-f"}).exit_code == 0);

  // The import stops reading at once (it fails before reading its stdin) while the export
  // still writes: the apply ends, with the import's own error, and the old copy stays.
  const fs::path import_faults = rig.node("prod-2").state_dir() / "faults";
  test::WriteFile(import_faults, "postgres:import 1 import broke\n");
  const test::Captured cut = rig.Dflow({"apply", repo, "--yes"});
  INFO(cut.out << cut.err);
  CHECK(cut.exit_code == 1);
  CHECK(Contains(cut.out, "import broke"));
  CHECK(fs::file_size(old_data) == size);
  fs::remove(import_faults);
  REQUIRE(rig.Dokku("prod-2", {"postgres:destroy", db, "-f"}).exit_code == 0);

  const test::Captured move = rig.Dflow({"apply", repo, "--yes"});
  INFO(move.out << move.err);
  REQUIRE(move.exit_code == 0);
  CHECK(SameBytes(old_data, DataFile(rig, "prod-2", db)));
  CHECK(fs::file_size(DataFile(rig, "prod-2", db)) == size);
  const std::string links = Run(rig, "prod-2", {"postgres:links", db});  // linked in parallel
  CHECK((links == "shop-web-production\nshop-report-production\n" ||
         links == "shop-report-production\nshop-web-production\n"));
  CHECK(Run(rig, "prod-1", {"--quiet", "postgres:list"}) == db + "\n");  // the old copy stays
  const test::Captured after = rig.Dflow({"plan", repo, "--detailed-exitcode"});
  CHECK_MESSAGE(after.exit_code == 0, after.out << after.err);
  CHECK(Contains(after.out, "kept (protected: moved to node prod-2 by move.from"));
  // Neither copy's password shows.
  std::string new_dsn = Run(rig, "prod-2", {"postgres:info", db, "--dsn"});
  const std::string new_password = new_dsn.substr(new_dsn.find("postgres:", 11) + 9, 32);
  for (const test::Captured* c : {&planned, &broken, &cut, &move, &after}) {
    for (const std::string& secret : {password, new_password}) {
      CHECK_FALSE(Contains(c->out, secret));
      CHECK_FALSE(Contains(c->err, secret));
    }
  }
  // The controller moves it back the same way, once the old copy is gone (destroyed by hand,
  // as the docs say, after its links).
  for (const char* app : {"shop-web-production", "shop-report-production"})
    REQUIRE(rig.Dokku("prod-1", {"postgres:unlink", db, app}).exit_code == 0);
  REQUIRE(rig.Dokku("prod-1", {"postgres:destroy", db, "-f"}).exit_code == 0);
  std::string back = kShop;
  back.replace(back.find(placed), placed.size(),
               "placement: {node: prod-1}, move: {from: prod-2}}");
  WriteRepo(rig, back);
  {
    test::ControllerProcess controller(rig.ControllerOptions());
    controller.Start();
    const bool moved_back = test::ControllerProcess::WaitFor([&] {
      return Run(rig, "prod-1", {"postgres:links", db}).find("shop-web-production") !=
             std::string::npos;
    });
    INFO(controller.Log());
    REQUIRE(moved_back);
    CHECK(SameBytes(DataFile(rig, "prod-2", db), DataFile(rig, "prod-1", db)));
    CHECK(Run(rig, "prod-2", {"--quiet", "postgres:list"}) == db + "\n");  // kept there
    CHECK_FALSE(Contains(controller.Log(), password));
    CHECK_FALSE(Contains(controller.Log(), new_password));
  }

  // Bounded memory: the apply that streamed the dump peaks near the plan before it. Only
  // meaningful in a release build (the sanitizers' shadow and quarantine grow with traffic).
#if defined(__SANITIZE_ADDRESS__)
  MESSAGE(
      "ASan build: the move is checked with a small dump; the 200 MiB memory bound is "
      "checked in the release build only");
#else
  MESSAGE("peak RSS: plan ", planned.max_rss_kb, " kB, apply moving ", size >> 20, " MiB ",
          move.max_rss_kb, " kB");
  CHECK(planned.max_rss_kb > 0);
  CHECK(move.max_rss_kb - planned.max_rss_kb < 32 * 1024);
#endif
}

}  // namespace
}  // namespace dflow::remote_datastore_e2e_test
