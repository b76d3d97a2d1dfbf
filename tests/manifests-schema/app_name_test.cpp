#include "manifests-schema/app_name.h"

#include <doctest/doctest.h>

#include "manifests-schema/diagnostic.h"

namespace dflow {
namespace {

TEST_CASE("Dokku app and datastore names are application-service-environment") {
  CHECK(DokkuAppName("course-management", "web", "production") ==
        "course-management-web-production");
  CHECK(DatastoreServiceName("course-management", "courses-db", "staging") ==
        "course-management-courses-db-staging");
}

TEST_CASE("the mapping is not injective, which is why validation checks collisions") {
  CHECK(DokkuAppName("a-b", "c", "prod") == DokkuAppName("a", "b-c", "prod"));
}

TEST_CASE("manifest names are DNS labels") {
  CHECK(IsValidManifestName("web"));
  CHECK(IsValidManifestName("prod-1"));
  CHECK(IsValidManifestName(std::string(63, 'a')));
  CHECK_FALSE(IsValidManifestName(std::string(64, 'a')));
  CHECK_FALSE(IsValidManifestName(""));
  CHECK_FALSE(IsValidManifestName("-web"));
  CHECK_FALSE(IsValidManifestName("web-"));
  CHECK_FALSE(IsValidManifestName("Web"));
  CHECK_FALSE(IsValidManifestName("my_app"));
  CHECK_FALSE(IsValidManifestName("api.v2"));
}

TEST_CASE("Dokku names follow Dokku's rule without dots, at most 63 bytes") {
  CHECK(IsValidDokkuName("shop-web-production"));
  CHECK_FALSE(IsValidDokkuName("example.com"));  // Dokku would use it as the hostname
  CHECK_FALSE(IsValidDokkuName("Shop"));
  CHECK_FALSE(IsValidDokkuName("-x"));
  CHECK_FALSE(IsValidDokkuName("a; rm -rf /"));
  CHECK_FALSE(IsValidDokkuName(std::string(64, 'a')));
}

TEST_CASE("Diagnostic::ToString gives file:line:column: message (hint)") {
  Diagnostic d{"apps/x.yaml", 12, 5, "unknown field 'procesess'", "did you mean 'processes'?"};
  CHECK(d.ToString() == "apps/x.yaml:12:5: unknown field 'procesess' (did you mean 'processes'?)");
  d.hint.clear();
  d.column = 0;
  CHECK(d.ToString() == "apps/x.yaml:12: unknown field 'procesess'");
  d.line = 0;
  d.severity = Diagnostic::Severity::kWarning;
  CHECK(d.ToString() == "apps/x.yaml: warning: unknown field 'procesess'");
  Diagnostic whole{"", 0, 0, "no dflow manifests found in x/", ""};
  CHECK(whole.ToString() == "no dflow manifests found in x/");
}

}  // namespace
}  // namespace dflow
