// The status store is the controller's record, not its work: a write that fails (disk full,
// a locked database) is logged and counted, and the pass goes on.
#pragma once

#include <string_view>

#include "manifests-schema/base/status.h"
#include "reconciler/status/metrics.h"

namespace dflow {

// Nothing when `status` is OK; else one warning "status store: <what>: <message>" and
// dflow_status_store_errors_total{what} + 1.
void CheckStoreWrite(const Status& status, std::string_view what, Metrics& metrics);

}  // namespace dflow
