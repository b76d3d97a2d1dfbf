#include "manifests-schema/yaml_tree.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace dflow {
namespace {

// The value node of "v: <text>".
YamlNode ValueOf(const std::string& text) {
  std::vector<Diagnostic> diagnostics;
  std::size_t budget = kMaxYamlNodes;
  std::vector<YamlNode> documents =
      ParseYamlDocuments("t.yaml", "v: " + text + "\n", diagnostics, budget);
  REQUIRE(diagnostics.empty());
  REQUIRE(documents.size() == 1);
  const YamlNode* value = documents[0].Find("v");
  REQUIRE(value != nullptr);
  return *value;
}

TEST_CASE("bool values follow YAML 1.1 and refuse quoted text") {
  struct Case {
    std::string text;
    std::optional<bool> value;
  };
  const Case cases[] = {
      {"true", true},
      {"True", true},
      {"yes", true},
      {"ON", true},
      {"false", false},
      {"No", false},
      {"off", false},
      {"\"true\"", std::nullopt},
      {"1", std::nullopt},
      {"maybe", std::nullopt},
      {"[true]", std::nullopt},
      {"", std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(BoolValue(ValueOf(c.text)) == c.value);
  }
}

TEST_CASE("int values are plain decimal integers of at most nine digits") {
  struct Case {
    std::string text;
    std::optional<int> value;
  };
  const Case cases[] = {
      {"0", 0},
      {"16", 16},
      {"-3", -3},
      {"+7", 7},
      {"999999999", 999999999},
      {"1000000000", std::nullopt},
      {"0x10", std::nullopt},
      {"1_000", std::nullopt},
      {"1.5", std::nullopt},
      {"'16'", std::nullopt},
      {"sixteen", std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(IntValue(ValueOf(c.text)) == c.value);
  }
}

TEST_CASE("number values take integers, floats and the special floats") {
  struct Case {
    std::string text;
    std::optional<double> value;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const Case cases[] = {
      {"0.25", 0.25},
      {"1", 1.0},
      {".5", 0.5},
      {"-2.5", -2.5},
      {"+1.5", 1.5},
      {"1.", 1.0},
      {"1.5e+3", 1500.0},
      {"1_000.5", 1000.5},
      {".inf", inf},
      {"-.Inf", -inf},
      {"'0.5'", std::nullopt},
      {"half", std::nullopt},
      {"1:30.5", std::nullopt},
      {"true", std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(NumberValue(ValueOf(c.text)) == c.value);
  }
  std::optional<double> nan = NumberValue(ValueOf(".nan"));
  REQUIRE(nan.has_value());
  CHECK(std::isnan(*nan));
}

// The YAML 1.1 resolution regexes (yaml.org/type/), as the loader used them before they
// were written by hand; std::regex is fine here because the test strings are short.
ScalarType RegexType(const std::string& s) {
  static const std::regex kBool(
      "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF");
  static const std::regex kInt(
      "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|"
      "[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+");
  static const std::regex kFloat(
      "[-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?|\\.[0-9_]+([eE][-+][0-9]+)?|"
      "[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarType::kNull;
  if (std::regex_match(s, kBool)) return ScalarType::kBool;
  if (std::regex_match(s, kInt)) return ScalarType::kInt;
  if (std::regex_match(s, kFloat)) return ScalarType::kFloat;
  return ScalarType::kString;
}

ScalarType PlainType(const std::string& text) {
  YamlNode node;
  node.kind = YamlNode::Kind::kScalar;
  node.scalar = text;
  return node.Type();
}

TEST_CASE("plain scalars resolve exactly as the YAML 1.1 regexes say") {
  // Every string of up to 4 characters over the characters the regexes care about, then
  // random longer ones.
  const std::string alphabet = "0159_:.-+eExbaIn";
  std::vector<std::string> texts = {
      "",           ".inf", "-.Inf",  "+.INF", ".nan", ".NaN",    "-.nan", "on",  "Off",
      "TRUE",       "yes",  "0x1F",   "0b101", "0o17", "1:30:00", "1:60",  "1:6", "1:30.5",
      "1_000.5e+3", "1e3",  "1.5E-3", ".5e+1", "-.5",  "0.",      "00",    "09",  "0_7"};
  std::vector<std::string> level = {""};
  for (int length = 1; length <= 4; ++length) {
    std::vector<std::string> next;
    for (const std::string& prefix : level)
      for (char c : alphabet) next.push_back(prefix + c);
    texts.insert(texts.end(), next.begin(), next.end());
    level = std::move(next);
  }
  std::mt19937 random(12);
  for (int i = 0; i < 20'000; ++i) {
    std::string text(5 + random() % 10, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    texts.push_back(text);
  }
  for (const std::string& text : texts) {
    CAPTURE(text);
    REQUIRE(PlainType(text) == RegexType(text));
  }
}

TEST_CASE("a megabyte plain scalar resolves without recursion") {
  CHECK(PlainType(std::string(1 << 20, '7')) == ScalarType::kInt);
  CHECK(PlainType("1" + std::string(1 << 20, '0') + ".5") == ScalarType::kFloat);
  CHECK(PlainType(std::string(1 << 20, 'a')) == ScalarType::kString);
  CHECK(IntValue(ValueOf(std::string(1 << 20, '7'))) == std::nullopt);
}

}  // namespace
}  // namespace dflow
