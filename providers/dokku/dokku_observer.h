// ObserveNode: one node's observed state from as few Dokku invocations as Dokku 0.38 allows
// (reference/dokku.md §4), run concurrently through Transport::RunDokkuMany in three rounds:
//   1. `version`, `plugin:list --format json`, `apps:list --format json`;
//   2. the ten all-app reports (apps, domains, ports, proxy, ps, builder, git, checks,
//      network, storage; `--format json`, skipped when there are no apps),
//      `traefik:report --global --format json` (when traefik-vhosts is enabled) and
//      `<engine>:list` for each enabled datastore plugin (postgres, redis);
//   3. `apps:list --format json` again (the pairing check), per app `config:export --format
//      json <app>`, `ps:scale --format json <app>`, `resource:report <app> --format json`
//      (and `builds:report <app> --format json` when asked), per service
//      `<engine>:info <svc> --links`.
// Every argv starts with `--quiet`. For a node with A apps, S datastore services, E enabled
// datastore engines and traefik enabled: 3 + 10 + 1 + E + 1 + 3*A + S invocations
// (4*A with builds); with no apps the ten reports are skipped.
#pragma once

#include <string>

#include "manifests-schema/base/status.h"
#include "providers/dokku/observed_state.h"
#include "providers/transport/transport.h"

namespace dflow {

struct ObserveOptions {
  std::string node;  // copied into ObservedNode::node
  ExecOptions exec;  // for every invocation
  // All-app reports carry no app name and are paired by position with apps:list. When the
  // app list changes during an observation (an app created or destroyed meanwhile, seen as
  // a report count that differs, a second apps:list that differs, or exit 20) or a
  // datastore service vanishes, the observation starts again, at most this many times in
  // all.
  int max_attempts = 3;
  bool include_builds = false;  // fills ObservedApp::last_build_status (one call per app)
};

// Observes one node. Errors:
// - a transport failure, as the transport reported it (kUnavailable, kTimeout, ...);
// - Dokku older than 0.38.22: kFailed "Dokku <v> is too old: dflow needs Dokku 0.38.22 or
//   newer";
// - a command that exits non-zero, or output of a shape Dokku does not print: kFailed naming
//   the command and quoting the offending line (never a config value);
// - the node still changing after max_attempts: kUnavailable "gave up after <n> attempts:
//   the node changed during the observation: <what>".
// Every error message starts with "<transport.Describe()>: ". Thread-safe as the transport.
Result<ObservedNode> ObserveNode(Transport& transport, const ObserveOptions& options);

}  // namespace dflow
