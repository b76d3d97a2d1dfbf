// The node-level proxy steps (reconciler/plan/proxy_plan.h) and the app rebuilds they cause,
// through PlanNode.
#include "reconciler/plan/proxy_plan.h"

#include <doctest/doctest.h>

#include "tests/reconciler/plan/plan_fixture.h"

namespace dflow {
namespace {

using testing::ConvergedNode;
using testing::DesiredNode;
using testing::Lines;
using testing::NoteLines;
using testing::Options;
using testing::Service;

// A node of an environment with `proxy`, the environment's domain learn.example.com.
NodeDesiredState EnvNode(const std::string& proxy, std::vector<AppSpec> apps) {
  NodeDesiredState desired = DesiredNode(std::move(apps), {});
  desired.in_environment = true;
  desired.traffic.proxy = proxy;
  desired.domain = "learn.example.com";
  return desired;
}

// What Dokku reports of the node's proxy: `type` as the raw global type, `domains` global.
void SetProxy(ObservedNode& observed, const std::string& type,
              std::vector<std::string> domains = {"learn.example.com"}) {
  observed.plugins = {{"nginx-vhosts", "0.38.27", true}, {"traefik-vhosts", "0.38.27", true}};
  observed.proxy_read = observed.domains_read = true;
  observed.proxy_global_type = type;
  observed.global_domains = std::move(domains);
  observed.nginx_global = {{"x-forwarded-for-value", ""},
                           {"x-forwarded-port-value", ""},
                           {"x-forwarded-proto-value", ""}};
  observed.traefik_global = {{"letsencrypt-email", ""}, {"letsencrypt-server", ""}};
}

TEST_CASE("a fresh node of a Traefik environment: domain, type, nginx stopped, Traefik started") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = EnvNode("traefik", {Service("api")});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "", {"dokku.me"});
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-global-domain : global domain learn.example.com (was dokku.me)\n"
        "set-global-proxy-type : proxy traefik instead of nginx\n"
        "stop-nginx : traefik takes port 80: stop nginx\n"
        "start-traefik : serve the node's apps with traefik\n"
        "rebuild shop-api: apply proxy traefik instead of nginx\n");
  CHECK(plan.actions[0].value == "learn.example.com");
  CHECK(plan.actions[1].value == "traefik");
}

TEST_CASE("the same node once converged plans nothing") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = EnvNode("traefik", {Service("api")});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "traefik");
  CHECK(Lines(PlanNode(desired, observed, options)) == "");
}

TEST_CASE("Traefik with TLS on a fresh node: its settings before it starts, one rebuild") {
  const PlanOptions options = Options();
  NodeDesiredState desired = EnvNode("traefik", {Service("api")});
  desired.traffic.tls = true;
  desired.traffic.letsencrypt_email = "ops@example.com";
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "nginx");
  CHECK(Lines(PlanNode(desired, observed, options)) ==
        "set-global-proxy-type : proxy traefik instead of nginx\n"
        "set-traefik-global letsencrypt-email: traefik letsencrypt-email ops@example.com\n"
        "stop-nginx : traefik takes port 80: stop nginx\n"
        "start-traefik : serve the node's apps with traefik\n"
        "rebuild shop-api: apply proxy traefik instead of nginx, traefik settings\n");
}

TEST_CASE("a TLS change on a Traefik node restarts Traefik and rebuilds the apps behind it") {
  const PlanOptions options = Options();
  NodeDesiredState desired = EnvNode("traefik", {Service("api")});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "traefik");
  desired.traffic.tls = true;
  desired.traffic.letsencrypt_email = "ops@example.com";
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-traefik-global letsencrypt-email: traefik letsencrypt-email ops@example.com\n"
        "stop-traefik : restart traefik to load its new settings\n"
        "start-traefik : restart traefik to load its new settings\n"
        "rebuild shop-api: apply traefik settings\n");
  CHECK(plan.actions[0].value == "ops@example.com");
}

TEST_CASE("switching to nginx: Traefik stopped, nginx started, only apps that follow rebuild") {
  const PlanOptions options = Options();
  AppSpec pinned = Service("pinned");  // has its own proxy type: its routing does not change
  pinned.proxy_type = "traefik";
  const NodeDesiredState desired = EnvNode("nginx", {Service("api"), pinned});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "traefik");
  CHECK(Lines(PlanNode(desired, observed, options)) ==
        "set-global-proxy-type : proxy nginx instead of traefik\n"
        "stop-traefik : nginx takes port 80: stop traefik\n"
        "start-nginx : serve the node's apps with nginx\n"
        "rebuild shop-api: apply proxy nginx instead of traefik\n");
}

TEST_CASE("an app's own proxy type is cleared to follow the node's, rebuilt only if it changes") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = EnvNode("traefik", {Service("api"), Service("web")});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "traefik");
  observed.apps[0].proxy_type = "traefik";  // same as the node's: no rebuild
  observed.apps[1].proxy_type = "nginx";    // served by nginx until rebuilt
  CHECK(Lines(PlanNode(desired, observed, options)) ==
        "set-proxy-type shop-api: proxy type: follow the node's (traefik)\n"
        "set-proxy-type shop-web: proxy type: follow the node's (traefik)\n"
        "rebuild shop-web: apply proxy traefik instead of nginx\n");
}

TEST_CASE("behind a trusted front nginx passes on X-Forwarded-*: config rebuilt, no restart") {
  const PlanOptions options = Options();
  NodeDesiredState desired = EnvNode("nginx", {Service("api"), Service("web")});
  desired.traffic.behind_trusted_proxy = true;
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "");
  observed.apps[1].config["ROLE"] = "changed";  // a restart: the config rebuild comes before it
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-nginx-global x-forwarded-for-value: nginx x-forwarded-for-value "
        "$http_x_forwarded_for\n"
        "set-nginx-global x-forwarded-port-value: nginx x-forwarded-port-value "
        "$http_x_forwarded_port\n"
        "set-nginx-global x-forwarded-proto-value: nginx x-forwarded-proto-value "
        "$http_x_forwarded_proto\n"
        "build-proxy-config shop-api: nginx settings changed\n"
        "set-config shop-web: config ROLE changed\n"
        "build-proxy-config shop-web: nginx settings changed\n"
        "restart shop-web: apply config\n");
  CHECK(plan.actions[0].value == kNginxForwardedFor);
}

TEST_CASE("an app rebuilt anyway gets no separate nginx config rebuild") {
  const PlanOptions options = Options();
  NodeDesiredState desired = EnvNode("nginx", {Service("api")});
  desired.traffic.behind_trusted_proxy = true;
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "traefik");
  const std::string lines = Lines(PlanNode(desired, observed, options));
  CHECK(lines.find("build-proxy-config") == std::string::npos);
  CHECK(lines.find("rebuild shop-api: apply proxy nginx instead of traefik\n") !=
        std::string::npos);
}

TEST_CASE("leaving the trusted front clears the X-Forwarded-* settings") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = EnvNode("nginx", {});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "nginx");
  observed.nginx_global["x-forwarded-proto-value"] = kNginxForwardedProto;
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) ==
        "set-nginx-global x-forwarded-proto-value: nginx x-forwarded-proto-value "
        "cleared\n");
  CHECK(plan.actions[0].value == "");
}

TEST_CASE("removing the environment's domain clears the node's global domain") {
  const PlanOptions options = Options();
  NodeDesiredState desired = EnvNode("nginx", {});
  desired.domain = "";
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "");
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) == "set-global-domain : global domain cleared (was learn.example.com)\n");
  CHECK(plan.actions[0].value == "");
}

TEST_CASE("a node no environment lists keeps its proxy and domain as they are") {
  const PlanOptions options = Options();
  NodeDesiredState desired = EnvNode("traefik", {});
  desired.in_environment = false;
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "caddy", {"other.example.com"});
  CHECK(Lines(PlanNode(desired, observed, options)) == "");
}

TEST_CASE("the proxy's plugin disabled: a note, and no proxy step that would fail") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = EnvNode("traefik", {});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "");
  observed.plugins[1].enabled = false;
  const NodePlan plan = PlanNode(desired, observed, options);
  CHECK(Lines(plan) == "");
  CHECK(NoteLines(plan) ==
        "blocked node-1: the traefik-vhosts plugin is not enabled: traefik cannot be set up (see "
        "`dflow node check`)\n");
}

TEST_CASE("a proxy dflow cannot set up rebuilds no app, pass after pass") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = EnvNode("traefik", {Service("api")});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "");  // nginx serves the app, and stays: traefik-vhosts is disabled
  observed.plugins[1].enabled = false;
  CHECK(Lines(PlanNode(desired, observed, options)) == "");
  observed.plugins[1].enabled = true;
  observed.proxy_read = false;  // nor when the global type could not be read
  CHECK(Lines(PlanNode(desired, observed, options)) == "");
}

TEST_CASE("from another proxy type: set and started, the unknown one is not stopped") {
  const PlanOptions options = Options();
  const NodeDesiredState desired = EnvNode("nginx", {});
  ObservedNode observed = ConvergedNode(desired, options);
  SetProxy(observed, "caddy");
  CHECK(Lines(PlanNode(desired, observed, options)) ==
        "set-global-proxy-type : proxy nginx instead of caddy\n"
        "start-nginx : serve the node's apps with nginx\n");
}

}  // namespace
}  // namespace dflow
