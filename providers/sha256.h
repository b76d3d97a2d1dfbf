// SHA-256 digests, for comparing secret values without keeping them in a plan.
#pragma once

#include <string>
#include <string_view>

namespace dflow {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

}  // namespace dflow
