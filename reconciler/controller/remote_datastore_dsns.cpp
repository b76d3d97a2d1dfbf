#include "reconciler/controller/remote_datastore_dsns.h"

#include <set>

namespace dflow {
namespace {

// "<node>/<service>" -> the datastore, for each one some app uses from another node.
std::map<std::string, std::pair<const NodeDesiredState*, const DatastoreSpec*>> Wanted(
    const DesiredState& desired, const std::string& consumer_node) {
  std::set<std::string> used;
  for (const NodeDesiredState& node : desired.nodes)
    if (consumer_node.empty() || node.node.name == consumer_node)
      for (const AppSpec& app : node.apps)
        for (const RemoteDatastore& r : app.remote_datastores) used.insert(r.node + "/" + r.name);
  std::map<std::string, std::pair<const NodeDesiredState*, const DatastoreSpec*>> wanted;
  for (const NodeDesiredState& node : desired.nodes)
    for (const DatastoreSpec& d : node.datastores)
      if (used.count(node.node.name + "/" + d.name))
        wanted[node.node.name + "/" + d.name] = {&node, &d};
  return wanted;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

RemoteDatastoreDsns ReadRemoteDatastoreDsns(const DesiredState& desired, Fleet& fleet,
                                            const std::string& consumer_node) {
  RemoteDatastoreDsns out;
  for (const auto& [key, where] : Wanted(desired, consumer_node)) {
    const auto& [node, spec] = where;
    const std::string label =
        "node " + node->node.name + ": " + spec->engine + " datastore " + spec->name + ": ";
    Result<Transport*> transport = fleet.TransportFor(node->node);
    if (!transport.ok()) {
      out.errors.push_back(label + transport.status().message());
      continue;
    }
    Result<ExecResult> r =
        (*transport)->RunDokku({"--quiet", spec->engine + ":info", spec->name, "--dsn"});
    if (!r.ok()) {
      out.errors.push_back(label + r.status().message());
      continue;
    }
    if (r->exit_code != 0) {
      // "Postgres service <svc> does not exist": not created yet, its consumers wait.
      if (r->err.find(" does not exist") == std::string::npos)
        out.errors.push_back(label + "info --dsn exited " + std::to_string(r->exit_code));
      continue;
    }
    std::string dsn = FirstLine(r->out);
    if (!dsn.empty()) out.dsns[key] = std::move(dsn);
  }
  return out;
}

}  // namespace dflow
