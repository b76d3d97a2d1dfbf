// The themes' generated secrets: each recipe's format, made once and kept across opens, a
// bcrypt hash (libcrypt) that follows its password, and a file only its owner reads.
#include "reconciler/apply/generated_secrets.h"

#include <crypt.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/process.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

bool AllOf(const std::string& text, const std::string& alphabet) {
  return text.find_first_not_of(alphabet) == std::string::npos;
}

TEST_CASE("each recipe makes a fresh value of its format") {
  SecretRecipe hex;  // random, 32 bytes, hex
  std::string a = *GenerateSecretValue(hex);
  CHECK(a.size() == 64);
  CHECK(AllOf(a, "0123456789abcdef"));
  CHECK(a != *GenerateSecretValue(hex));
  SecretRecipe keys;
  keys.bytes = 16;
  keys.encoding = "base64";
  keys.count = 4;
  std::string joined = *GenerateSecretValue(keys);
  CHECK(joined.size() == 4 * 24 + 3);
  CHECK(std::count(joined.begin(), joined.end(), ',') == 3);
  SecretRecipe url;
  url.encoding = "base64url";
  std::string u = *GenerateSecretValue(url);
  CHECK(u.size() == 43);
  CHECK(AllOf(u, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"));
  SecretRecipe password;
  password.kind = "password";
  password.length = 24;
  password.classes = {"lower", "digit"};
  std::string p = *GenerateSecretValue(password);
  CHECK(p.size() == 24);
  CHECK(AllOf(p, "abcdefghijkmnopqrstuvwxyz23456789"));
  CHECK(p.find_first_of("23456789") != std::string::npos);
  SecretRecipe bcrypt;
  bcrypt.kind = "bcrypt";
  CHECK_FALSE(GenerateSecretValue(bcrypt).ok());
}

TEST_CASE("a bcrypt hash verifies with libcrypt") {
  const std::string hash = *Bcrypt("correct horse", 4);
  CHECK(hash.rfind("$2b$04$", 0) == 0);
  crypt_data data{};
  CHECK(std::string(crypt_r("correct horse", hash.c_str(), &data)) == hash);
  CHECK(std::string(crypt_r("wrong horse", hash.c_str(), &data)) != hash);
}

TEST_CASE("a value is made once per environment and application, kept across opens, 0600") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "generated-secrets.json").string();
  SecretRecipe password;
  password.kind = "password";
  SecretRecipe hash;
  hash.kind = "bcrypt";
  hash.from = "owner";
  hash.cost = 4;
  const std::map<std::string, SecretRecipe> recipes = {
      {"token", SecretRecipe{}}, {"owner", password}, {"ownerHash", hash}};
  auto store = std::move(GeneratedSecrets::Open(path).value());
  const std::string token = *store->Ensure("production", "automation", "token", recipes);
  const std::string owner_hash = *store->Ensure("production", "automation", "ownerHash", recipes);
  CHECK(*store->Ensure("production", "automation", "token", recipes) == token);
  CHECK(*store->Ensure("staging", "automation", "token", recipes) != token);
  CHECK(store->Pending());
  REQUIRE(store->Save().ok());
  CHECK_FALSE(store->Pending());
  CHECK((fs::status(path).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  auto reopened = std::move(GeneratedSecrets::Open(path).value());
  CHECK(*reopened->Ensure("production", "automation", "token", recipes) == token);
  CHECK(*reopened->Ensure("production", "automation", "ownerHash", recipes) == owner_hash);
  CHECK_FALSE(reopened->Pending());
  // A new password: its hash follows (and only then).
  CHECK(reopened->Forget("production", "automation", "owner"));
  const std::string rehashed = *reopened->Ensure("production", "automation", "ownerHash", recipes);
  CHECK(rehashed != owner_hash);
  const std::string owner = *reopened->Ensure("production", "automation", "owner", recipes);
  crypt_data data{};
  CHECK(std::string(crypt_r(owner.c_str(), rehashed.c_str(), &data)) == rehashed);
}

TEST_CASE("a rotation request is taken by the store's next user and removed once saved") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "generated-secrets.json").string();
  SecretRecipe password;
  password.kind = "password";
  password.reveal = true;
  const std::map<std::string, SecretRecipe> recipes = {{"token", SecretRecipe{}},
                                                       {"owner", password}};
  auto store = std::move(GeneratedSecrets::Open(path).value());
  const std::string token = *store->Ensure("production", "automation", "token", recipes);
  const std::string owner = *store->Ensure("production", "automation", "owner", recipes);
  const std::string staging = *store->Ensure("staging", "automation", "token", recipes);
  REQUIRE(store->Save().ok());

  // List: names, a date, a hash prefix; a value only through Reveal, and only if marked.
  const std::vector<GeneratedSecretInfo> list = store->List();
  REQUIRE(list.size() == 3);
  CHECK(list[0].environment == "production");
  CHECK(list[0].name == "owner");
  CHECK(list[0].reveal);
  CHECK(list[0].created > 1700000000);
  CHECK(list[1].name == "token");
  CHECK(list[1].sha256_prefix.size() == 12);
  CHECK(*store->Reveal("production", "automation", "owner") == owner);
  CHECK(store->Reveal("production", "automation", "token").status().code() ==
        Code::kPermissionDenied);
  CHECK(store->Reveal("production", "nothing", "owner").status().code() == Code::kNotFound);

  REQUIRE(GeneratedSecrets::RequestRotation(path, "production", "automation", "token").ok());
  const fs::path request =
      fs::path(GeneratedSecrets::RotationDir(path)) / "production.automation.token";
  CHECK(fs::exists(request));
  // A store that never saves (a plan) leaves the request for the next one.
  auto planning = std::move(GeneratedSecrets::Open(path).value());
  CHECK(planning->TakeRotationRequests() ==
        std::vector<std::string>{"production/automation/token"});
  CHECK(*planning->Ensure("production", "automation", "token", recipes) != token);
  CHECK(fs::exists(request));
  // The one that saves makes the new value, writes it, then removes the request.
  CHECK(store->TakeRotationRequests() == std::vector<std::string>{"production/automation/token"});
  const std::string rotated = *store->Ensure("production", "automation", "token", recipes);
  CHECK(rotated != token);
  REQUIRE(store->Save().ok());
  CHECK_FALSE(fs::exists(request));
  auto reopened = std::move(GeneratedSecrets::Open(path).value());
  CHECK(reopened->TakeRotationRequests().empty());
  CHECK(*reopened->Ensure("production", "automation", "token", recipes) == rotated);
  CHECK(*reopened->Ensure("staging", "automation", "token", recipes) == staging);
  CHECK(*reopened->Ensure("production", "automation", "owner", recipes) == owner);
}

TEST_CASE("a file that is not a generated-secrets file is refused without quoting it") {
  test::ScopedTempDir dir;
  const fs::path path = dir.path() / "g.json";
  std::ofstream(path) << "{\"secrets\": {\"a/b/c\": {\"value\": 7}}, \"x\": \"hunter2\"}";
  Result<std::unique_ptr<GeneratedSecrets>> store = GeneratedSecrets::Open(path.string());
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().message() == path.string() + ": entry 'a/b/c' has no string \"value\"");
  std::ofstream(path) << "not json hunter2";
  CHECK(GeneratedSecrets::Open(path.string()).status().message().find("hunter2") ==
        std::string::npos);
}

}  // namespace
}  // namespace dflow
