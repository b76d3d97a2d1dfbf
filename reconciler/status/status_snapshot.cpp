#include "reconciler/status/status_snapshot.h"

#include "reconciler/status/releases_json.h"
#include "reconciler/status/status_json.h"

namespace dflow {

Result<std::shared_ptr<const StatusSnapshot>> TakeStatusSnapshot(StatusStore& store,
                                                                 std::int64_t now) {
  auto snapshot = std::make_shared<StatusSnapshot>();
  auto apps = store.AppStatuses();
  if (!apps.ok()) return apps.status();
  snapshot->apps = std::move(apps).value();
  auto source = store.SourceStatus();
  if (!source.ok()) return source.status();
  snapshot->source = std::move(source).value();
  auto edges = store.EdgeStatuses();
  if (!edges.ok()) return edges.status();
  snapshot->edges = std::move(edges).value();
  auto history = store.History(kMaxHistoryServed, false);
  if (!history.ok()) return history.status();
  snapshot->history = std::move(history).value();
  auto changes = store.History(kMaxHistoryServed, true);
  if (!changes.ok()) return changes.status();
  snapshot->changes = std::move(changes).value();
  auto releases = store.Releases("", "", kMaxReleasesServed);
  if (!releases.ok()) return releases.status();
  snapshot->releases = std::move(releases).value();
  snapshot->status_json = StatusJson(snapshot->apps, snapshot->source, snapshot->edges);
  snapshot->taken_at = now;
  return std::shared_ptr<const StatusSnapshot>(std::move(snapshot));
}

}  // namespace dflow
