#include "reconciler/plan/proxy_plan.h"

#include <utility>
#include <vector>

#include "providers/dokku/dokku_plugins.h"

namespace dflow {
namespace {

std::string GlobalValue(const std::map<std::string, std::string>& globals,
                        const std::string& property) {
  auto it = globals.find(property);
  return it == globals.end() ? "" : it->second;
}

std::string JoinDomains(const std::vector<std::string>& domains) {
  std::string out;
  for (const auto& domain : domains) out += (out.empty() ? "" : " ") + domain;
  return out;
}

void PlanGlobalDomain(const NodeDesiredState& desired, const ObservedNode& observed,
                      NodePlan& plan) {
  if (!observed.domains_read) return;
  const std::vector<std::string> want = desired.domain.empty()
                                            ? std::vector<std::string>{}
                                            : std::vector<std::string>{desired.domain};
  if (observed.global_domains == want) return;
  const std::string was =
      observed.global_domains.empty() ? "none" : JoinDomains(observed.global_domains);
  Action action =
      NodeAction(plan.node, ActionKind::kSetGlobalDomain,
                 desired.domain.empty() ? "global domain cleared (was " + was + ")"
                                        : "global domain " + desired.domain + " (was " + was + ")");
  action.value = desired.domain;
  plan.actions.push_back(std::move(action));
}

// Sets each property whose raw global value differs; returns whether any did.
bool PlanSettings(const std::string& proxy, ActionKind kind,
                  const std::map<std::string, std::string>& live, const ProxySettings& wanted,
                  NodePlan& plan) {
  bool changed = false;
  for (const auto& [property, value] : wanted) {
    if (GlobalValue(live, property) == value) continue;
    Action action = NodeAction(
        plan.node, kind,
        value.empty() ? proxy + " " + property + " cleared" : proxy + " " + property + " " + value);
    action.target = property;
    action.value = value;
    plan.actions.push_back(std::move(action));
    changed = true;
  }
  return changed;
}

// The proxies dflow converges to; another type found on a node (caddy, haproxy) is replaced
// but not stopped.
const char* PluginOf(const std::string& proxy) {
  if (proxy == "traefik") return "traefik-vhosts";
  if (proxy == "nginx") return "nginx-vhosts";
  return "";
}

bool Enabled(const ObservedNode& observed, const std::string& proxy) {
  const std::string plugin = PluginOf(proxy);
  return !plugin.empty() && FindEnabledPlugin(observed.plugins, plugin) != nullptr;
}

void PlanProxySettings(const TrafficSpec& traffic, const ObservedNode& observed, NodePlan& plan,
                       ProxyChange& change) {
  if (traffic.proxy == "traefik")
    change.traefik_changed =
        PlanSettings("traefik", ActionKind::kSetTraefikGlobal, observed.traefik_global,
                     WantedTraefikSettings(traffic), plan);
  else
    change.nginx_changed = PlanSettings("nginx", ActionKind::kSetNginxGlobal, observed.nginx_global,
                                        WantedNginxSettings(traffic), plan);
}

void PlanStartStop(const std::string& want, bool type_changed, const ObservedNode& observed,
                   const ProxyChange& change, NodePlan& plan) {
  const bool traefik = want == "traefik";
  if (type_changed) {
    if (Enabled(observed, change.live_type))
      plan.actions.push_back(NodeAction(plan.node,
                                        traefik ? ActionKind::kStopNginx : ActionKind::kStopTraefik,
                                        want + " takes port 80: stop " + change.live_type));
    plan.actions.push_back(NodeAction(plan.node,
                                      traefik ? ActionKind::kStartTraefik : ActionKind::kStartNginx,
                                      "serve the node's apps with " + want));
    return;
  }
  if (change.traefik_changed) {
    plan.actions.push_back(NodeAction(plan.node, ActionKind::kStopTraefik,
                                      "restart traefik to load its new settings"));
    plan.actions.push_back(NodeAction(plan.node, ActionKind::kStartTraefik,
                                      "restart traefik to load its new settings"));
  }
}

}  // namespace

// Traefik's ACME settings are global (§3.7): letsencrypt-email turns the resolver on, so it is
// set exactly when the node's traffic wants TLS, and cleared otherwise.
ProxySettings WantedTraefikSettings(const TrafficSpec& traffic) {
  return {{"letsencrypt-email", traffic.tls ? traffic.letsencrypt_email : ""},
          {"letsencrypt-server", traffic.tls ? traffic.letsencrypt_server : ""}};
}

// Behind a trusted front nginx passes on the front's X-Forwarded-* headers (reference
// traefik.md §1.7); otherwise Dokku's defaults ($remote_addr, $server_port, $scheme) apply.
ProxySettings WantedNginxSettings(const TrafficSpec& traffic) {
  const bool trust = traffic.behind_trusted_proxy;
  return {{"x-forwarded-for-value", trust ? kNginxForwardedFor : ""},
          {"x-forwarded-port-value", trust ? kNginxForwardedPort : ""},
          {"x-forwarded-proto-value", trust ? kNginxForwardedProto : ""}};
}

std::string EffectiveGlobalProxy(const ObservedNode& observed) {
  return observed.proxy_global_type.empty() ? "nginx" : observed.proxy_global_type;
}

ProxyChange PlanNodeProxy(const NodeDesiredState& desired, const ObservedNode& observed,
                          NodePlan& plan) {
  ProxyChange change;
  change.live_type = EffectiveGlobalProxy(observed);
  change.type = change.live_type;
  if (!desired.in_environment) return change;
  PlanGlobalDomain(desired, observed, plan);
  const std::string& want = desired.traffic.proxy;
  if (!Enabled(observed, want)) {
    plan.notes.push_back({NoteKind::kBlocked, plan.node,
                          std::string("the ") + PluginOf(want) + " plugin is not enabled: " + want +
                              " cannot be set up (see `dflow node check`)",
                          ""});
    return change;
  }
  const bool type_changed = observed.proxy_read && change.live_type != want;
  if (observed.proxy_read) change.type = want;
  if (type_changed) {
    Action action = NodeAction(plan.node, ActionKind::kSetGlobalProxyType,
                               "proxy " + want + " instead of " + change.live_type);
    action.value = want;
    plan.actions.push_back(std::move(action));
  }
  PlanProxySettings(desired.traffic, observed, plan, change);
  PlanStartStop(want, type_changed, observed, change, plan);
  return change;
}

}  // namespace dflow
