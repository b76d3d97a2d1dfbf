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
    Result<EdgeFileState> state = transport.ok()
                                      ? ReadEdgeFile(**transport, edge.config_dir, edge.file_name)
                                      : Result<EdgeFileState>(transport.status());
    if (!state.ok())
      plan.error = state.status().message();
    else if (state->exists)
      plan.live_sha = state->sha256;
    plans.push_back(std::move(plan));
  }
  return plans;
}

std::string FormatEdgePlansText(const std::vector<EdgePlan>& plans) {
  std::string text;
  for (const EdgePlan& plan : plans) {
    text += "edge " + plan.edge + " (" + plan.address + "): ";
    if (!plan.error.empty())
      text += "cannot be planned: " + plan.error;
    else if (!plan.note.empty())
      text += "nothing written: " + plan.note;
    else if (plan.changes())
      text += "write " + plan.path + " (sha256 " + Short(plan.live_sha) + " -> " +
              Short(plan.want_sha) + ")";
    else
      text += plan.path + " is up to date";
    text += "\n";
  }
  return text;
}

bool ApplyEdges(const DesiredState& desired, const std::vector<EdgePlan>& plans,
                const SshCredentials& credentials, std::ostream& out) {
  bool ok = true;
  for (const EdgePlan& plan : plans) {
    if (!plan.changes()) continue;
    auto edge = std::find_if(desired.edges.begin(), desired.edges.end(),
                             [&](const EdgeSpec& e) { return e.name == plan.edge; });
    if (edge == desired.edges.end()) continue;
    Result<std::unique_ptr<Transport>> transport = ConnectToEdge(*edge, credentials);
    Result<bool> wrote = transport.ok() ? WriteEdgeFile(**transport, edge->config_dir,
                                                        edge->file_name, plan.document)
                                        : Result<bool>(transport.status());
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
