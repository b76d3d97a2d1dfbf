#include "reconciler/cli/cli_edges.h"

#include <algorithm>
#include <ostream>

#include "manifests-schema/base/digest.h"
#include "providers/edge/edge_file.h"
#include "reconciler/plan/edge_document.h"

namespace dflow::cli {
namespace {

bool Fronts(const EdgeSpec& edge, const std::string& environment) {
  return environment.empty() || std::find(edge.environments.begin(), edge.environments.end(),
                                          environment) != edge.environments.end();
}

std::string Short(const std::string& sha) { return sha.empty() ? "-" : sha.substr(0, 12); }

}  // namespace

Result<std::unique_ptr<Transport>> ConnectToEdge(const EdgeSpec& edge,
                                                 const SshCredentials& credentials) {
  NodeSpec as_node;  // the same credentials and host-key rules as a node's
  as_node.name = edge.name;
  as_node.host = edge.host;
  as_node.port = edge.port;
  as_node.user = edge.user;
  as_node.host_key = edge.host_key;
  return ConnectToNode(as_node, credentials, RemoteShell::kPosixCommand);
}

std::vector<EdgePlan> PlanEdges(const DesiredState& desired, const SshCredentials& credentials,
                                const std::string& environment) {
  std::vector<EdgePlan> plans;
  for (const EdgeSpec& edge : desired.edges) {
    if (!Fronts(edge, environment)) continue;
    EdgePlan plan;
    plan.edge = edge.name;
    plan.address = edge.user + "@" + edge.host + ":" + std::to_string(edge.port);
    plan.path = edge.config_dir + "/" + edge.file_name;
    Result<std::string> document = RenderEdgeDocument(desired, edge);
    if (!document.ok()) {
      // Nothing to route is no failure: the edge keeps what it has (never an empty file).
      (document.status().code() == Code::kNotReady ? plan.note : plan.error) =
          document.status().message();
      plans.push_back(std::move(plan));
      continue;
    }
    plan.document = *document;
    plan.want_sha = Sha256Hex(plan.document);
    Result<std::unique_ptr<Transport>> transport = ConnectToEdge(edge, credentials);
    if (transport.ok()) plan.transport = std::move(transport).value();
    Result<EdgeFileState> state =
        plan.transport ? ReadEdgeFile(*plan.transport, edge.config_dir, edge.file_name)
                       : Result<EdgeFileState>(transport.status());
    if (!state.ok())
      plan.error = state.status().message();
    else if (state->exists)
      plan.live_sha = state->sha256;
    plans.push_back(std::move(plan));
  }
  return plans;
}

std::string FormatEdgePlanLine(const EdgePlan& plan) {
  std::string line = "edge " + plan.edge + " (" + plan.address + "): ";
  if (!plan.error.empty()) return line + "cannot be planned: " + plan.error;
  if (!plan.note.empty()) return line + "nothing written: " + plan.note;
  if (plan.changes())
    return line + "write " + plan.path + " (sha256 " + Short(plan.live_sha) + " -> " +
           Short(plan.want_sha) + ")";
  return line + plan.path + " is up to date";
}

std::string FormatEdgePlansText(const std::vector<EdgePlan>& plans) {
  std::string text;
  for (const EdgePlan& plan : plans) text += FormatEdgePlanLine(plan) + "\n";
  return text;
}

bool ApplyEdges(const DesiredState& desired, const std::vector<EdgePlan>& plans,
                std::ostream& out) {
  bool ok = true;
  for (const EdgePlan& plan : plans) {
    if (!plan.changes()) continue;
    auto edge = std::find_if(desired.edges.begin(), desired.edges.end(),
                             [&](const EdgeSpec& e) { return e.name == plan.edge; });
    if (edge == desired.edges.end()) continue;
    // changes() implies the plan read the edge's file, through this very connection.
    Result<bool> wrote =
        WriteEdgeFile(*plan.transport, edge->config_dir, edge->file_name, plan.document);
    if (!wrote.ok()) {
      out << "[edge " << plan.edge << "] failed: write " << plan.path << " — "
          << wrote.status().message() << "\n";
      ok = false;
      continue;
    }
    out << "[edge " << plan.edge << "] " << (*wrote ? "ok: wrote " : "ok: already ") << plan.path
        << " (sha256 " << Short(plan.want_sha) << ")\n";
  }
  return ok;
}

}  // namespace dflow::cli
