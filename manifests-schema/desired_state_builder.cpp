#include "manifests-schema/desired_state_builder.h"

#include <algorithm>
#include <deque>
#include <set>

#include "manifests-schema/app_name.h"
#include "manifests-schema/datastore_placement.h"
#include "manifests-schema/manifest_parser.h"
#include "manifests-schema/secrets_file.h"
#include "manifests-schema/theme_expansion.h"

namespace dflow {
namespace {

std::string Where(const Pos& pos) { return pos.file + ":" + std::to_string(pos.line); }

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

template <typename T>
void SortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// desired_state.h promises sorted lists.
void SortLists(AppSpec& a) {
  SortUnique(a.secret_keys);
  SortUnique(a.domains);
  SortUnique(a.ports);
  SortUnique(a.datastores);
  SortUnique(a.checks_disabled);
  SortUnique(a.checks_skipped);
  SortUnique(a.storage);
  SortUnique(a.networks);
}

// Who owns a Dokku name, to explain collisions.
struct NameOwner {
  std::string description;
  Pos pos;
};

class Builder {
 public:
  Builder(const Manifests& m, const LoadOptions& options, std::vector<Diagnostic>& diagnostics)
      : m_(m), options_(options), diagnostics_(diagnostics) {}

  std::optional<DesiredState> Build();

 private:
  void Error(const Pos& pos, std::string message, std::string hint = "") {
    diagnostics_.push_back({pos.file, pos.line, pos.column, std::move(message), std::move(hint)});
    ++errors_;
  }
  void Warning(const Pos& pos, std::string message, std::string hint = "") {
    Diagnostic d{pos.file, pos.line, pos.column, std::move(message), std::move(hint)};
    d.severity = Diagnostic::Severity::kWarning;
    diagnostics_.push_back(std::move(d));
  }

  template <typename T>
  std::map<std::string, const T*> Index(const std::vector<T>& items, const std::string& kind);
  void CheckNodeAddresses();
  void CheckEnvironments();
  void CheckEdges();
  // The environment as its nodes get it: behind an edge, nginx trusts the edge's headers.
  EnvironmentSpec Effective(const EnvironmentManifest& env) const;
  void Application(const ApplicationManifest& app);
  void ThemedApplication(const ApplicationManifest& app);
  void ReportOnce(const std::vector<Diagnostic>& found);
  void CheckOverrides(const ApplicationManifest& app, const EnvironmentOverride& o);
  void Service(const ApplicationManifest& app, const ServiceManifest& s,
               const EnvironmentManifest& env, const EnvironmentOverride& o, const Override* so,
               std::map<std::string, std::set<std::string>>& db_nodes);
  AppSpec Merge(const ServiceManifest& s, const EnvironmentManifest& env,
                const EnvironmentOverride& o, const Override* so);
  void CheckSecrets(const AppSpec& a, const ServiceManifest& s);
  std::vector<std::string> Placement(const EnvironmentManifest& env, const Override& o);
  void Datastores(const ApplicationManifest& app, const EnvironmentManifest& env,
                  const EnvironmentOverride& o,
                  const std::map<std::string, std::set<std::string>>& db_nodes);
  std::optional<std::string> DatastoreNode(const DatabaseManifest& db,
                                           const EnvironmentManifest& env,
                                           const std::set<std::string>& consumers);
  void ClaimName(const std::string& name, const std::string& kind, const NameOwner& owner,
                 std::map<std::string, NameOwner>& names);
  void ClaimDomains(const AppSpec& app, const Pos& pos);

  const Manifests& m_;
  const LoadOptions& options_;
  std::vector<Diagnostic>& diagnostics_;
  int errors_ = 0;

  std::map<std::string, const NodeManifest*> nodes_;
  std::map<std::string, const EnvironmentManifest*> envs_;
  std::map<std::string, const EdgeManifest*> edges_;
  std::map<std::string, std::string> env_edge_;  // environment -> the edge in front of it
  std::map<std::string, const ThemeManifest*> themes_;
  std::map<std::string, NameOwner> app_names_;
  std::map<std::string, NameOwner> datastore_names_;
  std::map<std::string, Pos> app_databases_pos_;  // Dokku app -> its service's `databases`
  std::map<std::string, std::string> domains_;    // domain -> the Dokku app that claims it
  std::map<std::string, std::vector<AppSpec>> node_apps_;
  std::map<std::string, std::vector<DatastoreSpec>> node_datastores_;
  std::deque<ApplicationManifest> expanded_;  // themed applications, one per environment
  ExpansionBudget expansion_budget_;          // shared by every theme expansion of the load
  std::set<std::string> reported_;            // theme diagnostics already reported
};

template <typename T>
std::map<std::string, const T*> Builder::Index(const std::vector<T>& items,
                                               const std::string& kind) {
  std::map<std::string, const T*> index;
  for (const T& item : items) {
    auto [it, inserted] = index.emplace(item.name.value, &item);
    if (!inserted) {
      Error(item.name.pos, "duplicate " + kind + " '" + item.name.value + "'",
            "already defined at " + Where(it->second->name.pos) + "; rename or remove one");
    }
  }
  return index;
}

// Two Node manifests for one server would let each prune the other's apps (the ownership
// marker names environment/application/service, not the node).
void Builder::CheckNodeAddresses() {
  std::map<std::string, const NodeManifest*> seen;
  for (const auto& [name, node] : nodes_) {
    if (node->spec.host.empty()) continue;  // a bad host was reported already
    std::string address = node->spec.host + ":" + std::to_string(node->spec.port);
    auto [it, inserted] = seen.emplace(address, node);
    if (!inserted) {
      Error(node->name.pos,
            "node '" + name + "' has the same address " + address + " as node '" +
                it->second->name.value + "' (" + Where(it->second->name.pos) + ")",
            "declare each server once");
    }
  }
}

void Builder::CheckEnvironments() {
  std::vector<std::string> node_names;
  for (const auto& [name, node] : nodes_) node_names.push_back(name);
  std::map<std::string, const EnvironmentManifest*> node_env;  // first environment of a node
  for (const auto& [env_name, env] : envs_) {
    for (const Located& node : env->nodes) {
      if (!nodes_.count(node.value)) {
        std::string hint = DidYouMean(node.value, node_names);
        Error(node.pos, "unknown node '" + node.value + "' in environment '" + env_name + "'",
              hint.empty() ? "define a Node manifest named '" + node.value + "'" : hint);
        continue;
      }
      auto [it, inserted] = node_env.emplace(node.value, env);
      if (inserted) continue;
      const EnvironmentManifest* other = it->second;
      if (!(other->spec.traffic == env->spec.traffic) || other->spec.domain != env->spec.domain) {
        Error(node.pos,
              "node '" + node.value + "' is in environments '" + other->name.value + "' and '" +
                  env_name + "' with different domain or traffic settings",
              "environments sharing a node must agree on domain and traffic");
      }
    }
  }
}

std::vector<std::string> Builder::Placement(const EnvironmentManifest& env, const Override& o) {
  std::vector<std::string> out;
  for (const Located& n : env.nodes) out.push_back(n.value);
  if (!o.placement) return out;
  std::vector<std::string> chosen;
  for (const Located& n : *o.placement) {
    if (std::find(out.begin(), out.end(), n.value) == out.end()) {
      Error(n.pos, "node '" + n.value + "' is not in environment '" + env.name.value + "'",
            "its nodes are: " + JoinNames(out));
      continue;
    }
    chosen.push_back(n.value);
  }
  return chosen;
}

void Builder::ClaimName(const std::string& name, const std::string& kind, const NameOwner& owner,
                        std::map<std::string, NameOwner>& names) {
  if (!IsValidDokkuName(name)) {
    Error(owner.pos,
          kind + " name '" + name + "' of " + owner.description + " is longer than " +
              std::to_string(kMaxDokkuNameLength) + " characters",
          "shorten the application, service, database or environment name");
    return;
  }
  auto [it, inserted] = names.emplace(name, owner);
  if (!inserted && it->second.description != owner.description) {
    Error(owner.pos,
          kind + " name '" + name + "' of " + owner.description + " collides with " +
              it->second.description + " (" + Where(it->second.pos) + ")",
          "rename one of them");
  }
}

// A domain is a global DNS name: one Dokku app may serve it from several nodes, but two
// different apps (in any environments) claiming it is a mistake.
void Builder::ClaimDomains(const AppSpec& app, const Pos& pos) {
  for (const std::string& domain : app.domains) {
    auto [it, inserted] = domains_.emplace(domain, app.name);
    if (!inserted && it->second != app.name) {
      Error(pos,
            "domain '" + domain + "' of Dokku app '" + app.name + "' is also used by '" +
                it->second + "'",
            "give each app its own domains");
    }
  }
}

void Builder::CheckOverrides(const ApplicationManifest& app, const EnvironmentOverride& o) {
  bool has_git = false;
  bool has_image = false;
  std::set<std::string> types;
  for (const ServiceManifest& s : app.services) {
    (s.git_source ? has_git : has_image) = true;
    for (const auto& [type, count] : s.spec.processes) types.insert(type);
  }
  if (o.all.ref && !has_git) {
    Error(
        o.all.ref->pos,
        "'ref' overrides git sources, but application '" + app.name.value + "' has no git service",
        "remove it or use 'image'");
  }
  if (o.all.image && !has_image) {
    Error(o.all.image->pos,
          "'image' overrides image sources, but application '" + app.name.value +
              "' has no image service",
          "remove it or use 'ref'");
  }
  if (o.all.domains && app.services.size() > 1) {
    Error(o.all.domains_pos,
          "'domains' at application level is ambiguous: application '" + app.name.value + "' has " +
              std::to_string(app.services.size()) + " services",
          "set it under services.<name>.domains");
  }
  for (const auto& [type, count] : o.all.processes) {
    if (!types.count(type)) {
      Error(
          o.all.processes_pos,
          "process type '" + type + "' is not declared by any service of '" + app.name.value + "'",
          "declare it in a service's processes, or override it under services.<name>");
    }
  }
  std::vector<std::string> service_names;
  for (const ServiceManifest& s : app.services) service_names.push_back(s.name.value);
  for (const auto& [name, so] : o.services) {
    auto s = std::find_if(app.services.begin(), app.services.end(),
                          [&](const ServiceManifest& x) { return x.name.value == name.value; });
    if (s == app.services.end()) {
      std::string hint = DidYouMean(name.value, service_names);
      Error(name.pos,
            "unknown service '" + name.value + "' in application '" + app.name.value + "'",
            hint.empty() ? "services are: " + JoinNames(service_names) : hint);
      continue;
    }
    if (so.ref && !s->git_source) {
      Error(so.ref->pos,
            "'ref' overrides a git source, but service '" + name.value + "' deploys an image",
            "use 'image'");
    }
    if (so.image && s->git_source) {
      Error(so.image->pos,
            "'image' overrides an image source, but service '" + name.value + "' builds from git",
            "use 'ref'");
    }
  }
}

// Applies the layers in precedence order: environment config < service < application override
// < service override; ref/image/domains are replaced, process counts merged per type.
AppSpec Builder::Merge(const ServiceManifest& s, const EnvironmentManifest& env,
                       const EnvironmentOverride& o, const Override* so) {
  AppSpec a = s.spec;
  a.config = env.config;
  for (const auto& [k, v] : s.spec.config) a.config[k] = v;
  const Override* layers[] = {&o.all, so};
  for (const Override* layer : layers) {
    if (!layer) continue;
    for (const auto& [k, v] : layer->config) a.config[k] = v;
    if (layer->ref && s.git_source) a.source.git_ref = layer->ref->value;
    if (layer->image && !s.git_source) a.source.image = layer->image->value;
    if (layer->domains) a.domains = *layer->domains;
    for (const auto& [type, count] : layer->processes) {
      // Application-level counts only touch the types a service declares.
      if (layer == so || s.spec.processes.count(type)) a.processes[type] = count;
    }
  }
  return a;
}

void Builder::CheckSecrets(const AppSpec& a, const ServiceManifest& s) {
  for (const auto& [key, parts] : a.derived_config) {
    if (a.config.count(key)) {
      Error(s.name.pos,
            "'" + key + "' is set in config and by the theme's secretConfig of service '" +
                a.service + "' in environment '" + a.environment + "'",
            "remove it from config");
    }
    for (const ConfigPart& part : parts) {
      if (part.kind != ConfigPart::Kind::kSecret || !options_.secrets) continue;
      if (!ResolveSecretValue(*options_.secrets, a.environment, a.application, a.service,
                              part.text)) {
        Error(s.name.pos,
              "no value for secret '" + part.text + "' (in '" + key + "') of service '" +
                  a.application + "/" + a.service + "' in environment '" + a.environment + "'",
              "add it to the secrets file under '" + a.environment + "'");
      }
    }
  }
  for (const Located& key : s.secret_keys) {
    if (a.config.count(key.value)) {
      Error(key.pos,
            "'" + key.value + "' is both a config key and a secret of service '" + a.service +
                "' in environment '" + a.environment + "'",
            "remove it from config");
    }
    if (options_.secrets && !ResolveSecretValue(*options_.secrets, a.environment, a.application,
                                                a.service, key.value)) {
      Error(key.pos,
            "no value for secret '" + key.value + "' of service '" + a.application + "/" +
                a.service + "' in environment '" + a.environment + "'",
            "add it to the secrets file under '" + a.environment + "'");
    }
  }
}

void Builder::Service(const ApplicationManifest& app, const ServiceManifest& s,
                      const EnvironmentManifest& env, const EnvironmentOverride& o,
                      const Override* so, std::map<std::string, std::set<std::string>>& db_nodes) {
  const std::string& env_name = env.name.value;
  AppSpec a = Merge(s, env, o, so);
  a.application = app.name.value;
  a.service = s.name.value;
  a.environment = env_name;
  a.name = DokkuAppName(a.application, a.service, a.environment);
  // No domains: the app keeps the vhost Dokku gives it under the environment's domain.
  if (a.domains.empty() && !env.spec.domain.empty())
    a.domains.push_back(DefaultVhost(a.name, env.spec.domain));
  for (const Located& key : s.secret_keys) a.secret_keys.push_back(key.value);
  CheckSecrets(a, s);
  for (const Located& db : s.databases) {
    a.datastores.push_back(DatastoreServiceName(a.application, db.value, env_name));
  }
  std::vector<std::string> nodes = Placement(env, so && so->placement ? *so : o.all);
  if (nodes.empty()) return;  // every placement node was wrong: reported by Placement()
  for (const Located& db : s.databases) db_nodes[db.value].insert(nodes.begin(), nodes.end());
  app_databases_pos_[a.name] = s.databases_pos;
  ClaimName(a.name, "Dokku app",
            {"application '" + a.application + "', service '" + a.service + "', environment '" +
                 env_name + "'",
             s.name.pos},
            app_names_);
  SortLists(a);
  for (const std::string& node : nodes) node_apps_[node].push_back(a);
  ClaimDomains(a, s.name.pos);
}

void Builder::Datastores(const ApplicationManifest& app, const EnvironmentManifest& env,
                         const EnvironmentOverride& o,
                         const std::map<std::string, std::set<std::string>>& db_nodes) {
  std::map<std::string, const DatabaseOverride*> overrides;
  std::vector<std::string> names;
  for (const DatabaseManifest& db : app.databases) names.push_back(db.name.value);
  for (const DatabaseOverride& d : o.databases) {
    overrides[d.name.value] = &d;
    if (std::find(names.begin(), names.end(), d.name.value) != names.end()) continue;
    std::string hint = DidYouMean(d.name.value, names);
    Error(d.name.pos,
          "unknown database '" + d.name.value + "' in environment '" + env.name.value + "'",
          hint.empty() ? "declare it under the application's databases" : hint);
  }
  for (DatabaseManifest db : app.databases) {
    if (auto it = overrides.find(db.name.value); it != overrides.end()) {
      if (it->second->node) db.node = it->second->node;
      if (it->second->move_from) db.move_from = it->second->move_from;
    }
    auto it = db_nodes.find(db.name.value);
    if (it == db_nodes.end()) continue;  // not linked here (or placement already failed)
    std::optional<std::string> home = DatastoreNode(db, env, it->second);
    if (!home) continue;
    DatastoreSpec d;
    d.name = DatastoreServiceName(app.name.value, db.name.value, env.name.value);
    d.engine = db.engine;
    d.application = app.name.value;
    d.environment = env.name.value;
    d.protect = db.protect;
    d.allow_destroy = db.allow_destroy;
    ClaimName(d.name, "datastore",
              {"application '" + d.application + "', database '" + db.name.value +
                   "', environment '" + d.environment + "'",
               db.name.pos},
              datastore_names_);
    if (db.move_from) d.move_from = db.move_from->value;
    const Pos& at = db.node ? db.node->pos : db.name.pos;
    d.where = at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    node_datastores_[*home].push_back(d);
  }
}

// Where a database lives in an environment: placement.node, or the one node of its
// consumers. Consumers on other nodes reach it over the home node's private address.
std::optional<std::string> Builder::DatastoreNode(const DatabaseManifest& db,
                                                  const EnvironmentManifest& env,
                                                  const std::set<std::string>& consumers) {
  const std::string& env_name = env.name.value;
  if (!db.node && consumers.size() > 1) {
    Error(db.name.pos,
          "database '" + db.name.value + "' is linked by services on different nodes in " +
              "environment '" + env_name + "' (" + JoinNames({consumers.begin(), consumers.end()}) +
              ") and has no placement",
          "add 'placement: {node: <node>}' to the database: services on other nodes reach it "
          "over that node's privateHost");
    return std::nullopt;
  }
  std::string home = db.node ? db.node->value : *consumers.begin();
  const Pos& pos = db.node ? db.node->pos : db.name.pos;
  bool in_env = false;
  for (const Located& n : env.nodes) in_env = in_env || n.value == home;
  if (!in_env) {
    std::vector<std::string> names;
    for (const Located& n : env.nodes) names.push_back(n.value);
    Error(pos, "node '" + home + "' is not in environment '" + env_name + "'",
          "its nodes are: " + JoinNames(names));
    return std::nullopt;
  }
  bool remote = consumers.size() > 1 || *consumers.begin() != home;
  auto node = nodes_.find(home);
  if (remote && node != nodes_.end() && node->second->spec.private_host.empty()) {
    Error(pos,
          "database '" + db.name.value + "' is used from other nodes but node '" + home +
              "' has no privateHost",
          "set spec.privateHost of node '" + home +
              "' to its private network address: the datastore is exposed there only");
    return std::nullopt;
  }
  if (db.move_from) {
    if (db.move_from->value == home) {
      Error(db.move_from->pos,
            "database '" + db.name.value + "' moves from its own node '" + home + "'",
            "remove 'move' once the data has moved");
      return std::nullopt;
    }
    if (!nodes_.count(db.move_from->value)) {
      Error(db.move_from->pos, "unknown node '" + db.move_from->value + "' in move.from",
            "name the Node the data is on now");
      return std::nullopt;
    }
  }
  return home;
}

void Builder::Application(const ApplicationManifest& app) {
  if (app.theme) return ThemedApplication(app);
  Index(app.services, "service");  // reports duplicates
  auto databases = Index(app.databases, "database");
  std::vector<std::string> db_names;
  for (const auto& [name, db] : databases) db_names.push_back(name);
  std::set<std::string> linked;
  for (const ServiceManifest& s : app.services) {
    for (const Located& db : s.databases) {
      linked.insert(db.value);
      if (databases.count(db.value)) continue;
      std::string hint = DidYouMean(db.value, db_names);
      Error(db.pos, "unknown database '" + db.value + "' in service '" + s.name.value + "'",
            hint.empty() ? "declare it under the application's databases" : hint);
    }
  }
  for (const DatabaseManifest& db : app.databases) {
    if (!linked.count(db.name.value)) {
      Warning(db.name.pos,
              "database '" + db.name.value + "' is linked by no service and is not created",
              "add it to a service's databases or remove it");
    }
  }
  if (app.environments.empty() && app.environments_is_map) {
    Warning(app.environments_pos,
            "application '" + app.name.value + "' is deployed to no environment",
            "add an environment, e.g. 'production: {}'");
  }
  std::vector<std::string> env_names;
  for (const auto& [name, env] : envs_) env_names.push_back(name);
  for (const EnvironmentOverride& o : app.environments) {
    auto env = envs_.find(o.environment.value);
    if (env == envs_.end()) {
      std::string hint = DidYouMean(o.environment.value, env_names);
      Error(o.environment.pos,
            "unknown environment '" + o.environment.value + "' in application '" + app.name.value +
                "'",
            hint.empty() ? "define an Environment manifest named '" + o.environment.value + "'"
                         : hint);
      continue;
    }
    int before = errors_;
    CheckOverrides(app, o);
    if (errors_ != before) continue;
    std::map<std::string, std::set<std::string>> db_nodes;
    for (const ServiceManifest& s : app.services) {
      const Override* so = nullptr;
      for (const auto& [name, over] : o.services) {
        if (name.value == s.name.value) so = &over;
      }
      Service(app, s, *env->second, o, so, db_nodes);
    }
    Datastores(app, *env->second, o, db_nodes);
  }
}

// Expands the theme in each environment and checks the result like a hand-written application.
void Builder::ThemedApplication(const ApplicationManifest& app) {
  const std::string& name = app.theme->value;
  auto theme = themes_.find(name);
  if (theme == themes_.end()) {
    std::set<std::string> known(BuiltinThemes().begin(), BuiltinThemes().end());
    for (const auto& [n, t] : themes_) known.insert(n);
    std::vector<std::string> names(known.begin(), known.end());
    std::string hint = DidYouMean(name, names);
    Error(app.theme->pos, "unknown theme '" + name + "'",
          hint.empty() ? "define a Theme manifest or use one of: " + JoinNames(names) : hint);
    return;
  }
  if (app.environments.empty()) {  // deployed nowhere: its parameters are still checked
    std::vector<Diagnostic> found;
    FieldReader reader(app.file, found);
    TemplateScope scope;
    const ThemeManifest& t = *theme->second;
    ResolveThemeParameters(t.parameters, t.product, name,
                           app.parameters ? &*app.parameters : nullptr, nullptr, app.theme->pos,
                           reader, scope);
    ReportOnce(found);
  }
  for (const EnvironmentOverride& o : app.environments) {
    ApplicationManifest& expanded = expanded_.emplace_back(app);
    expanded.theme.reset();
    expanded.parameters.reset();
    expanded.environments = {o};
    if (!envs_.count(o.environment.value)) {  // reported as for any application, not expanded
      expanded.services.clear();
      Application(expanded);
      continue;
    }
    std::vector<Diagnostic> found;
    std::optional<ThemeExpansion> expansion =
        ExpandTheme(*theme->second, app, o, expansion_budget_, found);
    ReportOnce(found);
    if (!expansion) continue;
    expanded.services = std::move(expansion->services);
    expanded.databases = std::move(expansion->databases);
    Application(expanded);
  }
}

// A theme's problem shows in every environment it is expanded for: report it once.
void Builder::ReportOnce(const std::vector<Diagnostic>& found) {
  for (const Diagnostic& d : found) {
    if (!reported_.insert(d.ToString()).second) continue;
    if (d.severity == Diagnostic::Severity::kError) ++errors_;
    diagnostics_.push_back(d);
  }
}

// An edge fronts whole environments, each at most once; it gets the certificates, so its
// environments have no TLS of their own (reference traefik.md §3: a node's own ACME would
// redirect the edge's plain-HTTP requests back to it, forever).
void Builder::CheckEdges() {
  std::vector<std::string> env_names;
  for (const auto& [name, env] : envs_) env_names.push_back(name);
  for (const auto& [edge_name, edge] : edges_) {
    for (const Located& env : edge->environments) {
      auto it = envs_.find(env.value);
      if (it == envs_.end()) {
        std::string hint = DidYouMean(env.value, env_names);
        Error(env.pos, "unknown environment '" + env.value + "' in edge '" + edge_name + "'",
              hint.empty() ? "define an Environment manifest named '" + env.value + "'" : hint);
        continue;
      }
      auto [taken, inserted] = env_edge_.emplace(env.value, edge_name);
      if (!inserted && taken->second != edge_name) {
        Error(env.pos,
              "environment '" + env.value + "' is behind edges '" + taken->second + "' and '" +
                  edge_name + "'",
              "put each environment behind one edge");
        continue;
      }
      if (it->second->spec.traffic.tls) {
        Error(env.pos,
              "environment '" + env.value + "' has its own TLS (traffic.tls) but is behind edge '" +
                  edge_name + "', which gets the certificates",
              "remove traffic.tls from environment '" + env.value + "'");
      }
    }
  }
}

EnvironmentSpec Builder::Effective(const EnvironmentManifest& env) const {
  EnvironmentSpec spec = env.spec;
  if (env_edge_.contains(env.name.value) && spec.traffic.proxy == "nginx")
    spec.traffic.behind_trusted_proxy = true;
  return spec;
}

std::optional<DesiredState> Builder::Build() {
  nodes_ = Index(m_.nodes, "Node");
  envs_ = Index(m_.environments, "Environment");
  edges_ = Index(m_.edges, "Edge");
  themes_ = Index(m_.themes, "Theme");
  for (const ThemeManifest& theme : m_.themes) {
    if (theme.builtin) continue;  // checked by dflow's own tests
    std::vector<Diagnostic> found;
    CheckThemeTemplates(theme, expansion_budget_, found);
    ReportOnce(found);
  }
  auto apps = Index(m_.applications, "Application");
  CheckNodeAddresses();
  CheckEnvironments();
  CheckEdges();
  for (const auto& [name, app] : apps) Application(*app);
  if (errors_ > 0) return std::nullopt;

  DesiredState state;
  std::map<std::string, EnvironmentSpec> node_env;  // environments agree (checked)
  for (const auto& [name, env] : envs_) {
    EnvironmentSpec spec = Effective(*env);
    for (const Located& n : env->nodes) node_env.emplace(n.value, spec);  // before nodes fill in
    for (const Located& n : env->nodes) spec.nodes.push_back(n.value);
    SortUnique(spec.nodes);
    state.environments.push_back(std::move(spec));
  }
  for (const auto& [name, edge] : edges_) {
    EdgeSpec spec = edge->spec;
    for (const Located& env : edge->environments) spec.environments.push_back(env.value);
    SortUnique(spec.environments);
    state.edges.push_back(std::move(spec));
  }
  for (const auto& [name, node] : nodes_) {
    NodeDesiredState n;
    n.node = node->spec;
    if (auto e = node_env.find(name); e != node_env.end()) {
      n.in_environment = true;
      n.traffic = e->second.traffic;
      n.domain = e->second.domain;
    }
    n.apps = std::move(node_apps_[name]);
    n.datastores = std::move(node_datastores_[name]);
    std::sort(n.apps.begin(), n.apps.end(),
              [](const AppSpec& a, const AppSpec& b) { return a.name < b.name; });
    std::sort(n.datastores.begin(), n.datastores.end(),
              [](const DatastoreSpec& a, const DatastoreSpec& b) { return a.name < b.name; });
    state.nodes.push_back(std::move(n));
  }
  for (const RemoteDatastoreConflict& c : PlaceRemoteDatastores(state))
    Error(app_databases_pos_[c.app], c.message, c.hint);
  if (errors_ > 0) return std::nullopt;
  return state;
}

}  // namespace

std::optional<DesiredState> BuildDesiredState(const Manifests& manifests,
                                              const LoadOptions& options,
                                              std::vector<Diagnostic>& diagnostics) {
  return Builder(manifests, options, diagnostics).Build();
}

}  // namespace dflow
