// Fixture readers for the Dokku provider tests (tests/fixtures/README.md).
#pragma once

#include <string>
#include <vector>

#include "tests/support/process.h"

namespace dflow::test {

// The output part of a verbatim sample: every line between the command line and the
// "# source" line, each ended by '\n'.
inline std::string SampleOutput(const std::string& name) {
  std::string text =
      ReadFile(std::string(DFLOW_SOURCE_DIR) + "/tests/fixtures/dokku-samples/" + name + ".txt");
  std::size_t first_end = text.find('\n');
  std::size_t source = text.rfind("\n# source:");
  if (first_end == std::string::npos || source == std::string::npos || source < first_end) {
    return "";
  }
  return text.substr(first_end + 1, source - first_end);
}

// A file of tests/fixtures/dokku-json/, as is.
inline std::string JsonFixture(const std::string& name) {
  return ReadFile(std::string(DFLOW_SOURCE_DIR) + "/tests/fixtures/dokku-json/" + name);
}

// The argv the observer lists apps with (its output is the apps-list JSON fixture).
inline const std::vector<std::string> kAppListArgv = {"--quiet", "apps:list", "--format", "json"};

}  // namespace dflow::test
