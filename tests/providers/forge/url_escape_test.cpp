#include <doctest/doctest.h>

#include <string>

#include "providers/forge/http_call.h"

namespace dflow {
namespace {

TEST_CASE("UrlEscape leaves only unreserved bytes as they are, so a value cannot add a parameter") {
  CHECK(UrlEscape("shop-web_1.2~x") == "shop-web_1.2~x");
  CHECK(UrlEscape("a b&env=prod#x") == "a%20b%26env%3Dprod%23x");
  CHECK(UrlEscape("../api/v1/pins?x=1") == "..%2Fapi%2Fv1%2Fpins%3Fx%3D1");
  CHECK(UrlEscape("caf\xc3\xa9") == "caf%C3%A9");
  CHECK(UrlEscape(std::string("a\0b", 3)) == "a%00b");
  CHECK(UrlEscape("") == "");
}

}  // namespace
}  // namespace dflow
