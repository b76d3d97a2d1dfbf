#include "reconciler/cli/node_check.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "providers/dokku/dokku_plugins.h"
#include "providers/dokku/dokku_version.h"
#include "reconciler/cli/node_proxy_check.h"

namespace dflow {
namespace {

// The Dokku release the simulator reproduces and the install line points at
// (reference/dokku.md); any release from kMinimumDokkuVersion on is supported.
constexpr const char* kRecommendedDokku = "0.38.27";

struct PluginSource {
  const char* name;
  const char* install;
};

// How each plugin dflow may need is installed. nginx-vhosts and traefik-vhosts ship with
// Dokku: they can only have been disabled.
const PluginSource kPluginSources[] = {
    {"postgres", "sudo dokku plugin:install https://github.com/dokku/dokku-postgres.git postgres"},
    {"redis", "sudo dokku plugin:install https://github.com/dokku/dokku-redis.git redis"},
    {"nginx-vhosts", "sudo dokku plugin:enable nginx-vhosts"},
    {"traefik-vhosts", "sudo dokku plugin:enable traefik-vhosts"},
};

std::string InstallCommand(const std::string& name) {
  for (const auto& source : kPluginSources)
    if (name == source.name) return source.install;
  return "sudo dokku plugin:install <url> " + name;
}

std::string JoinNames(const std::set<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "(no output)" : line;
}

std::string HostPort(const NodeSpec& node) { return node.host + ":" + std::to_string(node.port); }

std::string KeyscanFix(const NodeSpec& node) {
  return "ssh-keyscan -p " + std::to_string(node.port) + " -t ed25519 " + node.host +
         " 2>/dev/null | ssh-keygen -lf -   # then set spec.hostKey of Node " + node.name +
         " to the SHA256:... it prints (compare with `ssh-keygen -lf "
         "/etc/ssh/ssh_host_ed25519_key.pub` on the node's console)";
}

std::string LoginFix(const NodeSpec& node, const NodeCheckOptions& options) {
  std::string key = options.identity_hint.empty() ? "~/.ssh/id_ed25519.pub" : options.identity_hint;
  if (node.user == "dokku")
    return "cat " + key + " | ssh -p " + std::to_string(node.port) + " root@" + node.host +
           " dokku ssh-keys:add dflow";
  return "ssh-copy-id -i " + key + " -p " + std::to_string(node.port) + " " + node.user + "@" +
         node.host;
}

std::string HostKeyDetail(const NodeSpec& node, const NodeCheckOptions& options) {
  if (!node.host_key.empty()) return node.host_key + " matches the pinned hostKey";
  return "no hostKey pin; the key is listed in " + options.known_hosts_file;
}

class Checker {
 public:
  Checker(const NodeDesiredState& node, Transport& transport, const NodeCheckOptions& options)
      : node_(node.node), desired_(node), transport_(transport), options_(options) {
    report_.node = node_.name;
    report_.address = node_.user + "@" + HostPort(node_);
    for (const char* name : {"reachable", "host key", "login", "dokku"}) Add(name);
    for (const auto& plugin : RequiredPlugins(desired_)) Add("plugin " + plugin.name);
    for (const auto& name : ProxyCheckNames(desired_)) Add(name);
  }

  NodeCheckReport Run() {
    Result<ExecResult> version = transport_.RunDokku({"version"});
    if (!version.ok()) {
      ConnectFailed(version.status());
      return report_;
    }
    Ok("reachable", "SSH answers at " + HostPort(node_));
    Ok("host key", HostKeyDetail(node_, options_));
    Ok("login", "logged in as " + node_.user);
    if (CheckVersion(*version)) {
      CheckPlugins();
      for (NodeCheckItem& item : CheckNodeProxy(desired_, transport_)) Item(item.name) = item;
    }
    return report_;
  }

 private:
  void Add(const std::string& name) {
    report_.items.push_back({name, CheckState::kSkipped, "", ""});
  }

  NodeCheckItem& Item(const std::string& name) {
    return *std::find_if(report_.items.begin(), report_.items.end(),
                         [&](const NodeCheckItem& item) { return item.name == name; });
  }
  void Ok(const std::string& name, std::string detail) {
    Item(name).state = CheckState::kOk;
    Item(name).detail = std::move(detail);
  }
  void Fail(const std::string& name, std::string detail, std::string fix) {
    NodeCheckItem& item = Item(name);
    item.state = CheckState::kFail;
    item.detail = std::move(detail);
    item.fix = std::move(fix);
  }

  // The transport's errors say which step of the connection failed: the host key check
  // and the login are refusals (kPermissionDenied) told apart by their message.
  void ConnectFailed(const Status& status) {
    const std::string& message = status.message();
    if (status.code() != Code::kPermissionDenied) {
      Fail("reachable", message,
           "check that sshd runs on the node and the firewall lets this machine reach " +
               HostPort(node_) + ": ssh -p " + std::to_string(node_.port) + " " + node_.user + "@" +
               node_.host + " dokku version");
      return;
    }
    Ok("reachable", "SSH answers at " + HostPort(node_));
    if (message.find("host key") != std::string::npos) {
      bool changed = message.find("CHANGED") != std::string::npos;
      Fail("host key", message,
           changed ? "only if the node was reinstalled: " + KeyscanFix(node_) : KeyscanFix(node_));
      return;
    }
    Ok("host key", HostKeyDetail(node_, options_));
    Fail("login", message, LoginFix(node_, options_));
  }

  bool CheckVersion(const ExecResult& result) {
    const std::string install =
        "wget -NP . https://dokku.com/install/v" + std::string(kRecommendedDokku) +
        "/bootstrap.sh && sudo DOKKU_TAG=v" + kRecommendedDokku + " bash bootstrap.sh";
    if (result.exit_code != 0) {
      Fail("dokku",
           "`dokku version` exited " + std::to_string(result.exit_code) + ": " +
               FirstLine(result.err.empty() ? result.out : result.err),
           result.exit_code == 127 ? install : "sudo dokku version   # on the node, to see why");
      return false;
    }
    Result<DokkuVersion> version = ParseDokkuVersion(result.out);
    if (!version.ok()) {
      Fail("dokku", version.status().message(), install);
      return false;
    }
    if (Status supported = CheckDokkuVersion(*version); !supported.ok()) {
      Fail("dokku", supported.message(), "sudo apt-get update && sudo apt-get install -y dokku");
      return false;
    }
    Ok("dokku",
       version->ToString() + " (dflow supports " + kMinimumDokkuVersion.ToString() + " or newer)");
    return true;
  }

  void CheckPlugins() {
    std::vector<std::string> argv = {"plugin:list", "--format", "json"};
    Result<ExecResult> listed = transport_.RunDokku(argv);
    std::string problem;
    if (!listed.ok())
      problem = listed.status().message();
    else if (listed->exit_code != 0)
      problem = "`dokku plugin:list --format json` exited " + std::to_string(listed->exit_code) +
                ": " + FirstLine(listed->err);
    Result<std::vector<ObservedPlugin>> plugins =
        problem.empty() ? ParsePluginList(argv, listed->out)
                        : Result<std::vector<ObservedPlugin>>(Code::kFailed, problem);
    for (const auto& required : RequiredPlugins(desired_)) {
      const std::string item = "plugin " + required.name;
      if (!plugins.ok()) {
        Fail(item, "cannot list plugins: " + plugins.status().message(),
             "sudo dokku plugin:list   # on the node, to see why");
        continue;
      }
      if (const ObservedPlugin* found = FindEnabledPlugin(*plugins, required.name)) {
        Ok(item, found->version + ", needed by " + required.why);
        continue;
      }
      bool listed_disabled =
          std::any_of(plugins->begin(), plugins->end(),
                      [&](const ObservedPlugin& p) { return p.name == required.name; });
      Fail(item,
           (listed_disabled ? "installed but disabled" : "not installed") +
               std::string("; needed by ") + required.why,
           listed_disabled ? "sudo dokku plugin:enable " + required.name : required.install);
    }
  }

  const NodeSpec& node_;
  const NodeDesiredState& desired_;
  Transport& transport_;
  const NodeCheckOptions& options_;
  NodeCheckReport report_;
};

const char* StateName(CheckState state) {
  switch (state) {
    case CheckState::kOk:
      return "ok";
    case CheckState::kFail:
      return "fail";
    case CheckState::kSkipped:
      return "skipped";
    case CheckState::kUnknown:
      return "unknown";
    case CheckState::kDiffers:
      return "differs";
  }
  return "skipped";
}

}  // namespace

bool NodeCheckReport::ready() const {
  return std::none_of(items.begin(), items.end(), [](const NodeCheckItem& item) {
    return item.state == CheckState::kFail || item.state == CheckState::kSkipped;
  });
}

std::vector<RequiredPlugin> RequiredPlugins(const NodeDesiredState& node) {
  std::map<std::string, std::set<std::string>> needed;  // plugin -> what needs it
  for (const auto& datastore : node.datastores) needed[datastore.engine].insert(datastore.name);
  std::vector<RequiredPlugin> out;
  for (const auto& [engine, names] : needed)
    out.push_back({engine, "datastores " + JoinNames(names), InstallCommand(engine)});
  if (node.in_environment) {
    const std::string plugin = node.traffic.proxy + "-vhosts";
    out.push_back({plugin,
                   "the environment's proxy (" + std::to_string(node.apps.size()) + " app(s))",
                   InstallCommand(plugin)});
  }
  std::sort(out.begin(), out.end(),
            [](const RequiredPlugin& a, const RequiredPlugin& b) { return a.name < b.name; });
  return out;
}

NodeCheckReport CheckNode(const NodeDesiredState& node, Transport& transport,
                          const NodeCheckOptions& options) {
  return Checker(node, transport, options).Run();
}

std::string FormatNodeCheckText(const NodeCheckReport& report) {
  std::string out = "node " + report.node + " (" + report.address + ")\n";
  std::size_t width = 0;
  for (const auto& item : report.items) width = std::max(width, item.name.size());
  int failed = 0, differs = 0;
  for (const auto& item : report.items) {
    const char* label = item.state == CheckState::kOk        ? "OK  "
                        : item.state == CheckState::kFail    ? "FAIL"
                        : item.state == CheckState::kUnknown ? "??  "
                        : item.state == CheckState::kDiffers ? "DIFF"
                                                             : "SKIP";
    std::string detail = item.state == CheckState::kSkipped ? "not checked" : item.detail;
    out += "  " + std::string(label) + "  " + item.name +
           std::string(width - item.name.size(), ' ') + "  " + detail + "\n";
    if (item.state == CheckState::kFail) {
      ++failed;
      out += "        fix: " + item.fix + "\n";
    } else if (item.state == CheckState::kDiffers) {
      ++differs;
      out += "        dflow apply sets it; by hand: " + item.fix + "\n";
    } else if (item.state == CheckState::kUnknown && !item.fix.empty()) {
      out += "        to be sure: " + item.fix + "\n";
    }
  }
  if (report.ready())
    return out + report.node + " is ready" +
           (differs
                ? " (" + std::to_string(differs) + " setting(s) differ: `dflow apply` sets them)"
                : std::string()) +
           "\n";
  return out + report.node + " is not ready: " + std::to_string(failed) + " check(s) failed\n";
}

std::string FormatNodeCheckJson(const NodeCheckReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& item : report.items) {
    nlohmann::json check = {{"name", item.name}, {"status", StateName(item.state)}};
    check["detail"] = item.detail;
    if (!item.fix.empty() && item.state != CheckState::kOk) check["fix"] = item.fix;
    checks.push_back(std::move(check));
  }
  nlohmann::json json = {{"node", report.node},
                         {"address", report.address},
                         {"ready", report.ready()},
                         {"checks", std::move(checks)}};
  return json.dump(2) + "\n";
}

}  // namespace dflow
