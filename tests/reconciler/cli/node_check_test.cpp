// dflow node check: each readiness item against the Dokku simulator behind a real sshd, and
// the command through the dflow binary (exit codes, text and JSON).
#include "reconciler/cli/node_check.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "providers/ssh/ssh_transport.h"
#include "providers/transport/shell_quote.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow {
namespace {

using test::LoginStyle;
using test::SshdNode;

DatastoreSpec Datastore(const std::string& name, const std::string& engine) {
  DatastoreSpec datastore;
  datastore.name = name;
  datastore.engine = engine;
  return datastore;
}

// A node of an environment with Traefik, one app and one postgres datastore.
NodeDesiredState DesiredFor(const SshdNode& sshd, const std::string& user = "dokku") {
  NodeDesiredState desired;
  desired.in_environment = true;
  desired.traffic.proxy = "traefik";
  desired.domain = "dokku.me";  // the simulator's global domain on a fresh node
  desired.node.name = "web-1";
  desired.node.host = sshd.host();
  desired.node.port = sshd.port();
  desired.node.user = user;
  desired.node.host_key = sshd.host_key_fingerprint();
  AppSpec app;
  app.name = "shop-web-production";
  desired.apps.push_back(app);
  desired.datastores.push_back(Datastore("shop-db-production", "postgres"));
  return desired;
}

NodeCheckReport Check(const NodeDesiredState& desired, SshOptions options,
                      NodeCheckOptions check_options = {}) {
  auto transport = MakeSshTransport(std::move(options));
  return CheckNode(desired, *transport, check_options);
}

const NodeCheckItem& Item(const NodeCheckReport& report, const std::string& name) {
  for (const auto& item : report.items)
    if (item.name == name) return item;
  FAIL("no item " << name << " in\n" << FormatNodeCheckText(report));
  throw std::logic_error("unreachable");
}

std::vector<std::string> Names(const NodeCheckReport& report) {
  std::vector<std::string> names;
  for (const auto& item : report.items) names.push_back(item.name);
  return names;
}

// plugin:list as Dokku prints it, with the given non-core plugins (name, enabled).
std::string PluginsJson(const std::vector<std::pair<std::string, bool>>& plugins) {
  nlohmann::json list = nlohmann::json::array();
  for (const char* core : {"nginx-vhosts", "traefik-vhosts"})
    list.push_back({{"name", core}, {"version", "0.38.27"}, {"enabled", true}, {"core", true}});
  for (const auto& [name, enabled] : plugins)
    list.push_back({{"name", name}, {"version", "1.48.0"}, {"enabled", enabled}, {"core", false}});
  return list.dump();
}

TEST_CASE("the plugins a node needs follow its datastores and its environment's proxy") {
  NodeDesiredState desired;
  CHECK(RequiredPlugins(desired).empty());
  desired.in_environment = true;
  desired.traffic.proxy = "traefik";
  desired.datastores.push_back(Datastore("b-db", "postgres"));
  desired.datastores.push_back(Datastore("a-cache", "redis"));
  desired.datastores.push_back(Datastore("a-db", "postgres"));
  AppSpec app;
  app.name = "a-web-production";
  desired.apps.push_back(app);
  std::vector<RequiredPlugin> plugins = RequiredPlugins(desired);
  REQUIRE(plugins.size() == 3);
  CHECK(plugins[0].name == "postgres");
  CHECK(plugins[0].why == "datastores a-db, b-db");
  CHECK(plugins[0].install ==
        "sudo dokku plugin:install https://github.com/dokku/dokku-postgres.git postgres");
  CHECK(plugins[1].name == "redis");
  CHECK(plugins[1].install ==
        "sudo dokku plugin:install https://github.com/dokku/dokku-redis.git redis");
  CHECK(plugins[2].name == "traefik-vhosts");
  CHECK(plugins[2].why == "the environment's proxy (1 app(s))");
  CHECK(plugins[2].install == "sudo dokku plugin:enable traefik-vhosts");
  desired.traffic.proxy = "nginx";
  CHECK(RequiredPlugins(desired)[0].name == "nginx-vhosts");  // sorted by name
  desired.in_environment = false;  // a node no environment uses: its proxy is not dflow's
  CHECK(RequiredPlugins(desired).size() == 2);
}

TEST_CASE("a node with Dokku and every needed plugin is ready") {
  SshdNode sshd;
  NodeCheckReport report = Check(DesiredFor(sshd), sshd.MakeOptions());
  INFO(FormatNodeCheckText(report));
  CHECK(report.ready());
  CHECK(Names(report) == std::vector<std::string>{"reachable", "host key", "login", "dokku",
                                                  "plugin postgres", "plugin traefik-vhosts",
                                                  "proxy", "proxy running", "proxy settings",
                                                  "global domain"});
  CHECK(Item(report, "dokku").detail == "0.38.27 (dflow supports 0.38.22 or newer)");
  CHECK(Item(report, "host key").detail ==
        sshd.host_key_fingerprint() + " matches the pinned hostKey");
  CHECK(Item(report, "plugin postgres").detail ==
        "1.48.0, needed by datastores shop-db-production");
  CHECK(FormatNodeCheckText(report).find("web-1 is ready (") != std::string::npos);
}

TEST_CASE("a missing plugin fails with its install command and a disabled one with plugin:enable") {
  SshdNode sshd;
  NodeDesiredState desired = DesiredFor(sshd);
  desired.datastores.push_back(Datastore("shop-cache-production", "redis"));
  test::WriteFile(sshd.state_dir() / "plugins.json", PluginsJson({{"redis", false}}));
  NodeCheckReport report = Check(desired, sshd.MakeOptions());
  INFO(FormatNodeCheckText(report));
  CHECK_FALSE(report.ready());
  const NodeCheckItem& postgres = Item(report, "plugin postgres");
  CHECK(postgres.state == CheckState::kFail);
  CHECK(postgres.detail == "not installed; needed by datastores shop-db-production");
  CHECK(postgres.fix ==
        "sudo dokku plugin:install https://github.com/dokku/dokku-postgres.git postgres");
  const NodeCheckItem& redis = Item(report, "plugin redis");
  CHECK(redis.state == CheckState::kFail);
  CHECK(redis.detail == "installed but disabled; needed by datastores shop-cache-production");
  CHECK(redis.fix == "sudo dokku plugin:enable redis");
  CHECK(Item(report, "plugin traefik-vhosts").state == CheckState::kOk);
  CHECK(FormatNodeCheckText(report).find(
            "        fix: sudo dokku plugin:install https://github.com/dokku/dokku-postgres.git "
            "postgres\n") != std::string::npos);
}

TEST_CASE("an unreachable node fails at 'reachable' and checks nothing else") {
  SshdNode sshd;
  NodeDesiredState desired = DesiredFor(sshd);
  sshd.Stop();
  NodeCheckReport report = Check(desired, sshd.MakeOptions());
  INFO(FormatNodeCheckText(report));
  CHECK_FALSE(report.ready());
  const NodeCheckItem& reachable = Item(report, "reachable");
  CHECK(reachable.state == CheckState::kFail);
  CHECK(reachable.detail.find("Connection refused") != std::string::npos);
  CHECK(reachable.fix.find("ssh -p " + std::to_string(sshd.port()) + " dokku@127.0.0.1") !=
        std::string::npos);
  for (const auto& item : report.items)
    if (item.name != "reachable") CHECK(item.state == CheckState::kSkipped);
}

TEST_CASE("a host key that differs from the pin fails with the ssh-keyscan line") {
  SshdNode sshd;
  SshdNode other;  // its key stands for the one pinned before a reinstall (or an impostor)
  NodeDesiredState desired = DesiredFor(sshd);
  desired.node.host_key = other.host_key_fingerprint();
  SshOptions options = sshd.MakeOptions();
  options.host_key_fingerprint = other.host_key_fingerprint();
  NodeCheckReport report = Check(desired, options);
  INFO(FormatNodeCheckText(report));
  CHECK(Item(report, "reachable").state == CheckState::kOk);
  const NodeCheckItem& key = Item(report, "host key");
  CHECK(key.state == CheckState::kFail);
  CHECK(key.detail.find("has CHANGED") != std::string::npos);
  CHECK(key.detail.find(sshd.host_key_fingerprint()) != std::string::npos);
  CHECK(key.fix.find("ssh-keyscan -p " + std::to_string(sshd.port()) + " -t ed25519 127.0.0.1") !=
        std::string::npos);
  CHECK(Item(report, "login").state == CheckState::kSkipped);
}

TEST_CASE("an unpinned host key is checked against known_hosts") {
  SshdNode sshd;
  NodeDesiredState desired = DesiredFor(sshd);
  desired.node.host_key.clear();
  SshOptions options = sshd.MakeOptions();
  options.host_key_fingerprint.clear();
  test::ScopedTempDir dir;
  options.known_hosts_file = (dir.path() / "known_hosts").string();
  test::WriteFile(options.known_hosts_file, "");

  NodeCheckReport unknown = Check(desired, options, {options.known_hosts_file, ""});
  CHECK(Item(unknown, "host key").state == CheckState::kFail);
  CHECK(Item(unknown, "host key").fix.rfind("ssh-keyscan", 0) == 0);

  test::WriteFile(options.known_hosts_file, sshd.known_hosts_line() + "\n");
  NodeCheckReport known = Check(desired, options, {options.known_hosts_file, ""});
  INFO(FormatNodeCheckText(known));
  CHECK(known.ready());
  CHECK(Item(known, "host key").detail ==
        "no hostKey pin; the key is listed in " + options.known_hosts_file);
}

TEST_CASE("a refused key fails at 'login' with the command that authorizes it") {
  SshdNode sshd;
  SshOptions options = sshd.MakeOptions();
  options.identity_files = {test::TestClientKeys().stranger};
  NodeCheckReport report =
      Check(DesiredFor(sshd), options, {"", test::TestClientKeys().stranger + ".pub"});
  INFO(FormatNodeCheckText(report));
  CHECK(Item(report, "host key").state == CheckState::kOk);
  const NodeCheckItem& login = Item(report, "login");
  CHECK(login.state == CheckState::kFail);
  CHECK(login.fix == "cat " + test::TestClientKeys().stranger + ".pub | ssh -p " +
                         std::to_string(sshd.port()) + " root@127.0.0.1 dokku ssh-keys:add dflow");
  CHECK(Item(report, "dokku").state == CheckState::kSkipped);
}

// A node whose `dokku` (for the shell user) is this shell script.
test::SshdNodeOptions DokkuScript(const std::string& body) {
  test::SshdNodeOptions options;
  options.dokku_script = "#!/bin/sh\n" + body + "\n";
  return options;
}

TEST_CASE("a Dokku that is missing or too old fails with the command that installs a good one") {
  SUBCASE("missing") {
    SshdNode sshd(DokkuScript("echo 'bash: dokku: command not found' >&2; exit 127"));
    NodeCheckReport report =
        Check(DesiredFor(sshd, sshd.user()), sshd.MakeOptions(LoginStyle::kShellUser));
    INFO(FormatNodeCheckText(report));
    const NodeCheckItem& dokku = Item(report, "dokku");
    CHECK(dokku.state == CheckState::kFail);
    CHECK(dokku.detail == "`dokku version` exited 127: bash: dokku: command not found");
    CHECK(dokku.fix ==
          "wget -NP . https://dokku.com/install/v0.38.27/bootstrap.sh && sudo "
          "DOKKU_TAG=v0.38.27 bash bootstrap.sh");
    CHECK(Item(report, "plugin postgres").state == CheckState::kSkipped);
  }
  SUBCASE("too old") {
    SshdNode sshd(DokkuScript("DOKKU_SIM_VERSION=0.35.4 exec '" + std::string(DFLOW_DOKKU_SIM_EXE) +
                              "' \"$@\""));
    NodeCheckReport report =
        Check(DesiredFor(sshd, sshd.user()), sshd.MakeOptions(LoginStyle::kShellUser));
    INFO(FormatNodeCheckText(report));
    const NodeCheckItem& dokku = Item(report, "dokku");
    CHECK(dokku.state == CheckState::kFail);
    CHECK(dokku.detail == "Dokku 0.35.4 is too old: dflow needs Dokku 0.38.22 or newer");
    CHECK(dokku.fix == "sudo apt-get update && sudo apt-get install -y dokku");
  }
}

// Runs `dokku <args>` on the simulated node directly (as an operator would by hand).
void OnNode(const SshdNode& sshd, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {DFLOW_DOKKU_SIM_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  test::Captured done =
      test::RunCapture(argv, "", {"DOKKU_SIM_STATE=" + sshd.state_dir().string()});
  REQUIRE_MESSAGE(done.exit_code == 0, done.out << done.err);
}

TEST_CASE("a fresh node of a Traefik environment: the proxy and domain differ, with the fixes") {
  SshdNode sshd;
  NodeDesiredState desired = DesiredFor(sshd);
  desired.domain = "learn.example.com";
  NodeCheckReport report = Check(desired, sshd.MakeOptions());
  const std::string text = FormatNodeCheckText(report);
  INFO(text);
  CHECK(report.ready());  // what differs is what `dflow apply` converges
  const NodeCheckItem& proxy = Item(report, "proxy");
  CHECK(proxy.state == CheckState::kDiffers);
  CHECK(proxy.detail == "nginx, but the environment wants traefik");
  CHECK(proxy.fix ==
        "sudo dokku proxy:set --global type traefik && sudo dokku nginx:stop && sudo dokku "
        "traefik:start   # then rebuild the apps (`dflow apply` does all of it)");
  const NodeCheckItem& running = Item(report, "proxy running");
  CHECK(running.state == CheckState::kUnknown);
  CHECK(running.fix ==
        "sudo dokku traefik:start   # safe to repeat: nothing happens if it already runs");
  CHECK(Item(report, "proxy settings").state == CheckState::kOk);
  CHECK(Item(report, "proxy settings").detail == "no TLS on the node");
  const NodeCheckItem& domain = Item(report, "global domain");
  CHECK(domain.state == CheckState::kDiffers);
  CHECK(domain.detail == "dokku.me, but the environment's domain is learn.example.com");
  CHECK(domain.fix == "sudo dokku domains:set-global learn.example.com");
  CHECK(text.find("  DIFF  proxy  ") != std::string::npos);
  CHECK(text.find("  nginx, but the environment wants traefik\n"
                  "        dflow apply sets it; by hand: sudo dokku proxy:set --global type "
                  "traefik") != std::string::npos);
  CHECK(text.find("  ??    proxy running  ") != std::string::npos);
  CHECK(text.find("  cannot be observed: Dokku keeps it in an internal property") !=
        std::string::npos);
  CHECK(text.find("web-1 is ready (2 setting(s) differ: `dflow apply` sets them)\n") !=
        std::string::npos);
}

TEST_CASE("a node set up as its Traefik environment says, TLS included, checks OK") {
  SshdNode sshd;
  NodeDesiredState desired = DesiredFor(sshd);
  desired.domain = "learn.example.com";
  desired.traffic.tls = true;
  desired.traffic.letsencrypt_email = "ops@example.com";
  OnNode(sshd, {"proxy:set", "--global", "type", "traefik"});
  OnNode(sshd, {"domains:set-global", "learn.example.com"});
  NodeCheckReport before = Check(desired, sshd.MakeOptions());
  CHECK(Item(before, "proxy settings").state == CheckState::kDiffers);
  CHECK(Item(before, "proxy settings").fix ==
        "sudo dokku traefik:set --global letsencrypt-email ops@example.com && sudo dokku "
        "traefik:stop && sudo dokku traefik:start   # then rebuild the apps behind Traefik");
  OnNode(sshd, {"traefik:set", "--global", "letsencrypt-email", "ops@example.com"});
  NodeCheckReport after = Check(desired, sshd.MakeOptions());
  INFO(FormatNodeCheckText(after));
  CHECK(Item(after, "proxy").state == CheckState::kOk);
  CHECK(Item(after, "proxy").detail == "traefik (the node's global proxy type)");
  CHECK(Item(after, "proxy settings").detail == "Let's Encrypt through Traefik (ops@example.com)");
  CHECK(Item(after, "global domain").detail == "learn.example.com");
  CHECK(FormatNodeCheckText(after).find("web-1 is ready\n") != std::string::npos);
}

TEST_CASE("a fix command quotes a value that the shell would read otherwise") {
  SshdNode sshd;
  NodeDesiredState desired = DesiredFor(sshd);
  desired.traffic.tls = true;
  desired.traffic.letsencrypt_email = "o'neil;$(id)@example.com";  // the manifest allows it
  NodeCheckReport report = Check(desired, sshd.MakeOptions());
  const std::string& fix = Item(report, "proxy settings").fix;
  CHECK(fix.rfind("sudo dokku traefik:set --global letsencrypt-email " +
                      ShellQuote("o'neil;$(id)@example.com") + " && ",
                  0) == 0);
  // What the shell makes of it: exactly the value, as one word.
  test::Captured echo = test::RunCapture(
      {"/bin/sh", "-c", "printf '%s\\n' " + ShellQuote("o'neil;$(id)@example.com")}, "");
  CHECK(echo.out == "o'neil;$(id)@example.com\n");
}

TEST_CASE("nginx behind a trusted front: the forwarded-header settings, quoted for the shell") {
  SshdNode sshd;
  NodeDesiredState desired = DesiredFor(sshd);
  desired.traffic.proxy = "nginx";
  desired.traffic.behind_trusted_proxy = true;
  NodeCheckReport report = Check(desired, sshd.MakeOptions());
  INFO(FormatNodeCheckText(report));
  CHECK(Item(report, "proxy").state == CheckState::kOk);  // nginx is Dokku's default
  CHECK(Item(report, "plugin nginx-vhosts").state == CheckState::kOk);
  const NodeCheckItem& settings = Item(report, "proxy settings");
  CHECK(settings.state == CheckState::kDiffers);
  CHECK(settings.detail ==
        "nginx x-forwarded-for-value, x-forwarded-port-value, x-forwarded-proto-value do not "
        "pass on the trusted front's headers");
  CHECK(settings.fix ==
        "sudo dokku nginx:set --global x-forwarded-for-value '$http_x_forwarded_for' && sudo "
        "dokku nginx:set --global x-forwarded-port-value '$http_x_forwarded_port' && sudo dokku "
        "nginx:set --global x-forwarded-proto-value '$http_x_forwarded_proto' && sudo dokku "
        "proxy:build-config --all");
  OnNode(sshd, {"nginx:set", "--global", "x-forwarded-for-value", "$http_x_forwarded_for"});
  OnNode(sshd, {"nginx:set", "--global", "x-forwarded-port-value", "$http_x_forwarded_port"});
  OnNode(sshd, {"nginx:set", "--global", "x-forwarded-proto-value", "$http_x_forwarded_proto"});
  NodeCheckReport after = Check(desired, sshd.MakeOptions());
  CHECK(Item(after, "proxy settings").state == CheckState::kOk);
  CHECK(Item(after, "proxy settings").detail ==
        "nginx passes on the X-Forwarded-* headers of the trusted front");
  CHECK(Item(after, "proxy running").fix ==
        "sudo dokku nginx:start   # safe to repeat: nothing happens if it already runs");
}

TEST_CASE("a proxy report that cannot be read fails, with the command that shows why") {
  SshdNode sshd(
      DokkuScript("[ \"$1\" = proxy:report ] && { echo ' !     boom' >&2; exit 1; }\n"
                  "exec '" +
                  std::string(DFLOW_DOKKU_SIM_EXE) + "' \"$@\""));
  NodeDesiredState desired = DesiredFor(sshd, sshd.user());
  NodeCheckReport report = Check(desired, sshd.MakeOptions(LoginStyle::kShellUser));
  INFO(FormatNodeCheckText(report));
  CHECK_FALSE(report.ready());
  const NodeCheckItem& proxy = Item(report, "proxy");
  CHECK(proxy.state == CheckState::kFail);
  CHECK(proxy.detail.find("cannot read it: ") == 0);
  CHECK(proxy.detail.find("proxy:report --global --format json: exit 1") != std::string::npos);
  CHECK(proxy.fix == "sudo dokku proxy:report --global   # on the node, to see why");
  CHECK(Item(report, "global domain").state == CheckState::kOk);
}

// The command itself, on a small config repo of one node.
struct CliRig {
  SshdNode sshd;
  test::ScopedTempDir dir;

  CliRig() {
    test::WriteFile(dir.path() / "nodes.yaml",
                    "apiVersion: dflow/v1\nkind: Node\nmetadata: {name: web-1}\nspec: {host: "
                    "127.0.0.1, port: " +
                        std::to_string(sshd.port()) + ", user: " + sshd.user() + ", hostKey: \"" +
                        sshd.host_key_fingerprint() + "\"}\n");
    test::WriteFile(dir.path() / "shop.yaml",
                    "apiVersion: dflow/v1\nkind: Environment\nmetadata: {name: production}\n"
                    "spec: {nodes: [web-1]}\n---\napiVersion: dflow/v1\nkind: Application\n"
                    "metadata: {name: shop}\nspec:\n  services:\n    - name: web\n      source: "
                    "{image: \"nginx:1.27\"}\n      databases: [shop-db]\n  databases: [{name: "
                    "shop-db, engine: postgres}]\n  environments: {production: {}}\n");
  }
  test::Captured Run(const std::vector<std::string>& extra) const {
    // NODE first: -i takes every word after it.
    std::vector<std::string> argv = {DFLOW_EXE, "node", "check"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"--repo", dir.path().string(), "-i", test::TestClientKeys().shell});
    return test::RunCapture(argv, "", {"HOME=" + dir.path().string()});
  }
};

TEST_CASE("dflow node check exits 0 for a ready node and 1 with the fix for a missing plugin") {
  CliRig rig;
  test::Captured ready = rig.Run({"web-1", "--format", "json"});
  INFO(ready.out << ready.err);
  REQUIRE(ready.exit_code == 0);
  nlohmann::json json = nlohmann::json::parse(ready.out);
  CHECK(json["node"] == "web-1");
  CHECK(json["ready"] == true);
  CHECK(json["checks"].size() == 10);  // with the plugins, the proxy and the global domain
  CHECK(json["checks"][9]["name"] == "global domain");
  CHECK(json["checks"][9]["status"] == "differs");  // dokku.me where the repo says none
  CHECK(json["checks"][9]["fix"] == "sudo dokku domains:clear-global");

  test::WriteFile(rig.sshd.state_dir() / "plugins.json", PluginsJson({}));
  test::Captured missing = rig.Run({"web-1"});
  INFO(missing.out << missing.err);
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("  FAIL  plugin postgres  ") != std::string::npos);
  CHECK(missing.out.find("fix: sudo dokku plugin:install https://github.com/dokku/"
                         "dokku-postgres.git postgres\n") != std::string::npos);
  CHECK(missing.out.find("web-1 is not ready: 1 check(s) failed\n") != std::string::npos);
}

TEST_CASE("dflow node check names an undeclared node and needs one") {
  CliRig rig;
  test::Captured unknown = rig.Run({"web-9"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no node named 'web-9'") != std::string::npos);
  test::Captured none = rig.Run({});
  CHECK(none.exit_code == 64);
}

}  // namespace
}  // namespace dflow
