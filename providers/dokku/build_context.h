// The build context dflow deploys for an image with a health check: a Dockerfile that is
// `FROM <image>` and an app.json whose `healthchecks.web` holds the check. Dokku reads app.json
// from the image's WORKDIR only (reference/themes.md, "Deploying an upstream image"), so a
// plain `git:from-image` of an upstream image gets no HTTP check; this context, sent as a tar
// on stdin to `git:from-archive <app> --`, gives it one.
#pragma once

#include <string>

#include "manifests-schema/desired_state.h"

namespace dflow {

// The config key where dflow records which build context an app was deployed from:
// `git:from-archive` from stdin leaves Dokku's deploy source as "tar" with metadata "--"
// (plugins/git/internal-functions cmd-git-from-archive), which does not say what was sent.
// Its value, BuildContextDigest(), is set (--no-restart) right after the deploy succeeds. A
// failed deploy leaves it as it was; Dokku then has undone its commit (git-from-directory
// resets the deploy branch when git_receive_app fails), so the same context is sent again.
// Not covered: a deploy that succeeds and a recording config:set that then fails; the next
// pass sends the same context, which Dokku refuses ("No changes detected", exit 1) until the
// image or the check changes (docs/themes.md, Not yet).
inline constexpr const char* kBuildContextKey = "DFLOW_CONTEXT";

// app.json with one startup check for the web process (docker-container-healthchecker's
// format): keys sorted, two-space indent, fields at Dokku's default left out.
std::string HealthAppJson(const HealthCheck& health);

// The tar of `Dockerfile` then `app.json` (ustar_writer.h): the same image and check always
// give the same bytes.
std::string BuildContextArchive(const std::string& image, const HealthCheck& health);

// The first 16 hex digits of the SHA-256 of BuildContextArchive(image, health).
std::string BuildContextDigest(const std::string& image, const HealthCheck& health);

}  // namespace dflow
