#include "reconciler/controller.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/secrets_file.h"
#include "reconciler/controller_api.h"
#include "reconciler/fetch_process.h"
#include "reconciler/git_mirror.h"
#include "reconciler/http_server.h"
#include "reconciler/manifest_source.h"
#include "reconciler/node_pass.h"
#include "reconciler/pass_slots.h"
#include "reconciler/sync_status_reporter.h"
#include "reconciler/wakeup.h"

namespace dflow {
namespace {

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reads a secret from a file (first line) or an environment variable; "" when neither is set.
Result<std::string> ReadSecret(const std::string& file, const std::string& env,
                               const std::string& what) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return Status(Code::kNotFound, "cannot read " + what + " file " + file);
    std::string value;
    std::getline(in, value);
    return value;
  }
  if (!env.empty()) {
    const char* value = std::getenv(env.c_str());
    return std::string(value ? value : "");
  }
  return std::string();
}

Result<std::pair<std::string, std::string>> HostPort(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status(Code::kInvalidArgument, "listen must be host:port");
  try {
    return std::make_pair(listen.substr(0, colon), listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Status(Code::kInvalidArgument, "bad listen address " + listen);
  }
}

// A configured but unreadable or empty token secret turns badges off rather than open.
BadgeSettings BadgeSettingsOf(const ControllerConfig& c) {
  BadgeSettings settings;
  settings.enabled = c.badges_enabled;
  settings.environments = c.badge_environments;
  if (c.badge_token_secret_file.empty() && c.badge_token_secret_env.empty()) return settings;
  auto secret = ReadSecret(c.badge_token_secret_file, c.badge_token_secret_env, "badge secret");
  if (!secret.ok() || secret->empty()) settings.enabled = false;
  settings.token_secret = secret.ok() ? *secret : "";
  return settings;
}

// The desired state in force and where it came from.
struct AppliedState {
  std::shared_ptr<const DesiredState> desired;
  FetchedCommit commit;
};

class ControllerImpl final : public Controller {
 public:
  ControllerImpl(ControllerConfig config, TransportFactory transports)
      : config_(std::move(config)), fleet_(std::move(transports)) {}

  ~ControllerImpl() override {
    Stop();
    Wait();
  }

  Status Init() {
    std::error_code ec;
    std::filesystem::create_directories(config_.state_dir, ec);
    if (ec)
      return Status(Code::kUnavailable,
                    "state directory " + config_.state_dir + ": " + ec.message());
    auto store = StatusStore::Open(config_.state_dir + "/state.db");
    if (!store.ok()) return store.status();
    store_ = std::move(store).value();
    (void)store_->MarkInterrupted(UnixNow());
    DeclareControllerMetrics(metrics_);
    if (Status s = LoadSecrets(config_); !s.ok()) return s;
    auto forge = SyncStatusTargetFor(config_);
    if (!forge.ok()) return forge.status();
    sync_reporter_.SetTarget(std::move(forge).value());
    RestoreLastApplied();
    if (!config_.listen.empty()) {
      if (Status s = StartHttp(); !s.ok()) return s;
    }
    source_thread_ = std::thread([this] { SourceLoop(); });
    return Status::Ok();
  }

  void Stop() override {
    stopping_ = true;
    source_wakeup_.Shutdown();
    pass_slots_.Shutdown();
    std::lock_guard lock(workers_mutex_);
    for (auto& [name, worker] : workers_) worker->wakeup.Shutdown();
  }

  void Wait() override {
    if (source_thread_.joinable()) source_thread_.join();
    std::map<std::string, std::unique_ptr<Worker>> workers;
    {
      std::lock_guard lock(workers_mutex_);
      workers.swap(workers_);
    }
    for (auto& [name, worker] : workers)
      if (worker->thread.joinable()) worker->thread.join();
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

  void TriggerSync(const std::string& reason) override { source_wakeup_.Trigger(reason); }

  int http_port() const override { return http_ ? http_->port() : 0; }

 private:
  struct Worker {
    std::thread thread;
    Wakeup wakeup;
    std::atomic<bool> done{false};  // the node left the desired state and its loop ended
  };

  ControllerConfig Config() const {
    std::lock_guard lock(config_mutex_);
    return config_;
  }

  Status LoadSecrets(const ControllerConfig& config) {
    SecretValues secrets;
    if (!config.secrets_file.empty()) {
      auto loaded = LoadSecretsFile(config.secrets_file);
      if (!loaded.ok()) return loaded.status();
      secrets = std::move(loaded).value();
    }
    std::lock_guard lock(state_mutex_);
    secrets_ = std::move(secrets);
    return Status::Ok();
  }

  Status StartHttp() {
    auto address = HostPort(config_.listen);
    if (!address.ok()) return address.status();
    HttpServerOptions options;
    options.address = address->first;
    try {
      options.port = std::stoi(address->second);
    } catch (const std::exception&) {
      return Status(Code::kInvalidArgument, "bad listen port in " + config_.listen);
    }
    api_.store = store_.get();
    api_.metrics = &metrics_;
    api_.deliveries = &deliveries_;
    api_.branch = config_.branch;
    api_.ready = [this] {
      std::lock_guard lock(state_mutex_);
      return applied_.desired != nullptr;
    };
    api_.webhook_secret = [this] {
      ControllerConfig c = Config();
      auto secret = ReadSecret(c.webhook_secret_file, c.webhook_secret_env, "webhook secret");
      return secret.ok() ? *secret : std::string();
    };
    api_.trigger = [this](const std::string& reason) { TriggerSync(reason); };
    api_.badges = [this] { return BadgeSettingsOf(Config()); };
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
    auto snapshot = ReadManifestsFromGit(MirrorDir(), source->applied_revision);
    if (!snapshot.ok()) return;
    SecretValues secrets = Secrets();
    LoadOptions options;
    options.secrets = &secrets;
    LoadResult result = LoadDesiredState(*snapshot, options);
    if (!result.ok()) return;
    FetchedCommit commit{source->applied_revision, source->applied_author, source->applied_message,
                         false};
    Install(std::make_shared<const DesiredState>(std::move(*result.desired)), commit);
    spdlog::info("rev={} restored the last applied desired state",
                 source->applied_revision.substr(0, 12));
  }

  SecretValues Secrets() const {
    std::lock_guard lock(state_mutex_);
    return secrets_;
  }

  void SourceLoop() {
    std::string reason = "start";
    do {
      SyncSource(reason);
    } while (source_wakeup_.Wait(Config().interval, reason));
  }

  GitRemoteOptions RemoteOptions(const ControllerConfig& c) {
    GitRemoteOptions remote;
    remote.url = c.repo_url;
    remote.branch = c.branch;
    remote.ssh_key = c.repo_ssh_key;
    remote.host_key = c.repo_host_key;
    remote.known_hosts_file = c.known_hosts_file;
    auto token = ReadSecret(c.repo_token_file, c.repo_token_env, "repo token");
    if (token.ok()) remote.token = *token;
    return remote;
  }

  void SyncSource(const std::string& reason) {
    const ControllerConfig c = Config();
    // In a child process: libgit2 leaks on every fetch (fetch_process.h).
    FetchProcessOptions process;
    process.cancelled = [this] { return stopping_.load(); };
    auto fetched = FetchIntoMirrorInChild(RemoteOptions(c), MirrorDir(), process);
    if (!fetched.ok() && stopping_) return;  // cancelled by Stop(): not the remote's failure
    if (!fetched.ok()) {
      metrics_.Add("dflow_source_fetch_failures_total", {});
      spdlog::warn("source: {} (keeping the last good commit; will retry)",
                   fetched.status().message());
      RecordSourceError(last_attempted_, "fetch failed: " + fetched.status().message());
      TriggerAllNodes(reason);  // nodes still converge to the state in force
      return;
    }
    if (fetched->id == last_attempted_ && !force_reload_.exchange(false)) {
      TriggerAllNodes(reason);
      return;
    }
    last_attempted_ = fetched->id;
    // In-process: it runs once per new commit, and valgrind finds no libgit2 leak on this path
    // (the PCRE2 leak is in git_remote_lookup/git_remote_create, i.e. only in the fetch).
    auto snapshot = ReadManifestsFromGit(MirrorDir(), fetched->id);
    if (!snapshot.ok()) {
      RecordSourceError(fetched->id, snapshot.status().message());
      return;
    }
    SecretValues secrets = Secrets();
    LoadOptions options;
    options.secrets = &secrets;
    LoadResult result = LoadDesiredState(*snapshot, options);
    if (!result.ok()) {
      std::string errors;
      for (const auto& d : result.diagnostics)
        if (d.severity == Diagnostic::Severity::kError) errors += d.ToString() + "\n";
      metrics_.Set("dflow_source_valid", {}, 0);
      spdlog::error("rev={} does not validate; the last good desired state stays in force:\n{}",
                    fetched->id.substr(0, 12), errors);
      RecordSourceError(fetched->id, errors);
      TriggerAllNodes(reason);
      return;
    }
    metrics_.Set("dflow_source_valid", {}, 1);
    spdlog::info("rev={} author=\"{}\" \"{}\" is the desired state", fetched->id.substr(0, 12),
                 fetched->author, fetched->summary);
    Install(std::make_shared<const DesiredState>(std::move(*result.desired)), *fetched);
    (void)store_->PutSourceStatus(
        {fetched->id, fetched->author, fetched->summary, fetched->id, "", UnixNow()});
    TriggerAllNodes("revision " + fetched->id.substr(0, 12));
  }

  void RecordSourceError(const std::string& attempted, const std::string& error) {
    AppliedState applied = Applied();
    (void)store_->PutSourceStatus({applied.commit.id, applied.commit.author, applied.commit.summary,
                                   attempted, error, UnixNow()});
  }

  AppliedState Applied() const {
    std::lock_guard lock(state_mutex_);
    return applied_;
  }

  void Install(std::shared_ptr<const DesiredState> desired, const FetchedCommit& commit) {
    {
      std::lock_guard lock(state_mutex_);
      applied_ = {std::move(desired), commit};
    }
    EnsureWorkers();
  }

  // One loop per node of the desired state; loops of removed nodes end by themselves.
  void EnsureWorkers() {
    AppliedState applied = Applied();
    std::lock_guard lock(workers_mutex_);
    if (stopping_) return;
    for (const auto& node : applied.desired->nodes) {
      auto existing = workers_.find(node.node.name);
      if (existing != workers_.end()) {
        if (!existing->second->done) continue;
        existing->second->thread.join();  // the node came back after it was removed
        workers_.erase(existing);
      }
      auto worker = std::make_unique<Worker>();
      Worker* raw = worker.get();
      const std::string name = node.node.name;
      raw->thread = std::thread([this, raw, name] { NodeLoop(name, *raw); });
      workers_[name] = std::move(worker);
    }
  }

  void TriggerAllNodes(const std::string& reason) {
    std::lock_guard lock(workers_mutex_);
    for (auto& [name, worker] : workers_) worker->wakeup.Trigger(reason);
  }

  std::chrono::milliseconds NodeInterval(int failures) {
    const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(Config().interval);
    if (failures > 0) {
      // An unreachable node is retried sooner than the interval at first, then backs off.
      auto backoff = BackoffDelay(failures, std::chrono::seconds(2), Config().interval);
      return std::chrono::duration_cast<std::chrono::milliseconds>(backoff);
    }
    static thread_local std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<long> jitter(0, interval.count() / 10);
    return interval + std::chrono::milliseconds(jitter(random));
  }

  void NodeLoop(const std::string& name, Worker& worker) {
    std::map<std::string, AppBackoff> backoff;
    int node_failures = 0;
    std::string reason = "start";
    std::string last_revision;  // of this node's previous pass
    bool verify = false;
    do {
      AppliedState applied = Applied();
      const NodeDesiredState* node = nullptr;
      for (const auto& n : applied.desired->nodes)
        if (n.node.name == name) node = &n;
      if (node == nullptr) {
        spdlog::info("node={} left the desired state; its loop ends", name);
        fleet_.Forget(name);
        worker.done = true;
        return;
      }
      PassSlot slot(pass_slots_);  // at most `concurrency` node passes at once
      if (!slot.held()) break;     // stopping
      NodePassOutcome outcome = Pass(*node, applied, verify ? "verify" : reason,
                                     applied.commit.id == last_revision, backoff);
      last_revision = applied.commit.id;
      node_failures = outcome.reachable ? 0 : node_failures + 1;
      verify = outcome.applied;  // look again at once to confirm the node converged
      if (verify) worker.wakeup.Trigger("verify");
    } while (worker.wakeup.Wait(NodeInterval(node_failures), reason));
  }

  NodePassOutcome Pass(const NodeDesiredState& node, const AppliedState& applied,
                       const std::string& trigger, bool same_revision,
                       std::map<std::string, AppBackoff>& backoff) {
    const ControllerConfig c = Config();
    auto transport = fleet_.TransportFor(node.node);
    if (!transport.ok()) {
      spdlog::warn("node={} {}", node.node.name, transport.status().message());
      return {};
    }
    NodePassInput input;
    input.node = &node;
    input.revision = applied.commit.id;
    input.trigger = trigger;
    input.same_revision_as_last_pass = same_revision;
    input.plan_options = PlanOptionsFor(*applied.desired);
    input.plan_options.allow_mass_delete = c.allow_mass_delete;
    input.plan_options.max_delete_share = c.max_delete_share;
    input.secrets = ResolveAppSecrets(*applied.desired, Secrets());
    input.plan_options.secrets = input.secrets;
    input.exec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.command_timeout);
    input.should_stop = [this] { return stopping_.load(); };
    input.now = UnixNow;
    NodePassOutcome outcome = RunNodePass(input, **transport, *store_, metrics_, backoff);
    UpdateReachable(node.node.name, outcome.reachable);
    if (outcome.reachable)
      sync_reporter_.AfterPass(*store_, *applied.desired, node.node.name, applied.commit.id);
    if (!outcome.reachable)
      spdlog::warn("node={} unreachable: {} (retrying)", node.node.name, outcome.error);
    else if (outcome.failed)
      spdlog::warn("node={} rev={} {}", node.node.name, applied.commit.id.substr(0, 12),
                   outcome.error);
    else if (outcome.applied)
      spdlog::info("node={} rev={} trigger={} changes applied", node.node.name,
                   applied.commit.id.substr(0, 12), trigger);
    (void)store_->Prune(c.history_keep);
    return outcome;
  }

  void UpdateReachable(const std::string& node, bool reachable) {
    std::lock_guard lock(reachable_mutex_);
    reachable_[node] = reachable;
    int count = 0;
    for (const auto& [name, up] : reachable_) count += up;
    metrics_.Set("dflow_nodes_reachable", {}, count);
  }

  SyncStatusReporter sync_reporter_;  // posts nothing when no forge is configured
  mutable std::mutex config_mutex_;
  ControllerConfig config_;                    // GUARDED_BY(config_mutex_) after Init
  PassSlots pass_slots_{config_.concurrency};  // after config_, which sets its limit
  Fleet fleet_;
  std::unique_ptr<StatusStore> store_;
  Metrics metrics_;
  DeliveryLog deliveries_;
  ControllerApi api_;
  std::unique_ptr<HttpServer> http_;

  mutable std::mutex state_mutex_;
  AppliedState applied_;        // GUARDED_BY(state_mutex_)
  SecretValues secrets_;        // GUARDED_BY(state_mutex_)
  std::string last_attempted_;  // source thread only
  std::atomic<bool> force_reload_{false};

  Wakeup source_wakeup_;
  std::thread source_thread_;
  std::mutex workers_mutex_;
  std::map<std::string, std::unique_ptr<Worker>> workers_;  // GUARDED_BY(workers_mutex_)
  std::atomic<bool> stopping_{false};
  std::mutex reachable_mutex_;
  std::map<std::string, bool> reachable_;  // GUARDED_BY(reachable_mutex_)
};

}  // namespace

Result<std::unique_ptr<Controller>> Controller::Start(ControllerConfig config,
                                                      TransportFactory transports) {
  auto controller = std::make_unique<ControllerImpl>(std::move(config), std::move(transports));
  if (Status status = controller->Init(); !status.ok()) return status;
  return std::unique_ptr<Controller>(std::move(controller));
}

}  // namespace dflow
