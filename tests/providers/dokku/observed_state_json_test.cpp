#include "providers/dokku/observed_state_json.h"

#include <doctest/doctest.h>

namespace dflow {
namespace {

ObservedNode SampleNode() {
  ObservedApp app;
  app.name = "web";
  app.managed = true;
  app.config = {{"DFLOW_MANAGED", "production/courses/web"}, {"PASSWORD", "hunter2"}};
  app.domains = {"a.example.com"};
  app.ports = {{"http", 80, 5000}, {"https", 443, 5000}};
  app.proxy_type = "traefik";
  app.builder = "dockerfile";
  app.deploy_source = "git-sync";
  app.deploy_source_metadata = "https://deploy:t0ken@git.example.com/acme/web.git#abc123";
  app.git_sha = "abc123";
  app.deployed = true;
  app.running = "true";
  app.process_count = 2;
  app.scale = {{"web", 2}};
  app.process_status = {{"web.1", "running"}};
  app.checks_disabled = {"worker"};
  app.resources = {{"_default_.limit.memory", "512m"}};
  app.storage = {"/srv/a:/app/a"};
  app.networks = {"backend"};
  app.linked_datastores = {"postgres/db"};
  app.last_build_status = "succeeded";
  ObservedNode node;
  node.node = "prod-1";
  node.dokku_version = "0.38.27";
  node.plugins = {{"postgres", "1.48.0", true}};
  node.traefik_global = {{"basic-auth-password", "pw"},
                         {"dns-provider-CF_API_TOKEN", "tok"},
                         {"letsencrypt-email", "ops@example.com"},
                         {"log-level", ""}};
  node.nginx_global = {{"x-forwarded-for-value", "$http_x_forwarded_for"}};
  node.proxy_global_type = "traefik";
  node.global_domains = {"learn.example.com"};
  node.apps = {app};
  node.datastores = {{"db", "postgres", {"web"}, "", ""}};
  node.invocations = 19;
  node.attempts = 1;
  return node;
}

TEST_CASE("observe json: the documented shape, every app field") {
  nlohmann::json expected = nlohmann::json::parse(R"({
    "node": "prod-1",
    "dokkuVersion": "0.38.27",
    "plugins": [{"name": "postgres", "version": "1.48.0", "enabled": true}],
    "proxyGlobalType": "traefik",
    "globalDomains": ["learn.example.com"],
    "nginxGlobal": {"x-forwarded-for-value": "$http_x_forwarded_for"},
    "traefikGlobal": {"basic-auth-password": "pw", "dns-provider-CF_API_TOKEN": "tok",
                      "letsencrypt-email": "ops@example.com", "log-level": ""},
    "apps": [{
      "name": "web",
      "managed": true,
      "config": {"DFLOW_MANAGED": "production/courses/web", "PASSWORD": "hunter2"},
      "domains": ["a.example.com"],
      "vhostsEnabled": true,
      "ports": ["http:80:5000", "https:443:5000"],
      "proxy": "traefik",
      "proxyEnabled": true,
      "builder": "dockerfile",
      "source": {"deploySource": "git-sync",
                 "deploySourceMetadata": "https://***@git.example.com/acme/web.git#abc123",
                 "gitSha": "abc123", "sourceImage": ""},
      "deployed": true,
      "running": "true",
      "processCount": 2,
      "processes": {"web": 2},
      "processStatus": {"web.1": "running"},
      "checksDisabled": ["worker"],
      "checksSkipped": [],
      "resources": {"_default_.limit.memory": "512m"},
      "storage": ["/srv/a:/app/a"],
      "networks": ["backend"],
      "linkedDatastores": ["postgres/db"],
      "lastBuildStatus": "succeeded",
      "readError": ""
    }],
    "datastores": [{"name": "db", "engine": "postgres", "linkedApps": ["web"], "exposed": "",
                    "readError": ""}],
    "observation": {"invocations": 19, "attempts": 1}
  })");
  CHECK(ObservedNodeToJson(SampleNode()).dump(2) == expected.dump(2));
}

TEST_CASE("observe json: what could not be read says why, with URL credentials masked") {
  ObservedNode node = SampleNode();
  node.apps[0].read_error =
      "ps:scale web failed (exit 1): fatal: https://deploy:t0ken@git.example.com unreachable";
  node.datastores[0].read_error = "postgres:info db --links failed (exit 1): not found";
  nlohmann::json json = ObservedNodeToJson(node);
  CHECK(json["apps"][0]["readError"] ==
        "ps:scale web failed (exit 1): fatal: https://***@git.example.com unreachable");
  CHECK(json["datastores"][0]["readError"] ==
        "postgres:info db --links failed (exit 1): not found");
}

TEST_CASE("observe json: redact hides config values and Traefik secrets, keeps keys") {
  nlohmann::json json = ObservedNodeToJson(SampleNode(), /*redact=*/true);
  CHECK(json["apps"][0]["config"] ==
        nlohmann::json({{"DFLOW_MANAGED", "***"}, {"PASSWORD", "***"}}));
  CHECK(json["traefikGlobal"] == nlohmann::json({{"basic-auth-password", "***"},
                                                 {"dns-provider-CF_API_TOKEN", "***"},
                                                 {"letsencrypt-email", "ops@example.com"},
                                                 {"log-level", ""}}));
  CHECK(json.dump().find("hunter2") == std::string::npos);
  CHECK(json.dump().find("t0ken") == std::string::npos);
}

TEST_CASE("observe json: empty collections are empty arrays and objects, never null") {
  ObservedNode node;
  ObservedApp app;
  app.name = "bare";
  node.apps = {app};
  nlohmann::json json = ObservedNodeToJson(node);
  CHECK(json["plugins"] == nlohmann::json::array());
  CHECK(json["traefikGlobal"] == nlohmann::json::object());
  CHECK(json["datastores"] == nlohmann::json::array());
  const nlohmann::json& bare = json["apps"][0];
  CHECK(bare["config"] == nlohmann::json::object());
  CHECK(bare["processes"] == nlohmann::json::object());
  CHECK(bare["processStatus"] == nlohmann::json::object());
  CHECK(bare["resources"] == nlohmann::json::object());
  CHECK(bare["domains"] == nlohmann::json::array());
  CHECK(bare["ports"] == nlohmann::json::array());
  CHECK(bare["source"]["deploySourceMetadata"] == "");
}

}  // namespace
}  // namespace dflow
