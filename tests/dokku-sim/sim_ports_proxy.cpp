// ports:* (§3.5) and proxy:* (§3.6).
#include <algorithm>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_ports_proxy {

struct PortMap {
  std::string scheme;
  long host = 0;
  long container = 0;
  std::string String() const {
    return scheme + ":" + std::to_string(host) + ":" + std::to_string(container);
  }
};

// strconv.Atoi with Go's error text.
bool Atoi(const std::string& s, long* out, std::string* err) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  bool ok = i < s.size() && s.size() - i < 19;
  for (size_t k = i; ok && k < s.size(); ++k) ok = s[k] >= '0' && s[k] <= '9';
  if (!ok) {
    *err = "strconv.Atoi: parsing \"" + s + "\": invalid syntax";
    return false;
  }
  *out = std::atol(s.c_str());
  return true;
}

// parsePortMapString; a bare number means "any scheme on this host port" (removal only).
bool ParseMaps(const Args& words, std::vector<PortMap>* out, std::string* err) {
  std::vector<std::string> items = SplitWs(Join(words, " "));
  if (items.empty()) items.push_back("");
  for (const auto& v : items) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (int n = 0; n < 2; ++n) {
      size_t c = v.find(':', start);
      if (c == std::string::npos) break;
      parts.push_back(v.substr(start, c - start));
      start = c + 1;
    }
    parts.push_back(v.substr(start));
    PortMap m;
    std::string e;
    if (parts.size() == 1) {
      if (!Atoi(v, &m.host, &e)) {
        *err = "Invalid port map " + v + " [err=" + e + "]";
        return false;
      }
      if (m.host < 0 || m.host >= 65536) {
        *err = "Invalid port map " + v + " [hostPort=" + std::to_string(m.host) + "]";
        return false;
      }
      m.scheme = "__internal__";
      out->push_back(m);
      continue;
    }
    if (parts.size() != 3) {
      *err = "Invalid port map " + v + " [len=" + std::to_string(parts.size()) + "]";
      return false;
    }
    if (!Atoi(parts[1], &m.host, &e) || !Atoi(parts[2], &m.container, &e)) {
      *err = "Invalid port map " + v + " [err=" + e + "]";
      return false;
    }
    if (m.host < 0 || m.host >= 65536) {
      *err = "Invalid port map " + v + " [hostPort=" + std::to_string(m.host) + "]";
      return false;
    }
    if (m.container < 0 || m.container >= 65536) {
      *err = "Invalid port map " + v + " [containerPort=" + std::to_string(m.container) + "]";
      return false;
    }
    m.scheme = parts[0];
    out->push_back(m);
  }
  return true;
}

std::vector<PortMap> Maps(const Json& app, const char* key) {
  std::vector<PortMap> maps;
  std::string err;
  if (app.contains(key)) ParseMaps(app[key].get<std::vector<std::string>>(), &maps, &err);
  return maps;
}

std::string Reuse(const std::vector<PortMap>& maps) {
  std::vector<std::string> seen;
  for (const auto& m : maps) {
    std::string key = m.scheme + ":" + std::to_string(m.host);
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return "The same scheme:host-port is being reused: " + key;
    seen.push_back(key);
  }
  return "";
}

void WriteMaps(Ctx& ctx, const std::string& name, const std::vector<PortMap>& maps) {
  std::vector<std::string> value;
  for (const auto& m : maps)
    if (m.scheme != "__internal__") value.push_back(m.String());
  std::sort(value.begin(), value.end());
  Json& app = ctx.store.App(name);
  if (value.empty())
    app.erase("ports");
  else
    app["ports"] = value;
  ctx.store.SaveApp(name);
}

std::string MapsText(const std::vector<PortMap>& maps) {
  std::vector<std::string> s;
  for (const auto& m : maps) s.push_back(m.String());
  return Join(s, " ");
}

std::string MapsJson(const std::vector<PortMap>& maps) {
  if (maps.empty()) return "null";
  std::string o = "[";
  for (size_t i = 0; i < maps.size(); ++i) {
    o += (i ? "," : "") + std::string("{\"container_port\":") + std::to_string(maps[i].container) +
         ",\"host_port\":" + std::to_string(maps[i].host) +
         ",\"scheme\":" + GoJsonString(maps[i].scheme) + "}";
  }
  return o + "]";
}

bool CollectPorts(Ctx& ctx, const std::string& app, FlagValues& f) {
  if (app == "--global") return true;
  const Json& a = ctx.store.App(app);
  auto map = Maps(a, "ports");
  auto detected = Maps(a, "ports_detected");
  f["--ports-map"] = MapsText(map);
  f["--ports-map-json"] = MapsJson(map);
  f["--ports-map-detected"] = MapsText(detected);
  f["--ports-map-detected-json"] = MapsJson(detected);
  return true;
}

int PortsReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"ports", true, true, true}, CollectPorts);
}

// Common prologue: app check, maps parsed from the rest.
int PortArgs(Ctx& ctx, const Args& raw, std::string* app, std::vector<PortMap>* maps) {
  Args args = WithAppArg(ctx, raw);
  *app = args.empty() ? "" : args[0];
  if (int rc = VerifyApp(ctx, *app)) return rc;
  if (args.size() < 2) return ctx.Fail("No port mapping specified");
  std::string err;
  if (!ParseMaps(Args(args.begin() + 1, args.end()), maps, &err)) return ctx.Fail(err);
  return 0;
}

int PortsSet(Ctx& ctx, const Args& args) {
  std::string app;
  std::vector<PortMap> maps;
  if (int rc = PortArgs(ctx, args, &app, &maps)) return rc;
  if (auto e = Reuse(maps); !e.empty()) return ctx.Fail("Error validating port mappings: " + e);
  WriteMaps(ctx, app, maps);
  return 0;
}

int PortsAdd(Ctx& ctx, const Args& args) {
  std::string app;
  std::vector<PortMap> maps;
  if (int rc = PortArgs(ctx, args, &app, &maps)) return rc;
  if (auto e = Reuse(maps); !e.empty()) return ctx.Fail("Error validating new port mappings: " + e);
  auto all = Maps(ctx.store.App(app), "ports");
  all.insert(all.end(), maps.begin(), maps.end());
  if (auto e = Reuse(all); !e.empty()) return ctx.Fail("Error validating all port mappings: " + e);
  WriteMaps(ctx, app, all);
  return 0;
}

int PortsRemove(Ctx& ctx, const Args& args) {
  std::string app;
  std::vector<PortMap> maps;
  if (int rc = PortArgs(ctx, args, &app, &maps)) return rc;
  std::vector<PortMap> keep;
  for (const auto& m : Maps(ctx.store.App(app), "ports")) {
    bool drop = false;
    for (const auto& r : maps)
      drop |= (r.scheme == "__internal__" && r.host == m.host) || r.String() == m.String();
    if (!drop) keep.push_back(m);
  }
  WriteMaps(ctx, app, keep);
  return 0;
}

int PortsClear(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  ctx.store.App(app).erase("ports_detected");  // clearPorts drops map-detected too
  WriteMaps(ctx, app, {});
  return 0;
}

int PortsList(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  auto maps = Maps(ctx.store.App(app), "ports");
  if (maps.empty()) return ctx.Fail("No port mappings configured for app");
  std::vector<std::string> lines;
  if (!ctx.flags.quiet) lines.push_back("-----> scheme:host port:container port");
  for (const auto& m : maps) lines.push_back(m.String());
  std::sort(lines.begin(), lines.end());
  ctx.Info1Quiet("Port mappings for " + app);
  ctx.Line(Columnize(lines, ":", "    "));
  return 0;
}

// ---- proxy ----

std::string FirstNonEmpty(std::initializer_list<std::string> values) {
  for (const auto& v : values)
    if (!v.empty()) return v;
  return "";
}

bool CollectProxy(Ctx& ctx, const std::string& app, FlagValues& f) {
  std::string gtype = GlobalProp(ctx, "proxy", "type");
  std::string gport = GlobalProp(ctx, "proxy", "proxy-port");
  std::string gssl = GlobalProp(ctx, "proxy", "proxy-ssl-port");
  f["--proxy-global-type"] = gtype;
  f["--proxy-global-proxy-port"] = gport;
  f["--proxy-global-proxy-ssl-port"] = gssl;
  if (app == "--global") {
    f["--proxy-computed-type"] = FirstNonEmpty({gtype, "nginx"});
    f["--proxy-computed-proxy-port"] = gport;
    f["--proxy-computed-proxy-ssl-port"] = gssl;
    return true;
  }
  const Json& a = ctx.store.App(app);
  std::string type = Prop(a, "proxy", "type");
  std::string port = Prop(a, "proxy", "proxy-port");
  std::string ssl = Prop(a, "proxy", "proxy-ssl-port");
  std::string disabled = Prop(a, "proxy", "disabled") == "true" ? "true" : "false";
  f["--proxy-type"] = type;
  f["--proxy-computed-type"] = FirstNonEmpty({type, gtype, "nginx"});
  f["--proxy-proxy-port"] = port;
  f["--proxy-computed-proxy-port"] = FirstNonEmpty({port, gport});
  f["--proxy-proxy-ssl-port"] = ssl;
  f["--proxy-computed-proxy-ssl-port"] = FirstNonEmpty({ssl, gssl});
  f["--proxy-disabled"] = disabled;
  f["--proxy-computed-disabled"] = disabled;
  f["--proxy-enabled"] = disabled == "true" ? "false" : "true";
  return true;
}

int ProxyReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"proxy", true, true, true}, CollectProxy);
}

// plugins/proxy/src/subcommands (case "set") and subcommands.go CommandSet: pflag with a
// `--global` bool anywhere; app, property, value = the first three words (later ones are
// ignored), or property, value = the first two with --global. A property that is not one of
// DefaultProperties with no value is the old `proxy:set <app> <proxy-type>` form: it becomes
// `type <property>`, unless it contains ':' (then a warning and an error, before any app
// check). So `proxy:set <app>` and `proxy:set --global` alone unset the type. Then
// common.CommandPropertySet: it only writes the property; no proxy is started or stopped and
// no config is rebuilt, for an app or --global alike.
int ProxySet(Ctx& ctx, const Args& raw) {
  FlagSpec spec{{"global"}, {}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "proxy:set", WithAppArg(ctx, raw), spec, pf, &code)) return code;
  auto arg = [&](size_t i) { return i < pf.positional.size() ? pf.positional[i] : std::string(); };
  // strconv.ParseBool's true spellings (pflag's bool flag).
  const std::string g = pf.Get("global", "false");
  const bool global = g == "1" || g == "t" || g == "T" || g == "true" || g == "TRUE" || g == "True";
  std::string app = global ? "--global" : arg(0);
  std::string property = global ? arg(0) : arg(1);
  std::string value = global ? arg(1) : arg(2);
  const std::vector<std::string> defaults = {"disabled", "proxy-port", "proxy-ssl-port", "type"};
  if (std::find(defaults.begin(), defaults.end(), property) == defaults.end() && value.empty()) {
    if (property.find(':') != std::string::npos) {
      ctx.Warn("Detected potential port mapping instead of proxy type");
      return ctx.Fail("Consider using ports:set command or specifying a valid proxy");
    }
    value = property;
    property = "type";
  }
  return PropertySetValue(ctx, "proxy", app, property, value, defaults,
                          {"type", "proxy-port", "proxy-ssl-port"});
}

int ProxyToggle(Ctx& ctx, const Args& raw, bool enable) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  ctx.Info1(enable ? "Enabling proxy for app" : "Disabling proxy for app");
  SetProp(ctx.store.App(app), "proxy", "disabled", enable ? "" : "true");
  ctx.store.SaveApp(app);
  return 0;
}
int ProxyEnable(Ctx& ctx, const Args& a) { return ProxyToggle(ctx, a, true); }
int ProxyDisable(Ctx& ctx, const Args& a) { return ProxyToggle(ctx, a, false); }

int ProxyBuildConfig(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (app == "--all") return 0;
  return VerifyApp(ctx, app);
}

}  // namespace sim_ports_proxy

void RegisterPortsProxy(std::vector<Command>& c) {
  using namespace sim_ports_proxy;
  c.push_back({"ports:report", PortsReport, false});
  c.push_back({"ports:list", PortsList, false});
  c.push_back({"ports:set", PortsSet, true});
  c.push_back({"ports:add", PortsAdd, true});
  c.push_back({"ports:remove", PortsRemove, true});
  c.push_back({"ports:clear", PortsClear, true});
  c.push_back({"proxy:report", ProxyReport, false});
  c.push_back({"proxy:set", ProxySet, true});
  c.push_back({"proxy:enable", ProxyEnable, true});
  c.push_back({"proxy:disable", ProxyDisable, true});
  c.push_back({"proxy:build-config", ProxyBuildConfig, false});
}

}  // namespace dokku_sim
