#include "manifests-schema/semver.h"

#include <charconv>
#include <vector>

namespace dflow {
namespace {

// A decimal number of at most 9 digits at the front of `text`, consumed.
std::optional<long> Number(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
  if (n == 0 || n > 9) return std::nullopt;
  long value = 0;
  std::from_chars(text.data(), text.data() + n, value);
  text.remove_prefix(n);
  return value;
}

bool Dot(std::string_view& text) {
  if (text.empty() || text.front() != '.') return false;
  text.remove_prefix(1);
  return true;
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    std::size_t end = text.find(' ');
    out.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  return out;
}

// Splits ">=1.2.3" into the operator and the version.
std::string_view Operator(std::string_view& word) {
  for (std::string_view op : {">=", "<=", ">", "<", "="}) {
    if (word.substr(0, op.size()) == op) {
      word.remove_prefix(op.size());
      return op;
    }
  }
  return "=";
}

}  // namespace

std::optional<Semver> ParseSemver(std::string_view text) {
  Semver v;
  auto major = Number(text);
  if (!major || !Dot(text)) return std::nullopt;
  auto minor = Number(text);
  if (!minor || !Dot(text)) return std::nullopt;
  auto patch = Number(text);
  if (!patch) return std::nullopt;
  v.major = *major;
  v.minor = *minor;
  v.patch = *patch;
  std::string_view rest = text.substr(0, text.find('+'));
  if (!rest.empty()) {
    if (rest.front() != '-' || rest.size() == 1) return std::nullopt;
    v.prerelease = std::string(rest.substr(1));
  }
  return v;
}

int CompareSemver(const Semver& a, const Semver& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.prerelease == b.prerelease) return 0;
  if (a.prerelease.empty()) return 1;  // 1.0.0 > 1.0.0-rc.1
  if (b.prerelease.empty()) return -1;
  return a.prerelease < b.prerelease ? -1 : 1;
}

bool IsSemverRange(std::string_view range) {
  std::vector<std::string_view> words = Words(range);
  if (words.empty()) return false;
  for (std::string_view word : words) {
    Operator(word);
    if (!ParseSemver(word)) return false;
  }
  return true;
}

bool SemverSatisfies(const Semver& version, std::string_view range) {
  if (!IsSemverRange(range)) return false;
  for (std::string_view word : Words(range)) {
    std::string_view op = Operator(word);
    int c = CompareSemver(version, *ParseSemver(word));
    bool ok = op == ">="   ? c >= 0
              : op == "<=" ? c <= 0
              : op == ">"  ? c > 0
              : op == "<"  ? c < 0
                           : c == 0;
    if (!ok) return false;
  }
  return true;
}

}  // namespace dflow
