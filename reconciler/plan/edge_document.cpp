#include "reconciler/plan/edge_document.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/text.h"

namespace dflow {
namespace {

// §2.5: fail fast on a dead node (Traefik's dial default is 30 s), bound how long a node may
// take to answer (the default is no bound), and keep enough idle connections per node for a
// busy edge (the default is 2).
constexpr const char* kDialTimeout = "5s";
constexpr const char* kIdleConnTimeout = "90s";
constexpr const char* kResponseHeaderTimeout = "60s";
constexpr int kMaxIdleConnsPerHost = 32;

// The health check: Dokku apps answer "/" through the node's proxy; a check every 10 s that
// gives up after 3 s takes a dead node out of rotation within about 13 s.
constexpr const char* kHealthPath = "/";
constexpr const char* kHealthInterval = "10s";
constexpr const char* kHealthTimeout = "3s";

constexpr std::size_t kHashLength = 8;

// A value as an error message shows it: on one line, with control and non-ASCII bytes as \xNN.
std::string Printable(std::string_view value) {
  std::string out;
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte >= 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

class EdgeErrors {
 public:
  explicit EdgeErrors(const std::string& edge) : prefix_("edge '" + Printable(edge) + "': ") {}

  Status Error(Code code, const std::string& message) const {
    return Status(code, prefix_ + message);
  }

  // `what` names the value ("domain 'x' of Dokku app 'y'"). The value is refused when writing
  // it would change the file's meaning: Traefik renders files as Go templates first (§2.7), a
  // backtick ends a rule's value, and a line break (or any control byte) ends a YAML scalar.
  // Non-ASCII is refused too: domains must be punycode, and YAML treats some non-ASCII
  // characters (NEL, U+2028) as line breaks.
  Status CheckValue(const std::string& what, std::string_view value) const {
    auto refuse = [&](const std::string& why) {
      return Error(Code::kInvalidManifest, what + " contains " + why);
    };
    if (value.find("{{") != std::string_view::npos)
      return refuse("'{{' (Traefik renders the file as a Go template)");
    if (value.find('`') != std::string_view::npos)
      return refuse("a backtick (Traefik quotes rule values in backticks)");
    if (value.find_first_of("\r\n") != std::string_view::npos) return refuse("a line break");
    for (char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte >= 0x7f) return refuse("a control or non-ASCII byte");
    }
    return Status::Ok();
  }

  Status CheckName(const std::string& what, std::string_view value) const {
    if (value.empty()) return Error(Code::kInvalidManifest, what + " is empty");
    return CheckValue(what + " '" + Printable(value) + "'", value);
  }

 private:
  std::string prefix_;
};

// One Dokku app behind the edge, as the nodes that run it describe it.
struct Collected {
  std::vector<std::string> domains;          // sorted, unique
  std::string first_node;                    // the node that gave `domains`
  std::map<std::string, std::string> nodes;  // node name -> the address the edge dials
};

// Only `web` containers are served by a node's proxy: a service whose processes leave out web
// (a worker) has nothing to route, whatever its default vhost says.
bool ServesHttp(const AppSpec& app) {
  if (app.processes.empty()) return true;  // Dokku's default formation: web=1
  auto web = app.processes.find("web");
  return web != app.processes.end() && web->second > 0;
}

bool RoutedBy(const EdgeSpec& edge, const AppSpec& app) {
  return !app.domains.empty() && ServesHttp(app) && Contains(edge.environments, app.environment);
}

std::vector<std::string> SortedUnique(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

// Nodes in name order, and each node's apps in name order: every later step (which error is
// reported first, too) is then independent of the order the desired state lists them in.
std::vector<const NodeDesiredState*> SortedNodes(const DesiredState& desired) {
  std::vector<const NodeDesiredState*> nodes;
  for (const auto& node : desired.nodes) nodes.push_back(&node);
  std::sort(nodes.begin(), nodes.end(),
            [](const auto* a, const auto* b) { return a->node.name < b->node.name; });
  return nodes;
}

std::vector<const AppSpec*> SortedApps(const NodeDesiredState& node) {
  std::vector<const AppSpec*> apps;
  for (const auto& app : node.apps) apps.push_back(&app);
  std::sort(apps.begin(), apps.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  return apps;
}

Result<std::map<std::string, Collected>> Collect(const DesiredState& desired, const EdgeSpec& edge,
                                                 const EdgeErrors& errors) {
  std::map<std::string, Collected> apps;  // Dokku app name -> what its nodes say
  for (const NodeDesiredState* node : SortedNodes(desired)) {
    const NodeSpec& spec = node->node;
    const std::string& address = spec.private_host.empty() ? spec.host : spec.private_host;
    for (const AppSpec* app : SortedApps(*node)) {
      if (!RoutedBy(edge, *app)) continue;
      std::vector<std::string> domains = SortedUnique(app->domains);
      auto [it, added] = apps.try_emplace(app->name, Collected{domains, spec.name, {}});
      if (!added && it->second.domains != domains) {
        return errors.Error(Code::kInternal, "Dokku app '" + Printable(app->name) +
                                                 "' has domains '" + Printable(Join(domains, " ")) +
                                                 "' on node '" + Printable(spec.name) + "' but '" +
                                                 Printable(Join(it->second.domains, " ")) +
                                                 "' on node '" + Printable(it->second.first_node) +
                                                 "'");
      }
      it->second.nodes[spec.name] = address;
    }
  }
  return apps;
}

bool IsAddressChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view(".-_:[]%").find(c) != std::string_view::npos;
}

Status CheckAddress(const std::string& node, const std::string& address, const EdgeErrors& errors) {
  const std::string what = "node '" + Printable(node) + "'";
  if (address.empty()) return errors.Error(Code::kInvalidManifest, what + " has no address");
  Status status = errors.CheckValue(what + " address '" + Printable(address) + "'", address);
  if (!status.ok()) return status;
  if (!std::all_of(address.begin(), address.end(), IsAddressChar)) {
    return errors.Error(Code::kInvalidManifest,
                        what + " address '" + address + "' is not a host name or IP address");
  }
  return Status::Ok();
}

// An IPv6 literal goes in brackets in a URL.
std::string NodeUrl(const std::string& address) {
  const bool ipv6 = address.find(':') != std::string::npos && address.front() != '[';
  return "http://" + (ipv6 ? "[" + address + "]" : address) + ":80";
}

Status CheckDomain(const std::string& app, const std::string& domain, const EdgeErrors& errors) {
  const std::string owner = "Dokku app '" + Printable(app) + "'";
  if (domain.empty()) return errors.Error(Code::kInvalidManifest, owner + " has an empty domain");
  return errors.CheckValue("domain '" + Printable(domain) + "' of " + owner, domain);
}

// Every value of every app, in app order, then one domain per app at most.
Status CheckApps(const std::map<std::string, Collected>& apps, const EdgeErrors& errors) {
  std::map<std::string, std::string> owners;  // domain -> the Dokku app that claims it
  for (const auto& [app, collected] : apps) {
    for (const std::string& domain : collected.domains) {
      Status status = CheckDomain(app, domain, errors);
      if (!status.ok()) return status;
      auto [owner, added] = owners.try_emplace(domain, app);
      if (!added) {
        return errors.Error(Code::kInvalidManifest,
                            "domain '" + domain + "' is claimed by Dokku apps '" +
                                Printable(owner->second) + "' and '" + Printable(app) + "'");
      }
    }
    for (const auto& [node, address] : collected.nodes) {
      Status status = CheckAddress(node, address, errors);
      if (!status.ok()) return status;
    }
  }
  return Status::Ok();
}

// "dflow-" + `raw`, lower-cased, with every byte outside [a-z0-9-] as '-'.
std::string Sanitized(std::string_view raw) {
  std::string out = "dflow-";
  for (char c : raw) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    out += keep ? c : '-';
  }
  return out;
}

std::string Hashed(const std::string& clean, std::string_view raw) {
  const std::string hash = Sha256Hex(raw).substr(0, kHashLength);
  return clean.substr(0, kMaxEdgeNameLength - kHashLength - 1) + "-" + hash;
}

// raw -> name, unique and at most kMaxEdgeNameLength bytes (see the header).
Result<std::map<std::string, std::string>> AssignNames(const std::set<std::string>& raws,
                                                       const std::string& kind,
                                                       const EdgeErrors& errors) {
  std::map<std::string, std::vector<std::string>> by_clean;
  for (const std::string& raw : raws) by_clean[Sanitized(raw)].push_back(raw);
  std::map<std::string, std::string> names;
  std::map<std::string, std::string> owners;  // name -> raw
  for (const auto& [clean, group] : by_clean) {
    for (const std::string& raw : group) {
      const bool plain = group.size() == 1 && clean.size() <= kMaxEdgeNameLength;
      const std::string name = plain ? clean : Hashed(clean, raw);
      auto [owner, added] = owners.try_emplace(name, raw);
      if (!added) {
        return errors.Error(Code::kInternal, kind + " name '" + name + "' of '" + Printable(raw) +
                                                 "' is also the name of '" +
                                                 Printable(owner->second) + "'");
      }
      names[raw] = name;
    }
  }
  return names;
}

std::set<std::string> AllDomains(const std::map<std::string, Collected>& apps) {
  std::set<std::string> domains;
  for (const auto& [app, collected] : apps)
    domains.insert(collected.domains.begin(), collected.domains.end());
  return domains;
}

std::set<std::string> AllApps(const std::map<std::string, Collected>& apps) {
  std::set<std::string> names;
  for (const auto& [app, collected] : apps) names.insert(app);
  return names;
}

EdgeService MakeService(const std::string& name, const std::string& app,
                        const Collected& collected) {
  EdgeService service{name, app, collected.domains, {}, {}};
  std::set<std::string> urls;
  for (const auto& [node, address] : collected.nodes) {
    service.nodes.push_back(node);
    urls.insert(NodeUrl(address));
  }
  service.urls.assign(urls.begin(), urls.end());
  return service;
}

Status CheckEdge(const DesiredState& desired, const EdgeSpec& edge, const EdgeErrors& errors) {
  // The edge's name and the revision are written in the header comment; Go templates are
  // rendered in comments too.
  for (Status status :
       {errors.CheckName("edge name", edge.name),
        errors.CheckValue("revision '" + Printable(desired.revision) + "'", desired.revision),
        errors.CheckName("entry point", edge.entry_point),
        errors.CheckName("certificate resolver", edge.cert_resolver)}) {
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

// A tiny block-style YAML writer: keys as given (the caller sorts them), scalars as given (the
// caller quotes them), two spaces per level.
class YamlWriter {
 public:
  void Key(int depth, std::string_view key) { Line(depth, std::string(key) + ":"); }
  void Field(int depth, std::string_view key, std::string_view scalar) {
    Line(depth, std::string(key) + ": " + std::string(scalar));
  }
  void Item(int depth, std::string_view text) { Line(depth, "- " + std::string(text)); }
  void Comment(std::string_view text) { Line(0, "# " + std::string(text)); }
  std::string Take() { return std::move(out_); }

 private:
  void Line(int depth, const std::string& text) {
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }
  std::string out_;
};

// A YAML double-quoted scalar. Control bytes were refused before, so only '"' and '\' need
// escaping.
std::string Quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void WriteRouter(const EdgeDocument& document, const EdgeRouter& router, YamlWriter& yaml) {
  yaml.Key(2, router.name);
  yaml.Key(3, "entryPoints");
  yaml.Item(4, Quoted(document.entry_point));
  yaml.Field(3, "rule", Quoted("Host(`" + router.domain + "`)"));
  yaml.Field(3, "service", Quoted(router.service));
  yaml.Key(3, "tls");
  yaml.Field(4, "certResolver", Quoted(document.cert_resolver));
}

void WriteTransport(YamlWriter& yaml) {
  yaml.Key(2, kEdgeServersTransport);
  yaml.Key(3, "forwardingTimeouts");
  yaml.Field(4, "dialTimeout", Quoted(kDialTimeout));
  yaml.Field(4, "idleConnTimeout", Quoted(kIdleConnTimeout));
  yaml.Field(4, "responseHeaderTimeout", Quoted(kResponseHeaderTimeout));
  yaml.Field(3, "maxIdleConnsPerHost", std::to_string(kMaxIdleConnsPerHost));
}

void WriteService(const EdgeService& service, YamlWriter& yaml) {
  yaml.Key(2, service.name);
  yaml.Key(3, "loadBalancer");
  yaml.Key(4, "healthCheck");
  yaml.Field(5, "hostname", Quoted(service.domains.front()));
  yaml.Field(5, "interval", Quoted(kHealthInterval));
  yaml.Field(5, "path", Quoted(kHealthPath));
  yaml.Field(5, "timeout", Quoted(kHealthTimeout));
  yaml.Field(4, "passHostHeader", "true");
  yaml.Key(4, "servers");
  for (const std::string& url : service.urls) yaml.Item(5, "url: " + Quoted(url));
  yaml.Field(4, "serversTransport", Quoted(kEdgeServersTransport));
}

}  // namespace

Result<EdgeDocument> BuildEdgeDocument(const DesiredState& desired, const EdgeSpec& edge) {
  const EdgeErrors errors(edge.name);
  if (Status status = CheckEdge(desired, edge, errors); !status.ok()) return status;
  Result<std::map<std::string, Collected>> apps = Collect(desired, edge, errors);
  if (!apps.ok()) return apps.status();
  if (apps->empty()) {
    const std::string environments =
        edge.environments.empty() ? "(none)" : Join(edge.environments, " ");
    return errors.Error(Code::kNotReady,
                        "nothing to route: no app of environments " + environments +
                            " has both a domain and a node, and an empty document would remove "
                            "every route of the edge");
  }
  if (Status status = CheckApps(*apps, errors); !status.ok()) return status;
  auto router_names = AssignNames(AllDomains(*apps), "router", errors);
  if (!router_names.ok()) return router_names.status();
  auto service_names = AssignNames(AllApps(*apps), "service", errors);
  if (!service_names.ok()) return service_names.status();

  EdgeDocument document{edge.name, desired.revision, edge.entry_point, edge.cert_resolver, {}, {}};
  for (const auto& [app, collected] : *apps) {
    const std::string& service = service_names->at(app);
    document.services.push_back(MakeService(service, app, collected));
    for (const std::string& domain : collected.domains)
      document.routers.push_back(EdgeRouter{router_names->at(domain), domain, service});
  }
  auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  std::sort(document.routers.begin(), document.routers.end(), by_name);
  std::sort(document.services.begin(), document.services.end(), by_name);
  return document;
}

std::string EdgeDocumentYaml(const EdgeDocument& document) {
  YamlWriter yaml;
  yaml.Comment("Traefik dynamic configuration of edge '" + document.edge +
               "', written by dflow from config revision " +
               (document.revision.empty() ? "(none)" : document.revision) + ".");
  yaml.Comment("dflow owns this file and replaces it whole: change the config repo, not this.");
  yaml.Key(0, "http");
  yaml.Key(1, "routers");
  for (const EdgeRouter& router : document.routers) WriteRouter(document, router, yaml);
  yaml.Key(1, "serversTransports");
  WriteTransport(yaml);
  yaml.Key(1, "services");
  for (const EdgeService& service : document.services) WriteService(service, yaml);
  return yaml.Take();
}

Result<std::string> RenderEdgeDocument(const DesiredState& desired, const EdgeSpec& edge) {
  Result<EdgeDocument> document = BuildEdgeDocument(desired, edge);
  if (!document.ok()) return document.status();
  std::string yaml = EdgeDocumentYaml(*document);
  // Belt and braces: two values could only meet as "{{" across quotes, which the writer never
  // puts next to each other; a bug that did would make Traefik evaluate a template.
  if (yaml.find("{{") != std::string::npos) {
    return Status(Code::kInternal, "edge '" + edge.name + "': the document contains '{{'");
  }
  return yaml;
}

}  // namespace dflow
