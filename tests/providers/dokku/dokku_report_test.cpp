#include "providers/dokku/dokku_report.h"

#include <doctest/doctest.h>

#include "tests/providers/dokku/dokku_fixtures.h"

namespace dflow {
namespace {

const std::vector<std::string> kPsReport = {"--quiet", "ps:report", "--format", "json"};

TEST_CASE("apps:list json: the sample gives the names in order") {
  Result<std::vector<std::string>> names =
      ParseAppList(test::kAppListArgv, test::SampleOutput("apps-list-json"));
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"node-js-app", "python-app"});
}

TEST_CASE("apps:list json: [] is no apps, empty output is an error") {
  Result<std::vector<std::string>> none = ParseAppList(test::kAppListArgv, "[]\n");
  REQUIRE(none.ok());
  CHECK(none->empty());
  Result<std::vector<std::string>> empty = ParseAppList(test::kAppListArgv, "");
  CHECK(empty.status().message() == "dokku --quiet apps:list --format json: no output");
}

TEST_CASE("apps:list json: the text form is refused, quoting the line") {
  Result<std::vector<std::string>> names =
      ParseAppList(test::kAppListArgv, test::SampleOutput("apps-list-quiet"));
  CHECK(names.status().code() == Code::kFailed);
  CHECK(names.status().message() ==
        "dokku --quiet apps:list --format json: line 2: unexpected line after the JSON "
        "document: python-app");
  CHECK(ParseAppList(test::kAppListArgv, "node-js-app\n").status().message() ==
        "dokku --quiet apps:list --format json: line 1: not JSON: node-js-app");
  CHECK(ParseAppList(test::kAppListArgv, "[\"a\", 3]\n").status().message() ==
        "dokku --quiet apps:list --format json: line 1: app name is not a non-empty string: "
        "[\"a\", 3]");
}

TEST_CASE("report lines: one object per line, values kept as strings") {
  Result<std::vector<ReportObject>> objects =
      ParseReportLines(kPsReport, test::JsonFixture("ps-report.jsonl"));
  REQUIRE(objects.ok());
  REQUIRE(objects->size() == 2);
  CHECK((*objects)[0].at("deployed") == "true");
  CHECK((*objects)[0].at("processes") == "3");
  CHECK((*objects)[1].at("running") == "false");
}

TEST_CASE("report lines: empty output is zero reports") {
  Result<std::vector<ReportObject>> objects = ParseReportLines(kPsReport, "");
  REQUIRE(objects.ok());
  CHECK(objects->empty());
}

TEST_CASE("report lines: the docker-options arrays are skipped, other non-strings refused") {
  Result<std::vector<ReportObject>> objects =
      ParseReportLines(kPsReport, "{\"build\":\"--a\",\"build-list\":[\"--a\"]}\n");
  REQUIRE(objects.ok());
  CHECK((*objects)[0] == ReportObject{{"build", "--a"}});
  CHECK(ParseReportLines(kPsReport, "{\"processes\":3}\n").status().message() ==
        "dokku --quiet ps:report --format json: line 1: value of \"processes\" is not a "
        "string: {\"processes\":3}");
}

TEST_CASE("report lines: a text report, a blank line or a non-object is an error") {
  std::string text = test::SampleOutput("ports-report");
  CHECK(ParseReportLines(kPsReport, text).status().message() ==
        "dokku --quiet ps:report --format json: line 1: not JSON: =====> node-js-app ports "
        "information");
  CHECK(ParseReportLines(kPsReport, "{}\n\n{}\n").status().message() ==
        "dokku --quiet ps:report --format json: line 2: blank line in a report: ");
  CHECK(ParseReportLines(kPsReport, "{}\n[]\n").status().message() ==
        "dokku --quiet ps:report --format json: line 2: not a JSON object: []");
}

TEST_CASE("report lines: a quoted line is cut at 200 bytes") {
  std::string long_line(500, 'x');
  std::string message = ParseReportLines(kPsReport, long_line + "\n").status().message();
  CHECK(message ==
        "dokku --quiet ps:report --format json: line 1: not JSON: " + std::string(200, 'x'));
}

TEST_CASE("exit codes: 0 is fine, 20 is a missing app, others quote stderr") {
  CHECK(CheckExit(kPsReport, {0, "", ""}).ok());
  std::vector<std::string> exists = {"--quiet", "apps:exists", "node-js-app"};
  Status missing = CheckExit(exists, {20, "", test::SampleOutput("apps-exists-missing")});
  CHECK(missing.code() == Code::kNotFound);
  CHECK(missing.message() == "dokku --quiet apps:exists node-js-app: app does not exist");
  Status failed =
      CheckExit({"config:set", "app"}, {1, "", test::SampleOutput("config-set-no-pairs-error")});
  CHECK(failed.code() == Code::kFailed);
  CHECK(failed.message() ==
        "dokku config:set app: exit 1:  !     At least one env pair must be given");
  CHECK(CheckExit({"x"}, {3, "", ""}).message() == "dokku x: exit 3: no output");
}

TEST_CASE("report keys: only the named key is read, its absence is an error") {
  ReportObject legacy_only = {{"ps-restart-policy", "always"}};
  CHECK(RequireKey(kPsReport, legacy_only, "restart-policy").status().message() ==
        "dokku --quiet ps:report --format json: key \"restart-policy\" missing");
  CHECK(*RequireKey(kPsReport, {{"restart-policy", "no"}}, "restart-policy") == "no");
}

TEST_CASE("report values: booleans and integers are strict") {
  CHECK(*ParseBoolValue(kPsReport, "deployed", "true"));
  CHECK_FALSE(*ParseBoolValue(kPsReport, "deployed", "false"));
  CHECK(ParseBoolValue(kPsReport, "deployed", "yes").status().message() ==
        "dokku --quiet ps:report --format json: key \"deployed\": not true/false: \"yes\"");
  CHECK(*ParseIntValue(kPsReport, "processes", "-1") == -1);
  CHECK(*ParseIntValue(kPsReport, "processes", "12") == 12);
  CHECK(ParseIntValue(kPsReport, "processes", "12a").status().message() ==
        "dokku --quiet ps:report --format json: key \"processes\": not an integer: \"12a\"");
  CHECK_FALSE(ParseIntValue(kPsReport, "processes", "").ok());
}

TEST_CASE("split helpers: lines and words") {
  CHECK(SplitLines("a\nb\n") == std::vector<std::string>{"a", "b"});
  CHECK(SplitLines("a\n\nb") == std::vector<std::string>{"a", "", "b"});
  CHECK(SplitLines("").empty());
  CHECK(SplitWords("  a  b ") == std::vector<std::string>{"a", "b"});
  CHECK(SplitWords("a,,b", ",") == std::vector<std::string>{"a", "b"});
}

}  // namespace
}  // namespace dflow
