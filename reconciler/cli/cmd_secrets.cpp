// dflow secrets generate THEME SECRET [PATH]: a fresh value for a theme's secret, in the format
// the theme declares (`generate` in its `secrets`), for the operator to put in the secrets file
// (durable secrets: losing them loses data, so dflow does not keep them itself; docs/themes.md).
// Reads files only; the value goes to stdout and nowhere else. `rotate` and `show`:
// cmd_secrets_store.cpp.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "manifests-schema/base/text.h"
#include "manifests-schema/theme_catalog.h"
#include "reconciler/apply/generated_secrets.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/cmd_secrets_store.h"
#include "reconciler/source/manifest_source.h"

namespace dflow::cli {
namespace {

struct SecretsArgs {
  std::string theme;
  std::string secret;
  std::string path;  // "" = built-in themes only
  std::string rev;
};

const ThemeSecretInfo* FindSecret(const ThemeCatalog& catalog, const SecretsArgs& args) {
  std::vector<std::string> names;
  for (const ThemeInfo& t : catalog.themes) {
    names.push_back(t.name);
    if (t.name != args.theme) continue;
    std::vector<std::string> secrets;
    for (const ThemeSecretInfo& s : t.secrets) {
      if (s.name == args.secret) return &s;
      secrets.push_back(s.name);
    }
    std::cerr << "dflow: theme '" << t.name << "' has no secret '" << args.secret
              << "' (it has: " << (secrets.empty() ? "none" : Join(secrets, ", ")) << ")\n";
    return nullptr;
  }
  std::cerr << "dflow: no theme named '" << args.theme << "' (known: " << Join(names, ", ")
            << ")\n";
  return nullptr;
}

int RunGenerate(const SecretsArgs& args) {
  SourceSnapshot snapshot;
  if (!args.path.empty()) {
    Result<SourceSnapshot> read = ReadManifests(args.path, args.rev);
    if (!read.ok()) {
      std::cerr << "dflow: " << read.status().message() << "\n";
      return kExitFailure;
    }
    snapshot = std::move(read).value();
  }
  const ThemeCatalog catalog = LoadThemeCatalog(snapshot);
  const ThemeSecretInfo* secret = FindSecret(catalog, args);
  if (secret == nullptr) return kExitFailure;
  if (!secret->generated) {
    std::cerr << "dflow: secret '" << secret->name << "' of theme '" << args.theme
              << "' declares no format (no 'generate'): choose its value yourself\n";
    return kExitFailure;
  }
  if (secret->recipe.kind == "bcrypt") {
    std::cerr << "dflow: secret '" << secret->name << "' is derived from '" << secret->recipe.from
              << "' (bcrypt): dflow makes it with that one\n";
    return kExitFailure;
  }
  Result<std::string> value = GenerateSecretValue(secret->recipe);
  if (!value.ok()) {
    std::cerr << "dflow: " << value.status().message() << "\n";
    return kExitFailure;
  }
  std::cout << *value << "\n";
  if (!secret->durable) {
    std::cerr << "note: '" << secret->name
              << "' is replaceable: dflow generates it once itself; a value in the secrets file "
                 "is not used for it\n";
  }
  return kExitOk;
}

}  // namespace

Command MakeSecretsCommand() {
  return {"secrets",
          "Secrets of themes: 'secrets generate THEME SECRET [PATH]', 'secrets rotate "
          "APPLICATION SECRET', 'secrets show [APPLICATION]'",
          [](CLI::App& sub) {
            auto args = std::make_shared<SecretsArgs>();
            auto run = std::make_shared<std::function<int()>>();
            sub.require_subcommand(1);
            CLI::App* generate = sub.add_subcommand(
                "generate",
                "Print a fresh value for a theme's secret in the format the theme declares, "
                "to put in the secrets file");
            generate->add_option("THEME", args->theme, "the theme")->required();
            generate->add_option("SECRET", args->secret, "the theme's secret, e.g. encryptionKey")
                ->required();
            generate->add_option("path", args->path,
                                 "config repo whose Theme documents to add (default: built-in "
                                 "themes only)");
            generate->add_option("--rev", args->rev, "read the repo at this branch, tag or commit");
            generate->footer(
                "Example: dflow secrets generate n8n encryptionKey, then under the application "
                "in the secrets file: N8N_ENCRYPTION_KEY: \"<value>\". Keep a copy.");
            generate->callback([run, args] { *run = [args] { return RunGenerate(*args); }; });
            AddRotateCommand(sub, run);
            AddShowCommand(sub, run);
            return std::function<int()>([run] { return *run ? (*run)() : kExitUsage; });
          }};
}

}  // namespace dflow::cli
