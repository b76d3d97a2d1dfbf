// Fuzzes the webhook endpoint's pure half (reconciler/server/webhook.h): the signature checks
// over hostile headers and bodies, the push payload parser of each forge, and the delivery log.
// Input: HTTP-style header lines ("Name: value"), an empty line, then the body. The parser is
// also run on bodies that fail verification: a forge that knows the secret is still not
// trusted to send well-formed JSON.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "reconciler/server/webhook.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> headers;  // lower-case name -> value
  while (!input.empty()) {
    std::size_t end = input.find('\n');
    std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    headers[name] = std::string(value);
  }
  const std::string_view body = input;
  dflow::HeaderLookup lookup = [&headers](std::string_view name) {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = headers.find(key);
    return it == headers.end() ? std::string() : it->second;
  };

  (void)dflow::VerifyWebhook(lookup, body, "It's a secret to everybody");
  (void)dflow::VerifyWebhook(lookup, body, "");
  for (dflow::Forge forge : {dflow::Forge::kGitHub, dflow::Forge::kGitea, dflow::Forge::kGitLab}) {
    auto event = dflow::ParsePushEvent(forge, lookup, body);
    if (event.ok()) {
      // Small capacity, kept across inputs, so eviction runs too.
      static dflow::DeliveryLog log(8);
      (void)log.Record(event->delivery_id, body);
    }
  }
  return 0;
}
