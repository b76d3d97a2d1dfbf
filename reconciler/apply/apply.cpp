#include "reconciler/apply/apply.h"

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>

#include "manifests-schema/base/parallel_for.h"
#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/text.h"
#include "providers/dokku/dokku_commands.h"
#include "reconciler/apply/failure_scope.h"

namespace dflow {
namespace {

bool IsSlow(const Action& action) {
  switch (action.kind) {
    case ActionKind::kDeployGit:
    case ActionKind::kDeployImage:
    case ActionKind::kRebuild:
    case ActionKind::kRestart:
    case ActionKind::kCreateDatastore:
    case ActionKind::kLinkDatastore:
    case ActionKind::kStartTraefik:
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
  NodeRunner(const NodePlan& plan, Transport* transport, const ApplyOptions& options,
             std::mutex& progress_mutex)
      : plan_(plan), transport_(transport), options_(options), progress_mutex_(progress_mutex) {}

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
      Step(i, action_result);
      Report(ActionEvent::Phase::kFinished, action_result);
    }
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

  void Step(std::size_t index, ActionResult& result) {
    const Action& action = result.action;
    if (std::string why = SkipReason(index, action); !why.empty()) {
      result.outcome = ActionOutcome::kSkipped;
      result.message = why;
      return;
    }
    Result<RenderedCommand> command = RenderDokkuCommand(action, options_.secrets);
    if (!command.ok()) {
      Fail(result, command.status().message(), false);
      return;
    }
    Report(ActionEvent::Phase::kStarted, result);
    if (options_.dry_run) {
      result.outcome = ActionOutcome::kWouldRun;
      return;
    }
    Execute(*command, result);
  }

  void Execute(const RenderedCommand& command, ActionResult& result) {
    if (transport_ == nullptr) {
      Fail(result, "no transport for node " + plan_.node, true);
      return;
    }
    ExecOptions exec_options = options_.exec;
    if (IsSlow(result.action))
      exec_options.timeout = std::max(exec_options.timeout, options_.slow_timeout);
    Result<ExecResult> exec = transport_->RunDokku(command.argv, exec_options);
    if (!exec.ok()) {
      // The connection is gone or refused: the node's other actions would fail the same way.
      Fail(result, Scrubbed(exec.status().ToString(), command), true);
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
  const ApplyOptions& options_;
  std::mutex& progress_mutex_;
  FailureScope failures_;
  std::map<std::string, std::size_t> unrenderable_;  // app -> first unrenderable action
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
    result.nodes[i] = NodeRunner(plans[i], transport, options, progress_mutex).Run();
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
