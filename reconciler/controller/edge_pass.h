// One pass over one edge Traefik, as the controller runs it (docs/edge.md): render the edge's
// document from the desired state, compare it with the edge's copy by hash, write it when it
// differs (atomically, WriteEdgeFile), and otherwise read back what Traefik made of it through
// its API on the edge's loopback. A pass that writes reports "Progressing": the next pass,
// kEdgeReadbackDelay later, reads Traefik's view (its file watcher throttles reloads by 2 s).
// Edges never share a pass with nodes, so a dead edge delays only itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "manifests-schema/desired_state.h"
#include "providers/transport/transport.h"
#include "reconciler/status/metrics.h"
#include "reconciler/status/status_store.h"

namespace dflow {

// How long after a write Traefik's view is read back (reference traefik.md §5.2: at least 3 s).
inline constexpr std::chrono::seconds kEdgeReadbackDelay{3};

struct EdgePassInput {
  const EdgeSpec* edge = nullptr;
  const DesiredState* desired = nullptr;
  std::string revision;               // commit of the desired state
  std::string trigger;                // "interval", "revision", "readback", ...
  std::function<std::int64_t()> now;  // unix seconds
};

struct EdgePassOutcome {
  Status status;        // why the edge could not be read or written; its code drives the loop
  bool wrote = false;   // the file was written: read Traefik's view back after the delay
  bool failed = false;  // the document could not be made or written, or the edge not reached
  std::string error;    // why, for logs (never a secret: the document holds none)
  std::string health;   // HealthStateName() recorded for the edge
};

// The history and status name of an edge ("edge/<name>"): edges share the history with nodes.
std::string EdgeHistoryName(const std::string& edge);

// Render, compare, write or read back; records the edge's status (EdgeStatusRecord), the
// history (a write is a reconcile with one action; other passes are quiet passes) and the
// metrics. A failed store write is logged and counted, never fatal.
EdgePassOutcome RunEdgePass(const EdgePassInput& input, Transport& edge, StatusStore& store,
                            Metrics& metrics);

// Declares the metrics RunEdgePass updates.
void DeclareEdgeMetrics(Metrics& metrics);

}  // namespace dflow
