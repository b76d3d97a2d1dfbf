// letsencrypt:* (dokku-letsencrypt 0.25.1, bash): report, set, enable, disable, active.
#include <algorithm>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_letsencrypt {

// jq -c string encoding (no HTML escapes, unlike Go).
std::string JqString(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\t':
        o += "\\t";
        break;
      case '\r':
        o += "\\r";
        break;
      case '\b':
        o += "\\b";
        break;
      case '\f':
        o += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          o += "\\u00";
          o.push_back(kHex[c >> 4]);
          o.push_back(kHex[c & 15]);
        } else {
          o.push_back(static_cast<char>(c));
        }
    }
  }
  return o + "\"";
}

std::string First(std::initializer_list<std::string> v) {
  for (const auto& s : v)
    if (!s.empty()) return s;
  return "";
}

std::string PadTo(std::string s, size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

using FlagList = std::vector<std::pair<std::string, std::string>>;

FlagList Flags(Ctx& ctx, const std::string& app) {
  const Json& g = ctx.store.Global();
  const Json empty = Json::object();
  const Json& a = app == "--global" ? empty : ctx.store.App(app);
  auto gp = [&](const char* k) { return Prop(g, "letsencrypt", k); };
  auto ap = [&](const char* k) { return Prop(a, "letsencrypt", k); };
  std::string server = First({ap("server"), gp("server")});
  if (server.empty() || server == "default")
    server = "https://acme-v02.api.letsencrypt.org/directory";
  else if (server == "staging")
    server = "https://acme-staging-v02.api.letsencrypt.org/directory";
  FlagList f = {
      {"--letsencrypt-active", a.value("letsencrypt_active", false) ? "true" : "false"},
      {"--letsencrypt-autorenew", g.value("letsencrypt_autorenew", false) ? "true" : "false"},
      {"--letsencrypt-computed-dns-provider", First({ap("dns-provider"), gp("dns-provider")})},
      {"--letsencrypt-global-dns-provider", gp("dns-provider")},
      {"--letsencrypt-dns-provider", ap("dns-provider")},
      {"--letsencrypt-computed-email", First({ap("email"), gp("email")})},
      {"--letsencrypt-global-email", gp("email")},
      {"--letsencrypt-email", ap("email")},
      {"--letsencrypt-expiration", a.value("letsencrypt_expiration", "")},
      {"--letsencrypt-computed-graceperiod",
       First({ap("graceperiod"), gp("graceperiod"), "2592000"})},
      {"--letsencrypt-global-graceperiod", gp("graceperiod")},
      {"--letsencrypt-graceperiod", ap("graceperiod")},
      {"--letsencrypt-computed-lego-args", First({ap("lego-args"), gp("lego-args")})},
      {"--letsencrypt-global-lego-args", gp("lego-args")},
      {"--letsencrypt-lego-args", ap("lego-args")},
      {"--letsencrypt-computed-lego-docker-options",
       First({ap("lego-docker-options"), gp("lego-docker-options")})},
      {"--letsencrypt-global-lego-docker-options", gp("lego-docker-options")},
      {"--letsencrypt-lego-docker-options", ap("lego-docker-options")},
      {"--letsencrypt-computed-server", server},
      {"--letsencrypt-global-server", gp("server")},
      {"--letsencrypt-server", ap("server")},
  };
  // dns-provider-* rows, sorted by key, redacted never (LETSENCRYPT_REPORT_SANITIZE unset).
  std::map<std::string, std::pair<std::string, std::string>> extra;  // key -> (global, app)
  for (const Json* doc : {&g, &a}) {
    if (!doc->contains("props") || !(*doc)["props"].contains("letsencrypt")) continue;
    const Json& bag = (*doc)["props"]["letsencrypt"];
    for (auto it = bag.begin(); it != bag.end(); ++it) {
      if (it.key().rfind("dns-provider-", 0) != 0) continue;
      auto& slot = extra[it.key()];
      (doc == &g ? slot.first : slot.second) = it.value().get<std::string>();
    }
  }
  for (const auto& [key, values] : extra) {
    const auto& [global, app_value] = values;
    std::string computed = First({app_value, global});
    if (!computed.empty()) f.emplace_back("--letsencrypt-computed-" + key, computed);
    if (!global.empty()) f.emplace_back("--letsencrypt-global-" + key, global);
    if (!app_value.empty()) f.emplace_back("--letsencrypt-" + key, app_value);
  }
  if (app == "--global") {
    FlagList only;
    for (const auto& kv : f)
      if (kv.first.find("-global-") != std::string::npos) only.push_back(kv);
    return only;
  }
  return f;
}

int ReportSingle(Ctx& ctx, const std::string& app, const std::string& info_flag,
                 const std::string& format) {
  if (app != "--global") {
    if (int rc = VerifyAppBash(ctx, app)) return rc;
  }
  FlagList flags = Flags(ctx, app);
  if (format != "stdout" && !info_flag.empty())
    return ctx.Fail("--format flag cannot be specified when specifying an info flag");
  if (format == "json") {
    std::string o = "{";
    for (const auto& [k, v] : flags)
      o += (o.size() > 1 ? "," : "") + JqString(k.substr(14)) + ":" + JqString(v);
    ctx.Line(o + "}");
    return 0;
  }
  if (info_flag.empty()) {
    ctx.Info2Quiet(app == "--global" ? "global letsencrypt information"
                                     : app + " letsencrypt information");
    for (const auto& [k, v] : flags) {
      std::string key = k.substr(2);
      std::replace(key.begin(), key.end(), '-', ' ');
      key[0] = static_cast<char>(std::toupper(key[0]));
      ctx.Verbose(PadTo(key, 30) + " " + PadTo(v, 25));
    }
    return 0;
  }
  std::string valid;
  for (const auto& [k, v] : flags) valid += " " + k;
  for (const auto& [k, v] : flags) {
    if (k != info_flag) continue;
    if (v.empty()) return ctx.Fail("not deployed");
    ctx.Line(v);
    return 0;
  }
  return ctx.Fail("Invalid flag passed, valid flags:" + valid);
}

int Report(Ctx& ctx, const Args& raw) {
  std::string format = "stdout";
  bool global = false;
  Args rest;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == "--format") {
      format = i + 1 < raw.size() ? raw[i + 1] : "";
      ++i;
    } else if (raw[i] == "--global") {
      global = true;
    } else {
      rest.push_back(raw[i]);
    }
  }
  std::string app = rest.size() > 0 ? rest[0] : "";
  std::string info_flag = rest.size() > 1 ? rest[1] : "";
  // The plugin lists the apps first: with none, dokku_apps fails the whole command.
  auto apps = ctx.store.Apps();
  if (apps.empty()) return ctx.Fail("You haven't deployed any applications yet");
  if (app.rfind("--", 0) == 0) {
    info_flag = app;
    app = "";
  }
  if (global) app = "--global";
  if (!app.empty()) return ReportSingle(ctx, app, info_flag, format);
  for (const auto& a : apps) ReportSingle(ctx, a, info_flag, format);  // errors ignored
  return 0;
}

int Set(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.size() > 0 ? args[0] : "";
  std::string key = args.size() > 1 ? args[1] : "";
  std::string value = args.size() > 2 ? args[2] : "";
  if (app != "--global") {
    if (int rc = VerifyAppBash(ctx, app)) return rc;
  }
  if (key.empty()) return ctx.Fail("No key specified");
  static const std::vector<std::string> kKeys = {
      "dns-provider", "email", "graceperiod", "server", "lego-args", "lego-docker-options"};
  if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end() &&
      key.rfind("dns-provider-", 0) != 0)
    return ctx.Fail(
        "Invalid key specified, valid keys include: dns-provider, dns-provider-*, email, "
        "graceperiod, server, lego-args, lego-docker-options");
  if (value.empty())
    ctx.Info2Quiet("Unsetting " + key);
  else
    ctx.Info2Quiet("Setting " + key + " to " + value);
  Json& doc = app == "--global" ? ctx.store.Global() : ctx.store.App(app);
  SetProp(doc, "letsencrypt", key, value);
  if (app == "--global")
    ctx.store.SaveGlobal();
  else
    ctx.store.SaveApp(app);
  return 0;
}

int Enable(Ctx& ctx, const Args& raw) {
  bool force = false;
  Args args;
  for (const auto& a : WithAppArg(ctx, raw)) {
    if (a == "--force" || a == "-f")
      force = true;
    else
      args.push_back(a);
  }
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  Json& a = ctx.store.App(app);
  if (AppVhosts(a).empty()) {
    ctx.Warn("No domains detected for " + app);
    return 1;
  }
  if (First({Prop(a, "letsencrypt", "email"), GlobalProp(ctx, "letsencrypt", "email")}).empty())
    return ctx.Fail("Missing letsencrypt email for " + app +
                    ". Set one with `dokku letsencrypt:set " + app + " email <email>`");
  ctx.Info2("Enabling letsencrypt for " + app);
  if (a.value("letsencrypt_active", false) && !force) {
    ctx.Info1("Certificate is still valid for " + app + ", skipping certificate request");
    ctx.Info1("Pass --force to letsencrypt:enable to request a new certificate anyway");
    return 0;
  }
  a["letsencrypt_active"] = true;
  a["letsencrypt_expiration"] = std::to_string(NowUnix() + 90LL * 24 * 3600);
  ctx.Info1("Certificate retrieved successfully.");
  ctx.store.SaveApp(app);
  return 0;
}

int Disable(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  Json& a = ctx.store.App(app);
  ctx.Info2("Disabling letsencrypt for app");
  a.erase("letsencrypt_active");
  a.erase("letsencrypt_expiration");
  ctx.store.SaveApp(app);
  ctx.Info1("Done");
  return 0;
}

int Active(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  ctx.Line(ctx.store.App(app).value("letsencrypt_active", false) ? "true" : "false");
  return 0;
}

}  // namespace sim_letsencrypt

void RegisterLetsencrypt(std::vector<Command>& c) {
  using namespace sim_letsencrypt;
  c.push_back({"letsencrypt:report", Report, false});
  c.push_back({"letsencrypt:set", Set, true});
  c.push_back({"letsencrypt:enable", Enable, true});
  c.push_back({"letsencrypt:disable", Disable, true});
  c.push_back({"letsencrypt:active", Active, false});
}

}  // namespace dokku_sim
