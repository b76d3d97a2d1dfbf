// config:* (§3.3): export formats, get/keys/show, set/unset/clear with restart semantics.
#include <cstdlib>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_config {

using Env = std::map<std::string, std::string>;

Env ToEnv(const Json& obj) {
  Env env;
  if (obj.is_object())
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (it.value().is_string()) env[it.key()] = it.value().get<std::string>();
  return env;
}

Json& ConfigDoc(Ctx& ctx, const std::string& app) {
  Json& doc = app.empty() ? ctx.store.Global() : ctx.store.App(app);
  if (!doc["config"].is_object()) doc["config"] = Json::object();
  return doc["config"];
}

void SaveConfig(Ctx& ctx, const std::string& app) {
  if (app.empty())
    ctx.store.SaveGlobal();
  else
    ctx.store.SaveApp(app);
}

std::string SingleQuoteEscape(const std::string& v) {
  std::string o;
  for (char c : v) {
    if (c == '\'')
      o += "'\\''";
    else
      o.push_back(c);
  }
  return o;
}

std::string WithPrefixAndSeparator(const Env& env, const std::string& prefix,
                                   const std::string& sep) {
  std::vector<std::string> entries;
  for (const auto& [k, v] : env) entries.push_back(prefix + k + "='" + SingleQuoteEscape(v) + "'");
  return Join(entries, sep);
}

// godotenv.Marshal: integers bare, everything else double-quoted and escaped; lines sorted.
std::string Envfile(const Env& env) {
  std::vector<std::string> lines;
  for (const auto& [k, v] : env) {
    bool is_int = !v.empty();
    size_t start = (v[0] == '+' || v[0] == '-') ? 1 : 0;
    if (start >= v.size()) is_int = false;
    for (size_t i = start; is_int && i < v.size(); ++i)
      if (v[i] < '0' || v[i] > '9') is_int = false;
    if (is_int && v.size() - start < 19) {
      lines.push_back(k + "=" + std::to_string(std::atoll(v.c_str())));
      continue;
    }
    std::string e;
    for (char c : v) {
      switch (c) {
        case '\\':
          e += "\\\\";
          break;
        case '\n':
          e += "\\n";
          break;
        case '\r':
          e += "\\r";
          break;
        case '"':
          e += "\\\"";
          break;
        case '!':
          e += "\\!";
          break;
        case '$':
          e += "\\$";
          break;
        case '`':
          e += "\\`";
          break;
        default:
          e.push_back(c);
      }
    }
    lines.push_back(k + "=\"" + e + "\"");
  }
  std::sort(lines.begin(), lines.end());
  return Join(lines, "\n");
}

std::string Pretty(const Env& env, const std::string& prefix) {
  std::vector<std::string> lines;
  for (const auto& [k, v] : env) lines.push_back(k + ":" + std::string(1, '\0') + v);
  return Columnize(lines, std::string(1, '\0'), prefix);
}

bool ValidKey(const std::string& k) {
  if (k.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(k[0])) return false;
  for (char c : k)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

// Go's base64.StdEncoding.DecodeString (strict padding; \r and \n ignored).
bool DecodeBase64(const std::string& in, std::string* out, std::string* err) {
  std::string s;
  std::vector<size_t> pos;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r' || in[i] == '\n') continue;
    s.push_back(in[i]);
    pos.push_back(i);
  }
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  auto bad = [&](size_t i) {
    *err =
        "illegal base64 data at input byte " + std::to_string(i < pos.size() ? pos[i] : in.size());
    return false;
  };
  out->clear();
  for (size_t i = 0; i < s.size(); i += 4) {
    int v[4] = {0, 0, 0, 0};  // initialised: GCC 12 -O3 warns (falsely) otherwise
    int n = 0;
    for (size_t j = 0; j < 4; ++j) {
      if (i + j >= s.size()) return bad(i);  // Go reports the quantum start
      char c = s[i + j];
      if (c == '=') {
        if (j < 2) return bad(i + j);
        if (j == 2 && (i + 3 >= s.size() || s[i + 3] != '=')) return bad(i + j);
        if (i + 4 < s.size()) return bad(i + 4);
        break;
      }
      v[j] = val(c);
      if (v[j] < 0) return bad(i + j);
      ++n;
    }
    if (n >= 2) out->push_back(static_cast<char>((v[0] << 2) | (v[1] >> 4)));
    if (n >= 3) out->push_back(static_cast<char>(((v[1] & 15) << 4) | (v[2] >> 2)));
    if (n >= 4) out->push_back(static_cast<char>(((v[2] & 3) << 6) | v[3]));
  }
  return true;
}

// Resolves `<app>` or --global; returns the app name ("" = global) or an exit code.
int Target(Ctx& ctx, const ParsedFlags& pf, std::string* app, Args* rest) {
  if (pf.Has("global")) {
    *app = "";
    *rest = pf.positional;
    return 0;
  }
  *app = pf.positional.empty() ? "" : pf.positional[0];
  if (int rc = VerifyApp(ctx, *app)) return rc;
  *rest = Args(pf.positional.begin() + (pf.positional.empty() ? 0 : 1), pf.positional.end());
  return 0;
}

int Parse(Ctx& ctx, const std::string& cmd, const Args& args, FlagSpec spec, ParsedFlags* pf,
          std::string* app, Args* rest) {
  spec.bools.push_back("global");
  int code = 0;
  if (!ParseFlags(ctx, cmd, WithAppArg(ctx, args), spec, *pf, &code)) return code;
  return Target(ctx, *pf, app, rest);
}

Env LoadEnv(Ctx& ctx, const std::string& app, bool merged) {
  Env env = ToEnv(ConfigDoc(ctx, app));
  if (merged && !app.empty()) {
    Env global = ToEnv(ConfigDoc(ctx, ""));
    for (auto& [k, v] : env) global[k] = v;
    return global;
  }
  return env;
}

int Export(Ctx& ctx, const Args& args) {
  ParsedFlags pf;
  std::string app;
  Args rest;
  if (int rc = Parse(ctx, "config:export", args, {{"merged"}, {"format"}}, &pf, &app, &rest))
    return rc;
  Env env = LoadEnv(ctx, app, pf.Has("merged"));
  std::string format = pf.Get("format", "exports");
  std::string text, suffix = "\n";
  if (format == "exports") {
    text = WithPrefixAndSeparator(env, "export ", "\n");
  } else if (format == "envfile") {
    text = Envfile(env);
  } else if (format == "docker-args") {
    text = WithPrefixAndSeparator(env, "--env=", " ");
  } else if (format == "docker-args-keys" || format == "pack-keys") {
    std::vector<std::string> e;
    for (const auto& [k, v] : env) e.push_back((format == "pack-keys" ? "--env " : "--env=") + k);
    text = Join(e, " ");
  } else if (format == "shell") {
    text = WithPrefixAndSeparator(env, "", " ");
    suffix = " ";
  } else if (format == "pretty") {
    text = Pretty(env, "");
  } else if (format == "json") {
    text = GoJsonObject(env);
  } else if (format == "json-list") {
    if (env.empty()) {
      text = "null";
    } else {
      text = "[";
      bool first = true;
      for (const auto& [k, v] : env) {
        text += (first ? "" : ",") + std::string("{\"name\":") + GoJsonString(k) +
                ",\"value\":" + GoJsonString(v) + "}";
        first = false;
      }
      text += "]";
    }
  } else {
    return ctx.Fail("Unknown export format: " + format);
  }
  ctx.Out(text + suffix);
  return 0;
}

int Get(Ctx& ctx, const Args& args) {
  ParsedFlags pf;
  std::string app;
  Args keys;
  if (int rc = Parse(ctx, "config:get", args, {{"quoted"}, {}}, &pf, &app, &keys)) return rc;
  if (keys.empty()) return ctx.Fail("Expected: key");
  if (keys.size() != 1)
    return ctx.Fail("Unexpected argument(s): [" + Join(Args(keys.begin() + 1, keys.end()), " ") +
                    "]");
  Env env = LoadEnv(ctx, app, false);
  auto it = env.find(keys[0]);
  if (it == env.end()) return 1;
  if (pf.Has("quoted"))
    ctx.Line("'" + SingleQuoteEscape(it->second) + "'");
  else
    ctx.Line(it->second);
  return 0;
}

int Keys(Ctx& ctx, const Args& args) {
  ParsedFlags pf;
  std::string app;
  Args rest;
  if (int rc = Parse(ctx, "config:keys", args, {{"merged"}, {}}, &pf, &app, &rest)) return rc;
  for (const auto& [k, v] : LoadEnv(ctx, app, pf.Has("merged"))) ctx.Line(k);
  return 0;
}

int Show(Ctx& ctx, const Args& args) {
  ParsedFlags pf;
  std::string app;
  Args rest;
  if (int rc = Parse(ctx, "config:show", args, {{"merged"}, {}}, &pf, &app, &rest)) return rc;
  ctx.Info2Quiet((app.empty() ? "global" : app) + " env vars");
  ctx.Line(Pretty(LoadEnv(ctx, app, pf.Has("merged")), ""));
  return 0;
}

void MaybeRestart(Ctx& ctx, const std::string& app, bool restart) {
  if (app.empty() || !restart) return;
  Json& doc = ctx.store.App(app);
  if (Prop(doc, "ps", "restore") == "false") return;
  RestartIfDeployed(ctx, app, doc);
}

int Set(Ctx& ctx, const Args& args) {
  ParsedFlags pf;
  std::string app;
  Args pairs;
  if (int rc = Parse(ctx, "config:set", args, {{"encoded", "no-restart"}, {}}, &pf, &app, &pairs))
    return rc;
  if (pairs.empty()) return ctx.Fail("At least one env pair must be given");
  Env updated;
  for (const auto& p : pairs) {
    size_t eq = p.find('=');
    if (eq == std::string::npos) return ctx.Fail("Invalid env pair: " + p);
    std::string key = p.substr(0, eq), value = p.substr(eq + 1);
    if (pf.Has("encoded")) {
      std::string decoded, err;
      if (!DecodeBase64(value, &decoded, &err)) return ctx.Fail(err + " for key '" + key + "'");
      value = decoded;
    }
    updated[key] = value;
  }
  for (const auto& [k, v] : updated)
    if (!ValidKey(k)) return ctx.Fail("Invalid key name: '" + k + "'");
  Json& config = ConfigDoc(ctx, app);
  for (const auto& [k, v] : updated) config[k] = v;
  ctx.Info1Quiet("Setting config vars");
  if (!ctx.flags.quiet) ctx.Line(Pretty(updated, "       "));
  SaveConfig(ctx, app);
  MaybeRestart(ctx, app, !pf.Has("no-restart"));
  return 0;
}

int Unset(Ctx& ctx, const Args& args) {
  ParsedFlags pf;
  std::string app;
  Args keys;
  if (int rc = Parse(ctx, "config:unset", args, {{"no-restart"}, {}}, &pf, &app, &keys)) return rc;
  if (keys.empty()) return ctx.Fail("At least one key must be given");
  for (const auto& k : keys)
    if (!ValidKey(k)) return ctx.Fail("Invalid key name: '" + k + "'");
  Json& config = ConfigDoc(ctx, app);
  bool changed = false;
  for (const auto& k : keys) {
    if (config.contains(k)) {
      ctx.Info1Quiet("Unsetting " + k);
      config.erase(k);
      changed = true;
    } else {
      ctx.Info1Quiet("Skipping " + k + ", it is not set in the environment");
    }
  }
  if (changed) SaveConfig(ctx, app);
  MaybeRestart(ctx, app, !pf.Has("no-restart"));
  return 0;
}

int Clear(Ctx& ctx, const Args& args) {
  ParsedFlags pf;
  std::string app;
  Args rest;
  if (int rc = Parse(ctx, "config:clear", args, {{"no-restart"}, {}}, &pf, &app, &rest)) return rc;
  Json& config = ConfigDoc(ctx, app);
  if (!config.empty()) {
    for (auto it = config.begin(); it != config.end(); ++it)
      ctx.Info1Quiet("Unsetting " + it.key());
    config = Json::object();
    SaveConfig(ctx, app);
  }
  MaybeRestart(ctx, app, !pf.Has("no-restart"));
  return 0;
}

}  // namespace sim_config

void RegisterConfig(std::vector<Command>& c) {
  using namespace sim_config;
  c.push_back({"config:export", Export, false});
  c.push_back({"config:get", Get, false});
  c.push_back({"config:keys", Keys, false});
  c.push_back({"config:show", Show, false});
  c.push_back({"config", Show, false});
  c.push_back({"config:set", Set, true});
  c.push_back({"config:unset", Unset, true});
  c.push_back({"config:clear", Clear, true});
}

}  // namespace dokku_sim
