// GeneratedSecrets: the values dflow makes once for a theme's replaceable secrets (session
// salts, runner tokens, an owner password and its bcrypt hash), kept in one JSON file of the
// state (mode 0600, replaced atomically): the controller's `<stateDir>/generated-secrets.json`,
// the CLI's `generated-secrets.json` beside its --secrets file (docs/themes.md). A value is keyed
// by environment, application and secret name, so every service and every node of an
// application gets the same one; it is never made again unless rotated.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state.h"

namespace dflow {

// What `dflow secrets show` prints of one value: never the value.
struct GeneratedSecretInfo {
  std::string environment;
  std::string application;
  std::string name;
  std::int64_t created = 0;   // unix seconds; 0 = made before dflow recorded it
  std::string sha256_prefix;  // the first 12 hex digits of the value's SHA-256
  bool derived = false;       // a bcrypt of another secret: rotate that one
  bool reveal = false;        // the theme marks it `reveal: true`
};

class GeneratedSecrets {
 public:
  // Reads `path`; a missing file is an empty store. Errors: kFailed for an unreadable file,
  // kInvalidArgument for one that is not this store's JSON (never quoting a value). An empty
  // path is a store that keeps nothing on disk (Save() does nothing).
  static Result<std::unique_ptr<GeneratedSecrets>> Open(const std::string& path);

  // The value of secret `name` of `application` in `environment`, made with its recipe in
  // `recipes` when there is none yet. A bcrypt secret is hashed again only when the secret it
  // follows changed. Thread-safe: concurrent callers get the same value.
  Result<std::string> Ensure(const std::string& environment, const std::string& application,
                             const std::string& name,
                             const std::map<std::string, SecretRecipe>& recipes);

  // Forgets a value so that the next Ensure makes a new one (and its derived ones follow).
  // Returns whether there was one.
  bool Forget(const std::string& environment, const std::string& application,
              const std::string& name);

  // Asks whoever uses the store at `path` next (the controller's next pass, the next `dflow
  // apply`) to make a new value of one secret: a request file in the folder RotationDir(path),
  // written atomically, so a running controller (which keeps the store in memory and would
  // overwrite an edit of the file) picks it up. Errors: kFailed when it cannot be written.
  static Status RequestRotation(const std::string& path, const std::string& environment,
                                const std::string& application, const std::string& name);
  static std::string RotationDir(const std::string& path) { return path + ".rotate"; }

  // Forgets every value a rotation request names, so that the next Ensure makes a new one
  // (bcrypt values follow). The requests are removed by the next successful Save(), once the
  // new values are on disk: a plan that never saves leaves them for the apply. Returns the
  // "<environment>/<application>/<name>" of the values forgotten.
  std::vector<std::string> TakeRotationRequests();

  // Every value, sorted by environment, application and name.
  std::vector<GeneratedSecretInfo> List();
  // The value of a secret the theme marks `reveal: true`. Errors: kNotFound (no such value),
  // kPermissionDenied (not marked reveal).
  Result<std::string> Reveal(const std::string& environment, const std::string& application,
                             const std::string& name);

  // Writes the file when a value was made or forgotten since the last Save, then removes the
  // rotation requests taken.
  Status Save();
  // Whether Save() has something to write.
  bool Pending() {
    std::lock_guard lock(mutex_);
    return dirty_;
  }

  const std::string& path() const { return path_; }

 private:
  struct Entry {
    std::string value;
    std::string from_sha256;  // bcrypt: the SHA-256 of the value it was made from
    std::int64_t created = 0;
    bool reveal = false;
  };
  explicit GeneratedSecrets(std::string path) : path_(std::move(path)) {}
  Result<std::string> EnsureLocked(const std::string& scope, const std::string& name,
                                   const std::map<std::string, SecretRecipe>& recipes, int depth);

  std::string path_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // "<environment>/<application>/<name>" -> entry
  bool dirty_ = false;
  std::vector<std::string> taken_requests_;  // request files to remove after the next Save
};

// A fresh value made with `recipe` (random or password; bcrypt needs Bcrypt()). Uses the
// kernel's random source (getrandom).
Result<std::string> GenerateSecretValue(const SecretRecipe& recipe);

// The bcrypt hash ($2b$, Debian's libcrypt: crypt_gensalt_rn + crypt_rn) of `password`.
Result<std::string> Bcrypt(const std::string& password, int cost);

}  // namespace dflow
