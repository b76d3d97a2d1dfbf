// domains:* (§3.4).
#include <algorithm>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

std::vector<std::string> GlobalVhosts(Ctx& ctx) {
  Json& g = ctx.store.Global();
  if (!g.contains("vhosts")) return {"dokku.me"};
  return g["vhosts"].get<std::vector<std::string>>();
}

std::vector<std::string> AppVhosts(const Json& app) {
  if (!app.contains("vhosts")) return {};
  return app["vhosts"].get<std::vector<std::string>>();
}

namespace {

bool ValidHostname(std::string d) {
  if (d == "_") return true;
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::tolower(c); });
  if (d.empty()) return false;
  auto body = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '*' || c == '-';
  };
  for (char c : d)
    if (!body(c)) return false;
  return d.back() != '.';
}

bool CollectDomains(Ctx& ctx, const std::string& app, FlagValues& f) {
  auto global = GlobalVhosts(ctx);
  f["--domains-global-enabled"] = global.empty() ? "false" : "true";
  f["--domains-global-vhosts"] = Join(global, " ");
  if (app == "--global") return true;
  const Json& a = ctx.store.App(app);
  f["--domains-app-enabled"] = a.value("vhost_enabled", true) ? "true" : "false";
  f["--domains-app-vhosts"] = Join(AppVhosts(a), " ");
  return true;
}

int Report(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"domains", false, true, true}, CollectDomains);
}

// Checks app + domains; returns exit code or 0.
int Prepare(Ctx& ctx, const Args& raw, std::string* app, Args* domains, bool need_domains) {
  Args args = WithAppArg(ctx, raw);
  *app = args.empty() ? "" : args[0];
  if (int rc = VerifyApp(ctx, *app)) return rc;
  domains->assign(args.begin() + 1, args.end());
  if (need_domains && domains->empty()) return ctx.Fail("Please specify a domain name");
  for (const auto& d : *domains)
    if (!ValidHostname(d)) return ctx.Fail(d + " is invalid. exiting...");
  return 0;
}

void Store(Ctx& ctx, const std::string& app, const std::vector<std::string>& vhosts) {
  Json& a = ctx.store.App(app);
  a["vhosts"] = vhosts;
  ctx.store.SaveApp(app);
}

int SetDomains(Ctx& ctx, const Args& args) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, true)) return rc;
  std::vector<std::string> unique;
  for (const auto& d : domains)
    if (std::find(unique.begin(), unique.end(), d) == unique.end()) unique.push_back(d);
  Store(ctx, app, unique);
  ctx.Info1("Set " + Join(domains, " ") + " for " + app);
  return 0;
}

int Add(Ctx& ctx, const Args& args) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, true)) return rc;
  auto vhosts = AppVhosts(ctx.store.App(app));
  for (const auto& d : domains) {
    if (std::find(vhosts.begin(), vhosts.end(), d) != vhosts.end()) {
      ctx.Info1("Skipping: " + d + " already added to " + app);
      continue;
    }
    vhosts.push_back(d);
    ctx.Info1("Added " + d + " to " + app);
  }
  Store(ctx, app, vhosts);
  return 0;
}

int Remove(Ctx& ctx, const Args& args) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, true)) return rc;
  auto vhosts = AppVhosts(ctx.store.App(app));
  for (const auto& d : domains) {
    vhosts.erase(std::remove(vhosts.begin(), vhosts.end(), d), vhosts.end());
    ctx.Info1("Removed " + d + " from " + app);
  }
  Store(ctx, app, vhosts);
  return 0;
}

int Clear(Ctx& ctx, const Args& args) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, false)) return rc;
  Store(ctx, app, {});
  ctx.Info1("Cleared domains in " + app);
  return 0;
}

int Toggle(Ctx& ctx, const Args& args, bool enable) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, false)) return rc;
  Json& a = ctx.store.App(app);
  if (a.value("vhost_enabled", true) == enable) {
    ctx.Info1(std::string("Domains (VHOST) already ") + (enable ? "enabled" : "disabled") +
              " for app");
    return 0;
  }
  a["vhost_enabled"] = enable;
  if (enable) {
    a["config"].erase("NO_VHOST");
    ctx.Info1("Enabling domains (VHOST) for app");
  } else {
    a["config"]["NO_VHOST"] = "1";
    ctx.Info1("App virtual host support disabled");
  }
  ctx.store.SaveApp(app);
  return 0;
}
int Enable(Ctx& ctx, const Args& args) { return Toggle(ctx, args, true); }
int Disable(Ctx& ctx, const Args& args) { return Toggle(ctx, args, false); }

int GlobalChange(Ctx& ctx, const Args& args, const std::string& op) {
  if (op != "clear" && args.empty()) return ctx.Fail("Please specify a global domain name");
  for (const auto& d : args)
    if (!ValidHostname(d)) return ctx.Fail(d + " is invalid. exiting...");
  auto vhosts = GlobalVhosts(ctx);
  if (op == "set") {
    vhosts = args;
    ctx.Info1("Set " + Join(args, " "));
  } else if (op == "add") {
    for (const auto& d : args) {
      if (std::find(vhosts.begin(), vhosts.end(), d) == vhosts.end()) vhosts.push_back(d);
      ctx.Info1("Added " + d);
    }
  } else if (op == "remove") {
    for (const auto& d : args) {
      vhosts.erase(std::remove(vhosts.begin(), vhosts.end(), d), vhosts.end());
      ctx.Info1("Removed " + d);
    }
  } else {
    vhosts.clear();
    ctx.Info1("Cleared global domains");
  }
  ctx.store.Global()["vhosts"] = vhosts;
  ctx.store.SaveGlobal();
  return 0;
}
int SetGlobal(Ctx& ctx, const Args& a) { return GlobalChange(ctx, a, "set"); }
int AddGlobal(Ctx& ctx, const Args& a) { return GlobalChange(ctx, a, "add"); }
int RemoveGlobal(Ctx& ctx, const Args& a) { return GlobalChange(ctx, a, "remove"); }
int ClearGlobal(Ctx& ctx, const Args& a) { return GlobalChange(ctx, a, "clear"); }

}  // namespace

void RegisterDomains(std::vector<Command>& c) {
  c.push_back({"domains:report", Report, false});
  c.push_back({"domains:set", SetDomains, true});
  c.push_back({"domains:add", Add, true});
  c.push_back({"domains:remove", Remove, true});
  c.push_back({"domains:clear", Clear, true});
  c.push_back({"domains:enable", Enable, true});
  c.push_back({"domains:disable", Disable, true});
  c.push_back({"domains:set-global", SetGlobal, true});
  c.push_back({"domains:add-global", AddGlobal, true});
  c.push_back({"domains:remove-global", RemoveGlobal, true});
  c.push_back({"domains:clear-global", ClearGlobal, true});
}

}  // namespace dokku_sim
