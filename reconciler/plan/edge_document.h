// The edge document: the one file of an edge Traefik's file provider that dflow owns (reference
// traefik.md §2, §5.2). Pure: desired state in, model or YAML bytes out; the caller writes them.
//
// For every Dokku app of the edge's environments that has a domain, runs web processes (no
// `processes`, or web > 0) and runs on a node:
//   - one router per domain, `dflow-<domain with every character outside [a-z0-9-] as '-'>`,
//     rule Host(`<domain>`) on the edge's HTTPS entry point, TLS from its ACME resolver;
//   - one service, `dflow-<Dokku app name>`, load-balancing over http://<node>:80 for every
//     node that runs the app (NodeSpec::private_host, else host), with the Host header passed
//     on and a health check that sends the app's first domain as Host (or the node's proxy
//     would answer 404 and the server would count as down);
//   - one servers transport, kEdgeServersTransport, that every service uses.
// Names are at most kMaxEdgeNameLength bytes. A name that is longer, or that two different
// domains (or apps) would share once sanitised ("a-b.com"/"a.b-com"), is cut and ends in '-' and
// the first 8 hex digits of the SHA-256 of the domain (or app name) instead, so names never
// collide; they depend only on the set of domains and apps, never on input order.
//
// There is no HTTP router and no redirect middleware: the edge's static configuration redirects
// its plain-HTTP entry point to HTTPS (§2.3), which keeps ACME's HTTP-01 working and covers
// every domain at once.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state.h"

namespace dflow {

inline constexpr std::size_t kMaxEdgeNameLength = 100;
inline constexpr const char* kEdgeServersTransport = "dflow-nodes";

struct EdgeRouter {
  std::string name;     // Traefik router name (no provider suffix; "<name>@file" in the API)
  std::string domain;   // the one Host the rule matches
  std::string service;  // EdgeService::name
};

struct EdgeService {
  std::string name;                  // Traefik service name
  std::string app;                   // the Dokku app it fronts
  std::vector<std::string> domains;  // sorted; the health check sends the first as Host
  std::vector<std::string> nodes;    // sorted names of the nodes that run the app
  std::vector<std::string> urls;     // sorted, unique: "http://<address>:80"
};

struct EdgeDocument {
  std::string edge;                   // EdgeSpec::name
  std::string revision;               // DesiredState::revision ("" = none)
  std::string entry_point;            // EdgeSpec::entry_point
  std::string cert_resolver;          // EdgeSpec::cert_resolver
  std::vector<EdgeRouter> routers;    // sorted by name
  std::vector<EdgeService> services;  // sorted by name; each has at least one url
};

// The model of `edge`'s document. Errors, checked in a fixed order so that the same input in
// any order gives the same error:
//   kInvalidManifest: a value that would be written contains "{{" (Traefik renders the file as
//     a Go template), a backtick (it would end a rule's value), a line break, or another control
//     or non-ASCII byte; an empty domain, entry point or certificate resolver; a node address
//     that is not a host name or IP address; a domain that two Dokku apps claim;
//   kInternal: one Dokku app with different domains on two nodes, or names that still collide;
//   kNotReady: no app of the edge's environments has both a domain and a node. Writing that
//     empty document would remove every route of the edge (§2.7), so there is none to write.
// Every message starts with "edge '<name>': ".
Result<EdgeDocument> BuildEdgeDocument(const DesiredState& desired, const EdgeSpec& edge);

// The YAML bytes of `document`: a header comment naming the revision and that dflow owns the
// file (no timestamp), then `http` with routers, serversTransports and services; keys sorted,
// two-space indentation, LF line ends, every string double-quoted. Same document, same bytes.
// `document` must come from BuildEdgeDocument (its values are not checked again).
std::string EdgeDocumentYaml(const EdgeDocument& document);

// BuildEdgeDocument then EdgeDocumentYaml; the same errors.
Result<std::string> RenderEdgeDocument(const DesiredState& desired, const EdgeSpec& edge);

}  // namespace dflow
