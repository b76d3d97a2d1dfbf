// Secrets: the one place that reads a secret (from a file or an environment variable), the
// type that holds one, and the scrubbers that keep secrets out of logs, errors and output.
// tools/check_secret_reads.py fails the build when another file reads the environment or a
// secret file; tests/reconciler/controller/secret_canary_e2e_test.cpp checks every output.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

// What every scrubber writes in place of a secret.
inline constexpr std::string_view kRedacted = "***";

// A secret value. Streaming it prints "***"; there is deliberately no fmt formatter and no
// conversion to std::string, so logging one by mistake does not compile or shows "***".
// Reveal() is the value, for the one call that needs it (a header, a password callback).
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Secret&, const Secret&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << kRedacted; }

 private:
  std::string value_;
};

// A secret file holds one line: the value, then at most one line break ("\n", "\r\n" or "\r"),
// which is dropped.
// `what` names the setting in errors ("repo.tokenFile"); no error ever contains the value.
// Errors: kNotFound (no such file), kPermissionDenied (unreadable), kInvalidArgument (larger than
// 64 KiB, or a line break inside the value).
Result<Secret> ReadSecretFile(const std::string& path, std::string_view what);

// The environment variable `name` under the same one-line rule; an unset variable is an empty
// Secret. Errors: kInvalidArgument (a line break inside the value), naming the variable.
Result<Secret> ReadSecretEnv(const std::string& name);

// A setting given as a file or an environment variable: `file` when it is set, else `env` when
// it is set, else an empty Secret. `what` names the file setting in errors.
Result<Secret> ReadSecret(const std::string& file, const std::string& env, std::string_view what);

// `text` with the user information of every URL in it ("https://user:pass@host/..." and
// "https://token@host") replaced by "***": "https://***@host/...". Only the authority is
// looked at, so an "@" in a path ("https://host/a@b") is left alone.
std::string ScrubUrls(std::string_view text);

// `text` with every occurrence of each non-empty value replaced by "***" (longer values first,
// so a value that contains another is never left half shown).
std::string ScrubSecrets(std::string text, const std::vector<std::string>& values);
std::string ScrubSecrets(std::string text, const std::vector<Secret>& values);

}  // namespace dflow
