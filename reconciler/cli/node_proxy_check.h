// The proxy part of `dflow node check`: the proxy the node's environment asks for, whether it
// runs, its settings, and the node's global domain (docs/proxy.md). What differs from the
// manifests is kDiffers (`dflow apply` converges it) with the Dokku commands that fix it by
// hand; only a report that cannot be read is kFail.
// Read-only: `proxy:report`, `domains:report` and the proxy's own `<proxy>:report`, each
// with `--global --format json`.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/transport/transport.h"
#include "reconciler/cli/node_check.h"

namespace dflow {

// The names of the items CheckNodeProxy fills, in order; none for a node no environment lists.
std::vector<std::string> ProxyCheckNames(const NodeDesiredState& node);

// Runs the checks through `transport`. "proxy running" is kUnknown: Dokku keeps whether a
// proxy runs in an internal property that no report shows.
std::vector<NodeCheckItem> CheckNodeProxy(const NodeDesiredState& node, Transport& transport);

}  // namespace dflow
