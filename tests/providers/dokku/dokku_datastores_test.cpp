#include "providers/dokku/dokku_datastores.h"

#include <doctest/doctest.h>

#include "tests/providers/dokku/dokku_fixtures.h"

namespace dflow {
namespace {

const std::vector<std::string> kPostgresList = {"--quiet", "postgres:list"};
const std::vector<std::string> kLinks = {"--quiet", "postgres:info", "db", "--links"};

TEST_CASE("datastore list: the verbatim --quiet sample") {
  Result<std::vector<std::string>> names =
      ParseServiceList(kPostgresList, test::SampleOutput("postgres-list-quiet"));
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"l"});
}

TEST_CASE("datastore list: no services prints nothing on stdout") {
  CHECK(ParseServiceList(kPostgresList, "")->empty());
  CHECK(*ParseServiceList(kPostgresList, "b_db\na-db\n") ==
        std::vector<std::string>{"a-db", "b_db"});
}

TEST_CASE("datastore list: the header of the non-quiet form is an error") {
  CHECK(ParseServiceList(kPostgresList, "=====> Postgres services\nl\n").status().message() ==
        "dokku --quiet postgres:list: line 1: not a service name: =====> Postgres services");
}

TEST_CASE("datastore links: '-' is none, else space-separated apps") {
  CHECK(ParseServiceLinks(kLinks, "-\n")->empty());
  CHECK(*ParseServiceLinks(kLinks, "web-b web-a \n") == std::vector<std::string>{"web-a", "web-b"});
}

TEST_CASE("datastore links: another info value is not mistaken for links") {
  CHECK(ParseServiceLinks(kLinks, "").status().message() ==
        "dokku --quiet postgres:info db --links: no output");
  CHECK(ParseServiceLinks(kLinks, "a\nb\n").status().message() ==
        "dokku --quiet postgres:info db --links: line 2: more than one line of links: b");
  CHECK(ParseServiceLinks(kLinks, "\n").status().message() ==
        "dokku --quiet postgres:info db --links: line 1: empty links line: ");
}

const std::vector<std::string> kExposed = {"--quiet", "postgres:info", "db", "--exposed-ports"};

TEST_CASE("datastore exposed ports: '-' is none, else the host side of the one pair") {
  CHECK(ParseExposedPorts(kExposed, "-\n")->empty());
  CHECK(*ParseExposedPorts(kExposed, "5432->10.0.0.11:23456 \n") == "10.0.0.11:23456");
  CHECK(*ParseExposedPorts(kExposed, "6379->28000 \n") == "28000");
  CHECK(ParseExposedPorts(kExposed, "").status().message() ==
        "dokku --quiet postgres:info db --exposed-ports: no output");
  CHECK(ParseExposedPorts(kExposed, "5432-> \n").status().message() ==
        "dokku --quiet postgres:info db --exposed-ports: line 1: not one <port>-><host port> "
        "pair: 5432-> ");
  CHECK(ParseExposedPorts(kExposed, "web \n").status().message() ==
        "dokku --quiet postgres:info db --exposed-ports: line 1: not one <port>-><host port> "
        "pair: web ");
}

TEST_CASE("datastore engines: postgres and redis") {
  CHECK(DatastoreEngines() == std::vector<std::string>{"postgres", "redis"});
}

}  // namespace
}  // namespace dflow
