// One pass means one pass: `dflow apply` followed by `dflow plan --detailed-exitcode` exits 0,
// on simulated Dokku nodes (with the side effects of Dokku's plugin triggers,
// docs/dokku-side-effects.md) behind real sshd.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/fleet_rig.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

// A worker-only service, an image-only service and a service linked to two datastores.
constexpr char kTinyApplication[] = R"(apiVersion: dflow/v1
kind: Application
metadata:
  name: tiny
spec:
  services:
    - name: jobs
      source: {git: https://git.example.com/tiny/jobs.git, ref: v1.0.0}
      processes: {worker: 2}
    - name: api
      source: {image: "registry.example.com/tiny/api:1.0.0"}
    - name: shop
      source: {git: https://git.example.com/tiny/shop.git, ref: main}
      processes: {web: 1, worker: 1}
      databases: [tiny-db, tiny-cache]
  databases:
    - {name: tiny-db, engine: postgres}
    - {name: tiny-cache, engine: redis}
  environments:
    production:
      placement: {nodes: [prod-1]}
)";

// Applies the rig's repo once, then plans it again: the plan must be empty.
void ApplyThenPlan(const test::FleetRig& rig) {
  const std::string repo = rig.repo().path().string();
  const test::Captured apply = rig.Dflow({"apply", repo, "--yes"});
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.out << apply.err);
  const test::Captured plan = rig.Dflow({"plan", repo, "--detailed-exitcode"});
  CHECK_MESSAGE(plan.exit_code == 0, "plan after apply:\n" << plan.out << plan.err);
}

TEST_CASE("the sample repo converges in one apply: the next plan is empty") {
  test::FleetRig rig(test::kSampleRepoNodes);
  rig.repo().CommitAll("sample repo");
  ApplyThenPlan(rig);
}

TEST_CASE("worker-only, image-only and datastore-linked services converge in one apply") {
  test::FleetRig rig(test::kSampleRepoNodes);
  for (const auto& entry : fs::directory_iterator(rig.repo().path() / "applications"))
    fs::remove(entry.path());
  rig.repo().Write("applications/tiny.yaml", kTinyApplication);
  rig.repo().CommitAll("tiny repo");
  ApplyThenPlan(rig);
  // Dokku's web=1 from apps:create was scaled away in that same pass; the others ran.
  const auto formation = [&](const std::string& app) {
    return rig.Dokku("prod-1", {"ps:scale", "--format", "json", app}).out;
  };
  CHECK(formation("tiny-jobs-production") == "[{\"process_type\":\"worker\",\"quantity\":2}]\n");
  CHECK(formation("tiny-api-production") == "[{\"process_type\":\"web\",\"quantity\":1}]\n");
  CHECK(test::ConfigValue(rig, "prod-1", "tiny-shop-production", "DATABASE_URL") != "<unset>");
  CHECK(test::ConfigValue(rig, "prod-1", "tiny-shop-production", "REDIS_URL") != "<unset>");
}

}  // namespace
}  // namespace dflow
