#include "reconciler/controller/node_pass.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include "manifests-schema/base/error_text.h"
#include "manifests-schema/base/secret.h"
#include "providers/dokku/dokku_commands.h"
#include "providers/dokku/dokku_observer.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/apply/apply.h"
#include "reconciler/controller/loop_policy.h"
#include "reconciler/controller/store_write.h"
#include "reconciler/controller/wakeup.h"
#include "reconciler/plan/datastore_move.h"
#include "reconciler/status/app_status.h"

namespace dflow {
namespace {

std::string ManagedMarkerOf(const AppSpec& app) {
  return app.environment + "/" + app.application + "/" + app.service;
}

const ObservedApp* FindObserved(const ObservedNode& node, const std::string& name) {
  for (const auto& app : node.apps)
    if (app.name == name) return &app;
  return nullptr;
}

// An app dflow created whose marker never got written (the controller died in between) is
// marked now, so the plan treats it as dflow's own rather than as a foreign app.
void RecoverInterruptedCreates(const NodePassInput& input, Transport& transport, StatusStore& store,
                               Metrics& metrics, ObservedNode& observed) {
  auto intents = store.Intents(input.node->node.name);
  if (!intents.ok()) return;
  for (const CreateIntent& intent : *intents) {
    ObservedApp* app = nullptr;
    for (auto& candidate : observed.apps)
      if (candidate.name == intent.app) app = &candidate;
    if (app == nullptr || app->managed) {
      // Never created, or already marked.
      CheckStoreWrite(store.RemoveIntent(intent.node, intent.app), "remove create intent", metrics);
      continue;
    }
    Action mark;
    mark.kind = ActionKind::kSetConfig;
    mark.node = intent.node;
    mark.app = intent.app;
    mark.config = {ConfigEntry{kManagedMarkerKey, intent.marker, false, ""}};
    auto command = RenderDokkuCommand(mark, {});
    if (!command.ok()) continue;
    auto result = transport.RunDokku(command->argv, input.exec);
    if (result.ok() && result->exit_code == 0) {
      spdlog::info("node={} app={} adopted an app created by an interrupted reconcile", intent.node,
                   intent.app);
      app->managed = true;
      app->config[kManagedMarkerKey] = intent.marker;
      CheckStoreWrite(store.RemoveIntent(intent.node, intent.app), "remove create intent", metrics);
    }
  }
}

// Drops the actions of apps still waiting out their backoff; returns those apps.
std::set<std::string> HoldBackingOffApps(NodePlan& plan,
                                         const std::map<std::string, AppBackoff>& backoff,
                                         std::int64_t now) {
  std::set<std::string> held;
  for (const auto& [app, state] : backoff)
    if (state.retry_at > now) held.insert(app);
  std::erase_if(plan.actions,
                [&](const Action& a) { return !a.app.empty() && held.contains(a.app); });
  return held;
}

struct AppOutcome {
  bool ran = false;
  bool failed = false;
  bool drift_reported = false;
  std::string error;
  std::string unread;        // why its state could not be read (a plan note): Unknown, no backoff
  std::string stale_source;  // why its git ref was not resolved: shown, the sync unchanged
};

std::map<std::string, AppOutcome> OutcomesByApp(const NodePlan& plan, const ApplyResult* result) {
  std::map<std::string, AppOutcome> outcomes;
  for (const Action& action : plan.actions)
    if (action.report_only) outcomes[action.app].drift_reported = true;
  for (const PlanNote& note : plan.notes) {
    if (note.kind == NoteKind::kConflict || note.kind == NoteKind::kBlocked) {
      outcomes[note.subject].failed = true;
      outcomes[note.subject].error = note.message;
    } else if (note.kind == NoteKind::kUnread) {
      outcomes[note.subject].unread = note.message;
    } else if (note.kind == NoteKind::kStaleSource) {
      outcomes[note.subject].stale_source = note.message;
    }
  }
  if (result == nullptr) return outcomes;
  for (const auto& node : result->nodes) {
    for (const ActionResult& r : node.actions) {
      AppOutcome& o = outcomes[r.action.app];
      if (r.outcome == ActionOutcome::kRan) o.ran = true;
      if (r.outcome == ActionOutcome::kFailed) {
        o.failed = true;
        if (o.error.empty())
          o.error = BoundErrorText(r.display + ": " + r.message);  // as run, secrets redacted
      }
    }
  }
  return outcomes;
}

void RecordStatuses(const NodePassInput& input, const ObservedNode* observed,
                    const std::map<std::string, AppOutcome>& outcomes,
                    const std::set<std::string>& held, const std::string& node_error,
                    const std::map<std::string, AppBackoff>& backoff, StatusStore& store,
                    Metrics& metrics) {
  const std::int64_t now = input.now();
  auto previous = store.AppStatuses();
  std::set<std::string> desired_names;
  for (const AppSpec& app : input.node->apps) {
    desired_names.insert(app.name);
    if (!input.only_apps.empty() && !input.only_apps.contains(app.name)) continue;
    AppStatusRecord record{input.node->node.name,
                           app.name,
                           app.environment,
                           app.application,
                           app.service,
                           "",
                           "",
                           input.revision,
                           "",
                           now,
                           0};
    if (previous.ok()) {
      for (const auto& p : *previous)
        if (p.node == record.node && p.app == record.app) record.synced_at = p.synced_at;
    }
    auto it = outcomes.find(app.name);
    const AppOutcome outcome = it == outcomes.end() ? AppOutcome{} : it->second;
    SyncState sync = SyncState::kSynced;
    const ObservedApp* live = observed ? FindObserved(*observed, app.name) : nullptr;
    if (observed == nullptr) {
      sync = SyncState::kUnknown;
      record.last_error = node_error;
    } else if (live != nullptr && !live->read_error.empty()) {
      sync = SyncState::kUnknown;  // the node answered, this app's state could not be read
      record.last_error = "could not be read: " + live->read_error;
    } else if (!outcome.unread.empty()) {
      sync = SyncState::kUnknown;  // e.g. the links of a datastore it needs
      record.last_error = outcome.unread;
    } else if (outcome.failed || held.contains(app.name)) {
      sync = SyncState::kFailed;
      record.last_error = outcome.error;
      if (held.contains(app.name) && backoff.contains(app.name))
        record.last_error = "backing off after " + std::to_string(backoff.at(app.name).failures) +
                            " failed attempt(s); next at " +
                            std::to_string(backoff.at(app.name).retry_at);
    } else if (outcome.ran) {
      sync = SyncState::kProgressing;
    } else if (outcome.drift_reported) {
      sync = SyncState::kOutOfSync;
    }
    // Running what a rollback pinned is running something Git does not say.
    if (auto pin = input.pins.find(app.name); pin != input.pins.end()) {
      if (sync == SyncState::kSynced) sync = SyncState::kOutOfSync;
      if (record.last_error.empty()) record.last_error = pin->second;
    }
    if (sync == SyncState::kSynced) record.synced_at = now;
    // The app runs the commit it ran; it says why that may no longer be the ref's.
    if (record.last_error.empty()) record.last_error = outcome.stale_source;
    record.sync = std::string(SyncStateName(sync));
    const bool readable = observed != nullptr && (live == nullptr || live->read_error.empty());
    record.health =
        std::string(HealthStateName(readable ? HealthOf(app, live) : HealthState::kUnknown));
    CheckStoreWrite(store.PutAppStatus(record), "app status", metrics);
  }
  if (previous.ok() && input.only_apps.empty()) {
    for (const auto& p : *previous)
      if (p.node == input.node->node.name && !desired_names.contains(p.app))
        CheckStoreWrite(store.RemoveAppStatus(p.node, p.app), "remove app status", metrics);
  }
}

void UpdateBackoff(const NodePassInput& input, const std::map<std::string, AppOutcome>& outcomes,
                   std::map<std::string, AppBackoff>& backoff) {
  for (const auto& [app, outcome] : outcomes) {
    if (app.empty()) continue;
    if (outcome.failed) {
      AppBackoff& state = backoff[app];
      ++state.failures;
      state.retry_at =
          input.now() + BackoffDelay(state.failures, input.backoff_base, input.backoff_cap).count();
    } else if (outcome.ran) {
      backoff.erase(app);  // recovered
    }
  }
}

}  // namespace

void DeclareControllerMetrics(Metrics& metrics) {
  metrics.DeclareHistogram("dflow_reconcile_duration_seconds",
                           "Wall time of one node reconcile (observe, plan, apply).",
                           {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300});
  metrics.DeclareCounter("dflow_actions_total", "Dokku actions run, by result.");
  metrics.DeclareCounter("dflow_drift_corrections_total",
                         "Reconciles that changed a node while the desired revision was the one "
                         "already applied (hand-made drift put back).");
  metrics.DeclareGauge("dflow_node_reachable", "1 when the node answered its last observe.");
  metrics.DeclareGauge("dflow_nodes_reachable", "Nodes that answered their last observe.");
  metrics.DeclareGauge("dflow_last_successful_sync_timestamp_seconds",
                       "Unix time of the last reconcile that left every app of the environment "
                       "on a node Synced.");
  metrics.DeclareCounter("dflow_source_fetch_failures_total", "Failed fetches of the config repo.");
  metrics.DeclareGauge("dflow_source_valid", "1 when the newest commit validated.");
  metrics.DeclareCounter("dflow_source_ref_resolutions_total",
                         "Resolutions of the apps' git refs (each lists every app repository "
                         "once, in the fetch child).");
  metrics.DeclareCounter("dflow_status_store_errors_total",
                         "Writes to the status store (state.db) that failed, by what was written.");
}

namespace {

// A pass that ran nothing, for the history (StatusStore::RecordQuietPass folds repeats).
ReconcileRecord QuietPass(const NodePassInput& input, const std::string& result,
                          const std::string& message) {
  const std::int64_t now = input.now();
  return {0, input.revision, input.trigger, now, now, result, message, input.node->node.name, 1};
}

// The history's word for a pass whose observe failed: "observe-failed" when the node answered
// but a node-wide command failed, otherwise from what the loop does next.
std::string NotObservedResult(const Status& status) {
  if (status.code() == Code::kFailed) return "observe-failed";
  switch (NextStepFor(status.code())) {
    case NextStep::kStall:
      return "stalled";
    case NextStep::kWait:
      return "waiting";
    default:
      return "unreachable";
  }
}

// Stage 1: what the node runs. A failure leaves every app Unknown: nothing is planned
// against a state that could not be read.
NodePassOutcome NotObserved(const NodePassInput& input, const Status& status,
                            const std::map<std::string, AppBackoff>& backoff, StatusStore& store,
                            Metrics& metrics) {
  NodePassOutcome outcome;
  outcome.status = status;
  outcome.failed = true;
  outcome.error = BoundErrorText(status.message());  // logged and stored
  RecordStatuses(input, nullptr, {}, {}, outcome.error, backoff, store, metrics);
  const std::string result = NotObservedResult(status);
  CheckStoreWrite(store.RecordQuietPass(QuietPass(input, result, outcome.error)),
                  "history (" + result + ")", metrics);
  return outcome;
}

// Stage 2: the plan, less the apps still backing off after failures.
struct PlannedPass {
  NodePlan plan;
  std::set<std::string> held;  // apps whose actions were held back
};

// A datastore the plan creates that another node holds: moved (move.from) or refused, as the
// CLI does. The other nodes are asked only when the plan creates a datastore.
void CheckDatastoreMoves(const NodePassInput& input, const ObservedNode& observed, NodePlan& plan) {
  if (!input.datastores_elsewhere) return;
  std::vector<DatastoreSpec> created;
  for (const DatastoreSpec& d : input.node->datastores)
    for (const Action& a : plan.actions)
      if (a.kind == ActionKind::kCreateDatastore && a.engine == d.engine && a.target == d.name)
        created.push_back(d);
  if (created.empty()) return;
  const std::map<std::string, ObservedNode> others = input.datastores_elsewhere(created);
  std::map<std::string, const ObservedNode*> fleet = {{input.node->node.name, &observed}};
  for (const auto& [node, held] : others) fleet.emplace(node, &held);
  PlanDatastoreMoves(*input.node, fleet, plan);
}

PlannedPass PlanStage(const NodePassInput& input, const ObservedNode& observed,
                      const std::map<std::string, AppBackoff>& backoff) {
  PlannedPass planned{PlanNode(*input.node, observed, input.plan_options), {}};
  if (!input.only_apps.empty()) {
    // A pass of some apps: the others (and the node's own settings) wait for a whole pass.
    auto outside = [&](const std::string& app) { return !input.only_apps.contains(app); };
    std::erase_if(planned.plan.actions, [&](const Action& a) { return outside(a.app); });
    std::erase_if(planned.plan.notes, [&](const PlanNote& n) { return outside(n.subject); });
  }
  CheckDatastoreMoves(input, observed, planned.plan);
  planned.held = HoldBackingOffApps(planned.plan, backoff, input.now());
  return planned;
}

bool IsDeploy(ActionKind kind) {
  return kind == ActionKind::kDeployGit || kind == ActionKind::kDeployImage ||
         kind == ActionKind::kDeployArchive || kind == ActionKind::kRebuild;
}

// Every deploy is a release on record (docs/sources.md): its source, the spec it was made with,
// the config-repo commit and the trigger. The build id follows once observed (FillBuildIds).
void RecordRelease(const NodePassInput& input, const ActionResult& r, std::int64_t started,
                   StatusStore& store, Metrics& metrics) {
  if (r.outcome == ActionOutcome::kSkipped) return;
  const AppSpec* app = nullptr;
  for (const AppSpec& candidate : input.node->apps)
    if (candidate.name == r.action.app) app = &candidate;
  if (app == nullptr) return;
  ReleaseRecord release;
  release.node = input.node->node.name;
  release.app = app->name;
  release.environment = app->environment;
  release.application = app->application;
  release.service = app->service;
  if (r.action.kind == ActionKind::kDeployGit)
    release.source = "git " + ScrubUrls(r.action.git_url + "#" + r.action.git_ref);
  else if (!app->source.image.empty())
    release.source = "image " + app->source.image;
  else if (!app->source.git_url.empty())
    release.source = "git " + ScrubUrls(app->source.git_url + "#" + app->source.git_ref);
  release.config_digest = AppSpecDigest(*app, input.secrets);
  release.revision = input.revision;
  release.trigger = input.trigger;
  release.started_at = started;
  release.finished_at = input.now();
  release.result = r.outcome == ActionOutcome::kRan ? "ok" : "failed";
  release.message = r.outcome == ActionOutcome::kRan ? "" : r.message;
  CheckStoreWrite(store.RecordRelease(release).status(), "release", metrics);
}

// The build each recent release made, from the builds report this pass observed.
void FillBuildIds(const NodePassInput& input, const ObservedNode& observed, StatusStore& store,
                  Metrics& metrics) {
  auto awaiting = store.AppsAwaitingBuildId(input.node->node.name);
  if (!awaiting.ok()) return;
  for (const std::string& app : *awaiting) {
    const ObservedApp* live = FindObserved(observed, app);
    if (live != nullptr && !live->last_build_id.empty())
      CheckStoreWrite(store.SetReleaseBuildId(input.node->node.name, app, live->last_build_id),
                      "release build id", metrics);
  }
}

// Stage 3: runs the plan, recording the reconcile and each action in the history; nullopt when
// nothing ran (refused, or nothing to do).
std::optional<ApplyResult> ApplyStage(const NodePassInput& input, const NodePlan& plan,
                                      Transport& transport, StatusStore& store, Metrics& metrics,
                                      NodePassOutcome& outcome) {
  const std::string& name = input.node->node.name;
  if (plan.refused) {
    outcome.failed = true;
    outcome.error = plan.refusal;
    CheckStoreWrite(store.RecordQuietPass(QuietPass(input, "refused", plan.refusal)),
                    "history (refused)", metrics);
    return std::nullopt;
  }
  if (!plan.HasChanges()) {
    CheckStoreWrite(store.RecordQuietPass(QuietPass(input, "converged", "")), "history (converged)",
                    metrics);
    return std::nullopt;
  }
  auto reconcile =
      store.BeginReconcile({0, input.revision, input.trigger, input.now(), 0, "", "", name, 1});
  CheckStoreWrite(reconcile.status(), "history (begin reconcile)", metrics);
  for (const Action& a : plan.actions) {
    if (a.kind != ActionKind::kCreateApp) continue;
    for (const AppSpec& app : input.node->apps)
      if (app.name == a.app)
        CheckStoreWrite(store.PutIntent({name, a.app, ManagedMarkerOf(app)}), "create intent",
                        metrics);
  }
  ApplyOptions options;
  options.secrets = input.secrets;
  options.exec = input.exec;
  options.should_stop = input.should_stop;
  std::map<std::size_t, std::int64_t> started_at;  // by plan index; the apply's own threads
  std::mutex started_mutex;
  options.on_progress = [&](const ActionEvent& event) {
    if (event.phase == ActionEvent::Phase::kStarted) {
      std::lock_guard lock(started_mutex);
      started_at[event.result->index] = input.now();
      return;
    }
    const ActionResult& r = *event.result;
    if (IsDeploy(r.action.kind)) {
      std::int64_t started = input.now();
      {
        std::lock_guard lock(started_mutex);
        if (auto it = started_at.find(r.index); it != started_at.end()) started = it->second;
      }
      RecordRelease(input, r, started, store, metrics);
    }
    metrics.Add("dflow_actions_total", {{"result", std::string(ActionOutcomeName(r.outcome))}});
    if (reconcile.ok())
      CheckStoreWrite(store.RecordAction({*reconcile, name, r.action.app, r.display,
                                          std::string(ActionOutcomeName(r.outcome)), 0, r.message,
                                          input.now()}),
                      "history (action)", metrics);
  };
  const TransportLookup transports = [&](const std::string& node) -> Transport* {
    if (node == name) return &transport;
    return input.other_transports ? input.other_transports(node) : nullptr;
  };
  ApplyResult applied = ApplyPlans({plan}, transports, options);
  outcome.applied = applied.ran > 0;
  outcome.failed = !applied.ok();
  if (!applied.ok()) outcome.error = BoundErrorText(applied.Summary());
  if (reconcile.ok())
    CheckStoreWrite(store.FinishReconcile(*reconcile, applied.ok() ? "ok" : "failed",
                                          applied.Summary(), input.now()),
                    "history (finish reconcile)", metrics);
  if (input.same_revision_as_last_pass && outcome.applied)
    metrics.Add("dflow_drift_corrections_total", {{"node", name}});
  return applied;
}

// Stage 4: per-app outcomes into backoff, statuses and the environment sync metric.
void RecordStage(const NodePassInput& input, const ObservedNode& observed,
                 const PlannedPass& planned, const std::optional<ApplyResult>& applied,
                 std::map<std::string, AppBackoff>& backoff, StatusStore& store, Metrics& metrics) {
  auto outcomes = OutcomesByApp(planned.plan, applied ? &*applied : nullptr);
  if (planned.plan.refused) {
    for (const AppSpec& app : input.node->apps) {
      outcomes[app.name].failed = true;
      outcomes[app.name].error = planned.plan.refusal;
    }
  }
  UpdateBackoff(input, outcomes, backoff);
  RecordStatuses(input, &observed, outcomes, planned.held, "", backoff, store, metrics);
  if (!input.only_apps.empty()) return;  // says nothing of the environment's other apps
  std::map<std::string, bool> environment_synced;
  for (const AppSpec& app : input.node->apps) {
    auto it = outcomes.find(app.name);
    const bool clean =
        (it == outcomes.end() || (!it->second.ran && !it->second.failed &&
                                  !it->second.drift_reported && it->second.unread.empty())) &&
        !planned.held.contains(app.name);
    auto [entry, inserted] = environment_synced.emplace(app.environment, clean);
    if (!inserted) entry->second = entry->second && clean;
  }
  for (const auto& [environment, synced] : environment_synced)
    if (synced)
      metrics.Set("dflow_last_successful_sync_timestamp_seconds", {{"environment", environment}},
                  static_cast<double>(input.now()));
}

}  // namespace

ObserveOptions NodePassObserveOptions(const std::string& node, const ExecOptions& exec) {
  ObserveOptions observe;
  observe.node = node;
  observe.exec = exec;
  observe.include_builds = true;
  return observe;
}

NodePassOutcome RunNodePass(const NodePassInput& input, Transport& transport, StatusStore& store,
                            Metrics& metrics, std::map<std::string, AppBackoff>& backoff) {
  const auto started = std::chrono::steady_clock::now();
  const std::string& name = input.node->node.name;
  Result<ObservedNode> observed =
      input.observed_ahead ? *input.observed_ahead
                           : ObserveNode(transport, NodePassObserveOptions(name, input.exec));
  metrics.Set("dflow_node_reachable", {{"node", name}}, observed.ok() ? 1 : 0);
  NodePassOutcome outcome;
  if (!observed.ok()) {
    outcome = NotObserved(input, observed.status(), backoff, store, metrics);
  } else {
    outcome.reachable = true;
    RecoverInterruptedCreates(input, transport, store, metrics, *observed);
    FillBuildIds(input, *observed, store, metrics);
    PlannedPass planned = PlanStage(input, *observed, backoff);
    auto applied = ApplyStage(input, planned.plan, transport, store, metrics, outcome);
    RecordStage(input, *observed, planned, applied, backoff, store, metrics);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics.Observe("dflow_reconcile_duration_seconds", {{"node", name}}, seconds);
  return outcome;
}

}  // namespace dflow
