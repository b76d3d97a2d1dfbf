// `dflow run`: the long-running controller. It follows one branch of the config repo in a
// bare mirror, keeps the last valid desired state in force, and runs one loop per node that
// re-observes and converges the node every interval (and at once after a new commit or a
// webhook). Status and history go to SQLite in the state directory; an HTTP server serves
// health, status, history, metrics and the webhook endpoint.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "manifests-schema/base/status.h"
#include "reconciler/controller/controller_config.h"
#include "reconciler/controller/fleet.h"

namespace dflow {

// Makes the transport for an edge Traefik (SSH as its manifest's shell user).
using EdgeTransportFactory = std::function<Result<std::unique_ptr<Transport>>(const EdgeSpec&)>;

class Controller {
 public:
  // Opens the state directory, loads the last applied desired state if there is one, starts
  // the HTTP server, the source loop, the node loops and the edge loops (one per Edge
  // manifest, docs/edge.md). Errors: an unusable state directory, a listen address in use,
  // unreadable secret files.
  static Result<std::unique_ptr<Controller>> Start(ControllerConfig config,
                                                   TransportFactory transports,
                                                   EdgeTransportFactory edge_transports);
  virtual ~Controller() = default;  // stops (as Stop()) and joins every thread

  // Asks every loop to stop: an action in flight finishes, nothing new starts. Returns at once.
  virtual void Stop() = 0;
  // Blocks until Stop() was called and every loop has ended.
  virtual void Wait() = 0;
  // SIGHUP: applies a new configuration (interval, concurrency, secrets, webhook secret,
  // badges, forge, ...): all but the settings of SettingsNeedingRestart (controller_config.h).
  virtual Status Reload(const ControllerConfig& config) = 0;
  // Reconcile now (fetch the repo, then every node), as a webhook does.
  virtual void TriggerSync(const std::string& reason) = 0;
  // The HTTP server's port (0 when disabled).
  virtual int http_port() const = 0;
};

}  // namespace dflow
