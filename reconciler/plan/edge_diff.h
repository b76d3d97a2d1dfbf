// What a change of the config repo does to each edge, from the two edge documents alone: a
// pull request's plan contacts no edge (docs/pr-review.md), yet shows the routes and servers
// it adds and removes.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"

namespace dflow {

// One plain-text line per change, edges by name: "edge edge-1: route shop.example.com added
// (service dflow-shop-web-production)", "edge edge-1: service dflow-x: server
// http://10.10.0.12:80 removed", "edge edge-1 added: 3 route(s)", "edge edge-1 removed from the
// repo: its file on the edge is left as it is", or "edge edge-1: cannot be rendered: <why>".
// Empty when no edge document changes.
std::vector<std::string> DiffEdges(const DesiredState& base, const DesiredState& head);

}  // namespace dflow
