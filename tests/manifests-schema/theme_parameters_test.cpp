// Typed theme parameters, through the loader: a repo theme with one parameter of each type and
// an Application giving values; a bad value is reported where it is written.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "manifests-schema/desired_state_loader.h"
#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

const char* const kShopTheme = R"(apiVersion: dflow/v1
kind: Theme
metadata: {name: shop, version: 1.0.0}
spec:
  product: {name: shop, defaultVersion: "1.2.0", supported: ">=1.0.0 <2.0.0"}
  parameters:
    - {name: domain, type: domain, required: true}
    - {name: version, type: semver, default: "${product.defaultVersion}"}
    - {name: replicas, type: int, default: 1, min: 1, max: 5}
    - {name: debug, type: bool, default: false}
    - {name: tier, type: enum, enum: [small, large], default: small}
    - {name: contact, type: email, default: ops@example.com}
    - {name: upstream, type: url, default: "https://api.example.com"}
    - {name: maxUpload, type: size, default: 10m}
    - {name: timeout, type: duration, default: 30s}
    - {name: label, type: string, default: shop, envOverridable: false}
    - {name: apiKey, type: secret}
  services:
    - name: web
      source: {image: "registry.example.com/shop:${params.version}"}
      domains: ["${params.domain}"]
      processes: {web: "${params.replicas}"}
      config:
        DEBUG: "${params.debug}"
        TIER: "${params.tier}"
        CONTACT: "${params.contact}"
        UPSTREAM: "${params.upstream}"
        MAX_UPLOAD: "${params.maxUpload}"
        TIMEOUT: "${params.timeout}"
        LABEL: "${params.label}"
        LITERAL: "$${not.a.template}"
      secretConfig:
        API_KEY: "${params.apiKey}"
)";

const char* const kShopInfra = R"(apiVersion: dflow/v1
kind: Node
metadata: {name: n1}
spec: {host: 203.0.113.1}
---
apiVersion: dflow/v1
kind: Environment
metadata: {name: production}
spec: {nodes: [n1]}
---
apiVersion: dflow/v1
kind: Environment
metadata: {name: staging}
spec: {nodes: [n1]}
)";

// app.yaml: the parameter lines start at line 7, column 5; the environments follow.
std::string ShopApp(const std::vector<std::string>& params, const std::string& environments) {
  std::string app =
      "apiVersion: dflow/v1\nkind: Application\nmetadata: {name: shop}\nspec:\n  theme: shop\n"
      "  parameters:\n";
  for (const std::string& p : params) app += "    " + p + "\n";
  return app + "  environments:\n" + environments;
}

LoadResult LoadShop(const std::string& app, const LoadOptions& options = {}) {
  SourceSnapshot snapshot;
  for (auto [path, text] : {std::pair<std::string, std::string>{"app.yaml", app},
                            {"infra.yaml", kShopInfra},
                            {"theme.yaml", kShopTheme}}) {
    snapshot.files.push_back({path, text, text.size(), false});
  }
  return LoadDesiredState(snapshot, options);
}

std::string ShopErrors(const std::vector<std::string>& params,
                       const std::string& environments = "    production: {}\n") {
  return test::DiagnosticsText(LoadShop(ShopApp(params, environments)).diagnostics);
}

TEST_CASE("theme parameters take their defaults and the application's typed values") {
  LoadResult result = LoadShop(ShopApp({"domain: shop.example.com", "replicas: 3", "debug: true",
                                        "tier: large", "version: \"1.4.2\"", "timeout: 5m"},
                                       "    production: {}\n"));
  CHECK(test::DiagnosticsText(result.diagnostics) == "");
  REQUIRE(result.ok());
  const AppSpec& web = result.desired->nodes.at(0).apps.at(0);
  CHECK(web.name == "shop-web-production");
  CHECK(web.source.image == "registry.example.com/shop:1.4.2");
  CHECK(web.domains == std::vector<std::string>{"shop.example.com"});
  CHECK(web.processes == std::map<std::string, int>{{"web", 3}});
  CHECK(web.config == std::map<std::string, std::string>{{"CONTACT", "ops@example.com"},
                                                         {"DEBUG", "true"},
                                                         {"LABEL", "shop"},
                                                         {"LITERAL", "${not.a.template}"},
                                                         {"MAX_UPLOAD", "10m"},
                                                         {"TIER", "large"},
                                                         {"TIMEOUT", "5m"},
                                                         {"UPSTREAM", "https://api.example.com"}});
  // A secret parameter is a secret key like any other: its value is in the secrets file.
  CHECK(web.secret_keys == std::vector<std::string>{"API_KEY"});
  CHECK(web.derived_config.empty());
}

TEST_CASE("environments override envOverridable parameters") {
  LoadResult result =
      LoadShop(ShopApp({"domain: shop.example.com"},
                       "    production: {}\n"
                       "    staging: {parameters: {domain: shop.staging.example.com, "
                       "version: \"1.5.0\"}}\n"));
  CHECK(test::DiagnosticsText(result.diagnostics) == "");
  REQUIRE(result.ok());
  const auto& apps = result.desired->nodes.at(0).apps;
  REQUIRE(apps.size() == 2);
  CHECK(apps[0].name == "shop-web-production");
  CHECK(apps[0].source.image == "registry.example.com/shop:1.2.0");
  CHECK(apps[1].name == "shop-web-staging");
  CHECK(apps[1].domains == std::vector<std::string>{"shop.staging.example.com"});
  CHECK(apps[1].source.image == "registry.example.com/shop:1.5.0");
}

TEST_CASE("a bad parameter value is reported at its own line and column") {
  struct Case {
    std::string line;
    std::string expected;
  } cases[] = {
      {"replicas: 9", "app.yaml:8:15: 'replicas' must be an integer from 1 to 5, got 9\n"},
      {"replicas: two", "app.yaml:8:15: 'replicas' must be an integer from 1 to 5, got a string\n"},
      {"debug: maybe", "app.yaml:8:12: 'debug' must be true or false, got a string\n"},
      {"tier: lage",
       "app.yaml:8:11: parameter 'tier' must be one of small, large, got 'lage' (did you mean "
       "'large'?)\n"},
      {"contact: nobody",
       "app.yaml:8:14: parameter 'contact' must be an e-mail address, got 'nobody'\n"},
      {"upstream: api.example.com",
       "app.yaml:8:15: parameter 'upstream' must be a URL such as https://example.com/x, got "
       "'api.example.com'\n"},
      {"maxUpload: 10 MB",
       "app.yaml:8:16: parameter 'maxUpload' must be a size such as 512k, 64m or 1g, got "
       "'10 MB'\n"},
      {"timeout: soon",
       "app.yaml:8:14: parameter 'timeout' must be a duration such as 500ms, 30s, 5m or 1h, got "
       "'soon'\n"},
      {"version: \"2.0.0\"",
       "app.yaml:8:14: parameter 'version' 2.0.0 is outside the versions the theme supports "
       "(>=1.0.0 <2.0.0) (pick a version in that range, or a theme release that supports it)\n"},
      {"version: latest",
       "app.yaml:8:14: parameter 'version' must be a semantic version such as 1.2.3, got "
       "'latest'\n"},
      {"replica: 2",
       "app.yaml:8:5: unknown parameter 'replica' of theme 'shop' (did you mean 'replicas'?)\n"},
      {"apiKey: hunter2",
       "app.yaml:8:13: secret parameter 'apiKey' cannot have its value in Git (remove it here; "
       "its value comes from the secrets file)\n"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.line);
    CHECK(ShopErrors({"domain: shop.example.com", c.line}) == c.expected);
  }
}

TEST_CASE("a missing required parameter is reported at the theme reference") {
  CHECK(ShopErrors({"tier: small"}) ==
        "app.yaml:5:10: missing required parameter 'domain' of theme 'shop' (add it under "
        "spec.parameters)\n");
}

TEST_CASE("a parameter that is not envOverridable is refused under an environment") {
  CHECK(ShopErrors({"domain: shop.example.com"},
                   "    production:\n      parameters: {label: other}\n") ==
        "app.yaml:10:20: parameter 'label' is the same in every environment (set it under "
        "spec.parameters)\n");
}

TEST_CASE("a secret parameter without a value in the secrets file is the usual secret error") {
  SecretValues secrets;
  LoadOptions options;
  options.secrets = &secrets;
  LoadResult result =
      LoadShop(ShopApp({"domain: shop.example.com"}, "    production: {}\n"), options);
  CHECK(test::DiagnosticsText(result.diagnostics) ==
        "theme.yaml:33:9: no value for secret 'API_KEY' of service 'shop/web' in environment "
        "'production' (add it to the secrets file under 'production')\n");
  secrets["production"]["shop/API_KEY"] = "k";
  CHECK(LoadShop(ShopApp({"domain: shop.example.com"}, "    production: {}\n"), options).ok());
}

TEST_CASE("bad parameter declarations are reported in the theme") {
  std::string theme = R"(apiVersion: dflow/v1
kind: Theme
metadata: {name: bad}
spec:
  product: {supported: ">=1.0.0 <2.0.0", defaultVersion: "3.0.0"}
  parameters:
    - {name: a, type: enum}
    - {name: b, type: int, default: 7, min: 1, max: 5}
    - {name: c, type: string, pattern: "^(a+)+$"}
    - {name: d, type: secret, default: x}
    - {name: e, type: semver, default: "${product.defaultVersion}"}
    - {name: f, type: hostname}
    - {name: g, type: string, min: 1}
  services: [{name: web}]
)";
  SourceSnapshot snapshot;
  snapshot.files.push_back({"theme.yaml", theme, theme.size(), false});
  CHECK(test::DiagnosticsText(LoadDesiredState(snapshot).diagnostics) ==
        "theme.yaml:7:7: enum parameter 'a' lists no values (add 'enum: [a, b]')\n"
        "theme.yaml:8:37: 'b' must be an integer from 1 to 5, got 7\n"
        "theme.yaml:9:40: 'pattern' is not supported (use a typed parameter (domain, email, url, "
        "semver, size, duration) or an enum)\n"
        "theme.yaml:10:40: secret parameter 'd' cannot have a default in Git (its value comes "
        "from the secrets file)\n"
        "theme.yaml:11:40: parameter 'e' 3.0.0 is outside the versions the theme supports "
        "(>=1.0.0 <2.0.0) (pick a version in that range, or a theme release that supports it)\n"
        "theme.yaml:12:23: unknown type 'hostname' (use one of: string, int, bool, enum, domain, "
        "email, url, semver, size, duration, secret)\n"
        "theme.yaml:13:36: 'min' is only for type int (remove it or set 'type: int')\n");
}

}  // namespace
}  // namespace dflow
