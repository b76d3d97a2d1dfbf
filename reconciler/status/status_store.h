// The controller's memory: per-app status, the source's state and the history of every
// reconcile and action, in SQLite inside the state directory, so a restart (even after
// SIGKILL) loses nothing. Thread-safe; every write is one transaction. Error and message texts
// are stored cut to kMaxErrorBytes (manifests-schema/base/error_text.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

struct AppStatusRecord {
  std::string node;
  std::string app;  // Dokku app name
  std::string environment;
  std::string application;
  std::string service;
  std::string sync;             // SyncStateName()
  std::string health;           // HealthStateName()
  std::string revision;         // commit last applied to this app
  std::string last_error;       // "" when the last reconcile of the app succeeded
  std::int64_t updated_at = 0;  // unix seconds
  std::int64_t synced_at = 0;   // last time it was seen Synced
};

struct SourceStatusRecord {
  std::string applied_revision;  // the commit whose desired state is in force
  std::string applied_author;
  std::string applied_message;
  std::string attempted_revision;  // newest commit seen; differs when it did not validate
  std::string error;               // why attempted was not applied (file:line diagnostics)
  std::int64_t updated_at = 0;
};

struct ReconcileRecord {
  std::int64_t id = 0;
  std::string revision;
  std::string trigger;  // "interval", "webhook", "start", "cli"
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;  // 0 while running (or when the controller died)
  // "ok", "failed", "interrupted", "" while running; passes that ran nothing:
  // "converged", "unreachable", "stalled", "waiting", "refused" (RecordQuietPass).
  std::string result;
  std::string message;
  std::string node;         // the node of this pass ("" in records from before v0.1)
  std::int64_t passes = 1;  // quiet passes folded into this record
};

struct ActionRecord {
  std::int64_t reconcile_id = 0;
  std::string node;
  std::string app;
  std::string action;  // redacted display form, never a secret value
  std::string result;  // "ok", "failed", "skipped"
  std::int64_t duration_ms = 0;
  std::string error;
  std::int64_t at = 0;
};

// An edge Traefik as the controller last saw it (docs/edge.md): is its file dflow's document,
// and what Traefik made of it.
struct EdgeStatusRecord {
  std::string edge;                       // EdgeSpec::name
  std::vector<std::string> environments;  // the environments it fronts, sorted
  std::string sync;                       // SyncStateName(): Synced when the file is ours
  std::string health;                     // HealthStateName() (Failed counts as Degraded)
  std::string detail;                     // "Healthy", "Degraded", "Failed" (EdgeHealthName),
                                          // "Progressing", "Unknown"
  std::string problems;                   // one per line: what is wrong and where
  std::string file_sha256;                // of the edge's copy, "" when missing or unread
  std::string traefik_version;            // from its API, "" when unread
  std::string revision;                   // commit whose document the file holds
  std::int64_t updated_at = 0;            // unix seconds
};

// A deploy dflow made (docs/sources.md, "Releases"): what went to which app on which node, from
// which config-repo commit, why, and how it ended.
struct ReleaseRecord {
  std::int64_t id = 0;
  std::string node;
  std::string app;  // Dokku app name
  std::string environment;
  std::string application;
  std::string service;
  std::string source;         // "git <url>#<sha or ref>" or "image <ref>" (URLs scrubbed)
  std::string config_digest;  // AppSpecDigest: what the app was configured with
  std::string revision;       // config-repo commit
  std::string trigger;        // the pass's trigger: "revision ...", "source ref moved", ...
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  std::string result;    // "ok", "failed"
  std::string message;   // why it failed (Dokku's error, secrets scrubbed)
  std::string build_id;  // Dokku's builds:report build-id, once observed ("" before)
};

// An app dflow is about to create, recorded before `apps:create` runs. If the controller dies
// between creating the app and marking it as managed, the intent proves the unmarked app is
// dflow's own, so the next pass adopts it instead of refusing to touch it.
struct CreateIntent {
  std::string node;
  std::string app;
  std::string marker;  // the DFLOW_MANAGED value the app must get
};

// A service held at an earlier release by `dflow rollback --now` (docs/sources.md,
// "Rollback"): deployed at once, OutOfSync with Git until a config-repo commit newer than
// `pinned_against` is in force.
struct RollbackPinRecord {
  std::string application;
  std::string environment;
  std::string service;
  std::string key;    // "ref" (a commit of the service's git source) or "image"
  std::string value;  // the sha or image the release deployed
  std::int64_t release_id = 0;
  std::string pinned_against;  // the config-repo commit in force when it was pinned
  std::int64_t created_at = 0;
};

class StatusStore {
 public:
  // Opens (creating if needed) the database at `path`. kUnavailable when it cannot.
  static Result<std::unique_ptr<StatusStore>> Open(const std::string& path);
  virtual ~StatusStore() = default;

  virtual Result<std::int64_t> BeginReconcile(const ReconcileRecord& record) = 0;
  virtual Status FinishReconcile(std::int64_t id, const std::string& result,
                                 const std::string& message, std::int64_t finished_at) = 0;
  virtual Status RecordAction(const ActionRecord& record) = 0;
  virtual Status PutAppStatus(const AppStatusRecord& record) = 0;  // insert or replace
  virtual Status RemoveAppStatus(const std::string& node, const std::string& app) = 0;
  virtual Status PutSourceStatus(const SourceStatusRecord& record) = 0;

  virtual Status PutEdgeStatus(const EdgeStatusRecord& record) = 0;  // insert or replace
  virtual Status RemoveEdgeStatus(const std::string& edge) = 0;

  virtual Result<std::vector<AppStatusRecord>> AppStatuses() = 0;    // sorted by env, app, node
  virtual Result<std::vector<EdgeStatusRecord>> EdgeStatuses() = 0;  // sorted by name
  virtual Result<SourceStatusRecord> SourceStatus() = 0;
  // A pass that ran no action ("converged", "unreachable", "refused"): every pass is in the
  // history, but a run of identical quiet passes (same node, revision, result and message) is
  // one record whose `passes` counts them and whose finished_at is the latest, so that an idle
  // fleet does not push the passes that changed something out of the bounded history.
  virtual Status RecordQuietPass(const ReconcileRecord& record) = 0;

  // Newest first, at most `limit`, each with its actions in order. `changes_only` leaves out
  // the quiet passes.
  virtual Result<std::vector<std::pair<ReconcileRecord, std::vector<ActionRecord>>>> History(
      int limit, bool changes_only = false) = 0;

  // Adds a release; returns its id.
  virtual Result<std::int64_t> RecordRelease(const ReleaseRecord& record) = 0;
  // Newest first, at most `limit`; "" matches any app or environment.
  virtual Result<std::vector<ReleaseRecord>> Releases(const std::string& app,
                                                      const std::string& environment,
                                                      int limit) = 0;
  // The apps of `node` whose newest release succeeded and has no build id yet.
  virtual Result<std::vector<std::string>> AppsAwaitingBuildId(const std::string& node) = 0;
  // Sets the build id of the newest release of node/app when it has none.
  virtual Status SetReleaseBuildId(const std::string& node, const std::string& app,
                                   const std::string& build_id) = 0;

  virtual Status PutIntent(const CreateIntent& intent) = 0;
  virtual Status RemoveIntent(const std::string& node, const std::string& app) = 0;
  virtual Result<std::vector<CreateIntent>> Intents(const std::string& node) = 0;

  // One pin per service of an environment: a new one replaces it.
  virtual Status PutPin(const RollbackPinRecord& pin) = 0;
  virtual Status RemovePin(const std::string& application, const std::string& environment,
                           const std::string& service) = 0;
  virtual Result<std::vector<RollbackPinRecord>> Pins() = 0;  // sorted by environment, app

  // Marks reconciles left running by a controller that died (finished_at 0) as interrupted.
  virtual Status MarkInterrupted(std::int64_t now) = 0;

  // Keeps the newest `keep` reconciles and their actions, and the newest `keep` releases;
  // bounded retention.
  virtual Status Prune(int keep) = 0;
};

}  // namespace dflow
