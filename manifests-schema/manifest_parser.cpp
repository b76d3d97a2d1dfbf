#include "manifests-schema/manifest_parser.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "manifests-schema/app_name.h"
#include "manifests-schema/builtin_themes.h"
#include "manifests-schema/config_key.h"
#include "manifests-schema/health_reader.h"
#include "manifests-schema/semver.h"
#include "manifests-schema/value_syntax.h"

namespace dflow {
namespace {

// Value syntax: a regex and the longest valid value (checked first, see field_reader.h).
// Every pattern and bound here is mirrored in dflow.schema.json.
constexpr Syntax kHost = {
    "[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*", 253};
constexpr Syntax kUser = {"[a-z_][a-z0-9_-]{0,31}", 32};
constexpr Syntax kHostKey = {"SHA256:[A-Za-z0-9+/]{43}", 50};
constexpr const Syntax& kDomain = kDomainSyntax;
constexpr const Syntax& kEmail = kEmailSyntax;
// URLs and paths get the largest bound any regex may see.
constexpr Syntax kHttpsUrl = {"https://[^\\s]+", kMaxPatternBytes};
constexpr Syntax kGitUrl = {
    "(https?|ssh|git|file)://[^\\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\\s]+", kMaxPatternBytes};
constexpr Syntax kRef = {"[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}", 200};
constexpr Syntax kImage = {"[a-z0-9][A-Za-z0-9._/:@+-]{0,254}", 255};
constexpr Syntax kPort = {"(http|https|tcp|udp):[0-9]{1,5}:[0-9]{1,5}", 17};
constexpr Syntax kProcessType = {"[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}", 63};
constexpr Syntax kCheckedProcess = {"_all_|[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}", 63};
constexpr Syntax kStorage = {"(/[^:\\s]*|[a-z0-9][a-z0-9-]{0,44}):/[^:\\s]*", kMaxPatternBytes};
constexpr Syntax kNetwork = {"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}", 63};
constexpr Syntax kSecretKey = {"[a-zA-Z_][a-zA-Z0-9_]*", SIZE_MAX, IsConfigKey};
constexpr Syntax kResourceValue = {"[0-9]+(\\.[0-9]+)?[a-zA-Z]{0,3}", 32};
constexpr Syntax kAbsoluteDir = {"/[A-Za-z0-9._/-]{0,255}", 256};
constexpr Syntax kEdgeFileName = {"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}\\.(yml|yaml)", 105};
constexpr Syntax kTraefikName = {"[A-Za-z0-9][A-Za-z0-9_-]{0,62}", 63};
constexpr Syntax kLoopbackUrl = {"http://(127\\.0\\.0\\.1|localhost|\\[::1\\]):[0-9]{1,5}", 32};
constexpr Syntax kNamePattern = {"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", 63};
constexpr const Syntax& kSemver = kSemverSyntax;
constexpr const Syntax& kParameterName = kParameterNameSyntax;

const char* const kDomainExpected = "a lower-case host name such as app.example.com";

class Parser {
 public:
  Parser(const std::string& file, Manifests& out, std::vector<Diagnostic>& diagnostics)
      : r_(file, diagnostics), out_(out) {}

  void Document(const YamlNode& doc);

 private:
  std::optional<Located> Metadata(const YamlNode& doc, std::string_view kind,
                                  std::map<std::string, std::string>* labels, bool theme = false);
  void Node(const YamlNode& doc);
  void Edge(const YamlNode& doc);
  // Reads `field` with `syntax` into `out` when present; false when present and invalid.
  bool Optional(const YamlNode& spec, const char* field, const Syntax& syntax, const char* expected,
                std::string& out);
  void Environment(const YamlNode& doc);
  void Traffic(const YamlNode& node, TrafficSpec& traffic);
  void Application(const YamlNode& doc);
  void ThemeReference(const YamlNode& spec, ApplicationManifest& app);
  void Services(const YamlNode& node, ApplicationManifest& app);
  void Databases(const YamlNode& node, ApplicationManifest& app);
  void Environments(const YamlNode& node, ApplicationManifest& app);
  void ServiceOverrides(const YamlNode& node, EnvironmentOverride& o);
  void Service(const YamlNode& node, ServiceManifest& service);
  void Build(const YamlNode& node, AppSpec& spec);
  void Secrets(const YamlNode& node, ServiceManifest& s);
  void Ports(const YamlNode& node, std::vector<PortMapping>& out);
  void Checks(const YamlNode& node, AppSpec& spec);
  void Health(const YamlNode& node, ServiceManifest& s);
  std::vector<std::string> Strings(const YamlNode& node, std::string_view field,
                                   const Syntax& syntax, std::string_view expected);
  void Source(const YamlNode& node, ServiceManifest& service);
  void Processes(const YamlNode& node, std::map<std::string, int>& out);
  void Resources(const YamlNode& node, std::map<std::string, std::string>& out,
                 std::string_view field);
  void Database(const YamlNode& node, DatabaseManifest& db);
  std::optional<Located> NodeField(const YamlNode& node, const char* field, const char* key,
                                   const char* hint);
  void OverrideFields(const YamlNode& node, Override& o);
  void DatabaseOverrides(const YamlNode& node, EnvironmentOverride& o);
  void Theme(const YamlNode& doc);
  void Product(const YamlNode& node, ThemeProduct& product);
  void ThemeSecrets(const YamlNode& node, ThemeManifest& theme);
  void Upgrades(const YamlNode& node, ThemeProduct& product);
  std::string SecretGenerator(const YamlNode& item);
  void Recipe(const YamlNode& item, ThemeSecret& secret);
  void RandomRecipe(const YamlNode& how, SecretRecipe& recipe);
  void PasswordRecipe(const YamlNode& how, SecretRecipe& recipe);
  void CheckDerivedSources(const ThemeManifest& theme);
  std::vector<std::string> Domains(const YamlNode& node);
  std::optional<std::string> Enum(const YamlNode& node, std::string_view field,
                                  const std::vector<std::string>& values);

  FieldReader r_;
  Manifests& out_;
};

void Parser::Document(const YamlNode& doc) {
  if (!r_.ExpectMap(doc, "document", {"apiVersion", "kind", "metadata", "spec"})) return;
  const YamlNode* api = r_.Required(doc, "apiVersion", "document", "add 'apiVersion: dflow/v1'");
  const YamlNode* kind =
      r_.Required(doc, "kind", "document", "add 'kind: Node', Environment, Application or Theme");
  ++out_.documents;
  if (api) {
    auto text = r_.String(*api, "apiVersion");
    if (text && *text != kApiVersion) {
      r_.Error(*api, "unknown apiVersion '" + Abbreviate(*text) + "'",
               "use 'apiVersion: dflow/v1'");
    }
  }
  if (!kind) return;
  auto name = r_.String(*kind, "kind");
  if (!name) return;
  if (*name == "Node") return Node(doc);
  if (*name == "Edge") return Edge(doc);
  if (*name == "Environment") return Environment(doc);
  if (*name == "Application") return Application(doc);
  if (*name == "Theme") return Theme(doc);
  std::string hint = DidYouMean(*name, {"Node", "Edge", "Environment", "Application", "Theme"});
  r_.Error(*kind, "unknown kind '" + Abbreviate(*name) + "'",
           hint.empty() ? "use Node, Edge, Environment, Application or Theme" : hint);
}

std::optional<Located> Parser::Metadata(const YamlNode& doc, std::string_view kind,
                                        std::map<std::string, std::string>* labels, bool theme) {
  std::string what = std::string(kind) + " metadata";
  const YamlNode* meta =
      r_.Required(doc, "metadata", std::string(kind), "add 'metadata: {name: ...}'");
  if (!meta) return std::nullopt;
  bool ok = theme ? r_.ExpectMap(*meta, what, {"name", "labels", "version"})
                  : r_.ExpectMap(*meta, what, {"name", "labels"});
  if (!ok) return std::nullopt;
  if (const YamlNode* l = meta->Find("labels")) {
    auto read = r_.Labels(*l, "labels");
    if (labels) *labels = std::move(read);
  }
  if (theme) {
    if (const YamlNode* v = meta->Find("version"))
      r_.Pattern(*v, "version", kSemver, "a semantic version such as 1.0.0");
  }
  const YamlNode* name = r_.Required(*meta, "name", what, "add 'name: <name>'");
  if (!name) return std::nullopt;
  auto text = r_.Name(*name, "name");
  if (!text) return std::nullopt;
  return Located{*text, r_.PosOf(*name)};
}

void Parser::Node(const YamlNode& doc) {
  NodeManifest node;
  auto name = Metadata(doc, "Node", &node.spec.labels);
  const YamlNode* spec = r_.Required(doc, "spec", "Node", "add 'spec: {host: ...}'");
  if (!spec ||
      !r_.ExpectMap(*spec, "Node spec", {"host", "port", "user", "hostKey", "privateHost"})) {
    if (name) {
      node.name = *name;
      node.spec.name = name->value;
      out_.nodes.push_back(std::move(node));
    }
    return;
  }
  bool ok = name.has_value();
  if (const YamlNode* host = r_.Required(*spec, "host", "Node spec", "add 'host: <address>'")) {
    auto text = r_.Pattern(*host, "host", kHost, "a host name or IP address");
    ok = ok && text;
    if (text) node.spec.host = *text;
  } else {
    ok = false;
  }
  if (const YamlNode* port = spec->Find("port")) {
    auto value = r_.Int(*port, "port", 1, 65535);
    ok = ok && value;
    if (value) node.spec.port = *value;
  }
  if (const YamlNode* user = spec->Find("user")) {
    auto text = r_.Pattern(*user, "user", kUser, "a Unix user name such as dokku");
    ok = ok && text;
    if (text) node.spec.user = *text;
  }
  if (const YamlNode* key = spec->Find("hostKey")) {
    auto text = r_.Pattern(*key, "hostKey", kHostKey,
                           "a SHA256 fingerprint as ssh-keygen -lf prints it (SHA256:<43 chars>)");
    ok = ok && text;
    if (text) node.spec.host_key = *text;
  }
  ok = Optional(*spec, "privateHost", kHost, "a host name or IP address the edge reaches",
                node.spec.private_host) &&
       ok;
  // A node with bad fields is still recorded (the load fails anyway), so that references to
  // it do not add "unknown node" errors on top of the real one.
  (void)ok;
  if (!name) return;
  node.name = *name;
  node.spec.name = name->value;
  out_.nodes.push_back(std::move(node));
}

bool Parser::Optional(const YamlNode& spec, const char* field, const Syntax& syntax,
                      const char* expected, std::string& out) {
  const YamlNode* node = spec.Find(field);
  if (!node) return true;
  auto text = r_.Pattern(*node, field, syntax, expected);
  if (text) out = *text;
  return text.has_value();
}

void Parser::Edge(const YamlNode& doc) {
  EdgeManifest edge;
  auto name = Metadata(doc, "Edge", nullptr);
  const YamlNode* spec = r_.Required(doc, "spec", "Edge", "add 'spec: {host: ..., user: ...}'");
  if (!name || !spec ||
      !r_.ExpectMap(*spec, "Edge spec",
                    {"host", "port", "user", "hostKey", "environments", "configDir", "fileName",
                     "entryPoint", "certResolver", "apiUrl"}))
    return;
  edge.name = *name;
  edge.spec.name = name->value;
  if (const YamlNode* host = r_.Required(*spec, "host", "Edge spec", "add 'host: <address>'")) {
    if (auto text = r_.Pattern(*host, "host", kHost, "a host name or IP address"))
      edge.spec.host = *text;
  }
  if (const YamlNode* port = spec->Find("port")) {
    if (auto value = r_.Int(*port, "port", 1, 65535)) edge.spec.port = *value;
  }
  if (const YamlNode* user = r_.Required(*spec, "user", "Edge spec",
                                         "add 'user: <a shell user that may write configDir>'")) {
    if (auto text = r_.Pattern(*user, "user", kUser, "a Unix user name such as traefik"))
      edge.spec.user = *text;
  }
  Optional(*spec, "hostKey", kHostKey,
           "a SHA256 fingerprint as ssh-keygen -lf prints it (SHA256:<43 chars>)",
           edge.spec.host_key);
  if (const YamlNode* envs = r_.Required(*spec, "environments", "Edge spec",
                                         "add 'environments: [<environment name>, ...]'")) {
    edge.environments = r_.StringList(*envs, "environments", kNamePattern, "an environment name");
    if (envs->IsSequence() && envs->items.empty())
      r_.Error(*envs, "'environments' must list at least one environment",
               "add the environments whose services this edge fronts");
  }
  Optional(*spec, "configDir", kAbsoluteDir, "an absolute directory such as /etc/traefik/dynamic",
           edge.spec.config_dir);
  Optional(*spec, "fileName", kEdgeFileName,
           "a file name ending in .yml or .yaml, not starting with a dot", edge.spec.file_name);
  Optional(*spec, "entryPoint", kTraefikName, "a Traefik entry point name such as websecure",
           edge.spec.entry_point);
  Optional(*spec, "certResolver", kTraefikName, "a certificate resolver name such as le",
           edge.spec.cert_resolver);
  Optional(*spec, "apiUrl", kLoopbackUrl,
           "http://127.0.0.1:<port>: Traefik's API, on the edge's loopback only",
           edge.spec.api_url);
  out_.edges.push_back(std::move(edge));
}

void Parser::Environment(const YamlNode& doc) {
  EnvironmentManifest env;
  auto name = Metadata(doc, "Environment", nullptr);
  const YamlNode* spec = r_.Required(doc, "spec", "Environment", "add 'spec: {nodes: [...]}'");
  if (!spec || !r_.ExpectMap(*spec, "Environment spec",
                             {"nodes", "domain", "config", "prune", "selfHeal", "traffic"})) {
    return;
  }
  if (const YamlNode* nodes =
          r_.Required(*spec, "nodes", "Environment spec", "add 'nodes: [<node name>, ...]'")) {
    env.nodes = r_.StringList(*nodes, "nodes", kNamePattern, "a node name");
    if (nodes->IsSequence() && nodes->items.empty()) {
      r_.Error(*nodes, "'nodes' must list at least one node", "add the names of Node manifests");
    }
  }
  if (const YamlNode* domain = spec->Find("domain")) {
    if (auto text = r_.Pattern(*domain, "domain", kDomain, kDomainExpected))
      env.spec.domain = *text;
  }
  if (const YamlNode* config = spec->Find("config")) env.config = r_.Config(*config, "config");
  if (const YamlNode* prune = spec->Find("prune"))
    env.spec.prune = r_.Bool(*prune, "prune").value_or(false);
  if (const YamlNode* heal = spec->Find("selfHeal")) {
    env.spec.self_heal = r_.Bool(*heal, "selfHeal").value_or(true);
  }
  if (const YamlNode* traffic = spec->Find("traffic")) Traffic(*traffic, env.spec.traffic);
  if (!name) return;
  env.name = *name;
  env.spec.name = name->value;
  out_.environments.push_back(std::move(env));
}

void Parser::Traffic(const YamlNode& node, TrafficSpec& traffic) {
  if (!r_.ExpectMap(node, "traffic", {"proxy", "tls", "behindTrustedProxy"})) return;
  if (const YamlNode* proxy = node.Find("proxy")) {
    if (auto text = Enum(*proxy, "proxy", {"nginx", "traefik"})) traffic.proxy = *text;
  }
  if (const YamlNode* behind = node.Find("behindTrustedProxy")) {
    traffic.behind_trusted_proxy = r_.Bool(*behind, "behindTrustedProxy").value_or(false);
    // Dokku's Traefik cannot be told to trust a front's X-Forwarded-* (reference traefik §1.7).
    if (traffic.behind_trusted_proxy && traffic.proxy != "nginx")
      r_.Error(*behind, "'behindTrustedProxy' needs 'proxy: nginx'",
               "Dokku's Traefik rewrites the X-Forwarded-* headers a front sends; use 'proxy: "
               "nginx' on nodes behind a trusted front");
  }
  const YamlNode* tls = node.Find("tls");
  if (!tls || !r_.ExpectMap(*tls, "tls", {"letsencrypt"})) return;
  if (traffic.proxy != "traefik") {
    r_.Error(*tls, "'tls' needs 'proxy: traefik'",
             "add 'proxy: traefik' to traffic: dflow gets certificates from Traefik's ACME "
             "resolver");
    return;
  }
  const YamlNode* le = r_.Required(*tls, "letsencrypt", "tls", "add 'letsencrypt: {email: ...}'");
  if (!le || !r_.ExpectMap(*le, "letsencrypt", {"email", "server"})) return;
  traffic.tls = true;
  if (const YamlNode* email =
          r_.Required(*le, "email", "letsencrypt", "add 'email: <ACME account e-mail>'")) {
    if (auto text = r_.Pattern(*email, "email", kEmail, "an e-mail address")) {
      traffic.letsencrypt_email = *text;
    }
  }
  if (const YamlNode* server = le->Find("server")) {
    if (auto text = r_.Pattern(*server, "server", kHttpsUrl, "an https:// ACME directory URL")) {
      traffic.letsencrypt_server = *text;
    }
  }
}

std::optional<std::string> Parser::Enum(const YamlNode& node, std::string_view field,
                                        const std::vector<std::string>& values) {
  auto text = r_.String(node, field);
  if (!text) return std::nullopt;
  if (std::find(values.begin(), values.end(), *text) != values.end()) return text;
  std::string hint = DidYouMean(*text, values);
  if (hint.empty()) {
    hint = "use one of:";
    for (std::size_t i = 0; i < values.size(); ++i) hint += (i ? ", " : " ") + values[i];
  }
  r_.Error(node, "unknown " + std::string(field) + " '" + Abbreviate(*text) + "'", hint);
  return std::nullopt;
}

void Parser::Application(const YamlNode& doc) {
  ApplicationManifest app;
  auto name = Metadata(doc, "Application", nullptr);
  const YamlNode* spec = r_.Required(doc, "spec", "Application", "add 'spec: {services: [...]}'");
  if (!spec || !r_.ExpectMap(*spec, "Application spec",
                             {"services", "databases", "environments", "theme", "parameters",
                              "confirmUpgrades"})) {
    return;
  }
  app.file = r_.file();
  ThemeReference(*spec, app);
  if (app.theme) {
    // One source of services: a theme's are changed per environment with overrides.
    for (const char* field : {"services", "databases"}) {
      if (const YamlNode* n = spec->Find(field)) {
        r_.Error(*n, "'" + std::string(field) + "' in an application with 'theme'",
                 "the theme makes them; change them with environments.<env>.services overrides");
      }
    }
  } else if (const YamlNode* services = r_.Required(*spec, "services", "Application spec",
                                                    "add 'services: [{name: web, ...}]'")) {
    Services(*services, app);
  }
  if (const YamlNode* dbs = spec->Find("databases"); dbs && !app.theme) Databases(*dbs, app);
  if (const YamlNode* confirm = spec->Find("confirmUpgrades")) {
    static const Syntax kVersion{"[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?", 64};
    app.confirm_upgrades =
        r_.StringList(*confirm, "confirmUpgrades", kVersion, "a version such as 3.0.0");
    if (!app.theme) r_.Error(*confirm, "'confirmUpgrades' without 'theme'", "remove it");
  }
  if (const YamlNode* envs = r_.Required(*spec, "environments", "Application spec",
                                         "add 'environments: {production: {}}'")) {
    Environments(*envs, app);
  }
  if (!name) return;
  app.name = *name;
  out_.applications.push_back(std::move(app));
}

void Parser::ThemeReference(const YamlNode& spec, ApplicationManifest& app) {
  if (const YamlNode* theme = spec.Find("theme")) {
    if (auto text = r_.Name(*theme, "theme")) app.theme = Located{*text, r_.PosOf(*theme)};
  }
  const YamlNode* params = spec.Find("parameters");
  if (!params) return;
  if (!params->IsMap()) {
    r_.Error(*params, "'parameters' must be a map, got " + DescribeYamlType(*params));
  } else if (!app.theme) {
    r_.Error(*params, "'parameters' without 'theme'", "add 'theme: <name>' or remove parameters");
  } else {
    app.parameters = *params;
  }
}

void Parser::Services(const YamlNode& node, ApplicationManifest& app) {
  auto items = r_.List(node, "services");
  if (!items) return;
  if (items->empty() && !app.theme) r_.Error(node, "'services' must list at least one service");
  for (const YamlNode* item : *items) {
    ServiceManifest service;
    Service(*item, service);
    if (!service.name.value.empty()) app.services.push_back(std::move(service));
  }
}

void Parser::Databases(const YamlNode& node, ApplicationManifest& app) {
  auto items = r_.List(node, "databases");
  if (!items) return;
  for (const YamlNode* item : *items) {
    DatabaseManifest db;
    Database(*item, db);
    if (!db.name.value.empty()) app.databases.push_back(std::move(db));
  }
}

void Parser::Environments(const YamlNode& node, ApplicationManifest& app) {
  app.environments_pos = r_.PosOf(node);
  if (!node.IsMap()) {
    r_.Error(node, "'environments' must be a map of environment name to overrides, got " +
                       DescribeYamlType(node));
    return;
  }
  app.environments_is_map = true;
  for (const auto& [key, value] : node.entries) {
    if (!key.IsScalar()) continue;  // reported by the YAML reader
    auto env_name = r_.Name(key, "environments");
    if (!env_name) continue;
    EnvironmentOverride o;
    o.environment = {*env_name, r_.PosOf(key)};
    o.all.pos = r_.PosOf(key);
    if (!value.IsNull()) {  // `production:` with nothing means defaults, like `{}`
      if (!r_.ExpectMap(value, "environment override",
                        {"ref", "image", "config", "processes", "domains", "placement", "services",
                         "databases", "parameters"})) {
        continue;
      }
      OverrideFields(value, o.all);
      if (const YamlNode* params = value.Find("parameters")) {
        if (!params->IsMap()) {
          r_.Error(*params, "'parameters' must be a map, got " + DescribeYamlType(*params));
        } else if (!app.theme) {
          r_.Error(*params, "'parameters' without 'theme'",
                   "add 'theme: <name>' to the application or remove parameters");
        } else {
          o.parameters = *params;
        }
      }
      if (const YamlNode* services = value.Find("services")) ServiceOverrides(*services, o);
      if (const YamlNode* dbs = value.Find("databases")) DatabaseOverrides(*dbs, o);
    }
    app.environments.push_back(std::move(o));
  }
}

void Parser::ServiceOverrides(const YamlNode& node, EnvironmentOverride& o) {
  if (!node.IsMap()) {
    r_.Error(node, "'services' must be a map of service name to overrides, got " +
                       DescribeYamlType(node));
    return;
  }
  for (const auto& [key, value] : node.entries) {
    if (!key.IsScalar()) continue;  // reported by the YAML reader
    auto name = r_.Name(key, "services");
    if (!name) continue;
    Override so;
    so.pos = r_.PosOf(key);
    if (!value.IsNull()) {
      if (!r_.ExpectMap(value, "service override",
                        {"ref", "image", "config", "processes", "domains", "placement"})) {
        continue;
      }
      OverrideFields(value, so);
    }
    o.services.emplace_back(Located{*name, r_.PosOf(key)}, std::move(so));
  }
}

void Parser::DatabaseOverrides(const YamlNode& node, EnvironmentOverride& o) {
  if (!node.IsMap()) {
    r_.Error(node, "'databases' must be a map of database name to placement, got " +
                       DescribeYamlType(node));
    return;
  }
  for (const auto& [key, value] : node.entries) {
    if (!key.IsScalar()) continue;  // reported by the YAML reader
    auto name = r_.Name(key, "databases");
    if (!name || !r_.ExpectMap(value, "database override", {"placement", "move"})) continue;
    DatabaseOverride d;
    d.name = Located{*name, r_.PosOf(key)};
    d.node = NodeField(value, "placement", "node", "add 'node: <node name>'");
    d.move_from = NodeField(value, "move", "from", "add 'from: <node the data is on now>'");
    o.databases.push_back(std::move(d));
  }
}

void Parser::OverrideFields(const YamlNode& node, Override& o) {
  if (const YamlNode* ref = node.Find("ref")) {
    if (auto text = r_.Pattern(*ref, "ref", kRef, "a branch, tag or commit")) {
      o.ref = Located{*text, r_.PosOf(*ref)};
    }
  }
  if (const YamlNode* image = node.Find("image")) {
    if (auto text =
            r_.Pattern(*image, "image", kImage, "an image reference such as registry/name:tag")) {
      o.image = Located{*text, r_.PosOf(*image)};
    }
  }
  if (const YamlNode* config = node.Find("config")) o.config = r_.Config(*config, "config");
  if (const YamlNode* processes = node.Find("processes")) {
    o.processes_pos = r_.PosOf(*processes);
    Processes(*processes, o.processes);
  }
  if (const YamlNode* domains = node.Find("domains")) {
    o.domains_pos = r_.PosOf(*domains);
    o.domains = Domains(*domains);
  }
  if (const YamlNode* placement = node.Find("placement")) {
    if (r_.ExpectMap(*placement, "placement", {"nodes"})) {
      if (const YamlNode* nodes =
              r_.Required(*placement, "nodes", "placement", "add 'nodes: [<node name>]'")) {
        o.placement = r_.StringList(*nodes, "nodes", kNamePattern, "a node name");
        if (nodes->IsSequence() && nodes->items.empty()) {
          r_.Error(*nodes, "'nodes' must list at least one node");
        }
      }
    }
  }
}

std::vector<std::string> Parser::Domains(const YamlNode& node) {
  return Strings(node, "domains", kDomain, kDomainExpected);
}

void Parser::Service(const YamlNode& node, ServiceManifest& s) {
  if (!r_.ExpectMap(
          node, "service",
          {"name", "source", "build", "config", "secrets", "domains", "ports", "processes",
           "databases", "checks", "health", "resources", "storage", "networks", "protect"})) {
    return;
  }
  if (const YamlNode* n = r_.Required(node, "name", "service", "add 'name: web'")) {
    if (auto name = r_.Name(*n, "name")) s.name = {*name, r_.PosOf(*n)};
  }
  if (const YamlNode* source = r_.Required(node, "source", "service",
                                           "add 'source: {image: ...}' or {git: ..., ref: ...}")) {
    Source(*source, s);
  }
  if (const YamlNode* build = node.Find("build")) Build(*build, s.spec);
  if (const YamlNode* config = node.Find("config")) s.spec.config = r_.Config(*config, "config");
  if (const YamlNode* secrets = node.Find("secrets")) Secrets(*secrets, s);
  if (const YamlNode* domains = node.Find("domains")) s.spec.domains = Domains(*domains);
  if (const YamlNode* ports = node.Find("ports")) Ports(*ports, s.spec.ports);
  if (const YamlNode* processes = node.Find("processes")) Processes(*processes, s.spec.processes);
  if (const YamlNode* dbs = node.Find("databases")) {
    s.databases_pos = r_.PosOf(*dbs);
    s.databases = r_.StringList(*dbs, "databases", kNamePattern, "a database name");
  }
  if (const YamlNode* checks = node.Find("checks")) Checks(*checks, s.spec);
  if (const YamlNode* health = node.Find("health")) Health(*health, s);
  if (const YamlNode* res = node.Find("resources")) {
    if (r_.ExpectMap(*res, "resources", {"limits", "reservations"})) {
      if (const YamlNode* l = res->Find("limits")) Resources(*l, s.spec.resource_limits, "limits");
      if (const YamlNode* l = res->Find("reservations")) {
        Resources(*l, s.spec.resource_reservations, "reservations");
      }
    }
  }
  if (const YamlNode* storage = node.Find("storage")) {
    s.spec.storage = Strings(*storage, "storage", kStorage, "host-path-or-name:/container/path");
  }
  if (const YamlNode* networks = node.Find("networks")) {
    s.spec.networks = Strings(*networks, "networks", kNetwork, "a Docker network name");
  }
  if (const YamlNode* protect = node.Find("protect")) {
    s.spec.protect = r_.Bool(*protect, "protect").value_or(false);
  }
}

void Parser::Build(const YamlNode& node, AppSpec& spec) {
  if (!r_.ExpectMap(node, "build", {"builder"})) return;
  const YamlNode* builder = node.Find("builder");
  if (!builder) return;
  auto text = Enum(*builder, "builder",
                   {"herokuish", "dockerfile", "pack", "nixpacks", "railpack", "lambda", "null"});
  if (text) spec.builder = *text;
}

void Parser::Secrets(const YamlNode& node, ServiceManifest& s) {
  s.secret_keys = r_.StringList(node, "secrets", kSecretKey,
                                "a key name (letters, digits, '_', not starting with a digit)");
  for (const Located& key : s.secret_keys) {
    if (key.value.rfind("DFLOW_", 0) == 0) {
      r_.ErrorAt(key.pos, "key '" + Abbreviate(key.value) + "' in 'secrets' is reserved",
                 "keys starting with DFLOW_ belong to dflow; rename it");
    }
  }
}

void Parser::Ports(const YamlNode& node, std::vector<PortMapping>& out) {
  std::set<std::string> used;  // a scheme and host port is mapped once (Dokku's rule)
  for (const Located& p : r_.StringList(node, "ports", kPort,
                                        "scheme:host-port:container-port such as http:80:5000")) {
    // The pattern guarantees two ':' and 1-5 digits on each side.
    auto first = p.value.find(':');
    auto second = p.value.find(':', first + 1);
    PortMapping m;
    m.scheme = p.value.substr(0, first);
    m.host_port = std::stoi(p.value.substr(first + 1, second - first - 1));
    m.container_port = std::stoi(p.value.substr(second + 1));
    if (m.host_port < 1 || m.host_port > 65535 || m.container_port < 1 ||
        m.container_port > 65535) {
      r_.ErrorAt(p.pos, "port out of range in '" + p.value + "'", "ports are 1 to 65535");
      continue;
    }
    if (!used.insert(m.scheme + ":" + std::to_string(m.host_port)).second) {
      r_.ErrorAt(p.pos,
                 "host port " + m.scheme + ":" + std::to_string(m.host_port) + " is mapped twice",
                 "map each scheme and host port once");
      continue;
    }
    out.push_back(m);
  }
}

void Parser::Checks(const YamlNode& node, AppSpec& spec) {
  if (!r_.ExpectMap(node, "checks", {"disabled", "skipped"})) return;
  if (const YamlNode* list = node.Find("disabled")) {
    spec.checks_disabled = Strings(*list, "disabled", kCheckedProcess, "a process type or _all_");
  }
  if (const YamlNode* list = node.Find("skipped")) {
    spec.checks_skipped = Strings(*list, "skipped", kCheckedProcess, "a process type or _all_");
  }
}

// A repository's app.json carries its own checks: `health` is for images, which carry none.
void Parser::Health(const YamlNode& node, ServiceManifest& s) {
  std::optional<HealthCheck> health = ReadHealthCheck(r_, node);
  if (!health) return;
  if (s.spec.source.image.empty()) {
    r_.Error(node, "'health' is only for image sources",
             "a git source's checks belong in its own app.json, under healthchecks.web");
    return;
  }
  s.spec.health = *health;
}

std::vector<std::string> Parser::Strings(const YamlNode& node, std::string_view field,
                                         const Syntax& syntax, std::string_view expected) {
  std::vector<std::string> out;
  for (Located& item : r_.StringList(node, field, syntax, expected)) {
    out.push_back(std::move(item.value));
  }
  return out;
}

void Parser::Source(const YamlNode& node, ServiceManifest& s) {
  if (!r_.ExpectMap(node, "source", {"git", "ref", "image"})) return;
  const YamlNode* git = node.Find("git");
  const YamlNode* ref = node.Find("ref");
  const YamlNode* image = node.Find("image");
  if (git && image) {
    r_.Error(*image, "source has both 'git' and 'image'", "keep one of them");
    return;
  }
  if (!git && !image) {
    r_.Error(node, "source needs 'git' (with 'ref') or 'image'",
             "add 'image: registry/name:tag' or 'git: <url>' and 'ref: <branch|tag|commit>'");
    return;
  }
  if (image) {
    if (ref) r_.Error(*ref, "'ref' is only for git sources", "remove it or use 'git:'");
    auto text = r_.Pattern(*image, "image", kImage, "an image reference such as registry/name:tag");
    if (text) s.spec.source.image = *text;
    return;
  }
  s.git_source = true;
  if (auto text = r_.Pattern(*git, "git", kGitUrl, "a git URL (https://, ssh://, git@host:path)")) {
    s.spec.source.git_url = *text;
  }
  if (!ref) {
    r_.Error(node, "missing required field 'ref' in git source",
             "add 'ref: <branch, tag or commit>'");
    return;
  }
  if (auto text = r_.Pattern(*ref, "ref", kRef, "a branch, tag or commit"))
    s.spec.source.git_ref = *text;
}

void Parser::Processes(const YamlNode& node, std::map<std::string, int>& out) {
  if (!node.IsMap()) {
    r_.Error(node,
             "'processes' must be a map of process type to count, got " + DescribeYamlType(node));
    return;
  }
  for (const auto& [key, value] : node.entries) {
    auto type = r_.Pattern(key, "processes", kProcessType, "a process type such as web or worker");
    auto count = r_.Int(value, "processes." + (type ? *type : key.scalar), 0, kMaxProcessCount);
    if (type && count) out[*type] = *count;
  }
}

void Parser::Resources(const YamlNode& node, std::map<std::string, std::string>& out,
                       std::string_view field) {
  static const std::map<std::string, std::string> kFlags = {{"cpu", "cpu"},
                                                            {"memory", "memory"},
                                                            {"memorySwap", "memory-swap"},
                                                            {"network", "network"},
                                                            {"networkIngress", "network-ingress"},
                                                            {"networkEgress", "network-egress"},
                                                            {"nvidiaGpu", "nvidia-gpu"}};
  if (!r_.ExpectMap(node, std::string(field),
                    {"cpu", "memory", "memorySwap", "network", "networkIngress", "networkEgress",
                     "nvidiaGpu"})) {
    return;
  }
  for (const auto& [key, value] : node.entries) {
    auto flag = kFlags.find(key.scalar);
    if (flag == kFlags.end()) continue;
    auto text = r_.ScalarText(value, key.scalar);
    if (!text) continue;
    if (value.Type() == ScalarType::kBool || !MatchesPattern(*text, kResourceValue)) {
      r_.Error(value, "'" + key.scalar + "' must be an amount such as 512m or 1.5, got '" +
                          Abbreviate(*text) + "'");
      continue;
    }
    out[flag->second] = *text;
  }
}

void Parser::Database(const YamlNode& node, DatabaseManifest& db) {
  if (!r_.ExpectMap(node, "database",
                    {"name", "engine", "protect", "allowDestroy", "placement", "move"})) {
    return;
  }
  std::optional<Located> name;
  if (const YamlNode* n = r_.Required(node, "name", "database", "add 'name: db'")) {
    if (auto text = r_.Name(*n, "name")) name = Located{*text, r_.PosOf(*n)};
  }
  if (const YamlNode* e =
          r_.Required(node, "engine", "database", "add 'engine: postgres' or redis")) {
    if (auto text = Enum(*e, "engine", {"postgres", "redis"})) db.engine = *text;
  }
  if (const YamlNode* p = node.Find("protect")) db.protect = r_.Bool(*p, "protect").value_or(false);
  if (const YamlNode* a = node.Find("allowDestroy")) {
    db.allow_destroy = r_.Bool(*a, "allowDestroy").value_or(false);
  }
  db.node = NodeField(node, "placement", "node", "add 'node: <node name>'");
  db.move_from = NodeField(node, "move", "from", "add 'from: <node the data is on now>'");
  if (name) db.name = *name;  // recorded even with a bad engine: no "unknown database" cascade
}

// `<field>: {<key>: <node name>}` (a database's placement.node and move.from).
std::optional<Located> Parser::NodeField(const YamlNode& node, const char* field, const char* key,
                                         const char* hint) {
  const YamlNode* map = node.Find(field);
  if (!map || !r_.ExpectMap(*map, field, {key})) return std::nullopt;
  const YamlNode* value = r_.Required(*map, key, field, hint);
  if (!value) return std::nullopt;
  auto text = r_.Name(*value, key);
  if (!text) return std::nullopt;
  return Located{*text, r_.PosOf(*value)};
}

void Parser::Theme(const YamlNode& doc) {
  ThemeManifest theme;
  auto name = Metadata(doc, "Theme", nullptr, true);
  const YamlNode* spec = r_.Required(doc, "spec", "Theme", "add 'spec: {services: [...]}'");
  if (!spec || !r_.ExpectMap(*spec, "Theme spec",
                             {"description", "links", "product", "parameters", "rules", "secrets",
                              "datastores", "services", "notes"})) {
    return;
  }
  theme.file = r_.file();
  if (const YamlNode* meta = doc.Find("metadata"); meta && meta->Find("version")) {
    theme.version = meta->Find("version")->scalar;
  }
  if (const YamlNode* d = spec->Find("description")) {
    theme.description = r_.String(*d, "description").value_or("");
  }
  if (const YamlNode* n = spec->Find("links"); n && !n->IsMap()) {
    r_.Error(*n, "'links' must be a map, got " + DescribeYamlType(*n));
  }
  if (const YamlNode* rules = spec->Find("rules")) {
    r_.Error(*rules, "'rules' are not supported yet", "remove them (docs/themes.md, \"Not yet\")");
  }
  if (const YamlNode* product = spec->Find("product")) Product(*product, theme.product);
  if (const YamlNode* params = spec->Find("parameters")) {
    theme.parameters = ReadThemeParameters(*params, theme.product, r_);
  }
  if (const YamlNode* secrets = spec->Find("secrets")) ThemeSecrets(*secrets, theme);
  if (const YamlNode* notes = spec->Find("notes")) {
    if (!notes->IsMap()) {
      r_.Error(*notes, "'notes' must be a map, got " + DescribeYamlType(*notes));
    } else {
      for (const auto& [key, value] : notes->entries) {
        if (auto text = r_.String(value, key.scalar)) theme.notes.emplace_back(key.scalar, *text);
      }
    }
  }
  if (const YamlNode* dbs = spec->Find("datastores")) {
    if (r_.List(*dbs, "datastores")) theme.datastores = *dbs;
  }
  const YamlNode* services =
      r_.Required(*spec, "services", "Theme spec", "add 'services: [{name: web, ...}]'");
  if (services) {
    if (auto items = r_.List(*services, "services")) {
      for (const YamlNode* s : *items) {
        if (!s->IsMap()) {
          r_.Error(*s, "a theme service must be a map, got " + DescribeYamlType(*s));
        } else if (const YamlNode* n =
                       r_.Required(*s, "name", "theme service", "add 'name: web'")) {
          r_.Name(*n, "name");
        }
      }
      theme.services = *services;
    }
  }
  if (!name) return;
  theme.name = *name;
  out_.themes.push_back(std::move(theme));
}

void Parser::Product(const YamlNode& node, ThemeProduct& product) {
  if (!r_.ExpectMap(node, "product", {"name", "defaultVersion", "supported", "upgrades"})) return;
  if (const YamlNode* n = node.Find("name")) product.name = r_.String(*n, "name").value_or("");
  if (const YamlNode* s = node.Find("supported")) {
    auto text = r_.String(*s, "supported");
    if (text && !IsSemverRange(*text)) {
      r_.Error(*s, "'supported' must be a version range such as '>=2.17.0 <3.0.0', got '" +
                       Abbreviate(*text) + "'");
    } else if (text) {
      product.supported = *text;
    }
  }
  if (const YamlNode* v = node.Find("defaultVersion")) {
    product.default_version = r_.ScalarText(*v, "defaultVersion").value_or("");
  }
  if (const YamlNode* u = node.Find("upgrades")) Upgrades(*u, product);
}

// `upgrades: [{to: 3.0.0, breaking: true, requires: [backup], note: ...}]`: shown in plans.
void Parser::Upgrades(const YamlNode& node, ThemeProduct& product) {
  auto items = r_.List(node, "upgrades");
  if (!items) return;
  for (const YamlNode* item : *items) {
    if (!r_.ExpectMap(*item, "upgrade", {"to", "breaking", "requires", "note"})) continue;
    ThemeUpgradeNote upgrade;
    const YamlNode* to = r_.Required(*item, "to", "upgrade", "add 'to: <version>'");
    if (!to) continue;
    upgrade.to = r_.ScalarText(*to, "to").value_or("");
    if (!ParseSemver(upgrade.to)) {
      r_.Error(*to, "'to' must be a version such as 3.0.0, got '" + Abbreviate(upgrade.to) + "'");
      continue;
    }
    if (const YamlNode* b = item->Find("breaking"))
      upgrade.breaking = r_.Bool(*b, "breaking").value_or(false);
    if (const YamlNode* n = item->Find("note"))
      upgrade.note = r_.ScalarText(*n, "note").value_or("");
    if (const YamlNode* req = item->Find("requires")) r_.List(*req, "requires");
    product.upgrades.push_back(std::move(upgrade));
  }
}

void Parser::ThemeSecrets(const YamlNode& node, ThemeManifest& theme) {
  auto items = r_.List(node, "secrets");
  if (!items) return;
  for (const YamlNode* item : *items) {
    if (!r_.ExpectMap(
            *item, "theme secret",
            {"name", "generate", "derive", "durability", "rotation", "scope", "reveal"})) {
      continue;
    }
    ThemeSecret secret;
    if (const YamlNode* n = r_.Required(*item, "name", "theme secret", "add 'name: <camelCase>'")) {
      if (auto text = r_.Pattern(*n, "name", kParameterName, "a camelCase name"))
        secret.name = {*text, r_.PosOf(*n)};
    }
    if (const YamlNode* d = r_.Required(*item, "durability", "theme secret",
                                        "add 'durability: durable' or replaceable")) {
      secret.durable = Enum(*d, "durability", {"durable", "replaceable"}) == "durable";
    }
    secret.generator = SecretGenerator(*item);
    Recipe(*item, secret);
    if (const YamlNode* reveal = item->Find("reveal"))
      secret.recipe.reveal = r_.Bool(*reveal, "reveal").value_or(false);
    bool duplicate =
        std::any_of(theme.secrets.begin(), theme.secrets.end(),
                    [&](const ThemeSecret& s) { return s.name.value == secret.name.value; });
    if (duplicate)
      r_.ErrorAt(secret.name.pos, "duplicate secret '" + secret.name.value + "'", "remove one");
    if (!secret.name.value.empty() && !duplicate) theme.secrets.push_back(std::move(secret));
  }
  CheckDerivedSources(theme);
}

// `generate: {kind: random|password, ...}` or `derive: {kind: bcrypt, from: x, cost: n}`: what
// dflow runs to make the value once (replaceable) or prints for `dflow secrets generate`.
void Parser::Recipe(const YamlNode& item, ThemeSecret& secret) {
  const YamlNode* generate = item.Find("generate");
  const YamlNode* derive = item.Find("derive");
  if (generate && derive) {
    r_.Error(*derive, "a theme secret has 'generate' or 'derive', not both", "remove one");
    return;
  }
  const YamlNode* how = generate ? generate : derive;
  if (!how) {
    if (!secret.durable)
      r_.Error(item, "replaceable secret '" + secret.name.value + "' says nothing about its value",
               "add 'generate: {kind: random, bytes: 32, encoding: hex}'");
    return;
  }
  const bool shape =
      generate ? r_.ExpectMap(*how, "generate",
                              {"kind", "bytes", "encoding", "count", "join", "length", "classes"})
               : r_.ExpectMap(*how, "derive", {"kind", "from", "cost"});
  if (!shape) return;
  const YamlNode* kind =
      r_.Required(*how, "kind", generate ? "generate" : "derive",
                  generate ? "add 'kind: random' or password" : "add 'kind: bcrypt'");
  if (!kind) return;
  auto text = Enum(*kind, "kind",
                   generate ? std::vector<std::string>{"random", "password"}
                            : std::vector<std::string>{"bcrypt"});
  if (!text) return;
  secret.recipe.kind = *text;
  secret.has_recipe = true;
  if (*text == "random") RandomRecipe(*how, secret.recipe);
  if (*text == "password") PasswordRecipe(*how, secret.recipe);
  if (*text != "bcrypt") return;
  if (const YamlNode* from = r_.Required(*how, "from", "derive", "add 'from: <secret name>'"))
    secret.recipe.from = r_.String(*from, "from").value_or("");
  if (const YamlNode* cost = how->Find("cost"))  // libcrypt's bcrypt accepts 4 to 31
    secret.recipe.cost = r_.Int(*cost, "cost", 4, 31).value_or(secret.recipe.cost);
}

void Parser::RandomRecipe(const YamlNode& how, SecretRecipe& recipe) {
  if (const YamlNode* bytes = how.Find("bytes"))
    recipe.bytes = r_.Int(*bytes, "bytes", 8, 512).value_or(recipe.bytes);
  if (const YamlNode* encoding = how.Find("encoding"))
    recipe.encoding = Enum(*encoding, "encoding", {"hex", "base64", "base64url"}).value_or("hex");
  if (const YamlNode* count = how.Find("count"))
    recipe.count = r_.Int(*count, "count", 1, 16).value_or(recipe.count);
  if (const YamlNode* join = how.Find("join")) recipe.join = r_.String(*join, "join").value_or(",");
}

void Parser::PasswordRecipe(const YamlNode& how, SecretRecipe& recipe) {
  if (const YamlNode* length = how.Find("length"))
    recipe.length = r_.Int(*length, "length", 12, 128).value_or(recipe.length);
  const YamlNode* classes = how.Find("classes");
  if (!classes) return;
  static const Syntax kClass{"lower|upper|digit|symbol", 8};
  for (const Located& c :
       r_.StringList(*classes, "classes", kClass, "lower, upper, digit or symbol"))
    recipe.classes.push_back(c.value);
}

// A derived secret follows another secret of the same theme, which dflow generates too.
void Parser::CheckDerivedSources(const ThemeManifest& theme) {
  for (const ThemeSecret& s : theme.secrets) {
    if (s.recipe.kind != "bcrypt" || s.recipe.from.empty()) continue;
    auto source = std::find_if(theme.secrets.begin(), theme.secrets.end(),
                               [&](const ThemeSecret& t) { return t.name.value == s.recipe.from; });
    if (source == theme.secrets.end() || source->durable || source->recipe.kind == "bcrypt") {
      r_.ErrorAt(s.name.pos,
                 "secret '" + s.name.value + "' derives from '" + s.recipe.from +
                     "', which is not a generated secret of this theme",
                 "name a replaceable secret with 'generate'");
    }
  }
}

// "random 32 bytes hex", "password of 24", "bcrypt of ownerPassword": for `dflow themes show`.
std::string Parser::SecretGenerator(const YamlNode& item) {
  std::string out;
  const YamlNode* how = item.Find("generate");
  if (!how) how = item.Find("derive");
  if (!how || !how->IsMap()) return out;
  for (const auto& [key, value] : how->entries) {
    if (value.IsScalar())
      out += (out.empty() ? "" : ", ") + key.scalar + " " + Abbreviate(value.scalar);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& BuiltinThemes() {
  static const std::vector<std::string> kThemes = [] {
    std::vector<std::string> names;
    for (const BuiltinThemeText& t : BuiltinThemeTexts()) names.push_back(t.name);
    return names;
  }();
  return kThemes;
}

std::string BuiltinThemeFile(const std::string& name) { return "builtin:themes/" + name + ".yaml"; }

void ParseManifestDocument(const std::string& file, const YamlNode& document, Manifests& out,
                           std::vector<Diagnostic>& diagnostics) {
  Parser(file, out, diagnostics).Document(document);
}

}  // namespace dflow
