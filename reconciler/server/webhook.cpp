#include "reconciler/server/webhook.h"

#include <nlohmann/json.hpp>

#include "manifests-schema/base/digest.h"
#include "manifests-schema/base/text.h"

namespace dflow {
namespace {

Status Denied(std::string_view why) {
  return Status(Code::kPermissionDenied, "webhook rejected: " + std::string(why));
}

}  // namespace

Result<Forge> VerifyWebhook(const HeaderLookup& headers, std::string_view body,
                            std::string_view secret) {
  if (secret.empty()) return Denied("no webhook secret is configured");
  if (std::string sig = headers("X-Hub-Signature-256"); !sig.empty()) {
    if (!sig.starts_with("sha256=")) return Denied("malformed X-Hub-Signature-256");
    if (!ConstantTimeEquals(AsciiLower(sig.substr(7)), HmacSha256Hex(secret, body)))
      return Denied("bad X-Hub-Signature-256");
    return Forge::kGitHub;
  }
  std::string gitea = headers("X-Gitea-Signature");
  if (gitea.empty()) gitea = headers("X-Forgejo-Signature");
  if (!gitea.empty()) {
    if (!ConstantTimeEquals(AsciiLower(gitea), HmacSha256Hex(secret, body)))
      return Denied("bad X-Gitea-Signature");
    return Forge::kGitea;
  }
  if (std::string token = headers("X-Gitlab-Token"); !token.empty()) {
    // Compare digests so that the comparison time does not depend on the token's length.
    if (!ConstantTimeEquals(HmacSha256Hex("dflow", token), HmacSha256Hex("dflow", secret)))
      return Denied("bad X-Gitlab-Token");
    return Forge::kGitLab;
  }
  return Denied("no signature (expected X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token)");
}

Result<PushEvent> ParsePushEvent(Forge forge, const HeaderLookup& headers, std::string_view body) {
  PushEvent event;
  event.forge = forge;
  switch (forge) {
    case Forge::kGitHub:
      event.delivery_id = headers("X-GitHub-Delivery");
      event.event = headers("X-GitHub-Event");
      break;
    case Forge::kGitea:
      event.delivery_id = headers("X-Gitea-Delivery");
      if (event.delivery_id.empty()) event.delivery_id = headers("X-Forgejo-Delivery");
      event.event = headers("X-Gitea-Event");
      if (event.event.empty()) event.event = headers("X-Forgejo-Event");
      break;
    case Forge::kGitLab:
      event.delivery_id = headers("X-Gitlab-Event-UUID");
      event.event = headers("X-Gitlab-Event") == "Push Hook" ? "push" : headers("X-Gitlab-Event");
      break;
  }
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return Status(Code::kInvalidArgument, "webhook body is not a JSON object");
  if (event.event == "push") {
    if (!json.contains("ref") || !json["ref"].is_string() || !json.contains("after") ||
        !json["after"].is_string())
      return Status(Code::kInvalidArgument, "push event without string fields 'ref' and 'after'");
    event.ref = json["ref"].get<std::string>();
    event.after = json["after"].get<std::string>();
  }
  for (const char* owner : {"repository", "project"}) {
    if (!json.contains(owner) || !json[owner].is_object()) continue;
    for (const char* key :
         {"clone_url", "ssh_url", "git_url", "html_url", "git_http_url", "git_ssh_url", "web_url"})
      if (json[owner].contains(key) && json[owner][key].is_string())
        event.repository_urls.push_back(json[owner][key].get<std::string>());
  }
  return event;
}

namespace {

// "host/path" of a Git URL, lower-case host, without credentials, port-less scp form kept.
std::string RepositoryKey(std::string url) {
  if (const std::size_t scheme = url.find("://"); scheme != std::string::npos) {
    url = url.substr(scheme + 3);
  } else if (const std::size_t colon = url.find(':');
             colon != std::string::npos && url.find('/') > colon) {
    url[colon] = '/';  // scp-like git@host:owner/repo
  }
  const std::size_t slash = url.find('/');
  std::string host = url.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : url.substr(slash);
  if (const std::size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  host = AsciiLower(host);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".git") == 0)
    path.resize(path.size() - 4);
  return host + path;
}

}  // namespace

bool SameRepository(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() && RepositoryKey(a) == RepositoryKey(b);
}

bool DeliveryLog::Record(const std::string& id, std::string_view body) {
  const std::string body_key = "body:" + Sha256Hex(body);
  const std::string id_key = "id:" + id;
  std::lock_guard lock(mutex_);
  if (seen_.contains(body_key) || (!id.empty() && seen_.contains(id_key))) return false;
  Remember(body_key);
  if (!id.empty()) Remember(id_key);
  return true;
}

void DeliveryLog::Remember(std::string key) {
  seen_.insert(key);
  order_.push_back(std::move(key));
  while (order_.size() > 2 * capacity_) {  // an id and a body per delivery
    seen_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace dflow
