// Renders plan actions (reconciler/action.h) into the Dokku argv that performs them, and
// into a redacted display line for plans and logs. The one place that knows Dokku's command
// forms and their traps (reference/dokku.md §1.6, §3, §5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state_loader.h"
#include "providers/dokku/action.h"

namespace dflow {

struct RenderedCommand {
  // Without the leading "dokku"; starts with "--quiet". It may hold secret values (base64):
  // NEVER print or log it. Every word is non-empty.
  std::vector<std::string> argv;
  // Strings that must be scrubbed from anything the command prints back (each secret value
  // and its base64 form, URL credentials), so Dokku's error output can be shown safely with
  // ScrubSecrets() (manifests-schema/base/secret.h).
  std::vector<std::string> sensitive;
  // Sent on the command's stdin (git:auth's password): a secret, like argv.
  std::string stdin_data;
};

// Renders `action` into argv. Config values are always sent base64-encoded
// (`config:set --encoded --no-restart`), destroy commands in their non-prompting forms
// (`apps:destroy <app> --force`, `<engine>:destroy <svc> -f`), lists with the replacing
// forms (domains:set, ports:set, network:set), and a cleared property leaves its value out
// instead of sending an empty word.
// `secrets` is keyed by Dokku app name (ResolveAppSecrets() in secrets_file.h).
// Errors: kNotFound when a secret has no value in `secrets` (looked up by the action's
// environment), kFailed when a secret's value no longer matches the hash the plan was made
// with, kInvalidArgument when the payload cannot form a valid command (bad config key,
// empty word, unknown resource, unknown engine).
Result<RenderedCommand> RenderDokkuCommand(const Action& action, const SecretValues& secrets);

// The command as a person may see it: "dokku config:set --no-restart web FOO=bar TOKEN=***".
// Secret values are "***"; plain config values are shown decoded (control characters
// escaped) and "--encoded"/"--quiet" are left out, so it reads as the equivalent command.
std::string DisplayDokkuCommand(const Action& action);

// The argv (without "dokku") of the export that feeds a kImportDatastore's stdin, run on
// node `import.value`.
std::vector<std::string> DatastoreExportArgv(const Action& import);

}  // namespace dflow
