// ps:* (§3.9) and the simulated deploy: containers follow the ps:scale formation.
#include <algorithm>
#include <cstdlib>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

bool HasSource(const Json& app) { return app.value("has_source", false); }

namespace {

std::map<std::string, long> ReadTuples(const Json& app, const char* key) {
  std::map<std::string, long> f;
  if (app.contains(key) && app[key].is_object())
    for (auto it = app[key].begin(); it != app[key].end(); ++it)
      f[it.key()] = it.value().get<long>();
  return f;
}

// getFormations (plugins/ps/functions.go): the `scale` property, then the `scale.old` entries
// of types it does not hold, sorted by process type.
std::map<std::string, long> Formation(const Json& app) {
  std::map<std::string, long> f = ReadTuples(app, "scale");
  for (const auto& [proc, qty] : ReadTuples(app, "scale_old")) f.emplace(proc, qty);
  return f;
}

// updateScale (plugins/ps/functions.go) for an app without a Procfile (the simulator has
// none): the updates win over the stored `scale`; a type at 0 that no Procfile lists is kept in
// `scale.old` instead, which the next deploy deletes (TriggerCorePostDeploy).
void UpdateScale(Json& app, const std::map<std::string, long>& updates) {
  std::map<std::string, long> merged = updates;
  for (const auto& [proc, qty] : ReadTuples(app, "scale")) merged.emplace(proc, qty);
  Json scale = Json::object();
  Json old = Json::object();
  for (const auto& [proc, qty] : merged) (qty == 0 ? old : scale)[proc] = qty;
  app["scale"] = scale;
  app["scale_old"] = old;
}

std::string RunningState(const Json& app) {
  if (!app.value("deployed", false) || !app.contains("containers")) return "false";
  size_t running = 0, total = 0;
  for (const auto& c : app["containers"]) {
    ++total;
    if (c.value("status", "") == "running") ++running;
  }
  if (total == 0 || running == 0) return "false";
  return running == total ? "true" : "mixed";
}

}  // namespace

void PsPostCreate(Json& app) { UpdateScale(app, {{"web", 1}}); }

void Deploy(Ctx& ctx, const std::string& name, Json& app) {
  // The release step (post-release-builder) rewrites `scale.old` from `scale`, which holds no
  // zero without a Procfile, and core-post-deploy deletes it: zero entries go away.
  app.erase("scale_old");
  const auto formation = ReadTuples(app, "scale");
  long count = app.value("deploy_count", 0L) + 1;
  app["deploy_count"] = count;
  app["deployed"] = true;
  Json containers = Json::array();
  for (const auto& [proc, qty] : formation) {
    for (long i = 1; i <= qty; ++i) {
      std::string cid =
          Sha256Hex(name + "/" + proc + "/" + std::to_string(i) + "/" + std::to_string(count));
      containers.push_back({{"proc", proc}, {"index", i}, {"cid", cid}, {"status", "running"}});
    }
  }
  app["containers"] = containers;
  // ports-set-detected: only map-detected is written; an unset map stays unset.
  app["ports_detected"] = {"http:80:5000"};
  ctx.Info1("Deploying " + name + " via the docker-local scheduler...");
  ctx.Info2("Application deployed:");
  if (app.value("vhost_enabled", true))
    for (const auto& v : AppVhosts(app)) ctx.Verbose("http://" + v);
  ctx.store.SaveApp(name);
}

void StopApp(Json& app) {
  if (!app.contains("containers")) return;
  for (auto& c : app["containers"]) c["status"] = "exited";
}

void RestartIfDeployed(Ctx& ctx, const std::string& name, Json& app) {
  if (!app.value("deployed", false)) return;
  ctx.Info1("Restarting app " + name);
  Deploy(ctx, name, app);
}

namespace {

bool CollectPs(Ctx& ctx, const std::string& app, FlagValues& f) {
  std::string gproc = GlobalProp(ctx, "ps", "procfile-path");
  std::string gpolicy = GlobalProp(ctx, "ps", "restart-policy");
  std::string gskip = GlobalProp(ctx, "ps", "skip-deploy");
  std::string gstop = GlobalProp(ctx, "ps", "stop-timeout-seconds");
  auto first = [](std::initializer_list<std::string> v) {
    for (const auto& s : v)
      if (!s.empty()) return s;
    return std::string();
  };
  f["--ps-global-procfile-path"] = gproc;
  f["--ps-global-restart-policy"] = gpolicy;
  f["--ps-global-skip-deploy"] = gskip;
  f["--ps-global-stop-timeout-seconds"] = gstop;
  if (app == "--global") {
    f["--ps-computed-procfile-path"] = first({gproc, "Procfile"});
    f["--ps-computed-restart-policy"] = first({gpolicy, "on-failure:10"});
    f["--ps-computed-skip-deploy"] = first({gskip, "false"});
    f["--ps-computed-stop-timeout-seconds"] = first({gstop, "30"});
    return true;
  }
  const Json& a = ctx.store.App(app);
  auto p = [&](const char* k) { return Prop(a, "ps", k); };
  f["--deployed"] = a.value("deployed", false) ? "true" : "false";
  f["--processes"] = std::to_string(a.contains("containers") ? a["containers"].size() : 0);
  f["--ps-can-scale"] = "true";
  f["--ps-dockerfile-start-cmd"] = p("dockerfile-start-cmd");
  f["--ps-computed-dockerfile-start-cmd"] = p("dockerfile-start-cmd");
  f["--ps-procfile-path"] = p("procfile-path");
  f["--ps-computed-procfile-path"] = first({p("procfile-path"), gproc, "Procfile"});
  f["--ps-restart-policy"] = p("restart-policy");
  f["--ps-computed-restart-policy"] = first({p("restart-policy"), gpolicy, "on-failure:10"});
  f["--ps-skip-deploy"] = p("skip-deploy");
  f["--ps-computed-skip-deploy"] = first({p("skip-deploy"), gskip, "false"});
  f["--ps-start-cmd"] = p("start-cmd");
  f["--ps-computed-start-cmd"] = p("start-cmd");
  f["--ps-stop-timeout-seconds"] = p("stop-timeout-seconds");
  f["--ps-computed-stop-timeout-seconds"] = first({p("stop-timeout-seconds"), gstop, "30"});
  f["--restore"] = first({p("restore"), "true"});
  f["--running"] = RunningState(a);
  if (a.value("deployed", false) && a.contains("containers")) {
    for (const auto& c : a["containers"]) {
      f["--status-" + c.value("proc", "") + "." + std::to_string(c.value("index", 0L))] =
          c.value("status", "") + " (CID: " + c.value("cid", "").substr(0, 11) + ")";
    }
  }
  return true;
}

int Report(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"ps", true, true, true}, CollectPs);
}

std::string FormationJson(const std::map<std::string, long>& f) {
  std::string o = "[";
  bool first = true;
  for (const auto& [proc, qty] : f) {
    o += (first ? "" : ",") + std::string("{\"process_type\":") + GoJsonString(proc) +
         ",\"quantity\":" + std::to_string(qty) + "}";
    first = false;
  }
  return o + "]";
}

int Scale(Ctx& ctx, const Args& args) {
  FlagSpec spec{{"skip-deploy"}, {"format"}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "ps:scale", WithAppArg(ctx, args), spec, pf, &code)) return code;
  std::string app = pf.positional.empty() ? "" : pf.positional[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  Json& a = ctx.store.App(app);
  auto existing = Formation(a);
  Args tuples(pf.positional.begin() + 1, pf.positional.end());
  if (tuples.empty()) {
    if (pf.Get("format") == "json") {
      ctx.Line(FormationJson(existing));
      return 0;
    }
    ctx.Info1Quiet("Scaling for " + app);
    std::vector<std::pair<std::string, std::string>> rows;
    if (!ctx.flags.quiet) {
      rows.emplace_back("proctype", "qty");
      rows.emplace_back("--------", "---");
    }
    for (const auto& [proc, qty] : existing) rows.emplace_back(proc, std::to_string(qty));
    for (const auto& [k, v] : rows) {
      std::string key = k + ":";
      if (key.size() < 5) key.append(5 - key.size(), ' ');
      ctx.Line(key + " " + v);
    }
    return 0;
  }
  ctx.Info1("Scaling " + app + " processes: " + Join(tuples, " "));
  std::map<std::string, long> updates;
  for (const auto& t : tuples) {
    size_t eq = t.find('=');
    if (eq == std::string::npos) return ctx.Fail("Missing count for process type " + t);
    std::string proc = t.substr(0, eq);
    std::string qty = t.substr(eq + 1);
    size_t digits = (!qty.empty() && (qty[0] == '-' || qty[0] == '+')) ? 1 : 0;
    if (qty.size() <= digits || qty.find_first_not_of("0123456789", digits) != std::string::npos)
      return ctx.Fail("Invalid count for process type " + proc);
    updates.emplace(proc, std::atol(qty.c_str()));  // the first tuple of a type wins
  }
  bool changed = false;
  for (const auto& [proc, qty] : updates) {
    auto it = existing.find(proc);
    if (it == existing.end() || it->second != qty) changed = true;
  }
  UpdateScale(a, updates);
  ctx.store.SaveApp(app);
  if (pf.Has("skip-deploy") || !a.value("deployed", false) || !changed) return 0;
  Deploy(ctx, app, a);
  return 0;
}

// Runs fn for one app or, with --all, every app.
int ForApps(Ctx& ctx, const std::string& cmd, const Args& args,
            int (*fn)(Ctx&, const std::string&, Json&)) {
  FlagSpec spec{{"all"}, {"parallel"}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, cmd, WithAppArg(ctx, args), spec, pf, &code)) return code;
  if (pf.Has("all")) {
    for (const auto& app : ctx.store.Apps())
      if (int rc = fn(ctx, app, ctx.store.App(app))) return rc;
    return 0;
  }
  std::string app = pf.positional.empty() ? "" : pf.positional[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  return fn(ctx, app, ctx.store.App(app));
}

int DoRebuild(Ctx& ctx, const std::string& app, Json& a) {
  if (!a.value("deployed", false) && !HasSource(a)) {
    ctx.Warn("App " + app + " has not been deployed");
    return 0;
  }
  Deploy(ctx, app, a);
  return 0;
}

int DoRestart(Ctx& ctx, const std::string& app, Json& a) {
  if (!a.value("deployed", false)) {
    ctx.Warn("App " + app + " has not been deployed");
    return 0;
  }
  Deploy(ctx, app, a);
  return 0;
}

int DoStop(Ctx& ctx, const std::string& app, Json& a) {
  if (!a.value("deployed", false)) {
    ctx.Warn("App " + app + " has not been deployed");
    return 0;
  }
  ctx.Info1Quiet("Stopping " + app);
  StopApp(a);
  ctx.store.SaveApp(app);
  return 0;
}

int DoStart(Ctx& ctx, const std::string& app, Json& a) {
  if (!a.value("deployed", false)) {
    ctx.Warn("App " + app + " has not been deployed");
    return 0;
  }
  std::string state = RunningState(a);
  if (state == "true") {
    ctx.Warn("App " + app + " already running");
    return 0;
  }
  ctx.Warn(state == "mixed" ? "App is running in mixed mode, releasing"
                            : "App has been detected as not running, releasing");
  Deploy(ctx, app, a);
  return 0;
}

int Rebuild(Ctx& ctx, const Args& a) { return ForApps(ctx, "ps:rebuild", a, DoRebuild); }
int Restart(Ctx& ctx, const Args& a) { return ForApps(ctx, "ps:restart", a, DoRestart); }
int Stop(Ctx& ctx, const Args& a) { return ForApps(ctx, "ps:stop", a, DoStop); }
int Start(Ctx& ctx, const Args& a) { return ForApps(ctx, "ps:start", a, DoStart); }

int Set(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  if (args.size() > 2 && args[1] == "restart-policy") {
    const std::string& v = args[2];
    bool ok = v == "no" || v == "always" || v == "unless-stopped" || v == "on-failure";
    if (v.rfind("on-failure:", 0) == 0) {
      std::string n = v.substr(11);
      ok = !n.empty() && n.find_first_not_of("0123456789") == std::string::npos;
    }
    if (!ok) return ctx.Fail("Invalid restart-policy specified");
  }
  return PropertySet(ctx, "ps", raw,
                     {"dockerfile-start-cmd", "procfile-path", "restart-policy", "restore",
                      "skip-deploy", "start-cmd", "stop-timeout-seconds"},
                     {"procfile-path", "restart-policy", "skip-deploy", "stop-timeout-seconds"});
}

}  // namespace

void RegisterPs(std::vector<Command>& c) {
  c.push_back({"ps:report", Report, false});
  c.push_back({"ps:scale", Scale, true});
  c.push_back({"ps:rebuild", Rebuild, true});
  c.push_back({"ps:restart", Restart, true});
  c.push_back({"ps:start", Start, true});
  c.push_back({"ps:stop", Stop, true});
  c.push_back({"ps:set", Set, true});
}

}  // namespace dokku_sim
