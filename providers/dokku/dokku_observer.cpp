#include "providers/dokku/dokku_observer.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "providers/dokku/dokku_app_queries.h"
#include "providers/dokku/dokku_app_reports.h"
#include "providers/dokku/dokku_datastores.h"
#include "providers/dokku/dokku_plugins.h"
#include "providers/dokku/dokku_report.h"
#include "providers/dokku/dokku_version.h"

namespace dflow {
namespace {

using Argv = std::vector<std::string>;

// Every call starts with --quiet: report headers and list titles are then hidden, whatever
// TTY detection Dokku does (reference/dokku.md §1.2).
Argv Quiet(std::initializer_list<std::string> words) {
  Argv argv = {"--quiet"};
  argv.insert(argv.end(), words);
  return argv;
}

Argv AppListCommand() { return Quiet({"apps:list", "--format", "json"}); }

// What each call of an observation is for; `index` picks the report kind, app or service.
enum class Role {
  kPlugins,
  kVersion,
  kAppList,
  kReport,         // an all-app report other than apps:report
  kClosingReport,  // apps:report, run after every other all-app report (see Evaluate)
  kGlobalReport,   // <plugin>:report --global, index into kGlobalReports
  kServiceList,
  kAppQuery,
  kLinks,
  kExposedPorts,
};

struct PlannedCall {
  Argv argv;
  Role role;
  std::size_t index = 0;
};

// The node-wide settings dflow converges, each read with `<command>:report --global --format
// json` when its plugin is enabled; `apply` gets the raw global-<prop> values, "global-" removed.
struct GlobalReport {
  const char* plugin;   // as plugin:list names it
  const char* command;  // the report's plugin prefix
  Status (*apply)(const Argv& argv, ReportObject globals, ObservedNode& node);
};

Status ApplyProxyGlobals(const Argv& argv, ReportObject globals, ObservedNode& node) {
  Result<std::string> type = RequireKey(argv, globals, "type");
  if (!type.ok()) return type.status();
  node.proxy_global_type = *type;
  node.proxy_read = true;
  return Status::Ok();
}

Status ApplyDomainsGlobals(const Argv& argv, ReportObject globals, ObservedNode& node) {
  Result<std::string> vhosts = RequireKey(argv, globals, "vhosts");
  if (!vhosts.ok()) return vhosts.status();
  node.global_domains = SplitWords(*vhosts);
  node.domains_read = true;
  return Status::Ok();
}

Status ApplyNginxGlobals(const Argv&, ReportObject globals, ObservedNode& node) {
  node.nginx_global = std::move(globals);
  return Status::Ok();
}

Status ApplyTraefikGlobals(const Argv&, ReportObject globals, ObservedNode& node) {
  node.traefik_global = std::move(globals);
  return Status::Ok();
}

const GlobalReport kGlobalReports[] = {
    {"proxy", "proxy", ApplyProxyGlobals},
    {"domains", "domains", ApplyDomainsGlobals},
    {"nginx-vhosts", "nginx", ApplyNginxGlobals},
    {"traefik-vhosts", "traefik", ApplyTraefikGlobals},
};

// The version every core plugin carries (plugin.toml `version`, set to the release when Dokku
// is packaged): read from `00_dokku-standard`, so that no `version` call is needed.
constexpr std::string_view kCorePlugin = "00_dokku-standard";

// One attempt at observing a node, as one flow of calls (Transport::RunDokkuFlow): each call
// starts as soon as what it needs has answered and a channel is free. An attempt that sees
// the app list change reports it through race() so that ObserveNode starts again.
class Observation {
 public:
  Observation(Transport& transport, const ObserveOptions& options, int& invocations)
      : transport_(transport), options_(options), invocations_(invocations) {}

  Status Run() {
    std::vector<DokkuCall> first = {
        Plan(Quiet({"plugin:list", "--format", "json"}), Role::kPlugins),
        Plan(AppListCommand(), Role::kAppList)};
    results_ = transport_.RunDokkuFlow(
        std::move(first), options_.exec,
        [this](std::size_t id, const Result<ExecResult>& result) { return FollowUps(id, result); });
    invocations_ += static_cast<int>(results_.size());
    if (Status s = Evaluate(); !s.ok()) return s;
    Finish();
    return Status::Ok();
  }

  bool race() const { return race_; }
  ObservedNode& node() { return node_; }

 private:
  DokkuCall Plan(Argv argv, Role role, std::size_t index = 0) {
    calls_.push_back({argv, role, index});
    return {std::move(argv), {}};
  }

  // The reports paired by position, in the order they are planned; apps:report closes them.
  std::vector<AppReportKind> BracketedReports() const {
    std::vector<AppReportKind> kinds;
    for (const AppReportKind& kind : AllAppReports())
      if (std::string_view(kind.plugin) != "apps") kinds.push_back(kind);
    if (options_.include_builds) kinds.push_back({"builds", ApplyBuildsReport});
    return kinds;
  }

  static bool Answered(const Result<ExecResult>& result) {
    return result.ok() && result->exit_code == 0;
  }

  // Decides, as each call answers, what can run next.
  std::vector<DokkuCall> FollowUps(std::size_t id, const Result<ExecResult>& result) {
    const PlannedCall call = calls_[id];  // a copy: Plan() below grows calls_
    std::vector<DokkuCall> next;
    switch (call.role) {
      case Role::kPlugins: {
        plugins_answered_ = true;
        if (Answered(result)) {
          auto plugins = ParsePluginList(call.argv, result->out);
          if (plugins.ok()) node_.plugins = std::move(plugins).value();
          plugins_ok_ = plugins.ok();
        }
        // A node that cannot list its plugins in JSON (no Dokku, an old one) or does not say
        // its core version: `version` tells which, with a clear message.
        if (result.ok() && !CoreVersion()) {
          next.push_back(Plan(Quiet({"version"}), Role::kVersion));
        } else {
          version_ok_ = CoreVersionOk();
        }
        break;
      }
      case Role::kVersion:
        if (Answered(result)) {
          auto version = ParseDokkuVersion(result->out);
          version_ok_ = version.ok() && CheckDokkuVersion(*version).ok();
        }
        break;
      case Role::kAppList:
        app_list_answered_ = true;
        if (Answered(result)) {
          auto names = ParseAppList(call.argv, result->out);
          if (names.ok()) names_ = std::move(names).value();
          names_ok_ = names.ok();
        }
        break;
      case Role::kReport:
        if (++reports_done_ == BracketedReports().size())
          next.push_back(Plan(Quiet({"apps:report", "--format", "json"}), Role::kClosingReport));
        break;
      case Role::kServiceList:
        if (Answered(result)) {
          auto services = ParseServiceList(call.argv, result->out);
          if (services.ok()) {
            for (const std::string& service : *services) {
              const std::string& engine = engines_[call.index];
              services_.push_back({engine, service});
              next.push_back(Plan(Quiet({engine + ":info", service, "--links"}), Role::kLinks,
                                  services_.size() - 1));
              next.push_back(Plan(Quiet({engine + ":info", service, "--exposed-ports"}),
                                  Role::kExposedPorts, services_.size() - 1));
            }
          }
        }
        break;
      default:
        break;
    }
    const bool gate =
        call.role == Role::kPlugins || call.role == Role::kAppList || call.role == Role::kVersion;
    if (gate && !body_planned_ && plugins_answered_ && app_list_answered_ && plugins_ok_ &&
        names_ok_ && version_ok_) {
      body_planned_ = true;
      for (DokkuCall& body : PlanBody()) next.push_back(std::move(body));
    }
    return next;
  }

  std::optional<DokkuVersion> CoreVersion() const {
    const ObservedPlugin* core = FindEnabledPlugin(node_.plugins, kCorePlugin);
    if (core == nullptr) return std::nullopt;
    Result<DokkuVersion> version = ParseDokkuVersion("dokku version " + core->version);
    if (!version.ok()) return std::nullopt;
    return *version;
  }

  bool CoreVersionOk() const {
    std::optional<DokkuVersion> version = CoreVersion();
    return version && CheckDokkuVersion(*version).ok();
  }

  // Everything after the plugin and app lists: the all-app reports first (they gate
  // apps:report), the service lists, then the per-app queries.
  std::vector<DokkuCall> PlanBody() {
    std::vector<DokkuCall> calls;
    if (!names_.empty()) {
      const std::vector<AppReportKind> kinds = BracketedReports();
      for (std::size_t i = 0; i < kinds.size(); ++i)
        calls.push_back(Plan(Quiet({std::string(kinds[i].plugin) + ":report", "--format", "json"}),
                             Role::kReport, i));
    }
    for (std::size_t i = 0; i < std::size(kGlobalReports); ++i) {
      const GlobalReport& report = kGlobalReports[i];
      if (FindEnabledPlugin(node_.plugins, report.plugin) == nullptr) continue;
      calls.push_back(
          Plan(Quiet({std::string(report.command) + ":report", "--global", "--format", "json"}),
               Role::kGlobalReport, i));
    }
    for (const std::string& engine : DatastoreEngines()) {
      if (!FindEnabledPlugin(node_.plugins, engine)) continue;
      engines_.push_back(engine);
      calls.push_back(Plan(Quiet({engine + ":list"}), Role::kServiceList, engines_.size() - 1));
    }
    for (std::size_t i = 0; i < names_.size(); ++i) {
      for (Argv& argv : PerAppCommands(names_[i]))
        calls.push_back(Plan(std::move(argv), Role::kAppQuery, i));
    }
    return calls;
  }

  static std::vector<Argv> PerAppCommands(const std::string& app) {
    return {Quiet({"config:export", "--format", "json", app}),
            Quiet({"ps:scale", "--format", "json", app}),
            Quiet({"resource:report", app, "--format", "json"})};
  }

  Status Race(const std::string& why) {
    race_ = true;
    return Status(Code::kUnavailable, "the node changed during the observation: " + why);
  }

  // A non-zero exit; exit 20 (an app vanished) means the app list changed.
  Status Exit(const Argv& argv, const ExecResult& result) {
    Status status = CheckExit(argv, result);
    if (status.code() == Code::kNotFound) return Race(status.message());
    return status;
  }

  // The ids of the calls with `role`, in the order they were planned.
  std::vector<std::size_t> IdsOf(Role role) const {
    std::vector<std::size_t> ids;
    for (std::size_t id = 0; id < calls_.size(); ++id)
      if (calls_[id].role == role) ids.push_back(id);
    return ids;
  }

  // Reads every answer in a fixed order, whatever order they came in; the first error wins.
  Status Evaluate() {
    for (const Result<ExecResult>& result : results_)
      if (!result.ok()) return result.status();  // the transport failed: the node is unreachable
    if (Status s = ReadBasics(); !s.ok()) return s;
    if (Status s = ReadNodeReports(); !s.ok()) return s;
    return ReadPerItem();
  }

  Status ReadBasics() {
    const std::size_t plugins = IdsOf(Role::kPlugins).front();
    const std::vector<std::size_t> version = IdsOf(Role::kVersion);
    if (!version.empty()) {
      if (Status s = ReadVersion(calls_[version.front()].argv, *results_[version.front()]); !s.ok())
        return s;
    }
    if (Status s = CheckExit(calls_[plugins].argv, *results_[plugins]); !s.ok()) return s;
    Result<std::vector<ObservedPlugin>> parsed =
        ParsePluginList(calls_[plugins].argv, results_[plugins]->out);
    if (!parsed.ok()) return parsed.status();
    if (std::optional<DokkuVersion> core = CoreVersion()) {
      if (Status s = CheckDokkuVersion(*core); !s.ok()) return s;
      node_.dokku_version = core->ToString();
    }
    const std::size_t list = IdsOf(Role::kAppList).front();
    if (Status s = CheckExit(calls_[list].argv, *results_[list]); !s.ok()) return s;
    Result<Argv> names = ParseAppList(calls_[list].argv, results_[list]->out);
    if (!names.ok()) return names.status();
    for (const std::string& name : names_) {
      ObservedApp app;
      app.name = name;
      node_.apps.push_back(std::move(app));
    }
    return Status::Ok();
  }

  Status ReadVersion(const Argv& argv, const ExecResult& result) {
    // 127: the shell found no `dokku`. The node is attached but not set up yet (kNotReady: the
    // controller waits for it rather than backing off as from a failure).
    if (result.exit_code == 127)
      return Status(Code::kNotReady,
                    "dokku is not installed on the node (exit 127: command not found)");
    if (Status s = CheckExit(argv, result); !s.ok()) return s;
    Result<DokkuVersion> version = ParseDokkuVersion(result.out);
    if (!version.ok()) return version.status();
    if (Status s = CheckDokkuVersion(*version); !s.ok()) return s;
    node_.dokku_version = version->ToString();
    return Status::Ok();
  }

  Status ReadNodeReports() {
    const std::vector<AppReportKind> kinds = BracketedReports();
    for (std::size_t id : IdsOf(Role::kReport)) {
      const AppReportKind& kind = kinds[calls_[id].index];
      if (Status s = ApplyAllAppReport(kind, calls_[id].argv, *results_[id]); !s.ok()) return s;
    }
    for (std::size_t id : IdsOf(Role::kClosingReport)) {
      if (Status s = ReadClosingReport(calls_[id].argv, *results_[id]); !s.ok()) return s;
    }
    for (std::size_t id : IdsOf(Role::kGlobalReport)) {
      const GlobalReport& report = kGlobalReports[calls_[id].index];
      if (Status s = ReadGlobalReport(report, calls_[id].argv, *results_[id]); !s.ok()) return s;
    }
    for (std::size_t id : IdsOf(Role::kServiceList)) {
      if (Status s = CheckExit(calls_[id].argv, *results_[id]); !s.ok()) return s;
      Result<std::vector<std::string>> services =
          ParseServiceList(calls_[id].argv, results_[id]->out);
      if (!services.ok()) return services.status();
    }
    for (const auto& [engine, service] : services_) {
      ObservedDatastore store;
      store.name = service;
      store.engine = engine;
      node_.datastores.push_back(std::move(store));
    }
    return Status::Ok();
  }

  Status ApplyAllAppReport(const AppReportKind& kind, const Argv& argv, const ExecResult& result) {
    if (Status s = Exit(argv, result); !s.ok()) return s;
    Result<std::vector<ReportObject>> objects = ParseReportLines(argv, result.out);
    if (!objects.ok()) return objects.status();
    if (objects->size() != names_.size()) {
      return Race(DescribeCommand(argv) + " gave " + std::to_string(objects->size()) +
                  " reports for " + std::to_string(names_.size()) + " apps");
    }
    for (std::size_t i = 0; i < names_.size(); ++i) {
      Status s = kind.apply(argv, (*objects)[i], node_.apps[i]);
      if (!s.ok()) MarkUnreadable(node_.apps[i], s);
    }
    return Status::Ok();
  }

  // apps:report ran after every other all-app report, and each of its lines names its app
  // (`dir` is $DOKKU_ROOT/<app>): the same apps, in the order of the first apps:list, mean
  // nothing was created or destroyed while the reports ran, so each line of every report
  // was paired with the right app.
  Status ReadClosingReport(const Argv& argv, const ExecResult& result) {
    if (Status s = ApplyAllAppReport({"apps", ApplyAppsReport}, argv, result); !s.ok()) return s;
    Result<std::vector<ReportObject>> objects = ParseReportLines(argv, result.out);
    if (!objects.ok()) return objects.status();
    for (std::size_t i = 0; i < names_.size(); ++i) {
      auto dir = (*objects)[i].find("dir");
      if (dir == (*objects)[i].end()) {
        return Status(Code::kFailed, DescribeCommand(argv) + ": report " + std::to_string(i + 1) +
                                         " has no \"dir\" key");
      }
      const std::string& path = dir->second;
      const std::string name = path.substr(path.rfind('/') + 1);
      if (name != names_[i])
        return Race("apps:report lists " + name + " where apps:list had " + names_[i]);
    }
    return Status::Ok();
  }

  Status ReadGlobalReport(const GlobalReport& report, const Argv& argv, const ExecResult& result) {
    if (Status s = CheckExit(argv, result); !s.ok()) return s;
    Result<ReportObject> globals = ParseGlobalReport(argv, result.out);
    if (!globals.ok()) return globals.status();
    return report.apply(argv, std::move(globals).value(), node_);
  }

  Status ReadPerItem() {
    const std::size_t per_app = PerAppCommands("").size();
    const std::vector<std::size_t> queries = IdsOf(Role::kAppQuery);
    for (std::size_t i = 0; i < names_.size(); ++i) {
      std::vector<Argv> argvs;
      std::vector<ExecResult> outs;
      for (std::size_t k = 0; k < per_app; ++k) {
        argvs.push_back(calls_[queries[i * per_app + k]].argv);
        outs.push_back(*results_[queries[i * per_app + k]]);
      }
      Status s = ReadAppQueries(node_.apps[i], argvs.data(), outs.data(), per_app);
      if (!s.ok()) return s;
    }
    for (std::size_t id : IdsOf(Role::kLinks)) {
      ObservedDatastore& store = node_.datastores[calls_[id].index];
      if (Status s = ReadLinks(store, calls_[id].argv, *results_[id]); !s.ok()) return s;
    }
    for (std::size_t id : IdsOf(Role::kExposedPorts)) {
      ObservedDatastore& store = node_.datastores[calls_[id].index];
      if (Status s = ReadExposed(store, calls_[id].argv, *results_[id]); !s.ok()) return s;
    }
    return Status::Ok();
  }

  // One app's command failed, or printed what could not be parsed: that app is Unknown, the
  // rest of the node is read on (one failure stays one failure). The first error is kept.
  static void MarkUnreadable(ObservedApp& app, const Status& status) {
    if (app.read_error.empty()) app.read_error = status.message();
  }

  // An app's own queries; a failure makes that app Unknown (an app that vanished meanwhile
  // starts the observation again).
  Status ReadAppQueries(ObservedApp& app, const Argv* argvs, const ExecResult* out,
                        std::size_t count) {
    Status status = ParseAppQueries(app, argvs, out, count);
    if (status.ok() || race_) return status;
    MarkUnreadable(app, status);
    return Status::Ok();
  }

  // `argvs` and `out` hold the `count` PerAppCommands of `app` and their results.
  Status ParseAppQueries(ObservedApp& app, const Argv* argvs, const ExecResult* out,
                         std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      if (Status s = Exit(argvs[i], out[i]); !s.ok()) return s;
    }
    Result<std::map<std::string, std::string>> config = ParseConfigExport(argvs[0], out[0].out);
    if (!config.ok()) return config.status();
    app.config = std::move(config).value();
    app.managed = app.config.count(kManagedMarkerKey) != 0;
    Result<std::map<std::string, int>> scale = ParseScaleJson(argvs[1], out[1].out);
    if (!scale.ok()) return scale.status();
    app.scale = std::move(scale).value();
    Result<std::map<std::string, std::string>> resources =
        ParseResourceReport(argvs[2], out[2].out);
    if (!resources.ok()) return resources.status();
    app.resources = std::move(resources).value();
    return Status::Ok();
  }

  // Like ReadLinks: an unreadable answer leaves the datastore as it is (read_error).
  Status ReadExposed(ObservedDatastore& store, const Argv& argv, const ExecResult& result) {
    if (Status s = CheckExit(argv, result); !s.ok()) {
      if (result.err.find(" service " + store.name + " does not exist") != std::string::npos)
        return Race(s.message());
      if (store.read_error.empty()) store.read_error = s.message();
      return Status::Ok();
    }
    Result<std::string> exposed = ParseExposedPorts(argv, result.out);
    if (!exposed.ok()) {
      if (store.read_error.empty()) store.read_error = exposed.status().message();
      return Status::Ok();
    }
    store.exposed = std::move(exposed).value();
    return Status::Ok();
  }

  Status ReadLinks(ObservedDatastore& store, const Argv& argv, const ExecResult& result) {
    if (Status s = CheckExit(argv, result); !s.ok()) {
      // "Postgres service <svc> does not exist": destroyed since <engine>:list.
      bool vanished =
          result.err.find(" service " + store.name + " does not exist") != std::string::npos;
      if (vanished) return Race(s.message());
      store.read_error = s.message();  // the planner keeps it and its links as they are
      return Status::Ok();
    }
    Result<std::vector<std::string>> apps = ParseServiceLinks(argv, result.out);
    if (!apps.ok()) {
      store.read_error = apps.status().message();
      return Status::Ok();
    }
    store.linked_apps = std::move(apps).value();
    return Status::Ok();
  }

  // Cross-links datastores into apps and puts everything in its documented order.
  void Finish() {
    std::map<std::string, ObservedApp*> by_name;
    for (ObservedApp& app : node_.apps) by_name[app.name] = &app;
    for (const ObservedDatastore& store : node_.datastores) {
      for (const std::string& linked : store.linked_apps) {
        auto it = by_name.find(linked);
        if (it != by_name.end()) {
          it->second->linked_datastores.push_back(store.engine + "/" + store.name);
        }
      }
    }
    for (ObservedApp& app : node_.apps) {
      std::sort(app.linked_datastores.begin(), app.linked_datastores.end());
    }
    std::sort(node_.apps.begin(), node_.apps.end(),
              [](const ObservedApp& a, const ObservedApp& b) { return a.name < b.name; });
    std::sort(node_.datastores.begin(), node_.datastores.end(),
              [](const ObservedDatastore& a, const ObservedDatastore& b) {
                return std::tie(a.engine, a.name) < std::tie(b.engine, b.name);
              });
  }

  Transport& transport_;
  const ObserveOptions& options_;
  int& invocations_;
  std::vector<PlannedCall> calls_;  // by flow id
  std::vector<Result<ExecResult>> results_;
  ObservedNode node_;
  std::vector<std::string> names_;                             // the first apps:list
  std::vector<std::string> engines_;                           // enabled, as planned
  std::vector<std::pair<std::string, std::string>> services_;  // (engine, service) as listed
  std::size_t reports_done_ = 0;
  bool plugins_answered_ = false, plugins_ok_ = false;
  bool app_list_answered_ = false, names_ok_ = false;
  bool version_ok_ = false, body_planned_ = false;
  bool race_ = false;
};

}  // namespace

Result<ObservedNode> ObserveNode(Transport& transport, const ObserveOptions& options) {
  int invocations = 0;
  Status last;
  for (int attempt = 1; attempt <= std::max(options.max_attempts, 1); ++attempt) {
    Observation observation(transport, options, invocations);
    last = observation.Run();
    if (last.ok()) {
      ObservedNode node = std::move(observation.node());
      node.node = options.node;
      node.invocations = invocations;
      node.attempts = attempt;
      return node;
    }
    if (!observation.race()) return last.WithContext(transport.Describe());
  }
  return last
      .WithContext("gave up after " + std::to_string(std::max(options.max_attempts, 1)) +
                   " attempts")
      .WithContext(transport.Describe());
}

}  // namespace dflow
