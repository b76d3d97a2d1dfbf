#include "reconciler/controller/source_stage.h"

#include <spdlog/spdlog.h>

#include "manifests-schema/base/error_text.h"
#include "reconciler/source/fetch_process.h"
#include "reconciler/source/manifest_source.h"

namespace dflow {

Result<std::shared_ptr<const DesiredState>> LoadCommit(const std::string& mirror_dir,
                                                       const std::string& revision,
                                                       const SecretValues& secrets) {
  // In-process: it runs once per new commit, and valgrind finds no libgit2 leak on this path
  // (the PCRE2 leak is in git_remote_lookup/git_remote_create, i.e. only in the fetch).
  auto snapshot = ReadManifestsFromGit(mirror_dir, revision);
  if (!snapshot.ok()) return snapshot.status();
  LoadOptions options;
  options.secrets = &secrets;
  LoadResult result = LoadDesiredState(*snapshot, options);
  if (!result.ok()) {
    std::string errors;
    for (const auto& d : result.diagnostics)
      if (d.severity == Diagnostic::Severity::kError) errors += d.ToString() + "\n";
    // Logged, stored and served as it is: bounded here, once (error_text.h).
    return Status(Code::kInvalidManifest, BoundErrorText(errors));
  }
  return std::make_shared<const DesiredState>(std::move(*result.desired));
}

SourceOutcome RunSourceStage(const SourceStageInput& input) {
  SourceOutcome outcome;
  FetchProcessOptions process;
  process.executable = input.fetch_executable;
  process.cancelled = input.cancelled;
  auto fetched = FetchIntoMirrorInChild(input.remote, input.mirror_dir, process);
  if (!fetched.ok()) {
    outcome.status = fetched.status();
    return outcome;
  }
  outcome.commit = *fetched;
  if (fetched->id == input.last_attempted && !input.force) return outcome;  // nothing new
  spdlog::debug("source: fetched {}; loading it", fetched->id.substr(0, 12));
  auto desired = LoadCommit(input.mirror_dir, fetched->id, input.secrets);
  if (!desired.ok()) {
    outcome.status = desired.status();
    return outcome;
  }
  outcome.desired = std::move(desired).value();
  return outcome;
}

}  // namespace dflow
