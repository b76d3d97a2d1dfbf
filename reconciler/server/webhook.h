// Push webhooks from GitHub, Gitea/Forgejo and GitLab: authenticity first (over the raw body,
// constant-time), then the few fields the controller needs. Pure functions: the HTTP server
// hands in headers and the raw body.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

enum class Forge { kGitHub, kGitea, kGitLab };

// Header lookup, case-insensitive name -> value ("" when absent).
using HeaderLookup = std::function<std::string(std::string_view name)>;

struct PushEvent {
  Forge forge = Forge::kGitHub;
  std::string delivery_id;  // X-GitHub-Delivery / X-Gitea-Delivery / X-Gitlab-Event-UUID
  std::string event;        // "push", "ping", ...
  std::string ref;          // "refs/heads/main" (push only)
  std::string after;        // new head commit id (push only)
  // The pushed repository's addresses as the payload gives them (clone, ssh and web URLs of
  // GitHub's and Gitea's `repository`, GitLab's `project`); empty when it names none.
  std::vector<std::string> repository_urls;
};

// Whether two Git URLs name the same repository: scheme, credentials, a trailing ".git" or "/"
// and the host's case aside ("https://github.com/o/r.git" and "git@github.com:o/r" do).
bool SameRepository(const std::string& a, const std::string& b);

// Checks that the request was sent by a forge that knows `secret`:
//  GitHub  X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>
//  Gitea   X-Gitea-Signature / X-Forgejo-Signature: <hex HMAC-SHA256(secret, body)>
//  GitLab  X-Gitlab-Token: <secret>
// The forge is recognised from its headers. Every comparison is constant-time. Returns
// kPermissionDenied with a reason that never contains the secret or the expected value.
Result<Forge> VerifyWebhook(const HeaderLookup& headers, std::string_view body,
                            std::string_view secret);

// Parses the event after verification. Errors: kInvalidArgument for a body that is not the
// JSON the forge documents.
Result<PushEvent> ParsePushEvent(Forge forge, const HeaderLookup& headers, std::string_view body);

// Remembers at least the last `capacity` deliveries, by delivery id and by the SHA-256 of the body,
// so that a redelivered webhook is ignored, and so is a signed body replayed under a fresh or
// missing delivery id (forges put the pushed commits and a timestamp in every push body).
class DeliveryLog {
 public:
  explicit DeliveryLog(std::size_t capacity = 1024) : capacity_(capacity) {}
  // True when neither `id` nor `body` was seen (and records both); false for a repeat. An
  // empty id is not recorded: the body alone decides.
  bool Record(const std::string& id, std::string_view body);

 private:
  std::mutex mutex_;
  std::size_t capacity_;
  void Remember(std::string key);         // with mutex_ held
  std::deque<std::string> order_;         // GUARDED_BY(mutex_)
  std::unordered_set<std::string> seen_;  // GUARDED_BY(mutex_)
};

}  // namespace dflow
