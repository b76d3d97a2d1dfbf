// SHA-256 and HMAC-SHA256 digests: comparing secret values without keeping them in a plan,
// checking webhook signatures, deriving badge tokens.
#pragma once

#include <string>
#include <string_view>

namespace dflow {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// Lower-case hex HMAC-SHA256 of `data` under `key` (64 characters).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// True when `a` and `b` are equal, in a time that depends on their length only (for
// comparing a digest an attacker sent with the expected one).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace dflow
