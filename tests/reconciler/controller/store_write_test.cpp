#include "reconciler/controller/store_write.h"

#include <doctest/doctest.h>

#include <string>

namespace dflow {
namespace {

TEST_CASE("a failed status-store write is counted by what was written, a good one is not") {
  Metrics metrics;
  metrics.DeclareCounter("dflow_status_store_errors_total", "test");
  CheckStoreWrite(Status::Ok(), "app status", metrics);
  CHECK(metrics.Render().find("dflow_status_store_errors_total{") == std::string::npos);
  CheckStoreWrite(Status(Code::kUnavailable, "database is locked"), "app status", metrics);
  CheckStoreWrite(Status(Code::kUnavailable, "database is locked"), "app status", metrics);
  CheckStoreWrite(Status(Code::kUnavailable, "disk I/O error"), "history", metrics);
  const std::string text = metrics.Render();
  CHECK(text.find("dflow_status_store_errors_total{what=\"app status\"} 2") != std::string::npos);
  CHECK(text.find("dflow_status_store_errors_total{what=\"history\"} 1") != std::string::npos);
}

}  // namespace
}  // namespace dflow
