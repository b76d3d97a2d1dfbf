// postgres:* and redis:* (dokku-postgres / dokku-redis, §3.18).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_datastores {

// is_valid_service_name: ^[A-Za-z0-9_-]+$
constexpr char kServiceNameChars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

const char* kColors[] = {"AQUA",   "BLACK",  "BLUE",  "FUCHSIA", "GRAY",   "GREEN",
                         "LIME",   "MAROON", "NAVY",  "OLIVE",   "PURPLE", "RED",
                         "SILVER", "TEAL",   "WHITE", "YELLOW"};

struct Engine {
  std::string name;   // "postgres"
  std::string title;  // "Postgres"
  std::string upper;  // "POSTGRES"
  std::string primary_var;
};

const Engine kPostgres{"postgres", "Postgres", "POSTGRES", "DATABASE_URL"};
const Engine kRedis{"redis", "Redis", "REDIS", "REDIS_URL"};

std::string Host(const Engine& e, const std::string& svc) {
  std::string h = "dokku-" + e.name + "-" + svc;
  std::replace(h.begin(), h.end(), '_', '-');
  std::replace(h.begin(), h.end(), '.', '-');
  return h;
}

std::string Password(const Engine& e, const std::string& svc) {
  std::string hex = Sha256Hex(e.name + "/password/" + svc);
  return e.name == "postgres" ? hex.substr(0, 32) : hex;
}

std::string Url(Ctx& ctx, const Engine& e, const std::string& svc, const std::string& app) {
  std::string scheme_var = e.upper + "_DATABASE_SCHEME";
  std::string scheme = e.name;
  if (!app.empty()) {
    const Json& cfg = ctx.store.App(app)["config"];
    if (cfg.contains(scheme_var)) scheme = cfg[scheme_var].get<std::string>();
  }
  if (e.name == "postgres")
    return scheme + "://postgres:" + Password(e, svc) + "@" + Host(e, svc) + ":5432/" + svc;
  return scheme + "://:" + Password(e, svc) + "@" + Host(e, svc) + ":6379";
}

std::vector<std::string> Links(Ctx& ctx, const Engine& e, const std::string& svc) {
  Json& s = ctx.store.Service(e.name, svc);
  if (!s.contains("links")) return {};
  return s["links"].get<std::vector<std::string>>();
}

// service_linked_apps: "-" when none, else the LINKS file joined by spaces (trailing one).
std::string LinkedAppsText(Ctx& ctx, const Engine& e, const std::string& svc) {
  auto links = Links(ctx, e, svc);
  if (links.empty()) return "-";
  std::string o;
  for (const auto& l : links) o += l + " ";
  return o;
}

// The PORT file: the host side of each of PLUGIN_DATASTORE_PORTS (one for both plugins),
// `IP:PORT` or `PORT` as given to expose. Empty when not exposed.
std::vector<std::string> ExposedPorts(Ctx& ctx, const Engine& e, const std::string& svc) {
  Json& s = ctx.store.Service(e.name, svc);
  if (!s.contains("exposed")) return {};
  return s["exposed"].get<std::vector<std::string>>();
}

std::string DatastorePort(const Engine& e) { return e.name == "postgres" ? "5432" : "6379"; }

// service_exposed_ports: "-" when not exposed, else "<container>-><host> " per port (the
// trailing space stays: `$(...)` strips newlines only).
std::string ExposedPortsText(Ctx& ctx, const Engine& e, const std::string& svc) {
  auto ports = ExposedPorts(ctx, e, svc);
  if (ports.empty()) return "-";
  return DatastorePort(e) + "->" + ports[0] + " ";
}

bool HasArg(const Args& args, const std::string& flag) {
  return std::find(args.begin(), args.end(), flag) != args.end();
}

// Returns exit code when the service name is missing or unknown.
int RequireService(Ctx& ctx, const Engine& e, const std::string& svc) {
  if (svc.empty()) return ctx.Fail("Please specify a valid name for the service");
  if (!ctx.store.ServiceExists(e.name, svc))
    return ctx.Fail(e.title + " service " + svc + " does not exist");
  return 0;
}

int Info(Ctx& ctx, const Engine& e, const Args& args);
std::filesystem::path DataPath(Ctx& ctx, const Engine& e, const std::string& svc);

int Create(Ctx& ctx, const Engine& e, const Args& args) {
  Args pos;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].size() > 1 && args[i][0] == '-') {
      if (i + 1 < args.size()) ++i;
      continue;
    }
    pos.push_back(args[i]);
  }
  std::string svc = pos.empty() ? "" : pos[0];
  if (svc.empty() || svc.find_first_not_of(kServiceNameChars) != std::string::npos)
    return ctx.Fail(
        "Please specify a valid name for the service. Valid characters are: [A-Za-z0-9_]+");
  if (ctx.store.ServiceExists(e.name, svc))
    return ctx.Fail(e.title + " service " + svc + " already exists");
  Json& s = ctx.store.Service(e.name, svc);
  s = {{"created_at", std::to_string(NowUnix())}, {"links", Json::array()}};
  ctx.store.SaveService(e.name, svc);
  ctx.Verbose("Waiting for container to be ready");
  ctx.Info2(e.title + " container created: " + svc);
  return Info(ctx, e, {svc});
}

int List(Ctx& ctx, const Engine& e, const Args&) {
  auto services = ctx.store.Services(e.name);
  if (services.empty()) {
    ctx.Warn("There are no " + e.title + " services");
    return 0;
  }
  ctx.Info2Quiet(e.title + " services");
  for (const auto& s : services) ctx.Line(s);
  return 0;
}

int Exists(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.empty() ? "" : args[0];
  if (int rc = RequireService(ctx, e, svc)) return rc;
  ctx.Info1("Service " + svc + " exists");
  return 0;
}

int Info(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.empty() ? "" : args[0];
  if (int rc = RequireService(ctx, e, svc)) return rc;
  std::string root = "/var/lib/dokku/services/" + e.name + "/" + svc;
  std::vector<std::pair<std::string, std::string>> info = {
      {"--config-dir", root + (e.name == "postgres" ? "/data" : "/config")},
      {"--config-options", ""},
      {"--data-dir", root + "/data"},
      {"--dsn", Url(ctx, e, svc, "")},
      {"--exposed-ports", ExposedPortsText(ctx, e, svc)},
      {"--id", Sha256Hex(e.name + "/container/" + svc)},
      {"--internal-ip", "172.17.0.100"},
      {"--initial-network", ""},
      {"--links", LinkedAppsText(ctx, e, svc)},
      {"--post-create-network", ""},
      {"--post-start-network", ""},
      {"--service-root", root},
      {"--status", "running"},
      {"--version", e.name == "postgres" ? "postgres:18.1" : "redis:8.4.0"},
  };
  // service_info: `printf "%-20s %-25s"` rows; an info flag echoes its value (even empty).
  if (args.size() > 1) {
    std::string valid;
    for (const auto& [flag, value] : info) valid += " " + flag;
    for (const auto& [flag, value] : info) {
      if (args[1] == flag) {
        ctx.Line(value);
        return 0;
      }
    }
    return ctx.Fail("Invalid flag passed, valid flags:" + valid);
  }
  ctx.Info2Quiet(svc + " " + e.name + " service information");
  for (const auto& [flag, value] : info) {
    std::string key = flag.substr(2);
    std::replace(key.begin(), key.end(), '-', ' ');
    key[0] = static_cast<char>(std::toupper(key[0]));
    if (key.size() < 20) key.append(20 - key.size(), ' ');
    std::string v = value;
    if (v.size() < 25) v.append(25 - v.size(), ' ');
    ctx.Verbose(key + " " + v);
  }
  return 0;
}

// The plugin sets/unsets the variable through config:set/unset, so the app restarts like
// config:set would, unless --no-restart is anywhere on the command line.
void ConfigChangeRestart(Ctx& ctx, const std::string& app, bool no_restart) {
  if (no_restart) {
    ctx.Verbose("Skipping restart of linked app");
    return;
  }
  Json& a = ctx.store.App(app);
  if (Prop(a, "ps", "restore") == "false") return;
  RestartIfDeployed(ctx, app, a);
}

bool NoRestart(Ctx& ctx, const Args& raw) {
  return HasArg(raw, "--no-restart") || HasArg(ctx.flags.all, "--no-restart");
}

int Link(Ctx& ctx, const Engine& e, const Args& raw) {
  Args pos;
  std::string alias;
  std::string query;
  for (size_t i = 0; i < raw.size(); ++i) {
    if ((raw[i] == "-a" || raw[i] == "--alias") && i + 1 < raw.size()) {
      alias = raw[++i];
    } else if ((raw[i] == "-q" || raw[i] == "--querystring") && i + 1 < raw.size()) {
      query = raw[++i];
    } else if (raw[i].rfind("--", 0) != 0) {
      pos.push_back(raw[i]);
    }
  }
  std::string svc = pos.size() > 0 ? pos[0] : "";
  std::string app = pos.size() > 1 ? pos[1] : "";
  if (int rc = RequireService(ctx, e, svc)) return rc;
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  Json& a = ctx.store.App(app);
  Json& cfg = a["config"];
  std::string base_url = Url(ctx, e, svc, app);
  auto key_in_use = [&](const std::string& var) {
    for (auto it = cfg.begin(); it != cfg.end(); ++it)
      if (it.key().find(var) != std::string::npos) return true;
    return false;
  };
  std::string var;
  if (!alias.empty()) {
    if (key_in_use(alias + "_URL")) return ctx.Fail("Specified alias " + alias + " already in use");
    var = alias + "_URL";
  } else if (!key_in_use(e.primary_var)) {
    var = e.primary_var;
  } else {
    for (const char* color : kColors) {
      std::string candidate = "DOKKU_" + e.upper + "_" + color + "_URL";
      if (!key_in_use(candidate)) {
        var = candidate;
        break;
      }
    }
    if (var.empty()) return ctx.Fail("Unable to use default or generated URL alias");
  }
  for (auto it = cfg.begin(); it != cfg.end(); ++it)
    if (it.value().is_string() && it.value().get<std::string>().find(base_url) != std::string::npos)
      return ctx.Fail("Already linked as " + it.key());
  auto links = Links(ctx, e, svc);
  if (std::find(links.begin(), links.end(), app) == links.end()) links.push_back(app);
  ctx.store.Service(e.name, svc)["links"] = links;
  ctx.store.SaveService(e.name, svc);
  std::string container = "dokku." + e.name + "." + svc;
  for (const char* phase : {"build", "deploy", "run"})
    AddDockerOption(a, phase, "--link " + container + ":" + Host(e, svc));
  std::string url = base_url + (query.empty() ? "" : "?" + query);
  cfg[var] = url;
  ctx.store.SaveApp(app);
  ctx.Info1Quiet("Setting config vars");
  if (!ctx.flags.quiet) ctx.Verbose(var + ":  " + url);
  ConfigChangeRestart(ctx, app, NoRestart(ctx, raw));
  return 0;
}

int Unlink(Ctx& ctx, const Engine& e, const Args& raw) {
  Args pos;
  for (const auto& a : raw)
    if (a.rfind("--", 0) != 0) pos.push_back(a);
  std::string svc = pos.size() > 0 ? pos[0] : "";
  std::string app = pos.size() > 1 ? pos[1] : "";
  if (int rc = RequireService(ctx, e, svc)) return rc;
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  // As in service_unlink: the LINKS entry and the --link option go first, then the check.
  auto links = Links(ctx, e, svc);
  links.erase(std::remove(links.begin(), links.end(), app), links.end());
  ctx.store.Service(e.name, svc)["links"] = links;
  ctx.store.SaveService(e.name, svc);
  Json& a = ctx.store.App(app);
  for (const char* phase : {"build", "deploy", "run"})
    RemoveDockerOption(a, phase, "--link dokku." + e.name + "." + svc + ":" + Host(e, svc));
  ctx.store.SaveApp(app);
  Json& cfg = a["config"];
  std::string base_url = Url(ctx, e, svc, app);
  std::vector<std::string> drop;
  for (auto it = cfg.begin(); it != cfg.end(); ++it)
    if (it.value().is_string() && it.value().get<std::string>().find(base_url) != std::string::npos)
      drop.push_back(it.key());
  if (drop.empty()) return ctx.Fail("Not linked to app " + app);
  for (const auto& k : drop) {
    ctx.Info1Quiet("Unsetting " + k);
    cfg.erase(k);
  }
  ctx.store.SaveApp(app);
  ConfigChangeRestart(ctx, app, NoRestart(ctx, raw));
  return 0;
}

int Linked(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.size() > 0 ? args[0] : "";
  std::string app = args.size() > 1 ? args[1] : "";
  if (int rc = RequireService(ctx, e, svc)) return rc;
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  auto links = Links(ctx, e, svc);
  if (std::find(links.begin(), links.end(), app) == links.end())
    return ctx.Fail("Service " + svc + " is not linked to " + app);
  ctx.Info1("Service " + svc + " is linked to " + app);
  return 0;
}

int LinksCmd(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.empty() ? "" : args[0];
  if (int rc = RequireService(ctx, e, svc)) return rc;
  for (const auto& l : Links(ctx, e, svc)) ctx.Line(l);  // LINKS file order
  return 0;
}

int AppLinks(Ctx& ctx, const Engine& e, const Args& args) {
  std::string app = args.empty() ? "" : args[0];
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  for (const auto& svc : ctx.store.Services(e.name)) {
    auto links = Links(ctx, e, svc);
    if (std::find(links.begin(), links.end(), app) != links.end()) ctx.Line(svc);
  }
  return 0;
}

int Destroy(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.size() > 0 ? args[0] : "";
  std::string force_word = args.size() > 1 ? args[1] : "";
  if (int rc = RequireService(ctx, e, svc)) return rc;
  if (!Links(ctx, e, svc).empty()) return ctx.Fail("Cannot delete linked service");
  bool force =
      force_word == "-f" || force_word == "--force" || force_word == "force" || ctx.flags.force;
  if (!force) {
    ctx.Warn("WARNING: Potentially Destructive Action");
    ctx.Warn("This command will destroy " + svc + " " + e.title + " service.");
    ctx.Warn("To proceed, type \"" + svc + "\"");
    ctx.Line("");
    // `read -rp "> "` shows its prompt only when stdin is a terminal.
    const std::string& in = ctx.Stdin();
    std::string answer = in.substr(0, in.find('\n'));
    if (answer != svc) return ctx.Fail("Confirmation did not match " + svc + ". Aborted.");
  }
  ctx.Info2Quiet("Deleting " + svc);
  if (!ctx.flags.quiet) ctx.Verbose("Removing data");
  ctx.store.DeleteService(e.name, svc);
  std::error_code ec;
  std::filesystem::remove(DataPath(ctx, e, svc), ec);
  ctx.Info2(e.title + " container deleted: " + svc);
  return 0;
}

// service_port_expose (common-functions, shared by dokku-postgres 1.48.0 and dokku-redis
// 1.43.0). Besides the PORT file it calls service_start (quiet: the container runs already,
// nothing printed) and service_port_reconcile_status, which starts the
// `dokku.<plugin>.<svc>.ambassador` container publishing `-p <host>:<port>`; that container
// is not modelled beyond the PORT file. Without ports the plugin picks `$RANDOM`-based free
// ones; the simulator picks a fixed one from the name's hash.
int Expose(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.empty() ? "" : args[0];
  if (int rc = RequireService(ctx, e, svc)) return rc;
  std::vector<std::string> ports;
  for (size_t i = 1; i < args.size(); ++i)
    for (auto& w : SplitWs(args[i])) ports.push_back(w);  // PORTS=(${@:2}) word-splits
  if (ports.empty())
    ports.push_back(std::to_string(std::stoul(Sha256Hex(svc).substr(0, 4), nullptr, 16) % 32768));
  if (ports.size() != 1)
    return ctx.Fail("1 ports to be exposed need to be provided in the following order: " +
                    DatastorePort(e));
  auto current = ExposedPorts(ctx, e, svc);
  if (!current.empty())
    return ctx.Fail("Service " + svc + " already exposed on port(s) " + Join(current, " "));
  ctx.store.Service(e.name, svc)["exposed"] = ports;
  ctx.store.SaveService(e.name, svc);
  ctx.Info1("Service " + svc +
            " exposed on port(s) [container->host]: " + ExposedPortsText(ctx, e, svc));
  return 0;
}

// service_port_unexpose: removes the PORT file (and, through service_port_reconcile_status,
// stops and removes the ambassador container); prints the same line when not exposed.
int Unexpose(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.empty() ? "" : args[0];
  if (int rc = RequireService(ctx, e, svc)) return rc;
  ctx.store.Service(e.name, svc).erase("exposed");
  ctx.store.SaveService(e.name, svc);
  ctx.Info1("Service " + svc + " unexposed");
  return 0;
}

// The service's data as opaque bytes: what `export` prints (pg_dump -Fc / dump.rdb in the
// real plugins) and what `import` replaces. Kept beside the service's JSON document.
std::filesystem::path DataPath(Ctx& ctx, const Engine& e, const std::string& svc) {
  return ctx.store.root() / "services" / e.name / (svc + ".data");
}

bool CopyFd(int from, int to) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(from, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) return false;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(to, buf + off, static_cast<size_t>(n - off));
      if (w <= 0) return false;
      off += w;
    }
  }
}

// service_export (functions): `docker container exec <container> pg_dump -Fc ...` (postgres)
// or BGSAVE then `cat /data/dump.rdb` (redis) straight to stdout; changes nothing. Streamed
// here too, so a large export never sits in the simulator's memory.
int Export(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.empty() ? "" : args[0];
  if (int rc = RequireService(ctx, e, svc)) return rc;
  int fd = open(DataPath(ctx, e, svc).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;  // a fresh service: an empty dump
  bool ok = CopyFd(fd, 1);
  close(fd);
  return ok ? 0 : 1;
}

// service_import (functions): fails when stdin is a terminal; postgres pipes stdin into
// `pg_restore -cO --if-exists` (clean: the dump's objects replace existing ones), redis
// removes the service container, replaces dump.rdb with stdin and starts the service again
// (quietly). Either way the data becomes the stdin bytes; nothing is printed.
int Import(Ctx& ctx, const Engine& e, const Args& args) {
  std::string svc = args.empty() ? "" : args[0];
  if (int rc = RequireService(ctx, e, svc)) return rc;
  if (isatty(0)) return ctx.Fail("No data provided on stdin.");
  std::filesystem::path path = DataPath(ctx, e, svc);
  std::filesystem::path tmp = path.string() + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ctx.Fail("import: cannot write " + tmp.string());
  bool ok = CopyFd(0, fd);
  close(fd);
  if (!ok) return ctx.Fail("import: reading stdin failed");
  std::rename(tmp.c_str(), path.c_str());
  return 0;
}

#define DATASTORE_COMMANDS(E, prefix)                                       \
  int prefix##Create(Ctx& c, const Args& a) { return Create(c, E, a); }     \
  int prefix##List(Ctx& c, const Args& a) { return List(c, E, a); }         \
  int prefix##Exists(Ctx& c, const Args& a) { return Exists(c, E, a); }     \
  int prefix##Info(Ctx& c, const Args& a) { return Info(c, E, a); }         \
  int prefix##Link(Ctx& c, const Args& a) { return Link(c, E, a); }         \
  int prefix##Unlink(Ctx& c, const Args& a) { return Unlink(c, E, a); }     \
  int prefix##Linked(Ctx& c, const Args& a) { return Linked(c, E, a); }     \
  int prefix##Links(Ctx& c, const Args& a) { return LinksCmd(c, E, a); }    \
  int prefix##AppLinks(Ctx& c, const Args& a) { return AppLinks(c, E, a); } \
  int prefix##Destroy(Ctx& c, const Args& a) { return Destroy(c, E, a); }   \
  int prefix##Expose(Ctx& c, const Args& a) { return Expose(c, E, a); }     \
  int prefix##Unexpose(Ctx& c, const Args& a) { return Unexpose(c, E, a); } \
  int prefix##Export(Ctx& c, const Args& a) { return Export(c, E, a); }     \
  int prefix##Import(Ctx& c, const Args& a) { return Import(c, E, a); }

DATASTORE_COMMANDS(kPostgres, Pg)
DATASTORE_COMMANDS(kRedis, Rd)

}  // namespace sim_datastores

void UnlinkAllServices(Ctx& ctx, const std::string& app) {
  using namespace sim_datastores;
  for (const Engine* e : {&kPostgres, &kRedis}) {
    for (const auto& svc : ctx.store.Services(e->name)) {
      auto links = Links(ctx, *e, svc);
      auto it = std::find(links.begin(), links.end(), app);
      if (it == links.end()) continue;
      links.erase(it);
      ctx.store.Service(e->name, svc)["links"] = links;
      ctx.store.SaveService(e->name, svc);
    }
  }
}

void RegisterDatastores(std::vector<Command>& c) {
  using namespace sim_datastores;
  c.push_back({"postgres:create", PgCreate, true});
  c.push_back({"postgres:list", PgList, false});
  c.push_back({"postgres:exists", PgExists, false});
  c.push_back({"postgres:info", PgInfo, false});
  c.push_back({"postgres:link", PgLink, true});
  c.push_back({"postgres:unlink", PgUnlink, true});
  c.push_back({"postgres:linked", PgLinked, false});
  c.push_back({"postgres:links", PgLinks, false});
  c.push_back({"postgres:app-links", PgAppLinks, false});
  c.push_back({"postgres:destroy", PgDestroy, true});
  c.push_back({"postgres:expose", PgExpose, true});
  c.push_back({"postgres:unexpose", PgUnexpose, true});
  c.push_back({"postgres:export", PgExport, false});
  c.push_back({"postgres:import", PgImport, true});
  c.push_back({"redis:create", RdCreate, true});
  c.push_back({"redis:list", RdList, false});
  c.push_back({"redis:exists", RdExists, false});
  c.push_back({"redis:info", RdInfo, false});
  c.push_back({"redis:link", RdLink, true});
  c.push_back({"redis:unlink", RdUnlink, true});
  c.push_back({"redis:linked", RdLinked, false});
  c.push_back({"redis:links", RdLinks, false});
  c.push_back({"redis:app-links", RdAppLinks, false});
  c.push_back({"redis:destroy", RdDestroy, true});
  c.push_back({"redis:expose", RdExpose, true});
  c.push_back({"redis:unexpose", RdUnexpose, true});
  c.push_back({"redis:export", RdExport, false});
  c.push_back({"redis:import", RdImport, true});
}

}  // namespace dokku_sim
