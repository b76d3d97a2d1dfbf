// ObserveNode: one node's observed state from as few Dokku invocations as Dokku 0.38 allows
// (reference/dokku.md §4), run as one flow (Transport::RunDokkuFlow): each call starts as soon
// as the calls it needs have answered and a channel is free.
//   - `plugin:list --format json` and `apps:list --format json` first. Dokku's version is the
//     version of its core plugins (`00_dokku-standard`); only when plugin:list cannot say it
//     (no Dokku, a Dokku before 0.38.22) does `version` run, to name the problem;
//   - then the all-app reports (domains, ports, proxy, ps, builder, git, checks, network,
//     storage, and builds when asked; `--format json`, skipped when there are no apps), the
//     node-wide settings `<plugin>:report --global --format json` for proxy, domains, nginx
//     and traefik (each when its plugin is enabled), `<engine>:list` for each enabled datastore
//     plugin (postgres, redis), and per app `config:export --format json <app>`, `ps:scale
//     --format json <app>`, `resource:report <app> --format json` (the three Dokku has no
//     all-app form of, or none that can be paired: §4);
//   - `apps:report --format json` once every other all-app report has answered: its lines name
//     their apps (`dir`), so the same apps as apps:list mean every report was paired right;
//     and per service `<engine>:info <svc> --links` once its engine's list has answered.
// Every argv starts with `--quiet`. For a node with A apps, S datastore services, E enabled
// datastore engines and the four global reports: 2 + 10 + 4 + E + 3*A + S invocations (one more
// with builds), the floor Dokku 0.38.27 allows; with no apps the ten reports are skipped. On 8
// channels the longest chain is plugin:list/apps:list, a report, apps:report.
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
  // a report count that differs, an apps:report naming other apps, or exit 20) or a
  // datastore service vanishes, the observation starts again, at most this many times in
  // all.
  int max_attempts = 3;
  bool include_builds = false;  // fills ObservedApp::last_build_status (one call per node)
};

// Observes one node. Errors:
// - a transport failure, as the transport reported it (kUnavailable, kTimeout, ...);
// - Dokku older than 0.38.22: kNotReady "Dokku <v> is too old: dflow needs Dokku 0.38.22 or
//   newer";
// - a command that exits non-zero, or output of a shape Dokku does not print: kFailed naming
//   the command and quoting the offending line (never a config value);
// - the node still changing after max_attempts: kUnavailable "gave up after <n> attempts:
//   the node changed during the observation: <what>".
// Every error message starts with "<transport.Describe()>: ". Thread-safe as the transport.
Result<ObservedNode> ObserveNode(Transport& transport, const ObserveOptions& options);

}  // namespace dflow
