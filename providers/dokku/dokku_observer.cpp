#include "providers/dokku/dokku_observer.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>
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

// One attempt at observing a node. An attempt that sees the app list change reports it
// through race() so that ObserveNode starts again.
class Observation {
 public:
  Observation(Transport& transport, const ObserveOptions& options, int& invocations)
      : transport_(transport), options_(options), invocations_(invocations) {}

  Status Run() {
    if (Status s = ReadBasics(); !s.ok()) return s;
    if (Status s = ReadNodeReports(); !s.ok()) return s;
    if (Status s = ReadPerItem(); !s.ok()) return s;
    Finish();
    return Status::Ok();
  }

  bool race() const { return race_; }
  ObservedNode& node() { return node_; }

 private:
  Result<std::vector<ExecResult>> RunBatch(const std::vector<Argv>& argvs) {
    invocations_ += static_cast<int>(argvs.size());
    std::vector<Result<ExecResult>> results = transport_.RunDokkuMany(argvs, options_.exec);
    std::vector<ExecResult> outputs;
    for (Result<ExecResult>& result : results) {
      if (!result.ok()) return result.status();
      outputs.push_back(std::move(result).value());
    }
    return outputs;
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

  // Round 1: version gate, plugins, app names.
  Status ReadBasics() {
    std::vector<Argv> argvs = {Quiet({"version"}), Quiet({"plugin:list", "--format", "json"}),
                               AppListCommand()};
    Result<std::vector<ExecResult>> out = RunBatch(argvs);
    if (!out.ok()) return out.status();
    if (Status s = ReadVersion(argvs[0], (*out)[0]); !s.ok()) return s;
    if (Status s = CheckExit(argvs[1], (*out)[1]); !s.ok()) return s;
    Result<std::vector<ObservedPlugin>> plugins = ParsePluginList(argvs[1], (*out)[1].out);
    if (!plugins.ok()) return plugins.status();
    node_.plugins = std::move(plugins).value();
    if (Status s = CheckExit(argvs[2], (*out)[2]); !s.ok()) return s;
    Result<Argv> names = ParseAppList(argvs[2], (*out)[2].out);
    if (!names.ok()) return names.status();
    names_ = std::move(names).value();
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

  std::vector<std::string> EnabledEngines() const {
    std::vector<std::string> engines;
    for (const std::string& engine : DatastoreEngines()) {
      if (FindEnabledPlugin(node_.plugins, engine)) engines.push_back(engine);
    }
    return engines;
  }

  // Round 2: every all-app report, traefik's global settings, the datastore lists.
  Status ReadNodeReports() {
    std::vector<Argv> argvs;
    std::size_t report_count = names_.empty() ? 0 : AllAppReports().size();
    for (std::size_t i = 0; i < report_count; ++i) {
      argvs.push_back(
          Quiet({std::string(AllAppReports()[i].plugin) + ":report", "--format", "json"}));
    }
    bool traefik = FindEnabledPlugin(node_.plugins, "traefik-vhosts") != nullptr;
    if (traefik) argvs.push_back(Quiet({"traefik:report", "--global", "--format", "json"}));
    std::vector<std::string> engines = EnabledEngines();
    for (const std::string& engine : engines) argvs.push_back(Quiet({engine + ":list"}));
    Result<std::vector<ExecResult>> out = RunBatch(argvs);
    if (!out.ok()) return out.status();
    for (std::size_t i = 0; i < report_count; ++i) {
      if (Status s = ApplyAllAppReport(AllAppReports()[i], argvs[i], (*out)[i]); !s.ok()) return s;
    }
    std::size_t next = report_count;
    if (traefik) {
      if (Status s = ReadTraefik(argvs[next], (*out)[next]); !s.ok()) return s;
      ++next;
    }
    for (const std::string& engine : engines) {
      if (Status s = ReadServiceList(engine, argvs[next], (*out)[next]); !s.ok()) return s;
      ++next;
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

  Status ReadTraefik(const Argv& argv, const ExecResult& result) {
    if (Status s = CheckExit(argv, result); !s.ok()) return s;
    Result<std::string> document = SingleJsonDocument(argv, result.out);
    if (!document.ok()) return document.status();
    Result<ReportObject> object = ParseReportLine(argv, 1, *document);
    if (!object.ok()) return object.status();
    static const std::string kGlobal = "global-";
    for (const auto& [key, value] : *object) {
      if (key.rfind(kGlobal, 0) == 0) node_.traefik_global[key.substr(kGlobal.size())] = value;
    }
    return Status::Ok();
  }

  Status ReadServiceList(const std::string& engine, const Argv& argv, const ExecResult& result) {
    if (Status s = CheckExit(argv, result); !s.ok()) return s;
    Result<std::vector<std::string>> services = ParseServiceList(argv, result.out);
    if (!services.ok()) return services.status();
    for (const std::string& service : *services) {
      ObservedDatastore store;
      store.name = service;
      store.engine = engine;
      node_.datastores.push_back(std::move(store));
    }
    return Status::Ok();
  }

  std::vector<Argv> PerAppCommands(const std::string& app) const {
    std::vector<Argv> argvs = {Quiet({"config:export", "--format", "json", app}),
                               Quiet({"ps:scale", "--format", "json", app}),
                               Quiet({"resource:report", app, "--format", "json"})};
    if (options_.include_builds) argvs.push_back(Quiet({"builds:report", app, "--format", "json"}));
    return argvs;
  }

  // Round 3: the app list again, then everything Dokku only reports per app or per service.
  Status ReadPerItem() {
    std::vector<Argv> argvs = {AppListCommand()};
    for (const std::string& name : names_) {
      for (Argv& argv : PerAppCommands(name)) argvs.push_back(std::move(argv));
    }
    for (const ObservedDatastore& store : node_.datastores) {
      argvs.push_back(Quiet({store.engine + ":info", store.name, "--links"}));
    }
    Result<std::vector<ExecResult>> out = RunBatch(argvs);
    if (!out.ok()) return out.status();
    if (Status s = CheckAppListUnchanged(argvs[0], (*out)[0]); !s.ok()) return s;
    std::size_t per_app = PerAppCommands("").size();
    for (std::size_t i = 0; i < names_.size(); ++i) {
      std::size_t first = 1 + i * per_app;
      Status s = ReadAppQueries(node_.apps[i], &argvs[first], &(*out)[first], per_app);
      if (!s.ok()) return s;
    }
    std::size_t next = 1 + names_.size() * per_app;
    for (ObservedDatastore& store : node_.datastores) {
      if (Status s = ReadLinks(store, argvs[next], (*out)[next]); !s.ok()) return s;
      ++next;
    }
    return Status::Ok();
  }

  // The all-app reports ran between the two apps:list calls; the same list on both sides
  // means every report line was paired with the right app.
  Status CheckAppListUnchanged(const Argv& argv, const ExecResult& result) {
    if (Status s = CheckExit(argv, result); !s.ok()) return s;
    Result<Argv> names = ParseAppList(argv, result.out);
    if (!names.ok()) return names.status();
    if (*names != names_) return Race("apps:list differs from the first one");
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
    if (!options_.include_builds) return Status::Ok();
    Result<std::string> document = SingleJsonDocument(argvs[3], out[3].out);
    if (!document.ok()) return document.status();
    Result<ReportObject> builds = ParseReportLine(argvs[3], 1, *document);
    if (!builds.ok()) return builds.status();
    return ApplyBuildsReport(argvs[3], *builds, app);
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
  ObservedNode node_;
  std::vector<std::string> names_;
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
