#include "manifests-schema/json_to_yaml.h"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace dflow {
namespace {

TEST_CASE("JSON printed as YAML reads back as the same values") {
  nlohmann::json value = {
      {"name", "web"},      {"count", 2},
      {"enabled", true},    {"looksLikeBool", "true"},
      {"empty", ""},        {"hostile", "a: b # c\n'x' \"y\" $(z)"},
      {"list", {"a", "b"}}, {"nested", {{"k", nullptr}}},
  };
  YAML::Node node = YAML::Load(JsonToYaml(value));
  CHECK(node["name"].as<std::string>() == "web");
  CHECK(node["count"].as<int>() == 2);
  CHECK(node["enabled"].as<bool>() == true);
  CHECK(node["looksLikeBool"].Tag() == "!");  // quoted: stays a string
  CHECK(node["looksLikeBool"].as<std::string>() == "true");
  CHECK(node["empty"].as<std::string>() == "");
  CHECK(node["hostile"].as<std::string>() == "a: b # c\n'x' \"y\" $(z)");
  CHECK(node["list"][1].as<std::string>() == "b");
  CHECK(node["nested"]["k"].IsNull());
}

TEST_CASE("plain strings stay plain, look-alikes are quoted, empty containers are flow") {
  nlohmann::json value = {{"a", "web"},
                          {"b", "0123"},
                          {"c", "yes"},
                          {"d", nlohmann::json::array()},
                          {"e", nlohmann::json::object()}};
  CHECK(JsonToYaml(value) == "a: web\nb: \"0123\"\nc: \"yes\"\nd: []\ne: {}\n");
}

}  // namespace
}  // namespace dflow
