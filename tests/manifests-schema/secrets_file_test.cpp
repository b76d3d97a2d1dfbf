#include "manifests-schema/secrets_file.h"

#include <doctest/doctest.h>

#include <cstring>

#include "manifests-schema/desired_state_loader.h"
#include "tests/manifests-schema/fixture_source.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

const char* kApp = R"(apiVersion: dflow/v1
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
kind: Application
metadata: {name: shop}
spec:
  services:
    - name: web
      source: {image: "nginx:1.27"}
      secrets: [API_TOKEN, SMTP_PASSWORD]
  environments: {production: {}}
)";

SourceSnapshot Repo() {
  SourceSnapshot snapshot;
  snapshot.files.push_back({"shop.yaml", kApp, std::strlen(kApp), false});
  return snapshot;
}

TEST_CASE("the secrets file flattens environment, application and service levels") {
  test::ScopedTempDir dir;
  test::WriteFile(dir.path() / "secrets.yaml", R"(production:
  SMTP_PASSWORD: env-wide
  API_TOKEN: env-token
  shop:
    API_TOKEN: app-token
    web:
      API_TOKEN: service-token
staging:
)");
  Result<SecretValues> secrets = LoadSecretsFile((dir.path() / "secrets.yaml").string());
  REQUIRE(secrets.ok());
  CHECK(secrets->at("production").at("shop/web/API_TOKEN") == "service-token");
  CHECK(*ResolveSecretValue(*secrets, "production", "shop", "web", "API_TOKEN") == "service-token");
  CHECK(*ResolveSecretValue(*secrets, "production", "shop", "worker", "API_TOKEN") == "app-token");
  CHECK(*ResolveSecretValue(*secrets, "production", "blog", "web", "API_TOKEN") == "env-token");
  CHECK(ResolveSecretValue(*secrets, "staging", "shop", "web", "API_TOKEN") == nullptr);
  CHECK(ResolveSecretValue(*secrets, "qa", "shop", "web", "API_TOKEN") == nullptr);
}

TEST_CASE("secrets file errors point at the key and never show a value") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "s.yaml").string();
  // g++ 12 warns wrongly (-Wrestrict) on `path + "literal"`; append instead.
  auto at = [&](const char* rest) { return std::string(path).append(rest); };
  test::WriteFile(path, "production:\n  BAD-KEY: hunter2\n");
  Result<SecretValues> bad = LoadSecretsFile(path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == at(":2:3: invalid secret key 'BAD-KEY'"));
  CHECK(bad.status().code() == Code::kInvalidArgument);

  test::WriteFile(path, "production:\n  TOKEN: [hunter2]\n");
  CHECK(LoadSecretsFile(path).status().message() ==
        at(":2:3: the value of 'TOKEN' must be a string"));

  test::WriteFile(path, "production:\n  TOKEN: a\n  TOKEN: hunter2\n");
  CHECK(LoadSecretsFile(path).status().message() ==
        at(":3:3: duplicate key 'TOKEN' (it is already set at line 2; keep one)"));

  CHECK(LoadSecretsFile(at(".missing")).status().message() ==
        at(".missing: cannot open secrets file"));
}

TEST_CASE("with secrets given, a missing value names env, service and key but no value") {
  SecretValues secrets = {{"production", {{"API_TOKEN", "s3cr3t-value"}}}};
  LoadOptions options;
  options.secrets = &secrets;
  LoadResult result = LoadDesiredState(Repo(), options);
  CHECK_FALSE(result.ok());
  std::string text = test::DiagnosticsText(result.diagnostics);
  CHECK(text ==
        "shop.yaml:18:28: no value for secret 'SMTP_PASSWORD' of service 'shop/web' in "
        "environment 'production' (add it to the secrets file under 'production')\n");
  CHECK(text.find("s3cr3t") == std::string::npos);

  secrets["production"].emplace("shop/web/SMTP_PASSWORD", "smtp-value");
  LoadResult ok = LoadDesiredState(Repo(), options);
  CHECK(test::DiagnosticsText(ok.diagnostics) == "");
  REQUIRE(ok.ok());
  CHECK(ok.desired->nodes[0].apps[0].secret_keys ==
        std::vector<std::string>{"API_TOKEN", "SMTP_PASSWORD"});
  // The desired state carries secret KEYS only; values stay with the caller.
  CHECK(ok.desired->nodes[0].apps[0].config.count("API_TOKEN") == 0);
}

TEST_CASE("without secrets given, secret values are not checked") {
  LoadResult result = LoadDesiredState(Repo());
  CHECK(test::DiagnosticsText(result.diagnostics) == "");
  CHECK(result.ok());
}

TEST_CASE("a git URL's host is found whatever its case, as the lower-case gitAuth key names it") {
  CHECK(GitAuthHostOf("https://git.example.com/acme/shop.git") == "git.example.com");
  CHECK(GitAuthHostOf("https://Git.Example.COM/acme/shop.git") == "git.example.com");
  CHECK(GitAuthHostOf("HTTPS://bot:token@GitHub.com:8443/acme/shop") == "github.com");
  CHECK(GitAuthHostOf("Http://Example.org") == "example.org");
  CHECK(GitAuthHostOf("git@github.com:acme/shop.git") == "");  // ssh: keys, not netrc
  CHECK(GitAuthHostOf("https://[2001:db8::1]/acme/shop.git") == "");
}

}  // namespace
}  // namespace dflow
