// The node's proxy in the simulator (issue 15): nginx:report|set|start|stop, traefik:start|stop,
// proxy:set|report --global and the domains:*-global commands, each checked for its exact
// stdout, stderr and exit code against Dokku v0.38.27's sources (plugins/nginx-vhosts,
// plugins/traefik-vhosts, plugins/proxy, plugins/domains).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/simulator/sim_fixture.h"

namespace dflow::test {
namespace {

nlohmann::json GlobalState(const Sim& sim) {
  auto path = sim.state() / "global.json";
  if (!std::filesystem::exists(path)) return nlohmann::json::object();
  return nlohmann::json::parse(ReadFile(path));
}

std::string AppFile(const Sim& sim, const std::string& app) {
  return ReadFile(sim.state() / "apps" / (app + ".json"));
}

// The `props.<plugin>.proxy-status` property of global.json ("" when absent).
std::string ProxyStatus(const Sim& sim, const std::string& plugin) {
  auto g = GlobalState(sim);
  if (!g.contains("props") || !g["props"].contains(plugin)) return "";
  return g["props"][plugin].value("proxy-status", "");
}

void Expect(const Captured& c, int code, const std::string& out, const std::string& err) {
  CHECK(c.exit_code == code);
  CHECK(c.out == out);
  CHECK(c.err == err);
}

// report.go nginxReportProps, in the order of the report (sorted by flag name).
const std::vector<std::string> kNginxProps = {"access-log-format",
                                              "access-log-path",
                                              "bind-address-ipv4",
                                              "bind-address-ipv6",
                                              "client-body-timeout",
                                              "client-header-timeout",
                                              "client-max-body-size",
                                              "disable-custom-config",
                                              "error-log-path",
                                              "hsts",
                                              "hsts-include-subdomains",
                                              "hsts-max-age",
                                              "hsts-preload",
                                              "keepalive-timeout",
                                              "lingering-timeout",
                                              "nginx-conf-sigil-path",
                                              "nginx-service-command",
                                              "proxy-buffer-size",
                                              "proxy-buffering",
                                              "proxy-buffers",
                                              "proxy-busy-buffers-size",
                                              "proxy-connect-timeout",
                                              "proxy-keepalive",
                                              "proxy-read-timeout",
                                              "proxy-send-timeout",
                                              "send-timeout",
                                              "underscore-in-headers",
                                              "x-forwarded-for-value",
                                              "x-forwarded-port-value",
                                              "x-forwarded-proto-value",
                                              "x-forwarded-ssl"};

const char kNginxGlobalJson[] =
    "{\"global-access-log-format\":\"\",\"global-access-log-path\":\"\","
    "\"global-bind-address-ipv4\":\"\",\"global-bind-address-ipv6\":\"\","
    "\"global-client-body-timeout\":\"\",\"global-client-header-timeout\":\"\","
    "\"global-client-max-body-size\":\"\",\"global-disable-custom-config\":\"\","
    "\"global-error-log-path\":\"\",\"global-hsts\":\"\",\"global-hsts-include-subdomains\":\"\","
    "\"global-hsts-max-age\":\"\",\"global-hsts-preload\":\"\",\"global-keepalive-timeout\":\"\","
    "\"global-lingering-timeout\":\"\",\"global-nginx-conf-sigil-path\":\"\","
    "\"global-nginx-service-command\":\"\",\"global-proxy-buffer-size\":\"\","
    "\"global-proxy-buffering\":\"\",\"global-proxy-buffers\":\"\","
    "\"global-proxy-busy-buffers-size\":\"\",\"global-proxy-connect-timeout\":\"\","
    "\"global-proxy-keepalive\":\"\",\"global-proxy-read-timeout\":\"\","
    "\"global-proxy-send-timeout\":\"\",\"global-send-timeout\":\"\","
    "\"global-underscore-in-headers\":\"\",\"global-x-forwarded-for-value\":\"\","
    "\"global-x-forwarded-port-value\":\"\",\"global-x-forwarded-proto-value\":\"\","
    "\"global-x-forwarded-ssl\":\"\"}\n";

const char kNginxGlobalStdout[] =
    "=====> --global nginx information\n"
    "       Nginx global access log format:       \n"
    "       Nginx global access log path:         \n"
    "       Nginx global bind address ipv4:       \n"
    "       Nginx global bind address ipv6:       \n"
    "       Nginx global client body timeout:     \n"
    "       Nginx global client header timeout:   \n"
    "       Nginx global client max body size:    \n"
    "       Nginx global disable custom config:   \n"
    "       Nginx global error log path:          \n"
    "       Nginx global hsts:                    \n"
    "       Nginx global hsts include subdomains: \n"
    "       Nginx global hsts max age:            \n"
    "       Nginx global hsts preload:            \n"
    "       Nginx global keepalive timeout:       \n"
    "       Nginx global lingering timeout:       \n"
    "       Nginx global nginx conf sigil path:   \n"
    "       Nginx global nginx service command:   \n"
    "       Nginx global proxy buffer size:       \n"
    "       Nginx global proxy buffering:         \n"
    "       Nginx global proxy buffers:           \n"
    "       Nginx global proxy busy buffers size: \n"
    "       Nginx global proxy connect timeout:   \n"
    "       Nginx global proxy keepalive:         \n"
    "       Nginx global proxy read timeout:      \n"
    "       Nginx global proxy send timeout:      \n"
    "       Nginx global send timeout:            \n"
    "       Nginx global underscore in headers:   \n"
    "       Nginx global x forwarded for value:   \n"
    "       Nginx global x forwarded port value:  \n"
    "       Nginx global x forwarded proto value: \n"
    "       Nginx global x forwarded ssl:         \n";

// The Computed* defaults of nginx_vhosts.go for app `app` with nothing set.
std::map<std::string, std::string> NginxDefaults(const std::string& app) {
  const long kib = sysconf(_SC_PAGESIZE) / 1024;
  return {{"access-log-format", ""},
          {"access-log-path", "/var/log/nginx/" + app + "-access.log"},
          {"bind-address-ipv4", ""},
          {"bind-address-ipv6", "::"},
          {"client-body-timeout", "60s"},
          {"client-header-timeout", "60s"},
          {"client-max-body-size", "1m"},
          {"disable-custom-config", "false"},
          {"error-log-path", "/var/log/nginx/" + app + "-error.log"},
          {"hsts", "true"},
          {"hsts-include-subdomains", "true"},
          {"hsts-max-age", "15724800"},
          {"hsts-preload", "false"},
          {"keepalive-timeout", "75s"},
          {"lingering-timeout", "5s"},
          {"nginx-conf-sigil-path", "nginx.conf.sigil"},
          {"nginx-service-command", ""},
          {"proxy-buffer-size", std::to_string(kib) + "k"},
          {"proxy-buffering", "on"},
          {"proxy-buffers", "8 " + std::to_string(kib) + "k"},
          {"proxy-busy-buffers-size", std::to_string(kib * 2) + "k"},
          {"proxy-connect-timeout", "60s"},
          {"proxy-keepalive", ""},
          {"proxy-read-timeout", "60s"},
          {"proxy-send-timeout", "60s"},
          {"send-timeout", "60s"},
          {"underscore-in-headers", "off"},
          {"x-forwarded-for-value", "$remote_addr"},
          {"x-forwarded-port-value", "$server_port"},
          {"x-forwarded-proto-value", "$scheme"},
          {"x-forwarded-ssl", ""}};
}

// The stdout report Go's ReportSingleApp prints for these JSON keys (TrimPrefix'd "nginx"
// flags): sorted by flag, label "Nginx <key with - as spaces>:" padded to the longest flag.
std::string NginxStdoutFromJson(const std::string& app, const nlohmann::json& json) {
  size_t width = 31;
  for (auto it = json.begin(); it != json.end(); ++it)
    width = std::max(width, std::string("--nginx-" + it.key()).size());
  std::string out = "=====> " + app + " nginx information\n";
  for (auto it = json.begin(); it != json.end(); ++it) {
    std::string label = "Nginx " + it.key();
    std::replace(label.begin(), label.end(), '-', ' ');
    label += ":";
    label.append(width - label.size(), ' ');
    out += "       " + label + it.value().get<std::string>() + "\n";
  }
  return out;
}

TEST_CASE("proxy: nginx:report --global on a fresh node") {
  Sim sim;
  Expect(sim.Run({"nginx:report", "--global", "--format", "json"}), 0, kNginxGlobalJson, "");
  Expect(sim.Run({"nginx:report", "--global"}), 0, kNginxGlobalStdout, "");
  // --quiet hides the header; an info flag prints the bare value.
  Captured quiet = sim.Run({"--quiet", "nginx:report", "--global"});
  CHECK(quiet.out == std::string(kNginxGlobalStdout).substr(34));
  Expect(sim.Run({"nginx:report", "--global", "--nginx-global-hsts"}), 0, "\n", "");
  // App keys do not exist in the global report: the error lists only the 31 global flags.
  std::string flags;
  for (const auto& p : kNginxProps)
    flags += (flags.empty() ? "--nginx-global-" : ", --nginx-global-") + p;
  Expect(sim.Run({"nginx:report", "--global", "--nginx-hsts"}), 1, "",
         " !     Invalid flag passed, valid flags: " + flags + "\n");
  // With no apps the all-apps form warns and succeeds.
  Expect(sim.Run({"nginx:report"}), 0, "", " !     You haven't deployed any applications yet\n");
  CHECK(sim.Run({"nginx:report", "--global", "--format", "json"}).out == kNginxGlobalJson);
}

TEST_CASE("proxy: nginx:report of an app: every key with its computed default") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  nlohmann::json expected = nlohmann::json::object();
  for (const auto& [key, value] : NginxDefaults("web")) {
    expected[key] = "";
    expected["computed-" + key] = value;
    expected["global-" + key] = "";
  }
  expected["last-visited-at"] = "";
  CHECK(expected.size() == 94);
  Captured json = sim.Run({"nginx:report", "web", "--format", "json"});
  Expect(json, 0, expected.dump() + "\n", "");  // nlohmann sorts keys like encoding/json
  Captured text = sim.Run({"nginx:report", "web"});
  Expect(text, 0, NginxStdoutFromJson("web", expected), "");
  CHECK(text.out.find("       Nginx computed x forwarded proto value: $scheme\n") !=
        std::string::npos);
  Expect(sim.Run({"nginx:report", "web", "--nginx-computed-x-forwarded-for-value"}), 0,
         "$remote_addr\n", "");
  // The all-apps form is the same report.
  CHECK(sim.Run({"nginx:report", "--format", "json"}).out == json.out);

  // Precedence: app value, then global value, then the default.
  sim.Ok({"nginx:set", "--global", "x-forwarded-proto-value", "$http_x_forwarded_proto"});
  sim.Ok({"nginx:set", "--global", "hsts", "false"});
  sim.Ok({"nginx:set", "web", "hsts", "true"});
  auto j = nlohmann::json::parse(sim.Run({"nginx:report", "web", "--format", "json"}).out);
  CHECK(j["x-forwarded-proto-value"] == "");
  CHECK(j["global-x-forwarded-proto-value"] == "$http_x_forwarded_proto");
  CHECK(j["computed-x-forwarded-proto-value"] == "$http_x_forwarded_proto");
  CHECK(j["hsts"] == "true");
  CHECK(j["global-hsts"] == "false");
  CHECK(j["computed-hsts"] == "true");
  CHECK(sim.Run({"nginx:report", "--global", "--format", "json"})
            .out.find("\"global-x-forwarded-proto-value\":\"$http_x_forwarded_proto\"") !=
        std::string::npos);

  // last-visited-at: the mtime of the app's own access-log-path when it is a regular file.
  auto log = sim.state().parent_path() / "access.log";
  { std::ofstream(log) << "x"; }
  sim.Ok({"nginx:set", "web", "access-log-path", log.string()});
  struct stat st {};
  REQUIRE(stat(log.c_str(), &st) == 0);
  CHECK(sim.Run({"nginx:report", "web", "--nginx-last-visited-at"}).out ==
        std::to_string(static_cast<long long>(st.st_mtime)) + "\n");
  sim.Ok({"nginx:set", "web", "access-log-path", "off"});
  CHECK(sim.Run({"nginx:report", "web", "--nginx-last-visited-at"}).out == "\n");

  // Report errors of the shared Go report code.
  Expect(sim.Run({"nginx:report", "missing"}), 20, "", " !     App missing does not exist\n");
  Expect(sim.Run({"nginx:report", "web", "--format", "json", "--nginx-hsts"}), 1, "",
         " !     --format flag cannot be specified when specifying an info flag\n");
  Expect(sim.Run({"nginx:report", "web", "--nginx-hsts", "--nginx-global-hsts"}), 0, "", "");
  // pflag's FlagSet is "nginx-vhosts:report" (the simulator prints only the first usage line).
  Expect(sim.Run({"nginx:report", "web", "-x"}), 2, "",
         "unknown shorthand flag: 'x' in -x\nUsage of nginx-vhosts:report:\n");
}

TEST_CASE("proxy: nginx:set checks, messages and storage") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  Expect(sim.Run({"nginx:set"}), 1, "", " !     No key specified\n");
  Expect(sim.Run({"nginx:set", "web"}), 1, "", " !     No key specified\n");
  const std::string invalid =
      " !     Invalid key specified, valid keys include: access-log-format, access-log-path, "
      "bind-address-ipv4, bind-address-ipv6, client-body-timeout, client-header-timeout, "
      "client-max-body-size, disable-custom-config, error-log-path, hsts, "
      "hsts-include-subdomains, hsts-preload, hsts-max-age, keepalive-timeout, "
      "lingering-timeout, nginx-conf-sigil-path, nginx-service-command, proxy-buffer-size, "
      "proxy-buffering, proxy-buffers, proxy-busy-buffers-size, proxy-connect-timeout, "
      "proxy-read-timeout, proxy-send-timeout, proxy-keepalive, send-timeout, "
      "underscore-in-headers, x-forwarded-for-value, x-forwarded-port-value, "
      "x-forwarded-proto-value, x-forwarded-ssl\n";
  // The key is checked before the app, for an app and --global alike.
  Expect(sim.Run({"nginx:set", "web", "proxy-status", "started"}), 1, "", invalid);
  Expect(sim.Run({"nginx:set", "--global", "foo", "1"}), 1, "", invalid);
  Expect(sim.Run({"nginx:set", "missing", "foo", "1"}), 1, "", invalid);
  // proxy-keepalive must match ^[0-9]+$ (no sign); an empty value unsets it.
  for (const char* bad : {"abc", "-1", "1.5", " 1"})
    Expect(sim.Run({"nginx:set", "web", "proxy-keepalive", bad}), 1, "",
           " !     Invalid value for proxy-keepalive: must be an integer\n");
  Expect(sim.Run({"nginx:set", "web", "proxy-keepalive", "32"}), 0,
         "=====> Setting proxy-keepalive to 32\n", "");
  Expect(sim.Run({"nginx:set", "web", "proxy-keepalive"}), 0, "=====> Unsetting proxy-keepalive\n",
         "");
  // Every valid key is also a global key at v0.38.27: "cannot be set globally" never happens.
  // ("1": proxy-keepalive takes only digits.)
  for (const auto& key : kNginxProps)
    Expect(sim.Run({"nginx:set", "--global", key, "1"}), 0, "=====> Setting " + key + " to 1\n",
           "");
  for (const auto& key : kNginxProps)
    Expect(sim.Run({"nginx:set", "--global", key}), 0, "=====> Unsetting " + key + "\n", "");
  CHECK(sim.Run({"nginx:report", "--global", "--format", "json"}).out == kNginxGlobalJson);
  // VALUE is $3: later words are ignored. --quiet hides the info2 line.
  Expect(sim.Run({"nginx:set", "web", "client-max-body-size", "50m", "extra"}), 0,
         "=====> Setting client-max-body-size to 50m\n", "");
  CHECK(sim.Run({"nginx:report", "web", "--nginx-client-max-body-size"}).out == "50m\n");
  Expect(sim.Run({"--quiet", "nginx:set", "web", "hsts", "false"}), 0, "", "");
  Expect(sim.Run({"--app", "web", "nginx:set", "hsts-max-age", "60"}), 0,
         "=====> Setting hsts-max-age to 60\n", "");
  auto app = nlohmann::json::parse(AppFile(sim, "web"));
  CHECK(
      app["props"]["nginx"] ==
      nlohmann::json({{"client-max-body-size", "50m"}, {"hsts", "false"}, {"hsts-max-age", "60"}}));
}

TEST_CASE("proxy: nginx:set checks no app and rebuilds nothing") {
  Sim sim;
  // The app is never verified: a property of a missing app is written and exits 0; a later
  // apps:create finds it.
  Expect(sim.Run({"nginx:set", "later", "hsts", "false"}), 0, "=====> Setting hsts to false\n", "");
  Expect(sim.Run({"nginx:set", "Bad_Name", "hsts", "false"}), 0, "=====> Setting hsts to false\n",
         "");
  CHECK(!std::filesystem::exists(sim.state() / "apps" / "later.json"));
  CHECK(sim.Run({"apps:list", "--format", "json"}).out == "[]\n");
  sim.Ok({"apps:create", "later"});
  CHECK(sim.Run({"nginx:report", "later", "--nginx-hsts"}).out == "false\n");
  CHECK(sim.Run({"nginx:report", "later", "--nginx-computed-hsts"}).out == "false\n");

  // On a deployed app: no restart, no rebuild, only the property changes.
  sim.Ok({"git:from-image", "later", "nginx:1.27"});
  const std::string before = AppFile(sim, "later");
  Expect(sim.Run({"nginx:set", "later", "x-forwarded-proto-value", "$http_x_forwarded_proto"}), 0,
         "=====> Setting x-forwarded-proto-value to $http_x_forwarded_proto\n", "");
  auto a = nlohmann::json::parse(before);
  auto b = nlohmann::json::parse(AppFile(sim, "later"));
  CHECK(b["props"]["nginx"]["x-forwarded-proto-value"] == "$http_x_forwarded_proto");
  b["props"]["nginx"].erase("x-forwarded-proto-value");
  CHECK(a == b);
}

TEST_CASE("proxy: nginx:start and nginx:stop write proxy-status and print nothing") {
  Sim sim;
  CHECK(ProxyStatus(sim, "nginx") == "");  // fresh node: nginx runs, proxy-status unset
  Expect(sim.Run({"nginx:stop"}), 0, "", "");
  CHECK(ProxyStatus(sim, "nginx") == "stopped");
  Expect(sim.Run({"nginx:stop"}), 0, "", "");
  CHECK(ProxyStatus(sim, "nginx") == "stopped");
  Expect(sim.Run({"nginx:start"}), 0, "", "");
  CHECK(ProxyStatus(sim, "nginx") == "started");
  Expect(sim.Run({"nginx:start"}), 0, "", "");
  CHECK(ProxyStatus(sim, "nginx") == "started");
  // Not a report key, not settable.
  CHECK(sim.Run({"nginx:report", "--global", "--format", "json"}).out == kNginxGlobalJson);
  CHECK(sim.Run({"nginx:set", "--global", "proxy-status", "x"}).exit_code == 1);
  CHECK(ProxyStatus(sim, "traefik") == "");
  auto lines = sim.LogLines();
  REQUIRE(lines.size() == 6);
  CHECK(nlohmann::json::parse(lines[0])["changed"] == true);
}

TEST_CASE("proxy: traefik:start and traefik:stop write proxy-status and print nothing") {
  Sim sim;
  CHECK(ProxyStatus(sim, "traefik") == "");
  Expect(sim.Run({"traefik:start"}), 0, "", "");
  CHECK(ProxyStatus(sim, "traefik") == "started");
  Expect(sim.Run({"traefik:start"}), 0, "", "");  // compose up of a running project
  CHECK(ProxyStatus(sim, "traefik") == "started");
  Expect(sim.Run({"--quiet", "traefik:stop"}), 0, "", "");
  CHECK(ProxyStatus(sim, "traefik") == "stopped");
  Expect(sim.Run({"traefik:stop"}), 0, "", "");
  CHECK(ProxyStatus(sim, "traefik") == "stopped");
  CHECK(ProxyStatus(sim, "nginx") == "");
  // The report has no running state: still 30 keys.
  auto json =
      nlohmann::json::parse(sim.Run({"traefik:report", "--global", "--format", "json"}).out);
  CHECK(json.size() == 30);
}

TEST_CASE("proxy: proxy:set --global type and proxy:report --global") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  sim.Ok({"git:from-image", "web", "nginx:1.27"});
  const std::string app_before = AppFile(sim, "web");

  Expect(sim.Run({"proxy:report", "--global", "--format", "json"}), 0,
         "{\"computed-proxy-port\":\"\",\"computed-proxy-ssl-port\":\"\","
         "\"computed-type\":\"nginx\",\"global-proxy-port\":\"\",\"global-proxy-ssl-port\":\"\","
         "\"global-type\":\"\",\"proxy-computed-proxy-port\":\"\","
         "\"proxy-computed-proxy-ssl-port\":\"\",\"proxy-computed-type\":\"nginx\","
         "\"proxy-global-proxy-port\":\"\",\"proxy-global-proxy-ssl-port\":\"\","
         "\"proxy-global-type\":\"\"}\n",
         "");
  Expect(sim.Run({"proxy:set", "--global", "type", "traefik"}), 0,
         "=====> Setting type to traefik\n", "");
  Expect(sim.Run({"proxy:report", "--global"}), 0,
         "=====> --global proxy information\n"
         "       Proxy computed proxy port:     \n"
         "       Proxy computed proxy ssl port: \n"
         "       Proxy computed type:           traefik\n"
         "       Proxy global proxy port:       \n"
         "       Proxy global proxy ssl port:   \n"
         "       Proxy global type:             traefik\n",
         "");
  Expect(sim.Run({"proxy:report", "--global", "--proxy-type"}), 1, "",
         " !     Invalid flag passed, valid flags: --proxy-computed-proxy-port, "
         "--proxy-computed-proxy-ssl-port, --proxy-computed-type, --proxy-global-proxy-port, "
         "--proxy-global-proxy-ssl-port, --proxy-global-type\n");
  // The app follows the global type, and nothing else changed: no restart, no rebuild, no
  // proxy started or stopped.
  CHECK(sim.Run({"proxy:report", "web", "--proxy-computed-type"}).out == "traefik\n");
  CHECK(AppFile(sim, "web") == app_before);
  CHECK(ProxyStatus(sim, "traefik") == "");
  CHECK(ProxyStatus(sim, "nginx") == "");

  // pflag: --global anywhere; only the first two words after it count.
  Expect(sim.Run({"proxy:set", "type", "caddy", "--global", "extra"}), 0,
         "=====> Setting type to caddy\n", "");
  CHECK(sim.Run({"proxy:report", "--global", "--proxy-global-type"}).out == "caddy\n");
  // The old `proxy:set <app|--global> <type>` form, and a bare --global unsets the type.
  Expect(sim.Run({"proxy:set", "--global", "haproxy"}), 0, "=====> Setting type to haproxy\n", "");
  Expect(sim.Run({"proxy:set", "--global"}), 0, "=====> Unsetting type\n", "");
  CHECK(sim.Run({"proxy:report", "--global", "--proxy-computed-type"}).out == "nginx\n");
  Expect(sim.Run({"proxy:set", "--global", "http:80:5000"}), 1, "",
         " !     Detected potential port mapping instead of proxy type\n"
         " !     Consider using ports:set command or specifying a valid proxy\n");
  Expect(sim.Run({"proxy:set", "--global", "disabled", "true"}), 1, "",
         " !     Property cannot be specified globally\n");
  Expect(sim.Run({"--quiet", "proxy:set", "--global", "type", "traefik"}), 0, "", "");
  Expect(sim.Run({"proxy:set", "--global", "type"}), 0, "=====> Unsetting type\n", "");
  // App forms.
  Expect(sim.Run({"proxy:set", "web", "traefik"}), 0, "=====> Setting type to traefik\n", "");
  Expect(sim.Run({"proxy:set", "web", "type", "caddy", "extra"}), 0,
         "=====> Setting type to caddy\n", "");
  CHECK(sim.Run({"proxy:report", "web", "--proxy-type"}).out == "caddy\n");
  Expect(sim.Run({"proxy:set", "web"}), 0, "=====> Unsetting type\n", "");
  Expect(sim.Run({"proxy:set", "missing", "traefik"}), 20, "",
         " !     App missing does not exist\n");
  Expect(sim.Run({"proxy:set", "missing", "80:5000"}), 1, "",
         " !     Detected potential port mapping instead of proxy type\n"
         " !     Consider using ports:set command or specifying a valid proxy\n");
}

TEST_CASE("proxy: domains global commands touch no app") {
  Sim sim;
  sim.Ok({"apps:create", "web"});
  const std::string app_before = AppFile(sim, "web");
  Expect(sim.Run({"domains:report", "--global", "--format", "json"}), 0,
         "{\"global-enabled\":\"true\",\"global-vhosts\":\"dokku.me\"}\n", "");

  Expect(sim.Run({"domains:set-global", "example.com", "examplexcom"}), 0,
         "-----> Set example.com examplexcom\n", "");
  Expect(sim.Run({"domains:report", "--global"}), 0,
         "=====> --global domains information\n"
         "       Domains global enabled:        true\n"
         "       Domains global vhosts:         example.com examplexcom\n",
         "");
  // No trigger: the app keeps its vhost, NO_VHOST and everything else.
  CHECK(AppFile(sim, "web") == app_before);
  CHECK(sim.Run({"domains:report", "web", "--domains-app-vhosts"}).out == "web.dokku.me\n");

  Expect(sim.Run({"domains:add-global", "a.example.com", "example.com", "a.example.com"}), 0,
         "-----> Added a.example.com\n"
         "-----> Skipping example.com: already added\n"
         "-----> Skipping a.example.com: already added\n",
         "");
  // sed deletes by regex: `.` matches any character, so examplexcom goes too.
  Expect(sim.Run({"domains:remove-global", "example.com", "absent.org"}), 0,
         "-----> Removed example.com\n-----> Removed absent.org\n", "");
  CHECK(sim.Run({"domains:report", "--global", "--domains-global-vhosts"}).out ==
        "a.example.com\n");
  // Validation happens before anything is written or printed.
  Expect(sim.Run({"domains:add-global", "ok.org", "bad_domain.org"}), 1, "",
         " !     bad_domain.org is invalid. exiting...\n");
  Expect(sim.Run({"domains:set-global", "ok.org", ""}), 1, "", " !      is invalid. exiting...\n");
  CHECK(sim.Run({"domains:report", "--global", "--domains-global-vhosts"}).out ==
        "a.example.com\n");
  for (const char* cmd : {"domains:set-global", "domains:add-global", "domains:remove-global"})
    Expect(sim.Run({cmd}), 1, "",
           " !     Please specify a domain name. Usage: dokku  <domain> [<domain> ...]\n");

  Expect(sim.Run({"--quiet", "domains:clear-global"}), 0, "", "");
  Expect(sim.Run({"domains:clear-global"}), 0, "-----> Clearing global domains\n", "");
  Expect(sim.Run({"domains:report", "--global", "--format", "json"}), 0,
         "{\"global-enabled\":\"false\",\"global-vhosts\":\"\"}\n", "");
  CHECK(AppFile(sim, "web") == app_before);
  Expect(sim.Run({"domains:report", "--global", "--domains-app-vhosts"}), 1, "",
         " !     Invalid flag passed, valid flags: --domains-global-enabled, "
         "--domains-global-vhosts\n");
}

}  // namespace
}  // namespace dflow::test
