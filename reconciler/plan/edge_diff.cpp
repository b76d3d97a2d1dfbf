#include "reconciler/plan/edge_diff.h"

#include <algorithm>
#include <map>
#include <set>

#include "reconciler/plan/edge_document.h"

namespace dflow {
namespace {

const EdgeSpec* FindEdge(const DesiredState& state, const std::string& name) {
  for (const auto& edge : state.edges)
    if (edge.name == name) return &edge;
  return nullptr;
}

// The routes (domain -> service) and servers (service -> urls) of a document; empty when
// there is nothing to route.
struct Routes {
  std::map<std::string, std::string> routes;
  std::map<std::string, std::set<std::string>> servers;
};

Result<Routes> RoutesOf(const DesiredState& state, const EdgeSpec& edge) {
  Result<EdgeDocument> document = BuildEdgeDocument(state, edge);
  if (!document.ok()) {
    if (document.status().code() == Code::kNotReady) return Routes{};
    return document.status();
  }
  Routes routes;
  for (const auto& router : document->routers) routes.routes[router.domain] = router.service;
  for (const auto& service : document->services)
    routes.servers[service.name] = {service.urls.begin(), service.urls.end()};
  return routes;
}

void Compare(const std::string& edge, const Routes& before, const Routes& after,
             std::vector<std::string>& lines) {
  const std::string prefix = "edge " + edge + ": ";
  for (const auto& [domain, service] : after.routes) {
    auto old = before.routes.find(domain);
    if (old == before.routes.end())
      lines.push_back(prefix + "route " + domain + " added (service " + service + ")");
    else if (old->second != service)
      lines.push_back(prefix + "route " + domain + " moves to service " + service);
  }
  for (const auto& [domain, service] : before.routes)
    if (!after.routes.contains(domain))
      lines.push_back(prefix + "route " + domain + " removed (was service " + service + ")");
  for (const auto& [service, urls] : after.servers) {
    auto old = before.servers.find(service);
    if (old == before.servers.end()) continue;  // a new service comes with its new routes
    for (const auto& url : urls)
      if (!old->second.contains(url))
        lines.push_back(prefix + "service " + service + ": server " + url + " added");
    for (const auto& url : old->second)
      if (!urls.contains(url))
        lines.push_back(prefix + "service " + service + ": server " + url + " removed");
  }
}

}  // namespace

std::vector<std::string> DiffEdges(const DesiredState& base, const DesiredState& head) {
  std::vector<std::string> lines;
  for (const EdgeSpec& edge : head.edges) {
    Result<Routes> after = RoutesOf(head, edge);
    if (!after.ok()) {
      lines.push_back("edge " + edge.name + ": cannot be rendered: " + after.status().message());
      continue;
    }
    const EdgeSpec* was = FindEdge(base, edge.name);
    if (was == nullptr) {
      lines.push_back("edge " + edge.name + " added: " + std::to_string(after->routes.size()) +
                      " route(s)");
      continue;
    }
    Result<Routes> before = RoutesOf(base, *was);
    Compare(edge.name, before.ok() ? *before : Routes{}, *after, lines);
  }
  for (const EdgeSpec& edge : base.edges)
    if (FindEdge(head, edge.name) == nullptr)
      lines.push_back("edge " + edge.name +
                      " removed from the repo: its file on the edge is left as it is");
  return lines;
}

}  // namespace dflow
