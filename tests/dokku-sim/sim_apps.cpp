// version, apps:*, plugin:list.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/dokku-sim/sim.h"
#include "tests/dokku-sim/sim_confirm.h"

namespace dokku_sim {

namespace sim_apps {

int Version(Ctx& ctx, const Args&) {
  const char* v = std::getenv("DOKKU_SIM_VERSION");
  ctx.Line(std::string("dokku version ") + (v && *v ? v : "0.38.27"));
  return 0;
}

int AppsList(Ctx& ctx, const Args& args) {
  FlagSpec spec{{}, {"format"}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "apps:list", args, spec, pf, &code)) return code;
  auto apps = ctx.store.Apps();
  if (pf.Get("format") == "json") {
    std::string o = "[";
    for (size_t i = 0; i < apps.size(); ++i) o += (i ? "," : "") + GoJsonString(apps[i]);
    ctx.Line(o + "]");
    return 0;
  }
  ctx.Info2Quiet("My Apps");
  if (apps.empty()) {
    ctx.Warn("You haven't deployed any applications yet");
    return 0;
  }
  for (const auto& a : apps) ctx.Line(a);
  return 0;
}

int AppsExists(Ctx& ctx, const Args& args) {
  Args a = WithAppArg(ctx, args);
  return VerifyApp(ctx, a.empty() ? "" : a[0]);
}

bool ValidNewName(const std::string& n) {
  if (n.empty()) return false;
  auto ok0 = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok0(n[0])) return false;
  for (char c : n)
    if (!ok0(c) && c != '.' && c != '-') return false;
  return true;
}

// domains post-create: the default vhost, or NO_VHOST=1 when no global domain is set.
void SetupDomains(Ctx& ctx, const std::string& name, Json& app) {
  std::vector<std::string> global_vhosts = GlobalVhosts(ctx);
  if (!global_vhosts.empty()) {
    ctx.Info1Quiet("Creating new app virtual host file...");
    Json vhosts = Json::array();
    for (const auto& v : global_vhosts)
      vhosts.push_back(name.find('.') != std::string::npos ? name : name + "." + v);
    app["vhosts"] = vhosts;
  } else {
    ctx.Info1Quiet("Global server virtual host not set, disabling app vhost...");
    app["vhost_enabled"] = false;
    app["config"]["NO_VHOST"] = "1";
  }
}

int AppsCreate(Ctx& ctx, const Args& args) {
  Args a = WithAppArg(ctx, args);
  std::string name = a.empty() ? "" : a[0];
  if (!ValidNewName(name))
    return ctx.Fail(
        "App name must begin with lowercase alphanumeric character, and may only contain "
        "lowercase alphanumerics, dots, and hyphens");
  if (ctx.store.AppExists(name)) return ctx.Fail("Name is already taken");
  ctx.Info1Quiet("Creating " + name + "...");
  Json& app = ctx.store.App(name);
  app = Json::object();
  app["created_at"] = std::to_string(NowUnix());
  app["config"] = Json::object();
  // The post-create trigger (plugins/apps/functions.go createApp): domains sets up the default
  // vhost (plugins/domains/post-create), ps gives web=1 (plugins/ps/triggers.go). The other
  // plugins only make directories or properties that no report shows.
  SetupDomains(ctx, name, app);
  PsPostCreate(app);
  // nginx's post-create only sets up the app's property folder, which keeps what an earlier
  // nginx:set wrote for this name.
  AdoptOrphanProps(ctx, name, app);
  ctx.store.SaveApp(name);
  return 0;
}

int AppsDestroy(Ctx& ctx, const Args& args) {
  FlagSpec spec{{"force"}, {}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "apps:destroy", WithAppArg(ctx, args), spec, pf, &code)) return code;
  std::string name = pf.positional.empty() ? "" : pf.positional[0];
  if (int rc = VerifyApp(ctx, name)) return rc;
  if (!ctx.flags.force) {
    if (int rc = AskForDestructiveConfirmation(ctx, name, "app")) return rc;
  }
  ctx.Info1("Destroying " + name + " (including all add-ons)");
  UnlinkAllServices(ctx, name);
  ctx.store.DeleteApp(name);
  return 0;
}

bool CollectApps(Ctx& ctx, const std::string& app, FlagValues& f) {
  f["--app-global-disable-autocreation"] = GlobalProp(ctx, "apps", "disable-autocreation");
  if (app == "--global") return true;
  const Json& a = ctx.store.App(app);
  f["--app-created-at"] = a.value("created_at", "");
  f["--app-deploy-source"] = a.value("deploy_source", "");
  f["--app-deploy-source-metadata"] = a.value("deploy_source_metadata", "");
  f["--app-dir"] = "/home/dokku/" + app;
  f["--app-locked"] = a.value("locked", false) ? "true" : "false";
  return true;
}

int AppsReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"app", true, true, true}, CollectApps);
}

int AppsSet(Ctx& ctx, const Args& args) {
  return PropertySet(ctx, "apps", args,
                     {"deploy-source", "deploy-source-metadata", "disable-autocreation"},
                     {"disable-autocreation"});
}

int LockCommon(Ctx& ctx, const Args& args, bool lock) {
  Args a = WithAppArg(ctx, args);
  std::string name = a.empty() ? "" : a[0];
  if (int rc = VerifyApp(ctx, name)) return rc;
  ctx.store.App(name)["locked"] = lock;
  ctx.store.SaveApp(name);
  ctx.Info1(std::string(lock ? "Deploy lock created" : "Deploy lock removed"));
  return 0;
}
int AppsLock(Ctx& ctx, const Args& args) { return LockCommon(ctx, args, true); }
int AppsUnlock(Ctx& ctx, const Args& args) { return LockCommon(ctx, args, false); }
int AppsLocked(Ctx& ctx, const Args& args) {
  Args a = WithAppArg(ctx, args);
  std::string name = a.empty() ? "" : a[0];
  if (int rc = VerifyApp(ctx, name)) return rc;
  if (ctx.store.App(name).value("locked", false)) {
    ctx.Info1("Deploy lock exists");
    return 0;
  }
  return ctx.Fail("Deploy lock does not exist");
}

// ---- plugin:list ----

struct Plugin {
  std::string name, version, description, source_url, committish;
  bool core = true;
};

std::vector<Plugin> DefaultPlugins() {
  std::vector<Plugin> core;
  const char* kCore[][2] = {
      {"00_dokku-standard", "dokku core standard plugin"},
      {"20_events", "dokku core events logging plugin"},
      {"app-json", "dokku core app-json plugin"},
      {"apps", "dokku core apps plugin"},
      {"build-env", "dokku core build-env plugin"},
      {"builder", "dokku core builder plugin"},
      {"builds", "dokku core builds plugin"},
      {"buildpacks", "dokku core buildpacks plugin"},
      {"certs", "dokku core certificate management plugin"},
      {"checks", "dokku core checks plugin"},
      {"common", "dokku core common plugin"},
      {"config", "dokku core config plugin"},
      {"docker-options", "dokku core docker-options plugin"},
      {"domains", "dokku core domains plugin"},
      {"enter", "dokku core enter plugin"},
      {"git", "dokku core git plugin"},
      {"logs", "dokku core logs plugin"},
      {"network", "dokku core network plugin"},
      {"nginx-vhosts", "dokku core nginx-vhosts plugin"},
      {"plugin", "dokku core plugin plugin"},
      {"ports", "dokku core ports plugin"},
      {"proxy", "dokku core proxy plugin"},
      {"ps", "dokku core ps plugin"},
      {"repo", "dokku core repo plugin"},
      {"resource", "dokku core resource plugin"},
      {"scheduler-docker-local", "dokku core scheduler-docker-local plugin"},
      {"shell", "dokku core shell plugin"},
      {"ssh-keys", "dokku core ssh-keys plugin"},
      {"storage", "dokku core storage plugin"},
      {"tags", "dokku core tags plugin"},
      {"tar", "dokku core tar plugin"},
      {"trace", "dokku core trace plugin"},
      {"traefik-vhosts", "dokku core traefik-vhosts plugin"},
  };
  const char* v = std::getenv("DOKKU_SIM_VERSION");
  std::string version = v && *v ? v : "0.38.27";
  for (auto& c : kCore) core.push_back({c[0], version, c[1], "", "", true});
  core.push_back({"letsencrypt", "0.25.1",
                  "Automated installation of let's encrypt TLS certificates",
                  "https://github.com/dokku/dokku-letsencrypt.git", "", false});
  core.push_back({"postgres", "1.48.0", "dokku postgres service plugin",
                  "https://github.com/dokku/dokku-postgres.git", "", false});
  core.push_back({"redis", "1.43.0", "dokku redis service plugin",
                  "https://github.com/dokku/dokku-redis.git", "", false});
  return core;
}

std::vector<std::pair<Plugin, bool>> LoadPlugins(Ctx& ctx) {
  std::vector<std::pair<Plugin, bool>> out;
  std::ifstream in(ctx.store.root() / "plugins.json");
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    Json list = Json::parse(ss.str(), nullptr, false);
    if (list.is_array()) {
      for (const auto& p : list) {
        Plugin pl{p.value("name", ""),       p.value("version", ""),    p.value("description", ""),
                  p.value("source_url", ""), p.value("committish", ""), p.value("core", false)};
        out.emplace_back(pl, p.value("enabled", true));
      }
      return out;
    }
  }
  for (auto& p : DefaultPlugins()) out.emplace_back(p, true);
  return out;
}

std::string PadRight(const std::string& s, size_t n) {
  return s.size() >= n ? s : s + std::string(n - s.size(), ' ');
}

int PluginList(Ctx& ctx, const Args& args) {
  FlagSpec spec{{}, {"format"}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "plugin:list", args, spec, pf, &code)) return code;
  auto plugins = LoadPlugins(ctx);
  if (pf.Get("format") == "json") {
    std::string o = "[";
    for (size_t i = 0; i < plugins.size(); ++i) {
      const auto& [p, enabled] = plugins[i];
      if (i) o += ",";
      o += "{\"name\":" + GoJsonString(p.name) + ",\"version\":" + GoJsonString(p.version) +
           ",\"enabled\":" + (enabled ? "true" : "false") +
           ",\"core\":" + (p.core ? "true" : "false") +
           ",\"description\":" + GoJsonString(p.description) +
           ",\"source_url\":" + GoJsonString(p.source_url) +
           ",\"committish\":" + GoJsonString(p.committish) + ",\"branch\":\"\"}";
    }
    ctx.Line(o + "]");
    return 0;
  }
  ctx.Line("plugn: dev");
  for (const auto& [p, enabled] : plugins) {
    ctx.Line("  " + PadRight(p.name, 20) + " " + PadRight(p.version, 7) + " " +
             PadRight(enabled ? "enabled" : "disabled", 10) + " " + p.description);
  }
  return 0;
}

}  // namespace sim_apps

void RegisterApps(std::vector<Command>& c) {
  using namespace sim_apps;
  c.push_back({"version", Version, false});
  c.push_back({"apps:list", AppsList, false});
  c.push_back({"apps:exists", AppsExists, false});
  c.push_back({"apps:create", AppsCreate, true});
  c.push_back({"apps:destroy", AppsDestroy, true});
  c.push_back({"apps:report", AppsReport, false});
  c.push_back({"apps:set", AppsSet, true});
  c.push_back({"apps:lock", AppsLock, true});
  c.push_back({"apps:unlock", AppsUnlock, true});
  c.push_back({"apps:locked", AppsLocked, false});
  c.push_back({"plugin:list", PluginList, false});
}

}  // namespace dokku_sim
