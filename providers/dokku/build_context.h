// The build context dflow deploys for an image with a health check: a Dockerfile that is
// `FROM <image>` and an app.json whose `healthchecks.web` holds the check. Dokku reads app.json
// from the image's WORKDIR only (reference/themes.md, "Deploying an upstream image"), so a
// plain `git:from-image` of an upstream image gets no HTTP check; this context, sent as a tar
// on stdin to `git:from-archive <app> --`, gives it one.
#pragma once

#include <string>
#include <string_view>

#include "manifests-schema/desired_state.h"

namespace dflow {

// The config key where dflow records which build context an app was deployed from:
// `git:from-archive` from stdin leaves Dokku's deploy source as "tar" with metadata "--"
// (plugins/git/internal-functions cmd-git-from-archive), which does not say what was sent.
// Its value, BuildContextDigest(), is set (--no-restart) right after the deploy succeeds. A
// failed deploy leaves it as it was; Dokku then has undone its commit (git-from-directory
// resets the deploy branch when git_receive_app fails), so the same context is sent again.
// When the deploy succeeded but the recording failed, the next pass sends the same context
// and Dokku refuses it (ContextAlreadyCommitted): apply then rebuilds from that commit.
inline constexpr const char* kBuildContextKey = "DFLOW_CONTEXT";

// Whether `git:from-archive` failed only because the app's repository already holds exactly
// this context (plugins/git/git-from-directory, v0.38.27: "No changes detected, skipping git
// commit", exit 1), as after a deploy whose DFLOW_CONTEXT was not recorded, or one that was
// cut off after its commit. Dokku's own advice then is `ps:rebuild`, which builds and deploys
// that commit: apply runs it in the deploy's place.
bool ContextAlreadyCommitted(int exit_code, std::string_view err);

// app.json with one startup check for the web process (docker-container-healthchecker's
// format): keys sorted, two-space indent, fields at Dokku's default left out.
std::string HealthAppJson(const HealthCheck& health);

// The tar of `Dockerfile` then `app.json` (ustar_writer.h): the same image and check always
// give the same bytes.
std::string BuildContextArchive(const std::string& image, const HealthCheck& health);

// The first 16 hex digits of the SHA-256 of BuildContextArchive(image, health).
std::string BuildContextDigest(const std::string& image, const HealthCheck& health);

}  // namespace dflow
