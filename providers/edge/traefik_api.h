// What an edge Traefik made of the configuration, read from its API on the edge's loopback over
// the SSH connection dflow already has (`curl` on the edge; no port opened to the network;
// reference traefik.md §2.10), and how it maps onto health: every router enabled and every
// server UP is Healthy; a server DOWN is Degraded; a router disabled, or missing after the
// write (the file was not taken), is Failed with Traefik's reason.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "providers/transport/transport.h"

namespace dflow {

struct TraefikRouterState {
  std::string status;               // "enabled" | "disabled" | "warning"
  std::vector<std::string> errors;  // Traefik's reasons, when any
};

struct TraefikServiceState {
  std::map<std::string, std::string> servers;  // url -> "UP" | "DOWN"
};

struct TraefikApiState {
  std::string version;                                  // "3.7.9"
  std::map<std::string, TraefikRouterState> routers;    // file-provider routers, no "@file"
  std::map<std::string, TraefikServiceState> services;  // file-provider services, no "@file"
};

// Three `curl -fsS --max-time 5` calls: /api/version, /api/http/routers, /api/http/services.
// kUnavailable when the API does not answer (names the URL and curl's error).
Result<TraefikApiState> ReadTraefikApi(Transport& edge, const std::string& api_url);

enum class EdgeHealth { kHealthy, kDegraded, kFailed };

struct EdgeHealthReport {
  EdgeHealth health = EdgeHealth::kHealthy;
  std::vector<std::string> problems;  // one line each, sorted: what is wrong and where
};

// Maps the API's view onto the routers and services dflow wrote (names without "@file").
EdgeHealthReport MapEdgeHealth(const TraefikApiState& api, const std::vector<std::string>& routers,
                               const std::vector<std::string>& services);

std::string_view EdgeHealthName(EdgeHealth health);  // "Healthy", "Degraded", "Failed"

}  // namespace dflow
