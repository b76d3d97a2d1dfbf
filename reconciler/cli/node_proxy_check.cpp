#include "reconciler/cli/node_proxy_check.h"

#include "providers/dokku/dokku_report.h"
#include "providers/transport/shell_quote.h"
#include "reconciler/plan/proxy_plan.h"

namespace dflow {
namespace {

constexpr const char* kProxy = "proxy";
constexpr const char* kRunning = "proxy running";
constexpr const char* kSettings = "proxy settings";
constexpr const char* kDomain = "global domain";

// A word as typed: as it is when the shell takes it literally, else through ShellQuote.
std::string ForShell(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789@%+=:,./_-") == std::string::npos;
  return plain ? word : ShellQuote(word);
}

// `sudo dokku <words>`, each word quoted for the shell it is pasted into.
std::string Dokku(const std::vector<std::string>& words) {
  std::string out = "sudo dokku";
  // Two appends, not `" " + ...`: GCC 12's -Wrestrict misreads that temporary (a false
  // positive that depends on what the unity build puts beside this file).
  for (const auto& word : words) {
    out += ' ';
    out += ForShell(word);
  }
  return out;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

// One `<plugin>:report --global --format json`, or why it could not be read.
Result<ReportObject> ReadGlobals(Transport& transport, const std::string& plugin) {
  std::vector<std::string> argv = {plugin + ":report", "--global", "--format", "json"};
  Result<ExecResult> result = transport.RunDokku(argv);
  if (!result.ok()) return result.status();
  if (Status s = CheckExit(argv, *result); !s.ok()) return s;
  return ParseGlobalReport(argv, result->out);
}

NodeCheckItem Ok(const char* name, std::string detail) {
  return {name, CheckState::kOk, std::move(detail), ""};
}
NodeCheckItem Fail(const char* name, std::string detail, std::string fix) {
  return {name, CheckState::kFail, std::move(detail), std::move(fix)};
}
NodeCheckItem Differs(const char* name, std::string detail, std::string fix) {
  return {name, CheckState::kDiffers, std::move(detail), std::move(fix)};
}
NodeCheckItem Unread(const char* name, const Status& status, const std::string& plugin) {
  return Fail(name, "cannot read it: " + status.message(),
              Dokku({plugin + ":report", "--global"}) + "   # on the node, to see why");
}

NodeCheckItem CheckType(const TrafficSpec& traffic, const std::string& live) {
  const std::string& want = traffic.proxy;
  if (live == want) return Ok(kProxy, want + " (the node's global proxy type)");
  const std::string other = want == "traefik" ? "nginx" : "traefik";
  return Differs(kProxy, live + ", but the environment wants " + want,
                 Dokku({"proxy:set", "--global", "type", want}) + " && " +
                     Dokku({other + ":stop"}) + " && " + Dokku({want + ":start"}) +
                     "   # then rebuild the apps (`dflow apply` does all of it)");
}

NodeCheckItem CheckRunning(const std::string& want) {
  NodeCheckItem item{kRunning, CheckState::kUnknown,
                     "cannot be observed: Dokku keeps it in an internal property that no report "
                     "shows; dflow starts " +
                         want + " whenever it switches the node to it",
                     ""};
  item.fix = Dokku({want + ":start"}) + "   # safe to repeat: nothing happens if it already runs";
  return item;
}

// The wanted settings (proxy_plan.h, what `dflow apply` sets) that the node's differ from: their
// names, and the `<command> --global` that sets each.
struct Mismatch {
  std::string wrong;  // "letsencrypt-email, letsencrypt-server"
  std::string fix;    // the set commands joined with " && "
};

Mismatch Compare(const std::string& command, const ProxySettings& want,
                 const ReportObject& globals) {
  Mismatch mismatch;
  for (const auto& [property, value] : want) {
    auto it = globals.find(property);
    if ((it == globals.end() ? "" : it->second) == value) continue;
    mismatch.wrong += (mismatch.wrong.empty() ? "" : ", ") + property;
    std::vector<std::string> words = {command, "--global", property};
    if (!value.empty()) words.push_back(value);
    mismatch.fix += (mismatch.fix.empty() ? "" : " && ") + Dokku(words);
  }
  return mismatch;
}

NodeCheckItem CheckTraefikSettings(const TrafficSpec& traffic, const ReportObject& globals) {
  const Mismatch mismatch = Compare("traefik:set", WantedTraefikSettings(traffic), globals);
  if (mismatch.wrong.empty())
    return Ok(kSettings, traffic.tls
                             ? "Let's Encrypt through Traefik (" + traffic.letsencrypt_email + ")"
                             : "no TLS on the node");
  return Differs(kSettings,
                 "traefik " + mismatch.wrong + " differ from the environment's tls settings",
                 mismatch.fix + " && " + Dokku({"traefik:stop"}) + " && " +
                     Dokku({"traefik:start"}) + "   # then rebuild the apps behind Traefik");
}

NodeCheckItem CheckNginxSettings(const TrafficSpec& traffic, const ReportObject& globals) {
  const bool trust = traffic.behind_trusted_proxy;
  const Mismatch mismatch = Compare("nginx:set", WantedNginxSettings(traffic), globals);
  if (mismatch.wrong.empty())
    return Ok(kSettings, trust ? "nginx passes on the X-Forwarded-* headers of the trusted front"
                               : "nginx writes its own X-Forwarded-* headers");
  return Differs(kSettings,
                 "nginx " + mismatch.wrong +
                     (trust ? " do not pass on the trusted front's headers"
                            : " are set, but the environment has no trusted front"),
                 mismatch.fix + " && " + Dokku({"proxy:build-config", "--all"}));
}

NodeCheckItem CheckDomain(const std::string& want, const ReportObject& globals) {
  auto it = globals.find("vhosts");
  const std::string live = it == globals.end() ? "" : JoinWords(SplitWords(it->second));
  if (live == want) return Ok(kDomain, want.empty() ? "none, as the environment says" : want);
  return Differs(
      kDomain,
      (live.empty() ? std::string("none") : live) + ", but the environment's domain is " +
          (want.empty() ? std::string("unset") : want),
      want.empty() ? Dokku({"domains:clear-global"}) : Dokku({"domains:set-global", want}));
}

}  // namespace

std::vector<std::string> ProxyCheckNames(const NodeDesiredState& node) {
  if (!node.in_environment) return {};
  return {kProxy, kRunning, kSettings, kDomain};
}

std::vector<NodeCheckItem> CheckNodeProxy(const NodeDesiredState& node, Transport& transport) {
  if (!node.in_environment) return {};
  const TrafficSpec& traffic = node.traffic;
  const std::string& want = traffic.proxy;
  std::vector<NodeCheckItem> items;
  Result<ReportObject> proxy = ReadGlobals(transport, "proxy");
  if (!proxy.ok()) {
    items.push_back(Unread(kProxy, proxy.status(), "proxy"));
  } else {
    auto type = proxy->find("type");
    const std::string live = type == proxy->end() || type->second.empty() ? "nginx" : type->second;
    items.push_back(CheckType(traffic, live));
  }
  items.push_back(CheckRunning(want));
  const std::string plugin = want == "traefik" ? "traefik" : "nginx";
  Result<ReportObject> settings = ReadGlobals(transport, plugin);
  if (!settings.ok())
    items.push_back(Unread(kSettings, settings.status(), plugin));
  else
    items.push_back(want == "traefik" ? CheckTraefikSettings(traffic, *settings)
                                      : CheckNginxSettings(traffic, *settings));
  Result<ReportObject> domains = ReadGlobals(transport, "domains");
  if (!domains.ok())
    items.push_back(Unread(kDomain, domains.status(), "domains"));
  else
    items.push_back(CheckDomain(node.domain, *domains));
  return items;
}

}  // namespace dflow
