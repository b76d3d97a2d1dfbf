// dflow edge config / edge check through the dflow binary: the document printed from the repo
// alone, and the check against a real sshd (the edge, as a shell user) with a fake Traefik API.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/support/fake_traefik_api.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A repo of two nodes behind the edge `sshd`, whose file-provider directory is `dynamic` and
// whose API is `api_url`.
void WriteEdgeRepo(const std::filesystem::path& repo, const test::SshdNode& sshd,
                   const std::filesystem::path& dynamic, const std::string& api_url) {
  test::WriteFile(repo / "fleet.yaml", R"(apiVersion: dflow/v1
kind: Node
metadata: {name: web-1}
spec: {host: 203.0.113.10, privateHost: 10.10.0.11}
---
apiVersion: dflow/v1
kind: Node
metadata: {name: web-2}
spec: {host: 203.0.113.11, privateHost: 10.10.0.12}
---
apiVersion: dflow/v1
kind: Node
metadata: {name: web-3}
spec: {host: 203.0.113.12}
---
apiVersion: dflow/v1
kind: Environment
metadata: {name: production}
spec: {nodes: [web-1, web-2], domain: shop.example.com}
---
apiVersion: dflow/v1
kind: Environment
metadata: {name: staging}
spec: {nodes: [web-3]}
---
apiVersion: dflow/v1
kind: Application
metadata: {name: shop}
spec:
  services:
    - name: web
      source: {image: "nginx:1.27"}
      domains: [shop.example.com]
  environments:
    production:
)");
  test::WriteFile(repo / "edge.yaml",
                  "apiVersion: dflow/v1\nkind: Edge\nmetadata: {name: "
                  "edge-1}\nspec:\n  host: 127.0.0.1\n  port: " +
                      std::to_string(sshd.port()) + "\n  user: " + sshd.user() + "\n  hostKey: \"" +
                      sshd.host_key_fingerprint() +
                      "\"\n  environments: [production]\n  configDir: " + dynamic.string() +
                      "\n  apiUrl: " + api_url + "\n");
}

test::Captured RunEdgeCli(std::vector<std::string> args) {
  args.insert(args.begin(), DFLOW_EXE);
  return test::RunCapture(args, "");
}

TEST_CASE("dflow edge config prints the edge's file, an environment without an edge is named") {
  test::SshdNode sshd;
  test::ScopedTempDir dir;
  WriteEdgeRepo(dir.path(), sshd, dir.path() / "dynamic", "http://127.0.0.1:8080");
  test::Captured config = RunEdgeCli({"edge", "config", "production", dir.path().string()});
  INFO(config.out << config.err);
  REQUIRE(config.exit_code == 0);
  CHECK(Has(config.out, "rule: \"Host(`shop.example.com`)\""));
  CHECK(Has(config.out,
            "          - url: \"http://10.10.0.11:80\"\n"
            "          - url: \"http://10.10.0.12:80\"\n"));
  CHECK(RunEdgeCli({"edge", "config", "production", dir.path().string()}).out == config.out);

  test::Captured staging = RunEdgeCli({"edge", "config", "staging", dir.path().string()});
  CHECK(staging.exit_code == 1);
  CHECK(Has(staging.err, "environment 'staging' is behind no edge"));
  test::Captured unknown = RunEdgeCli({"edge", "config", "prod", dir.path().string()});
  CHECK(unknown.exit_code == 1);
  CHECK(Has(unknown.err, "no environment named 'prod'"));
  CHECK(RunEdgeCli({"edge"}).exit_code == 64);
}

TEST_CASE(
    "dflow edge check: a missing file fails with the fix, the repo's file and live routes "
    "pass") {
  test::SshdNode sshd;
  test::FakeTraefikApi api;
  test::ScopedTempDir dir;
  const std::filesystem::path dynamic = dir.path() / "dynamic";
  std::filesystem::create_directory(dynamic);
  test::WriteFile(dynamic / "middlewares.yml", "http: {}\n");
  WriteEdgeRepo(dir.path() / "repo", sshd, dynamic, api.url());
  const std::vector<std::string> check = {"edge",       "check",
                                          "production", (dir.path() / "repo").string(),
                                          "-i",         test::TestClientKeys().shell};

  test::Captured missing = RunEdgeCli(check);
  INFO(missing.out << missing.err);
  CHECK(missing.exit_code == 1);
  CHECK(Has(missing.out, "  FAIL  file " + dynamic.string() +
                             "/dflow.yml: missing\n"
                             "        fix: dflow apply"));
  CHECK(Has(missing.out, "  NOTE  " + dynamic.string() + "/middlewares.yml: another file"));
  CHECK(Has(missing.out, "  OK    traefik 3.7.9\n"));
  CHECK(Has(missing.out, "  FAIL  routes: Failed (1 router(s), 1 service(s))\n"));
  CHECK(Has(missing.out,
            "router dflow-shop-example-com is missing: Traefik has not taken the "
            "file"));

  test::WriteFile(dynamic / "dflow.yml",
                  RunEdgeCli({"edge", "config", "production", (dir.path() / "repo").string()}).out);
  api.Set(
      "http/routers",
      R"json([{"name":"dflow-shop-example-com@file","provider":"file","status":"enabled"}])json");
  api.Set(
      "http/services",
      R"json([{"name":"dflow-shop-web-production@file","provider":"file","serverStatus":{"http://10.10.0.11:80":"UP","http://10.10.0.12:80":"UP"}}])json");
  test::Captured ok = RunEdgeCli(check);
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(Has(ok.out, "  OK    file " + dynamic.string() + "/dflow.yml: as the config repo says"));
  CHECK(Has(ok.out, "  OK    routes: Healthy (1 router(s), 1 service(s))\n"));
  CHECK(Has(ok.out, "edge-1 serves production\n"));
}

}  // namespace
}  // namespace dflow
