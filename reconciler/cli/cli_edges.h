// What `dflow plan` and `dflow apply` do about edges (docs/edge.md): render each edge's
// document, read the edge's copy's hash, and write the ones that differ, after the nodes.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "reconciler/cli/node_access.h"

namespace dflow::cli {

struct EdgePlan {
  std::string edge;      // EdgeSpec::name
  std::string address;   // "traefik@203.0.113.5:22"
  std::string path;      // config_dir/file_name on the edge
  std::string document;  // the bytes to write ("" when there is nothing to route or an error)
  std::string live_sha;  // the edge's copy ("" when missing or unread)
  std::string want_sha;  // of `document`
  std::string note;      // why nothing is written although nothing failed ("nothing to route")
  std::string error;     // why the edge cannot be planned (render refused, edge unreachable)
  bool changes() const { return error.empty() && !document.empty() && live_sha != want_sha; }
};

// One plan per edge that fronts `environment` (every edge when empty), in name order.
std::vector<EdgePlan> PlanEdges(const DesiredState& desired, const SshCredentials& credentials,
                                const std::string& environment);

// "edge edge-1 (traefik@...): write /etc/traefik/dynamic/dflow.yml (sha256 - -> 4f0c2d9e8b7a)"
// per edge; "" for none.
std::string FormatEdgePlansText(const std::vector<EdgePlan>& plans);

// Writes every edge whose file differs (each as WriteEdgeFile: atomic, checked), printing one
// line per edge to `out`. False when any edge failed (the others are still written).
bool ApplyEdges(const DesiredState& desired, const std::vector<EdgePlan>& plans,
                const SshCredentials& credentials, std::ostream& out);

// An SSH transport to the edge as its manifest's shell user (RemoteShell::kPosixCommand).
Result<std::unique_ptr<Transport>> ConnectToEdge(const EdgeSpec& edge,
                                                 const SshCredentials& credentials);

}  // namespace dflow::cli
