// Datastore expose/unexpose, info flags, export/import: texts from dokku-postgres 1.48.0 /
// dokku-redis 1.43.0 (common-functions service_port_expose, service_port_unexpose,
// service_info, service_exposed_ports; functions service_export, service_import).
#include <doctest/doctest.h>

#include "tests/simulator/sim_fixture.h"

namespace dflow::test {

TEST_CASE("datastores: expose on IP:PORT shows in info --exposed-ports, unexpose clears it") {
  Sim sim;
  sim.Ok({"postgres:create", "db"});
  CHECK(sim.Run({"postgres:info", "db", "--exposed-ports"}).out == "-\n");
  Captured ex = sim.Run({"postgres:expose", "db", "10.0.0.5:5432"});
  CHECK(ex.exit_code == 0);
  CHECK(ex.out == "-----> Service db exposed on port(s) [container->host]: 5432->10.0.0.5:5432 \n");
  CHECK(sim.Run({"postgres:info", "db", "--exposed-ports"}).out == "5432->10.0.0.5:5432 \n");

  Captured again = sim.Run({"postgres:expose", "db", "10.0.0.5:5433"});
  CHECK(again.exit_code == 1);
  CHECK(again.err == " !     Service db already exposed on port(s) 10.0.0.5:5432\n");

  Captured un = sim.Run({"postgres:unexpose", "db"});
  CHECK(un.exit_code == 0);
  CHECK(un.out == "-----> Service db unexposed\n");
  CHECK(sim.Run({"postgres:info", "db", "--exposed-ports"}).out == "-\n");
  // Unexposing what is not exposed prints the same line (rm -rf of a missing PORT file).
  CHECK(sim.Run({"postgres:unexpose", "db"}).out == "-----> Service db unexposed\n");
}

TEST_CASE("datastores: expose errors") {
  Sim sim;
  sim.Ok({"redis:create", "cache"});
  Captured two = sim.Run({"redis:expose", "cache", "1", "2"});
  CHECK(two.exit_code == 1);
  CHECK(two.err ==
        " !     1 ports to be exposed need to be provided in the following order: 6379\n");
  Captured missing = sim.Run({"redis:expose", "nope", "1"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == " !     Redis service nope does not exist\n");
  Captured none = sim.Run({"redis:unexpose"});
  CHECK(none.err == " !     Please specify a valid name for the service\n");
  // No ports: the plugin picks one; the line still has the container->host pair.
  Captured random = sim.Run({"redis:expose", "cache"});
  CHECK(random.exit_code == 0);
  CHECK(random.out.rfind("-----> Service cache exposed on port(s) [container->host]: 6379->", 0) ==
        0);
}

TEST_CASE("datastores: info flags answer one value each, a wrong one lists the valid ones") {
  Sim sim;
  sim.Ok({"postgres:create", "db"});
  sim.Ok({"apps:create", "web"});
  sim.Ok({"apps:create", "api"});
  sim.Ok({"postgres:link", "db", "web", "--no-restart"});
  sim.Ok({"postgres:link", "db", "api", "--no-restart"});
  CHECK(sim.Run({"postgres:info", "db", "--links"}).out == "web api \n");
  std::string dsn = sim.Run({"postgres:info", "db", "--dsn"}).out;
  CHECK(dsn.rfind("postgres://postgres:", 0) == 0);
  CHECK(dsn.find("@dokku-postgres-db:5432/db\n") != std::string::npos);
  CHECK(sim.Run({"redis:create", "c"}).exit_code == 0);
  std::string rdsn = sim.Run({"redis:info", "c", "--dsn"}).out;
  CHECK(rdsn.rfind("redis://:", 0) == 0);
  CHECK(rdsn.find("@dokku-redis-c:6379\n") != std::string::npos);
  Captured bad = sim.Run({"postgres:info", "db", "--nope"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err ==
        " !     Invalid flag passed, valid flags: --config-dir --config-options --data-dir --dsn "
        "--exposed-ports --id --internal-ip --initial-network --links --post-create-network "
        "--post-start-network --service-root --status --version\n");
}

TEST_CASE("datastores: export prints what import took, byte for byte") {
  Sim sim;
  sim.Ok({"postgres:create", "db"});
  Captured empty = sim.Run({"postgres:export", "db"});
  CHECK(empty.exit_code == 0);
  CHECK(empty.out.empty());
  std::string bytes("PGDMP\0\x01\xff binary\n", 16);
  for (int i = 0; i < 5000; ++i) bytes += static_cast<char>(i * 7);
  Captured imp = sim.Run({"postgres:import", "db"}, bytes);
  CHECK(imp.exit_code == 0);
  CHECK(imp.out.empty());
  CHECK(imp.err.empty());
  Captured out = sim.Run({"postgres:export", "db"});
  CHECK(out.exit_code == 0);
  CHECK(out.out == bytes);
  Captured missing = sim.Run({"postgres:export", "nope"});
  CHECK(missing.err == " !     Postgres service nope does not exist\n");
  // Destroy removes the data with the service: a new one of that name starts empty.
  sim.Ok({"postgres:destroy", "db", "-f"});
  sim.Ok({"postgres:create", "db"});
  CHECK(sim.Run({"postgres:export", "db"}).out.empty());
}

}  // namespace dflow::test
