#include "reconciler/plan/remote_datastore.h"

#include <algorithm>

namespace dflow {
namespace {

const ObservedDatastore* FindObserved(const ObservedNode& observed, const DatastoreSpec& spec) {
  for (const ObservedDatastore& d : observed.datastores)
    if (d.engine == spec.engine && d.name == spec.name) return &d;
  return nullptr;
}

Action ExposureAction(const std::string& node, ActionKind kind, const DatastoreSpec& spec,
                      std::string reason) {
  Action action = NodeAction(node, kind, std::move(reason));
  action.engine = spec.engine;
  action.target = spec.name;
  return action;
}

bool HasSecret(const SecretValues& secrets, const std::string& app, const std::string& key) {
  auto it = secrets.find(app);
  return it != secrets.end() && it->second.contains(key);
}

}  // namespace

std::optional<std::string> RemoteDatastoreUrl(const std::string& dsn, const std::string& host,
                                              int port) {
  const std::size_t scheme = dsn.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  const std::size_t start = scheme + 3;
  std::size_t end = dsn.find_first_of("/?#", start);
  if (end == std::string::npos) end = dsn.size();
  const std::size_t at = dsn.rfind('@', end == 0 ? 0 : end - 1);
  const std::size_t host_start = at != std::string::npos && at >= start ? at + 1 : start;
  if (host_start >= end) return std::nullopt;
  return dsn.substr(0, host_start) + host + ":" + std::to_string(port) + dsn.substr(end);
}

void PlanDatastoreExposure(const NodeDesiredState& desired, const ObservedNode& observed,
                           NodePlan& plan) {
  for (const DatastoreSpec& spec : desired.datastores) {
    const ObservedDatastore* live = FindObserved(observed, spec);
    if (live != nullptr && !live->read_error.empty()) continue;
    const std::string want =
        spec.expose_port > 0 ? spec.expose_host + ":" + std::to_string(spec.expose_port) : "";
    const std::string have = live != nullptr ? live->exposed : "";
    if (want == have) continue;
    const std::string label = spec.engine + " datastore " + spec.name;
    if (!have.empty()) {
      plan.actions.push_back(ExposureAction(
          plan.node, ActionKind::kUnexposeDatastore, spec,
          want.empty() ? "no app on another node uses " + label + " (exposed on " + have + ")"
                       : label + " exposed on " + have + " instead of " + want));
    }
    if (want.empty()) continue;
    Action expose = ExposureAction(plan.node, ActionKind::kExposeDatastore, spec,
                                   "apps on other nodes use " + label);
    expose.value = want;
    plan.actions.push_back(std::move(expose));
  }
}

void PlanLeftDatastoreExposure(const NodeDesiredState& desired, const ObservedNode& observed,
                               NodePlan& plan) {
  const std::string ours = desired.node.private_host + ":";
  for (const ObservedDatastore& live : observed.datastores) {
    const bool wanted = std::any_of(
        desired.datastores.begin(), desired.datastores.end(),
        [&](const DatastoreSpec& d) { return d.engine == live.engine && d.name == live.name; });
    if (wanted || !live.read_error.empty() || desired.node.private_host.empty() ||
        !live.exposed.starts_with(ours))
      continue;
    Action unexpose = NodeAction(plan.node, ActionKind::kUnexposeDatastore,
                                 live.engine + " datastore " + live.name +
                                     " is no longer in the repo here (exposed on " + live.exposed +
                                     "); it is kept, not exposed");
    unexpose.engine = live.engine;
    unexpose.target = live.name;
    plan.actions.push_back(std::move(unexpose));
  }
}

int AddRemoteDatastoreSecrets(const DesiredState& desired,
                              const std::map<std::string, std::string>& dsns,
                              SecretValues& secrets) {
  int unknown = 0;
  for (const NodeDesiredState& node : desired.nodes) {
    for (const AppSpec& app : node.apps) {
      for (const RemoteDatastore& r : app.remote_datastores) {
        auto dsn = dsns.find(r.node + "/" + r.name);
        std::optional<std::string> url =
            dsn == dsns.end() ? std::nullopt : RemoteDatastoreUrl(dsn->second, r.host, r.port);
        if (!url) {
          ++unknown;
          continue;
        }
        secrets[app.name][r.variable] = *url;
      }
    }
  }
  return unknown;
}

std::string RemoteDatastoreBlocked(const AppSpec& app, const SecretValues& secrets) {
  for (const RemoteDatastore& r : app.remote_datastores) {
    if (HasSecret(secrets, app.name, r.variable)) continue;
    return "waits for " + r.engine + " datastore " + r.name + " on node " + r.node +
           " (its URL for " + r.variable + " is read there once it exists)";
  }
  return "";
}

}  // namespace dflow
