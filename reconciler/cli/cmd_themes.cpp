// dflow themes list [PATH] / dflow themes show NAME [PATH]: the themes an Application can use
// (docs/themes.md): dflow's built-in ones and, with PATH, the config repo's `kind: Theme`
// documents, with their parameters, secrets and notes. Reads files only.
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>
#include <memory>

#include "manifests-schema/base/text.h"
#include "manifests-schema/theme_catalog.h"
#include "reconciler/cli/cli.h"
#include "reconciler/source/manifest_source.h"

namespace dflow::cli {
namespace {

struct ThemesArgs {
  std::string name;
  std::string path;  // "" = built-in themes only
  std::string rev;
};

std::optional<ThemeCatalog> Catalog(const ThemesArgs& args) {
  SourceSnapshot snapshot;
  if (!args.path.empty()) {
    Result<SourceSnapshot> read = ReadManifests(args.path, args.rev);
    if (!read.ok()) {
      std::cerr << "dflow: " << read.status().message() << "\n";
      return std::nullopt;
    }
    snapshot = std::move(read).value();
  }
  ThemeCatalog catalog = LoadThemeCatalog(snapshot);
  bool failed = false;
  for (const Diagnostic& d : catalog.diagnostics) {
    std::cerr << d.ToString() << "\n";
    failed = failed || d.severity == Diagnostic::Severity::kError;
  }
  if (failed) {
    std::cerr << "dflow: the themes do not validate (`dflow validate` says more)\n";
    return std::nullopt;
  }
  return catalog;
}

std::string Source(const ThemeInfo& t) { return t.builtin ? "built-in" : t.file; }

int RunList(const ThemesArgs& args) {
  std::optional<ThemeCatalog> catalog = Catalog(args);
  if (!catalog) return kExitFailure;
  std::cout << std::left << std::setw(16) << "NAME" << std::setw(10) << "VERSION" << std::setw(28)
            << "SOURCE"
            << "DESCRIPTION\n";
  for (const ThemeInfo& t : catalog->themes) {
    std::cout << std::setw(16) << t.name << std::setw(10) << (t.version.empty() ? "-" : t.version)
              << std::setw(28) << Source(t) << t.description << "\n";
  }
  return kExitOk;
}

// "required", "default 1, 1 to 20", "one of internal, external, default internal", ...
std::string Constraints(const ThemeParameterInfo& p) {
  std::vector<std::string> parts;
  if (p.secret) parts.push_back("from the secrets file");
  if (p.required) parts.push_back("required");
  if (!p.enum_values.empty()) parts.push_back("one of " + Join(p.enum_values, ", "));
  if (!p.range.empty()) parts.push_back(p.range);
  if (p.has_default) parts.push_back("default \"" + p.default_value + "\"");
  if (!p.required && !p.has_default && !p.secret) parts.push_back("optional");
  if (!p.env_overridable) parts.push_back("same in every environment");
  return Join(parts, ", ");
}

void PrintParameters(const ThemeInfo& t) {
  std::cout << "\nparameters:\n";
  if (t.parameters.empty()) std::cout << "  (none)\n";
  for (const ThemeParameterInfo& p : t.parameters) {
    std::cout << "  " << std::left << std::setw(18) << p.name << std::setw(10) << p.type
              << Constraints(p) << "\n";
    if (!p.description.empty()) std::cout << std::string(30, ' ') << p.description << "\n";
  }
}

void PrintSecrets(const ThemeInfo& t) {
  if (t.secrets.empty()) return;
  std::cout << "\nsecrets:\n";
  for (const ThemeSecretInfo& s : t.secrets) {
    std::cout << "  " << std::left << std::setw(18) << s.name
              << (s.durable ? "durable: from the secrets file (under the config key that uses it; "
                              "`dflow secrets generate` prints one)"
                            : "replaceable: generated once by the controller, kept in its state")
              << "\n";
    if (!s.generator.empty()) std::cout << std::string(20, ' ') << s.generator << "\n";
  }
}

int RunShow(const ThemesArgs& args) {
  std::optional<ThemeCatalog> catalog = Catalog(args);
  if (!catalog) return kExitFailure;
  const ThemeInfo* theme = nullptr;
  std::vector<std::string> names;
  for (const ThemeInfo& t : catalog->themes) {
    names.push_back(t.name);
    if (t.name == args.name) theme = &t;
  }
  if (!theme) {
    std::cerr << "dflow: no theme named '" << args.name << "' (known: " << Join(names, ", ")
              << ")\n";
    return kExitFailure;
  }
  const ThemeInfo& t = *theme;
  std::cout << t.name << (t.version.empty() ? "" : " " + t.version) << " (" << Source(t)
            << (t.builtin ? ": " + t.file : "") << ")\n";
  if (!t.description.empty()) std::cout << t.description << "\n";
  if (!t.product.empty()) {
    std::cout << "product: " << t.product
              << (t.default_version.empty() ? "" : ", default version " + t.default_version)
              << (t.supported.empty() ? "" : ", supported " + t.supported) << "\n";
  }
  PrintParameters(t);
  PrintSecrets(t);
  std::cout << "\nservices: " << Join(t.services, ", ") << "\n";
  if (!t.datastores.empty()) std::cout << "datastores: " << Join(t.datastores, ", ") << "\n";
  for (const auto& [title, text] : t.notes) {
    std::string_view body = text;
    while (!body.empty() && body.back() == '\n') body.remove_suffix(1);  // folded scalars
    std::cout << "\n" << title << ":\n  " << body << "\n";
  }
  return kExitOk;
}

void AddSource(CLI::App& sub, ThemesArgs& args) {
  sub.add_option("path", args.path,
                 "config repo (a directory or a Git repository) whose Theme documents to add; "
                 "without it, the built-in themes only");
  sub.add_option("--rev", args.rev, "read the repo at this branch, tag or commit");
}

}  // namespace

Command MakeThemesCommand() {
  return {"themes",
          "The themes an Application can use: 'themes list [PATH]', 'themes show NAME [PATH]'",
          [](CLI::App& sub) {
            auto run = std::make_shared<std::function<int()>>();
            auto args = std::make_shared<ThemesArgs>();
            sub.require_subcommand(1);
            CLI::App* list = sub.add_subcommand(
                "list", "List the built-in themes and those of the config repo at PATH");
            AddSource(*list, *args);
            list->callback([run, args] { *run = [args] { return RunList(*args); }; });
            CLI::App* show = sub.add_subcommand(
                "show",
                "Print a theme's parameters (type, default, description), secrets, "
                "services and notes");
            show->add_option("NAME", args->name, "the theme")->required();
            AddSource(*show, *args);
            show->footer(
                "A theme in the repo replaces the built-in one of its name. Use it from an "
                "Application with 'theme: NAME' and 'parameters:' (docs/themes.md); "
                "'dflow render PATH' prints what it expands to.");
            show->callback([run, args] { *run = [args] { return RunShow(*args); }; });
            return std::function<int()>([run] { return *run ? (*run)() : kExitUsage; });
          }};
}

}  // namespace dflow::cli
