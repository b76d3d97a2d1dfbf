#include "reconciler/apply/apply.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/parallel_for.h"
#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/text.h"
#include "providers/dokku/build_context.h"
#include "providers/dokku/derived_config.h"
#include "providers/dokku/dokku_commands.h"
#include "reconciler/apply/action_graph.h"
#include "reconciler/apply/failure_scope.h"

namespace dflow {
namespace {

bool IsSlow(const Action& action) {
  switch (action.kind) {
    case ActionKind::kDeployGit:
    case ActionKind::kDeployImage:
    case ActionKind::kDeployArchive:
    case ActionKind::kRebuild:
    case ActionKind::kRestart:
    case ActionKind::kCreateDatastore:
    case ActionKind::kImportDatastore:
    case ActionKind::kLinkDatastore:
    case ActionKind::kStartTraefik:
    case ActionKind::kStartNginx:
    case ActionKind::kDestroyApp:
      return true;
    case ActionKind::kScale:
      return !action.skip_deploy;
    default:
      return false;
  }
}

// What Dokku or the transport said, without the command's secret values or URL credentials.
std::string Scrubbed(const std::string& text, const RenderedCommand& command) {
  return ScrubUrls(ScrubSecrets(text, command.sensitive));
}

// Runs one node's plan in order and tracks what a failure stops.
class NodeRunner {
 public:
  NodeRunner(const NodePlan& plan, Transport* transport, const TransportLookup& others,
             const ApplyOptions& options, std::mutex& progress_mutex)
      : plan_(plan),
        transport_(transport),
        others_(others),
        options_(options),
        progress_mutex_(progress_mutex) {}

  NodeApplyResult Run() {
    NodeApplyResult result;
    result.node = plan_.node;
    result.actions.resize(plan_.actions.size());
    FindUnrenderableApps();
    for (std::size_t i = 0; i < plan_.actions.size(); ++i) {
      ActionResult& action_result = result.actions[i];
      action_result.node = plan_.node;
      action_result.index = i;
      action_result.action = plan_.actions[i];
      action_result.display = DisplayDokkuCommand(plan_.actions[i]);
    }
    if (options_.dry_run || transport_ == nullptr || plan_.refused) {
      for (ActionResult& action_result : result.actions) {
        Step(action_result.index, action_result);
        Report(ActionEvent::Phase::kFinished, action_result);
      }
      return result;
    }
    RunGraph(result.actions);
    return result;
  }

 private:
  // Validate before mutating: an app with an action that cannot be rendered (a secret that
  // is missing or changed since the plan) runs none of its actions, so dflow never leaves a
  // half-made app (say, created but without its ownership marker).
  void FindUnrenderableApps() {
    for (std::size_t i = 0; i < plan_.actions.size(); ++i) {
      const Action& action = plan_.actions[i];
      if (action.app.empty() || action.report_only || unrenderable_.contains(action.app)) continue;
      if (action.kind == ActionKind::kSetDerivedConfig) continue;  // rendered once read (below)
      if (!RenderDokkuCommand(action, options_.secrets).ok()) unrenderable_[action.app] = i;
    }
  }

  // Why the action at `index` must not run, or "".
  std::string SkipReason(std::size_t index, const Action& action) {
    if (plan_.refused) return plan_.refusal;
    if (options_.should_stop && options_.should_stop()) return "skipped: dflow is stopping";
    if (action.report_only) return "report only: self-heal is off";
    if (std::string why = failures_.Blocked(action); !why.empty()) return why;
    auto bad = unrenderable_.find(action.app);
    if (bad != unrenderable_.end() && bad->second != index) {
      return "skipped: action " + std::to_string(bad->second + 1) + " of app " + action.app +
             " cannot be rendered";
    }
    return "";
  }

  // Dry run, a refused plan or no transport: each action in plan order, none run.
  void Step(std::size_t index, ActionResult& result) {
    const Action& action = result.action;
    if (std::string why = SkipReason(index, action); !why.empty()) {
      result.outcome = ActionOutcome::kSkipped;
      result.message = why;
      return;
    }
    // Apply-time config renders only once its datastores were read on the node.
    if (action.kind != ActionKind::kSetDerivedConfig) {
      Result<RenderedCommand> command = RenderDokkuCommand(action, options_.secrets);
      if (!command.ok()) {
        Fail(result, command.status().message(), false);
        return;
      }
    }
    Report(ActionEvent::Phase::kStarted, result);
    if (options_.dry_run) {
      result.outcome = ActionOutcome::kWouldRun;
      return;
    }
    Fail(result, "no transport for node " + plan_.node, true);
  }

  // Runs every action as soon as the actions it needs (action_graph.h) have finished, over
  // the transport's channels. A skipped or failed action still releases the actions that
  // wait for it: FailureScope then decides whether they run, exactly as in plan order.
  void RunGraph(std::vector<ActionResult>& results) {
    const ActionGraph graph = BuildActionGraph(plan_.actions);
    std::vector<std::size_t> waiting(results.size());
    std::vector<std::size_t> ready;
    for (std::size_t i = 0; i < results.size(); ++i) {
      waiting[i] = graph.waits_for[i].size();
      if (waiting[i] == 0) ready.push_back(i);
    }
    std::vector<std::size_t> action_of_call;  // flow id -> action index
    std::vector<RenderedCommand> commands;    // by flow id, for scrubbing what Dokku said
    std::vector<std::string> read_of_call;    // by flow id: the datastore a DSN read is for
    auto push = [&](std::size_t i, DokkuCall call, RenderedCommand command, std::string read) {
      action_of_call.push_back(i);
      commands.push_back(std::move(command));
      read_of_call.push_back(std::move(read));
      return call;
    };
    // Starts what is ready; what is skipped or cannot be rendered finishes at once and may
    // make more ready.
    auto start = [&](std::vector<std::size_t> now) {
      std::vector<DokkuCall> calls;
      while (!now.empty()) {
        std::sort(now.begin(), now.end());  // plan order among the ready ones
        std::vector<std::size_t> released;
        for (std::size_t i : now) {
          ActionResult& result = results[i];
          const bool derived =
              result.action.kind == ActionKind::kSetDerivedConfig && Startable(i, result);
          if (derived && !result.action.settings.empty()) {
            // First the DSN of each datastore it reads; the config:set once they answered.
            for (const auto& [service, engine] : result.action.settings) {
              RenderedCommand read;
              read.argv = DatastoreDsnArgv(engine, service);
              DokkuCall call{read.argv, options_.exec.timeout};
              calls.push_back(push(i, std::move(call), std::move(read), service));
            }
            reads_left_[i] = result.action.settings.size();
            continue;
          }
          std::optional<RenderedCommand> command =
              derived ? BeginDerived(result) : Begin(i, result);
          if (!command) {
            Report(ActionEvent::Phase::kFinished, result);
            Release(graph, i, waiting, released);
            continue;
          }
          ExecOptions exec = options_.exec;
          if (IsSlow(result.action)) exec.timeout = std::max(exec.timeout, options_.slow_timeout);
          DokkuCall call{command->argv, exec.timeout, command->stdin_data};
          if (result.action.kind == ActionKind::kImportDatastore) {
            call.stdin_stream = StartExport(i, result, exec);
            if (call.stdin_stream == nullptr) {
              Report(ActionEvent::Phase::kFinished, result);
              Release(graph, i, waiting, released);
              continue;
            }
          }
          calls.push_back(push(i, std::move(call), std::move(*command), ""));
        }
        now = std::move(released);
      }
      return calls;
    };
    std::vector<DokkuCall> first = start(ready);
    transport_->RunDokkuFlow(
        std::move(first), options_.exec,
        [&](std::size_t id, const Result<ExecResult>& exec) -> std::vector<DokkuCall> {
          const std::size_t i = action_of_call[id];
          if (!read_of_call[id].empty()) {
            // A DSN read: its output is the datastore's password, kept here only.
            ReadConnection(read_of_call[id], exec, results[i]);
            if (--reads_left_[i] > 0) return {};
            if (results[i].outcome == ActionOutcome::kFailed) {
              Report(ActionEvent::Phase::kFinished, results[i]);
              std::vector<std::size_t> released;
              Release(graph, i, waiting, released);
              return start(std::move(released));
            }
            std::optional<RenderedCommand> command = BeginDerived(results[i]);
            if (command) {
              DokkuCall call{command->argv, options_.exec.timeout};
              return {push(i, std::move(call), std::move(*command), "")};
            }
            Report(ActionEvent::Phase::kFinished, results[i]);
            std::vector<std::size_t> released;
            Release(graph, i, waiting, released);
            return start(std::move(released));
          }
          if (results[i].action.kind == ActionKind::kDeployArchive && exec.ok() &&
              rebuilt_.insert(i).second && ContextAlreadyCommitted(exec->exit_code, exec->err)) {
            if (std::optional<DokkuCall> rebuild = RebuildInstead(results[i])) {
              RenderedCommand command;
              command.argv = rebuild->argv;
              return {push(i, std::move(*rebuild), std::move(command), "")};
            }
          }
          Finish(commands[id], exec, results[i]);
          if (exports_.erase(i) > 0) ExplainMove(results[i]);
          Report(ActionEvent::Phase::kFinished, results[i]);
          std::vector<std::size_t> released;
          Release(graph, i, waiting, released);
          return start(std::move(released));
        });
  }

  // The `ps:rebuild` that deploys a build context Dokku already holds (ContextAlreadyCommitted).
  std::optional<DokkuCall> RebuildInstead(ActionResult& result) {
    Action rebuild = result.action;
    rebuild.kind = ActionKind::kRebuild;
    Result<RenderedCommand> command = RenderDokkuCommand(rebuild, options_.secrets);
    if (!command.ok()) return std::nullopt;
    result.message =
        "the app's repository already holds this build context (an earlier deploy committed it "
        "and was not recorded): rebuilt from it with ps:rebuild";
    return DokkuCall{command->argv, std::max(options_.exec.timeout, options_.slow_timeout)};
  }

  // Starts a move's export on the datastore's old node (kImportDatastore: action.value), to
  // stream into the import here; nullptr when it cannot start (the action has then failed).
  DokkuStream* StartExport(std::size_t index, ActionResult& result, const ExecOptions& exec) {
    const Action& action = result.action;
    Transport* source = others_ ? others_(action.value) : nullptr;
    const std::string what = "move " + action.engine + " datastore " + action.target +
                             " from node " + action.value + ": ";
    if (!transport_->StreamsStdin()) {
      Fail(result,
           what + transport_->Describe() +
               " cannot stream into a command (a move needs SSH to the new node); nothing was "
               "exported",
           false);
      return nullptr;
    }
    Result<std::unique_ptr<DokkuStream>> stream =
        source == nullptr ? Result<std::unique_ptr<DokkuStream>>(
                                Status(Code::kUnavailable, "no connection to node " + action.value))
                          : source->StartDokkuStream(DatastoreExportArgv(action), exec);
    if (stream.ok()) return (exports_[index] = std::move(stream).value()).get();
    Fail(result,
         what + "the export could not start (" + ScrubUrls(stream.status().message()) +
             "); nothing was imported: apply again once node " + action.value + " answers",
         false);
    return nullptr;
  }

  // A move that failed once its export ran: the datastore on this node was created by this
  // apply and took part of the dump, or none; say so, and how to start over.
  void ExplainMove(ActionResult& result) {
    const Action& action = result.action;
    if (result.outcome != ActionOutcome::kFailed) return;
    const std::string what = action.engine + " datastore " + action.target;
    result.message = "move " + what + " from node " + action.value + ": " + result.message +
                     ". The old copy on node " + action.value + " is untouched; the copy on node " +
                     plan_.node + " holds an incomplete import: destroy it there (`dokku " +
                     action.engine + ":destroy " + action.target +
                     " -f`) before applying again, or dflow takes it as moved";
  }

  // Whether a kSetDerivedConfig may start its reads (else Begin() records why not).
  bool Startable(std::size_t index, ActionResult& result) {
    if (!SkipReason(index, result.action).empty()) return false;
    Report(ActionEvent::Phase::kStarted, result);
    return true;
  }

  // Keeps the connection a DSN read printed, or fails the action (once).
  void ReadConnection(const std::string& service, const Result<ExecResult>& exec,
                      ActionResult& result) {
    if (result.outcome == ActionOutcome::kFailed) return;
    if (!exec.ok()) {
      Fail(result, "read datastore " + service + ": " + exec.status().ToString(), true);
      return;
    }
    if (exec->exit_code != 0) {
      // Dokku's error names the service, never the password (it has none to print).
      Fail(result,
           "read datastore " + service + ": exit " + std::to_string(exec->exit_code) + ": " +
               Trim(exec->err.empty() ? exec->out : exec->err),
           false);
      return;
    }
    Result<DatastoreConnection> connection = ParseDatastoreDsn(exec->out);
    if (!connection.ok()) {
      Fail(result, "read datastore " + service + ": " + connection.status().message(), false);
      return;
    }
    connections_[service] = *connection;
  }

  // The config:set of a kSetDerivedConfig once its datastores were read: the values
  // completed, each checked against the plan's hash when the plan knew it.
  std::optional<RenderedCommand> BeginDerived(ActionResult& result) {
    Action action = result.action;
    action.kind = ActionKind::kSetConfig;
    SecretValues values;
    auto& app_values = values[action.app];
    auto known = options_.secrets.find(action.app);
    if (known != options_.secrets.end()) app_values = known->second;
    for (ConfigEntry& entry : action.config) {
      std::string missing;
      std::optional<std::string> value =
          CompleteDerivedValue(action.derived[entry.key], app_values, connections_, &missing);
      if (!value) {
        Fail(result, "cannot complete " + entry.key + ": no value for " + missing, false);
        return std::nullopt;
      }
      if (entry.value_sha256.empty()) entry.value_sha256 = Sha256Hex(*value);
      app_values[entry.key] = *value;
    }
    Result<RenderedCommand> command = RenderDokkuCommand(action, values);
    if (!command.ok()) {
      Fail(result, command.status().message(), false);
      return std::nullopt;
    }
    return std::move(command).value();
  }

  static void Release(const ActionGraph& graph, std::size_t done, std::vector<std::size_t>& waiting,
                      std::vector<std::size_t>& released) {
    for (std::size_t j : graph.unblocks[done])
      if (--waiting[j] == 0) released.push_back(j);
  }

  // The command to run for the action at `index`, or nothing when it is skipped or fails
  // before reaching Dokku (its result is then final).
  std::optional<RenderedCommand> Begin(std::size_t index, ActionResult& result) {
    if (std::string why = SkipReason(index, result.action); !why.empty()) {
      result.outcome = ActionOutcome::kSkipped;
      result.message = why;
      return std::nullopt;
    }
    Result<RenderedCommand> command = RenderDokkuCommand(result.action, options_.secrets);
    if (!command.ok()) {
      Fail(result, command.status().message(), false);
      return std::nullopt;
    }
    Report(ActionEvent::Phase::kStarted, result);
    return std::move(command).value();
  }

  void Finish(const RenderedCommand& command, const Result<ExecResult>& exec,
              ActionResult& result) {
    if (!exec.ok()) {
      // The connection is gone or refused: the node's other actions would fail the same way.
      // (kFailed: it answered, but a stream into the command or its output went wrong.)
      Fail(result, Scrubbed(exec.status().ToString(), command),
           exec.status().code() != Code::kFailed);
      return;
    }
    result.exit_code = exec->exit_code;
    if (exec->exit_code == 0) {
      result.outcome = ActionOutcome::kRan;
      return;
    }
    std::string output = Trim(exec->err.empty() ? exec->out : exec->err);
    Fail(result, Scrubbed("exit " + std::to_string(exec->exit_code) + ": " + output, command),
         false);
  }

  void Fail(ActionResult& result, const std::string& message, bool node_unreachable) {
    result.outcome = ActionOutcome::kFailed;
    result.message = message;
    failures_.Failed(result.action, node_unreachable);
  }

  void Report(ActionEvent::Phase phase, const ActionResult& result) {
    if (!options_.on_progress) return;
    std::lock_guard<std::mutex> lock(progress_mutex_);
    options_.on_progress(ActionEvent{phase, &result, plan_.actions.size()});
  }

  const NodePlan& plan_;
  Transport* transport_;
  const TransportLookup& others_;  // the other nodes' transports: a move's export runs there
  const ApplyOptions& options_;
  std::mutex& progress_mutex_;
  FailureScope failures_;
  std::map<std::string, std::size_t> unrenderable_;  // app -> first unrenderable action
  std::map<std::size_t, std::size_t> reads_left_;    // kSetDerivedConfig -> DSN reads running
  // kImportDatastore index -> the export streaming into it from the old node.
  std::map<std::size_t, std::unique_ptr<DokkuStream>> exports_;
  std::set<std::size_t> rebuilt_;  // kDeployArchive whose first call has answered
  // Datastore service -> its connection, as read on this node during this apply.
  std::map<std::string, DatastoreConnection> connections_;
};

void Count(const NodeApplyResult& node, ApplyResult& result) {
  for (const auto& action : node.actions) {
    switch (action.outcome) {
      case ActionOutcome::kRan:
        ++result.ran;
        break;
      case ActionOutcome::kFailed:
        ++result.failed;
        break;
      case ActionOutcome::kSkipped:
        ++result.skipped;
        break;
      case ActionOutcome::kWouldRun:
        ++result.would_run;
        break;
    }
  }
}

}  // namespace

std::string_view ActionOutcomeName(ActionOutcome outcome) {
  switch (outcome) {
    case ActionOutcome::kRan:
      return "ran";
    case ActionOutcome::kFailed:
      return "failed";
    case ActionOutcome::kSkipped:
      return "skipped";
    case ActionOutcome::kWouldRun:
      return "would-run";
  }
  return "unknown";
}

std::string ApplyResult::Summary() const {
  std::string summary = "ran " + std::to_string(ran) + ", failed " + std::to_string(failed) +
                        ", skipped " + std::to_string(skipped);
  if (would_run > 0) summary += ", would run " + std::to_string(would_run);
  for (const auto& node : nodes) {
    for (const auto& action : node.actions) {
      if (action.outcome != ActionOutcome::kFailed) continue;
      summary += "\nfailed: " + node.node +
                 (action.action.app.empty() ? "" : " " + action.action.app) + " " +
                 std::string(ActionKindName(action.action.kind)) + ": " + action.message;
    }
  }
  return summary;
}

ApplyResult ApplyPlans(const std::vector<NodePlan>& plans, const TransportLookup& transports,
                       const ApplyOptions& options) {
  ApplyResult result;
  result.nodes.resize(plans.size());
  std::mutex progress_mutex;
  // max_parallel_nodes is a size_t; ParallelFor never starts more threads than plans anyway.
  const int parallel = static_cast<int>(
      std::min<std::size_t>(options.max_parallel_nodes, std::numeric_limits<int>::max()));
  ParallelFor(plans.size(), parallel, [&](std::size_t i) {
    Transport* transport = transports ? transports(plans[i].node) : nullptr;
    result.nodes[i] = NodeRunner(plans[i], transport, transports, options, progress_mutex).Run();
  });
  for (const auto& node : result.nodes) Count(node, result);
  return result;
}

ApplyResult ApplyPlans(const std::vector<NodePlan>& plans,
                       const std::map<std::string, Transport*>& transports,
                       const ApplyOptions& options) {
  return ApplyPlans(
      plans,
      [&transports](const std::string& node) -> Transport* {
        auto it = transports.find(node);
        return it == transports.end() ? nullptr : it->second;
      },
      options);
}

}  // namespace dflow
