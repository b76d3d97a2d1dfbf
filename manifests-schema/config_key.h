// The syntax of a Dokku config key (and of a secret key, which becomes one): letters, digits
// and '_', not starting with a digit, as Dokku's config:set accepts them.
#pragma once

#include <string_view>

namespace dflow {

// True when `key` matches ^[a-zA-Z_][a-zA-Z0-9_]*$. Written by hand, not with std::regex,
// so a key of any length is checked in one pass without recursion.
bool IsConfigKey(std::string_view key);

}  // namespace dflow
