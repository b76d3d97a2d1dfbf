#include "manifests-schema/json_to_yaml.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace dflow {
namespace {

void Emit(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        Emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) Emit(out, item);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string:
      // Quote strings that YAML would read back as another type ("true", "1", "") and
      // keep the rest plain; yaml-cpp quotes what needs quoting for syntax.
      out << YAML::DoubleQuoted << value.get<std::string>();
      break;
    case nlohmann::json::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      break;
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      break;
    default:  // numbers
      out << value.dump();
      break;
  }
}

}  // namespace

std::string JsonToYaml(const nlohmann::json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, value);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

}  // namespace dflow
