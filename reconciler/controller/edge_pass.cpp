#include "reconciler/controller/edge_pass.h"

#include <chrono>

#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/error_text.h"
#include "providers/edge/edge_file.h"
#include "providers/edge/traefik_api.h"
#include "reconciler/controller/store_write.h"
#include "reconciler/plan/edge_document.h"
#include "reconciler/status/app_status.h"

namespace dflow {
namespace {

std::string ShortSha(const std::string& sha) { return sha.empty() ? "-" : sha.substr(0, 12); }

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const auto& line : lines) joined += (joined.empty() ? "" : "\n") + line;
  return joined;
}

// The record every outcome starts from: names and the revision, nothing observed yet.
EdgeStatusRecord BaseRecord(const EdgePassInput& input) {
  EdgeStatusRecord record;
  record.edge = input.edge->name;
  record.environments = input.edge->environments;
  record.revision = input.revision;
  record.updated_at = input.now();
  record.sync = std::string(SyncStateName(SyncState::kUnknown));
  record.health = std::string(HealthStateName(HealthState::kUnknown));
  record.detail = "Unknown";
  return record;
}

ReconcileRecord QuietEdgePass(const EdgePassInput& input, const std::string& result,
                              const std::string& message) {
  const std::int64_t now = input.now();
  return {0,   input.revision, input.trigger, now,
          now, result,         message,       EdgeHistoryName(input.edge->name),
          1};
}

// Traefik's view of what dflow wrote: Healthy / Degraded / Failed (as Degraded, the worst health
// there is), or Unknown when the API does not answer.
void ReadBack(const EdgePassInput& input, const EdgeDocument& document, Transport& edge,
              EdgeStatusRecord& record) {
  Result<TraefikApiState> api = ReadTraefikApi(edge, input.edge->api_url);
  if (!api.ok()) {
    record.problems =
        "Traefik's API cannot be read, so its routes are unknown: " + api.status().message();
    return;
  }
  std::vector<std::string> routers, services;
  for (const auto& router : document.routers) routers.push_back(router.name);
  for (const auto& service : document.services) services.push_back(service.name);
  EdgeHealthReport report = MapEdgeHealth(*api, routers, services);
  record.traefik_version = api->version;
  record.detail = std::string(EdgeHealthName(report.health));
  record.health = std::string(HealthStateName(
      report.health == EdgeHealth::kHealthy ? HealthState::kHealthy : HealthState::kDegraded));
  record.problems = JoinLines(report.problems);
}

}  // namespace

std::string EdgeHistoryName(const std::string& edge) { return "edge/" + edge; }

void DeclareEdgeMetrics(Metrics& metrics) {
  metrics.DeclareCounter("dflow_edge_writes_total",
                         "Writes of an edge's dynamic-configuration file, by result.");
  metrics.DeclareGauge("dflow_edge_healthy",
                       "1 when the edge's Traefik serves every route dflow wrote with every "
                       "server UP, at its last read-back.");
}

EdgePassOutcome RunEdgePass(const EdgePassInput& input, Transport& edge, StatusStore& store,
                            Metrics& metrics) {
  EdgePassOutcome outcome;
  EdgeStatusRecord record = BaseRecord(input);
  const Labels labels = {{"edge", input.edge->name}};
  auto finish = [&](const std::string& result, const std::string& message) {
    outcome.health = record.health;
    metrics.Set("dflow_edge_healthy", labels, record.detail == "Healthy" ? 1 : 0);
    CheckStoreWrite(store.PutEdgeStatus(record), "edge status", metrics);
    if (!result.empty())
      CheckStoreWrite(store.RecordQuietPass(QuietEdgePass(input, result, message)),
                      "history (edge " + result + ")", metrics);
    return outcome;
  };

  Result<EdgeDocument> document = BuildEdgeDocument(*input.desired, *input.edge);
  if (!document.ok()) {
    // Nothing to route is no failure: the edge keeps its file (never an empty one, §2.7).
    record.problems = document.status().message();
    if (document.status().code() == Code::kNotReady) return finish("converged", record.problems);
    outcome.failed = true;
    outcome.error = record.problems;
    return finish("refused", record.problems);
  }
  const std::string yaml = EdgeDocumentYaml(*document);
  const std::string want_sha = Sha256Hex(yaml);
  const std::string path = input.edge->config_dir + "/" + input.edge->file_name;

  Result<EdgeFileState> file = ReadEdgeFile(edge, input.edge->config_dir, input.edge->file_name);
  if (!file.ok()) {
    outcome.status = file.status();
    outcome.failed = true;
    outcome.error = BoundErrorText("read " + path + ": " + file.status().message());
    record.problems = outcome.error;
    return finish("unreachable", outcome.error);
  }
  record.file_sha256 = file->sha256;
  if (file->exists && file->sha256 == want_sha) {
    record.sync = std::string(SyncStateName(SyncState::kSynced));
    ReadBack(input, *document, edge, record);
    return finish("converged", "");
  }

  // The file differs (or is missing): one reconcile with one action in the history.
  const std::string action =
      "write " + path + " (sha256 " + ShortSha(file->sha256) + " -> " + ShortSha(want_sha) + ")";
  const std::string name = EdgeHistoryName(input.edge->name);
  auto reconcile =
      store.BeginReconcile({0, input.revision, input.trigger, input.now(), 0, "", "", name, 1});
  CheckStoreWrite(reconcile.status(), "history (begin edge reconcile)", metrics);
  const auto started = std::chrono::steady_clock::now();
  Result<bool> wrote = WriteEdgeFile(edge, input.edge->config_dir, input.edge->file_name, yaml);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  const std::string result = wrote.ok() ? "ok" : "failed";
  const std::string error = wrote.ok() ? "" : BoundErrorText(wrote.status().message());
  metrics.Add("dflow_edge_writes_total", {{"edge", input.edge->name}, {"result", result}});
  if (reconcile.ok()) {
    CheckStoreWrite(
        store.RecordAction({*reconcile, name, "", action, result, took, error, input.now()}),
        "history (edge action)", metrics);
    CheckStoreWrite(store.FinishReconcile(*reconcile, result, error, input.now()),
                    "history (finish edge reconcile)", metrics);
  }
  if (!wrote.ok()) {
    outcome.status = wrote.status();
    outcome.failed = true;
    outcome.error = action + " failed: " + error;
    record.sync = std::string(SyncStateName(SyncState::kFailed));
    record.problems = outcome.error;
    return finish("", "");
  }
  outcome.wrote = true;
  record.file_sha256 = want_sha;
  record.sync = std::string(SyncStateName(SyncState::kSynced));
  record.health = std::string(HealthStateName(HealthState::kProgressing));
  record.detail = "Progressing";
  record.problems = "written; Traefik's view is read back in " +
                    std::to_string(kEdgeReadbackDelay.count()) + " s";
  return finish("", "");
}

}  // namespace dflow
