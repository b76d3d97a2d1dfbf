// What the HTTP side serves: one read of the status store, taken by the controller after its
// writes and handed to the I/O thread as a `shared_ptr<const StatusSnapshot>`. Handlers never
// query SQLite or build the large status document, so a big fleet or a locked database cannot
// stall /healthz or the webhook (docs/api.md, "Freshness").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reconciler/status/status_store.h"

namespace dflow {

using HistoryEntries = std::vector<std::pair<ReconcileRecord, std::vector<ActionRecord>>>;

// The most reconciles /api/v1/history can return (its `limit` is capped there).
inline constexpr int kMaxHistoryServed = 500;

struct StatusSnapshot {
  std::vector<AppStatusRecord> apps;  // sorted by environment, app, node
  std::optional<SourceStatusRecord> source;
  std::vector<EdgeStatusRecord> edges;  // sorted by name
  std::string status_json;              // the /api/v1/status body, rendered once per snapshot
  HistoryEntries history;               // newest first, at most kMaxHistoryServed
  HistoryEntries changes;               // the same for the passes that ran actions (?changes=1)
  std::vector<ReleaseRecord> releases;  // newest first, at most kMaxReleasesServed
  std::int64_t taken_at = 0;            // unix seconds
};

// Reads everything a snapshot holds from `store`; the store's error when a read fails.
Result<std::shared_ptr<const StatusSnapshot>> TakeStatusSnapshot(StatusStore& store,
                                                                 std::int64_t now);

}  // namespace dflow
