#include "providers/dokku/dokku_version.h"

#include <charconv>
#include <string>

namespace dflow {

std::string DokkuVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Result<DokkuVersion> ParseDokkuVersion(std::string_view out) {
  std::string_view line = out.substr(0, out.find('\n'));
  Status unrecognised(Code::kFailed, "unrecognised `dokku version` output: \"" +
                                         std::string(line.substr(0, 200)) + "\"");
  // Dokku prints exactly one line; anything after it is unexpected.
  std::string_view rest = out.size() > line.size() ? out.substr(line.size()) : "";
  if (rest.find_first_not_of("\n\r \t") != std::string_view::npos) return unrecognised;
  // The contract's pattern, ^dokku version (?:\d+:)?v?(\d+)\.(\d+)\.(\d+), by hand:
  // std::regex trips GCC 12's -Wmaybe-uninitialized under the sanitizers.
  constexpr std::string_view kPrefix = "dokku version ";
  if (line.substr(0, kPrefix.size()) != kPrefix) return unrecognised;
  std::string_view text = line.substr(kPrefix.size());
  std::size_t digits = text.find_first_not_of("0123456789");
  if (digits != std::string_view::npos && digits > 0 && text[digits] == ':') {
    text.remove_prefix(digits + 1);  // the epoch
  }
  if (!text.empty() && text.front() == 'v') text.remove_prefix(1);
  DokkuVersion version;
  for (int* part : {&version.major, &version.minor, &version.patch}) {
    if (part != &version.major) {
      if (text.empty() || text.front() != '.') return unrecognised;
      text.remove_prefix(1);
    }
    if (text.empty() || text.front() < '0' || text.front() > '9') return unrecognised;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *part);
    if (error != std::errc() || end == text.data()) return unrecognised;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  }
  return version;
}

Status CheckDokkuVersion(const DokkuVersion& version) {
  if (version >= kMinimumDokkuVersion) return Status::Ok();
  // kNotReady: the node is not ready for dflow yet; the loop waits for its upgrade.
  return Status(Code::kNotReady, "Dokku " + version.ToString() + " is too old: dflow needs Dokku " +
                                     kMinimumDokkuVersion.ToString() + " or newer");
}

}  // namespace dflow
