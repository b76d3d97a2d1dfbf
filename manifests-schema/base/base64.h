// Base64 (RFC 4648) through OpenSSL's encoder: config values sent to `config:set --encoded`,
// generated secrets, SSH keys in known_hosts.
#pragma once

#include <string>
#include <string_view>

namespace dflow {

// Standard alphabet, padded with '='.
std::string Base64Encode(std::string_view bytes);

// URL-safe alphabet ('-' and '_'), unpadded, as Node's 'base64url' writes it.
std::string Base64UrlEncode(std::string_view bytes);

// Decodes standard padded base64; "" when `text` is not that (or is empty).
std::string Base64Decode(std::string_view text);

}  // namespace dflow
