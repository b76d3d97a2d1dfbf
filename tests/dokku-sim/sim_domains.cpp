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

namespace sim_domains {

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

// The bash subcommands check the domain argument first, then verify_app_name (exit 20).
int Prepare(Ctx& ctx, const Args& raw, std::string* app, Args* domains, bool need_domains) {
  Args args = WithAppArg(ctx, raw);
  *app = args.empty() ? "" : args[0];
  if (need_domains && (args.size() < 2 || args[1].empty()))
    return ctx.Fail("Please specify a domain name. Usage: dokku " + *app + " " +
                    (args.size() > 1 ? args[1] : "") + " <domain> [<domain> ...]");
  if (int rc = VerifyAppBash(ctx, *app)) return rc;
  domains->assign(args.begin() + std::min<size_t>(1, args.size()), args.end());
  return 0;
}

int Validate(Ctx& ctx, const Args& domains) {
  for (const auto& d : domains)
    if (!ValidHostname(d)) return ctx.Fail(d + " is invalid. exiting...");
  return 0;
}

// The computed proxy type (app, global, default nginx) is nginx.
bool IsNginx(Ctx& ctx, const Json& a) {
  std::string type = Prop(a, "proxy", "type");
  if (type.empty()) type = GlobalProp(ctx, "proxy", "type");
  return type.empty() || type == "nginx";
}

// ports-clear (plugins/ports/functions.go clearPorts: map and map-detected) when a mapping
// starts with http:80: or https:443:.
void ClearPortsOn80Or443(Json& a) {
  if (!a.contains("ports")) return;
  for (const auto& m : a["ports"]) {
    const std::string map = m.get<std::string>();
    if (map.rfind("http:80:", 0) == 0 || map.rfind("https:443:", 0) == 0) {
      a.erase("ports");
      a.erase("ports_detected");
      return;
    }
  }
}

// The nginx-vhosts pre-enable-vhost trigger (plugins/nginx-vhosts/pre-enable-vhost), for an
// app whose computed proxy type is nginx: map-detected is deleted, and the whole port map is
// cleared (ports-clear) when one of its mappings starts with http:80: or https:443:. (The
// proxy-port properties it also deletes are not simulated.)
void PreEnableVhost(Ctx& ctx, Json& a) {
  if (!IsNginx(ctx, a)) return;
  a.erase("ports_detected");
  ClearPortsOn80Or443(a);
}

// plugins/nginx-vhosts/pre-disable-vhost: the same port clearing, map-detected kept otherwise.
void PreDisableVhost(Ctx& ctx, Json& a) {
  if (IsNginx(ctx, a)) ClearPortsOn80Or443(a);
}

// domains_enable as called by add/set on an app whose vhost support is disabled
// (plugins/domains/functions): the VHOST file is overwritten with the default vhosts when there
// are any, and enable_app_vhost stores NO_VHOST=0 (config_set --no-restart, not an unset).
void EnableIfDisabled(Ctx& ctx, const std::string& app, Json& a) {
  if (a.value("vhost_enabled", true)) return;
  PreEnableVhost(ctx, a);
  std::vector<std::string> defaults;
  for (const auto& v : GlobalVhosts(ctx))
    defaults.push_back(app.find('.') != std::string::npos ? app : app + "." + v);
  if (!defaults.empty()) a["vhosts"] = defaults;
  a["vhost_enabled"] = true;
  a["config"]["NO_VHOST"] = "0";
}

int SetDomains(Ctx& ctx, const Args& args) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, true)) return rc;
  if (int rc = Validate(ctx, domains)) return rc;
  Json& a = ctx.store.App(app);
  a["vhosts"] = domains;
  ctx.Info1("Set " + Join(domains, " ") + " for " + app);
  EnableIfDisabled(ctx, app, a);
  ctx.store.SaveApp(app);
  return 0;
}

int Add(Ctx& ctx, const Args& args) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, true)) return rc;
  if (int rc = Validate(ctx, domains)) return rc;
  Json& a = ctx.store.App(app);
  auto vhosts = AppVhosts(a);
  for (const auto& d : domains) {
    if (std::find(vhosts.begin(), vhosts.end(), d) != vhosts.end()) {
      ctx.Info1("Skipping: " + d + " already added to " + app);
      continue;
    }
    vhosts.push_back(d);
    ctx.Info1("Added " + d + " to " + app);
  }
  a["vhosts"] = vhosts;
  EnableIfDisabled(ctx, app, a);
  ctx.store.SaveApp(app);
  return 0;
}

// domains_remove / domains_remove_global delete with `sed -i "\|^$DOMAIN\$|d"`: the domain is a
// GNU sed basic regular expression for the whole line, so `.` matches any character (removing
// `a.b` also removes `axb`) and `*` repeats the atom before it (a literal `*` when it comes
// first). This models those two and `\c` (a literal c); other characters are literal.
bool SedLineMatches(const std::string& re, const std::string& line) {
  struct Atom {
    char c;
    bool any;
    bool star;
  };
  std::vector<Atom> atoms;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '*' && !atoms.empty() && !atoms.back().star) {
      atoms.back().star = true;
      continue;
    }
    if (c == '\\' && i + 1 < re.size()) {
      atoms.push_back({re[++i], false, false});
      continue;
    }
    atoms.push_back({c, c == '.', false});
  }
  // Backtracking match of atoms[a..] against line[p..], anchored at both ends.
  auto match = [&](auto&& self, size_t a, size_t p) -> bool {
    if (a == atoms.size()) return p == line.size();
    const Atom& at = atoms[a];
    auto ok = [&](size_t q) { return q < line.size() && (at.any || line[q] == at.c); };
    if (!at.star) return ok(p) && self(self, a + 1, p + 1);
    size_t q = p;
    while (ok(q)) ++q;
    for (size_t end = q + 1; end-- > p;)
      if (self(self, a + 1, end)) return true;
    return false;
  };
  return match(match, 0, 0);
}

void SedDelete(std::vector<std::string>& lines, const std::string& re) {
  lines.erase(std::remove_if(lines.begin(), lines.end(),
                             [&](const std::string& l) { return SedLineMatches(re, l); }),
              lines.end());
}

int Remove(Ctx& ctx, const Args& args) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, true)) return rc;
  Json& a = ctx.store.App(app);
  auto vhosts = AppVhosts(a);
  for (const auto& d : domains) {
    SedDelete(vhosts, d);
    ctx.Info1("Removed " + d + " from " + app);
  }
  a["vhosts"] = vhosts;
  ctx.store.SaveApp(app);
  return 0;
}

int Clear(Ctx& ctx, const Args& args) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, false)) return rc;
  Json& a = ctx.store.App(app);
  a.erase("vhosts");
  ctx.store.SaveApp(app);
  ctx.Info1("Cleared domains in " + app);
  return 0;
}

int Toggle(Ctx& ctx, const Args& args, bool enable) {
  std::string app;
  Args domains;
  if (int rc = Prepare(ctx, args, &app, &domains, false)) return rc;
  Json& a = ctx.store.App(app);
  if (a.value("vhost_enabled", true) == enable) {
    ctx.Info1(std::string("Domains (VHOST) support is already ") +
              (enable ? "enabled" : "disabled") + " for app (" + app + ")");
    return 0;
  }
  if (enable) {
    // fn-domains-enable calls domains_enable without --no-restart, so NO_VHOST=0 goes in
    // through a config_set that restarts a deployed app (plugins/domains/functions).
    EnableIfDisabled(ctx, app, a);
    if (Prop(a, "ps", "restore") != "false") RestartIfDeployed(ctx, app, a);
  } else {
    PreDisableVhost(ctx, a);
    ctx.Info1("App virtual host support disabled");
    a["vhost_enabled"] = false;
    a.erase("vhosts");
    a["config"]["NO_VHOST"] = "1";
  }
  ctx.store.SaveApp(app);
  return 0;
}
int Enable(Ctx& ctx, const Args& args) { return Toggle(ctx, args, true); }
int Disable(Ctx& ctx, const Args& args) { return Toggle(ctx, args, false); }

// subcommands/{set,add,remove,clear}-global and domains_*_global (plugins/domains/functions):
// only the global VHOST file changes. No trigger runs: no app's VHOST file, NO_VHOST or proxy
// config is touched (post-domains-update is not fired), so existing apps keep their domains.
// The missing-domain message interpolates `$1`, the empty first domain, hence "dokku  <domain>".
int GlobalChange(Ctx& ctx, const Args& raw, const std::string& op) {
  const Args args = WithAppArg(ctx, raw);  // a core plugin: --app X comes first
  if (op != "clear" && (args.empty() || args[0].empty()))
    return ctx.Fail("Please specify a domain name. Usage: dokku  <domain> [<domain> ...]");
  if (op == "set" || op == "add") {
    if (int rc = Validate(ctx, args)) return rc;
  }
  auto vhosts = GlobalVhosts(ctx);
  if (op == "set") {
    vhosts = args;
    ctx.Info1("Set " + Join(args, " "));
  } else if (op == "add") {
    for (const auto& d : args) {
      if (std::find(vhosts.begin(), vhosts.end(), d) != vhosts.end()) {
        ctx.Info1("Skipping " + d + ": already added");
        continue;
      }
      vhosts.push_back(d);
      ctx.Info1("Added " + d);
    }
  } else if (op == "remove") {
    for (const auto& d : args) {
      SedDelete(vhosts, d);
      ctx.Info1("Removed " + d);
    }
  } else {
    // `rm VHOST` would fail on a node installed without a global domain (no VHOST file); the
    // simulated node always has the file (absent `vhosts` = "dokku.me", [] after a clear).
    ctx.Info1Quiet("Clearing global domains");
    vhosts.clear();
  }
  ctx.store.Global()["vhosts"] = vhosts;
  ctx.store.SaveGlobal();
  return 0;
}
int SetGlobal(Ctx& ctx, const Args& a) { return GlobalChange(ctx, a, "set"); }
int AddGlobal(Ctx& ctx, const Args& a) { return GlobalChange(ctx, a, "add"); }
int RemoveGlobal(Ctx& ctx, const Args& a) { return GlobalChange(ctx, a, "remove"); }
int ClearGlobal(Ctx& ctx, const Args& a) { return GlobalChange(ctx, a, "clear"); }

}  // namespace sim_domains

void RegisterDomains(std::vector<Command>& c) {
  using namespace sim_domains;
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
