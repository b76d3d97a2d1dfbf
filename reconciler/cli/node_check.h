// Node readiness: can dflow drive this node as the config repo wants? Reachable over SSH, host
// key trusted, logged in, a Dokku that dflow supports, and the Dokku plugins the node's
// desired state needs, and for a node in an environment its proxy and global domain
// (node_proxy_check.h). Every failing item says the exact command that fixes it.
// Read-only: runs `dokku version`, `dokku plugin:list --format json` and the proxy, domains and
// nginx/traefik `report --global --format json`, nothing else.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/transport/transport.h"

namespace dflow {

// kSkipped: an earlier item failed; kUnknown: Dokku gives no way to tell; kDiffers: the node
// differs from the manifests in what `dflow apply` converges (the proxy, the global domain).
// Only kFail and kSkipped make a node not ready.
enum class CheckState { kOk, kFail, kSkipped, kUnknown, kDiffers };

struct NodeCheckItem {
  std::string name;  // "reachable", "host key", "login", "dokku", "plugin postgres", ...
  CheckState state = CheckState::kSkipped;
  std::string detail;  // what was found (or why it failed)
  std::string fix;     // the command that fixes it: set for kFail and kDiffers (what `dflow
                       // apply` would run), and for kUnknown what to run to be sure
};

struct NodeCheckReport {
  std::string node;
  std::string address;  // "dokku@203.0.113.10:22"
  std::vector<NodeCheckItem> items;

  bool ready() const;  // no item kFail or kSkipped
};

// A Dokku plugin the desired state of a node needs, and why.
struct RequiredPlugin {
  std::string name;     // as plugin:list names it: postgres, redis, traefik-vhosts
  std::string why;      // "datastores courses-db, forum-db"
  std::string install;  // the command that installs it on the node (as root)
};

// Postgres/redis for the node's datastores; the proxy's plugin (nginx-vhosts or traefik-vhosts,
// core plugins) for a node in an environment: dflow sets it up and gets TLS from Traefik's own
// ACME resolver (so dokku-letsencrypt is not needed). Sorted by name.
std::vector<RequiredPlugin> RequiredPlugins(const NodeDesiredState& node);

struct NodeCheckOptions {
  std::string known_hosts_file;  // what the transport checks when the node has no pin
  std::string identity_hint;     // public key path to name in the login fix ("" = generic)
};

// Runs the checks through `transport` (not yet connected: the first command connects).
NodeCheckReport CheckNode(const NodeDesiredState& node, Transport& transport,
                          const NodeCheckOptions& options);

// Human-readable: one line per item, "fix:" lines under failing ones, a verdict line.
std::string FormatNodeCheckText(const NodeCheckReport& report);

// {"node","address","ready","checks":[{"name","status":"ok|fail|skipped","detail","fix"}]}
std::string FormatNodeCheckJson(const NodeCheckReport& report);

}  // namespace dflow
