// Completing a theme's apply-time config: parsing the datastore plugins' URLs, finding the one
// a link put in an app's config, and filling a template.
#include "providers/dokku/derived_config.h"

#include <doctest/doctest.h>

namespace dflow {
namespace {

TEST_CASE("a datastore URL as dokku-postgres and dokku-redis print it gives its password") {
  auto pg = ParseDatastoreUrl("postgres://postgres:0a1b@dokku-postgres-db:5432/db");
  REQUIRE(pg.has_value());
  CHECK(pg->password == "0a1b");
  CHECK(pg->url == "postgres://postgres:0a1b@dokku-postgres-db:5432/db");
  auto redis = ParseDatastoreUrl("redis://:f00d@dokku-redis-cache:6379");
  REQUIRE(redis.has_value());
  CHECK(redis->password == "f00d");
  CHECK_FALSE(ParseDatastoreUrl("dokku-postgres-db:5432").has_value());
  CHECK_FALSE(ParseDatastoreUrl("postgres://dokku-postgres-db:5432/db").has_value());
  CHECK_FALSE(ParseDatastoreUrl("postgres://user@host/db").has_value());
}

TEST_CASE("the link's URL is found by the service's host, whatever its variable") {
  const std::map<std::string, std::string> config = {
      {"DATABASE_URL", "postgres://postgres:aaa@dokku-postgres-main:5432/main"},
      {"DOKKU_POSTGRES_AQUA_URL", "postgres://postgres:bbb@dokku-postgres-side-db:5432/side_db"},
      {"HOMEPAGE", "https://u:p@dokku-postgres-other"},  // not *_URL
  };
  CHECK(LinkedConnection(config, "postgres", "main")->password == "aaa");
  // '_' and '.' in a service name become '-' in its host (Dokku's rule).
  CHECK(LinkedConnection(config, "postgres", "side_db")->password == "bbb");
  CHECK_FALSE(LinkedConnection(config, "postgres", "other").has_value());
  CHECK_FALSE(LinkedConnection(config, "redis", "main").has_value());
}

TEST_CASE("a DSN read is one URL line, a bad one is refused without quoting it") {
  CHECK(ParseDatastoreDsn("redis://:pw@dokku-redis-c:6379\n")->password == "pw");
  Result<DatastoreConnection> bad = ParseDatastoreDsn("secret-looking output\nline two\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("secret-looking") == std::string::npos);
  CHECK(DatastoreDsnArgv("postgres", "db") ==
        std::vector<std::string>{"--quiet", "postgres:info", "db", "--dsn"});
}

TEST_CASE("a template is completed from held values and connections, or names what is missing") {
  using Kind = ConfigPart::Kind;
  const std::vector<ConfigPart> parts = {{Kind::kText, "postgres://app:", ""},
                                         {Kind::kDatastore, "db", "password"},
                                         {Kind::kText, "@h/", ""},
                                         {Kind::kGenerated, "salt", ""},
                                         {Kind::kSecret, "key", ""}};
  CHECK(NeedsDatastore(parts));
  const std::map<std::string, std::string> values = {{"${generated.salt}", "S"},
                                                     {"${secrets.key}", "K"}};
  std::string missing;
  CHECK_FALSE(CompleteDerivedValue(parts, values, {}, &missing).has_value());
  CHECK(missing == "datastore db");
  const std::map<std::string, DatastoreConnection> connections = {{"db", {"url", "pw"}}};
  CHECK(CompleteDerivedValue(parts, values, connections) == "postgres://app:pw@h/SK");
  CHECK_FALSE(CompleteDerivedValue(parts, {{"${generated.salt}", "S"}}, connections, &missing));
  CHECK(missing == "${secrets.key}");
}

}  // namespace
}  // namespace dflow
