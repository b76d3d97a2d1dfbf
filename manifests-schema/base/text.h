// Small text helpers every layer shares: joining words, trimming whitespace, word lists.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dflow {

// `parts` with `separator` between each two of them; "" for an empty list. Callers that want a
// word for the empty list (e.g. "none") say so at the call site.
std::string Join(const std::vector<std::string>& parts, std::string_view separator);

// `text` without leading and trailing whitespace (std::isspace in the "C" locale: space, \t,
// \n, \v, \f, \r).
std::string Trim(std::string_view text);

// `text` with A-Z as a-z and every other byte as it is (host names, header names, schemes:
// the case-insensitive parts of protocols; never locale-dependent).
std::string AsciiLower(std::string_view text);

// Whether `item` is one of `list`.
bool Contains(const std::vector<std::string>& list, std::string_view item);

// Items of `a` not in `b`, in `a`'s order (set difference for short, ordered lists).
std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b);

}  // namespace dflow
