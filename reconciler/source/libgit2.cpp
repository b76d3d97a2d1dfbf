#include "reconciler/source/libgit2.h"

#include <mutex>

namespace dflow {

void EnsureLibgit2() {
  // Never shut down: fetches may run until the process exits.
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string LastGitError() {
  const git_error* error = git_error_last();
  return error && error->message ? error->message : "unknown libgit2 error";
}

std::string GitError(std::string_view what) {
  const git_error* error = git_error_last();
  std::string message(what);
  if (error && error->message) message += std::string(": ") + error->message;
  return message;
}

}  // namespace dflow
