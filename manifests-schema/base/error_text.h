// The size bound of every error message dflow stores, logs or serves. A commit can produce a
// great many diagnostics; unbounded, one bad commit wrote a 31 MB log line, a 31 MB
// /api/v1/status and 65 MB of SQLite.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dflow {

inline constexpr std::size_t kMaxErrorBytes = 4096;

// `text` when it has at most kMaxErrorBytes; otherwise its start, cut at a UTF-8 character
// boundary, then "\n... (N more bytes not shown)", kMaxErrorBytes in all.
std::string BoundErrorText(std::string_view text);

}  // namespace dflow
