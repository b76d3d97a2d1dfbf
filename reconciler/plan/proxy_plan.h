// PlanNodeProxy: the node-level steps that decide how a node serves its apps, in the order
// they must run (docs/proxy.md, reference traefik.md §1):
//   1. the global domain (`domains:set-global`, `domains:clear-global`): before any app is
//      created, so that a new app gets its default vhost under it;
//   2. the global proxy type (`proxy:set --global type`): every app follows it;
//   3. the proxy's own settings: Traefik's ACME settings, or nginx's X-Forwarded-* values when
//      the node sits behind a trusted front;
//   4. the other proxy stopped (both want port 80), the wanted one started. Dokku does not
//      report whether a proxy runs (only an internal property no report shows), so a start is
//      planned whenever the type or Traefik's settings change; both starts are idempotent.
// Only for a node that an environment lists; any other node's proxy is left as it is.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/plan/plan.h"

namespace dflow {

// What the node-level steps change for the apps (app_plan.h rebuilds exactly the apps that
// depend on it).
struct ProxyChange {
  std::string live_type;  // the node's effective global proxy type now ("nginx" default)
  // The node's global type once the node steps have run: the environment's, or live_type when
  // they cannot set it (no environment, its plugin disabled, the type unread). Apps without a
  // type of their own are served by it.
  std::string type;
  bool traefik_changed = false;  // Traefik restarts with new settings: apps behind it rebuild
  bool nginx_changed = false;    // nginx settings change: apps behind it rebuild their config
};

// The values of nginx's X-Forwarded-* properties that pass on what a trusted front sent.
inline constexpr const char* kNginxForwardedFor = "$http_x_forwarded_for";
inline constexpr const char* kNginxForwardedPort = "$http_x_forwarded_port";
inline constexpr const char* kNginxForwardedProto = "$http_x_forwarded_proto";

// The global properties dflow owns for each proxy and the values the traffic wants ("" =
// unset): Traefik's ACME settings, nginx's X-Forwarded-* values.
using ProxySettings = std::vector<std::pair<std::string, std::string>>;
ProxySettings WantedTraefikSettings(const TrafficSpec& traffic);
ProxySettings WantedNginxSettings(const TrafficSpec& traffic);

// The node's effective global proxy type: the raw global type, else Dokku's default nginx.
std::string EffectiveGlobalProxy(const ObservedNode& observed);

// Appends the steps to plan.actions (and a note when a needed plugin is disabled).
ProxyChange PlanNodeProxy(const NodeDesiredState& desired, const ObservedNode& observed,
                          NodePlan& plan);

}  // namespace dflow
