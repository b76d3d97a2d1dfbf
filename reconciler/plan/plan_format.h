// Human and machine renderings of node plans. Deterministic (same plans, same bytes).
// Destructive actions and refused plans are called out at the top of each node; secret
// values never appear (commands are shown through DisplayDokkuCommand).
#pragma once

#include <string>
#include <vector>

#include "reconciler/plan/plan.h"

namespace dflow {

// Text for people, e.g.
//   node web-1: 3 changes, 1 destructive
//     !! DESTROY app old-api: production/api/web is no longer in the repo (pruning on)
//     1. set-config api: config LOG_LEVEL changed
//        $ dokku config:set --no-restart api LOG_LEVEL=debug
//   ...
std::string FormatPlansText(const std::vector<NodePlan>& plans);

// JSON: {"nodes":[{"node","refused","refusal","changes","destructive","actions":[{"kind",
// "app","reason","destructive","report_only","command"}],"notes":[{"kind","subject",
// "message"}]}],"changes":N,"destructive":N}. Indented by two spaces, newline-terminated.
std::string FormatPlansJson(const std::vector<NodePlan>& plans);

}  // namespace dflow
