#include "manifests-schema/secrets_file.h"

#include <fstream>
#include <sstream>

#include "manifests-schema/app_name.h"
#include "manifests-schema/base/text.h"
#include "manifests-schema/config_key.h"
#include "manifests-schema/yaml_tree.h"

namespace dflow {
namespace {

constexpr std::uint64_t kMaxSecretsFileBytes = 1u << 20;

Status Invalid(const std::string& path, const YamlNode& at, const std::string& what) {
  return Status(Code::kInvalidArgument, path + ":" + std::to_string(at.line) + ":" +
                                            std::to_string(at.column) + ": " + what);
}

// Reads one map level: KEY: value pairs, plus (below `depth` 2) nested maps whose key is an
// application or service name. `prefix` is "" / "<app>/" / "<app>/<service>/".
Status ReadLevel(const std::string& path, const YamlNode& map, const std::string& prefix, int depth,
                 std::map<std::string, std::string>& out) {
  for (const auto& [key, value] : map.entries) {
    if (value.IsMap()) {
      if (depth >= 2 || !IsValidManifestName(key.scalar)) {
        return Invalid(path, key,
                       "'" + Abbreviate(key.scalar) + "' is not an " +
                           (depth == 0 ? std::string("application") : std::string("service")) +
                           " name (only environment/application/service/KEY nesting is allowed)");
      }
      Status status = ReadLevel(path, value, prefix + key.scalar + "/", depth + 1, out);
      if (!status.ok()) return status;
      continue;
    }
    if (!IsConfigKey(key.scalar))
      return Invalid(path, key, "invalid secret key '" + Abbreviate(key.scalar) + "'");
    if (!value.IsScalar() || value.Type() == ScalarType::kNull) {
      return Invalid(path, key, "the value of '" + Abbreviate(key.scalar) + "' must be a string");
    }
    out[prefix + key.scalar] = value.scalar;
  }
  return Status::Ok();
}

// gitAuth: {host: {username, password}}.
Status ReadGitAuth(const std::string& path, const YamlNode& section, SecretValues& secrets) {
  if (section.IsNull()) return Status::Ok();
  if (!section.IsMap())
    return Invalid(path, section, "gitAuth must map hosts to {username, password}");
  auto& out = secrets[kGitAuthSection];
  for (const auto& [host, entry] : section.entries) {
    const bool plain_host = !host.scalar.empty() && host.scalar.size() <= 253 &&
                            host.scalar.find_first_not_of(
                                "abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
    if (!plain_host)
      return Invalid(path, host,
                     "'" + Abbreviate(host.scalar) +
                         "' is not a host name (lower case, no scheme, user or port)");
    if (!entry.IsMap())
      return Invalid(path, host, "gitAuth." + host.scalar + " must be {username, password}");
    for (const auto& [field, value] : entry.entries) {
      if (field.scalar != "username" && field.scalar != "password")
        return Invalid(path, field,
                       "unknown field '" + Abbreviate(field.scalar) +
                           "' (gitAuth entries have username and password)");
      if (!value.IsScalar() || value.Type() == ScalarType::kNull || value.scalar.empty() ||
          value.scalar.find_first_of("\r\n") != std::string::npos)
        return Invalid(
            path, field,
            "gitAuth." + host.scalar + "." + field.scalar + " must be a one-line string");
      out[host.scalar + "/" + field.scalar] = value.scalar;
    }
    for (const char* field : {"username", "password"})
      if (!out.contains(host.scalar + "/" + field))
        return Invalid(path, host, "gitAuth." + host.scalar + " needs a " + field);
  }
  return Status::Ok();
}

}  // namespace

std::string GitAuthHostOf(const std::string& url) {
  // Schemes and host names are case-insensitive (RFC 3986 3.1, 3.2.2); gitAuth keys are lower
  // case, and so is the netrc machine Dokku's git:auth writes.
  const std::string lower = AsciiLower(url);
  std::size_t start;
  if (lower.rfind("https://", 0) == 0)
    start = 8;
  else if (lower.rfind("http://", 0) == 0)
    start = 7;
  else
    return "";
  std::string authority = lower.substr(start, lower.find('/', start) - start);
  if (std::size_t at = authority.rfind('@'); at != std::string::npos)
    authority = authority.substr(at + 1);
  if (!authority.empty() && authority.front() == '[') return "";  // an IPv6 literal: no netrc
  return authority.substr(0, authority.find(':'));
}

Result<SecretValues> LoadSecretsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, path + ": cannot open secrets file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string content = buffer.str();
  if (content.size() > kMaxSecretsFileBytes) {
    return Status(Code::kInvalidArgument, path + ": secrets file too large");
  }
  int line = 0;
  int column = 0;
  if (!IsValidUtf8(content, line, column)) {
    return Status(Code::kInvalidArgument, path + ":" + std::to_string(line) + ":" +
                                              std::to_string(column) + ": not UTF-8 text");
  }
  std::vector<Diagnostic> diagnostics;
  std::size_t node_budget = kMaxYamlNodes;
  std::vector<YamlNode> docs = ParseYamlDocuments(path, content, diagnostics, node_budget);
  if (!diagnostics.empty()) {
    // Syntax errors quote no values: yaml-cpp messages name tokens, not scalars.
    return Status(Code::kInvalidArgument, diagnostics.front().ToString());
  }
  SecretValues secrets;
  if (docs.empty()) return secrets;
  if (docs.size() > 1) return Invalid(path, docs[1], "expected one YAML document");
  const YamlNode& root = docs.front();
  if (!root.IsMap()) return Invalid(path, root, "expected a map of environment name to keys");
  for (const auto& [env, keys] : root.entries) {
    if (env.scalar == kGitAuthSection) {
      if (Status status = ReadGitAuth(path, keys, secrets); !status.ok()) return status;
      continue;
    }
    if (!IsValidManifestName(env.scalar)) {
      return Invalid(path, env, "'" + Abbreviate(env.scalar) + "' is not an environment name");
    }
    if (keys.IsNull()) continue;
    if (!keys.IsMap())
      return Invalid(path, env,
                     "expected a map of KEY: value under '" + Abbreviate(env.scalar) + "'");
    Status status = ReadLevel(path, keys, "", 0, secrets[env.scalar]);
    if (!status.ok()) return status;
  }
  return secrets;
}

const std::string* ResolveSecretValue(const SecretValues& secrets, const std::string& environment,
                                      const std::string& application, const std::string& service,
                                      const std::string& key) {
  auto env = secrets.find(environment);
  if (env == secrets.end()) return nullptr;
  for (const std::string& name :
       {application + "/" + service + "/" + key, application + "/" + key, key}) {
    auto it = env->second.find(name);
    if (it != env->second.end()) return &it->second;
  }
  return nullptr;
}

SecretValues ResolveAppSecrets(const DesiredState& desired, const SecretValues& file_values) {
  SecretValues resolved;
  for (const NodeDesiredState& node : desired.nodes) {
    for (const AppSpec& app : node.apps) {
      auto& values = resolved[app.name];
      for (const std::string& key : app.secret_keys) {
        const std::string* value =
            ResolveSecretValue(file_values, app.environment, app.application, app.service, key);
        if (value != nullptr) values[key] = *value;
      }
      const std::string host = GitAuthHostOf(app.source.git_url);
      auto auth = file_values.find(kGitAuthSection);
      if (host.empty() || auth == file_values.end()) continue;
      auto user = auth->second.find(host + "/username");
      auto password = auth->second.find(host + "/password");
      if (user == auth->second.end() || password == auth->second.end()) continue;
      values[kGitAuthUserKey] = user->second;
      values[kGitAuthPasswordKey] = password->second;
    }
  }
  return resolved;
}

}  // namespace dflow
