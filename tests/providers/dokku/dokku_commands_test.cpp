#include "providers/dokku/dokku_commands.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/secret.h"

namespace dflow {
namespace {

using Words = std::vector<std::string>;

Action AppAction(ActionKind kind) {
  Action action;
  action.kind = kind;
  action.node = "node-1";
  action.app = "shop-web";
  action.environment = "production";
  return action;
}

Words RenderedArgv(const Action& action, const SecretValues& secrets = {}) {
  Result<RenderedCommand> rendered = RenderDokkuCommand(action, secrets);
  REQUIRE_MESSAGE(rendered.ok(), rendered.status().ToString());
  return rendered->argv;
}

std::string Error(const Action& action, const SecretValues& secrets = {}) {
  Result<RenderedCommand> rendered = RenderDokkuCommand(action, secrets);
  REQUIRE_FALSE(rendered.ok());
  return rendered.status().ToString();
}

TEST_CASE("config values are sent base64-encoded without a restart, hostile or not") {
  Action action = AppAction(ActionKind::kSetConfig);
  action.config = {{"EMPTY", "", false, ""},
                   {"MULTI", "line1\nline2", false, ""},
                   {"NASTY", "it's $(rm -rf /) `x` ; | &", false, ""},
                   {"OPTION", "-n", false, ""},
                   {"UTF8", "caf\xc3\xa9", false, ""}};
  CHECK(RenderedArgv(action) ==
        Words{"--quiet", "config:set", "--encoded", "--no-restart", "shop-web",
              "EMPTY=", "MULTI=bGluZTEKbGluZTI=", "NASTY=aXQncyAkKHJtIC1yZiAvKSBgeGAgOyB8ICY=",
              "OPTION=LW4=", "UTF8=Y2Fmw6k="});
  CHECK(DisplayDokkuCommand(action) ==
        "dokku config:set --no-restart shop-web EMPTY='' MULTI='line1\\nline2' NASTY='it'\\''s "
        "$(rm -rf /) `x` ; | &' OPTION=-n UTF8='caf\xc3\xa9'");
}

TEST_CASE("a secret is looked up at render time, checked against the plan, and masked") {
  Action action = AppAction(ActionKind::kSetConfig);
  action.config = {{"API_TOKEN", "", true, Sha256Hex("s3cr3t-token")}, {"MODE", "on", false, ""}};
  SecretValues secrets;
  secrets["shop-web"]["API_TOKEN"] = "s3cr3t-token";
  Result<RenderedCommand> rendered = RenderDokkuCommand(action, secrets);
  REQUIRE(rendered.ok());
  CHECK(rendered->argv == Words{"--quiet", "config:set", "--encoded", "--no-restart", "shop-web",
                                "API_TOKEN=czNjcjN0LXRva2Vu", "MODE=b24="});
  CHECK(rendered->sensitive == Words{"s3cr3t-token", "czNjcjN0LXRva2Vu"});
  CHECK(DisplayDokkuCommand(action) ==
        "dokku config:set --no-restart shop-web API_TOKEN=*** MODE=on");

  secrets["shop-web"]["API_TOKEN"] = "changed";
  CHECK(Error(action, secrets) ==
        "Failed: secret API_TOKEN changed since the plan was made; plan again");
  secrets["shop-web"].clear();
  CHECK(Error(action, secrets) ==
        "NotFound: secret API_TOKEN has no value for app shop-web (environment production)");
}

TEST_CASE("an invalid config key is refused") {
  Action action = AppAction(ActionKind::kSetConfig);
  action.config = {{"BAD KEY", "x", false, ""}};
  CHECK(Error(action) ==
        "InvalidArgument: cannot render set-config for app shop-web: invalid config key 'BAD KEY'");
}

TEST_CASE("destroy commands use their non-prompting forms") {
  CHECK(RenderedArgv(AppAction(ActionKind::kDestroyApp)) ==
        Words{"--quiet", "apps:destroy", "shop-web", "--force"});
  Action store;
  store.kind = ActionKind::kDestroyDatastore;
  store.engine = "postgres";
  store.target = "shop-db";
  CHECK(RenderedArgv(store) == Words{"--quiet", "postgres:destroy", "shop-db", "-f"});
  store.engine = "mysql";
  CHECK(Error(store) ==
        "InvalidArgument: cannot render destroy-datastore: unknown datastore engine 'mysql'");
}

TEST_CASE("expose takes the one host:port, unexpose only the service") {
  Action store;
  store.kind = ActionKind::kExposeDatastore;
  store.engine = "postgres";
  store.target = "shop-db";
  CHECK(Error(store) == "InvalidArgument: cannot render expose-datastore: no address to expose on");
  store.value = "10.0.0.11:23456";
  CHECK(RenderedArgv(store) == Words{"--quiet", "postgres:expose", "shop-db", "10.0.0.11:23456"});
  store.kind = ActionKind::kUnexposeDatastore;
  CHECK(RenderedArgv(store) == Words{"--quiet", "postgres:unexpose", "shop-db"});
}

TEST_CASE("each action kind renders its Dokku command") {
  Action a = AppAction(ActionKind::kCreateApp);
  CHECK(RenderedArgv(a) == Words{"--quiet", "apps:create", "shop-web"});
  a = AppAction(ActionKind::kUnsetConfig);
  a.values = {"A", "B"};
  CHECK(RenderedArgv(a) == Words{"--quiet", "config:unset", "--no-restart", "shop-web", "A", "B"});
  a = AppAction(ActionKind::kSetBuilder);
  a.value = "dockerfile";
  CHECK(RenderedArgv(a) == Words{"--quiet", "builder:set", "shop-web", "selected", "dockerfile"});
  a = AppAction(ActionKind::kSetProxyType);
  a.value = "traefik";
  CHECK(RenderedArgv(a) == Words{"--quiet", "proxy:set", "shop-web", "type", "traefik"});
  a = AppAction(ActionKind::kSetDomains);
  a.values = {"a.example.com", "b.example.com"};
  CHECK(RenderedArgv(a) ==
        Words{"--quiet", "domains:set", "shop-web", "a.example.com", "b.example.com"});
  a = AppAction(ActionKind::kSetPorts);
  a.values = {"http:80:5000"};
  CHECK(RenderedArgv(a) == Words{"--quiet", "ports:set", "shop-web", "http:80:5000"});
  a = AppAction(ActionKind::kDisableChecks);
  a.values = {"web", "worker"};
  CHECK(RenderedArgv(a) == Words{"--quiet", "checks:disable", "shop-web", "web,worker"});
  a = AppAction(ActionKind::kSetResourceLimits);
  a.settings = {{"memory", "512m"}, {"cpu", "clear"}};
  CHECK(RenderedArgv(a) ==
        Words{"--quiet", "resource:limit", "--cpu", "clear", "--memory", "512m", "shop-web"});
  a = AppAction(ActionKind::kMountStorage);
  a.values = {"/var/lib/dokku/data/storage/shop:/app/storage"};
  CHECK(RenderedArgv(a) == Words{"--quiet", "storage:mount", "shop-web",
                                 "/var/lib/dokku/data/storage/shop:/app/storage"});
  a = AppAction(ActionKind::kSetNetworks);
  a.values = {"backend"};
  CHECK(RenderedArgv(a) ==
        Words{"--quiet", "network:set", "shop-web", "attach-post-deploy", "backend"});
  a = AppAction(ActionKind::kLinkDatastore);
  a.engine = "redis";
  a.target = "cache";
  CHECK(RenderedArgv(a) == Words{"--quiet", "redis:link", "cache", "shop-web", "--no-restart"});
  a.kind = ActionKind::kUnlinkDatastore;
  CHECK(RenderedArgv(a) == Words{"--quiet", "redis:unlink", "cache", "shop-web", "--no-restart"});
  a = AppAction(ActionKind::kScale);
  a.settings = {{"web", "2"}, {"worker", "0"}};
  a.skip_deploy = true;
  CHECK(RenderedArgv(a) ==
        Words{"--quiet", "ps:scale", "--skip-deploy", "shop-web", "web=2", "worker=0"});
  a = AppAction(ActionKind::kDeployGit);
  a.git_url = "https://git.example.com/acme/shop.git";
  a.git_ref = "v1.4.2";
  CHECK(RenderedArgv(a) == Words{"--quiet", "git:sync", "--build", "shop-web",
                                 "https://git.example.com/acme/shop.git", "v1.4.2"});
  a = AppAction(ActionKind::kDeployImage);
  a.value = "registry.example.com/shop/web@sha256:abc";
  CHECK(RenderedArgv(a) ==
        Words{"--quiet", "git:from-image", "shop-web", "registry.example.com/shop/web@sha256:abc"});
  CHECK(RenderedArgv(AppAction(ActionKind::kRebuild)) ==
        Words{"--quiet", "ps:rebuild", "shop-web"});
  CHECK(RenderedArgv(AppAction(ActionKind::kRestart)) ==
        Words{"--quiet", "ps:restart", "shop-web"});
  Action traefik;
  traefik.kind = ActionKind::kSetTraefikGlobal;
  traefik.target = "letsencrypt-email";
  traefik.value = "ops@example.com";
  CHECK(RenderedArgv(traefik) ==
        Words{"--quiet", "traefik:set", "--global", "letsencrypt-email", "ops@example.com"});
}

TEST_CASE("clearing a property leaves the value out instead of sending an empty word") {
  Action a = AppAction(ActionKind::kSetBuilder);
  CHECK(RenderedArgv(a) == Words{"--quiet", "builder:set", "shop-web", "selected"});
  a = AppAction(ActionKind::kSetProxyType);
  CHECK(RenderedArgv(a) == Words{"--quiet", "proxy:set", "shop-web", "type"});
  a = AppAction(ActionKind::kSetDomains);
  CHECK(RenderedArgv(a) == Words{"--quiet", "domains:clear", "shop-web"});
  a = AppAction(ActionKind::kSetPorts);
  CHECK(RenderedArgv(a) == Words{"--quiet", "ports:clear", "shop-web"});
  a = AppAction(ActionKind::kSetNetworks);
  CHECK(RenderedArgv(a) == Words{"--quiet", "network:set", "shop-web", "attach-post-deploy"});
  a = AppAction(ActionKind::kEnableChecks);
  CHECK(RenderedArgv(a) == Words{"--quiet", "checks:enable", "shop-web"});
  Action traefik;
  traefik.kind = ActionKind::kSetTraefikGlobal;
  traefik.target = "letsencrypt-email";
  CHECK(RenderedArgv(traefik) == Words{"--quiet", "traefik:set", "--global", "letsencrypt-email"});
}

TEST_CASE("no action renders an empty word") {
  Action a = AppAction(ActionKind::kSetDomains);
  a.values = {"a.example.com", ""};
  CHECK(Error(a) ==
        "InvalidArgument: cannot render set-domains for app shop-web: argument 5 is empty");
  a = AppAction(ActionKind::kCreateApp);
  a.app = "";
  CHECK(Error(a) == "InvalidArgument: cannot render create-app: argument 3 is empty");
  a = AppAction(ActionKind::kScale);
  a.settings = {{"web", "-1"}};
  CHECK(Error(a) ==
        "InvalidArgument: cannot render scale for app shop-web: invalid count '-1' for web");
}

TEST_CASE("credentials in a git URL are neither displayed nor echoed back") {
  Action a = AppAction(ActionKind::kDeployGit);
  a.git_url = "https://deploy:t0ken@git.example.com/acme/shop.git";
  a.git_ref = "main";
  CHECK(DisplayDokkuCommand(a) ==
        "dokku git:sync --build shop-web 'https://***@git.example.com/acme/shop.git' main");
  Result<RenderedCommand> rendered = RenderDokkuCommand(a, {});
  REQUIRE(rendered.ok());
  CHECK(rendered->argv[4] == "https://deploy:t0ken@git.example.com/acme/shop.git");
  CHECK(rendered->sensitive == std::vector<std::string>{"deploy:t0ken"});
  CHECK(ScrubSecrets("fatal: could not read deploy:t0ken@git.example.com/", rendered->sensitive) ==
        "fatal: could not read ***@git.example.com/");
}

}  // namespace
}  // namespace dflow
