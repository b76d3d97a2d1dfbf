#include "reconciler/plan/app_plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/text.h"
#include "manifests-schema/secrets_file.h"
#include "providers/dokku/build_context.h"
#include "providers/dokku/derived_config.h"
#include "reconciler/plan/theme_upgrade.h"

namespace dflow {
namespace {

using Strings = std::vector<std::string>;

const ObservedApp& EmptyApp() {
  static const ObservedApp kEmpty;
  return kEmpty;
}

Strings Split(const std::string& text, char separator) {
  Strings parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string ConfigValue(const ObservedApp& live, const std::string& key) {
  auto it = live.config.find(key);
  return it == live.config.end() ? "" : it->second;
}

bool HasConfig(const ObservedApp& live, const std::string& key) {
  return live.config.contains(key);
}

constexpr const char* kRecordContextReason = "record deployed build context";

bool IsLabelProxy(const std::string& type) {
  return type == "traefik" || type == "caddy" || type == "haproxy";
}

// Builds the actions of one app and records which restart they need.
class AppPlanner {
 public:
  explicit AppPlanner(const AppContext& context)
      : spec_(*context.spec),
        live_(context.live ? *context.live : EmptyApp()),
        exists_(context.live != nullptr),
        context_(context) {}

  AppPlan Run() {
    if (!exists_) Add(ActionKind::kCreateApp, "app missing");
    NoteUpgrade();
    PlanConfig();
    PlanBuilderAndProxy();
    PlanDomainsAndPorts();
    PlanChecks();
    PlanResources("limit", spec_.resource_limits, ActionKind::kSetResourceLimits);
    PlanResources("reserve", spec_.resource_reservations, ActionKind::kSetResourceReservations);
    PlanStorage();
    PlanNetworks();
    PlanLinks();
    PlanDatastoreConfig();
    const bool deploying = WillDeploy();
    PlanScale(deploying);
    PlanDeploy();
    PlanRestart(deploying);
    ApplySelfHealPolicy();
    return std::move(plan_);
  }

 private:
  Action& Add(ActionKind kind, std::string reason) {
    Action action;
    action.kind = kind;
    action.node = context_.node->node.name;
    action.app = spec_.name;
    action.environment = spec_.environment;
    action.reason = std::move(reason);
    plan_.actions.push_back(std::move(action));
    return plan_.actions.back();
  }

  void NeedRestart(const std::string& cause) {
    if (!Contains(restart_causes_, cause)) restart_causes_.push_back(cause);
  }
  void NeedRebuild(const std::string& cause) {
    if (!Contains(rebuild_causes_, cause)) rebuild_causes_.push_back(cause);
  }

  // A product version change of a theme: an upgrade, with the theme's notes on the way.
  void NoteUpgrade() {
    const std::string live = ConfigValue(live_, kThemeReleaseKey);
    std::optional<ThemeUpgradeStep> step = ThemeUpgradeOf(spec_, live);
    if (!step) return;
    plan_.notes.push_back({NoteKind::kInfo, spec_.name, step->Describe(), spec_.environment});
  }

  // --- config -------------------------------------------------------------------------

  void PlanConfig() {
    std::map<std::string, ConfigEntry> sets;
    Strings reasons;
    PlanPlainConfig(sets, reasons);
    PlanSecrets(sets, reasons);
    if (!reasons.empty()) NeedRestart("config");
    PlanMarkers(sets, reasons);
    if (!sets.empty()) {
      Action& action = Add(ActionKind::kSetConfig, Join(reasons, "; "));
      for (auto& [key, entry] : sets) action.config.push_back(std::move(entry));
    }
    PlanUnsets();
  }

  void PlanPlainConfig(std::map<std::string, ConfigEntry>& sets, Strings& reasons) {
    for (const auto& [key, value] : spec_.config) {
      if (HasConfig(live_, key) && ConfigValue(live_, key) == value) continue;
      reasons.push_back("config " + key + (HasConfig(live_, key) ? " changed" : " added"));
      sets[key] = ConfigEntry{key, value, false, ""};
    }
  }

  void PlanSecrets(std::map<std::string, ConfigEntry>& sets, Strings& reasons) {
    if (spec_.secret_keys.empty() && spec_.derived_config.empty()) return;
    const std::map<std::string, std::string>& values = AppSecretValues();
    for (const auto& key : spec_.secret_keys) {
      const std::string hash = Sha256Hex(values.at(key));
      if (HasConfig(live_, key) && Sha256Hex(ConfigValue(live_, key)) == hash) continue;
      reasons.push_back("secret " + key + (HasConfig(live_, key) ? " changed" : " added"));
      sets[key] = ConfigEntry{key, "", true, hash};
    }
    // Theme config made of generated and secrets-file values only: complete already
    // (derived_values.h), so planned like a secret.
    for (const auto& [key, parts] : spec_.derived_config) {
      auto value = values.find(key);
      if (NeedsDatastore(parts) || value == values.end()) continue;
      const std::string hash = Sha256Hex(value->second);
      if (HasConfig(live_, key) && Sha256Hex(ConfigValue(live_, key)) == hash) continue;
      reasons.push_back("secret " + key + (HasConfig(live_, key) ? " changed" : " added") + " (" +
                        Origin(parts) + ")");
      sets[key] = ConfigEntry{key, "", true, hash};
    }
  }

  const std::map<std::string, std::string>& AppSecretValues() const {
    static const std::map<std::string, std::string> kNone;
    auto it = context_.options->secrets.find(spec_.name);
    return it == context_.options->secrets.end() ? kNone : it->second;
  }

  // Where a derived value comes from, for the plan (never the value).
  static std::string Origin(const std::vector<ConfigPart>& parts) {
    Strings origins;
    for (const ConfigPart& part : parts) {
      std::string origin;
      if (part.kind == ConfigPart::Kind::kGenerated) origin = "generated once";
      if (part.kind == ConfigPart::Kind::kSecret) origin = "from the secrets file";
      if (part.kind == ConfigPart::Kind::kDatastore)
        origin = "from datastore " + part.text + " (" + part.field + ")";
      if (!origin.empty() && !Contains(origins, origin)) origins.push_back(origin);
    }
    return Join(origins, ", ");
  }

  Strings ManagedKeys() const {
    std::set<std::string> keys(spec_.secret_keys.begin(), spec_.secret_keys.end());
    for (const auto& [key, value] : spec_.config) keys.insert(key);
    for (const auto& [key, parts] : spec_.derived_config) keys.insert(key);
    return Strings(keys.begin(), keys.end());
  }

  // Theme config with a linked datastore's password or URL. The node knows it: the plan reads
  // it from the URL the link put in the app's config; a datastore linked in this same apply
  // is read at apply, after the link (`<engine>:info <svc> --dsn`, kSetDerivedConfig).
  void PlanDatastoreConfig() {
    std::map<std::string, DatastoreConnection> linked;
    std::map<std::string, std::string> engines;
    for (const auto& [key, parts] : spec_.derived_config) {
      for (const ConfigPart& part : parts) {
        if (part.kind != ConfigPart::Kind::kDatastore) continue;
        const DatastoreSpec* store = FindDatastore(part.text);
        if (store == nullptr) continue;  // PlanLinks notes it
        engines[part.text] = store->engine;
        if (auto connection = LinkedConnection(live_.config, store->engine, part.text))
          linked[part.text] = *connection;
      }
    }
    std::vector<ConfigEntry> entries;
    std::map<std::string, std::vector<ConfigPart>> derived;
    Strings reasons;
    for (const auto& [key, parts] : spec_.derived_config) {
      if (!NeedsDatastore(parts)) continue;
      std::optional<std::string> value = CompleteDerivedValue(parts, AppSecretValues(), linked);
      const std::string hash = value ? Sha256Hex(*value) : "";
      if (value && HasConfig(live_, key) && Sha256Hex(ConfigValue(live_, key)) == hash) continue;
      reasons.push_back("secret " + key + (HasConfig(live_, key) ? " changed" : " added") + " (" +
                        Origin(parts) + ")");
      entries.push_back(ConfigEntry{key, "", true, hash});
      derived[key] = parts;
    }
    if (entries.empty()) return;
    Action& action = Add(ActionKind::kSetDerivedConfig, Join(reasons, "; "));
    action.config = std::move(entries);
    action.derived = std::move(derived);
    for (const auto& [service, engine] : engines) action.settings[service] = engine;
    NeedRestart("config");
  }

  // dflow's own keys ride along in the same config:set; they never need a restart.
  void PlanMarkers(std::map<std::string, ConfigEntry>& sets, Strings& reasons) {
    auto want = [&](const char* key, const std::string& value, const std::string& why) {
      if (HasConfig(live_, key) && ConfigValue(live_, key) == value) return;
      sets[key] = ConfigEntry{key, value, false, ""};
      reasons.push_back(why);
    };
    want(kManagedMarkerKey, ManagedMarker(spec_), "mark app as managed by dflow");
    const Strings keys = ManagedKeys();
    if (!keys.empty()) want(kManagedKeysKey, Join(keys, ","), "record managed config keys");
    if (spec_.protect) want(kProtectKey, "true", "record protect");
    if (!spec_.theme_release.empty())
      want(kThemeReleaseKey, spec_.theme_release, "record theme release");
    want(kSpecDigestKey, AppSpecDigest(spec_, context_.options->secrets), "record spec digest");
  }

  void PlanUnsets() {
    const Strings desired = ManagedKeys();
    Strings keys;
    Strings reasons;
    for (const auto& key : Split(ConfigValue(live_, kManagedKeysKey), ',')) {
      if (Contains(desired, key) || !HasConfig(live_, key)) continue;
      keys.push_back(key);
      reasons.push_back("config " + key + " removed from the repo");
    }
    if (!keys.empty()) NeedRestart("config");
    if (desired.empty() && HasConfig(live_, kManagedKeysKey)) {
      keys.push_back(kManagedKeysKey);
      reasons.push_back("no managed config keys left");
    }
    if (!spec_.protect && HasConfig(live_, kProtectKey)) {
      keys.push_back(kProtectKey);
      reasons.push_back("protect removed");
    }
    if (keys.empty()) return;
    std::sort(keys.begin(), keys.end());
    Add(ActionKind::kUnsetConfig, Join(reasons, "; ")).values = keys;
  }

  // --- build and routing ------------------------------------------------------------

  void PlanBuilderAndProxy() {
    if (spec_.builder != live_.builder) {
      Add(ActionKind::kSetBuilder, spec_.builder.empty()
                                       ? "builder: auto-detect instead of " + live_.builder
                                       : "builder " + spec_.builder)
          .value = spec_.builder;
      NeedRebuild("builder");
    }
    if (spec_.proxy_type != live_.proxy_type) {
      Add(ActionKind::kSetProxyType,
          spec_.proxy_type.empty() ? "proxy type: follow the node's (" + context_.proxy->type + ")"
                                   : "proxy type " + spec_.proxy_type)
          .value = spec_.proxy_type;
    }
    // Routes are made when a container is created (labels, or nginx's config at deploy):
    // serving the app with another proxy takes a rebuild.
    if (exists_ && EffectiveProxy() != LiveProxy())
      NeedRebuild("proxy " + EffectiveProxy() + " instead of " + LiveProxy());
  }

  // The proxy that will serve the app: its own type, else the node's global one.
  std::string EffectiveProxy() const {
    return spec_.proxy_type.empty() ? context_.proxy->type : spec_.proxy_type;
  }

  // The proxy that serves it now.
  std::string LiveProxy() const {
    return live_.proxy_type.empty() ? context_.proxy->live_type : live_.proxy_type;
  }

  // Label-based proxies (Traefik) read routes from container labels: they need a rebuild.
  void NeedRouting(const std::string& cause) {
    if (IsLabelProxy(EffectiveProxy())) NeedRebuild(cause);
  }

  void PlanDomainsAndPorts() {
    // A new app gets Dokku's default vhost from apps:create; clear it when none is desired.
    const bool enable = EnablesVhosts();
    const bool set_domains =
        spec_.domains != live_.domains || (!exists_ && spec_.domains.empty()) || enable;
    if (enable) {
      // domains:set turns vhost support back on, but after writing the list, which it then
      // overwrites with the default vhosts when the node has a global domain: the second
      // domains:set writes the list. (domains:enable would also restart a deployed app.)
      Add(ActionKind::kSetDomains, "vhost support is off: turn it on first").values = spec_.domains;
    }
    if (set_domains) {
      Add(ActionKind::kSetDomains, DomainReason()).values = spec_.domains;
      NeedRouting("domains");
    }
    const bool ports_lost = enable && EnablingClearsPorts();
    if (spec_.ports != live_.ports || ports_lost) {
      Strings ports;
      for (const auto& port : spec_.ports) ports.push_back(port.ToString());
      std::string why = ports.empty() ? "ports cleared" : "ports " + Join(ports, " ");
      if (spec_.ports == live_.ports) why += " again: enabling vhosts clears them on nginx";
      Add(ActionKind::kSetPorts, why).values = ports;
      NeedRouting("ports");
    }
  }

  // The app's vhost support is off (NO_VHOST=1: apps:create on a node without a global domain,
  // or domains:disable) and domains are wanted (docs/dokku-side-effects.md).
  bool EnablesVhosts() const { return exists_ && !live_.vhosts_enabled && !spec_.domains.empty(); }

  // nginx's pre-enable-vhost trigger clears the whole port map when it maps http:80 or
  // https:443 (docs/dokku-side-effects.md).
  bool EnablingClearsPorts() const {
    const std::string proxy = EffectiveProxy();
    if (!proxy.empty() && proxy != "nginx") return false;
    return std::any_of(live_.ports.begin(), live_.ports.end(), [](const PortMapping& port) {
      return (port.scheme == "http" && port.host_port == 80) ||
             (port.scheme == "https" && port.host_port == 443);
    });
  }

  std::string DomainReason() const {
    if (!exists_ && spec_.domains.empty()) return "new app: drop Dokku's default domain";
    if (spec_.domains == live_.domains) return "domains " + Join(spec_.domains, " ") + " again";
    Strings reasons;
    for (const auto& d : Minus(spec_.domains, live_.domains))
      reasons.push_back("domain " + d + " added");
    for (const auto& d : Minus(live_.domains, spec_.domains))
      reasons.push_back("domain " + d + " removed");
    return Join(reasons, "; ");
  }

  // --- checks, resources, storage, networks -------------------------------------------

  void PlanChecks() {
    const Strings& want_off = spec_.checks_disabled;
    const Strings& want_skip = spec_.checks_skipped;
    const Strings& off = live_.checks_disabled;
    const Strings& skip = live_.checks_skipped;
    if (want_off == off && want_skip == skip) return;
    const bool live_all = Contains(off, "_all_") || Contains(skip, "_all_");
    const bool want_all = Contains(want_off, "_all_") || Contains(want_skip, "_all_");
    Strings enable;
    Strings disable = Minus(want_off, off);
    Strings skipping = Minus(want_skip, skip);
    if (live_all && !want_all) {
      Add(ActionKind::kEnableChecks, "checks enabled for all process types");
      disable = want_off;
      skipping = want_skip;
    } else {
      Strings current = off;
      current.insert(current.end(), skip.begin(), skip.end());
      Strings wanted = want_off;
      wanted.insert(wanted.end(), want_skip.begin(), want_skip.end());
      enable = Minus(current, wanted);
      std::sort(enable.begin(), enable.end());
    }
    AddChecks(ActionKind::kEnableChecks, "checks enabled for ", enable);
    AddChecks(ActionKind::kDisableChecks, "checks disabled for ", disable);
    AddChecks(ActionKind::kSkipChecks, "checks skipped for ", skipping);
    NeedRebuild("checks");
  }

  void AddChecks(ActionKind kind, const std::string& why, const Strings& types) {
    if (types.empty()) return;
    // "_all_" is Dokku's word for "every process type", which the commands spell as no list.
    Add(kind, why + Join(types, ",")).values = Contains(types, "_all_") ? Strings{} : types;
  }

  void PlanResources(const std::string& phase, const std::map<std::string, std::string>& want,
                     ActionKind kind) {
    const std::string prefix = "_default_." + phase + ".";
    std::map<std::string, std::string> settings;
    Strings reasons;
    for (const auto& [resource, value] : want) {
      auto it = live_.resources.find(prefix + resource);
      if (it != live_.resources.end() && it->second == value) continue;
      settings[resource] = value;
      reasons.push_back("resource " + phase + " " + resource + " " + value);
    }
    for (const auto& [key, value] : live_.resources) {
      if (!key.starts_with(prefix) || want.contains(key.substr(prefix.size()))) continue;
      settings[key.substr(prefix.size())] = "clear";
      reasons.push_back("resource " + phase + " " + key.substr(prefix.size()) + " cleared");
    }
    if (settings.empty()) return;
    Add(kind, Join(reasons, "; ")).settings = settings;
    NeedRebuild("resources");
  }

  void PlanStorage() {
    for (const auto& mount : Minus(live_.storage, spec_.storage)) {
      Add(ActionKind::kUnmountStorage, "storage " + mount + " removed").values = {mount};
      NeedRebuild("storage");
    }
    for (const auto& mount : Minus(spec_.storage, live_.storage)) {
      Add(ActionKind::kMountStorage, "storage " + mount + " added").values = {mount};
      NeedRebuild("storage");
    }
  }

  void PlanNetworks() {
    if (spec_.networks == live_.networks) return;
    Add(ActionKind::kSetNetworks,
        spec_.networks.empty() ? "networks cleared" : "networks " + Join(spec_.networks, " "))
        .values = spec_.networks;
    NeedRebuild("networks");
  }

  // --- datastores -----------------------------------------------------------------------

  const DatastoreSpec* FindDatastore(const std::string& name) const {
    for (const auto& store : context_.node->datastores)
      if (store.name == name) return &store;
    return nullptr;
  }

  void PlanLinks() {
    Strings wanted;
    for (const auto& name : spec_.datastores) {
      const DatastoreSpec* store = FindDatastore(name);
      if (store == nullptr) {
        plan_.notes.push_back({NoteKind::kBlocked, spec_.name,
                               "datastore " + name + " is not declared on this node; not linked",
                               spec_.environment});
        continue;
      }
      wanted.push_back(store->engine + "/" + name);
    }
    for (const auto& link : Minus(live_.linked_datastores, wanted)) AddLink(link, false);
    for (const auto& link : Minus(wanted, live_.linked_datastores)) AddLink(link, true);
  }

  void AddLink(const std::string& link, bool attach) {
    const std::size_t slash = link.find('/');
    if (slash == std::string::npos) return;
    Action& action = Add(attach ? ActionKind::kLinkDatastore : ActionKind::kUnlinkDatastore,
                         "datastore " + link + (attach ? " linked" : " no longer linked"));
    action.engine = link.substr(0, slash);
    action.target = link.substr(slash + 1);
    NeedRestart("datastore links");
  }

  // --- scale, deploy, restart ------------------------------------------------------------

  bool WillDeploy() const { return !DeployReason().empty(); }

  // The formation the app has when the scale step runs. apps:create gives every new app web=1
  // (the ps plugin's post-create trigger), so a new app that wants no web process scales it to
  // 0 in the same pass (docs/dokku-side-effects.md).
  std::map<std::string, int> LiveScale() const {
    if (!exists_) return {{"web", 1}};
    return live_.scale;
  }

  void PlanScale(bool deploying) {
    if (spec_.processes.empty()) return;
    const std::map<std::string, int> live = LiveScale();
    std::map<std::string, std::string> settings;
    Strings reasons;
    for (const auto& [type, count] : spec_.processes) {
      // A type Dokku does not list runs no container: the same as 0. A deploy drops a type
      // scaled to 0 from the formation unless the app's Procfile names it (scale.old).
      auto it = live.find(type);
      if ((it == live.end() ? 0 : it->second) == count) continue;
      settings[type] = std::to_string(count);
      reasons.push_back(type + "=" + std::to_string(count));
    }
    for (const auto& [type, count] : live) {
      if (spec_.processes.contains(type) || count == 0) continue;
      settings[type] = "0";
      reasons.push_back(type + "=0");
    }
    if (settings.empty()) return;
    // Before a deploy the counts are only stored, so the deploy starts the right formation.
    Action& action = Add(ActionKind::kScale, "scale " + Join(reasons, " "));
    action.settings = settings;
    action.skip_deploy = deploying || !live_.deployed;
  }

  // Why a deploy is needed, or "" when the desired source is what runs.
  std::string DeployReason() const {
    const DeploySource& source = spec_.source;
    if (source.image.empty() && source.git_url.empty()) return "";
    if (!exists_) return "new app";
    if (!live_.deployed) return "app not deployed";
    if (spec_.health.enabled()) return ArchiveDeployReason();
    if (!source.image.empty()) return ImageDeployReason();
    return GitDeployReason();
  }

  // An image with a health check runs from a build context dflow sent (build_context.h):
  // Dokku reports it as deploy source "tar" only, so dflow's own key says which one.
  std::string ArchiveDeployReason() const {
    const std::string& image = spec_.source.image;
    const std::string recorded = ConfigValue(live_, kBuildContextKey);
    const bool from_context = live_.deploy_source == "tar" && !recorded.empty();
    if (from_context && recorded == BuildContextDigest(image, spec_.health)) return "";
    if (from_context) return "image " + image + " or its health check changed";
    return "image " + image + " with health check " + spec_.health.path + " is not deployed";
  }

  std::string ImageDeployReason() const {
    if (live_.deploy_source == "docker-image" && live_.deploy_source_metadata == spec_.source.image)
      return "";
    return "image " + spec_.source.image + " is not deployed";
  }

  std::string GitDeployReason() const {
    const DeploySource& source = spec_.source;
    if (live_.deploy_source != "git-sync") {
      return "deployed from " + (live_.deploy_source.empty() ? "nothing" : live_.deploy_source) +
             ", not git-sync";
    }
    const std::string& metadata = live_.deploy_source_metadata;
    const std::size_t hash = metadata.rfind('#');
    const std::string url = metadata.substr(0, hash);
    const std::string sha = hash == std::string::npos ? "" : metadata.substr(hash + 1);
    if (url != source.git_url) return "git source changed";
    const std::string key = source.git_url + "#" + source.git_ref;
    auto resolved = context_.options->resolved_refs.find(key);
    if (resolved != context_.options->resolved_refs.end()) {
      if (resolved->second == sha) return "";
      return "ref " + source.git_ref + " moved: " + (sha.empty() ? "-" : sha.substr(0, 12)) +
             " -> " + resolved->second.substr(0, 12);
    }
    if (context_.options->unresolved_refs.contains(key)) return "";  // keep what runs
    if (IsShaPrefix(source.git_ref, sha)) return "";
    if (ConfigValue(live_, kDeployedSourceKey) == key) return "";
    return "ref " + source.git_ref + " is not the deployed commit " + sha.substr(0, 12);
  }

  static bool IsShaPrefix(const std::string& ref, const std::string& sha) {
    if (ref.size() < 7 || ref.size() > sha.size()) return false;
    const bool hex = std::all_of(ref.begin(), ref.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
    });
    return hex && sha.starts_with(ref);
  }

  // The commit the ref names now, or "" when it was not resolved this pass.
  std::string ResolvedCommit() const {
    const DeploySource& source = spec_.source;
    auto resolved = context_.options->resolved_refs.find(source.git_url + "#" + source.git_ref);
    return resolved == context_.options->resolved_refs.end() ? "" : resolved->second;
  }

  void NoteUnresolvedSource() {
    const DeploySource& source = spec_.source;
    if (source.git_url.empty()) return;
    auto why = context_.options->unresolved_refs.find(source.git_url + "#" + source.git_ref);
    if (why == context_.options->unresolved_refs.end()) return;
    plan_.notes.push_back({NoteKind::kStaleSource, spec_.name,
                           why->second + "; the deployed commit is kept", spec_.environment});
  }

  void PlanDeploy() {
    NoteUnresolvedSource();
    const std::string reason = DeployReason();
    const DeploySource& source = spec_.source;
    if (reason.empty()) {
      if (source.image.empty() && source.git_url.empty() && !live_.deployed)
        plan_.notes.push_back(
            {NoteKind::kInfo, spec_.name, "no source: app is not deployed", spec_.environment});
      return;
    }
    if (spec_.health.enabled()) {
      PlanArchiveDeploy(reason);
      return;
    }
    if (!source.image.empty()) {
      PlanImageDeploy(reason);
      return;
    }
    PlanGitAuth();
    Action& deploy = Add(ActionKind::kDeployGit, reason);
    deploy.git_url = source.git_url;
    // The commit the plan saw, not the branch: a push between plan and deploy cannot slip in.
    const std::string commit = ResolvedCommit();
    deploy.git_ref = commit.empty() ? source.git_ref : commit;
    const std::string record = source.git_url + "#" + source.git_ref;
    if (ConfigValue(live_, kDeployedSourceKey) != record) {
      Add(ActionKind::kSetConfig, "record deployed source").config = {
          ConfigEntry{kDeployedSourceKey, record, false, ""}};
    }
  }

  // A private repository over https: its host's credentials (the secrets file's gitAuth) go to
  // the node's netrc right before each deploy, so a changed token is used by the next one. The
  // netrc is not observed: Dokku shows no password, and git:auth is idempotent.
  void PlanGitAuth() {
    auto values = context_.options->secrets.find(spec_.name);
    if (values == context_.options->secrets.end()) return;
    auto user = values->second.find(kGitAuthUserKey);
    if (user == values->second.end() || !values->second.contains(kGitAuthPasswordKey)) return;
    const std::string host = GitAuthHostOf(spec_.source.git_url);
    Action& auth = Add(ActionKind::kGitAuth, "credentials for " + host +
                                                 " from the secrets file (gitAuth), password "
                                                 "on stdin");
    auth.target = host;
    auth.value = user->second;
  }

  // git:from-image exits 1 when the image is already the app's source (§3.11), so an image
  // that is in the source but not deployed (say, a failed build) is rebuilt instead.
  void PlanImageDeploy(const std::string& reason) {
    if (exists_ && live_.source_image == spec_.source.image) {
      Add(ActionKind::kRebuild, reason + "; it is already the app's source image, so rebuild");
      return;
    }
    Add(ActionKind::kDeployImage, reason).value = spec_.source.image;
  }

  // The context goes on stdin; its digest is recorded once the deploy has succeeded.
  void PlanArchiveDeploy(const std::string& reason) {
    Action& deploy =
        Add(ActionKind::kDeployArchive, reason + " (app.json: health check " + spec_.health.path +
                                            " on port " + std::to_string(spec_.health.port) + ")");
    deploy.value = spec_.source.image;
    deploy.health = spec_.health;
    Add(ActionKind::kSetConfig, kRecordContextReason).config = {ConfigEntry{
        kBuildContextKey, BuildContextDigest(spec_.source.image, spec_.health), false, ""}};
  }

  void PlanRestart(bool deploying) {
    const std::string proxy = EffectiveProxy();
    if (context_.proxy->traefik_changed && exists_ && proxy == "traefik")
      NeedRebuild("traefik settings");
    if (context_.proxy->nginx_changed && exists_ && live_.deployed && proxy == "nginx" &&
        !deploying && rebuild_causes_.empty())
      Add(ActionKind::kBuildProxyConfig, "nginx settings changed");
    if (deploying || !exists_ || !live_.deployed) return;
    if (!rebuild_causes_.empty()) {
      Strings causes = rebuild_causes_;
      for (const auto& cause : restart_causes_)
        if (!Contains(causes, cause)) causes.push_back(cause);
      Add(ActionKind::kRebuild, "apply " + Join(causes, ", "));
    } else if (!restart_causes_.empty()) {
      Add(ActionKind::kRestart, "apply " + Join(restart_causes_, ", "));
    }
  }

  // Self-heal off: when the node carries the digest of this very spec, the repo has not
  // changed since dflow configured the app, so every difference is hand-made drift: report
  // it, run nothing but deploys (a new revision of the source is not drift).
  void ApplySelfHealPolicy() {
    if (!exists_ || plan_.actions.empty()) return;
    auto policy = context_.options->environments.find(spec_.environment);
    if (policy == context_.options->environments.end() || policy->second.self_heal) return;
    if (ConfigValue(live_, kSpecDigestKey) != AppSpecDigest(spec_, context_.options->secrets))
      return;
    const bool deploying = WillDeploy();
    int drifted = 0;
    for (auto& action : plan_.actions) {
      const bool deploy_step =
          deploying &&
          (action.kind == ActionKind::kDeployGit || action.kind == ActionKind::kDeployImage ||
           action.kind == ActionKind::kDeployArchive || action.kind == ActionKind::kRebuild ||
           action.reason == "record deployed source" || action.reason == kRecordContextReason);
      if (deploy_step) continue;
      action.report_only = true;
      ++drifted;
    }
    if (drifted > 0) {
      plan_.notes.push_back(
          {NoteKind::kDrift, spec_.name,
           std::to_string(drifted) + " drifted setting(s) reported, not corrected (self-heal off)",
           spec_.environment});
    }
  }

  const AppSpec& spec_;
  const ObservedApp& live_;
  const bool exists_;
  const AppContext& context_;
  AppPlan plan_;
  Strings restart_causes_;
  Strings rebuild_causes_;
};

}  // namespace

std::string ManagedMarker(const AppSpec& spec) {
  return spec.environment + "/" + spec.application + "/" + spec.service;
}

AppPlan PlanApp(const AppContext& context) { return AppPlanner(context).Run(); }

}  // namespace dflow
