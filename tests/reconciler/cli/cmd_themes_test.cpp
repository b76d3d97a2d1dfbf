// `dflow themes list|show`, `dflow render` and `dflow validate` on themed applications: the
// real binary on the built-in themes and on a repo with its own Theme.
#include <doctest/doctest.h>

#include <string>

#include "tests/support/process.h"

namespace dflow {
namespace {

const std::string kThemeFixtures = std::string(DFLOW_SOURCE_DIR) + "/tests/fixtures/themes/";

test::Captured RunDflowThemes(std::vector<std::string> args) {
  args.insert(args.begin(), DFLOW_EXE);
  return test::RunCapture(args, "");
}

TEST_CASE("themes list prints the built-in themes, and a repo's own with a path") {
  test::Captured run = RunDflowThemes({"themes", "list"});
  CHECK(run.exit_code == 0);
  CHECK(run.err == "");
  CHECK(run.out.find("NAME") == 0);
  for (const char* name : {"\ndirectus ", "\nn8n ", "\nstrapi "})
    CHECK(run.out.find(name) != std::string::npos);

  test::ScopedTempDir repo;
  test::WriteFile(repo.path() / "wiki.yaml",
                  "apiVersion: dflow/v1\nkind: Theme\nmetadata: {name: wiki, version: 2.0.0}\n"
                  "spec:\n  description: A wiki.\n"
                  "  parameters: [{name: domain, type: domain, required: true, "
                  "description: public host}]\n"
                  "  services: [{name: web, source: {image: \"wiki:1.0.0\"}}]\n");
  run = RunDflowThemes({"themes", "list", repo.path().string()});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("\nwiki            2.0.0     wiki.yaml                   A wiki.\n") !=
        std::string::npos);
  run = RunDflowThemes({"themes", "show", "wiki", repo.path().string()});
  CHECK(run.exit_code == 0);
  CHECK(run.out ==
        "wiki 2.0.0 (wiki.yaml)\nA wiki.\n\nparameters:\n"
        "  domain            domain    required\n"
        "                              public host\n\nservices: web\n");
}

TEST_CASE("themes show prints a built-in theme's parameters, secrets and notes") {
  test::Captured run = RunDflowThemes({"themes", "show", "directus"});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("directus 1.0.0 (built-in: builtin:themes/directus.yaml)\n") == 0);
  CHECK(run.out.find("product: directus, default version 12.1.1, supported >=11.0.0 <13.0.0\n") !=
        std::string::npos);
  CHECK(run.out.find("  cache             bool      default \"true\"\n") != std::string::npos);
  CHECK(run.out.find("  secret            replaceable: generated once by the controller") !=
        std::string::npos);
  CHECK(run.out.find("datastores: db (postgres), cache (redis) when ${params.cache}\n") !=
        std::string::npos);
  CHECK(run.out.find("\nlicense:\n  Directus is under MSCL-1.0-GPL") != std::string::npos);
}

TEST_CASE("themes show refuses an unknown name and themes without a subcommand") {
  test::Captured run = RunDflowThemes({"themes", "show", "wordpress"});
  CHECK(run.exit_code == 1);
  CHECK(run.err == "dflow: no theme named 'wordpress' (known: directus, n8n, strapi)\n");
  CHECK(RunDflowThemes({"themes"}).exit_code == 64);
  run = RunDflowThemes({"themes", "show", "--help"});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("'dflow render PATH' prints what it expands to") != std::string::npos);
}

TEST_CASE("render shows a themed application expanded, validate accepts it") {
  test::Captured run =
      RunDflowThemes({"render", kThemeFixtures + "n8n-defaults", "--format", "json"});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("\"name\": \"automation-web-production\"") != std::string::npos);
  CHECK(run.out.find("\"DB_POSTGRESDB_PASSWORD\": "
                     "\"${datastores.automation-db-production.password}\"") != std::string::npos);
  run = RunDflowThemes({"validate", kThemeFixtures + "n8n-defaults"});
  CHECK(run.exit_code == 0);
}

TEST_CASE("secrets generate prints a value in the theme's format, and refuses what it cannot") {
  test::Captured run = RunDflowThemes({"secrets", "generate", "n8n", "encryptionKey"});
  CHECK(run.exit_code == 0);
  CHECK(run.out.size() == 65);  // 32 bytes as hex, a newline
  CHECK(run.out.find_first_not_of("0123456789abcdef\n") == std::string::npos);
  CHECK(run.out != RunDflowThemes({"secrets", "generate", "n8n", "encryptionKey"}).out);
  run = RunDflowThemes({"secrets", "generate", "n8n", "ownerPasswordHash"});
  CHECK(run.exit_code == 1);
  CHECK(run.err ==
        "dflow: secret 'ownerPasswordHash' is derived from 'ownerPassword' (bcrypt): dflow makes "
        "it with that one\n");
  run = RunDflowThemes({"secrets", "generate", "n8n", "encryptionkey"});
  CHECK(run.exit_code == 1);
  CHECK(run.err ==
        "dflow: theme 'n8n' has no secret 'encryptionkey' (it has: encryptionKey, runnersToken, "
        "ownerPassword, ownerPasswordHash)\n");
}

}  // namespace
}  // namespace dflow
