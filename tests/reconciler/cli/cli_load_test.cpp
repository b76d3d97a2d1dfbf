// The commands that work on one node of the config repo find it the same way, and say which
// nodes exist when the name is wrong. Runs the real binary on sample-repo/.
#include "reconciler/cli/cli_load.h"

#include <doctest/doctest.h>

#include <string>

#include "tests/support/process.h"

namespace dflow {
namespace {

const std::string kSampleRepo = std::string(DFLOW_SOURCE_DIR) + "/sample-repo";
const std::string kNoSuchNode = "dflow: no node named 'nosuch' in " + kSampleRepo +
                                " (known: prod-1, prod-2, staging-1); declare it in a Node "
                                "manifest\n";

TEST_CASE("node check of a node the repo does not declare names the nodes it does") {
  test::Captured run =
      test::RunCapture({DFLOW_EXE, "node", "check", "nosuch", "--repo", kSampleRepo}, "");
  CHECK(run.exit_code == 1);
  CHECK(run.err == kNoSuchNode);
  CHECK(run.out.empty());
}

TEST_CASE("observe --node of a node the repo does not declare names the nodes it does") {
  test::Captured run =
      test::RunCapture({DFLOW_EXE, "observe", "--repo", kSampleRepo, "--node", "nosuch"}, "");
  CHECK(run.exit_code == 1);
  CHECK(run.err == kNoSuchNode);
  CHECK(run.out.empty());
}

}  // namespace
}  // namespace dflow
