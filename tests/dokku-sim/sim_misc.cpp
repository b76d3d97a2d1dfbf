// checks:* (§3.12), resource:* (§3.13), traefik:* (§3.7).
#include <algorithm>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_misc {

std::string First(std::initializer_list<std::string> v) {
  for (const auto& s : v)
    if (!s.empty()) return s;
  return "";
}

// ---- checks ----

std::vector<std::string> List(const Json& a, const char* key) {
  if (!a.contains(key)) return {};
  return a[key].get<std::vector<std::string>>();
}

bool CollectChecks(Ctx& ctx, const std::string& app, FlagValues& f) {
  std::string gwait = GlobalProp(ctx, "checks", "wait-to-retire");
  f["--checks-global-wait-to-retire"] = gwait;
  if (app == "--global") {
    f["--checks-computed-wait-to-retire"] = First({gwait, "60"});
    return true;
  }
  const Json& a = ctx.store.App(app);
  auto disabled = List(a, "checks_disabled");
  auto skipped = List(a, "checks_skipped");
  f["--checks-disabled-list"] = disabled.empty() ? "none" : Join(disabled, ",");
  f["--checks-skipped-list"] = skipped.empty() ? "none" : Join(skipped, ",");
  std::string wait = Prop(a, "checks", "wait-to-retire");
  f["--checks-wait-to-retire"] = wait;
  f["--checks-computed-wait-to-retire"] = First({wait, gwait, "60"});
  return true;
}

int ChecksReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"checks", false, true, true}, CollectChecks);
}

void Remove(std::vector<std::string>& list, const std::vector<std::string>& procs) {
  for (const auto& p : procs) list.erase(std::remove(list.begin(), list.end(), p), list.end());
}

void Add(std::vector<std::string>& list, const std::vector<std::string>& procs) {
  for (const auto& p : procs)
    if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(p);
}

// mode: "enable", "disable", "skip".
int ChecksChange(Ctx& ctx, const Args& raw, const std::string& mode) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  std::string procs_arg = args.size() > 1 ? args[1] : "_all_";
  std::vector<std::string> procs;
  size_t start = 0;
  while (true) {
    size_t c = procs_arg.find(',', start);
    std::string p = procs_arg.substr(start, c == std::string::npos ? c : c - start);
    if (!p.empty()) procs.push_back(p);
    if (c == std::string::npos) break;
    start = c + 1;
  }
  Json& a = ctx.store.App(app);
  auto disabled = List(a, "checks_disabled");
  auto skipped = List(a, "checks_skipped");
  bool all = procs_arg == "_all_";
  // Texts and list handling of plugins/checks/subcommands/{enable,disable,skip}.
  if (mode == "enable") {
    if (all) {
      ctx.Info1("Enabling zero downtime for app's (" + app + ")");
      disabled.clear();
      skipped.clear();
    } else {
      ctx.Info1("Enabling zero downtime for app's (" + app + ") proctypes (" + procs_arg + ")");
      Remove(disabled, procs);
      Remove(skipped, procs);
    }
  } else {
    auto& target = mode == "disable" ? disabled : skipped;
    auto& other = mode == "disable" ? skipped : disabled;
    const char* verb = mode == "disable" ? "Disabling" : "Skipping";
    if (all) {
      ctx.Info1(std::string(verb) + " zero downtime for app (" + app + ")");
      target = {"_all_"};
      other.clear();
    } else {
      ctx.Info1(std::string(verb) + " zero downtime for app's (" + app + ") proctypes (" +
                procs_arg + ")");
      Add(target, procs);
      Remove(other, procs);
      Remove(target, {"_all_"});
    }
  }
  a["checks_disabled"] = disabled;
  a["checks_skipped"] = skipped;
  ctx.store.SaveApp(app);
  return 0;
}
int ChecksEnable(Ctx& ctx, const Args& a) { return ChecksChange(ctx, a, "enable"); }
int ChecksDisable(Ctx& ctx, const Args& a) { return ChecksChange(ctx, a, "disable"); }
int ChecksSkip(Ctx& ctx, const Args& a) { return ChecksChange(ctx, a, "skip"); }

int ChecksSet(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.size() > 0 ? args[0] : "";
  std::string key = args.size() > 1 ? args[1] : "";
  std::string value = args.size() > 2 ? args[2] : "";
  if (app != "--global") {
    if (int rc = VerifyAppBash(ctx, app)) return rc;
  }
  if (key.empty()) return ctx.Fail("No key specified");
  if (key != "wait-to-retire")
    return ctx.Fail("Invalid key specified, valid keys include: wait-to-retire");
  if (value.empty())
    ctx.Info2Quiet("Unsetting " + key);
  else
    ctx.Info2Quiet("Setting " + key + " to " + value);
  Json& doc = app == "--global" ? ctx.store.Global() : ctx.store.App(app);
  SetProp(doc, "checks", key, value);
  if (app == "--global")
    ctx.store.SaveGlobal();
  else
    ctx.store.SaveApp(app);
  return 0;
}

// ---- resource ----

const char* kResources[] = {
    "cpu", "memory", "memory-swap", "network", "network-ingress", "network-egress", "nvidia-gpu"};

bool CollectResource(Ctx& ctx, const std::string& app, FlagValues& f) {
  const Json& doc = app == "--global" ? ctx.store.Global() : ctx.store.App(app);
  if (!doc.contains("props") || !doc["props"].contains("resource")) return false;
  const Json& bag = doc["props"]["resource"];
  for (auto it = bag.begin(); it != bag.end(); ++it)
    f["--resource-" + it.key()] = it.value().get<std::string>();
  return true;
}

int ResourceReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"resource", true, false, true}, CollectResource);
}

// kind: "limit" or "reserve".
int ResourceSet(Ctx& ctx, const Args& raw, const std::string& kind) {
  FlagSpec spec{{}, {"process-type"}};
  for (const char* r : kResources) spec.strings.push_back(r);
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "resource:" + kind, WithAppArg(ctx, raw), spec, pf, &code)) return code;
  std::string app = pf.positional.empty() ? "" : pf.positional[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  std::string proc = pf.Get("process-type");
  std::string key_proc = proc.empty() ? "_default_" : proc;
  Json& a = ctx.store.App(app);
  bool any = false;
  for (const char* r : kResources) any |= pf.Has(r);
  const std::string noun = kind == "limit" ? "limits" : "reservation";
  if (!any) {
    // reportResourceType: "%v: %v", so an unset value leaves a trailing space.
    ctx.Info2Quiet("resource " + noun + " " + app + " information" +
                   (proc.empty() ? " [defaults]" : " (" + proc + ")"));
    for (const char* r : kResources)
      ctx.Verbose(std::string(r) + ": " + Prop(a, "resource", key_proc + "." + kind + "." + r));
    return 0;
  }
  ctx.Info2Quiet("Setting resource " + noun + " for " + app +
                 (proc.empty() ? "" : " (" + proc + ")"));
  if (!a["props"]["resource"].is_object()) a["props"]["resource"] = Json::object();
  for (const char* r : kResources) {
    if (!pf.Has(r)) continue;
    std::string v = pf.Get(r);
    std::string key = key_proc + "." + kind + "." + r;
    if (v == "clear") {
      a["props"]["resource"].erase(key);
      ctx.Verbose(std::string(r) + ": cleared");
    } else {
      a["props"]["resource"][key] = v;
      ctx.Verbose(std::string(r) + ": " + v);
    }
  }
  ctx.store.SaveApp(app);
  return 0;
}
int ResourceLimit(Ctx& ctx, const Args& a) { return ResourceSet(ctx, a, "limit"); }
int ResourceReserve(Ctx& ctx, const Args& a) { return ResourceSet(ctx, a, "reserve"); }

int ResourceClear(Ctx& ctx, const Args& raw, const std::string& kind) {
  FlagSpec spec{{}, {"process-type"}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "resource:" + kind + "-clear", WithAppArg(ctx, raw), spec, pf, &code))
    return code;
  std::string app = pf.positional.empty() ? "" : pf.positional[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  std::string proc = pf.Get("process-type");
  // clearByResourceType: without --process-type every resource property goes (limits and
  // reservations alike); with one, that process type's keys of this kind.
  ctx.Info2Quiet("clearing " + app + " " + (kind == "limit" ? "limits" : "reservation") +
                 (proc.empty() || proc == "_default_" ? "" : " (" + proc + ")"));
  Json& a = ctx.store.App(app);
  if (a.contains("props") && a["props"].contains("resource")) {
    Json& bag = a["props"]["resource"];
    for (const char* r : kResources) {
      if (!proc.empty()) bag.erase(proc + "." + kind + "." + r);
    }
    if (proc.empty()) bag = Json::object();
    ctx.store.SaveApp(app);
  }
  return 0;
}
int ResourceLimitClear(Ctx& ctx, const Args& a) { return ResourceClear(ctx, a, "limit"); }
int ResourceReserveClear(Ctx& ctx, const Args& a) { return ResourceClear(ctx, a, "reserve"); }

// ---- traefik ----

const std::vector<std::string> kTraefikKeys = {"api-enabled",
                                               "api-entry-point",
                                               "api-entry-point-address",
                                               "api-vhost",
                                               "challenge-mode",
                                               "dashboard-enabled",
                                               "basic-auth-username",
                                               "basic-auth-password",
                                               "dns-provider",
                                               "image",
                                               "letsencrypt-email",
                                               "letsencrypt-server",
                                               "log-level",
                                               "http-entry-point",
                                               "https-entry-point"};

std::string TraefikDefault(const std::string& key) {
  if (key == "api-enabled" || key == "dashboard-enabled") return "false";
  if (key == "api-vhost") return "traefik.dokku.me";
  if (key == "challenge-mode") return "tls";
  if (key == "http-entry-point") return "http";
  if (key == "https-entry-point") return "https";
  if (key == "image") return "traefik:v3.7.10";
  if (key == "letsencrypt-server") return "https://acme-v02.api.letsencrypt.org/directory";
  if (key == "log-level") return "ERROR";
  return "";
}

// JSON and info flags show raw secrets; the stdout table masks them (filled in per format).
bool g_mask_secrets = false;

bool CollectTraefik(Ctx& ctx, const std::string&, FlagValues& f) {
  Json& g = ctx.store.Global();
  auto mask = [](const std::string& k, const std::string& v) {
    bool secret = k == "basic-auth-password" || k.rfind("dns-provider-", 0) == 0;
    return (g_mask_secrets && secret && !v.empty()) ? std::string("*******") : v;
  };
  for (const auto& k : kTraefikKeys) {
    std::string v = Prop(g, "traefik", k);
    std::string computed = v.empty() ? TraefikDefault(k) : v;
    if (k == "log-level")
      std::transform(computed.begin(), computed.end(), computed.begin(), ::toupper);
    f["--traefik-global-" + k] = mask(k, v);
    f["--traefik-computed-" + k] = mask(k, computed);
  }
  if (g.contains("props") && g["props"].contains("traefik")) {
    const Json& bag = g["props"]["traefik"];
    for (auto it = bag.begin(); it != bag.end(); ++it)
      if (it.key().rfind("dns-provider-", 0) == 0)
        f["--traefik-global-" + it.key()] = mask(it.key(), it.value().get<std::string>());
  }
  return true;
}

int TraefikReport(Ctx& ctx, const Args& args) {
  bool has_info_flag = false, json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--format") json = i + 1 < args.size() && args[i + 1] == "json";
    if (args[i] == "--format" || args[i] == "--global") {
      if (args[i] == "--format") ++i;
      continue;
    }
    if (args[i].rfind("--", 0) == 0) has_info_flag = true;
  }
  g_mask_secrets = !has_info_flag && !json;
  return RunReport(ctx, args, {"traefik", false, true, true}, CollectTraefik);
}

int TraefikSet(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.size() > 0 ? args[0] : "";
  std::string key = args.size() > 1 ? args[1] : "";
  std::string value = args.size() > 2 ? args[2] : "";
  if (key.empty()) return ctx.Fail("No key specified");
  bool dns_env = key.rfind("dns-provider-", 0) == 0;
  bool valid = std::find(kTraefikKeys.begin(), kTraefikKeys.end(), key) != kTraefikKeys.end();
  if (!valid && !dns_env)
    return ctx.Fail(
        "Invalid key specified, valid keys include: api-enabled api-entry-point "
        "api-entry-point-address api-vhost challenge-mode dashboard-enabled basic-auth-username "
        "basic-auth-password dns-provider dns-provider-<ENV_VAR> image letsencrypt-email "
        "letsencrypt-server log-level http-entry-point https-entry-point");
  if (app != "--global") return ctx.Fail("The key '" + key + "' can only be set globally");
  if (value.empty())
    ctx.Info2Quiet("Unsetting " + key);
  else
    ctx.Info2Quiet("Setting " + key + " to " + value);
  SetProp(ctx.store.Global(), "traefik", key, value);
  ctx.store.SaveGlobal();
  return 0;
}

// cmd-traefik-start / cmd-traefik-stop (plugins/traefik-vhosts/command-functions): write the
// internal global property proxy-status (`started` / `stopped`, global.json
// props.traefik.proxy-status; traefik:report does not show it), touch traefik-acme.json, then
// `common compose-up` / `compose-down` of project traefik (`docker compose ... up --detach
// --quiet-pull` / `down --remove-orphans`). Dokku prints nothing of its own: the output is
// docker compose's progress, streamed, which is not simulated. `up` of a running project
// changes nothing, so traefik:start is idempotent (and so is traefik:stop). Not simulated: the
// "Required docker compose plugin is not installed" failure.
int TraefikStartStop(Ctx& ctx, bool start) {
  SetProp(ctx.store.Global(), "traefik", "proxy-status", start ? "started" : "stopped");
  ctx.store.SaveGlobal();
  return 0;
}

int TraefikStart(Ctx& ctx, const Args&) { return TraefikStartStop(ctx, true); }
int TraefikStop(Ctx& ctx, const Args&) { return TraefikStartStop(ctx, false); }

}  // namespace sim_misc

void RegisterMisc(std::vector<Command>& c) {
  using namespace sim_misc;
  c.push_back({"checks:report", ChecksReport, false});
  c.push_back({"checks:enable", ChecksEnable, true});
  c.push_back({"checks:disable", ChecksDisable, true});
  c.push_back({"checks:skip", ChecksSkip, true});
  c.push_back({"checks:set", ChecksSet, true});
  c.push_back({"resource:report", ResourceReport, false});
  c.push_back({"resource:limit", ResourceLimit, true});
  c.push_back({"resource:reserve", ResourceReserve, true});
  c.push_back({"resource:limit-clear", ResourceLimitClear, true});
  c.push_back({"resource:reserve-clear", ResourceReserveClear, true});
  c.push_back({"traefik:report", TraefikReport, false});
  c.push_back({"traefik:set", TraefikSet, true});
  c.push_back({"traefik:start", TraefikStart, true});
  c.push_back({"traefik:stop", TraefikStop, true});
}

}  // namespace dokku_sim
