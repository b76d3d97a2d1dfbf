#include "providers/dokku/dokku_version.h"

#include <doctest/doctest.h>

namespace dflow {
namespace {

DokkuVersion Parse(const std::string& out) {
  Result<DokkuVersion> version = ParseDokkuVersion(out);
  REQUIRE_MESSAGE(version.ok(), version.status().ToString());
  return *version;
}

TEST_CASE("dokku version: a release prints the bare version") {
  CHECK(Parse("dokku version 0.38.27\n") == DokkuVersion{0, 38, 27});
}

TEST_CASE("dokku version: a source install prints git describe output") {
  CHECK(Parse("dokku version v0.38.27-33-g33896f5d7\n") == DokkuVersion{0, 38, 27});
}

TEST_CASE("dokku version: an epoch prefix is skipped") {
  CHECK(Parse("dokku version 1700000000:0.38.22\n") == DokkuVersion{0, 38, 22});
  CHECK(Parse("dokku version 1:v0.38.23") == DokkuVersion{0, 38, 23});
}

TEST_CASE("dokku version: other output is refused, quoting the first line") {
  Result<DokkuVersion> version = ParseDokkuVersion(" !     Unable to determine dokku's version\n");
  REQUIRE_FALSE(version.ok());
  CHECK(version.status().code() == Code::kFailed);
  CHECK(version.status().message() ==
        "unrecognised `dokku version` output: \" !     Unable to determine dokku's version\"");
  CHECK_FALSE(ParseDokkuVersion("").ok());
  CHECK_FALSE(ParseDokkuVersion("dokku version 0.38\n").ok());
  CHECK_FALSE(ParseDokkuVersion("Dokku version 0.38.27\n").ok());
  CHECK_FALSE(ParseDokkuVersion("dokku version -1.38.27\n").ok());
  CHECK_FALSE(ParseDokkuVersion("dokku version 0.-38.27\n").ok());
  CHECK_FALSE(ParseDokkuVersion("dokku version 0.38.99999999999\n").ok());
  CHECK_FALSE(ParseDokkuVersion("dokku version 0.38.27\nsomething else\n").ok());
}

TEST_CASE("dokku version: numbers compare numerically, not as text") {
  CHECK(DokkuVersion{0, 38, 100} > DokkuVersion{0, 38, 27});
  CHECK(DokkuVersion{0, 100, 0} > DokkuVersion{0, 38, 27});
  CHECK(DokkuVersion{0, 38, 27}.ToString() == "0.38.27");
}

TEST_CASE("dokku version: 0.38.22 and newer pass the gate") {
  CHECK(CheckDokkuVersion({0, 38, 22}).ok());
  CHECK(CheckDokkuVersion({0, 38, 27}).ok());
  CHECK(CheckDokkuVersion({0, 39, 0}).ok());
  CHECK(CheckDokkuVersion({1, 0, 0}).ok());
}

TEST_CASE("dokku version: an older host is refused naming both versions") {
  Status status = CheckDokkuVersion(Parse("dokku version 0.38.21\n"));
  CHECK(status.code() == Code::kNotReady);  // the loop waits for the upgrade
  CHECK(status.message() == "Dokku 0.38.21 is too old: dflow needs Dokku 0.38.22 or newer");
  CHECK(CheckDokkuVersion({0, 37, 99}).message() ==
        "Dokku 0.37.99 is too old: dflow needs Dokku 0.38.22 or newer");
}

}  // namespace
}  // namespace dflow
