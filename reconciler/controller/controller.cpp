#include "reconciler/controller/controller.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "manifests-schema/base/secret.h"
#include "manifests-schema/secrets_file.h"
#include "reconciler/apply/derived_values.h"
#include "reconciler/controller/config_values.h"
#include "reconciler/controller/datastores_elsewhere.h"
#include "reconciler/controller/desired_in_force.h"
#include "reconciler/controller/edge_pass.h"
#include "reconciler/controller/loop_policy.h"
#include "reconciler/controller/node_pass.h"
#include "reconciler/controller/node_workers.h"
#include "reconciler/controller/pass_slots.h"
#include "reconciler/controller/remote_datastore_dsns.h"
#include "reconciler/controller/rollback_pins.h"
#include "reconciler/controller/source_refs.h"
#include "reconciler/controller/source_rounds.h"
#include "reconciler/controller/source_stage.h"
#include "reconciler/controller/store_write.h"
#include "reconciler/controller/sync_status_target.h"
#include "reconciler/controller/wakeup.h"
#include "reconciler/plan/remote_datastore.h"
#include "reconciler/server/controller_api.h"
#include "reconciler/server/http_server.h"
#include "reconciler/source/fetch_process.h"
#include "reconciler/status/status_publisher.h"
#include "reconciler/status/status_store_hook.h"
#include "reconciler/status/sync_status_reporter.h"

namespace dflow {
namespace {

// The most often the served status is re-read from the store: the API lags the store by
// about this much, and a pass that writes a hundred records costs a few reads.
constexpr std::chrono::milliseconds kSnapshotGap{200};

// The most one resolution of the apps' refs may take (every repository listed, in the child).
constexpr std::chrono::seconds kRefsTimeout{60};

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Idle HTTP clients must never starve SSH and fetches of file descriptors: the HTTP server caps
// its connections, and the soft limit goes up to the hard one (the systemd unit sets
// LimitNOFILE; its seccomp filter refuses setrlimit, which is fine).
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
    spdlog::debug("open files limit raised to {}", static_cast<unsigned long long>(limit.rlim_max));
}

// The wait before a loop's next pass; passes that worked get up to 10% jitter, so that nodes
// started together do not stay in step.
std::chrono::milliseconds NextDelay(NextStep step, int retries, std::chrono::seconds interval) {
  std::chrono::milliseconds delay = DelayBefore(step, retries, interval);
  if (step != NextStep::kContinue) return delay;
  static thread_local std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<long> jitter(0, delay.count() / 10);
  return delay + std::chrono::milliseconds(jitter(random));
}

// The longest a webhook's pass waits for the fetch before planning with what is in force.
constexpr std::chrono::minutes kFetchWaitLimit{2};

// How a node pass runs its commands, and the observation a webhook's pass makes ahead of it.
ExecOptions PassExecOptions(const ControllerConfig& c) {
  ExecOptions exec;
  exec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.command_timeout);
  return exec;
}

// What one node's loop remembers from pass to pass.

struct NodeLoopState {
  std::map<std::string, AppBackoff> backoff;
  int retries = 0;            // consecutive passes that ended in NextStep::kRetry
  std::string last_revision;  // of the previous pass
  bool verify = false;        // the previous pass changed the node: look again at once
};

class ControllerImpl final : public Controller {
 public:
  ControllerImpl(ControllerConfig config, TransportFactory transports,
                 EdgeTransportFactory edge_transports)
      : config_(std::move(config)),
        fleet_(std::move(transports)),
        edge_transports_(std::move(edge_transports)),
        workers_([this](const std::string& node, NodeWorkerContext context) {
          NodeLoop(node, context);
        }),
        edge_workers_([this](const std::string& edge, NodeWorkerContext context) {
          EdgeLoop(edge, context);
        }) {}

  ~ControllerImpl() override {
    Stop();
    Wait();
  }

  Status Init() {
    RaiseFileLimit();
    std::error_code ec;
    std::filesystem::create_directories(config_.state_dir, ec);
    if (ec)
      return Status(Code::kUnavailable,
                    "state directory " + config_.state_dir + ": " + ec.message());
    auto store = StatusStore::Open(config_.state_dir + "/state.db");
    if (!store.ok()) return store.status();
    // Every write marks the served snapshot stale; the publisher re-reads off the I/O thread.
    store_ = WithWriteHook(std::move(store).value(), [this] {
      if (publisher_) publisher_->MarkChanged();
    });
    DeclareControllerMetrics(metrics_);
    DeclareEdgeMetrics(metrics_);
    CheckStoreWrite(store_->MarkInterrupted(UnixNow()), "mark interrupted reconciles", metrics_);
    publisher_ = std::make_unique<StatusPublisher>(*store_, kSnapshotGap, UnixNow);
    if (Status s = publisher_->Start(); !s.ok()) return s;
    pins_ = std::make_unique<RollbackPins>(*store_);
    if (Status s = LoadSecrets(config_); !s.ok()) return s;
    auto generated = GeneratedSecrets::Open(config_.state_dir + "/generated-secrets.json");
    if (!generated.ok()) return generated.status();
    generated_ = std::move(generated).value();
    auto forge = SyncStatusTargetFor(config_);
    if (!forge.ok()) return forge.status();
    sync_reporter_.SetTarget(std::move(forge).value());
    RestoreLastApplied();
    if (!config_.listen.empty()) {
      if (Status s = StartHttp(); !s.ok()) return s;
    }
    source_thread_ = std::thread([this] { SourceLoop(); });
    refs_thread_ = std::thread([this] { RefsLoop(); });
    return Status::Ok();
  }

  void Stop() override {
    stopping_ = true;
    source_rounds_.Cancel();
    source_wakeup_.Shutdown();
    refs_wakeup_.Shutdown();
    pass_slots_.Shutdown();
    workers_.Shutdown();
    edge_workers_.Shutdown();
  }

  void Wait() override {
    if (source_thread_.joinable()) source_thread_.join();
    if (refs_thread_.joinable()) refs_thread_.join();
    workers_.Join();
    edge_workers_.Join();
    http_.reset();
  }

  Status Reload(const ControllerConfig& config) override {
    auto forge = SyncStatusTargetFor(config);
    if (!forge.ok()) return forge.status();
    if (Status s = LoadSecrets(config); !s.ok()) return s;
    sync_reporter_.SetTarget(std::move(forge).value());
    {
      std::lock_guard lock(config_mutex_);
      config_ = ConfigAfterReload(config_, config);
    }
    pass_slots_.SetLimit(config.concurrency);
    force_reload_ = true;  // secrets may change the desired state's validity
    TriggerSync("config reloaded");
    return Status::Ok();
  }

  void TriggerSync(const std::string& reason) override {
    source_wakeup_.Trigger(WakeReason::Other(reason));
  }

  // A push webhook: fetch now, and wake the nodes at once so that they observe during the fetch
  // (their passes plan once it has ended).
  void WebhookSync(const std::string& pushed_commit) {
    const WakeReason reason = WakeReason::Webhook(pushed_commit);
    source_rounds_.Request();
    source_wakeup_.Trigger(reason);
    workers_.TriggerAll(reason);
  }

  int http_port() const override { return http_ ? http_->port() : 0; }

 private:
  ControllerConfig Config() const {
    std::lock_guard lock(config_mutex_);
    return config_;
  }

  Status LoadSecrets(const ControllerConfig& config) {
    // Read here (at start and on SIGHUP), not per request: an unauthenticated request must
    // not cost a file read. Unreadable: the webhook answers 401, and badges are off, until a
    // reload fixes it.
    auto webhook =
        ReadSecret(config.webhook_secret_file, config.webhook_secret_env, "webhook.secretFile");
    if (!webhook.ok())
      spdlog::warn("{}; the webhook is off until it can be read (SIGHUP)",
                   webhook.status().message());
    auto api_token = ReadSecret(config.api_token_file, config.api_token_env, "api.tokenFile");
    if (!api_token.ok())
      spdlog::warn("{}; API writes (rollback pins) are off until it can be read (SIGHUP)",
                   api_token.status().message());
    BadgeSettings badges = BadgeSettingsOf(config);
    if (config.badges_enabled && !badges.enabled)
      spdlog::warn(
          "badges.tokenSecretFile cannot be read or is empty; badges are off until it "
          "can be read (SIGHUP)");
    {
      std::lock_guard lock(config_mutex_);
      webhook_secret_ = webhook.ok() ? *webhook : Secret();
      api_token_ = api_token.ok() ? *api_token : Secret();
      badges_ = std::move(badges);
    }
    SecretValues secrets;
    if (!config.secrets_file.empty()) {
      auto loaded = LoadSecretsFile(config.secrets_file);
      if (!loaded.ok()) return loaded.status();
      secrets = std::move(loaded).value();
    }
    desired_.SetSecrets(std::move(secrets));
    return Status::Ok();
  }

  Status StartHttp() {
    auto address = ParseListenAddress(config_.listen);
    if (!address.ok()) return address.status();
    HttpServerOptions options;
    options.address = address->first;
    options.port = address->second;
    api_.snapshot = [this] { return publisher_->Current(); };
    api_.metrics = &metrics_;
    api_.deliveries = &deliveries_;
    api_.branch = config_.branch;
    api_.repo_url = config_.repo_url;
    api_.app_push = [this](const std::vector<std::string>& urls, const std::string& ref) {
      AppliedState applied = desired_.Get();
      if (!applied.desired || !FollowsPushedBranch(*applied.desired, urls, ref)) return false;
      refs_wakeup_.Trigger(WakeReason::Other("app push " + ScrubUrls(urls.front()) + " " + ref));
      return true;
    };
    api_.ready = [this] { return desired_.ready(); };
    api_.webhook_secret = [this] {
      std::lock_guard lock(config_mutex_);
      return webhook_secret_;
    };
    api_.config_push = [this](const std::string& commit) { WebhookSync(commit); };
    api_.api_token = [this] {
      std::lock_guard lock(config_mutex_);
      return api_token_;
    };
    api_.pin = [this](const std::string& body) { return PinRequest(body); };
    api_.badges = [this] {
      std::lock_guard lock(config_mutex_);
      return badges_;
    };
    auto server = HttpServer::Start(options, [this](const HttpRequest& request) {
      return HandleControllerRequest(api_, request);
    });
    if (!server.ok()) return server.status();
    http_ = std::move(server).value();
    spdlog::info("listening on {}:{}", options.address, http_->port());
    return Status::Ok();
  }

  std::string MirrorDir() const { return config_.state_dir + "/mirror.git"; }

  // After a restart the nodes keep converging to the last applied commit, even while the
  // remote cannot be reached.
  void RestoreLastApplied() {
    auto source = store_->SourceStatus();
    if (!source.ok() || source->applied_revision.empty()) return;
    auto desired = LoadCommit(MirrorDir(), source->applied_revision, desired_.Secrets());
    if (!desired.ok()) return;
    Install(std::move(desired).value(),
            {source->applied_revision, source->applied_author, source->applied_message, false});
    spdlog::info("rev={} restored the last applied desired state",
                 source->applied_revision.substr(0, 12));
  }

  // The source loop: fetch at the interval (sooner after a webhook); a failed fetch waits as
  // its code says (loop_policy.h). Every pass also wakes the node loops, which converge to
  // the desired state in force whether or not the fetch worked.
  void SourceLoop() {
    WakeReason reason = WakeReason::Start();
    int retries = 0;
    std::chrono::milliseconds delay{0};
    do {
      const NextStep step = SyncSource(reason);
      retries = step == NextStep::kRetry ? retries + 1 : 0;
      delay = NextDelay(step, retries, Config().interval);
    } while (source_wakeup_.Wait(delay, reason));
  }

  // One pass of the source stage; returns what the fetch's outcome asks of the loop. A
  // commit that does not validate stalls on that commit only: it is not loaded again, and
  // the next commit is.
  NextStep SyncSource(const WakeReason& reason) {
    const std::uint64_t round = source_rounds_.Begin();
    struct FinishRound {
      SourceRounds& rounds;
      std::uint64_t round;
      ~FinishRound() { rounds.Finish(round); }
    } finish{source_rounds_, round};
    // A webhook already woke the nodes (WebhookSync): they wait for this round, then plan.
    const bool nodes_woken = reason.kind == WakeReason::Kind::kWebhook;
    const ControllerConfig c = Config();
    SourceStageInput input;
    input.remote = RemoteOptionsOf(c);
    input.mirror_dir = MirrorDir();
    input.secrets = desired_.Secrets();
    input.last_attempted = last_attempted_;
    input.force = force_reload_.exchange(false);
    input.cancelled = [this] { return stopping_.load(); };
    spdlog::debug("source: fetching ({})", reason.text);
    SourceOutcome outcome = RunSourceStage(input);
    if (!outcome.status.ok() && stopping_) return NextStep::kContinue;  // cancelled by Stop()
    if (outcome.commit.id.empty()) {                                    // the fetch failed
      const NextStep step = NextStepFor(outcome.status.code());
      metrics_.Add("dflow_source_fetch_failures_total", {});
      LogSourceProblem(step, "source: " + outcome.status.message() +
                                 " (keeping the last good commit; " +
                                 std::string(WhatHappensNext(step)) + ")");
      RecordSourceError(last_attempted_, "fetch failed: " + outcome.status.message());
      if (!nodes_woken) workers_.TriggerAll(reason);
      edge_workers_.TriggerAll(reason);
      return step;
    }
    last_attempted_ = outcome.commit.id;
    const std::string short_id = outcome.commit.id.substr(0, 12);
    bool installed = false;
    if (outcome.status.code() == Code::kInvalidManifest) {
      metrics_.Set("dflow_source_valid", {}, 0);
      spdlog::error("rev={} does not validate; the last good desired state stays in force:\n{}",
                    short_id, outcome.status.message());
      RecordSourceError(outcome.commit.id, outcome.status.message());
    } else if (!outcome.status.ok()) {
      spdlog::error("rev={} cannot be read; the last good desired state stays in force: {}",
                    short_id, outcome.status.message());
      RecordSourceError(outcome.commit.id, outcome.status.message());
    } else if (outcome.desired) {
      metrics_.Set("dflow_source_valid", {}, 1);
      spdlog::info("rev={} author=\"{}\" \"{}\" is the desired state", short_id,
                   outcome.commit.author, outcome.commit.summary);
      Install(outcome.desired, outcome.commit);
      CheckStoreWrite(
          store_->PutSourceStatus({outcome.commit.id, outcome.commit.author, outcome.commit.summary,
                                   outcome.commit.id, "", UnixNow()}),
          "source status", metrics_);
      installed = true;
    }
    // The nodes a webhook woke plan with what is in force once this round ends; a new revision
    // still wakes them all (a node whose pass has already used it skips that wake-up).
    const WakeReason wake = installed ? WakeReason::Revision(outcome.commit.id) : reason;
    if (!nodes_woken || installed) workers_.TriggerAll(wake);
    edge_workers_.TriggerAll(wake);
    return NextStep::kContinue;
  }

  static void LogSourceProblem(NextStep step, const std::string& message) {
    if (step == NextStep::kStall)
      spdlog::error("{}", message);
    else if (step == NextStep::kWait)
      spdlog::info("{}", message);
    else
      spdlog::warn("{}", message);
  }

  void RecordSourceError(const std::string& attempted, const std::string& error) {
    AppliedState applied = desired_.Get();
    CheckStoreWrite(store_->PutSourceStatus({applied.commit.id, applied.commit.author,
                                             applied.commit.summary, attempted, error, UnixNow()}),
                    "source status", metrics_);
  }

  void Install(std::shared_ptr<const DesiredState> desired, const FetchedCommit& commit) {
    std::vector<std::string> nodes;
    for (const auto& node : desired->nodes) nodes.push_back(node.node.name);
    std::vector<std::string> edges;
    for (const auto& edge : desired->edges) edges.push_back(edge.name);
    if (pins_) pins_->ReleaseSuperseded(commit.id, *desired);
    desired_.Install(std::move(desired), commit);
    workers_.Ensure(nodes);
    edge_workers_.Ensure(edges);
    refs_wakeup_.Trigger(WakeReason::Revision(commit.id));
  }

  // The apps' repositories (docs/sources.md): every git source's ref resolved to a commit after
  // each new desired state and every interval, in the fetch child. A ref that moved wakes the
  // node loops, whose plans then deploy the new commit; one that cannot be resolved leaves its
  // apps on the commit they run, with the reason in their status.
  void RefsLoop() {
    WakeReason reason;
    while (refs_wakeup_.Wait(Config().interval, reason)) {
      AppliedState applied = desired_.Get();
      if (!applied.desired) continue;
      FetchProcessOptions process;
      process.timeout = kRefsTimeout;
      process.cancelled = [this] { return stopping_.load(); };
      ResolvedRefs resolved =
          ResolveSourceRefsInChild(SourceRefsQueries(*applied.desired, Config()), process);
      if (stopping_) return;
      metrics_.Add("dflow_source_ref_resolutions_total", {});
      std::vector<std::string> moved, moved_keys;
      bool others_changed = false;  // first resolutions, sources lost or back
      {
        std::lock_guard lock(refs_mutex_);
        moved = MovedRefs(refs_, resolved);
        moved_keys = MovedKeys(refs_, resolved);
        others_changed = refs_.errors != resolved.errors ||
                         refs_.commits.size() != resolved.commits.size() ||
                         (moved_keys.empty() && refs_.commits != resolved.commits);
        for (const auto& [key, why] : resolved.errors)
          if (refs_.errors.find(key) == refs_.errors.end())
            spdlog::warn("source {}: {} (its apps keep the commit they run)", ScrubUrls(key), why);
        refs_ = std::move(resolved);
      }
      for (const std::string& line : moved) spdlog::info("source {}", line);
      // A moved ref wakes the nodes that run it; other changes every node, whose status says so.
      if (others_changed) workers_.TriggerAll(WakeReason::Other("source refs"));
      for (const auto& [node, apps] : AppsRunning(*applied.desired, moved_keys)) {
        {
          std::lock_guard lock(scope_mutex_);
          scoped_apps_[node].insert(apps.begin(), apps.end());
        }
        workers_.Trigger(node, WakeReason::RefMoved());
      }
    }
  }

  // An edge's loop: one pass per wake-up, like a node's, on a connection of its own. After a
  // write it looks again kEdgeReadbackDelay later to read what Traefik made of the file.
  void EdgeLoop(const std::string& name, NodeWorkerContext context) {
    std::unique_ptr<Transport> transport;
    EdgeSpec connected;  // the spec `transport` was made from
    int retries = 0;
    WakeReason reason = WakeReason::Start();
    std::chrono::milliseconds delay{0};
    do {
      AppliedState applied = desired_.Get();
      auto edge = std::find_if(applied.desired->edges.begin(), applied.desired->edges.end(),
                               [&](const EdgeSpec& e) { return e.name == name; });
      if (edge == applied.desired->edges.end()) {
        spdlog::info("edge={} left the desired state; its loop ends", name);
        CheckStoreWrite(store_->RemoveEdgeStatus(name), "edge status", metrics_);
        return;
      }
      Status connect;
      if (!transport || !(connected == *edge)) {
        transport.reset();
        auto made = edge_transports_(*edge);
        connect = made.status();
        if (made.ok()) {
          transport = std::move(made).value();
          connected = *edge;
        }
      }
      EdgePassOutcome outcome;
      if (transport) {
        EdgePassInput input{&*edge, applied.desired.get(), applied.commit.id, reason.text, UnixNow};
        outcome = RunEdgePass(input, *transport, *store_, metrics_);
      } else {
        outcome.status = connect;
        outcome.failed = true;
        outcome.error = "cannot connect: " + connect.message();
        RecordUnreachableEdge(*edge, applied.commit.id, reason.text, outcome.error);
      }
      context.reachable = outcome.status.ok();
      LogEdgePass(name, applied.commit.id.substr(0, 12), reason.text, outcome);
      const NextStep step = NextStepFor(outcome.status.code());
      retries = step == NextStep::kRetry ? retries + 1 : 0;
      delay = NextDelay(step, retries, Config().interval);
      if (outcome.wrote) {
        delay = kEdgeReadbackDelay;
        reason = WakeReason::Other("readback");
      }
    } while (context.wakeup.Wait(delay, reason));
  }

  // The edge's status and history when no connection could be made (RunEdgePass records them
  // otherwise).
  void RecordUnreachableEdge(const EdgeSpec& edge, const std::string& revision,
                             const std::string& trigger, const std::string& error) {
    const std::int64_t now = UnixNow();
    EdgeStatusRecord record{
        edge.name, edge.environments, "Unknown", "Unknown", "Unknown", error, "",
        "",        revision,          now};
    CheckStoreWrite(store_->PutEdgeStatus(record), "edge status", metrics_);
    CheckStoreWrite(store_->RecordQuietPass({0, revision, trigger, now, now, "unreachable", error,
                                             EdgeHistoryName(edge.name), 1}),
                    "history (edge unreachable)", metrics_);
  }

  static void LogEdgePass(const std::string& edge, const std::string& rev,
                          const std::string& trigger, const EdgePassOutcome& outcome) {
    if (outcome.wrote)
      spdlog::info("edge={} rev={} trigger={} document written", edge, rev, trigger);
    else if (outcome.failed)
      spdlog::warn("edge={} rev={} {}", edge, rev, outcome.error);
  }

  // A node's loop: one pass per wake-up (interval, trigger, or the wait its last outcome asks
  // for), at most `concurrency` passes at once across nodes.
  void NodeLoop(const std::string& name, NodeWorkerContext context) {
    NodeLoopState state;
    WakeReason reason = WakeReason::Start();
    std::chrono::milliseconds delay{0};
    do {
      const std::uint64_t source_round = source_rounds_.requested();
      AppliedState applied = desired_.Get();
      const NodeDesiredState* node = FindNode(*applied.desired, name);
      if (node == nullptr) {
        spdlog::info("node={} left the desired state; its loop ends", name);
        fleet_.Forget(name);
        return;
      }
      if (!state.verify && reason.kind == WakeReason::Kind::kRevision &&
          reason.commit == applied.commit.id && applied.commit.id == state.last_revision) {
        // A webhook's pass already planned with this revision (WebhookSync).
        spdlog::debug("node={} already passed {}; nothing more to do for it", name, reason.text);
        delay = NextDelay(NextStep::kContinue, 0, Config().interval);
        continue;
      }
      std::optional<Result<ObservedNode>> observed_ahead;
      if (!state.verify && reason.kind == WakeReason::Kind::kWebhook) {
        const std::string reach = NodeReachKey(node->node);
        const NodeSpec spec = node->node;
        if (!ObserveWhileFetching(pass_slots_, source_rounds_, source_round, kFetchWaitLimit,
                                  [&] { observed_ahead = ObserveAhead(spec); }))
          return;  // stopping
        applied = desired_.Get();
        node = FindNode(*applied.desired, name);
        if (node == nullptr) {  // gone with the new revision: the loop ends above, at once
          delay = std::chrono::milliseconds{0};
          continue;
        }
        if (NodeReachKey(node->node) != reach) observed_ahead.reset();  // observe it anew
      }
      PassSlot slot(pass_slots_);
      if (!slot.held()) return;  // stopping
      const WakeReason trigger = state.verify ? WakeReason::Verify() : reason;
      const bool same_revision = applied.commit.id == state.last_revision;
      NodePassOutcome outcome =
          Pass(*node, applied, trigger.text, same_revision, TakeScope(name, trigger, same_revision),
               state.backoff, std::move(observed_ahead));
      context.reachable = outcome.reachable;
      metrics_.Set("dflow_nodes_reachable", {}, workers_.CountReachable());
      state.last_revision = applied.commit.id;
      const NextStep step = NextStepFor(outcome.status.code());
      state.retries = step == NextStep::kRetry ? state.retries + 1 : 0;
      state.verify = outcome.applied;  // look again at once to confirm the node converged
      if (state.verify) context.wakeup.Trigger(WakeReason::Verify());
      delay = NextDelay(step, state.retries, Config().interval);
    } while (context.wakeup.Wait(delay, reason));
  }

  // The apps a pass is limited to: those whose ref moved, when that is all there is to do (the
  // revision the node last worked on is still in force); empty, a whole pass, otherwise.
  std::set<std::string> TakeScope(const std::string& node, const WakeReason& trigger,
                                  bool same_revision) {
    std::lock_guard lock(scope_mutex_);
    auto pending = scoped_apps_.find(node);
    if (pending == scoped_apps_.end()) return {};
    std::set<std::string> apps = std::move(pending->second);
    scoped_apps_.erase(pending);  // a whole pass covers them too
    if (trigger.kind != WakeReason::Kind::kRefMoved || !same_revision) return {};
    return apps;
  }

  // The observation of a webhook's pass, made while the commit is fetched; nullopt when the
  // node cannot be reached through a transport (the pass reports that itself).
  std::optional<Result<ObservedNode>> ObserveAhead(const NodeSpec& node) {
    auto transport = fleet_.TransportFor(node);
    if (!transport.ok()) return std::nullopt;
    return ObserveNode(**transport, NodePassObserveOptions(node.name, PassExecOptions(Config())));
  }

  NodePassOutcome Pass(const NodeDesiredState& node, const AppliedState& applied,
                       const std::string& trigger, bool same_revision,
                       std::set<std::string> only_apps, std::map<std::string, AppBackoff>& backoff,
                       std::optional<Result<ObservedNode>> observed_ahead = std::nullopt) {
    const ControllerConfig c = Config();
    spdlog::debug("node={} pass starts ({})", node.node.name, trigger);
    NodePassOutcome outcome;
    auto transport = fleet_.TransportFor(node.node);
    if (transport.ok()) {
      NodePassInput input = PassInput(node, applied, c, trigger, same_revision);
      input.only_apps = std::move(only_apps);
      input.observed_ahead = std::move(observed_ahead);
      // A rollback pin lays its sha or image over the desired state for this pass only.
      const auto pinned = PinnedNode(node, pins_->Current(), input.pins);
      if (pinned) input.node = &*pinned;
      if (Status s = AddGeneratedSecrets(applied, input); !s.ok()) {
        outcome.status = s;
        outcome.failed = true;
        outcome.error = s.message();
      } else {
        outcome = RunNodePass(input, **transport, *store_, metrics_, backoff);
      }
    } else {
      outcome.status = transport.status();
      outcome.failed = true;
      outcome.error = transport.status().message();
    }
    if (outcome.reachable)
      sync_reporter_.AfterPass(*store_, *applied.desired, node.node.name, applied.commit.id);
    LogPass(node.node.name, applied.commit.id.substr(0, 12), trigger, outcome);
    CheckStoreWrite(store_->Prune(c.history_keep), "prune history", metrics_);
    return outcome;
  }

  // The themes' generated secrets: made once (the store's lock makes every node's pass agree),
  // kept in the state directory before any node gets them.
  // A `dflow secrets rotate` request is taken by the first pass that sees it: that pass makes the
  // new value and saves it before any node gets it, so every node's pass sets the same one.
  Status AddGeneratedSecrets(const AppliedState& applied, NodePassInput& input) {
    for (const std::string& rotated : generated_->TakeRotationRequests())
      spdlog::info("generated secret {} rotated: a new value is made and set", rotated);
    Status status =
        AddDerivedSecretValues(*applied.desired, desired_.Secrets(), *generated_, input.secrets);
    if (status.ok()) status = generated_->Save();
    if (!status.ok()) return status.WithContext("generated secrets");
    input.plan_options.secrets = input.secrets;
    return Status::Ok();
  }

  NodePassInput PassInput(const NodeDesiredState& node, const AppliedState& applied,
                          const ControllerConfig& c, const std::string& trigger,
                          bool same_revision) {
    NodePassInput input;
    input.node = &node;
    input.revision = applied.commit.id;
    input.trigger = trigger;
    input.same_revision_as_last_pass = same_revision;
    input.plan_options = PlanOptionsFor(*applied.desired);
    input.plan_options.allow_mass_delete = c.allow_mass_delete;
    input.plan_options.max_delete_share = c.max_delete_share;
    input.secrets = ResolveAppSecrets(*applied.desired, desired_.Secrets());
    {
      std::lock_guard lock(refs_mutex_);
      input.plan_options.resolved_refs = refs_.commits;
      input.plan_options.unresolved_refs = refs_.errors;
    }
    AddRemoteUrls(*applied.desired, node.node.name, input.secrets);
    input.plan_options.secrets = input.secrets;
    input.exec = PassExecOptions(c);
    // A datastore created on this node while another node holds it: moved or refused.
    std::shared_ptr<const DesiredState> desired = applied.desired;
    const std::string self = node.node.name;
    const ExecOptions exec = input.exec;
    input.datastores_elsewhere = [this, desired, self, exec](const std::vector<DatastoreSpec>& w) {
      return FindDatastoresElsewhere(*desired, fleet_, self, w, exec);
    };
    input.other_transports = [this, desired](const std::string& other) -> Transport* {
      for (const NodeDesiredState& n : desired->nodes) {
        if (n.node.name != other) continue;
        auto transport = fleet_.TransportFor(n.node);
        return transport.ok() ? *transport : nullptr;
      }
      return nullptr;
    };
    input.should_stop = [this] { return stopping_.load(); };
    input.now = UnixNow;
    return input;
  }

  // POST /api/v1/pins (`dflow rollback --now`): checked against the desired state in force,
  // stored, and the nodes running the service woken at once.
  HttpResponse PinRequest(const std::string& body) {
    auto pin = ParsePinRequest(body);
    if (!pin.ok()) return JsonAnswer(400, {{"error", pin.status().message()}});
    AppliedState applied = desired_.Get();
    if (!applied.desired) return JsonAnswer(503, {{"error", "no desired state is in force yet"}});
    if (Status s = CheckPin(*applied.desired, *pin); !s.ok())
      return JsonAnswer(s.code() == Code::kNotFound ? 404 : 400, {{"error", s.message()}});
    pin->pinned_against = applied.commit.id;
    pin->created_at = UnixNow();
    if (Status s = pins_->Add(*pin); !s.ok())
      return JsonAnswer(500, {{"error", "the pin could not be stored: " + s.message()}});
    const WakeReason reason = WakeReason::Other("rollback pin r" + std::to_string(pin->release_id));
    spdlog::info("{}/{} in {}: {}", pin->application, pin->service, pin->environment,
                 PinNote(*pin));
    const auto nodes = NodesOfPin(*applied.desired, *pin);
    for (const std::string& node : nodes) workers_.Trigger(node, reason);
    return JsonAnswer(
        202, {{"pinned", PinNote(*pin)}, {"pinnedAgainst", applied.commit.id}, {"nodes", nodes}});
  }

  static HttpResponse JsonAnswer(int status, const nlohmann::json& body) {
    HttpResponse response;
    response.status = status;
    response.content_type = "application/json";
    response.body = body.dump(2) + "\n";
    return response;
  }

  // The URLs of the datastores the node's apps use on other nodes, read there each pass (an
  // app waits, blocked, until its datastore exists: docs/datastores.md).
  void AddRemoteUrls(const DesiredState& desired, const std::string& node, SecretValues& secrets) {
    RemoteDatastoreDsns dsns = ReadRemoteDatastoreDsns(desired, fleet_, node);
    for (const std::string& error : dsns.errors)
      spdlog::warn("node={} remote datastore: {} (its apps wait)", node, error);
    AddRemoteDatastoreSecrets(desired, dsns.dsns, secrets);
  }

  // One line per pass that needs one: the level follows what the loop does next.
  static void LogPass(const std::string& node, const std::string& rev, const std::string& trigger,
                      const NodePassOutcome& outcome) {
    if (!outcome.reachable) {
      const NextStep step = NextStepFor(outcome.status.code());
      if (step == NextStep::kStall)
        spdlog::error("node={} {} ({})", node, outcome.error, WhatHappensNext(step));
      else if (step == NextStep::kWait)
        spdlog::info("node={} not ready: {} ({})", node, outcome.error, WhatHappensNext(step));
      else if (outcome.status.code() == Code::kFailed)  // it answered; a command failed
        spdlog::warn("node={} observe failed: {} (retrying)", node, outcome.error);
      else
        spdlog::warn("node={} unreachable: {} (retrying)", node, outcome.error);
    } else if (outcome.failed) {
      spdlog::warn("node={} rev={} {}", node, rev, outcome.error);
    } else if (outcome.applied) {
      spdlog::info("node={} rev={} trigger={} changes applied", node, rev, trigger);
    }
  }

  SyncStatusReporter sync_reporter_;  // posts nothing when no forge is configured
  mutable std::mutex config_mutex_;
  ControllerConfig config_;                    // GUARDED_BY(config_mutex_) after Init
  Secret webhook_secret_;                      // GUARDED_BY(config_mutex_)
  Secret api_token_;                           // GUARDED_BY(config_mutex_)
  BadgeSettings badges_;                       // GUARDED_BY(config_mutex_), secret read
  PassSlots pass_slots_{config_.concurrency};  // after config_, which sets its limit
  Fleet fleet_;
  std::unique_ptr<StatusStore> store_;
  std::unique_ptr<GeneratedSecrets> generated_;  // the themes' replaceable secrets
  std::unique_ptr<StatusPublisher> publisher_;   // reads store_; the HTTP side reads it
  std::unique_ptr<RollbackPins> pins_;           // on store_
  Metrics metrics_;
  DeliveryLog deliveries_;
  ControllerApi api_;
  std::unique_ptr<HttpServer> http_;

  DesiredInForce desired_;
  std::string last_attempted_;  // source thread only
  std::atomic<bool> force_reload_{false};
  std::atomic<bool> stopping_{false};

  Wakeup source_wakeup_;
  SourceRounds source_rounds_;  // webhook rounds: node passes observe during the fetch
  std::thread source_thread_;
  std::mutex refs_mutex_;
  ResolvedRefs refs_;  // GUARDED_BY(refs_mutex_): the last resolution of the apps' refs
  std::mutex scope_mutex_;
  std::map<std::string, std::set<std::string>> scoped_apps_;  // GUARDED_BY(scope_mutex_)
  Wakeup refs_wakeup_;
  std::thread refs_thread_;
  EdgeTransportFactory edge_transports_;
  NodeWorkers workers_;       // last but one: its threads use every member above
  NodeWorkers edge_workers_;  // last: the same for the edges' loops
};

}  // namespace

Result<std::unique_ptr<Controller>> Controller::Start(ControllerConfig config,
                                                      TransportFactory transports,
                                                      EdgeTransportFactory edge_transports) {
  auto controller = std::make_unique<ControllerImpl>(std::move(config), std::move(transports),
                                                     std::move(edge_transports));
  if (Status status = controller->Init(); !status.ok()) return status;
  return std::unique_ptr<Controller>(std::move(controller));
}

}  // namespace dflow
