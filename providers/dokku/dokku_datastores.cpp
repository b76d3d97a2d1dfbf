#include "providers/dokku/dokku_datastores.h"

#include <algorithm>

#include "providers/dokku/dokku_report.h"

namespace dflow {

const std::vector<std::string>& DatastoreEngines() {
  static const std::vector<std::string> kEngines = {"postgres", "redis"};
  return kEngines;
}

Result<std::vector<std::string>> ParseServiceList(const std::vector<std::string>& argv,
                                                  std::string_view out) {
  std::vector<std::string> names;
  std::vector<std::string> lines = SplitLines(out);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> words = SplitWords(lines[i], " \t\r");
    if (words.size() != 1) return LineError(argv, i + 1, "not a service name", lines[i]);
    names.push_back(words[0]);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> ParseServiceLinks(const std::vector<std::string>& argv,
                                                   std::string_view out) {
  std::vector<std::string> lines = SplitLines(out);
  if (lines.size() != 1) {
    if (lines.empty()) return OutputError(argv, "no output");
    return LineError(argv, 2, "more than one line of links", lines[1]);
  }
  std::vector<std::string> apps = SplitWords(lines[0], " \t\r");
  if (apps.size() == 1 && apps[0] == "-") return std::vector<std::string>{};
  if (apps.empty()) return LineError(argv, 1, "empty links line", lines[0]);
  std::sort(apps.begin(), apps.end());
  return apps;
}

Result<std::string> ParseExposedPorts(const std::vector<std::string>& argv, std::string_view out) {
  std::vector<std::string> lines = SplitLines(out);
  if (lines.size() != 1) {
    if (lines.empty()) return OutputError(argv, "no output");
    return LineError(argv, 2, "more than one line of exposed ports", lines[1]);
  }
  std::vector<std::string> pairs = SplitWords(lines[0], " \t\r");
  if (pairs.size() == 1 && pairs[0] == "-") return std::string();
  const std::size_t arrow = pairs.size() == 1 ? pairs[0].find("->") : std::string::npos;
  if (arrow == std::string::npos || arrow + 2 == pairs[0].size())
    return LineError(argv, 1, "not one <port>-><host port> pair", lines[0]);
  return pairs[0].substr(arrow + 2);
}

}  // namespace dflow
