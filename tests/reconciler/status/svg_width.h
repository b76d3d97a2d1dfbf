// The declared width="..." of a badge's <svg> element, which both badge test files check.
#pragma once

#include <doctest/doctest.h>

#include <regex>
#include <string>

namespace dflow::test {

inline int SvgWidth(const std::string& svg) {
  std::smatch match;
  REQUIRE(std::regex_search(svg, match, std::regex("<svg [^>]*width=\"(\\d+)\"")));
  return std::stoi(match[1]);
}

}  // namespace dflow::test
