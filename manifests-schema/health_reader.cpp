#include "manifests-schema/health_reader.h"

#include <string>

namespace dflow {
namespace {

// Paths as Dokku's checker puts them in a URL: printable ASCII without spaces, so the app.json
// dflow writes needs no escapes beyond JSON's and no path can smuggle a scheme or a host.
constexpr Syntax kHealthPath = {"/[!-~]*", 512};
// Text searched in the body: printable ASCII and spaces.
constexpr Syntax kHealthContent = {"[ -~]+", 256};
constexpr int kMaxSeconds = 3600;

// Whole seconds: 30, "30s" or "2m" (the checker takes integer seconds).
std::optional<int> Seconds(FieldReader& r, const YamlNode& node, std::string_view field) {
  if (node.IsScalar() && node.Type() == ScalarType::kInt) return r.Int(node, field, 1, kMaxSeconds);
  const std::string expected = "a number of seconds (1 to 3600) such as 30, 30s or 2m";
  std::optional<std::string> text = r.Pattern(node, field, {"[0-9]{1,4}[sm]", 5}, expected);
  if (!text) return std::nullopt;
  const int amount = std::stoi(text->substr(0, text->size() - 1));
  const int seconds = text->back() == 'm' ? amount * 60 : amount;
  if (seconds < 1 || seconds > kMaxSeconds) {
    r.Error(node, "'" + std::string(field) + "' must be " + expected + ", got " + *text);
    return std::nullopt;
  }
  return seconds;
}

}  // namespace

std::optional<HealthCheck> ReadHealthCheck(FieldReader& r, const YamlNode& node) {
  if (!r.ExpectMap(
          node, "health",
          {"path", "port", "expect", "content", "attempts", "wait", "timeout", "initialDelay"})) {
    return std::nullopt;
  }
  HealthCheck h;
  bool ok = true;
  auto take = [&ok](auto value, auto& out) {
    if (value)
      out = *value;
    else
      ok = false;
  };
  if (const YamlNode* path = r.Required(node, "path", "health", "add 'path: /healthz'"))
    take(r.Pattern(*path, "path", kHealthPath, "an HTTP path starting with '/', no spaces"),
         h.path);
  else
    ok = false;
  if (const YamlNode* port = r.Required(node, "port", "health", "add the container port"))
    take(r.Int(*port, "port", 1, 65535), h.port);
  else
    ok = false;
  // Dokku's checker (docker-container-healthchecker, executePathCheck) passes any status from
  // 200 to 399 and cannot be told another: `expect` states which one the product answers.
  if (const YamlNode* expect = node.Find("expect"))
    take(r.Int(*expect, "expect", 200, 399), h.expect);
  if (const YamlNode* content = node.Find("content"))
    take(r.Pattern(*content, "content", kHealthContent, "printable text"), h.content);
  if (const YamlNode* attempts = node.Find("attempts"))
    take(r.Int(*attempts, "attempts", 1, 1000), h.attempts);
  if (const YamlNode* wait = node.Find("wait")) take(Seconds(r, *wait, "wait"), h.wait);
  if (const YamlNode* timeout = node.Find("timeout"))
    take(Seconds(r, *timeout, "timeout"), h.timeout);
  if (const YamlNode* delay = node.Find("initialDelay"))
    take(Seconds(r, *delay, "initialDelay"), h.initial_delay);
  if (!ok) return std::nullopt;
  return h;
}

}  // namespace dflow
