// nginx:* (plugins/nginx-vhosts at v0.38.27): report, set, start, stop.
//
// Properties live where the other plugins' do: props.nginx.<key> of the app document, or of
// global.json for `--global`. The nginx running state is nginx's own internal global
// property `proxy-status` (global.json props.nginx.proxy-status), which nginx:start and
// nginx:stop write (command-functions cmd-nginx-start/stop) and no report shows.
//
// A fresh node: the nginx-vhosts install trigger (plugins/nginx-vhosts/install) leaves
// proxy-status unset (it only writes `stopped` when migrating an old nginx.stopped marker)
// and starts nginx through the init system when there are no apps or some app's proxy type
// is nginx. So a fresh node runs nginx with proxy-status unset (absent from global.json).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_nginx {

// The 31 properties of report.go nginxReportProps, in its order, with the default that the
// Computed* function of nginx_vhosts.go falls back to when neither the app nor the global
// value is set. `app` is only used by the log paths.
struct NginxProp {
  const char* name;
  std::string (*fallback)(const std::string& app);
};

// getLogRoot (functions.go): /var/log/openresty only when /usr/bin/openresty exists; the
// simulated node runs Dokku's nginx.
const char kLogRoot[] = "/var/log/nginx";

// os.Getpagesize()/1024, as the proxy buffer defaults compute it.
long PageKiB() { return sysconf(_SC_PAGESIZE) / 1024; }

std::string None(const std::string&) { return ""; }

const std::vector<NginxProp>& Props() {
  static const std::vector<NginxProp> props = {
      {"access-log-format", None},
      {"access-log-path",
       [](const std::string& app) { return std::string(kLogRoot) + "/" + app + "-access.log"; }},
      {"bind-address-ipv4", None},
      {"bind-address-ipv6", [](const std::string&) { return std::string("::"); }},
      {"client-body-timeout", [](const std::string&) { return std::string("60s"); }},
      {"client-header-timeout", [](const std::string&) { return std::string("60s"); }},
      {"client-max-body-size", [](const std::string&) { return std::string("1m"); }},
      {"disable-custom-config", [](const std::string&) { return std::string("false"); }},
      {"error-log-path",
       [](const std::string& app) { return std::string(kLogRoot) + "/" + app + "-error.log"; }},
      {"hsts-include-subdomains", [](const std::string&) { return std::string("true"); }},
      {"hsts-max-age", [](const std::string&) { return std::string("15724800"); }},
      {"hsts-preload", [](const std::string&) { return std::string("false"); }},
      {"hsts", [](const std::string&) { return std::string("true"); }},
      {"keepalive-timeout", [](const std::string&) { return std::string("75s"); }},
      {"lingering-timeout", [](const std::string&) { return std::string("5s"); }},
      {"nginx-conf-sigil-path", [](const std::string&) { return std::string("nginx.conf.sigil"); }},
      {"nginx-service-command", None},
      {"proxy-buffer-size", [](const std::string&) { return std::to_string(PageKiB()) + "k"; }},
      {"proxy-buffering", [](const std::string&) { return std::string("on"); }},
      {"proxy-buffers", [](const std::string&) { return "8 " + std::to_string(PageKiB()) + "k"; }},
      {"proxy-busy-buffers-size",
       [](const std::string&) { return std::to_string(PageKiB() * 2) + "k"; }},
      {"proxy-connect-timeout", [](const std::string&) { return std::string("60s"); }},
      {"proxy-keepalive", None},
      {"proxy-read-timeout", [](const std::string&) { return std::string("60s"); }},
      {"proxy-send-timeout", [](const std::string&) { return std::string("60s"); }},
      {"send-timeout", [](const std::string&) { return std::string("60s"); }},
      {"underscore-in-headers", [](const std::string&) { return std::string("off"); }},
      {"x-forwarded-for-value", [](const std::string&) { return std::string("$remote_addr"); }},
      {"x-forwarded-port-value", [](const std::string&) { return std::string("$server_port"); }},
      {"x-forwarded-proto-value", [](const std::string&) { return std::string("$scheme"); }},
      {"x-forwarded-ssl", None},
  };
  return props;
}

// report.go reportLastVisitedAt: the mtime of the app's *own* access-log-path property (not
// the computed one, so it is empty unless the app sets a path), when that is a regular file.
std::string LastVisitedAt(const Json& app) {
  const std::string path = Prop(app, "nginx", "access-log-path");
  if (path == "off" || path == "/dev/null") return "";
  struct stat st {};
  if (path.empty() || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  return std::to_string(static_cast<long long>(st.st_mtime));
}

// report.go ReportSingleApp: `--nginx-<p>`, `--nginx-computed-<p>`, `--nginx-global-<p>` for
// each property plus `--nginx-last-visited-at`; --global keeps only the keys containing
// "-global-".
bool CollectNginx(Ctx& ctx, const std::string& app, FlagValues& f) {
  const Json& global = ctx.store.Global();
  const bool is_global = app == "--global";
  const Json empty = Json::object();
  const Json& doc = is_global ? empty : ctx.store.App(app);
  for (const auto& p : Props()) {
    const std::string gv = Prop(global, "nginx", p.name);
    f[std::string("--nginx-global-") + p.name] = gv;
    if (is_global) continue;
    const std::string av = Prop(doc, "nginx", p.name);
    f[std::string("--nginx-") + p.name] = av;
    f[std::string("--nginx-computed-") + p.name] =
        !av.empty() ? av : (!gv.empty() ? gv : p.fallback(app));
  }
  if (!is_global) f["--nginx-last-visited-at"] = LastVisitedAt(doc);
  return true;
}

// TrimPrefix and UppercaseFirstCharacter, no legacy keys; the subcommand main drops the
// "allows only a single flag" error (nothing printed, exit 0); its pflag set is named
// "nginx-vhosts:report".
int Report(Ctx& ctx, const Args& args) {
  ReportOptions opt{"nginx", false, true, true, "nginx-vhosts:report"};
  return RunReport(ctx, args, opt, CollectNginx);
}

// subcommands/set: VALID_KEYS, in the source's order. Its GLOBAL_KEYS holds the same keys (in
// another order), so "cannot be set globally" and the app check after it never happen.
const std::vector<std::string> kValidKeys = {"access-log-format",
                                             "access-log-path",
                                             "bind-address-ipv4",
                                             "bind-address-ipv6",
                                             "client-body-timeout",
                                             "client-header-timeout",
                                             "client-max-body-size",
                                             "disable-custom-config",
                                             "error-log-path",
                                             "hsts",
                                             "hsts-include-subdomains",
                                             "hsts-preload",
                                             "hsts-max-age",
                                             "keepalive-timeout",
                                             "lingering-timeout",
                                             "nginx-conf-sigil-path",
                                             "nginx-service-command",
                                             "proxy-buffer-size",
                                             "proxy-buffering",
                                             "proxy-buffers",
                                             "proxy-busy-buffers-size",
                                             "proxy-connect-timeout",
                                             "proxy-read-timeout",
                                             "proxy-send-timeout",
                                             "proxy-keepalive",
                                             "send-timeout",
                                             "underscore-in-headers",
                                             "x-forwarded-for-value",
                                             "x-forwarded-port-value",
                                             "x-forwarded-proto-value",
                                             "x-forwarded-ssl"};

bool In(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// common/functions is_number: ^[0-9]+$.
bool IsNumber(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// cmd-nginx-set: APP=$1 KEY=$2 VALUE=$3 (later words are ignored). The app is checked
// (verify_app_name, exit 20) only for a key missing from GLOBAL_KEYS, and at v0.38.27 every
// valid key is a global key: the app is never checked, and a property of an app that does not
// exist is written anyway (under config/nginx/<app>/, where a later apps:create finds it: the
// simulator keeps it in global.json `orphan_props` until then). No trigger runs: nothing is
// rebuilt or reloaded.
int Set(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  const std::string app = args.size() > 0 ? args[0] : "";
  const std::string key = args.size() > 1 ? args[1] : "";
  const std::string value = args.size() > 2 ? args[2] : "";
  if (key.empty()) return ctx.Fail("No key specified");
  if (!In(kValidKeys, key))
    return ctx.Fail("Invalid key specified, valid keys include: " + Join(kValidKeys, ", "));
  if (key == "proxy-keepalive" && !value.empty() && !IsNumber(value))
    return ctx.Fail("Invalid value for proxy-keepalive: must be an integer");
  if (!value.empty())
    ctx.Info2Quiet("Setting " + key + " to " + value);
  else
    ctx.Info2Quiet("Unsetting " + key);
  if (app == "--global") {
    SetProp(ctx.store.Global(), "nginx", key, value);
    ctx.store.SaveGlobal();
  } else if (ctx.store.AppExists(app)) {
    SetProp(ctx.store.App(app), "nginx", key, value);
    ctx.store.SaveApp(app);
  } else {
    Json& g = ctx.store.Global();
    SetProp(g["orphan_props"][app], "nginx", key, value);
    if (g["orphan_props"][app]["props"]["nginx"].empty()) g["orphan_props"].erase(app);
    if (g["orphan_props"].empty()) g.erase("orphan_props");
    ctx.store.SaveGlobal();
  }
  return 0;
}

// cmd-nginx-start / cmd-nginx-stop: write proxy-status, then run the init system
// (fn-nginx-vhosts-nginx-init-cmd: `enable` + `start`, or `stop` + `disable`, through
// `sudo systemctl`, `sv`, `invoke-rc.d` or /etc/init.d, or the nginx-service-command
// property). Dokku itself prints nothing, so neither does the simulator; what the init
// system prints is host-specific and not simulated (systemctl enable/disable of a unit with
// a SysV script prints "Synchronizing state of nginx.service ..." lines on stderr on
// Debian/Ubuntu hosts). Starting a running nginx (or stopping a stopped one) is a no-op for
// the init system, so both commands are idempotent and always exit 0 here.
int StartStop(Ctx& ctx, bool start) {
  SetProp(ctx.store.Global(), "nginx", "proxy-status", start ? "started" : "stopped");
  ctx.store.SaveGlobal();
  return 0;
}
int Start(Ctx& ctx, const Args&) { return StartStop(ctx, true); }
int Stop(Ctx& ctx, const Args&) { return StartStop(ctx, false); }

}  // namespace sim_nginx

void AdoptOrphanProps(Ctx& ctx, const std::string& app, Json& doc) {
  Json& g = ctx.store.Global();
  if (!g.contains("orphan_props") || !g["orphan_props"].contains(app)) return;
  const Json& props = g["orphan_props"][app]["props"];
  for (auto plugin = props.begin(); plugin != props.end(); ++plugin)
    for (auto it = plugin.value().begin(); it != plugin.value().end(); ++it)
      SetProp(doc, plugin.key(), it.key(), it.value().get<std::string>());
  g["orphan_props"].erase(app);
  if (g["orphan_props"].empty()) g.erase("orphan_props");
  ctx.store.SaveGlobal();
}

void RegisterNginx(std::vector<Command>& c) {
  using namespace sim_nginx;
  c.push_back({"nginx:report", Report, false});
  c.push_back({"nginx:set", Set, true});
  c.push_back({"nginx:start", Start, true});
  c.push_back({"nginx:stop", Stop, true});
}

}  // namespace dokku_sim
