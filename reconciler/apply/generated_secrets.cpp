#include "reconciler/apply/generated_secrets.h"

#include <crypt.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "manifests-schema/base/base64.h"
#include "manifests-schema/base/digest.h"

namespace dflow {
namespace {

// When a value was made, for `dflow secrets show`.
std::int64_t UnixSeconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

Result<std::string> RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = getrandom(out.data() + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Result<std::string>(Code::kInternal, "getrandom failed");
    }
    got += static_cast<std::size_t>(r);
  }
  return out;
}

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Result<std::string> RandomValue(const SecretRecipe& recipe) {
  std::string out;
  for (int i = 0; i < recipe.count; ++i) {
    Result<std::string> bytes = RandomBytes(static_cast<std::size_t>(recipe.bytes));
    if (!bytes.ok()) return bytes.status();
    if (i > 0) out += recipe.join;
    out += recipe.encoding == "hex"         ? Hex(*bytes)
           : recipe.encoding == "base64url" ? Base64UrlEncode(*bytes)
                                            : Base64Encode(*bytes);
  }
  return out;
}

// Every class the recipe names appears at least once; characters are drawn without modulo
// bias (bytes past the largest multiple of the alphabet's size are drawn again).
Result<std::string> Password(const SecretRecipe& recipe) {
  std::vector<std::string> classes;
  for (const std::string& c : recipe.classes.empty()
                                  ? std::vector<std::string>{"lower", "upper", "digit"}
                                  : recipe.classes) {
    if (c == "lower") classes.push_back("abcdefghijkmnopqrstuvwxyz");
    if (c == "upper") classes.push_back("ABCDEFGHJKLMNPQRSTUVWXYZ");
    if (c == "digit") classes.push_back("23456789");
    if (c == "symbol") classes.push_back("-_.~+=");
  }
  std::string alphabet;
  for (const std::string& c : classes) alphabet += c;
  const unsigned limit = 256 - 256 % alphabet.size();
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::string out;
    while (out.size() < static_cast<std::size_t>(recipe.length)) {
      Result<std::string> bytes = RandomBytes(64);
      if (!bytes.ok()) return bytes.status();
      for (unsigned char b : *bytes) {
        if (b >= limit || out.size() == static_cast<std::size_t>(recipe.length)) continue;
        out += alphabet[b % alphabet.size()];
      }
    }
    bool all = true;
    for (const std::string& c : classes) all = all && out.find_first_of(c) != std::string::npos;
    if (all) return out;
  }
  return Result<std::string>(Code::kInternal, "could not draw a password with every class");
}

}  // namespace

Result<std::string> GenerateSecretValue(const SecretRecipe& recipe) {
  if (recipe.kind == "random") return RandomValue(recipe);
  if (recipe.kind == "password") return Password(recipe);
  return Result<std::string>(Code::kInvalidArgument,
                             "a " + recipe.kind + " secret is derived, not generated");
}

Result<std::string> Bcrypt(const std::string& password, int cost) {
  Result<std::string> salt_bytes = RandomBytes(16);
  if (!salt_bytes.ok()) return salt_bytes.status();
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), salt_bytes->data(),
                       static_cast<int>(salt_bytes->size()), setting, sizeof setting) == nullptr) {
    return Result<std::string>(Code::kInternal, "libcrypt: crypt_gensalt_rn($2b$) failed");
  }
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  if (hash == nullptr || hash[0] == '*')
    return Result<std::string>(Code::kInternal, "libcrypt: bcrypt failed");
  return std::string(hash);
}

Result<std::unique_ptr<GeneratedSecrets>> GeneratedSecrets::Open(const std::string& path) {
  std::unique_ptr<GeneratedSecrets> store(new GeneratedSecrets(path));
  if (path.empty() || !std::filesystem::exists(path)) return store;
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof())
    return Result<std::unique_ptr<GeneratedSecrets>>(Code::kFailed, path + ": cannot read");
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  const bool shape = doc.is_object() && doc.contains("secrets") && doc["secrets"].is_object();
  if (!shape) {
    return Result<std::unique_ptr<GeneratedSecrets>>(
        Code::kInvalidArgument, path + ": not a generated-secrets file ({\"secrets\": {...}})");
  }
  for (const auto& [key, entry] : doc["secrets"].items()) {
    if (!entry.is_object() || !entry.contains("value") || !entry["value"].is_string()) {
      return Result<std::unique_ptr<GeneratedSecrets>>(
          Code::kInvalidArgument, path + ": entry '" + key + "' has no string \"value\"");
    }
    store->entries_[key] = {entry["value"].get<std::string>(), entry.value("fromSha256", ""),
                            entry.value("created", std::int64_t{0}), entry.value("reveal", false)};
  }
  return store;
}

Result<std::string> GeneratedSecrets::Ensure(const std::string& environment,
                                             const std::string& application,
                                             const std::string& name,
                                             const std::map<std::string, SecretRecipe>& recipes) {
  std::lock_guard lock(mutex_);
  return EnsureLocked(environment + "/" + application + "/", name, recipes, 0);
}

Result<std::string> GeneratedSecrets::EnsureLocked(
    const std::string& scope, const std::string& name,
    const std::map<std::string, SecretRecipe>& recipes, int depth) {
  auto recipe = recipes.find(name);
  if (recipe == recipes.end() || depth > 4) {
    return Result<std::string>(Code::kInternal, "no recipe for generated secret '" + name + "'");
  }
  auto entry = entries_.find(scope + name);
  if (recipe->second.kind != "bcrypt") {
    if (entry != entries_.end()) return entry->second.value;
    Result<std::string> value = GenerateSecretValue(recipe->second);
    if (!value.ok()) return value.status();
    entries_[scope + name] = {*value, "", UnixSeconds(), recipe->second.reveal};
    dirty_ = true;
    return value;
  }
  Result<std::string> source = EnsureLocked(scope, recipe->second.from, recipes, depth + 1);
  if (!source.ok()) return source.status();
  const std::string from = Sha256Hex(*source);
  if (entry != entries_.end() && entry->second.from_sha256 == from) return entry->second.value;
  Result<std::string> hash = Bcrypt(*source, recipe->second.cost);
  if (!hash.ok()) return hash.status();
  entries_[scope + name] = {*hash, from, UnixSeconds(), recipe->second.reveal};
  dirty_ = true;
  return hash;
}

bool GeneratedSecrets::Forget(const std::string& environment, const std::string& application,
                              const std::string& name) {
  std::lock_guard lock(mutex_);
  const bool found = entries_.erase(environment + "/" + application + "/" + name) > 0;
  dirty_ = dirty_ || found;
  return found;
}

Status GeneratedSecrets::Save() {
  std::lock_guard lock(mutex_);
  if (!dirty_ || path_.empty()) return Status::Ok();
  nlohmann::json doc = {{"version", 1}, {"secrets", nlohmann::json::object()}};
  for (const auto& [key, entry] : entries_) {
    nlohmann::json e = {{"value", entry.value}};
    if (!entry.from_sha256.empty()) e["fromSha256"] = entry.from_sha256;
    if (entry.created != 0) e["created"] = entry.created;
    if (entry.reveal) e["reveal"] = true;
    doc["secrets"][key] = e;
  }
  const std::string tmp = path_ + ".tmp";
  {
    // Created 0600 before any value is written.
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) return Status(Code::kFailed, tmp + ": cannot write");
    ::chmod(tmp.c_str(), 0600);
    const std::string text = doc.dump(2) + "\n";
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !written) return Status(Code::kFailed, tmp + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path_, ec);
  if (ec) return Status(Code::kFailed, path_ + ": cannot replace: " + ec.message());
  dirty_ = false;
  for (const std::string& request : taken_requests_) std::filesystem::remove(request, ec);
  taken_requests_.clear();
  return Status::Ok();
}

// A request is an empty file named "<environment>.<application>.<name>": names are DNS labels
// and camelCase, so '.' cannot be in any of them.
Status GeneratedSecrets::RequestRotation(const std::string& path, const std::string& environment,
                                         const std::string& application, const std::string& name) {
  const std::filesystem::path dir = RotationDir(path);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string file = (dir / (environment + "." + application + "." + name)).string();
  const std::string tmp = file + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr || std::fclose(f) != 0) return Status(Code::kFailed, tmp + ": cannot write");
  std::filesystem::rename(tmp, file, ec);
  if (ec) return Status(Code::kFailed, file + ": cannot write: " + ec.message());
  return Status::Ok();
}

std::vector<std::string> GeneratedSecrets::TakeRotationRequests() {
  std::vector<std::string> forgotten;
  if (path_.empty()) return forgotten;
  std::error_code ec;
  std::filesystem::directory_iterator it(RotationDir(path_), ec);
  if (ec) return forgotten;  // no requests
  std::lock_guard lock(mutex_);
  for (const auto& request : it) {
    const std::string name = request.path().filename().string();
    const auto first = name.find('.');
    const auto second = name.find('.', first == std::string::npos ? first : first + 1);
    if (second == std::string::npos || name.ends_with(".tmp")) continue;
    std::string key = name;
    key[first] = '/';
    key[second] = '/';
    if (entries_.erase(key) > 0) {
      dirty_ = true;
      forgotten.push_back(key);
    }
    taken_requests_.push_back(request.path().string());
  }
  std::sort(forgotten.begin(), forgotten.end());
  return forgotten;
}

std::vector<GeneratedSecretInfo> GeneratedSecrets::List() {
  std::lock_guard lock(mutex_);
  std::vector<GeneratedSecretInfo> out;
  for (const auto& [key, entry] : entries_) {
    const auto first = key.find('/');
    const auto second = key.find('/', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    out.push_back({key.substr(0, first), key.substr(first + 1, second - first - 1),
                   key.substr(second + 1), entry.created, Sha256Hex(entry.value).substr(0, 12),
                   !entry.from_sha256.empty(), entry.reveal});
  }
  return out;
}

Result<std::string> GeneratedSecrets::Reveal(const std::string& environment,
                                             const std::string& application,
                                             const std::string& name) {
  std::lock_guard lock(mutex_);
  auto entry = entries_.find(environment + "/" + application + "/" + name);
  if (entry == entries_.end())
    return Result<std::string>(Code::kNotFound, "no generated secret '" + name +
                                                    "' for application '" + application +
                                                    "' in environment '" + environment + "'");
  if (!entry->second.reveal)
    return Result<std::string>(Code::kPermissionDenied,
                               "secret '" + name + "' is not marked 'reveal: true' by its theme");
  return entry->second.value;
}

}  // namespace dflow
