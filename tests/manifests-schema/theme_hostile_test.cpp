// Hostile themes through the loader: huge and deeply nested templates, unknown names and
// unterminated `${` are refused at file:line:col inside the template, with bounded work.
#include <doctest/doctest.h>

#include <string>

#include "manifests-schema/desired_state_loader.h"
#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

// A repo whose theme's one config value is `value`: on line 9, its quote at column 19.
std::string HostileThemeErrors(const std::string& value) {
  std::string repo =
      "apiVersion: dflow/v1\nkind: Theme\nmetadata: {name: evil}\nspec:\n"
      "  parameters: [{name: x, type: string, default: a}]\n"
      "  services:\n    - name: web\n      source: {image: \"nginx:1.27\"}\n"
      "      config: {K: \"" +
      value +
      "\"}\n---\napiVersion: dflow/v1\nkind: Node\nmetadata: {name: n1}\n"
      "spec: {host: 203.0.113.1}\n---\napiVersion: dflow/v1\nkind: Environment\n"
      "metadata: {name: production}\nspec: {nodes: [n1]}\n---\napiVersion: dflow/v1\n"
      "kind: Application\nmetadata: {name: app}\nspec:\n  theme: evil\n"
      "  environments: {production: {}}\n";
  SourceSnapshot snapshot;
  snapshot.files.push_back({"repo.yaml", repo, repo.size(), false});
  return test::DiagnosticsText(LoadDesiredState(snapshot).diagnostics);
}

TEST_CASE("hostile theme templates are refused inside the template string") {
  CHECK(HostileThemeErrors("${" + std::string(1000, '(') + "params.x" + std::string(1000, ')') +
                           "}") ==
        "repo.yaml:9:38: expression nested too deeply (at most 16 levels of parentheses and "
        "'?:')\n");
  CHECK(HostileThemeErrors("ok ${params.y}") ==
        "repo.yaml:9:25: unknown name 'params.y' (did you mean 'params.x'?)\n");
  CHECK(HostileThemeErrors("ok ${params.x") ==
        "repo.yaml:9:23: unterminated '${' (close it with '}')\n");
  CHECK(HostileThemeErrors(std::string(1 << 20, 'a') + "${params.x}") ==
        "repo.yaml:9:20: template of 1048587 bytes is too long (templates are at most 4096 "
        "bytes)\n");
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "${x}";
  CHECK(HostileThemeErrors(many) ==
        "repo.yaml:9:22: unknown name 'x' (known names start with: app,env,params,product,"
        "services)\n");
}

TEST_CASE("expansions stop at one budget per load, however aliases multiply a template") {
  // One 4000-byte template, aliased 20,000 times: 80 MB of templates to evaluate.
  std::string big = "${params.x}" + std::string(3989, 'a');
  std::string aliases;
  for (int i = 0; i < 20000; ++i) aliases += ", *t";
  std::string repo =
      "apiVersion: dflow/v1\nkind: Theme\nmetadata: {name: evil}\nspec:\n"
      "  parameters: [{name: x, type: string, default: a}]\n"
      "  services:\n    - name: web\n      source: {image: \"nginx:1.27\"}\n"
      "      networks: [&t \"" +
      big + "\"" + aliases +
      "]\n---\napiVersion: dflow/v1\nkind: Node\nmetadata: {name: n1}\n"
      "spec: {host: 203.0.113.1}\n---\napiVersion: dflow/v1\nkind: Environment\n"
      "metadata: {name: production}\nspec: {nodes: [n1]}\n---\napiVersion: dflow/v1\n"
      "kind: Application\nmetadata: {name: app}\nspec:\n  theme: evil\n"
      "  environments: {production: {}}\n";
  SourceSnapshot snapshot;
  snapshot.files.push_back({"repo.yaml", repo, repo.size(), false});
  CHECK(test::DiagnosticsText(LoadDesiredState(snapshot).diagnostics) ==
        "repo.yaml:3:18: the templates of theme 'evil' go past what one load may evaluate (64 "
        "MiB) (make the theme smaller)\n"
        "repo.yaml:25:10: expanding theme 'evil' for application 'app' in environment "
        "'production' goes past what one load may expand (1000000 YAML nodes, 64 MiB of "
        "templates) (make the theme smaller or use it in fewer environments)\n");
}

}  // namespace
}  // namespace dflow
