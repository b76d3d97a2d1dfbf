#include "reconciler/controller/store_write.h"

#include <spdlog/spdlog.h>

#include <string>

namespace dflow {

void CheckStoreWrite(const Status& status, std::string_view what, Metrics& metrics) {
  if (status.ok()) return;
  spdlog::warn("status store: {}: {}", what, status.message());
  metrics.Add("dflow_status_store_errors_total", {{"what", std::string(what)}});
}

}  // namespace dflow
