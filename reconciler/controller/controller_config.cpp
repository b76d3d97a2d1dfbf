#include "reconciler/controller/controller_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "providers/forge/forge_client.h"

namespace dflow {
namespace {

struct Context {
  const std::string& path;
  std::vector<Diagnostic>& errors;

  void Error(const YAML::Node& node, std::string message, std::string hint = "") {
    Diagnostic d;
    d.file = path;
    d.line = node.Mark().line + 1;
    d.column = node.Mark().column + 1;
    d.message = std::move(message);
    d.hint = std::move(hint);
    errors.push_back(std::move(d));
  }
};

using FieldSetter = std::function<void(Context&, const YAML::Node&, ControllerConfig&)>;

void SetString(Context& ctx, const YAML::Node& node, std::string& out, const char* name) {
  if (!node.IsScalar()) return ctx.Error(node, std::string(name) + " must be a string");
  out = node.Scalar();
}

void SetDuration(Context& ctx, const YAML::Node& node, std::chrono::seconds& out,
                 const char* name) {
  auto parsed = node.IsScalar() ? ParseDuration(node.Scalar())
                                : Result<std::chrono::seconds>(Code::kInvalidArgument, "");
  if (!parsed.ok() || parsed->count() <= 0)
    return ctx.Error(node, std::string(name) + " must be a positive duration",
                     "write it like 30s, 5m or 1h");
  out = *parsed;
}

void SetInt(Context& ctx, const YAML::Node& node, int& out, const char* name, int min, int max) {
  try {
    int value = node.as<int>();
    if (value < min || value > max) throw YAML::Exception(node.Mark(), "range");
    out = value;
  } catch (const YAML::Exception&) {
    ctx.Error(node, std::string(name) + " must be a whole number from " + std::to_string(min) +
                        " to " + std::to_string(max));
  }
}

void SetBool(Context& ctx, const YAML::Node& node, bool& out, const char* name) {
  try {
    out = node.as<bool>();
  } catch (const YAML::Exception&) {
    ctx.Error(node, std::string(name) + " must be true or false");
  }
}

void ReadBadges(Context& ctx, const YAML::Node& n, ControllerConfig& c) {
  if (!n.IsMap()) return ctx.Error(n, "badges must be a map (enabled, environments, ...)");
  for (const auto& item : n) {
    const std::string key = item.first.Scalar();
    const YAML::Node& v = item.second;
    if (key == "enabled") {
      SetBool(ctx, v, c.badges_enabled, "badges.enabled");
    } else if (key == "environments") {
      c.badge_environments.clear();
      if (!v.IsSequence()) {
        ctx.Error(v, "badges.environments must be a list of environment names");
        continue;
      }
      for (const auto& e : v) {
        if (!e.IsScalar() || e.Scalar().empty())
          ctx.Error(e, "badges.environments must list environment names");
        else
          c.badge_environments.push_back(e.Scalar());
      }
    } else if (key == "tokenSecretFile") {
      SetString(ctx, v, c.badge_token_secret_file, "badges.tokenSecretFile");
    } else if (key == "tokenSecretEnv") {
      SetString(ctx, v, c.badge_token_secret_env, "badges.tokenSecretEnv");
    } else if (key == "tokenSecret") {
      ctx.Error(item.first, "badges.tokenSecret must not be written in the config file",
                "put it in a file (badges.tokenSecretFile) or an env var (badges.tokenSecretEnv)");
    } else {
      ctx.Error(item.first, "unknown field 'badges." + key + "'",
                "known: enabled, environments, tokenSecretFile, tokenSecretEnv");
    }
  }
}

void ReadForge(Context& ctx, const YAML::Node& n, ControllerConfig& c) {
  if (!n.IsMap()) return ctx.Error(n, "forge must be a map (kind, apiUrl, repo, tokenFile, ...)");
  static const std::map<std::string, std::string ControllerConfig::*> keys = {
      {"kind", &ControllerConfig::forge_kind},
      {"apiUrl", &ControllerConfig::forge_api_url},
      {"repo", &ControllerConfig::forge_repo},
      {"tokenFile", &ControllerConfig::forge_token_file},
      {"tokenEnv", &ControllerConfig::forge_token_env},
      {"targetUrl", &ControllerConfig::forge_target_url}};
  for (const auto& item : n) {
    const std::string key = item.first.Scalar();
    auto it = keys.find(key);
    if (key == "token") {
      ctx.Error(item.first, "forge.token must not be written in the config file",
                "put it in a file (forge.tokenFile) or an env var (forge.tokenEnv)");
    } else if (it == keys.end()) {
      ctx.Error(item.first, "unknown field 'forge." + key + "'",
                "known: kind, apiUrl, repo, tokenFile, tokenEnv, targetUrl");
    } else {
      SetString(ctx, item.second, c.*(it->second), ("forge." + key).c_str());
    }
  }
  if (!ParseForgeKind(c.forge_kind).ok())
    ctx.Error(n, "forge.kind must be github, gitea, forgejo or gitlab");
  if (c.forge_repo.empty())
    ctx.Error(n, "forge.repo is required", "owner/name (GitLab: group/project or a project id)");
  if (c.forge_token_file.empty() && c.forge_token_env.empty())
    ctx.Error(n, "forge needs tokenFile or tokenEnv", "a token allowed to set commit statuses");
  if (c.forge_kind == "gitea" || c.forge_kind == "forgejo") {
    if (c.forge_api_url.empty())
      ctx.Error(n, "forge.apiUrl is required for Gitea/Forgejo", "e.g. https://git.example.com");
  }
}

// Each key of the top-level map and how to read it.
const std::map<std::string, FieldSetter>& Fields() {
  static const std::map<std::string, FieldSetter> fields = {
      {"repo",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         if (!n.IsMap()) return ctx.Error(n, "repo must be a map (url, branch, ...)");
         static const std::map<std::string, std::string ControllerConfig::*> keys = {
             {"url", &ControllerConfig::repo_url},
             {"branch", &ControllerConfig::branch},
             {"tokenFile", &ControllerConfig::repo_token_file},
             {"tokenEnv", &ControllerConfig::repo_token_env},
             {"sshKey", &ControllerConfig::repo_ssh_key},
             {"hostKey", &ControllerConfig::repo_host_key}};
         for (const auto& item : n) {
           auto it = keys.find(item.first.Scalar());
           if (it == keys.end()) {
             ctx.Error(item.first, "unknown field 'repo." + item.first.Scalar() + "'",
                       "known: url, branch, tokenFile, tokenEnv, sshKey, hostKey");
             continue;
           }
           SetString(ctx, item.second, c.*(it->second), it->first.c_str());
         }
       }},
      {"ssh",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         if (!n.IsMap()) return ctx.Error(n, "ssh must be a map (identity, knownHosts, ...)");
         for (const auto& item : n) {
           const std::string key = item.first.Scalar();
           const YAML::Node& v = item.second;
           if (key == "identity") {
             c.ssh_identities.clear();
             if (v.IsScalar())
               c.ssh_identities.push_back(v.Scalar());
             else if (v.IsSequence())
               for (const auto& e : v) c.ssh_identities.push_back(e.Scalar());
             else
               ctx.Error(v, "ssh.identity must be a path or a list of paths");
           } else if (key == "passphraseFile") {
             SetString(ctx, v, c.ssh_passphrase_file, "ssh.passphraseFile");
           } else if (key == "knownHosts") {
             SetString(ctx, v, c.known_hosts_file, "ssh.knownHosts");
           } else if (key == "connectTimeout") {
             SetDuration(ctx, v, c.connect_timeout, "ssh.connectTimeout");
           } else if (key == "commandTimeout") {
             SetDuration(ctx, v, c.command_timeout, "ssh.commandTimeout");
           } else {
             ctx.Error(item.first, "unknown field 'ssh." + key + "'",
                       "known: identity, passphraseFile, knownHosts, connectTimeout, "
                       "commandTimeout");
           }
         }
       }},
      {"stateDir", [](Context& ctx, const YAML::Node& n,
                      ControllerConfig& c) { SetString(ctx, n, c.state_dir, "stateDir"); }},
      {"listen",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         SetString(ctx, n, c.listen, "listen");
         if (!c.listen.empty() && c.listen.rfind(':') == std::string::npos)
           ctx.Error(n, "listen must be host:port", "e.g. 127.0.0.1:8080");
       }},
      {"interval", [](Context& ctx, const YAML::Node& n,
                      ControllerConfig& c) { SetDuration(ctx, n, c.interval, "interval"); }},
      {"concurrency",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         SetInt(ctx, n, c.concurrency, "concurrency", 1, 256);
       }},
      {"secretsFile",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         SetString(ctx, n, c.secrets_file, "secretsFile");
       }},
      {"webhook",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         if (!n.IsMap()) return ctx.Error(n, "webhook must be a map (secretFile or secretEnv)");
         for (const auto& item : n) {
           const std::string key = item.first.Scalar();
           if (key == "secretFile")
             SetString(ctx, item.second, c.webhook_secret_file, "webhook.secretFile");
           else if (key == "secretEnv")
             SetString(ctx, item.second, c.webhook_secret_env, "webhook.secretEnv");
           else if (key == "secret")
             ctx.Error(item.first, "webhook.secret must not be written in the config file",
                       "put it in a file (webhook.secretFile) or an env var (webhook.secretEnv)");
           else
             ctx.Error(item.first, "unknown field 'webhook." + key + "'",
                       "known: secretFile, secretEnv");
         }
       }},
      {"badges", ReadBadges},
      {"forge", ReadForge},
      {"historyKeep",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         SetInt(ctx, n, c.history_keep, "historyKeep", 10, 1000000);
       }},
      {"allowMassDelete",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         try {
           c.allow_mass_delete = n.as<bool>();
         } catch (const YAML::Exception&) {
           ctx.Error(n, "allowMassDelete must be true or false");
         }
       }},
      {"maxDeleteShare",
       [](Context& ctx, const YAML::Node& n, ControllerConfig& c) {
         try {
           c.max_delete_share = n.as<double>();
           if (c.max_delete_share < 0 || c.max_delete_share > 1)
             throw YAML::Exception(n.Mark(), "range");
         } catch (const YAML::Exception&) {
           ctx.Error(n, "maxDeleteShare must be a number from 0 to 1");
         }
       }},
  };
  return fields;
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
  Context ctx{path, result.errors};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    Diagnostic d{path, e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg, "", {}};
    result.errors.push_back(d);
    return result;
  }
  if (!root.IsMap()) {
    result.errors.push_back({path, 1, 1, "the controller config must be a YAML map", "", {}});
    return result;
  }
  for (const auto& item : root) {
    const std::string key = item.first.Scalar();
    auto it = Fields().find(key);
    if (it == Fields().end()) {
      std::string known;
      for (const auto& [name, unused] : Fields()) known += (known.empty() ? "" : ", ") + name;
      ctx.Error(item.first, "unknown field '" + key + "'", "known: " + known);
      continue;
    }
    it->second(ctx, item.second, result.config);
  }
  if (result.config.repo_url.empty() && result.errors.empty())
    ctx.Error(root, "repo.url is required", "the Git URL or path of the config repo");
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
