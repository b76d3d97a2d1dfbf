#include "reconciler/status/metrics.h"

#include <doctest/doctest.h>

namespace dflow {
namespace {

TEST_CASE("metrics render in the Prometheus text format") {
  Metrics m;
  m.DeclareCounter("dflow_actions_total", "Dokku actions by result.");
  m.DeclareGauge("dflow_nodes_reachable", "Nodes that answered the last observe.");
  m.DeclareHistogram("dflow_reconcile_duration_seconds", "Reconcile wall time.", {0.5, 5});
  m.Add("dflow_actions_total", {{"result", "ok"}});
  m.Add("dflow_actions_total", {{"result", "ok"}}, 2);
  m.Add("dflow_actions_total", {{"result", "failed"}});
  m.Set("dflow_nodes_reachable", {}, 3);
  m.Observe("dflow_reconcile_duration_seconds", {}, 0.25);
  m.Observe("dflow_reconcile_duration_seconds", {}, 2);
  m.Add("undeclared", {});
  CHECK(m.Render() ==
        "# HELP dflow_actions_total Dokku actions by result.\n"
        "# TYPE dflow_actions_total counter\n"
        "dflow_actions_total{result=\"failed\"} 1\n"
        "dflow_actions_total{result=\"ok\"} 3\n"
        "# HELP dflow_nodes_reachable Nodes that answered the last observe.\n"
        "# TYPE dflow_nodes_reachable gauge\n"
        "dflow_nodes_reachable 3\n"
        "# HELP dflow_reconcile_duration_seconds Reconcile wall time.\n"
        "# TYPE dflow_reconcile_duration_seconds histogram\n"
        "dflow_reconcile_duration_seconds_bucket{le=\"0.5\"} 1\n"
        "dflow_reconcile_duration_seconds_bucket{le=\"5\"} 2\n"
        "dflow_reconcile_duration_seconds_bucket{le=\"+Inf\"} 2\n"
        "dflow_reconcile_duration_seconds_sum 2.25\n"
        "dflow_reconcile_duration_seconds_count 2\n");
}

TEST_CASE("label values are escaped") {
  Metrics m;
  m.DeclareGauge("g", "h");
  m.Set("g", {{"env", "a\"b\\c\nd"}}, 1);
  CHECK(m.Render().find("g{env=\"a\\\"b\\\\c\\nd\"} 1\n") != std::string::npos);
}

}  // namespace
}  // namespace dflow
