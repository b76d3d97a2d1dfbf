// What `dflow plan` and `dflow apply` do about edges (docs/edge.md): render each edge's
// document, read the edge's copy's hash, and write the ones that differ, after the nodes.
#pragma once

#include <iosfwd>
#include <memory>
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
  std::shared_ptr<Transport> transport;  // the connection the plan read through; apply reuses it
  bool changes() const { return error.empty() && !document.empty() && live_sha != want_sha; }
};

// One plan per edge that fronts `environment` (every edge when empty), in name order.
std::vector<EdgePlan> PlanEdges(const DesiredState& desired, const SshCredentials& credentials,
                                const std::string& environment);

// "edge edge-1 (traefik@...): write /etc/traefik/dynamic/dflow.yml (sha256 - -> 4f0c2d9e8b7a)",
// or "... is up to date", "... nothing written: <why>", "... cannot be planned: <why>".
std::string FormatEdgePlanLine(const EdgePlan& plan);

// FormatEdgePlanLine of each plan, one per line; "" for none.
std::string FormatEdgePlansText(const std::vector<EdgePlan>& plans);

// Writes every edge whose file differs (each as WriteEdgeFile: atomic, checked), over the
// connection its plan read through, printing one line per edge to `out`. False when any edge
// failed (the others are still written).
bool ApplyEdges(const DesiredState& desired, const std::vector<EdgePlan>& plans, std::ostream& out);

// An SSH transport to the edge as its manifest's shell user (RemoteShell::kPosixCommand).
Result<std::unique_ptr<Transport>> ConnectToEdge(const EdgeSpec& edge,
                                                 const SshCredentials& credentials);

}  // namespace dflow::cli
