// dflow secrets rotate APPLICATION SECRET and dflow secrets show [APPLICATION]: the store of a
// theme's replaceable secrets that dflow generates once (reconciler/apply/generated_secrets.h).
// rotate never edits the store itself: it leaves a request that the store's user (the next
// `dflow apply`, the controller's next pass) takes, so a running controller, which keeps the
// store in memory, does not write the old value back. show prints names, dates and hash
// prefixes; a value only with --reveal, for a secret its theme marks `reveal: true`.
#include "reconciler/cli/cmd_secrets_store.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "manifests-schema/base/text.h"
#include "reconciler/apply/generated_secrets.h"
#include "reconciler/cli/cli.h"

namespace dflow::cli {
namespace {

struct StoreArgs {
  std::string generated;  // --generated-secrets FILE
  std::string secrets;    // --secrets FILE: the store beside it
  std::string state_dir;  // --state-dir DIR: the controller's store
  std::string application;
  std::string secret;
  std::string environment;
  std::string reveal;  // show --reveal SECRET
};

void AddStoreOptions(CLI::App& sub, StoreArgs& args) {
  auto* group = sub.add_option_group("store", "which generated-secrets.json (give one)");
  group->add_option("--generated-secrets", args.generated, "the store file, as dflow apply's");
  group->add_option("--secrets", args.secrets,
                    "the secrets file dflow apply uses: the store beside it");
  group->add_option("--state-dir", args.state_dir,
                    "the controller's state directory (its generated-secrets.json)");
  group->require_option(1);
  sub.add_option("--environment,-e", args.environment, "only this environment");
}

std::string StorePath(const StoreArgs& args) {
  if (!args.generated.empty()) return args.generated;
  const std::string dir = !args.state_dir.empty()
                              ? args.state_dir
                              : std::filesystem::path(args.secrets).parent_path().string();
  return (std::filesystem::path(dir.empty() ? "." : dir) / "generated-secrets.json").string();
}

std::unique_ptr<GeneratedSecrets> OpenStore(const StoreArgs& args) {
  const std::string path = StorePath(args);
  if (!std::filesystem::exists(path)) {
    std::cerr << "dflow: " << path << " does not exist: nothing has been generated there\n";
    return nullptr;
  }
  Result<std::unique_ptr<GeneratedSecrets>> store = GeneratedSecrets::Open(path);
  if (!store.ok()) {
    std::cerr << "dflow: " << store.status().message() << "\n";
    return nullptr;
  }
  return std::move(store).value();
}

bool Selected(const GeneratedSecretInfo& info, const StoreArgs& args) {
  return (args.application.empty() || info.application == args.application) &&
         (args.environment.empty() || info.environment == args.environment);
}

std::string Key(const GeneratedSecretInfo& info) {
  return info.environment + "/" + info.application + "/" + info.name;
}

int RunRotate(const StoreArgs& args) {
  std::unique_ptr<GeneratedSecrets> store = OpenStore(args);
  if (!store) return kExitFailure;
  std::vector<std::string> names;
  std::vector<GeneratedSecretInfo> targets;
  for (const GeneratedSecretInfo& info : store->List()) {
    if (!Selected(info, args)) continue;
    if (!Contains(names, info.name)) names.push_back(info.name);
    if (info.name != args.secret) continue;
    if (info.derived) {
      std::cerr << "dflow: '" << info.name << "' is derived (bcrypt) from another secret: rotate "
                << "that one and it follows\n";
      return kExitFailure;
    }
    targets.push_back(info);
  }
  if (targets.empty()) {
    std::cerr << "dflow: no generated secret '" << args.secret << "' for application '"
              << args.application << "'"
              << (args.environment.empty() ? "" : " in environment " + args.environment)
              << " (it has: " << (names.empty() ? "none" : Join(names, ", "))
              << "); a durable secret is in the secrets file: change it there\n";
    return kExitFailure;
  }
  for (const GeneratedSecretInfo& info : targets) {
    Status requested = GeneratedSecrets::RequestRotation(StorePath(args), info.environment,
                                                         info.application, info.name);
    if (!requested.ok()) {
      std::cerr << "dflow: " << requested.message() << "\n";
      return kExitFailure;
    }
    std::cout << "rotation of " << Key(info)
              << " requested: the next dflow apply or controller pass makes a new value and "
                 "sets it on every node that runs the application\n";
  }
  return kExitOk;
}

std::string Date(std::int64_t unix_seconds) {
  if (unix_seconds == 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

int RunReveal(const StoreArgs& args, GeneratedSecrets& store) {
  std::vector<std::string> environments;
  for (const GeneratedSecretInfo& info : store.List())
    if (Selected(info, args) && info.name == args.reveal) environments.push_back(info.environment);
  if (environments.size() > 1) {
    std::cerr << "dflow: '" << args.reveal << "' exists in " << Join(environments, ", ")
              << ": choose one with --environment\n";
    return kExitFailure;
  }
  Result<std::string> value =
      store.Reveal(environments.empty() ? args.environment : environments.front(), args.application,
                   args.reveal);
  if (!value.ok()) {
    std::cerr << "dflow: " << value.status().message() << "\n";
    return kExitFailure;
  }
  std::cout << *value << "\n";
  return kExitOk;
}

int RunShow(const StoreArgs& args) {
  std::unique_ptr<GeneratedSecrets> store = OpenStore(args);
  if (!store) return kExitFailure;
  if (!args.reveal.empty()) {
    if (args.application.empty()) {
      std::cerr << "dflow: --reveal needs the APPLICATION\n";
      return kExitUsage;
    }
    return RunReveal(args, *store);
  }
  std::vector<std::vector<std::string>> rows = {
      {"ENVIRONMENT", "APPLICATION", "SECRET", "GENERATED", "SHA256", ""}};
  for (const GeneratedSecretInfo& info : store->List()) {
    if (!Selected(info, args)) continue;
    std::string notes = info.derived ? "derived" : "";
    if (info.reveal) notes += std::string(notes.empty() ? "" : ", ") + "reveal";
    rows.push_back({info.environment, info.application, info.name, Date(info.created),
                    info.sha256_prefix, notes});
  }
  if (rows.size() == 1) {
    std::cout << "no generated secrets"
              << (args.application.empty() ? "" : " for " + args.application) << "\n";
    return kExitOk;
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i)
      line += row[i] + (i + 1 < row.size() ? std::string(widths[i] - row[i].size() + 2, ' ') : "");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddRotateCommand(CLI::App& sub, const std::shared_ptr<std::function<int()>>& run) {
  auto args = std::make_shared<StoreArgs>();
  CLI::App* rotate = sub.add_subcommand(
      "rotate",
      "Have dflow make a new value for one of an application's generated secrets (theme secrets "
      "with durability: replaceable) at the next apply or controller pass");
  rotate->add_option("APPLICATION", args->application, "the themed application, e.g. automation")
      ->required();
  rotate->add_option("SECRET", args->secret, "the theme's secret, e.g. runnersToken")->required();
  AddStoreOptions(*rotate, *args);
  rotate->footer(
      "Every environment of the application unless --environment. A value derived from it (a "
      "bcrypt hash) follows. Exit 0 when requested, 1 when there is no such generated secret.");
  rotate->callback([run, args] { *run = [args] { return RunRotate(*args); }; });
}

void AddShowCommand(CLI::App& sub, const std::shared_ptr<std::function<int()>>& run) {
  auto args = std::make_shared<StoreArgs>();
  CLI::App* show = sub.add_subcommand(
      "show",
      "List the secrets dflow generated: environment, application, name, when, and a SHA-256 "
      "prefix (never a value unless --reveal)");
  show->add_option("APPLICATION", args->application, "only this application");
  show->add_option("--reveal", args->reveal,
                   "print the value of this secret of APPLICATION, if its theme marks it "
                   "'reveal: true' (such as n8n's ownerPassword)");
  AddStoreOptions(*show, *args);
  show->callback([run, args] { *run = [args] { return RunShow(*args); }; });
}

}  // namespace dflow::cli
