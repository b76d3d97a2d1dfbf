#include "providers/dokku/dokku_plugins.h"

#include <doctest/doctest.h>

#include "tests/providers/dokku/dokku_fixtures.h"

namespace dflow {
namespace {

const std::vector<std::string> kPluginList = {"--quiet", "plugin:list", "--format", "json"};

TEST_CASE("plugin:list json: names, versions and enabled flags, sorted") {
  Result<std::vector<ObservedPlugin>> plugins =
      ParsePluginList(kPluginList, test::JsonFixture("plugin-list.json"));
  REQUIRE(plugins.ok());
  REQUIRE(plugins->size() == 5);
  CHECK((*plugins)[2].name == "postgres");
  CHECK((*plugins)[2].version == "1.48.0");
  CHECK((*plugins)[2].enabled);
  CHECK(FindEnabledPlugin(*plugins, "postgres") == &(*plugins)[2]);
  CHECK(FindEnabledPlugin(*plugins, "redis") == nullptr);  // installed but disabled
  CHECK(FindEnabledPlugin(*plugins, "letsencrypt") == nullptr);
}

TEST_CASE("plugin:list json: the text listing is refused, quoting its first line") {
  std::string text =
      "plugn: dev\n  apps                 0.38.27 enabled    dokku core apps plugin\n";
  CHECK(ParsePluginList(kPluginList, text).status().message() ==
        "dokku --quiet plugin:list --format json: line 2: unexpected line after the JSON "
        "document:   apps                 0.38.27 enabled    dokku core apps plugin");
  CHECK(
      ParsePluginList(kPluginList, "[{\"name\":\"apps\",\"enabled\":\"true\",\"version\":\"1\"}]\n")
          .status()
          .message() ==
      "dokku --quiet plugin:list --format json: line 1: not a plugin list: "
      "[{\"name\":\"apps\",\"enabled\":\"true\",\"version\":\"1\"}]");
}

}  // namespace
}  // namespace dflow
