// The secrets file: secret VALUES, kept by the controller's operator outside the config repo
// (default /etc/dflow/secrets.yaml; packaging/secrets.example.yaml shows the format). The repo
// only names the keys a service needs (`secrets: [KEY]`).
//
//   production:                   # environment
//     SMTP_PASSWORD: "..."        # KEY: every service of this environment that lists it
//     course-management:          # an application: values only its services see
//       STRIPE_KEY: "..."
//       web:                      # one service of that application
//         SESSION_SECRET: "..."
//
// The most specific value wins: service, then application, then environment. Values are
// scalars (written as they appear). Messages about this file never contain a value.
//
// One more top-level key, never an environment name (those are lower case):
//
//   gitAuth:                      # private app repositories over https (docs/sources.md)
//     git.example.com:            # the host, as the source URLs name it (no port)
//       username: deploy-bot
//       password: "..."           # a token; Dokku's git:auth puts it in the node's netrc
#pragma once

#include <string>

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state_loader.h"

namespace dflow {

// Reads and checks the secrets file. Application and service levels are stored flattened in
// SecretValues as "<application>/<KEY>" and "<application>/<service>/<KEY>". Errors (missing or
// unreadable file, bad YAML, bad key, non-scalar value) are kInvalidArgument with
// "<path>:<line>:<column>: <what>".
Result<SecretValues> LoadSecretsFile(const std::string& path);

// The value a service sees for `key` in `environment`, or nullptr when there is none.
const std::string* ResolveSecretValue(const SecretValues& secrets, const std::string& environment,
                                      const std::string& application, const std::string& service,
                                      const std::string& key);

// The secrets file's `gitAuth:` section, stored in SecretValues under this name, keyed
// "<host>/username" and "<host>/password".
inline constexpr const char* kGitAuthSection = "gitAuth";
// The pseudo-keys under which an app's resolved secrets carry its git source host's
// credentials. Never config keys (a config key has no space), never set as config.
inline constexpr const char* kGitAuthUserKey = "git-auth username";
inline constexpr const char* kGitAuthPasswordKey = "git-auth password";

// The host of an http(s) git URL as a netrc `machine` names it (no user, no port), or "" for
// other URLs (ssh remotes authenticate with keys, not netrc).
std::string GitAuthHostOf(const std::string& url);

// The secret values each Dokku app of `desired` gets, keyed by app name then key: the form
// planning and applying use. Keys without a value are left out (validation reports them). An
// app whose git source's host has `gitAuth` credentials gets them under kGitAuthUserKey and
// kGitAuthPasswordKey.
SecretValues ResolveAppSecrets(const DesiredState& desired, const SecretValues& file_values);

}  // namespace dflow
