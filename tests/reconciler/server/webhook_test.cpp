#include "reconciler/server/webhook.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "manifests-schema/base/digest.h"

namespace dflow {
namespace {

HeaderLookup Headers(std::map<std::string, std::string> values) {
  std::map<std::string, std::string> lower;
  for (auto& [k, v] : values) {
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    lower[key] = v;
  }
  return [lower](std::string_view name) {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    auto it = lower.find(key);
    return it == lower.end() ? std::string() : it->second;
  };
}

const std::string kBody = R"({"ref":"refs/heads/main","after":"0123abcd","repository":{}})";
const std::string kWebhookSecret = "It's a secret to everybody";

TEST_CASE("a push names its repository's addresses, the same repository under other URLs") {
  const std::string github =
      R"({"ref":"refs/heads/main","after":"1","repository":{"clone_url":"https://github.com/acme/shop.git","ssh_url":"git@github.com:acme/shop.git","html_url":"https://github.com/acme/shop"}})";
  auto event = ParsePushEvent(Forge::kGitHub, Headers({{"X-GitHub-Event", "push"}}), github);
  REQUIRE(event.ok());
  CHECK(event->repository_urls == std::vector<std::string>{"https://github.com/acme/shop.git",
                                                           "git@github.com:acme/shop.git",
                                                           "https://github.com/acme/shop"});
  const std::string gitlab =
      R"({"ref":"refs/heads/main","after":"1","project":{"git_http_url":"https://gitlab.example.com/g/p.git","git_ssh_url":"git@gitlab.example.com:g/p.git"}})";
  auto lab = ParsePushEvent(Forge::kGitLab, Headers({{"X-Gitlab-Event", "Push Hook"}}), gitlab);
  REQUIRE(lab.ok());
  CHECK(lab->repository_urls.size() == 2);
  auto none = ParsePushEvent(Forge::kGitHub, Headers({{"X-GitHub-Event", "push"}}),
                             R"({"ref":"refs/heads/main","after":"1"})");
  REQUIRE(none.ok());
  CHECK(none->repository_urls.empty());

  CHECK(SameRepository("https://github.com/acme/shop.git", "git@github.com:acme/shop"));
  CHECK(SameRepository("https://x-access-token:t@GitHub.com/acme/shop/",
                       "ssh://git@github.com/acme/shop.git"));
  CHECK(SameRepository("file:///srv/git/shop.git", "file:///srv/git/shop"));
  CHECK_FALSE(
      SameRepository("https://github.com/acme/shop.git", "https://github.com/acme/shop-api.git"));
  CHECK_FALSE(
      SameRepository("https://github.com/acme/shop.git", "https://gitlab.com/acme/shop.git"));
  CHECK_FALSE(SameRepository("", ""));
}

TEST_CASE("HMAC-SHA256 matches GitHub's documented example") {
  // From GitHub's "Validating webhook deliveries" docs.
  CHECK(HmacSha256Hex("It's a Secret to Everybody", "Hello, World!") ==
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST_CASE("a GitHub push with the right signature is accepted and parsed") {
  auto headers = Headers({{"X-Hub-Signature-256", "sha256=" + HmacSha256Hex(kWebhookSecret, kBody)},
                          {"X-GitHub-Event", "push"},
                          {"X-GitHub-Delivery", "d-1"}});
  auto forge = VerifyWebhook(headers, kBody, kWebhookSecret);
  REQUIRE(forge.ok());
  CHECK(*forge == Forge::kGitHub);
  auto event = ParsePushEvent(*forge, headers, kBody);
  REQUIRE(event.ok());
  CHECK(event->ref == "refs/heads/main");
  CHECK(event->after == "0123abcd");
  CHECK(event->delivery_id == "d-1");
}

TEST_CASE("a signature over different bytes is rejected, even if the JSON is equal") {
  // Same JSON value, different bytes: signatures are checked over the raw body.
  const std::string reformatted = R"({"after":"0123abcd","ref":"refs/heads/main","repository":{}})";
  auto headers =
      Headers({{"X-Hub-Signature-256", "sha256=" + HmacSha256Hex(kWebhookSecret, kBody)}});
  auto forge = VerifyWebhook(headers, reformatted, kWebhookSecret);
  REQUIRE_FALSE(forge.ok());
  CHECK(forge.status().code() == Code::kPermissionDenied);
  CHECK(forge.status().message() == "webhook rejected: bad X-Hub-Signature-256");
}

TEST_CASE("wrong secret, missing and malformed signatures are rejected without leaking") {
  auto wrong = Headers({{"X-Hub-Signature-256", "sha256=" + HmacSha256Hex("guess", kBody)}});
  auto rejected = VerifyWebhook(wrong, kBody, kWebhookSecret);
  CHECK_FALSE(rejected.ok());
  CHECK(rejected.status().message().find(HmacSha256Hex(kWebhookSecret, kBody)) ==
        std::string::npos);
  CHECK(rejected.status().message().find(kWebhookSecret) == std::string::npos);

  auto none = VerifyWebhook(Headers({}), kBody, kWebhookSecret);
  CHECK(none.status().message() ==
        "webhook rejected: no signature (expected X-Hub-Signature-256, X-Gitea-Signature or "
        "X-Gitlab-Token)");
  auto malformed =
      VerifyWebhook(Headers({{"X-Hub-Signature-256", "md5=abc"}}), kBody, kWebhookSecret);
  CHECK(malformed.status().message() == "webhook rejected: malformed X-Hub-Signature-256");
  auto no_secret = VerifyWebhook(
      Headers({{"X-Hub-Signature-256", "sha256=" + HmacSha256Hex("", kBody)}}), kBody, "");
  CHECK_FALSE(no_secret.ok());
}

TEST_CASE("Gitea and Forgejo signatures are plain hex HMACs") {
  auto gitea = Headers({{"X-Gitea-Signature", HmacSha256Hex(kWebhookSecret, kBody)},
                        {"X-Gitea-Event", "push"},
                        {"X-Gitea-Delivery", "g-1"}});
  auto forge = VerifyWebhook(gitea, kBody, kWebhookSecret);
  REQUIRE(forge.ok());
  CHECK(*forge == Forge::kGitea);
  CHECK(ParsePushEvent(*forge, gitea, kBody)->delivery_id == "g-1");
  auto forgejo = Headers({{"X-Forgejo-Signature", HmacSha256Hex(kWebhookSecret, kBody)}});
  CHECK(VerifyWebhook(forgejo, kBody, kWebhookSecret).ok());
  auto bad = Headers({{"X-Gitea-Signature", HmacSha256Hex("nope", kBody)}});
  CHECK_FALSE(VerifyWebhook(bad, kBody, kWebhookSecret).ok());
}

TEST_CASE("GitLab's token header must equal the secret") {
  auto good = Headers({{"X-Gitlab-Token", kWebhookSecret}, {"X-Gitlab-Event", "Push Hook"}});
  auto forge = VerifyWebhook(good, kBody, kWebhookSecret);
  REQUIRE(forge.ok());
  CHECK(*forge == Forge::kGitLab);
  CHECK(ParsePushEvent(*forge, good, kBody)->event == "push");
  CHECK_FALSE(
      VerifyWebhook(Headers({{"X-Gitlab-Token", kWebhookSecret + "x"}}), kBody, kWebhookSecret)
          .ok());
}

TEST_CASE("a push body that is not the documented JSON is an error") {
  auto headers = Headers({{"X-GitHub-Event", "push"}});
  CHECK(ParsePushEvent(Forge::kGitHub, headers, "not json").status().code() ==
        Code::kInvalidArgument);
  CHECK(ParsePushEvent(Forge::kGitHub, headers, R"({"ref": 1})").status().message() ==
        "push event without string fields 'ref' and 'after'");
  auto ping = ParsePushEvent(Forge::kGitHub, Headers({{"X-GitHub-Event", "ping"}}), "{}");
  REQUIRE(ping.ok());
  CHECK(ping->event == "ping");
}

TEST_CASE("a delivery id seen before is recognised, and the log is bounded") {
  DeliveryLog log(2);
  CHECK(log.Record("a", "body a"));
  CHECK_FALSE(log.Record("a", "body a"));
  CHECK_FALSE(log.Record("a", "another body"));  // the same id with another body
  CHECK(log.Record("b", "body b"));
  CHECK(log.Record("c", "body c"));  // evicts "a"
  CHECK(log.Record("a", "body a"));
  CHECK_FALSE(log.Record("c", "body c"));
}

TEST_CASE("a signed body replayed under fresh or missing delivery ids is recognised") {
  DeliveryLog log;
  const std::string body = R"({"ref":"refs/heads/main","after":"abc"})";
  CHECK(log.Record("delivery-1", body));
  for (const std::string id : {"delivery-2", "delivery-3", "", "delivery-4", ""}) {
    CAPTURE(id);
    CHECK_FALSE(log.Record(id, body));
  }
  CHECK(log.Record("", R"({"ref":"refs/heads/main","after":"def"})"));  // a new push
}

}  // namespace
}  // namespace dflow
