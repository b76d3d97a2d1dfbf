#include "providers/dokku_version.h"

#include <regex>

namespace dflow {

std::string DokkuVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Result<DokkuVersion> ParseDokkuVersion(std::string_view out) {
  std::string text(out);
  std::string first_line = text.substr(0, text.find('\n'));
  static const std::regex kPattern(R"(^dokku version (?:\d+:)?v?(\d+)\.(\d+)\.(\d+))");
  std::smatch match;
  // Only the first line counts; Dokku prints exactly one. A trailing line is unexpected.
  bool extra = text.find('\n') != std::string::npos &&
               text.find_first_not_of("\n\r \t", text.find('\n')) != std::string::npos;
  if (extra || !std::regex_search(first_line, match, kPattern)) {
    return Status(Code::kFailed,
                  "unrecognised `dokku version` output: \"" + first_line.substr(0, 200) + "\"");
  }
  try {
    return DokkuVersion{std::stoi(match[1]), std::stoi(match[2]), std::stoi(match[3])};
  } catch (const std::out_of_range&) {
    return Status(Code::kFailed,
                  "unrecognised `dokku version` output: \"" + first_line.substr(0, 200) + "\"");
  }
}

Status CheckDokkuVersion(const DokkuVersion& version) {
  if (version >= kMinimumDokkuVersion) return Status::Ok();
  return Status(Code::kFailed, "Dokku " + version.ToString() + " is too old: dflow needs Dokku " +
                                   kMinimumDokkuVersion.ToString() + " or newer");
}

}  // namespace dflow
