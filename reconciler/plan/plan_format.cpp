#include "reconciler/plan/plan_format.h"

#include <nlohmann/json.hpp>

#include "providers/dokku/dokku_commands.h"

namespace dflow {
namespace {

std::string Subject(const Action& action) {
  if (!action.app.empty()) return action.app;
  if (!action.target.empty()) return action.target;
  return "node";
}

std::string Warnings(const NodePlan& plan) {
  std::string text;
  if (plan.refused) text += "  !! REFUSED: " + plan.refusal + "\n";
  for (const auto& action : plan.actions) {
    if (!action.destructive) continue;
    const std::string what = action.kind == ActionKind::kDestroyApp
                                 ? "app " + action.app
                                 : action.engine + " datastore " + action.target;
    text += "  !! DESTROY " + what + ": " + action.reason + "\n";
  }
  return text;
}

std::string Header(const NodePlan& plan) {
  const int changes = plan.ExecutableCount();
  const int drift = static_cast<int>(plan.actions.size()) - changes;
  std::string header = "node " + plan.node + ": ";
  header += changes == 0 ? "no changes"
                         : std::to_string(changes) + (changes == 1 ? " change" : " changes");
  if (plan.DestructiveCount() > 0)
    header += ", " + std::to_string(plan.DestructiveCount()) + " destructive";
  if (drift > 0) header += ", " + std::to_string(drift) + " drift reported";
  if (plan.refused) header += " (REFUSED)";
  return header + "\n";
}

std::string ActionsText(const NodePlan& plan) {
  std::string text;
  for (std::size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& action = plan.actions[i];
    text += "  " + std::to_string(i + 1) + ". " + std::string(ActionKindName(action.kind)) + " " +
            Subject(action) + ": " + action.reason;
    if (action.report_only) text += " [drift, not applied: self-heal off]";
    text += "\n     $ " + DisplayDokkuCommand(action) + "\n";
  }
  return text;
}

std::string NotesText(const NodePlan& plan) {
  std::string text;
  for (const auto& note : plan.notes) {
    text += "  - " + std::string(NoteKindName(note.kind)) + " " +
            (note.subject.empty() ? "node" : note.subject) + ": " + note.message + "\n";
  }
  return text;
}

nlohmann::json ActionJson(const Action& action) {
  return {{"kind", ActionKindName(action.kind)},
          {"app", action.app},
          {"target", action.target},
          {"reason", action.reason},
          {"destructive", action.destructive},
          {"report_only", action.report_only},
          {"command", DisplayDokkuCommand(action)}};
}

nlohmann::json NodeJson(const NodePlan& plan) {
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& action : plan.actions) actions.push_back(ActionJson(action));
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& note : plan.notes)
    notes.push_back(
        {{"kind", NoteKindName(note.kind)}, {"subject", note.subject}, {"message", note.message}});
  return {{"node", plan.node},
          {"refused", plan.refused},
          {"refusal", plan.refusal},
          {"changes", plan.ExecutableCount()},
          {"destructive", plan.DestructiveCount()},
          {"actions", actions},
          {"notes", notes}};
}

}  // namespace

std::string FormatPlansText(const std::vector<NodePlan>& plans) {
  std::string text;
  for (const auto& plan : plans)
    text += Header(plan) + Warnings(plan) + ActionsText(plan) + NotesText(plan);
  return text;
}

std::string FormatPlansJson(const std::vector<NodePlan>& plans) {
  nlohmann::json nodes = nlohmann::json::array();
  int changes = 0;
  int destructive = 0;
  for (const auto& plan : plans) {
    nodes.push_back(NodeJson(plan));
    changes += plan.ExecutableCount();
    destructive += plan.DestructiveCount();
  }
  nlohmann::json root = {{"nodes", nodes}, {"changes", changes}, {"destructive", destructive}};
  return root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace dflow
