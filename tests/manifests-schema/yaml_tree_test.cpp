#include "manifests-schema/yaml_tree.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>
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

}  // namespace
}  // namespace dflow
