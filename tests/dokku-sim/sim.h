// The Dokku simulator: shared types. One invocation = one Ctx over one Store (the state
// folder). Handlers print into the Ctx buffers and return the exit code; main() writes the
// buffers out at the end. See tests/dokku-sim/README.md for the state layout.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace dokku_sim {

using Json = nlohmann::json;
using Args = std::vector<std::string>;

// The state folder: global.json, apps/<app>.json, services/<engine>/<svc>.json. Documents
// are loaded on first use and written back atomically (temp file + rename) on Save*.
class Store {
 public:
  explicit Store(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  bool changed() const { return changed_; }

  // App names in directory-name order, like Dokku's os.ReadDir listing.
  std::vector<std::string> Apps() const;
  bool AppExists(const std::string& name) const;
  Json& App(const std::string& name);  // loads (or an empty object when missing)
  void SaveApp(const std::string& name);
  void DeleteApp(const std::string& name);

  Json& Global();
  void SaveGlobal();

  std::vector<std::string> Services(const std::string& engine) const;
  bool ServiceExists(const std::string& engine, const std::string& name) const;
  Json& Service(const std::string& engine, const std::string& name);
  void SaveService(const std::string& engine, const std::string& name);
  void DeleteService(const std::string& engine, const std::string& name);

 private:
  Json& Load(const std::filesystem::path& path);
  void Save(const std::filesystem::path& path);
  std::filesystem::path AppPath(const std::string& name) const;
  std::filesystem::path ServicePath(const std::string& engine, const std::string& name) const;

  std::filesystem::path root_;
  std::map<std::filesystem::path, Json> cache_;
  bool changed_ = false;
};

// Global flags read from anywhere on the command line (§1.1).
struct GlobalFlags {
  bool quiet = false;
  bool force = false;
  std::string app;  // --app X (DOKKU_APP_NAME)
  bool has_app = false;
  std::vector<std::string> all;  // every `--...` word, like DOKKU_GLOBAL_FLAGS
};

struct Ctx {
  Store& store;
  GlobalFlags flags;
  std::string out;
  std::string err;
  std::string stdin_data;
  bool stdin_read = false;

  void Out(std::string_view s) { out.append(s); }
  void Err(std::string_view s) { err.append(s); }
  void Line(std::string_view s) {
    out.append(s);
    out.push_back('\n');
  }
  // Dokku's log helpers (§1.2).
  void Info1(std::string_view m);       // "-----> m", always
  void Info1Quiet(std::string_view m);  // hidden by --quiet
  void Info2(std::string_view m);       // "=====> m", always
  void Info2Quiet(std::string_view m);  // hidden by --quiet
  void Verbose(std::string_view m);     // 7 spaces
  void Warn(std::string_view m);        // " !     m" on stderr
  int Fail(std::string_view m, int code = 1) {
    Warn(m);
    return code;
  }
  // Reads all of stdin once (for confirmation prompts).
  const std::string& Stdin();
};

using Handler = int (*)(Ctx&, const Args&);

struct Command {
  const char* name;
  Handler fn;
  bool changes;  // takes the exclusive lock
};

// Each sim_*.cpp registers its commands through one of these.
void RegisterApps(std::vector<Command>& out);
void RegisterConfig(std::vector<Command>& out);
void RegisterDomains(std::vector<Command>& out);
void RegisterPortsProxy(std::vector<Command>& out);
void RegisterPs(std::vector<Command>& out);
void RegisterGit(std::vector<Command>& out);
void RegisterMisc(std::vector<Command>& out);
void RegisterNetworkStorage(std::vector<Command>& out);
void RegisterDatastores(std::vector<Command>& out);
void RegisterDockerOptions(std::vector<Command>& out);
void RegisterLetsencrypt(std::vector<Command>& out);
void RegisterNginx(std::vector<Command>& out);
void RegisterGitAuth(std::vector<Command>& out);

// git:sync's clone of `remote` at `ref` (sim_git_auth.cpp): false, with git's error on stderr,
// when a loopback http remote refuses it (say, no netrc entry); `sha` then gets the commit the
// remote's ref names. Other remotes are taken as reachable and `sha` is left as it is.
bool ResolveRemoteRef(Ctx& ctx, const std::string& remote, const std::string& ref,
                      std::string& sha);

// ---- shared helpers (sim_util.cpp) ----

// Go encoding/json string encoding (HTML-safe escapes, invalid UTF-8 -> U+FFFD).
std::string GoJsonString(std::string_view s);
// Compact object with sorted keys, all values strings.
std::string GoJsonObject(const std::map<std::string, std::string>& m);

// ryanuber/columnize with the given delimiter, prefix and glue "  ".
std::string Columnize(const std::vector<std::string>& lines, const std::string& delim,
                      const std::string& prefix);

std::string Sha256Hex(std::string_view data);
std::string Sha1Hex(std::string_view data);
long long NowUnix();
std::vector<std::string> SplitWs(std::string_view s);
std::string Join(const std::vector<std::string>& v, std::string_view sep);

// App name checks (§1.3). VerifyApp = Go VerifyAppName; VerifyAppBash = bash
// verify_app_name (any failure -> exit 20). Both return 0 when the app exists.
int VerifyApp(Ctx& ctx, const std::string& app);
int VerifyAppBash(Ctx& ctx, const std::string& app);

// Plugin properties: <doc>["props"][plugin][key]; empty when unset.
std::string Prop(const Json& doc, const std::string& plugin, const std::string& key);
void SetProp(Json& doc, const std::string& plugin, const std::string& key,
             const std::string& value);  // empty value deletes
std::string GlobalProp(Ctx& ctx, const std::string& plugin, const std::string& key);

// common.CommandPropertySet: `<plugin>:set (<app>|--global) <prop> [value...]` with the
// valid property lists; prints "=====> Setting p to v" / "=====> Unsetting p".
int PropertySet(Ctx& ctx, const std::string& plugin, const Args& args,
                const std::vector<std::string>& valid, const std::vector<std::string>& global);
// The same once the caller has picked app, property and value out of its arguments.
int PropertySetValue(Ctx& ctx, const std::string& plugin, const std::string& app,
                     const std::string& property, const std::string& value,
                     const std::vector<std::string>& valid, const std::vector<std::string>& global);

// A pflag-like parser: known boolean and string flags anywhere; `--` ends flags; global
// flags are accepted and ignored. Returns false (after printing pflag's error, exit 2 set in
// *code) on an unknown flag.
struct FlagSpec {
  std::vector<std::string> bools;
  std::vector<std::string> strings;
};
struct ParsedFlags {
  std::map<std::string, std::string> values;  // bool flags get "true"
  Args positional;
  bool Has(const std::string& f) const { return values.count(f) > 0; }
  std::string Get(const std::string& f, const std::string& def = "") const {
    auto it = values.find(f);
    return it == values.end() ? def : it->second;
  }
};
bool ParseFlags(Ctx& ctx, const std::string& cmd, const Args& args, const FlagSpec& spec,
                ParsedFlags& out, int* code);

// Core plugins get `--app X` put in front of their arguments.
Args WithAppArg(Ctx& ctx, const Args& args);

// Deploy model (sim_ps.cpp).
bool HasSource(const Json& app);
// The ps plugin's post-create trigger (plugins/ps/triggers.go TriggerPostCreate): every new
// app gets the formation web=1.
void PsPostCreate(Json& app);
void Deploy(Ctx& ctx, const std::string& name, Json& app);
void StopApp(Json& app);
// Restart when deployed (config:set semantics): prints "Restarting app" and redeploys.
void RestartIfDeployed(Ctx& ctx, const std::string& name, Json& app);

// Generic report (sim_report.cpp).
struct ReportOptions {
  std::string type;    // "ps", "app", ...
  bool legacy = true;  // emit <type>-<prop> keys in JSON
  bool ucfirst = true;
  bool drop_multi_flag_error = true;  // two info flags: print nothing, exit 0
  // The pflag FlagSet name in "Usage of <name>:" (nginx's is "nginx-vhosts:report");
  // empty: "<type>:report".
  std::string flagset = "";
};
using FlagValues = std::map<std::string, std::string>;
// A FlagValues key starting with this marker is a JSON-only key whose value is raw JSON
// (docker-options' `*-list` arrays): left out of stdout, info flags and legacy keys.
inline constexpr char kRawJsonMarker[] = "\x01";
// Collects the flag -> value map for one app (or "--global"). Returns false if the app
// should print nothing (resource quirk).
using Collector = bool (*)(Ctx&, const std::string& app, FlagValues& out);
int RunReport(Ctx& ctx, const Args& args, const ReportOptions& opt, Collector collect);

// The node's global vhosts; "dokku.me" until domains:*-global changes it (sim_domains.cpp).
std::vector<std::string> GlobalVhosts(Ctx& ctx);
std::vector<std::string> AppVhosts(const Json& app);

// docker-options of the default process scope (sim_docker_options.cpp).
void AddDockerOption(Json& app, const std::string& phase, const std::string& option);
void RemoveDockerOption(Json& app, const std::string& phase, const std::string& option);

// Properties written for an app before it existed (nginx:set checks no app): apps:create
// takes them over (sim_nginx.cpp).
void AdoptOrphanProps(Ctx& ctx, const std::string& app, Json& doc);

// Datastore hooks used by apps:destroy (sim_datastores.cpp).
void UnlinkAllServices(Ctx& ctx, const std::string& app);

}  // namespace dokku_sim
