// network:* (§3.15) and storage:* legacy bind mounts (§3.14).
#include <algorithm>

#include "tests/dokku-sim/sim.h"
#include "tests/dokku-sim/sim_confirm.h"

namespace dokku_sim {

namespace sim_network_storage {

std::string First(std::initializer_list<std::string> v) {
  for (const auto& s : v)
    if (!s.empty()) return s;
  return "";
}

// ---- network ----

const std::vector<std::string> kBuiltinNetworks = {"bridge", "host", "none"};

std::vector<std::string> CreatedNetworks(Ctx& ctx) {
  Json& g = ctx.store.Global();
  if (!g.contains("networks")) return {};
  return g["networks"].get<std::vector<std::string>>();
}

bool NetworkExists(Ctx& ctx, const std::string& n) {
  auto created = CreatedNetworks(ctx);
  return std::find(kBuiltinNetworks.begin(), kBuiltinNetworks.end(), n) != kBuiltinNetworks.end() ||
         std::find(created.begin(), created.end(), n) != created.end();
}

int NetworkCreate(Ctx& ctx, const Args& args) {
  std::string n = args.empty() ? "" : args[0];
  if (n.empty()) return ctx.Fail("No network name specified");
  ctx.Info1Quiet("Creating network " + n);
  if (NetworkExists(ctx, n))
    return ctx.Fail("Unable to create network: Error response from daemon: network with name " + n +
                    " already exists");
  auto created = CreatedNetworks(ctx);
  created.push_back(n);
  ctx.store.Global()["networks"] = created;
  ctx.store.SaveGlobal();
  return 0;
}

int NetworkDestroy(Ctx& ctx, const Args& args) {
  Args pos;
  for (const auto& a : args)
    if (a != "--force") pos.push_back(a);
  std::string n = pos.empty() ? "" : pos[0];
  if (n.empty()) return ctx.Fail("No network name specified");
  if (!NetworkExists(ctx, n)) return ctx.Fail("Network does not exist");
  if (!ctx.flags.force) {
    if (int rc = AskForDestructiveConfirmation(ctx, n, "network")) return rc;
  }
  ctx.Info1Quiet("Destroying network " + n);
  auto created = CreatedNetworks(ctx);
  if (std::find(created.begin(), created.end(), n) == created.end())
    return ctx.Fail("Unable to destroy network: Error response from daemon: " + n +
                    " is a pre-defined network and cannot be removed");
  created.erase(std::remove(created.begin(), created.end(), n), created.end());
  ctx.store.Global()["networks"] = created;
  ctx.store.SaveGlobal();
  return 0;
}

int NetworkExistsCmd(Ctx& ctx, const Args& args) {
  std::string n = args.empty() ? "" : args[0];
  if (n.empty()) return ctx.Fail("No network name specified");
  if (!NetworkExists(ctx, n)) return ctx.Fail("Network does not exist");
  ctx.Info1Quiet("Network exists");
  return 0;
}

int NetworkList(Ctx& ctx, const Args& args) {
  FlagSpec spec{{"dokku-managed"}, {"format"}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "network:list", args, spec, pf, &code)) return code;
  auto created = CreatedNetworks(ctx);
  std::vector<std::pair<std::string, bool>> all;
  if (!pf.Has("dokku-managed"))
    for (const auto& b : kBuiltinNetworks) all.emplace_back(b, false);
  for (const auto& c : created) all.emplace_back(c, true);
  std::sort(all.begin(), all.end());
  if (pf.Get("format") == "json") {
    std::string o = "[\n";
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& [name, managed] = all[i];
      std::string driver = name == "host" ? "host" : name == "none" ? "null" : "bridge";
      std::string labels =
          managed ? "{\"com.dokku.network-name\":" + GoJsonString(name) + "}" : "{}";
      o += "    {\"CreatedAt\":\"2024-02-25T01:55:24.275184461Z\",\"DokkuManaged\":" +
           std::string(managed ? "true" : "false") + ",\"Driver\":\"" + driver + "\",\"ID\":\"" +
           Sha256Hex("network/" + name).substr(0, 12) +
           "\",\"Internal\":false,\"IPv6\":false,\"Labels\":" + labels +
           ",\"Name\":" + GoJsonString(name) + ",\"Scope\":\"local\"}" +
           (i + 1 < all.size() ? "," : "") + "\n";
    }
    ctx.Line(o + "]");
    return 0;
  }
  ctx.Info2Quiet("Networks");
  for (const auto& [name, managed] : all) ctx.Line(name);
  return 0;
}

const std::vector<std::string> kNetworkProps = {"attach-post-create",  "attach-post-deploy",
                                                "bind-all-interfaces", "initial-network",
                                                "static-web-listener", "tld"};

int NetworkSet(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.size() > 0 ? args[0] : "";
  std::string prop = args.size() > 1 ? args[1] : "";
  if (app != "--global") {
    if (int rc = VerifyApp(ctx, app)) return rc;
  }
  Args set_args(args.begin(), args.begin() + std::min<size_t>(2, args.size()));
  if (prop == "attach-post-create" || prop == "attach-post-deploy") {
    // network/subcommands.go CommandSet: host/bridge refused, a network may only be in one of
    // the two attach lists, several names are stored comma-joined.
    std::string other = prop == "attach-post-create" ? "attach-post-deploy" : "attach-post-create";
    Json& doc = app == "--global" ? ctx.store.Global() : ctx.store.App(app);
    std::string other_value = "," + Prop(doc, "network", other) + ",";
    for (size_t i = 2; i < args.size(); ++i) {
      if (args[i] == "host" || args[i] == "bridge")
        return ctx.Fail("Invalid network name specified for attach: " + args[i]);
      if (other_value.find("," + args[i] + ",") != std::string::npos)
        return ctx.Fail("Network name already associated with this app: " + args[i]);
    }
    if (args.size() > 2) set_args.push_back(Join(Args(args.begin() + 2, args.end()), ","));
  } else if (args.size() > 2) {
    set_args.push_back(args[2]);
  }
  ctx.flags.has_app = false;  // WithAppArg already applied
  return PropertySet(ctx, "network", set_args, kNetworkProps,
                     {"attach-post-create", "attach-post-deploy", "bind-all-interfaces",
                      "initial-network", "tld"});
}

bool CollectNetwork(Ctx& ctx, const std::string& app, FlagValues& f) {
  const char* props[] = {"attach-post-create", "attach-post-deploy", "bind-all-interfaces",
                         "initial-network", "tld"};
  for (const char* p : props) {
    std::string g = GlobalProp(ctx, "network", p);
    f[std::string("--network-global-") + p] = g;
    std::string def = std::string(p) == "bind-all-interfaces" ? "false" : "";
    if (app == "--global") {
      f[std::string("--network-computed-") + p] = First({g, def});
      continue;
    }
    std::string v = Prop(ctx.store.App(app), "network", p);
    f[std::string("--network-") + p] = v;
    f[std::string("--network-computed-") + p] = First({v, g, def});
  }
  if (app == "--global") return true;
  const Json& a = ctx.store.App(app);
  f["--network-static-web-listener"] = Prop(a, "network", "static-web-listener");
  std::vector<std::string> listeners;
  if (a.value("deployed", false) && a.contains("containers")) {
    int n = 2;
    for (const auto& c : a["containers"])
      if (c.value("proc", "") == "web" && c.value("status", "") == "running")
        listeners.push_back("172.17.0." + std::to_string(n++) + ":5000");
  }
  f["--network-web-listeners"] = Join(listeners, " ");
  return true;
}

int NetworkReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"network", true, true, true}, CollectNetwork);
}

// ---- storage (legacy host:container mounts) ----

// storage.VerifyPaths: `^/.*:/` for host paths, `^[a-zA-Z0-9][a-zA-Z0-9_.-]+:/` for volumes.
bool VerifyPaths(const std::string& p, std::string* err) {
  if (!p.empty() && p[0] == '/') {
    if (p.find(":/") == std::string::npos) {
      *err = "Storage path must be two valid paths divided by colon.";
      return false;
    }
    return true;
  }
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  size_t i = 1;
  while (i < p.size() && (alnum(p[i]) || p[i] == '_' || p[i] == '.' || p[i] == '-')) ++i;
  bool ok = !p.empty() && alnum(p[0]) && i >= 2 && p.compare(i, 2, ":/") == 0;
  if (!ok) {
    *err =
        "Volume name must be two characters or more. Volume name must not contain invalid "
        "characters. Storage path must be two valid paths divided by colon.";
    return false;
  }
  return true;
}

std::vector<std::string> Mounts(const Json& a) {
  if (!a.contains("mounts")) return {};
  return a["mounts"].get<std::vector<std::string>>();
}

int StorageChange(Ctx& ctx, const Args& raw, bool mount) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  std::string path = args.size() > 1 ? args[1] : "";
  std::string err;
  if (!VerifyPaths(path, &err)) return ctx.Fail(err);
  Json& a = ctx.store.App(app);
  auto mounts = Mounts(a);
  bool present = std::find(mounts.begin(), mounts.end(), path) != mounts.end();
  if (mount) {
    if (present) return ctx.Fail("Mount path already exists.");
    mounts.push_back(path);
  } else {
    if (!present) return ctx.Fail("Mount path does not exist.");
    mounts.erase(std::remove(mounts.begin(), mounts.end(), path), mounts.end());
  }
  a["mounts"] = mounts;
  ctx.store.SaveApp(app);
  return 0;
}
int StorageMount(Ctx& ctx, const Args& a) { return StorageChange(ctx, a, true); }
int StorageUnmount(Ctx& ctx, const Args& a) { return StorageChange(ctx, a, false); }

struct MountParts {
  std::string host, container, options;
};

MountParts SplitMount(const std::string& m) {
  MountParts p;
  size_t c1 = m.find(':');
  p.host = m.substr(0, c1);
  std::string rest = c1 == std::string::npos ? "" : m.substr(c1 + 1);
  size_t c2 = rest.find(':');
  p.container = rest.substr(0, c2);
  if (c2 != std::string::npos) p.options = rest.substr(c2 + 1);
  return p;
}

int StorageList(Ctx& ctx, const Args& args) {
  FlagSpec spec{{}, {"format"}};
  ParsedFlags pf;
  int code = 0;
  if (!ParseFlags(ctx, "storage:list", WithAppArg(ctx, args), spec, pf, &code)) return code;
  std::string app = pf.positional.empty() ? "" : pf.positional[0];
  if (int rc = VerifyApp(ctx, app)) return rc;
  std::string format = pf.Get("format", "text");
  if (format != "text" && format != "json") return ctx.Fail("Invalid --format value specified");
  auto mounts = Mounts(ctx.store.App(app));
  if (format == "json") {
    std::string o = "[";
    for (size_t i = 0; i < mounts.size(); ++i) {
      MountParts p = SplitMount(mounts[i]);
      o += (i ? "," : "") + std::string("{\"entry_name\":") +
           GoJsonString("legacy-" + Sha256Hex(mounts[i]).substr(0, 12)) +
           ",\"host_path\":" + GoJsonString(p.host) +
           ",\"container_path\":" + GoJsonString(p.container);
      if (p.options.find("ro") != std::string::npos) o += ",\"readonly\":true";
      o += "}";
    }
    ctx.Line(mounts.empty() ? "null" : o + "]");
    return 0;
  }
  ctx.Info1Quiet(app + " volume bind-mounts:");
  for (const auto& m : mounts) {
    if (ctx.flags.quiet)
      ctx.Line(m);
    else
      ctx.Verbose(m);
  }
  return 0;
}

bool CollectStorage(Ctx& ctx, const std::string& app, FlagValues& f) {
  if (app == "--global") return true;
  auto mounts = Mounts(ctx.store.App(app));
  std::vector<std::string> v;
  for (const auto& m : mounts) v.push_back("-v " + m);
  f["--storage-build-mounts"] = "";
  f["--storage-deploy-mounts"] = Join(v, " ");
  f["--storage-run-mounts"] = Join(v, " ");
  int i = 0;
  for (const auto& m : mounts) {
    MountParts p = SplitMount(m);
    std::string pre = "--storage-attachment." + std::to_string(++i) + ".";
    f[pre + "entry-name"] = "legacy-" + Sha256Hex(m).substr(0, 12);
    f[pre + "host-path"] = p.host;
    f[pre + "container-path"] = p.container;
    f[pre + "phases"] = "deploy,run";
    f[pre + "process-type"] = "";
    f[pre + "subpath"] = "";
    f[pre + "readonly"] = p.options.find("ro") != std::string::npos ? "true" : "false";
    f[pre + "volume-options"] = "";
    f[pre + "volume-chown"] = "";
  }
  return true;
}

int StorageReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"storage", true, true, true}, CollectStorage);
}

}  // namespace sim_network_storage

void RegisterNetworkStorage(std::vector<Command>& c) {
  using namespace sim_network_storage;
  c.push_back({"network:create", NetworkCreate, true});
  c.push_back({"network:destroy", NetworkDestroy, true});
  c.push_back({"network:exists", NetworkExistsCmd, false});
  c.push_back({"network:list", NetworkList, false});
  c.push_back({"network:set", NetworkSet, true});
  c.push_back({"network:report", NetworkReport, false});
  c.push_back({"storage:mount", StorageMount, true});
  c.push_back({"storage:unmount", StorageUnmount, true});
  c.push_back({"storage:list", StorageList, false});
  c.push_back({"storage:report", StorageReport, false});
}

}  // namespace dokku_sim
