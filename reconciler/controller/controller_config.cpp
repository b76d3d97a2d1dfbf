#include "reconciler/controller/controller_config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include "manifests-schema/base/text.h"
#include "manifests-schema/field_reader.h"
#include "manifests-schema/yaml_tree.h"
#include "providers/forge/forge_client.h"

namespace dflow {
namespace {

// The config is read through the manifests' YAML adapter (yaml_tree.h): the same YAML 1.1
// typing, bounds and file:line:column positions. The messages are the config's own: they name
// the setting by its dotted path ("ssh.connectTimeout").
using FieldSetter = std::function<void(FieldReader&, const YamlNode&, ControllerConfig&)>;

void SetString(FieldReader& r, const YamlNode& node, std::string& out, const std::string& name) {
  if (!node.IsScalar()) return r.Error(node, name + " must be a string");
  out = node.scalar;
}

void SetDuration(FieldReader& r, const YamlNode& node, std::chrono::seconds& out,
                 const char* name) {
  auto parsed = node.IsScalar() ? ParseDuration(node.scalar)
                                : Result<std::chrono::seconds>(Code::kInvalidArgument, "");
  if (!parsed.ok() || parsed->count() <= 0)
    return r.Error(node, std::string(name) + " must be a positive duration",
                   "write it like 30s, 5m or 1h");
  out = *parsed;
}

void SetInt(FieldReader& r, const YamlNode& node, int& out, const char* name, int min, int max) {
  std::optional<int> value = IntValue(node);
  if (!value || *value < min || *value > max)
    return r.Error(node, std::string(name) + " must be a whole number from " + std::to_string(min) +
                             " to " + std::to_string(max));
  out = *value;
}

void SetBool(FieldReader& r, const YamlNode& node, bool& out, const char* name) {
  std::optional<bool> value = BoolValue(node);
  if (!value) return r.Error(node, std::string(name) + " must be true or false");
  out = *value;
}

// A list of non-empty strings; a bad item is reported at the item and left out.
void SetStringList(FieldReader& r, const YamlNode& node, std::vector<std::string>& out,
                   const std::string& message) {
  out.clear();
  for (const YamlNode& item : node.items) {
    if (!item.IsScalar() || item.scalar.empty())
      r.Error(item, message);
    else
      out.push_back(item.scalar);
  }
}

void ReadBadges(FieldReader& r, const YamlNode& n, ControllerConfig& c) {
  if (!n.IsMap()) return r.Error(n, "badges must be a map (enabled, environments, ...)");
  for (const auto& [k, v] : n.entries) {
    const std::string& key = k.scalar;
    if (key == "enabled") {
      SetBool(r, v, c.badges_enabled, "badges.enabled");
    } else if (key == "environments") {
      c.badge_environments.clear();
      if (!v.IsSequence()) {
        r.Error(v, "badges.environments must be a list of environment names");
        continue;
      }
      SetStringList(r, v, c.badge_environments, "badges.environments must list environment names");
    } else if (key == "tokenSecretFile") {
      SetString(r, v, c.badge_token_secret_file, "badges.tokenSecretFile");
    } else if (key == "tokenSecretEnv") {
      SetString(r, v, c.badge_token_secret_env, "badges.tokenSecretEnv");
    } else if (key == "tokenSecret") {
      r.Error(k, "badges.tokenSecret must not be written in the config file",
              "put it in a file (badges.tokenSecretFile) or an env var (badges.tokenSecretEnv)");
    } else {
      r.Error(k, "unknown field 'badges." + key + "'",
              "known: enabled, environments, tokenSecretFile, tokenSecretEnv");
    }
  }
}

// A section of string settings: which keys it has, and the one key (if any) that would hold a
// secret and so must never be written in the file.
struct StringField {
  const char* key;
  std::string ControllerConfig::*member;
};
struct StringSection {
  std::string name;  // "repo": settings are named "repo.url" in messages
  std::vector<StringField> fields;
  std::string secret_key;  // "" when none
  std::string secret_hint;
};

void ReadStrings(FieldReader& r, const YamlNode& n, const StringSection& section,
                 ControllerConfig& c) {
  std::vector<std::string> known;
  for (const StringField& field : section.fields) known.push_back(field.key);
  for (const auto& [k, v] : n.entries) {
    const std::string name = section.name + "." + k.scalar;
    auto it = std::find_if(section.fields.begin(), section.fields.end(),
                           [&](const StringField& field) { return k.scalar == field.key; });
    if (!section.secret_key.empty() && k.scalar == section.secret_key)
      r.Error(k, name + " must not be written in the config file", section.secret_hint);
    else if (it == section.fields.end())
      r.Error(k, "unknown field '" + name + "'", "known: " + Join(known, ", "));
    else
      SetString(r, v, c.*(it->member), name);
  }
}

void ReadForge(FieldReader& r, const YamlNode& n, ControllerConfig& c) {
  if (!n.IsMap()) return r.Error(n, "forge must be a map (kind, apiUrl, repo, tokenFile, ...)");
  static const StringSection kForge = {
      "forge",
      {{"kind", &ControllerConfig::forge_kind},
       {"apiUrl", &ControllerConfig::forge_api_url},
       {"repo", &ControllerConfig::forge_repo},
       {"tokenFile", &ControllerConfig::forge_token_file},
       {"tokenEnv", &ControllerConfig::forge_token_env},
       {"targetUrl", &ControllerConfig::forge_target_url}},
      "token",
      "put it in a file (forge.tokenFile) or an env var (forge.tokenEnv)"};
  ReadStrings(r, n, kForge, c);
  if (!ParseForgeKind(c.forge_kind).ok())
    r.Error(n, "forge.kind must be github, gitea, forgejo or gitlab");
  if (c.forge_repo.empty())
    r.Error(n, "forge.repo is required", "owner/name (GitLab: group/project or a project id)");
  if (c.forge_token_file.empty() && c.forge_token_env.empty())
    r.Error(n, "forge needs tokenFile or tokenEnv", "a token allowed to set commit statuses");
  if (c.forge_kind == "gitea" || c.forge_kind == "forgejo") {
    if (c.forge_api_url.empty())
      r.Error(n, "forge.apiUrl is required for Gitea/Forgejo", "e.g. https://git.example.com");
  }
}

void ReadRepo(FieldReader& r, const YamlNode& n, ControllerConfig& c) {
  if (!n.IsMap()) return r.Error(n, "repo must be a map (url, branch, ...)");
  static const StringSection kRepo = {"repo",
                                      {{"url", &ControllerConfig::repo_url},
                                       {"branch", &ControllerConfig::branch},
                                       {"tokenFile", &ControllerConfig::repo_token_file},
                                       {"tokenEnv", &ControllerConfig::repo_token_env},
                                       {"sshKey", &ControllerConfig::repo_ssh_key},
                                       {"hostKey", &ControllerConfig::repo_host_key}},
                                      "",
                                      ""};
  ReadStrings(r, n, kRepo, c);
}

void ReadSsh(FieldReader& r, const YamlNode& n, ControllerConfig& c) {
  if (!n.IsMap()) return r.Error(n, "ssh must be a map (identity, knownHosts, ...)");
  for (const auto& [k, v] : n.entries) {
    const std::string& key = k.scalar;
    if (key == "identity") {
      c.ssh_identities.clear();
      if (v.IsScalar())
        c.ssh_identities.push_back(v.scalar);
      else if (v.IsSequence())
        SetStringList(r, v, c.ssh_identities, "ssh.identity must be a path or a list of paths");
      else
        r.Error(v, "ssh.identity must be a path or a list of paths");
    } else if (key == "passphraseFile") {
      SetString(r, v, c.ssh_passphrase_file, "ssh.passphraseFile");
    } else if (key == "knownHosts") {
      SetString(r, v, c.known_hosts_file, "ssh.knownHosts");
    } else if (key == "connectTimeout") {
      SetDuration(r, v, c.connect_timeout, "ssh.connectTimeout");
    } else if (key == "commandTimeout") {
      SetDuration(r, v, c.command_timeout, "ssh.commandTimeout");
    } else if (key == "maxSessions") {
      SetInt(r, v, c.ssh_max_sessions, "ssh.maxSessions", 3, 1000);
    } else {
      r.Error(k, "unknown field 'ssh." + key + "'",
              "known: identity, passphraseFile, knownHosts, connectTimeout, commandTimeout, "
              "maxSessions");
    }
  }
}

// sources: {<host>: {tokenFile, tokenEnv, sshKey, hostKey}}: the apps' repositories.
void ReadSources(FieldReader& r, const YamlNode& n, ControllerConfig& c) {
  if (!n.IsMap())
    return r.Error(n, "sources must be a map of host -> credentials",
                   "e.g. sources: {github.com: {tokenFile: /etc/dflow/github-token}}");
  c.app_sources.clear();
  for (const auto& [host, settings] : n.entries) {
    const std::string name = "sources." + host.scalar;
    if (!settings.IsMap()) {
      r.Error(settings, name + " must be a map (tokenFile, tokenEnv, sshKey, hostKey)");
      continue;
    }
    AppSourceCredentials source;
    source.host = host.scalar;
    for (const auto& [k, v] : settings.entries) {
      const std::string field = name + "." + k.scalar;
      if (k.scalar == "tokenFile")
        SetString(r, v, source.token_file, field);
      else if (k.scalar == "tokenEnv")
        SetString(r, v, source.token_env, field);
      else if (k.scalar == "sshKey")
        SetString(r, v, source.ssh_key, field);
      else if (k.scalar == "hostKey")
        SetString(r, v, source.host_key, field);
      else if (k.scalar == "token")
        r.Error(k, field + " must not be written in the config file",
                "put it in a file (tokenFile) or an env var (tokenEnv)");
      else
        r.Error(k, "unknown field '" + field + "'", "known: tokenFile, tokenEnv, sshKey, hostKey");
    }
    c.app_sources.push_back(std::move(source));
  }
  std::sort(c.app_sources.begin(), c.app_sources.end(),
            [](const auto& a, const auto& b) { return a.host < b.host; });
}

void ReadWebhook(FieldReader& r, const YamlNode& n, ControllerConfig& c) {
  if (!n.IsMap()) return r.Error(n, "webhook must be a map (secretFile or secretEnv)");
  static const StringSection kWebhook = {
      "webhook",
      {{"secretFile", &ControllerConfig::webhook_secret_file},
       {"secretEnv", &ControllerConfig::webhook_secret_env}},
      "secret",
      "put it in a file (webhook.secretFile) or an env var (webhook.secretEnv)"};
  ReadStrings(r, n, kWebhook, c);
}

void ReadApi(FieldReader& r, const YamlNode& n, ControllerConfig& c) {
  if (!n.IsMap()) return r.Error(n, "api must be a map (tokenFile or tokenEnv)");
  static const StringSection kApi = {
      "api",
      {{"tokenFile", &ControllerConfig::api_token_file},
       {"tokenEnv", &ControllerConfig::api_token_env}},
      "token",
      "put it in a file (api.tokenFile) or an env var (api.tokenEnv)"};
  ReadStrings(r, n, kApi, c);
}

// Each key of the top-level map and how to read it.
const std::map<std::string, FieldSetter>& Fields() {
  static const std::map<std::string, FieldSetter> fields = {
      {"repo", ReadRepo},
      {"ssh", ReadSsh},
      {"stateDir", [](FieldReader& r, const YamlNode& n,
                      ControllerConfig& c) { SetString(r, n, c.state_dir, "stateDir"); }},
      {"listen",
       [](FieldReader& r, const YamlNode& n, ControllerConfig& c) {
         SetString(r, n, c.listen, "listen");
         if (!c.listen.empty() && c.listen.rfind(':') == std::string::npos)
           r.Error(n, "listen must be host:port", "e.g. 127.0.0.1:8080");
       }},
      {"interval", [](FieldReader& r, const YamlNode& n,
                      ControllerConfig& c) { SetDuration(r, n, c.interval, "interval"); }},
      {"concurrency",
       [](FieldReader& r, const YamlNode& n, ControllerConfig& c) {
         SetInt(r, n, c.concurrency, "concurrency", 1, 256);
       }},
      {"secretsFile", [](FieldReader& r, const YamlNode& n,
                         ControllerConfig& c) { SetString(r, n, c.secrets_file, "secretsFile"); }},
      {"webhook", ReadWebhook},
      {"api", ReadApi},
      {"sources", ReadSources},
      {"badges", ReadBadges},
      {"forge", ReadForge},
      {"historyKeep",
       [](FieldReader& r, const YamlNode& n, ControllerConfig& c) {
         SetInt(r, n, c.history_keep, "historyKeep", 10, 1000000);
       }},
      {"allowMassDelete",
       [](FieldReader& r, const YamlNode& n, ControllerConfig& c) {
         SetBool(r, n, c.allow_mass_delete, "allowMassDelete");
       }},
      {"maxDeleteShare",
       [](FieldReader& r, const YamlNode& n, ControllerConfig& c) {
         std::optional<double> share = NumberValue(n);
         // Written so that NaN is refused too.
         if (!share || !(*share >= 0 && *share <= 1))
           return r.Error(n, "maxDeleteShare must be a number from 0 to 1");
         c.max_delete_share = *share;
       }},
  };
  return fields;
}

// The one YAML map of `text`, or nullopt after reporting why there is none. Duplicate keys are
// reported by the YAML reader, and the rest is still read.
std::optional<YamlNode> ReadRoot(const std::string& text, const std::string& path,
                                 std::vector<Diagnostic>& errors) {
  int line = 0;
  int column = 0;
  if (!IsValidUtf8(text, line, column)) {
    errors.push_back({path, line, column, "the controller config is not valid UTF-8", "", {}});
    return std::nullopt;
  }
  std::size_t node_budget = kMaxYamlNodes;
  std::vector<YamlNode> documents = ParseYamlDocuments(path, text, errors, node_budget);
  if (documents.empty() && !errors.empty()) return std::nullopt;  // a syntax error
  if (documents.size() > 1) {
    errors.push_back({path,
                      documents[1].line,
                      documents[1].column,
                      "the controller config must be one YAML document",
                      "",
                      {}});
    return std::nullopt;
  }
  if (documents.empty() || !documents[0].IsMap()) {
    errors.push_back({path, 1, 1, "the controller config must be a YAML map", "", {}});
    return std::nullopt;
  }
  return std::move(documents[0]);
}

}  // namespace

Result<std::chrono::seconds> ParseDuration(const std::string& text) {
  if (text.empty()) return Status(Code::kInvalidArgument, "empty duration");
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9) return Status(Code::kInvalidArgument, "bad duration " + text);
  long value = std::stol(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (unit.empty() || unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::seconds(value * 60);
  if (unit == "h") return std::chrono::seconds(value * 3600);
  return Status(Code::kInvalidArgument, "bad duration unit in " + text);
}

ConfigLoadResult ParseControllerConfig(const std::string& text, const std::string& path) {
  ConfigLoadResult result;
  result.config.source_path = path;
  std::optional<YamlNode> root = ReadRoot(text, path, result.errors);
  if (!root) return result;
  FieldReader reader(path, result.errors);
  for (const auto& [key, value] : root->entries) {
    auto it = Fields().find(key.scalar);
    if (it == Fields().end()) {
      std::vector<std::string> known;
      for (const auto& [name, unused] : Fields()) known.push_back(name);
      reader.Error(key, "unknown field '" + key.scalar + "'", "known: " + Join(known, ", "));
      continue;
    }
    it->second(reader, value, result.config);
  }
  if (result.config.repo_url.empty() && result.errors.empty())
    reader.Error(*root, "repo.url is required", "the Git URL or path of the config repo");
  return result;
}

std::string DefaultConfigPath() {
  const char* env = std::getenv("DFLOW_CONFIG");
  return env && *env ? env : "/etc/dflow/dflow.yaml";
}

ConfigLoadResult LoadControllerConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    ConfigLoadResult result;
    result.errors.push_back({path,
                             0,
                             0,
                             "cannot read the controller config",
                             "create it (see packaging/dflow.yaml) or pass --config",
                             {}});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseControllerConfig(text.str(), path);
}

namespace {

// The one list of settings that take effect only at start: the source, node SSH access, the
// state directory and the listen address. `visit(name, member)` is called for each.
template <typename Visit>
void ForEachRestartOnlySetting(Visit&& visit) {
  visit("repo.url", &ControllerConfig::repo_url);
  visit("repo.branch", &ControllerConfig::branch);
  visit("repo.tokenFile", &ControllerConfig::repo_token_file);
  visit("repo.tokenEnv", &ControllerConfig::repo_token_env);
  visit("repo.sshKey", &ControllerConfig::repo_ssh_key);
  visit("repo.hostKey", &ControllerConfig::repo_host_key);
  visit("ssh.identity", &ControllerConfig::ssh_identities);
  visit("ssh.passphraseFile", &ControllerConfig::ssh_passphrase_file);
  visit("ssh.knownHosts", &ControllerConfig::known_hosts_file);
  visit("ssh.connectTimeout", &ControllerConfig::connect_timeout);
  visit("ssh.maxSessions", &ControllerConfig::ssh_max_sessions);
  visit("stateDir", &ControllerConfig::state_dir);
  visit("listen", &ControllerConfig::listen);
}

}  // namespace

std::vector<std::string> SettingsNeedingRestart(const ControllerConfig& running,
                                                const ControllerConfig& reloaded) {
  std::vector<std::string> changed;
  ForEachRestartOnlySetting([&](const char* name, auto member) {
    if (running.*member != reloaded.*member) changed.emplace_back(name);
  });
  return changed;
}

ControllerConfig ConfigAfterReload(const ControllerConfig& running, ControllerConfig reloaded) {
  ForEachRestartOnlySetting([&](const char*, auto member) { reloaded.*member = running.*member; });
  return reloaded;
}

}  // namespace dflow
