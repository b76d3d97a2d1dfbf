// `dflow badge-token` as a process: the URLs it prints carry the tokens the badge routes check.
#include <doctest/doctest.h>

#include "reconciler/status/badge.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

TEST_CASE("dflow badge-token prints each path with its token from the configured secret") {
  test::ScopedTempDir dir;
  const std::string config = (dir.path() / "dflow.yaml").string();
  test::WriteFile(config, "repo: {url: x}\nbadges: {tokenSecretEnv: TEST_BADGE_SECRET}\n");
  auto printed = test::RunCapture(
      {DFLOW_EXE, "badge-token", "/badge/shop/production.svg", "/badge/shop.json", "-c", config},
      "", {"TEST_BADGE_SECRET=s3cret"});
  CHECK(printed.exit_code == 0);
  CHECK(printed.out ==
        "/badge/shop/production.svg?token=" + BadgeToken("s3cret", "/badge/shop/production.svg") +
            "\n/badge/shop.json?token=" + BadgeToken("s3cret", "/badge/shop.json") + "\n");

  auto not_badge = test::RunCapture({DFLOW_EXE, "badge-token", "/api/v1/status", "-c", config}, "",
                                    {"TEST_BADGE_SECRET=s3cret"});
  CHECK(not_badge.exit_code == 64);
  CHECK(not_badge.err ==
        "dflow: /api/v1/status: not a badge path (write it like /badge/shop/production.svg, no "
        "query)\n");

  auto unset = test::RunCapture({DFLOW_EXE, "badge-token", "/badge/shop.svg", "-c", config}, "",
                                {"TEST_BADGE_SECRET="});
  CHECK(unset.exit_code == 1);
  CHECK(unset.err == "dflow: the badge token secret is empty\n");
}

// The controller reads the same file through the same function: a file saved with CRLF must
// give the tokens the controller checks, not ones made with a trailing "\r".
TEST_CASE("dflow badge-token reads a CRLF secret file as the controller does, and names it") {
  test::ScopedTempDir dir;
  const std::string config = (dir.path() / "dflow.yaml").string();
  const std::string secret = (dir.path() / "badge-secret").string();
  test::WriteFile(config, "repo: {url: x}\nbadges: {tokenSecretFile: \"" + secret + "\"}\n");
  test::WriteFile(secret, "s3cret\r\n");
  auto printed = test::RunCapture({DFLOW_EXE, "badge-token", "/badge/shop.svg", "-c", config}, "");
  CHECK(printed.exit_code == 0);
  CHECK(printed.out == "/badge/shop.svg?token=" + BadgeToken("s3cret", "/badge/shop.svg") + "\n");

  test::WriteFile(secret, "s3cret\nsecond line\n");
  auto two_lines =
      test::RunCapture({DFLOW_EXE, "badge-token", "/badge/shop.svg", "-c", config}, "");
  CHECK(two_lines.exit_code == 1);
  CHECK(two_lines.err == "dflow: badges.tokenSecretFile " + secret +
                             " holds more than one line (a secret is one line, optionally ending "
                             "in a line break)\n");
  CHECK(two_lines.err.find("s3cret") == std::string::npos);
}

}  // namespace
}  // namespace dflow
