#include "reconciler/plan/plan.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>

#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/text.h"
#include "providers/dokku/derived_config.h"
#include "reconciler/plan/app_plan.h"
#include "reconciler/plan/proxy_plan.h"
#include "reconciler/plan/remote_datastore.h"
#include "reconciler/plan/theme_upgrade.h"

namespace dflow {
namespace {

using Strings = std::vector<std::string>;

struct Marker {
  std::string environment;
  std::string application;
  std::string service;
};

std::optional<Marker> ParseMarker(const ObservedApp& app) {
  auto it = app.config.find(kManagedMarkerKey);
  if (it == app.config.end()) return std::nullopt;
  const std::string& value = it->second;
  const std::size_t first = value.find('/');
  const std::size_t second = first == std::string::npos ? first : value.find('/', first + 1);
  if (second == std::string::npos) return Marker{value, "", ""};
  return Marker{value.substr(0, first), value.substr(first + 1, second - first - 1),
                value.substr(second + 1)};
}

std::string MarkerValue(const ObservedApp& app) {
  auto it = app.config.find(kManagedMarkerKey);
  return it == app.config.end() ? "" : it->second;
}

EnvironmentPolicy PolicyFor(const PlanOptions& options, const std::string& environment) {
  auto it = options.environments.find(environment);
  return it == options.environments.end() ? EnvironmentPolicy{} : it->second;
}

const ObservedApp* FindApp(const ObservedNode& observed, const std::string& name) {
  for (const auto& app : observed.apps)
    if (app.name == name) return &app;
  return nullptr;
}

bool HasDatastore(const ObservedNode& observed, const std::string& engine,
                  const std::string& name) {
  return std::any_of(
      observed.datastores.begin(), observed.datastores.end(),
      [&](const ObservedDatastore& d) { return d.engine == engine && d.name == name; });
}

void PlanDatastoreCreates(const NodeDesiredState& desired, const ObservedNode& observed,
                          NodePlan& plan) {
  for (const auto& store : desired.datastores) {
    if (HasDatastore(observed, store.engine, store.name)) continue;
    Action action =
        NodeAction(plan.node, ActionKind::kCreateDatastore, store.engine + " datastore missing");
    action.engine = store.engine;
    action.target = store.name;
    plan.actions.push_back(std::move(action));
  }
}

std::string MissingSecret(const AppSpec& app, const PlanOptions& options) {
  auto env = options.secrets.find(app.name);
  for (const auto& key : app.secret_keys) {
    if (env == options.secrets.end() || !env->second.contains(key)) return key;
  }
  // A theme's apply-time config needs the values dflow holds (derived_values.h).
  for (const auto& [key, parts] : app.derived_config) {
    for (const ConfigPart& part : parts) {
      const std::string name = DerivedPartKey(part);
      if (name.empty()) continue;
      if (env == options.secrets.end() || !env->second.contains(name))
        return name + " (in " + key + ")";
    }
  }
  return "";
}

// A breaking upgrade of a theme's product that the Application does not confirm: the app is
// left as it runs (a data migration may need a backup first).
std::string UnconfirmedUpgrade(const AppSpec& app, const ObservedApp* live) {
  if (live == nullptr) return "";
  auto record = live->config.find(kThemeReleaseKey);
  if (record == live->config.end()) return "";
  std::optional<ThemeUpgradeStep> step = ThemeUpgradeOf(app, record->second);
  if (!step || step->unconfirmed.empty()) return "";
  return step->Describe() + "; not applied: add 'confirmUpgrades: [" +
         Join(step->unconfirmed, ", ") + "]' to application " + app.application +
         " once you have read this (and taken a backup)";
}

// Returns why dflow must leave an existing app alone, or "" when it is ours to change.
std::string OwnershipConflict(const AppSpec& app, const ObservedApp& live) {
  const std::string want = ManagedMarker(app);
  if (!live.managed || MarkerValue(live).empty()) {
    return "app exists but is not managed by dflow; adopt it by setting " +
           std::string(kManagedMarkerKey) + "=" + want + " or rename the service";
  }
  if (MarkerValue(live) != want) {
    return "app is managed by dflow for " + MarkerValue(live) + ", not " + want +
           "; two services map to one app name";
  }
  return "";
}

// Why `app` cannot be planned because part of what it needs could not be read, or "".
// Whatever could not be read is Unknown, never absent: planning against it could create,
// link or destroy on a guess.
std::string UnreadReason(const AppSpec& app, const ObservedApp* live,
                         const ObservedNode& observed) {
  if (live != nullptr && !live->read_error.empty())
    return "could not be read (" + live->read_error + "); nothing planned for it this pass";
  for (const auto& store : observed.datastores) {
    if (store.read_error.empty() || !Contains(app.datastores, store.name)) continue;
    return "the links of " + store.engine + " datastore " + store.name + " could not be read (" +
           store.read_error + "); nothing planned for it this pass";
  }
  return "";
}

void PlanDesiredApps(const NodeDesiredState& desired, const ObservedNode& observed,
                     const PlanOptions& options, const ProxyChange& proxy, NodePlan& plan) {
  for (const auto& app : desired.apps) {
    const ObservedApp* live = FindApp(observed, app.name);
    if (std::string why = UnreadReason(app, live, observed); !why.empty()) {
      plan.notes.push_back({NoteKind::kUnread, app.name, why, app.environment});
      continue;
    }
    if (live != nullptr) {
      std::string conflict = OwnershipConflict(app, *live);
      if (!conflict.empty()) {
        plan.notes.push_back({NoteKind::kConflict, app.name, conflict, app.environment});
        continue;
      }
    }
    if (std::string why = RemoteDatastoreBlocked(app, options.secrets); !why.empty()) {
      plan.notes.push_back(
          {NoteKind::kBlocked, app.name, why + "; app not planned", app.environment});
      continue;
    }
    if (std::string key = MissingSecret(app, options); !key.empty()) {
      plan.notes.push_back({NoteKind::kBlocked, app.name,
                            "secret " + key + " has no value for environment " + app.environment +
                                "; app not planned",
                            app.environment});
      continue;
    }
    if (std::string why = UnconfirmedUpgrade(app, live); !why.empty()) {
      plan.notes.push_back({NoteKind::kBlocked, app.name, why, app.environment});
      continue;
    }
    AppPlan app_plan = PlanApp({&app, live, &desired, &options, &proxy});
    for (auto& action : app_plan.actions) plan.actions.push_back(std::move(action));
    for (auto& note : app_plan.notes) plan.notes.push_back(std::move(note));
  }
}

bool IsDesired(const NodeDesiredState& desired, const std::string& name) {
  return std::any_of(desired.apps.begin(), desired.apps.end(),
                     [&](const AppSpec& app) { return app.name == name; });
}

// Managed apps whose service left the repo: destroyed only where the environment prunes.
void PlanOrphans(const NodeDesiredState& desired, const ObservedNode& observed,
                 const PlanOptions& options, NodePlan& plan) {
  for (const auto& live : observed.apps) {
    if (IsDesired(desired, live.name)) continue;
    if (!live.read_error.empty()) {  // its marker may be what could not be read
      plan.notes.push_back({NoteKind::kUnread, live.name,
                            "could not be read (" + live.read_error + "); not pruned this pass",
                            ""});
      continue;
    }
    if (!live.managed) continue;
    const std::optional<Marker> marker = ParseMarker(live);
    const std::string owner = MarkerValue(live);
    auto protect = live.config.find(kProtectKey);
    if (protect != live.config.end() && protect->second == "true") {
      plan.notes.push_back({NoteKind::kOrphan, live.name,
                            "orphaned: " + owner + " is no longer in the repo; kept (protected)",
                            marker ? marker->environment : ""});
      continue;
    }
    if (!marker || !PolicyFor(options, marker->environment).prune) {
      plan.notes.push_back({NoteKind::kOrphan, live.name,
                            "orphaned: " + owner + " is no longer in the repo (pruning off)",
                            marker ? marker->environment : ""});
      continue;
    }
    Action action = NodeAction(plan.node, ActionKind::kDestroyApp,
                               owner + " is no longer in the repo (pruning on)");
    action.app = live.name;
    action.environment = marker->environment;
    action.destructive = true;
    plan.actions.push_back(std::move(action));
  }
}

bool PlanRemovesLink(const NodePlan& plan, const std::string& engine, const std::string& name,
                     const std::string& app) {
  return std::any_of(plan.actions.begin(), plan.actions.end(), [&](const Action& a) {
    return a.app == app && (a.kind == ActionKind::kDestroyApp ||
                            (a.kind == ActionKind::kUnlinkDatastore && a.engine == engine &&
                             a.target == name && !a.report_only));
  });
}

const DatastoreSpec* FindPrevious(const PlanOptions& options, const ObservedDatastore& store) {
  for (const auto& spec : options.previous_datastores)
    if (spec.engine == store.engine && spec.name == store.name) return &spec;
  return nullptr;
}

// Why a datastore that left the repo is kept, or "" when it may be destroyed.
std::string KeepDatastoreReason(const ObservedNode& observed, const ObservedDatastore& store,
                                const PlanOptions& options, const NodePlan& plan) {
  auto moved = options.moved_away.find(plan.node + "/" + store.engine + "/" + store.name);
  if (moved != options.moved_away.end())
    return "kept (protected: moved to node " + moved->second +
           " by move.from; destroy it by hand once the copy there is checked)";
  if (!store.read_error.empty())
    return "kept: its links could not be read (" + store.read_error + ")";
  for (const auto& app : store.linked_apps) {
    const ObservedApp* live = FindApp(observed, app);
    if (live == nullptr || !live->managed)
      return "kept: linked to app " + app + ", which dflow does not manage";
    if (!PlanRemovesLink(plan, store.engine, store.name, app))
      return "kept: still linked to app " + app;
  }
  const DatastoreSpec* previous = FindPrevious(options, store);
  if (previous != nullptr && previous->protect) return "kept (protected)";
  if (!options.allow_datastore_destroy && !(previous != nullptr && previous->allow_destroy))
    return "kept (datastore destroy not allowed)";
  return "";
}

void PlanDatastoreDestroys(const NodeDesiredState& desired, const ObservedNode& observed,
                           const PlanOptions& options, NodePlan& plan) {
  for (const auto& store : observed.datastores) {
    const bool wanted = std::any_of(
        desired.datastores.begin(), desired.datastores.end(),
        [&](const DatastoreSpec& d) { return d.engine == store.engine && d.name == store.name; });
    if (wanted) continue;
    const std::string label = store.engine + " datastore " + store.name;
    std::string keep = KeepDatastoreReason(observed, store, options, plan);
    if (!keep.empty()) {
      plan.notes.push_back(
          {NoteKind::kOrphan, store.name, label + " is not in the repo; " + keep, ""});
      continue;
    }
    Action action = NodeAction(plan.node, ActionKind::kDestroyDatastore,
                               label + " is no longer in the repo (destroy allowed)");
    action.engine = store.engine;
    action.target = store.name;
    action.destructive = true;
    plan.actions.push_back(std::move(action));
  }
}

// Refuses plans that would destroy all, or more than the allowed share, of an environment's
// managed apps on this node: a typo in the repo must not wipe a fleet.
void ApplyMassDeleteGuard(const ObservedNode& observed, const PlanOptions& options,
                          NodePlan& plan) {
  if (options.allow_mass_delete) return;
  std::map<std::string, int> managed;
  for (const auto& app : observed.apps) {
    if (!app.managed) continue;
    if (auto marker = ParseMarker(app)) ++managed[marker->environment];
  }
  std::map<std::string, Strings> destroyed;
  for (const auto& action : plan.actions)
    if (action.kind == ActionKind::kDestroyApp) destroyed[action.environment].push_back(action.app);
  Strings reasons;
  for (const auto& [environment, apps] : destroyed) {
    const int total = managed[environment];
    const int count = static_cast<int>(apps.size());
    if (count < total && count <= options.max_delete_share * total) continue;
    std::string list;
    for (const auto& app : apps) list += (list.empty() ? "" : ", ") + app;
    reasons.push_back("would destroy " + std::to_string(count) + " of " + std::to_string(total) +
                      " managed apps of environment " + environment + " (" + list + ")");
  }
  if (reasons.empty()) return;
  plan.refused = true;
  plan.refusal = "plan refused on node " + plan.node + ": ";
  for (std::size_t i = 0; i < reasons.size(); ++i) plan.refusal += (i ? "; " : "") + reasons[i];
  plan.refusal += "; allow mass delete to proceed";
}

void MoveDestroysLast(NodePlan& plan) {
  std::stable_partition(plan.actions.begin(), plan.actions.end(), [](const Action& a) {
    return a.kind != ActionKind::kDestroyApp && a.kind != ActionKind::kDestroyDatastore;
  });
}

}  // namespace

std::string_view NoteKindName(NoteKind kind) {
  switch (kind) {
    case NoteKind::kConflict:
      return "conflict";
    case NoteKind::kOrphan:
      return "orphan";
    case NoteKind::kBlocked:
      return "blocked";
    case NoteKind::kDrift:
      return "drift";
    case NoteKind::kUnread:
      return "unread";
    case NoteKind::kStaleSource:
      return "stale-source";
    case NoteKind::kInfo:
      return "info";
  }
  return "unknown";
}

int NodePlan::ExecutableCount() const {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(),
                                        [](const Action& a) { return !a.report_only; }));
}

int NodePlan::DestructiveCount() const {
  return static_cast<int>(
      std::count_if(actions.begin(), actions.end(), [](const Action& a) { return a.destructive; }));
}

Action NodeAction(const std::string& node, ActionKind kind, std::string reason) {
  Action action;
  action.kind = kind;
  action.node = node;
  action.reason = std::move(reason);
  return action;
}

PlanOptions PlanOptionsFor(const DesiredState& desired) {
  PlanOptions options;
  for (const auto& env : desired.environments)
    options.environments[env.name] = EnvironmentPolicy{env.prune, env.self_heal};
  for (const auto& node : desired.nodes)
    for (const auto& d : node.datastores)
      if (!d.move_from.empty())
        options.moved_away[d.move_from + "/" + d.engine + "/" + d.name] = node.node.name;
  return options;
}

NodePlan PlanNode(const NodeDesiredState& desired, const ObservedNode& observed,
                  const PlanOptions& options) {
  NodePlan plan;
  plan.node = desired.node.name;
  const ProxyChange proxy = PlanNodeProxy(desired, observed, plan);
  PlanDatastoreCreates(desired, observed, plan);
  PlanDatastoreExposure(desired, observed, plan);
  PlanLeftDatastoreExposure(desired, observed, plan);
  PlanDesiredApps(desired, observed, options, proxy, plan);
  PlanOrphans(desired, observed, options, plan);
  PlanDatastoreDestroys(desired, observed, options, plan);
  MoveDestroysLast(plan);
  ApplyMassDeleteGuard(observed, options, plan);
  std::stable_sort(plan.notes.begin(), plan.notes.end(), [](const PlanNote& a, const PlanNote& b) {
    return std::tie(a.subject, a.kind) < std::tie(b.subject, b.kind);
  });
  return plan;
}

std::string AppSpecDigest(const AppSpec& app, const SecretValues& secrets) {
  nlohmann::json j;
  j["name"] = app.name;
  j["owner"] = app.environment + "/" + app.application + "/" + app.service;
  j["config"] = app.config;
  nlohmann::json secret_hashes = nlohmann::json::object();
  auto env = secrets.find(app.name);
  for (const auto& key : app.secret_keys) {
    const bool known = env != secrets.end() && env->second.contains(key);
    secret_hashes[key] = known ? Sha256Hex(env->second.at(key)) : "";
  }
  j["secrets"] = secret_hashes;
  // Apply-time config by its template: its values follow the node and dflow's state.
  if (!app.derived_config.empty()) {
    nlohmann::json derived = nlohmann::json::object();
    for (const auto& [key, parts] : app.derived_config) {
      std::string text;
      for (const ConfigPart& part : parts)
        text += part.kind == ConfigPart::Kind::kText
                    ? part.text
                    : "${" + std::to_string(static_cast<int>(part.kind)) + ":" + part.text + "." +
                          part.field + "}";
      derived[key] = text;
    }
    j["derived"] = derived;
  }
  j["domains"] = app.domains;
  Strings ports;
  for (const auto& port : app.ports) ports.push_back(port.ToString());
  j["ports"] = ports;
  j["proxy"] = app.proxy_type;
  j["builder"] = app.builder;
  j["source"] = {app.source.git_url, app.source.git_ref, app.source.image};
  if (app.health.enabled()) {
    const HealthCheck& h = app.health;
    j["health"] = {h.path,     h.port, h.expect,  h.content,
                   h.attempts, h.wait, h.timeout, h.initial_delay};
  }
  j["processes"] = app.processes;
  j["datastores"] = app.datastores;
  j["checks"] = {app.checks_disabled, app.checks_skipped};
  j["resources"] = {app.resource_limits, app.resource_reservations};
  j["storage"] = app.storage;
  j["networks"] = app.networks;
  j["protect"] = app.protect;
  return Sha256Hex(j.dump()).substr(0, 16);
}

}  // namespace dflow
