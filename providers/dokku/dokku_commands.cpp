#include "providers/dokku/dokku_commands.h"

#include <algorithm>
#include <set>

#include "manifests-schema/base/base64.h"
#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/text.h"
#include "manifests-schema/secrets_file.h"
#include "providers/dokku/build_context.h"
#include "providers/transport/shell_quote.h"

namespace dflow {
namespace {

using Words = std::vector<std::string>;

// How config pairs are written: base64 for the real command, readable for display.
enum class Mode { kExecute, kDisplay };

struct Rendering {
  Words words;
  Words sensitive;
  std::string stdin_data;
};

Status Invalid(const Action& action, const std::string& why) {
  return Status(Code::kInvalidArgument,
                "cannot render " + std::string(ActionKindName(action.kind)) +
                    (action.app.empty() ? "" : " for app " + action.app) + ": " + why);
}

bool IsConfigKey(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool IsCount(std::string_view value) {
  return !value.empty() && value.size() < 6 && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

void Append(Words& words, const Words& more) {
  words.insert(words.end(), more.begin(), more.end());
}

// Adds `value` when set: Dokku clears a property when its value is left out, and the
// forced command would drop an empty word anyway.
void AppendIfSet(Words& words, const std::string& value) {
  if (!value.empty()) words.push_back(value);
}

// Display form of a plain value: control characters escaped, quoted when needed.
std::string DisplayWord(std::string_view word) {
  std::string escaped;
  bool needs_quotes = word.empty();
  for (unsigned char c : word) {
    if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\t') {
      escaped += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      escaped += "\\x";
      escaped += kHex[c >> 4];
      escaped += kHex[c & 0x0f];
    } else {
      escaped += static_cast<char>(c);
    }
    if (!std::isalnum(c) &&
        std::string_view("@%+=:,./_-").find(static_cast<char>(c)) == std::string_view::npos) {
      needs_quotes = true;
    }
  }
  return needs_quotes ? ShellQuote(escaped) : escaped;
}

Status AddConfigPair(const Action& action, const ConfigEntry& entry, const SecretValues& secrets,
                     Mode mode, Rendering& out) {
  if (!IsConfigKey(entry.key)) return Invalid(action, "invalid config key '" + entry.key + "'");
  if (!entry.secret) {
    out.words.push_back(
        entry.key + "=" +
        (mode == Mode::kExecute ? Base64Encode(entry.value) : DisplayWord(entry.value)));
    return Status::Ok();
  }
  if (mode == Mode::kDisplay) {
    out.words.push_back(entry.key + "=" + std::string(kRedacted));
    return Status::Ok();
  }
  auto env = secrets.find(action.app);
  const std::string* value = nullptr;
  if (env != secrets.end()) {
    auto it = env->second.find(entry.key);
    if (it != env->second.end()) value = &it->second;
  }
  if (value == nullptr) {
    return Status(Code::kNotFound, "secret " + entry.key + " has no value for app " + action.app +
                                       " (environment " + action.environment + ")");
  }
  if (Sha256Hex(*value) != entry.value_sha256) {
    return Status(Code::kFailed,
                  "secret " + entry.key + " changed since the plan was made; plan again");
  }
  std::string encoded = Base64Encode(*value);
  out.words.push_back(entry.key + "=" + encoded);
  out.sensitive.push_back(*value);
  out.sensitive.push_back(encoded);
  return Status::Ok();
}

// git:auth reads the password from stdin when it is left out of argv (plugins/git
// fn-git-auth-read-password), so it never shows in the node's process list.
Status AddGitAuth(const Action& action, const SecretValues& secrets, Mode mode, Rendering& out) {
  out.words = {"git:auth", action.target, action.value};
  if (mode == Mode::kDisplay) return Status::Ok();
  auto values = secrets.find(action.app);
  const std::string* password = nullptr;
  if (values != secrets.end()) {
    auto it = values->second.find(kGitAuthPasswordKey);
    if (it != values->second.end()) password = &it->second;
  }
  if (password == nullptr)
    return Status(Code::kNotFound, "gitAuth." + action.target +
                                       ".password is not in the secrets file any more; plan again");
  out.stdin_data = *password + "\n";
  out.sensitive.push_back(*password);
  return Status::Ok();
}

Status AddConfig(const Action& action, const SecretValues& secrets, Mode mode, Rendering& out) {
  if (action.config.empty()) return Invalid(action, "no config pairs");
  out.words = {"config:set"};
  if (mode == Mode::kExecute) out.words.push_back("--encoded");
  Append(out.words, {"--no-restart", action.app});
  for (const auto& entry : action.config) {
    Status status = AddConfigPair(action, entry, secrets, mode, out);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Status AddResources(const Action& action, const std::string& command, Rendering& out) {
  static const std::set<std::string> kResources = {
      "cpu", "memory", "memory-swap", "network", "network-ingress", "network-egress", "nvidia-gpu"};
  if (action.settings.empty()) return Invalid(action, "no resources");
  out.words = {command};
  for (const auto& [resource, value] : action.settings) {
    if (!kResources.contains(resource))
      return Invalid(action, "unknown resource '" + resource + "'");
    Append(out.words, {"--" + resource, value});
  }
  out.words.push_back(action.app);
  return Status::Ok();
}

Status AddScale(const Action& action, Rendering& out) {
  if (action.settings.empty()) return Invalid(action, "no process counts");
  out.words = {"ps:scale"};
  if (action.skip_deploy) out.words.push_back("--skip-deploy");
  out.words.push_back(action.app);
  for (const auto& [type, count] : action.settings) {
    if (!IsCount(count)) return Invalid(action, "invalid count '" + count + "' for " + type);
    out.words.push_back(type + "=" + count);
  }
  return Status::Ok();
}

Status CheckEngine(const Action& action) {
  if (action.engine == "postgres" || action.engine == "redis") return Status::Ok();
  return Invalid(action, "unknown datastore engine '" + action.engine + "'");
}

// Datastore commands: the service comes first, the force word right after it (§1.6).
Status AddDatastore(const Action& action, Rendering& out) {
  Status status = CheckEngine(action);
  if (!status.ok()) return status;
  const std::string& e = action.engine;
  switch (action.kind) {
    case ActionKind::kCreateDatastore:
      out.words = {e + ":create", action.target};
      break;
    case ActionKind::kDestroyDatastore:
      out.words = {e + ":destroy", action.target, "-f"};
      break;
    case ActionKind::kExposeDatastore:
      if (action.value.empty()) return Invalid(action, "no address to expose on");
      out.words = {e + ":expose", action.target, action.value};
      break;
    case ActionKind::kUnexposeDatastore:
      out.words = {e + ":unexpose", action.target};
      break;
    case ActionKind::kImportDatastore:
      if (action.value.empty()) return Invalid(action, "no node to export from");
      out.words = {e + ":import", action.target};
      break;
    case ActionKind::kLinkDatastore:
      out.words = {e + ":link", action.target, action.app, "--no-restart"};
      break;
    default:
      out.words = {e + ":unlink", action.target, action.app, "--no-restart"};
      break;
  }
  return Status::Ok();
}

Status AddOneValue(const Action& action, const std::string& command, Rendering& out) {
  if (action.values.size() != 1) return Invalid(action, "expects exactly one value");
  out.words = {command, action.app, action.values.front()};
  return Status::Ok();
}

Words ListCommand(const Action& action, const std::string& set, const std::string& clear) {
  if (action.values.empty()) return {clear, action.app};
  Words words = {set, action.app};
  Append(words, action.values);
  return words;
}

Words ChecksCommand(const Action& action, const std::string& command) {
  Words words = {command, action.app};
  if (!action.values.empty()) words.push_back(Join(action.values, ","));
  return words;
}

Words DeployGitCommand(const Action& action) {
  Words words = {"git:sync", "--build", action.app, action.git_url};
  AppendIfSet(words, action.git_ref);
  return words;
}

// Builds the words after "dokku --quiet".
Status Build(const Action& action, const SecretValues& secrets, Mode mode, Rendering& out) {
  const std::string& app = action.app;
  switch (action.kind) {
    case ActionKind::kSetGlobalDomain:
      out.words = action.value.empty() ? Words{"domains:clear-global"}
                                       : Words{"domains:set-global", action.value};
      return Status::Ok();
    case ActionKind::kSetGlobalProxyType:
      out.words = {"proxy:set", "--global", "type"};
      AppendIfSet(out.words, action.value);
      return Status::Ok();
    case ActionKind::kSetNginxGlobal:
      out.words = {"nginx:set", "--global", action.target};
      AppendIfSet(out.words, action.value);
      return Status::Ok();
    case ActionKind::kSetTraefikGlobal:
      out.words = {"traefik:set", "--global", action.target};
      AppendIfSet(out.words, action.value);
      return Status::Ok();
    case ActionKind::kStopNginx:
      out.words = {"nginx:stop"};
      return Status::Ok();
    case ActionKind::kStopTraefik:
      out.words = {"traefik:stop"};
      return Status::Ok();
    case ActionKind::kStartNginx:
      out.words = {"nginx:start"};
      return Status::Ok();
    case ActionKind::kStartTraefik:
      out.words = {"traefik:start"};
      return Status::Ok();
    case ActionKind::kCreateDatastore:
    case ActionKind::kDestroyDatastore:
    case ActionKind::kExposeDatastore:
    case ActionKind::kUnexposeDatastore:
    case ActionKind::kImportDatastore:
    case ActionKind::kLinkDatastore:
    case ActionKind::kUnlinkDatastore:
      return AddDatastore(action, out);
    case ActionKind::kCreateApp:
      out.words = {"apps:create", app};
      return Status::Ok();
    case ActionKind::kSetConfig:
    case ActionKind::kSetDerivedConfig:
      return AddConfig(action, secrets, mode, out);
    case ActionKind::kUnsetConfig:
      if (action.values.empty()) return Invalid(action, "no keys");
      out.words = {"config:unset", "--no-restart", app};
      Append(out.words, action.values);
      return Status::Ok();
    case ActionKind::kSetBuilder:
      out.words = {"builder:set", app, "selected"};
      AppendIfSet(out.words, action.value);
      return Status::Ok();
    case ActionKind::kSetProxyType:
      out.words = {"proxy:set", app, "type"};
      AppendIfSet(out.words, action.value);
      return Status::Ok();
    case ActionKind::kSetDomains:
      out.words = ListCommand(action, "domains:set", "domains:clear");
      return Status::Ok();
    case ActionKind::kBuildProxyConfig:
      out.words = {"proxy:build-config", app};
      return Status::Ok();
    case ActionKind::kSetPorts:
      out.words = ListCommand(action, "ports:set", "ports:clear");
      return Status::Ok();
    case ActionKind::kEnableChecks:
      out.words = ChecksCommand(action, "checks:enable");
      return Status::Ok();
    case ActionKind::kDisableChecks:
      out.words = ChecksCommand(action, "checks:disable");
      return Status::Ok();
    case ActionKind::kSkipChecks:
      out.words = ChecksCommand(action, "checks:skip");
      return Status::Ok();
    case ActionKind::kSetResourceLimits:
      return AddResources(action, "resource:limit", out);
    case ActionKind::kSetResourceReservations:
      return AddResources(action, "resource:reserve", out);
    case ActionKind::kMountStorage:
      return AddOneValue(action, "storage:mount", out);
    case ActionKind::kUnmountStorage:
      return AddOneValue(action, "storage:unmount", out);
    case ActionKind::kSetNetworks:
      out.words = {"network:set", app, "attach-post-deploy"};
      Append(out.words, action.values);
      return Status::Ok();
    case ActionKind::kScale:
      return AddScale(action, out);
    case ActionKind::kGitAuth:
      return AddGitAuth(action, secrets, mode, out);
    case ActionKind::kDeployGit:
      out.words = DeployGitCommand(action);
      return Status::Ok();
    case ActionKind::kDeployImage:
      out.words = {"git:from-image", app, action.value};
      return Status::Ok();
    case ActionKind::kDeployArchive:
      // "--": the archive comes on stdin; its type defaults to tar (cmd-git-from-archive).
      out.words = {"git:from-archive", app, "--"};
      if (!action.health.enabled()) return Invalid(action, "no health check");
      if (mode == Mode::kExecute) out.stdin_data = BuildContextArchive(action.value, action.health);
      return Status::Ok();
    case ActionKind::kRebuild:
      out.words = {"ps:rebuild", app};
      return Status::Ok();
    case ActionKind::kRestart:
      out.words = {"ps:restart", app};
      return Status::Ok();
    case ActionKind::kDestroyApp:
      out.words = {"apps:destroy", app, "--force"};
      return Status::Ok();
  }
  return Invalid(action, "unknown action kind");
}

}  // namespace

Result<RenderedCommand> RenderDokkuCommand(const Action& action, const SecretValues& secrets) {
  Rendering rendering;
  Status status = Build(action, secrets, Mode::kExecute, rendering);
  if (!status.ok()) return status;
  RenderedCommand command;
  command.argv = {"--quiet"};
  Append(command.argv, rendering.words);
  for (std::size_t i = 0; i < command.argv.size(); ++i) {
    if (command.argv[i].empty()) {
      return Invalid(action, "argument " + std::to_string(i + 1) + " is empty");
    }
  }
  command.sensitive = std::move(rendering.sensitive);
  command.stdin_data = std::move(rendering.stdin_data);
  if (action.kind == ActionKind::kDeployGit) {
    // Credentials in the URL (https://user:token@host) must not come back in error output, not
    // even alone: ScrubUrls swapped them for "***", so they are what it took out.
    const std::string scrubbed = ScrubUrls(action.git_url);
    if (scrubbed != action.git_url) {
      const std::size_t start = action.git_url.find("://") + 3;
      command.sensitive.push_back(
          action.git_url.substr(start, action.git_url.size() - scrubbed.size() + kRedacted.size()));
    }
  }
  return command;
}

std::string DisplayDokkuCommand(const Action& original) {
  Action action = original;
  action.git_url = ScrubUrls(action.git_url);
  for (auto& entry : action.config)
    if (entry.key == kDeployedSourceKey) entry.value = ScrubUrls(entry.value);
  Rendering rendering;
  Status status = Build(action, {}, Mode::kDisplay, rendering);
  if (!status.ok()) return "(" + status.message() + ")";
  std::string line = "dokku";
  for (std::size_t i = 0; i < rendering.words.size(); ++i) {
    const bool config_pair =
        (action.kind == ActionKind::kSetConfig || action.kind == ActionKind::kSetDerivedConfig) &&
        i >= 3;
    line += ' ';
    line += config_pair ? rendering.words[i] : DisplayWord(rendering.words[i]);
  }
  if (action.kind == ActionKind::kImportDatastore) {
    // The whole pipe, as a person would run it: the export's node, then this one's import.
    return "dokku " + DisplayWord(action.engine + ":export") + " " + DisplayWord(action.target) +
           " (on node " + DisplayWord(action.value) + ") | " + line;
  }
  return line;
}

std::vector<std::string> DatastoreExportArgv(const Action& import) {
  return {"--quiet", import.engine + ":export", import.target};
}

}  // namespace dflow
