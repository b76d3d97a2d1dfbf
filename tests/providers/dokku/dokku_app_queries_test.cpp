#include "providers/dokku/dokku_app_queries.h"

#include <doctest/doctest.h>

#include "tests/providers/dokku/dokku_fixtures.h"

namespace dflow {
namespace {

const std::vector<std::string> kConfig = {"--quiet", "config:export", "--format", "json", "app"};
const std::vector<std::string> kScale = {"--quiet", "ps:scale", "--format", "json", "app"};
const std::vector<std::string> kResource = {"--quiet", "resource:report", "app", "--format",
                                            "json"};

TEST_CASE("config:export json: the verbatim sample") {
  Result<std::map<std::string, std::string>> config =
      ParseConfigExport(kConfig, test::SampleOutput("config-export-json"));
  REQUIRE(config.ok());
  CHECK(*config == std::map<std::string, std::string>{
                       {"BKEY", "true"}, {"aKey", "true"}, {"bKey", "true"}, {"zKey", "true"}});
}

TEST_CASE("config:export json: values with newlines, quotes, $ and non-ASCII come back exactly") {
  Result<std::map<std::string, std::string>> config =
      ParseConfigExport(kConfig, test::JsonFixture("config-export-node-js-app.json"));
  REQUIRE(config.ok());
  CHECK(config->at("GREETING") ==
        "line1\nline2 \"quoted\" 'single' $HOME `tick` caf\xc3\xa9 \xe2\x9c\x93");
  CHECK(config->at("DFLOW_MANAGED") == "production/courses/web");
}

TEST_CASE("config:export json: an empty env is {}") {
  Result<std::map<std::string, std::string>> config = ParseConfigExport(kConfig, "{}\n");
  REQUIRE(config.ok());
  CHECK(config->empty());
}

TEST_CASE("config:export json: errors never quote the output (values are secrets)") {
  std::string secret_json_list = test::SampleOutput("config-export-json-list");
  CHECK(ParseConfigExport(kConfig, secret_json_list).status().message() ==
        "dokku --quiet config:export --format json app: output is not a JSON object");
  CHECK(ParseConfigExport(kConfig, "export PASSWORD='hunter2'\n").status().message() ==
        "dokku --quiet config:export --format json app: output is not JSON");
  CHECK(ParseConfigExport(kConfig, "{\"A\":\"hunter2\"}\n{}\n").status().message() ==
        "dokku --quiet config:export --format json app: more than one line of output");
  CHECK(ParseConfigExport(kConfig, "{\"A\":1}\n").status().message() ==
        "dokku --quiet config:export --format json app: value of \"A\" is not a string");
  CHECK(ParseConfigExport(kConfig, "").status().message() ==
        "dokku --quiet config:export --format json app: no output");
}

TEST_CASE("ps:scale json: the verbatim samples") {
  Result<std::map<std::string, int>> scale =
      ParseScaleJson(kScale, test::SampleOutput("ps-scale-json"));
  REQUIRE(scale.ok());
  CHECK(*scale == std::map<std::string, int>{{"web", 1}});
  Result<std::map<std::string, int>> empty =
      ParseScaleJson(kScale, test::SampleOutput("ps-scale-json-empty"));
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("ps:scale json: malformed lists are errors quoting the line") {
  CHECK(ParseScaleJson(kScale, "[{\"process_type\":\"web\",\"quantity\":\"1\"}]\n")
            .status()
            .message() ==
        "dokku --quiet ps:scale --format json app: line 1: not a process scale list: "
        "[{\"process_type\":\"web\",\"quantity\":\"1\"}]");
  CHECK(ParseScaleJson(kScale,
                       "[{\"process_type\":\"web\",\"quantity\":1},"
                       "{\"process_type\":\"web\",\"quantity\":2}]\n")
            .status()
            .message()
            .find("process type \"web\" twice") != std::string::npos);
  CHECK(ParseScaleJson(kScale, test::SampleOutput("ps-scale-json") + "web:  1\n")
            .status()
            .message() ==
        "dokku --quiet ps:scale --format json app: line 2: unexpected line after the JSON "
        "document: web:  1");
}

TEST_CASE("resource:report json: short keys only, legacy duplicates dropped") {
  Result<std::map<std::string, std::string>> resources =
      ParseResourceReport(kResource, test::JsonFixture("resource-report-node-js-app.json"));
  REQUIRE(resources.ok());
  CHECK(*resources == std::map<std::string, std::string>{{"_default_.limit.memory", "512m"},
                                                         {"web.reserve.cpu", "1"}});
}

TEST_CASE("resource:report json: nothing printed or {} is no limits") {
  CHECK(ParseResourceReport(kResource, "")->empty());
  CHECK(ParseResourceReport(kResource, "{}\n")->empty());
}

TEST_CASE("resource:report json: an unknown key shape is an error") {
  CHECK(ParseResourceReport(kResource, "{\"memory\":\"1g\"}\n").status().message() ==
        "dokku --quiet resource:report app --format json: line 1: unexpected resource key "
        "\"memory\": {\"memory\":\"1g\"}");
}

}  // namespace
}  // namespace dflow
